// A message between components (or the host and a component): owned bytes,
// copied out of the sender's memory, so no two components share memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abi/abi.h"

namespace wasmhive::actor {

// The name the host application sends as (names starting with '@' are reserved).
inline constexpr std::string_view kHostSender = "@host";

struct Message {
  abi::MessageKind kind = abi::kKindSend;
  std::string sender;
  std::string topic;  // kKindPublish
  std::vector<std::uint8_t> payload;
  std::uint64_t correlation_id = 0;  // kKindRequest: where the reply goes
};

}  // namespace wasmhive::actor
