// A bounded multi-producer, single-consumer queue of messages: many senders, one
// worker draining it. FIFO, so each sender's messages keep their order. A full
// mailbox refuses (or, for host senders that ask, waits up to a deadline): it
// never drops silently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "actor/message.h"

namespace wasmhive::actor {

class Mailbox {
 public:
  explicit Mailbox(std::size_t capacity) : capacity_(capacity) {}

  enum class Push { accepted, full, closed };

  Push try_push(Message message);
  // Ignores the capacity (not closure): for callbacks, which are bounded by the
  // requests their receiver has outstanding and must never be refused.
  Push force_push(Message message);
  // Waits for room until `deadline` (real time: it bounds a host thread's wait).
  Push push_until(Message message, std::chrono::steady_clock::time_point deadline);
  std::optional<Message> try_pop();

  // A closed mailbox refuses every push; what it holds can still be popped/drained.
  void close();
  void reopen();
  std::vector<Message> drain();

  // Lock-free, sequentially consistent: the scheduling handshake (Component,
  // Worker) pairs it with the `scheduled` flag, so it must not be weaker.
  std::size_t size() const { return size_.load(); }
  std::size_t capacity() const { return capacity_; }

 private:
  void resized() { size_.store(queue_.size()); }

  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::size_t waiting_for_room_ = 0;  // push_until callers: pops notify only them
  std::deque<Message> queue_;
  std::atomic<std::size_t> size_{0};  // queue_.size(), written under mutex_
  bool closed_ = false;
};

}  // namespace wasmhive::actor
