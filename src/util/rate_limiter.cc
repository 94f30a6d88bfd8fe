#include "util/rate_limiter.h"

#include <algorithm>

namespace wasmhive {

bool RateLimiter::allow(std::string_view key, Clock::TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end())
    it = buckets_.emplace(std::string(key), Bucket{TokenBucket(per_second_, burst_, now)}).first;
  Bucket& bucket = it->second;
  if (bucket.tokens.take(1.0, now)) return true;
  ++bucket.refused;
  return false;
}

std::vector<std::pair<std::string, std::uint64_t>> RateLimiter::take_refused() {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (auto& [key, bucket] : buckets_) {
    if (bucket.refused == 0) continue;
    out.emplace_back(key, bucket.refused);
    bucket.refused = 0;
  }
  return out;
}

void RateLimiter::forget(std::string_view key) {
  std::lock_guard lock(mutex_);
  buckets_.erase(std::string(key));
}

}  // namespace wasmhive
