// Messages that could not be delivered or handled, with the reason: counted per
// (sender, target, reason), and the most recent kept whole for inspection.
// Nothing is dropped without a record here.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "util/trace.h"

namespace wasmhive::messaging {

struct DeadLetter {
  std::string sender;
  std::string target;
  std::string reason;
  std::size_t payload_size = 0;
  Trace trace{};  // the letter's own (util/trace.h)
};

// All dead letters of one (sender, target, reason).
struct DeadLetterCount {
  std::string sender;
  std::string target;
  std::string reason;
  std::uint64_t count = 0;
  std::uint64_t payload_bytes = 0;
  Trace latest{};  // the trace of the most recent of them
};

class DeadLetters {
 public:
  // Pairs counted apart; dead letters of further pairs are counted together
  // under the sender "(other)", so a flood of new names cannot grow the table.
  static constexpr std::size_t kMaxPairs = 10000;

  explicit DeadLetters(std::size_t keep_last = 1000) : keep_last_(keep_last) {}

  // True for the first dead letter of its (sender, target, reason): worth a
  // log line; later ones are only counted.
  bool record(DeadLetter letter);
  std::uint64_t count() const;
  // The `last` most recent of those kept (all by default), oldest first.
  std::vector<DeadLetter> recent(std::size_t last = SIZE_MAX) const;
  // Per (sender, target, reason), the largest count first.
  std::vector<DeadLetterCount> counts() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  struct Tally {
    std::uint64_t count = 0;
    std::uint64_t payload_bytes = 0;
    Trace latest{};
  };

  const std::size_t keep_last_;
  mutable std::mutex mutex_;
  std::uint64_t count_ = 0;
  std::deque<DeadLetter> recent_;
  std::map<Key, Tally> tallies_;
};

}  // namespace wasmhive::messaging
