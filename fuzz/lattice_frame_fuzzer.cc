// libFuzzer target: arbitrary bytes as a frame or heartbeat from another host
// of a lattice (or from anything else that can publish on its subjects). Any
// crash, sanitizer report, leak or hang is a finding; so is an accepted frame,
// batch or heartbeat that does not survive encoding and decoding unchanged.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "lattice/frame.h"

namespace {

using namespace wasmhive::lattice;

bool same(const Frame& a, const Frame& b) {
  return a.type == b.type && a.seq == b.seq && a.correlation == b.correlation &&
         a.status == b.status && a.timeout_ms == b.timeout_ms && a.trace == b.trace &&
         a.origin == b.origin && a.sender == b.sender && a.target == b.target &&
         std::vector<std::uint8_t>(a.payload.begin(), a.payload.end()) ==
             std::vector<std::uint8_t>(b.payload.begin(), b.payload.end());
}

bool same(const Heartbeat& a, const Heartbeat& b) {
  if (a.acks.size() != b.acks.size()) return false;
  for (std::size_t i = 0; i < a.acks.size(); ++i)
    if (a.acks[i].origin != b.acks[i].origin || a.acks[i].seq != b.acks[i].seq ||
        a.acks[i].incarnation != b.acks[i].incarnation)
      return false;
  return a.host == b.host && a.incarnation == b.incarnation && a.hello == b.hello &&
         a.leaving == b.leaving && a.names == b.names && a.templates == b.templates &&
         a.active_virtual == b.active_virtual;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  if (auto frame = decode_frame(bytes)) {
    std::vector<std::uint8_t> again;
    encode(*frame, again);
    auto decoded = decode_frame(again);
    if (!decoded || !same(*frame, *decoded)) std::abort();
  }
  // A batch (as every NATS message on a host's subject is): the frames that
  // parse before a malformed one are handed over, and survive re-batching.
  std::vector<std::uint8_t> rebatched;
  std::size_t seen = 0;
  auto counted = for_each_frame(bytes, [&](const Frame& frame) {
    append(frame, rebatched);
    ++seen;
  });
  if (counted && *counted != seen) std::abort();
  std::size_t again = 0;
  if (!for_each_frame(rebatched, [&](const Frame&) { ++again; }) || again != seen) std::abort();
  if (auto beat = decode_heartbeat(bytes)) {
    auto again = encode(*beat);
    auto decoded = decode_heartbeat(again);
    if (!decoded || !same(*beat, *decoded)) std::abort();
  }
  return 0;
}
