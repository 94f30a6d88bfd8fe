// Deadlines and interrupts for guest calls, independent of the engine: the
// engine reports when a call starts and ends, and the guard calls `terminate`
// (from its own watchdog thread, or from the thread calling interrupt()) while
// that call, and only that call, is still running.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace wasmhive::engine {

class CallGuard {
 public:
  using Clock = std::chrono::steady_clock;

  // `terminate` must be safe to call from any thread (V8's TerminateExecution is).
  explicit CallGuard(std::function<void()> terminate);
  ~CallGuard();
  CallGuard(const CallGuard&) = delete;
  CallGuard& operator=(const CallGuard&) = delete;

  enum class Outcome { completed, deadline_exceeded, interrupted };

  // Brackets one guest call on the engine's thread.
  void begin(std::optional<Clock::time_point> deadline);
  // Returns why `terminate` was called during the call, if it was. The caller
  // must then clear the engine's termination state before its next call.
  Outcome end();

  // From any thread: terminates the running call, if there is one.
  void interrupt();

 private:
  void watch();

  std::function<void()> terminate_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool in_call_ = false;
  std::optional<Clock::time_point> deadline_;
  Outcome outcome_ = Outcome::completed;
  bool stopping_ = false;
  // When the watchdog will next look by itself (max(): only when woken). A new
  // deadline at or after it needs no wake-up, which keeps begin() cheap.
  Clock::time_point watchdog_wakes_at_ = Clock::time_point::max();
  std::thread watchdog_;  // started on the first call with a deadline
};

}  // namespace wasmhive::engine
