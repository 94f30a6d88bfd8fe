// Trace context: which chain of messages a message belongs to and which
// message's handling produced it, so that one request of the outside world
// can be followed across components (and hosts) in the log and the dead
// letters. The runtime stamps and propagates it; guests never see it.
//
// Ids are 64-bit, never 0, drawn from one TraceIds per host: a sequence
// start + n * stride (mod 2^64) whose start and odd stride the host's random
// seed picks. An odd stride visits every value once, so ids repeat on no host
// (until 2^64 of them); hosts of a lattice, each on a sequence of its own,
// collide only by chance, as random 64-bit ids do (about N^2 / 2^65 for N ids
// in all).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasmhive {

struct Trace {
  std::uint64_t trace_id = 0;    // the chain: its first message's id; 0: untraced
  std::uint64_t message_id = 0;  // this message's own
  // The message whose handling emitted this one; 0: the chain's first (sent
  // by the host application, or in a call that handles no message).
  std::uint64_t cause_id = 0;

  bool traced() const { return trace_id != 0; }
  friend bool operator==(const Trace&, const Trace&) = default;
};

// What a message emitted while `handled` is handled is given before it is
// stamped: `handled`'s trace, `handled` as its cause. Untraced: a new chain.
inline Trace caused_by(const Trace& handled) {
  return {handled.trace_id, 0, handled.message_id};
}

class TraceIds {
 public:
  // Hosts of one lattice need different seeds (the host takes a random one).
  // Near seeds give unrelated sequences: the seed is scrambled into the
  // start and the stride.
  explicit TraceIds(std::uint64_t seed)
      : stride_(scramble(seed ^ 0x9e3779b97f4a7c15ULL) | 1), next_(scramble(seed)) {}
  TraceIds(const TraceIds&) = delete;
  TraceIds& operator=(const TraceIds&) = delete;

  // A new id, never 0. Any thread: one relaxed atomic addition, no lock.
  std::uint64_t next() {
    while (true)
      if (std::uint64_t id = next_.fetch_add(stride_, std::memory_order_relaxed); id != 0)
        return id;
  }

  // Ids for one thread at a time, taken from the host's kBlock at a time:
  // one atomic addition per kBlock ids (a component's port draws from one on
  // its worker, where every message it sends would otherwise pay one).
  class Block {
   public:
    static constexpr std::uint64_t kBlock = 256;
    std::uint64_t next(TraceIds& ids) {
      while (true) {
        if (left_ == 0) {
          next_ = ids.next_.fetch_add(kBlock * ids.stride_, std::memory_order_relaxed);
          left_ = kBlock;
        }
        std::uint64_t id = next_;
        next_ += ids.stride_;
        --left_;
        if (id != 0) return id;
      }
    }

   private:
    std::uint64_t next_ = 0;
    std::uint64_t left_ = 0;
  };

  // The trace of a new message from what it is `given`: whole when it has its
  // id already (a message from another host keeps its own, a port draws ids
  // from a Block); otherwise a new id, and a new chain whose id is that id
  // unless `given` names one.
  Trace stamp(const Trace& given) {
    if (given.message_id != 0)
      return {given.trace_id ? given.trace_id : given.message_id, given.message_id, given.cause_id};
    std::uint64_t id = next();
    return {given.trace_id ? given.trace_id : id, id, given.cause_id};
  }

 private:
  // The finalizer of SplitMix64 (Steele et al.): near seeds, far apart.
  static std::uint64_t scramble(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

  const std::uint64_t stride_;
  std::atomic<std::uint64_t> next_;
};

// An id as logs and reports show it: 16 lower-case hex digits.
inline void append_hex_id(std::string& out, std::uint64_t id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out += kDigits[(id >> shift) & 0xf];
}
inline std::string hex_id(std::uint64_t id) {
  std::string out;
  append_hex_id(out, id);
  return out;
}
// The inverse of hex_id: exactly 16 hex digits (either case), or none.
inline std::optional<std::uint64_t> parse_hex_id(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  std::uint64_t id = 0;
  for (char c : text) {
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) return std::nullopt;
    id = id << 4 | static_cast<std::uint64_t>(digit);
  }
  return id;
}

}  // namespace wasmhive
