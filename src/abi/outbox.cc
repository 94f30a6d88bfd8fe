#include "abi/outbox.h"

#include <bit>
#include <cstring>
#include <string>

#include "abi/announced_buffer.h"

namespace wasmhive::abi {
namespace {

std::uint32_t load_u32(const std::uint8_t* at) {
  // Wasm memory is little endian, as is every host we build for.
  static_assert(std::endian::native == std::endian::little);
  std::uint32_t value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

Error malformed(std::uint32_t at, const std::string& what) {
  return Error{Errc::invalid_argument,
               "malformed outbox at byte " + std::to_string(at) + ": " + what};
}

std::int32_t send_record(ComponentApi& api, std::uint32_t op, std::string_view name,
                         Bytes payload) {
  switch (op) {
    case kOutboxSend:
      return api.send(name, payload);
    case kOutboxReply:
      return api.reply(payload);
    default:
      return api.publish(name, payload);
  }
}

}  // namespace

Result<Outbox> Outbox::locate(const engine::GuestMemory& memory, std::int64_t announced) {
  auto buffer = locate_announced(memory, announced, kOutboxHeaderSize, kOutboxExport);
  if (!buffer) return buffer.error();
  if (buffer->capacity > kMaxOutboxCapacity)
    return make_error(Errc::invalid_argument, std::string(kOutboxExport) + " announced " +
                                                  std::to_string(buffer->capacity) +
                                                  " bytes; an outbox holds at most " +
                                                  std::to_string(kMaxOutboxCapacity));
  return Outbox(buffer->address, buffer->capacity);
}

Result<void> Outbox::drain(const engine::GuestMemory& memory, ComponentApi& api) const {
  auto outbox = memory.span(address_, kOutboxHeaderSize + capacity_);
  if (!outbox) return {};  // unreachable: memory only grows (see locate)
  std::uint8_t* header = outbox->data();
  std::uint32_t used = load_u32(header);
  if (used == 0) return {};
  // Emptied first: what follows may fail, and a record must never go twice.
  std::memset(header, 0, kOutboxHeaderSize);
  if (used > capacity_)
    return malformed(0, "it holds " + std::to_string(used) + " bytes, its capacity is " +
                            std::to_string(capacity_));
  // The guest cannot change these bytes while the host reads them: it is not
  // running. Names and payloads are views into its memory, copied by `api`.
  const std::uint8_t* records = header + kOutboxHeaderSize;
  for (std::uint32_t at = 0; at < used;) {
    if (used - at < kOutboxRecordHeaderSize) return malformed(at, "a record header is cut short");
    std::uint32_t op = load_u32(records + at);
    std::uint64_t name_len = load_u32(records + at + 4);
    std::uint64_t payload_len = load_u32(records + at + 8);
    if (op > kOutboxPublish) return malformed(at, "unknown op " + std::to_string(op));
    std::uint64_t end = std::uint64_t{at} + kOutboxRecordHeaderSize + name_len + payload_len;
    if (end > used) return malformed(at, "the record runs past the bytes used");
    const std::uint8_t* name = records + at + kOutboxRecordHeaderSize;
    std::string_view name_text(reinterpret_cast<const char*>(name), name_len);
    Bytes payload(name + name_len, payload_len);
    if (std::int32_t rc = send_record(api, op, name_text, payload); rc < 0)
      api.undeliverable(static_cast<OutboxOp>(op), name_text, payload.size(), rc);
    at = static_cast<std::uint32_t>(end);
  }
  return {};
}

}  // namespace wasmhive::abi
