// What a guest may ask of the host, after its arguments were decoded from guest
// memory: one object per component instance. The runtime implements it; the
// bindings (host_bindings.h) turn ABI v1 imports into calls on it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "abi/abi.h"
#include "engine/host_function.h"

namespace wasmhive::abi {

using Bytes = std::span<const std::uint8_t>;

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
};

}  // namespace wasmhive::abi
