// Time as a dependency: the runtime reads time and waits for it only through a
// Clock, so tests can drive timeouts, restarts and backoff exactly with a
// ManualClock instead of sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace wasmhive {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Blocks until `deadline` has passed on this clock or `wake` is notified
  // (spuriously too). `lock` holds the mutex `wake` is used with.
  virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                          TimePoint deadline) = 0;
  // Registers a waiter to be notified when time moves other than by itself.
  virtual void on_jump(std::function<void()> notify) = 0;
};

// Real monotonic time.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                  TimePoint deadline) override {
    wake.wait_until(lock, deadline);
  }
  void on_jump(std::function<void()>) override {}
};

// Time that moves only when a test says so.
class ManualClock final : public Clock {
 public:
  TimePoint now() const override;
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                  TimePoint deadline) override;
  void on_jump(std::function<void()> notify) override;

  void advance(Duration by);

 private:
  mutable std::mutex mutex_;
  TimePoint now_{};
  std::vector<std::function<void()>> waiters_;
};

}  // namespace wasmhive
