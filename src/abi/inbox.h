// The optional inbox: a buffer in guest memory, announced by the export
// `wasmhive_inbox`, into which the host writes each message (header and bytes)
// before calling handle_message / handle_callback. It spares the guest the
// msg_kind / msg_sender / msg_topic / msg_payload crossings. Layout: docs/abi.md §2.
#pragma once

#include <cstdint>
#include <string_view>

#include "abi/component_api.h"
#include "engine/host_function.h"
#include "util/result.h"

namespace wasmhive::abi {

inline constexpr std::string_view kInboxExport = "wasmhive_inbox";
// u32 filled, kind, sender_len, topic_len, payload_len (little endian), then data.
inline constexpr std::uint32_t kInboxHeaderSize = 20;

class Inbox {
 public:
  // `announced` is what wasmhive_inbox returned: the address in the low 32 bits,
  // the capacity of the data area in the high 32 (so announcing touches no guest
  // page). Checks the whole inbox lies inside `memory`; linear memory never
  // shrinks, so it stays inside.
  static Result<Inbox> locate(const engine::GuestMemory& memory, std::int64_t announced);

  // Writes the message's header; the bytes too if they fit the capacity
  // (filled = 1), otherwise filled = 0 and the guest pulls them by import.
  void fill(const engine::GuestMemory& memory, const CurrentMessage& message) const;

 private:
  Inbox(std::uint32_t address, std::uint32_t capacity) : address_(address), capacity_(capacity) {}
  std::uint32_t address_;
  std::uint32_t capacity_;
};

}  // namespace wasmhive::abi
