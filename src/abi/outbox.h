// The optional outbox: a buffer in guest memory, announced by the export
// `wasmhive_outbox`, where the guest queues sends, replies and publications
// instead of making an import call for each. The host sends what it holds
// when the export call returns, and before any import that sends, so the
// order of everything a component sends is the order it wrote it in. A
// queued message has no result: one that cannot be delivered becomes a dead
// letter, as Erlang's `!` reports nothing. Layout: docs/abi.md §2.
#pragma once

#include <cstdint>
#include <string_view>

#include "abi/component_api.h"
#include "engine/host_function.h"
#include "util/result.h"

namespace wasmhive::abi {

inline constexpr std::string_view kOutboxExport = "wasmhive_outbox";
// u32 used: bytes of records that follow (little endian).
inline constexpr std::uint32_t kOutboxHeaderSize = 4;
// Each record: u32 op, u32 name_len, u32 payload_len, then name and payload.
inline constexpr std::uint32_t kOutboxRecordHeaderSize = 12;
// The largest capacity a guest may announce. Sending what an outbox holds
// runs after the call, outside its deadline: this bounds that work (about
// 20,000 records at most) the way the deadline bounds import calls.
inline constexpr std::uint32_t kMaxOutboxCapacity = 256 * 1024;

class Outbox {
 public:
  // `announced` is what wasmhive_outbox returned: the address in the low 32
  // bits, the capacity of the record area in the high 32. Checks the whole
  // outbox lies inside `memory` (which never shrinks) and the capacity is at
  // most kMaxOutboxCapacity.
  static Result<Outbox> locate(const engine::GuestMemory& memory, std::int64_t announced);

  // Sends every queued record through `api`, in order, then marks the outbox
  // empty. A record `api` refuses goes to api.undeliverable(). A malformed
  // outbox (more used than its capacity, a record past the used bytes, an
  // unknown op) is an error naming the byte; the records before it were sent.
  Result<void> drain(const engine::GuestMemory& memory, ComponentApi& api) const;

 private:
  Outbox(std::uint32_t address, std::uint32_t capacity) : address_(address), capacity_(capacity) {}
  std::uint32_t address_;
  std::uint32_t capacity_;
};

}  // namespace wasmhive::abi
