#include "support/host_helpers.h"

#include <thread>

namespace wasmhive::testing {

std::function<void(const actor::Event&)> EventLog::sink() {
  return [this](const actor::Event& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  };
}

std::size_t EventLog::count(actor::Event::Kind kind, const std::string& subject) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& e : events_) n += e.kind == kind && e.subject == subject;
  return n;
}

bool EventLog::wait_for(actor::Event::Kind kind, const std::string& subject, std::size_t count,
                        std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    std::size_t n = 0;
    for (const auto& e : events_) n += e.kind == kind && e.subject == subject;
    return n >= count;
  });
}

std::vector<actor::Event> EventLog::all() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::function<void(const host::HostMessage&)> Inbox::sink() {
  return [this](const host::HostMessage& message) {
    std::lock_guard lock(mutex_);
    messages_.push_back({std::string(message.sender),
                         std::string(message.payload.begin(), message.payload.end()),
                         message.trace});
    changed_.notify_all();
  };
}

std::optional<std::string> Inbox::wait_for(const std::string& prefix,
                                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    for (const auto& message : messages_)
      if (message.payload.rfind(prefix, 0) == 0) {
        found = message.payload;
        return true;
      }
    return false;
  });
  return found;
}

std::optional<Inbox::Arrival> Inbox::arrival(const std::string& prefix, const std::string& sender,
                                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<Arrival> found;
  changed_.wait_for(lock, timeout, [&] {
    for (const auto& message : messages_)
      if (message.payload.rfind(prefix, 0) == 0 && (sender.empty() || message.sender == sender)) {
        found = message;
        return true;
      }
    return false;
  });
  return found;
}

std::size_t Inbox::count(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& message : messages_) n += message.payload.rfind(prefix, 0) == 0;
  return n;
}

std::vector<std::string> Inbox::payloads(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& message : messages_)
    if (message.payload.rfind(prefix, 0) == 0) out.push_back(message.payload);
  return out;
}

namespace {

// A request as the host, and its reply once `ready` returns true; `ready` is
// how the caller lets the host work (waiting, or stepping it).
host::Reply request_and(host::Host& host, std::string_view target, std::string_view payload,
                        std::chrono::milliseconds timeout, host::SendOptions options,
                        const std::function<bool(std::future<host::Reply>&)>& ready) {
  auto future = host.request(target, to_bytes(payload), timeout, options);
  if (!future) {
    ADD_FAILURE() << "request to " << target << ": " << future.error().describe();
    return {abi::kStatusUnknownTarget, {}};
  }
  if (!ready(*future)) {
    ADD_FAILURE() << "request to " << target << " never completed";
    return {abi::kStatusTimeout, {}};
  }
  return future->get();
}

}  // namespace

host::Reply ask(host::Host& host, std::string_view target, std::string_view payload,
                std::chrono::milliseconds timeout) {
  return request_and(host, target, payload, timeout, {.wait_for_room = timeout},
                     [&](std::future<host::Reply>& future) {
                       return future.wait_for(timeout + kPatience) == std::future_status::ready;
                     });
}

host::Reply ask_stepped(host::Host& host, std::string_view target, std::string_view payload,
                        std::chrono::milliseconds timeout) {
  // Stepped until answered: what else is queued may still wait.
  return request_and(host, target, payload, timeout, {}, [&](std::future<host::Reply>& future) {
    while (future.wait_for(0s) != std::future_status::ready && host.step()) {
    }
    return future.wait_for(0s) == std::future_status::ready;
  });
}

std::string ask_text(host::Host& host, std::string_view target, std::string_view payload) {
  host::Reply reply = ask(host, target, payload);
  EXPECT_EQ(reply.status, abi::kStatusOk) << "request to " << target;
  return {reply.payload.begin(), reply.payload.end()};
}

std::string ask_text_stepped(host::Host& host, std::string_view target, std::string_view payload) {
  host::Reply reply = ask_stepped(host, target, payload);
  EXPECT_EQ(reply.status, abi::kStatusOk) << "request to " << target;
  return {reply.payload.begin(), reply.payload.end()};
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

actor::ComponentSpec guest_spec(const std::string& name, const std::string& guest) {
  actor::ComponentSpec spec;
  spec.name = name;
  spec.wasm = guest_path(guest);
  // Test components may do anything; the capability tests grant narrowly.
  // Storage is read-only: a component that may write holds each call's output
  // until the call ends (docs/abi.md §10), which tests of storage ask for.
  spec.capabilities = security::Capabilities::all();
  spec.capabilities.storage = security::StorageAccess::read;
  return spec;
}

}  // namespace wasmhive::testing
