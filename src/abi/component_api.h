// What a guest may ask of the host, after its arguments were decoded from guest
// memory: one object per component instance. The runtime implements it; the
// bindings (host_bindings.h) turn ABI v1 imports into calls on it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/abi.h"
#include "engine/host_function.h"

namespace wasmhive::abi {

using Bytes = std::span<const std::uint8_t>;

class Outbox;

// The message (or callback) currently being handled by the component.
struct CurrentMessage {
  MessageKind kind = kKindSend;
  std::string_view sender;
  std::string_view topic;  // kKindPublish only
  Bytes payload;
};

// Every method returns an ABI result: >= 0 success, or a negative ErrorCode.
// Implementations must not throw. It is the host context the ABI bindings are
// instantiated with, so they reach it by a checked downcast, not a void*.
class ComponentApi : public engine::HostContext {
 public:
  // Null outside handle_message / handle_callback.
  virtual const CurrentMessage* current_message() const = 0;
  virtual std::string_view self_id() const = 0;

  virtual std::int32_t send(std::string_view target, Bytes payload) = 0;
  // Returns a correlation id (> 0) or a negative ErrorCode.
  virtual std::int64_t request(std::string_view target, Bytes payload, std::int64_t timeout_ms) = 0;
  virtual std::int32_t reply(Bytes payload) = 0;
  virtual std::int32_t cancel(std::int64_t correlation_id) = 0;
  // `targets` is the guest's newline-separated list, unparsed.
  virtual std::int32_t broadcast(std::string_view targets, Bytes payload) = 0;
  virtual std::int32_t publish(std::string_view topic, Bytes payload) = 0;
  virtual std::int32_t subscribe(std::string_view topic) = 0;
  virtual std::int32_t unsubscribe(std::string_view topic) = 0;
  virtual std::int32_t log(LogLevel level, std::string_view message) = 0;
  virtual std::int64_t now_ms() = 0;
  // Nanoseconds on the host's steady clock: only differences mean something.
  virtual std::int64_t monotonic_ns() = 0;

  // The guest's outbox, if its instance announced one: what it holds leaves
  // before any import that sends (host_bindings.cc).
  virtual const Outbox* outbox() const { return nullptr; }
  // A message the guest queued in its outbox that send, reply or publish
  // refused with `code`: it has no caller to tell, so it is a dead letter.
  virtual void undeliverable(OutboxOp op, std::string_view name, std::size_t payload_size,
                             std::int32_t code) = 0;

  // ---- optional features: a host without them answers kErrUnsupported ----
  // Storage: the component's own keys (docs/abi.md §storage). Keys and values
  // are bytes; writes take effect when the export call returns 0.
  virtual std::int32_t storage_get(std::string_view /*key*/, std::string& /*value*/) {
    return kErrUnsupported;
  }
  // The value's length (>= 0), or an error.
  virtual std::int32_t storage_exists(std::string_view /*key*/) { return kErrUnsupported; }
  virtual std::int32_t storage_set(std::string_view /*key*/, Bytes /*value*/) {
    return kErrUnsupported;
  }
  virtual std::int32_t storage_delete(std::string_view /*key*/) { return kErrUnsupported; }
  // Up to `limit` keys starting with `prefix` that sort after `after`, in order.
  virtual std::int32_t storage_list(std::string_view /*prefix*/, std::string_view /*after*/,
                                    std::size_t /*limit*/, std::vector<std::string>& /*keys*/) {
    return kErrUnsupported;
  }
  virtual std::int64_t storage_usage(UsageField /*field*/) { return kErrUnsupported; }
  // A message to itself after `delay_ms`: a timer id (> 0) or an error.
  virtual std::int64_t send_after(std::int64_t /*delay_ms*/, Bytes /*payload*/) {
    return kErrUnsupported;
  }
  virtual std::int32_t cancel_timer(std::int64_t /*id*/) { return kErrUnsupported; }
  // Its manifest's [component.config] value for `key` (kOk), or an error.
  virtual std::int32_t config_get(std::string_view /*key*/, std::string_view& /*value*/) {
    return kErrUnsupported;
  }
};

}  // namespace wasmhive::abi
