// Durations counted in log-linear buckets (16 per power of two): percentiles
// within about 6 % of the true value, in constant memory however many are
// recorded. Not thread-safe: its owner locks.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>

namespace wasmhive {

class LatencyHistogram {
 public:
  void record(std::chrono::nanoseconds duration) {
    auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0));
    ++counts_[bucket_of(ns)];
    ++total_;
    max_ = std::max(max_, ns);
  }
  std::uint64_t count() const { return total_; }
  std::chrono::nanoseconds max() const { return std::chrono::nanoseconds(max_); }

  // The upper bound of the bucket holding the `fraction` quantile (0.5: the
  // median); zero when nothing was recorded.
  std::chrono::nanoseconds percentile(double fraction) const {
    if (total_ == 0) return {};
    auto rank = static_cast<std::uint64_t>(fraction * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::chrono::nanoseconds(std::min(upper_bound(i), max_));
    }
    return max();
  }

 private:
  static constexpr std::size_t kSubBits = 4;  // 16 buckets per power of two
  static constexpr std::size_t kSub = std::size_t{1} << kSubBits;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSub;

  // Values below kSub have a bucket each; above, the top kSubBits + 1 bits
  // pick one.
  static std::size_t bucket_of(std::uint64_t ns) {
    if (ns < kSub) return static_cast<std::size_t>(ns);
    auto exponent = static_cast<std::size_t>(std::bit_width(ns)) - kSubBits - 1;
    auto mantissa = static_cast<std::size_t>(ns >> exponent) - kSub;
    return (exponent + 1) * kSub + mantissa;
  }
  static std::uint64_t upper_bound(std::size_t bucket) {
    if (bucket < kSub) return bucket;
    std::size_t exponent = bucket / kSub - 1;
    std::uint64_t mantissa = bucket % kSub + kSub;
    return ((mantissa + 1) << exponent) - 1;
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace wasmhive
