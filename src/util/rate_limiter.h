// A token bucket per key (a component's name, say): on average `per_second`
// events, in bursts of up to `burst`. What it refuses is counted per key, so a
// summary can say how much was held back. Time comes from the caller's Clock,
// so tests drive it exactly. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/clock.h"
#include "util/token_bucket.h"

namespace wasmhive {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // True if `key` may have one more event at `now`; false counts it as refused.
  bool allow(std::string_view key, Clock::TimePoint now);
  // Each key's refusals since the last call, then the counts start again.
  std::vector<std::pair<std::string, std::uint64_t>> take_refused();
  // Forgets `key` (its owner is gone).
  void forget(std::string_view key);

 private:
  struct Bucket {
    TokenBucket tokens;
    std::uint64_t refused = 0;
  };

  const double per_second_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace wasmhive
