// Messages per second over the last minutes, from samples of a running total
// (the host's messages handled) taken about once a second. Times come from the
// caller, so tests give them exactly. Not thread-safe: its owner locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace wasmhive::observe {

class RateHistory {
 public:
  using Time = std::chrono::system_clock::time_point;
  struct Point {
    Time time;
    double per_second;  // over the interval that ended at `time`
  };

  explicit RateHistory(std::size_t keep = 120) : keep_(keep) {}

  // A total that went down (a new host, say) starts the series anew.
  void add(Time time, std::uint64_t total) {
    if (!samples_.empty() && total < samples_.back().total) samples_.clear();
    if (!samples_.empty() && time <= samples_.back().time) return;  // a rate needs time to pass
    samples_.push_back({time, total});
    while (samples_.size() > keep_ + 1) samples_.pop_front();
  }

  // The rate over the last `window` of samples; none before two samples.
  std::optional<double> per_second(std::chrono::seconds window = std::chrono::seconds(5)) const {
    if (samples_.size() < 2) return std::nullopt;
    const Sample& last = samples_.back();
    const Sample* first = &samples_.front();
    for (const auto& s : samples_)
      if (last.time - s.time <= window) {
        first = &s;
        break;
      }
    if (first == &last) first = &samples_[samples_.size() - 2];
    return rate(*first, last);
  }

  // One point per interval between samples, oldest first.
  std::vector<Point> series() const {
    std::vector<Point> out;
    for (std::size_t i = 1; i < samples_.size(); ++i)
      out.push_back({samples_[i].time, rate(samples_[i - 1], samples_[i])});
    return out;
  }

 private:
  struct Sample {
    Time time;
    std::uint64_t total;
  };
  static double rate(const Sample& from, const Sample& to) {
    double seconds = std::chrono::duration<double>(to.time - from.time).count();
    return static_cast<double>(to.total - from.total) / seconds;
  }

  const std::size_t keep_;
  std::deque<Sample> samples_;
};

}  // namespace wasmhive::observe
