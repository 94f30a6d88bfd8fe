#include "lattice/frame.h"

#include "util/bytes.h"

namespace wasmhive::lattice {
namespace {

constexpr std::uint8_t kHeartbeatTag = 0x48;  // 'H': a heartbeat is never read as a frame
constexpr std::size_t kMaxListed = 1 << 20;   // names, templates or acks in one heartbeat

Error invalid(const std::string& what) {
  return Error{Errc::invalid_argument, "malformed lattice frame: " + what};
}

bool known_type(std::uint64_t type) {
  return type >= static_cast<std::uint8_t>(FrameType::send) &&
         type <= static_cast<std::uint8_t>(FrameType::publish);
}

void write_list(ByteWriter& out, const std::vector<std::string>& list) {
  out.uint(list.size(), 4);
  for (const auto& item : list) out.short_text(item);
}

bool read_list(ByteReader& in, std::vector<std::string>& list) {
  std::uint64_t count = 0;
  // Each item takes at least its 2-byte length: a count the bytes cannot hold is a lie.
  if (!in.uint(count, 4) || count > kMaxListed || count * 2 > in.left()) return false;
  list.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view item;
    if (!in.short_text(item)) return false;
    list.emplace_back(item);
  }
  return true;
}

// version, type, status, seq, correlation, timeout, trace (trace, message, cause)
constexpr std::size_t kFrameHeader = 1 + 1 + 1 + 8 + 8 + 4 + 3 * 8;

void write_frame(const Frame& frame, std::vector<std::uint8_t>& out) {
  ByteWriter w(out);
  w.uint(kWireVersion, 1);
  w.uint(static_cast<std::uint8_t>(frame.type), 1);
  w.uint(static_cast<std::uint32_t>(frame.status), 1);
  w.uint(frame.seq, 8);
  w.uint(frame.correlation, 8);
  w.uint(frame.timeout_ms, 4);
  w.uint(frame.trace.trace_id, 8);
  w.uint(frame.trace.message_id, 8);
  w.uint(frame.trace.cause_id, 8);
  w.short_text(frame.origin);
  w.short_text(frame.sender);
  w.short_text(frame.target);
  w.bytes(frame.payload);
}

}  // namespace

void encode(const Frame& frame, std::vector<std::uint8_t>& out) {
  out.clear();
  out.reserve(encoded_size(frame));
  write_frame(frame, out);
}

std::size_t encoded_size(const Frame& frame) {
  return kFrameHeader + 6 + frame.origin.size() + frame.sender.size() + frame.target.size() +
         frame.payload.size();
}

void append(const Frame& frame, std::vector<std::uint8_t>& batch) {
  ByteWriter(batch).uint(encoded_size(frame), 4);
  write_frame(frame, batch);
}

Result<std::size_t> for_each_frame(std::span<const std::uint8_t> batch,
                                   const std::function<void(const Frame&)>& each) {
  ByteReader in(batch);
  std::size_t count = 0;
  while (in.left() > 0) {
    std::uint64_t size = 0;
    std::string_view bytes;
    if (!in.uint(size, 4) || !in.text(bytes, size)) return invalid("truncated batch");
    auto frame = decode_frame({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    if (!frame) return frame.error();
    each(*frame);
    ++count;
  }
  return count;
}

Result<Frame> decode_frame(std::span<const std::uint8_t> bytes) {
  ByteReader in(bytes);
  std::uint64_t version = 0, type = 0, status = 0, timeout = 0;
  Frame frame;
  if (!in.uint(version, 1)) return invalid("empty");
  if (version != kWireVersion) return invalid("wire version " + std::to_string(version));
  if (!in.uint(type, 1) || !known_type(type)) return invalid("unknown type");
  if (!in.uint(status, 1) || status > abi::kStatusDenied) return invalid("unknown status");
  if (!in.uint(frame.seq, 8) || !in.uint(frame.correlation, 8) || !in.uint(timeout, 4) ||
      !in.uint(frame.trace.trace_id, 8) || !in.uint(frame.trace.message_id, 8) ||
      !in.uint(frame.trace.cause_id, 8))
    return invalid("truncated header");
  if (!in.short_text(frame.origin) || !in.short_text(frame.sender) || !in.short_text(frame.target))
    return invalid("truncated names");
  frame.type = static_cast<FrameType>(type);
  frame.status = static_cast<abi::CallbackStatus>(status);
  frame.timeout_ms = static_cast<std::uint32_t>(timeout);
  frame.payload = in.rest();
  return frame;
}

std::vector<std::uint8_t> encode(const Heartbeat& heartbeat) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  w.uint(kWireVersion, 1);
  w.uint(kHeartbeatTag, 1);
  w.short_text(heartbeat.host);
  w.uint(heartbeat.incarnation, 8);
  w.uint((heartbeat.hello ? 1 : 0) | (heartbeat.leaving ? 2 : 0), 1);
  write_list(w, heartbeat.names);
  write_list(w, heartbeat.templates);
  w.uint(heartbeat.active_virtual, 8);
  w.uint(heartbeat.acks.size(), 4);
  for (const Ack& ack : heartbeat.acks) {
    w.short_text(ack.origin);
    w.uint(ack.incarnation, 8);
    w.uint(ack.seq, 8);
  }
  return out;
}

Result<Heartbeat> decode_heartbeat(std::span<const std::uint8_t> bytes) {
  ByteReader in(bytes);
  Heartbeat heartbeat;
  std::uint64_t version = 0, tag = 0, flags = 0, acks = 0;
  std::string_view host;
  if (!in.uint(version, 1) || version != kWireVersion) return invalid("heartbeat version");
  if (!in.uint(tag, 1) || tag != kHeartbeatTag) return invalid("not a heartbeat");
  if (!in.short_text(host) || host.empty()) return invalid("heartbeat without a host");
  heartbeat.host = std::string(host);
  if (!in.uint(heartbeat.incarnation, 8) || !in.uint(flags, 1) || flags > 3)
    return invalid("truncated heartbeat");
  heartbeat.hello = flags & 1;
  heartbeat.leaving = flags & 2;
  if (!read_list(in, heartbeat.names) || !read_list(in, heartbeat.templates))
    return invalid("heartbeat lists");
  if (!in.uint(heartbeat.active_virtual, 8) || !in.uint(acks, 4) || acks > kMaxListed ||
      acks * 18 > in.left())
    return invalid("heartbeat acks");
  for (std::uint64_t i = 0; i < acks; ++i) {
    Ack ack;
    std::string_view origin;
    if (!in.short_text(origin) || !in.uint(ack.incarnation, 8) || !in.uint(ack.seq, 8))
      return invalid("truncated ack");
    ack.origin = std::string(origin);
    heartbeat.acks.push_back(std::move(ack));
  }
  if (in.left() != 0) return invalid("bytes after the heartbeat");
  return heartbeat;
}

}  // namespace wasmhive::lattice
