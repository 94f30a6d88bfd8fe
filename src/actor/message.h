// A message between components (or the host and a component): owned bytes,
// copied out of the sender's memory, so no two components share memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "util/trace.h"

namespace wasmhive::actor {

// The name the host application sends as (names starting with '@' are reserved).
inline constexpr std::string_view kHostSender = "@host";

struct Message {
  abi::MessageKind kind = abi::kKindSend;
  std::string sender;  // for a callback: who answered
  std::string topic;   // kKindPublish
  std::vector<std::uint8_t> payload;
  // kKindRequest: where the reply goes; kKindCallback: which request it answers.
  std::uint64_t correlation_id = 0;
  // kKindCallback only.
  abi::CallbackStatus status = abi::kStatusOk;
  std::uint64_t generation = 0;  // the requester instance it is for
  // kKindRequest: its timeout, for a host that passes it on to another.
  std::uint32_t timeout_ms = 0;
  // Its place in a chain of messages (util/trace.h), stamped by the router
  // when it is made; copies of one broadcast or publication share it.
  Trace trace{};
};

}  // namespace wasmhive::actor
