#include "abi/outbox.h"

#include <cstring>
#include <string>

#include "abi/announced_buffer.h"
#include "util/bytes.h"

namespace wasmhive::abi {
namespace {

Error malformed(std::size_t at, const std::string& what) {
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
  std::uint64_t used = 0;
  ByteReader(*outbox).uint(used, kOutboxHeaderSize);
  if (used == 0) return {};
  // Emptied first: what follows may fail, and a record must never go twice.
  std::memset(outbox->data(), 0, kOutboxHeaderSize);
  if (used > capacity_)
    return malformed(0, "it holds " + std::to_string(used) + " bytes, its capacity is " +
                            std::to_string(capacity_));
  // The guest cannot change these bytes while the host reads them: it is not
  // running. Names and payloads are views into its memory, copied by `api`.
  ByteReader records(outbox->subspan(kOutboxHeaderSize, used));
  while (records.left() > 0) {
    std::size_t at = records.offset();
    std::uint64_t op = 0, name_len = 0, payload_len = 0;
    if (!records.uint(op, 4) || !records.uint(name_len, 4) || !records.uint(payload_len, 4))
      return malformed(at, "a record header is cut short");
    if (op > kOutboxPublish) return malformed(at, "unknown op " + std::to_string(op));
    std::string_view name;
    Bytes payload;
    if (!records.text(name, name_len) || !records.bytes(payload, payload_len))
      return malformed(at, "the record runs past the bytes used");
    if (std::int32_t rc = send_record(api, static_cast<std::uint32_t>(op), name, payload); rc < 0)
      api.undeliverable(static_cast<OutboxOp>(op), name, payload.size(), rc);
  }
  return {};
}

}  // namespace wasmhive::abi
