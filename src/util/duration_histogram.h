// Durations counted in a few fixed buckets, the shape a Prometheus histogram
// exposes: cheap to record (one relaxed increment per bucket hit) and small
// enough to keep one per component. Any thread records and reads; a reader
// may see a count a moment before its sum, never a torn value.
// (util/latency_histogram.h is the precise one, for percentiles.)
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace wasmhive {

class DurationHistogram {
 public:
  // Upper bounds of the buckets, in nanoseconds: 1 µs to 5 s in steps of 5× and 2×.
  static constexpr std::array<std::int64_t, 14> kBoundsNs = {
      1'000,     5'000,      10'000,     50'000,      100'000,     500'000,       1'000'000,
      5'000'000, 10'000'000, 50'000'000, 100'000'000, 500'000'000, 1'000'000'000, 5'000'000'000};

  struct Counts {
    // Per bucket, not cumulative; the last counts what lies above every bound.
    std::array<std::uint64_t, kBoundsNs.size() + 1> buckets{};
    std::uint64_t count = 0;
    std::chrono::nanoseconds sum{};
  };

  void record(std::chrono::nanoseconds duration) {
    std::size_t bucket = 0;
    while (bucket < kBoundsNs.size() && duration.count() > kBoundsNs[bucket]) ++bucket;
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(duration.count(), std::memory_order_relaxed);
  }

  Counts read() const {
    Counts counts;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      counts.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
      counts.count += counts.buckets[i];
    }
    counts.sum = std::chrono::nanoseconds(sum_ns_.load(std::memory_order_relaxed));
    return counts;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsNs.size() + 1> buckets_{};
  std::atomic<std::int64_t> sum_ns_{0};
};

}  // namespace wasmhive
