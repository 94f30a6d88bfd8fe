// Helpers for end-to-end tests of a Host: an event log a test can wait on
// (instead of sleeping), and a request that waits for its reply.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/host.h"
#include "support/guests.h"

namespace wasmhive::testing {

using namespace std::chrono_literals;

// Generous upper bound for anything a test waits for: only reached when broken.
inline constexpr auto kPatience = 20s;

class EventLog {
 public:
  // Install as HostConfig::on_event.
  std::function<void(const actor::Event&)> sink();

  // Waits until `count` events of `kind` about `subject` were seen.
  bool wait_for(actor::Event::Kind kind, const std::string& subject, std::size_t count = 1,
                std::chrono::milliseconds timeout = kPatience);
  std::size_t count(actor::Event::Kind kind, const std::string& subject) const;
  std::vector<actor::Event> all() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<actor::Event> events_;
};

// The host's inbox (HostConfig::on_message): what components sent to "@host".
class Inbox {
 public:
  struct Arrival {
    std::string sender{};
    std::string payload{};
    Trace trace{};
  };
  std::function<void(const host::HostMessage&)> sink();
  // Waits for a message whose payload starts with `prefix`; returns its payload.
  std::optional<std::string> wait_for(const std::string& prefix,
                                      std::chrono::milliseconds timeout = kPatience);
  std::size_t count(const std::string& prefix) const;
  // Every payload so far whose payload starts with `prefix`, in arrival order.
  std::vector<std::string> payloads(const std::string& prefix) const;
  // Waits for a message from `sender` (any, when empty) whose payload starts
  // with `prefix`, and returns all of it.
  std::optional<Arrival> arrival(const std::string& prefix, const std::string& sender = {},
                                 std::chrono::milliseconds timeout = kPatience);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Arrival> messages_;
};

// Sends a request as the host (waiting for mailbox room) and waits for the reply.
host::Reply ask(host::Host& host, std::string_view target, std::string_view payload,
                std::chrono::milliseconds timeout = 10s);
// The reply's payload as text, with the status checked to be ok.
std::string ask_text(host::Host& host, std::string_view target, std::string_view payload);
// The same for a stepped host (HostConfig::stepped): steps it until the reply
// comes (what else is queued may still wait).
host::Reply ask_stepped(host::Host& host, std::string_view target, std::string_view payload,
                        std::chrono::milliseconds timeout = 10s);
std::string ask_text_stepped(host::Host& host, std::string_view target, std::string_view payload);

// Polls `condition` (every millisecond) until it holds or `timeout` passes: for
// states no event announces, such as a mailbox size.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = kPatience);

// A spec for a test component with every capability granted, but storage
// writes (see guest_spec's definition).
actor::ComponentSpec guest_spec(const std::string& name, const std::string& guest);

}  // namespace wasmhive::testing
