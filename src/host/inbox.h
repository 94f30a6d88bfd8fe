// A ready-made HostConfig::on_message: queues what components send to "@host"
// so the application can take the messages on its own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "host/host.h"

namespace wasmhive::host {

struct InboxMessage {
  abi::MessageKind kind;
  std::string sender;
  std::string topic;
  std::string payload;  // bytes, in a string for convenience
  Trace trace{};
};

class Inbox {
 public:
  // Install as HostConfig::on_message; the Inbox must outlive the Host.
  std::function<void(const HostMessage&)> sink() {
    return [this](const HostMessage& message) {
      std::lock_guard lock(mutex_);
      queue_.push_back({message.kind, std::string(message.sender), std::string(message.topic),
                        std::string(message.payload.begin(), message.payload.end()),
                        message.trace});
      arrived_.notify_all();
    };
  }

  // The oldest message, waiting up to `timeout` for one.
  std::optional<InboxMessage> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!arrived_.wait_for(lock, timeout, [&] { return !queue_.empty(); })) return std::nullopt;
    InboxMessage message = std::move(queue_.front());
    queue_.pop_front();
    return message;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<InboxMessage> queue_;
};

}  // namespace wasmhive::host
