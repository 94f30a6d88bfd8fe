#include "abi/inbox.h"

#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "abi/announced_buffer.h"

namespace wasmhive::abi {
namespace {

void store_u32(std::uint8_t* at, std::uint32_t value) {
  // Wasm memory is little endian, as is every host we build for.
  static_assert(std::endian::native == std::endian::little);
  std::memcpy(at, &value, sizeof value);
}

// memcpy must not see the null data() of an empty view, even for 0 bytes.
std::uint8_t* append(std::uint8_t* to, const void* from, std::size_t size) {
  if (size > 0) std::memcpy(to, from, size);
  return to + size;
}

}  // namespace

Result<Inbox> Inbox::locate(const engine::GuestMemory& memory, std::int64_t announced) {
  auto buffer = locate_announced(memory, announced, kInboxHeaderSize, kInboxExport);
  if (!buffer) return buffer.error();
  return Inbox(buffer->address, buffer->capacity);
}

void Inbox::fill(const engine::GuestMemory& memory, const CurrentMessage& message) const {
  auto inbox = memory.span(address_, kInboxHeaderSize + capacity_);
  if (!inbox) return;  // unreachable: memory only grows (see locate)
  std::uint8_t* at = inbox->data();
  std::size_t total = message.sender.size() + message.topic.size() + message.payload.size();
  bool fits = total <= capacity_;
  std::array<std::uint32_t, 5> fields = {fits ? 1u : 0u, static_cast<std::uint32_t>(message.kind),
                                         static_cast<std::uint32_t>(message.sender.size()),
                                         static_cast<std::uint32_t>(message.topic.size()),
                                         static_cast<std::uint32_t>(message.payload.size())};
  for (std::size_t i = 0; i < fields.size(); ++i) store_u32(at + 4 * i, fields[i]);
  if (!fits) return;
  std::uint8_t* data = at + kInboxHeaderSize;
  data = append(data, message.sender.data(), message.sender.size());
  data = append(data, message.topic.data(), message.topic.size());
  append(data, message.payload.data(), message.payload.size());
}

}  // namespace wasmhive::abi
