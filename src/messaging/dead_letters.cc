#include "messaging/dead_letters.h"

#include <algorithm>

namespace wasmhive::messaging {

bool DeadLetters::record(DeadLetter letter) {
  std::lock_guard lock(mutex_);
  ++count_;
  Key key{letter.sender, letter.target, letter.reason};
  if (tallies_.size() >= kMaxPairs && !tallies_.count(key))
    key = {"(other)", "(other)", "(more pairs than are counted apart)"};
  Tally& tally = tallies_[key];
  bool first = tally.count++ == 0;
  tally.payload_bytes += letter.payload_size;
  tally.latest = letter.trace;
  recent_.push_back(std::move(letter));
  if (recent_.size() > keep_last_) recent_.pop_front();
  return first;
}

std::uint64_t DeadLetters::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

std::vector<DeadLetter> DeadLetters::recent(std::size_t last) const {
  std::lock_guard lock(mutex_);
  return {recent_.end() - static_cast<std::ptrdiff_t>(std::min(last, recent_.size())),
          recent_.end()};
}

std::vector<DeadLetterCount> DeadLetters::counts() const {
  std::vector<DeadLetterCount> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, tally] : tallies_)
      out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), tally.count,
                     tally.payload_bytes, tally.latest});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  return out;
}

}  // namespace wasmhive::messaging
