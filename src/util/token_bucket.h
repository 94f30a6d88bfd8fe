// A token bucket: on average `per_second` tokens, in bursts of up to `burst`.
// Time comes from the caller, so tests drive it exactly. Not thread-safe:
// its owner serializes (RateLimiter locks; a component's port is used by one
// worker at a time).
#pragma once

#include <algorithm>
#include <chrono>

#include "util/clock.h"

namespace wasmhive {

class TokenBucket {
 public:
  // Starts full at `now`.
  TokenBucket(double per_second, double burst, Clock::TimePoint now)
      : per_second_(per_second), burst_(burst), tokens_(burst), filled_at_(now) {}

  // Takes `amount` tokens if the bucket holds them at `now`; otherwise takes
  // nothing and returns false.
  bool take(double amount, Clock::TimePoint now) {
    refill(now);
    if (tokens_ < amount) return false;
    tokens_ -= amount;
    return true;
  }
  // Returns what a take() took, when what it was for was refused elsewhere.
  void give_back(double amount) { tokens_ = std::min(burst_, tokens_ + amount); }

 private:
  void refill(Clock::TimePoint now) {
    std::chrono::duration<double> elapsed = now - filled_at_;
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed.count()) * per_second_);
    filled_at_ = std::max(filled_at_, now);
  }

  double per_second_;
  double burst_;
  double tokens_;
  Clock::TimePoint filled_at_;
};

}  // namespace wasmhive
