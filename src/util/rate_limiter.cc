#include "util/rate_limiter.h"

#include <algorithm>

namespace wasmhive {

bool RateLimiter::allow(std::string_view key, Clock::TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  Bucket& bucket = it->second;
  std::chrono::duration<double> elapsed = now - bucket.filled_at;
  bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed.count()) * per_second_);
  bucket.filled_at = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return true;
  }
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
