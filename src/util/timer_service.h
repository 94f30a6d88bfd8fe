// One thread that runs callbacks at given times on a Clock. Used for restart
// backoff and request timeouts. Callbacks run on the timer thread and must be
// short: they post work to the thread that owns it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "util/clock.h"

namespace wasmhive {

class TimerService {
 public:
  using TimerId = std::uint64_t;

  explicit TimerService(Clock& clock);
  ~TimerService();
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  TimerId schedule_at(Clock::TimePoint when, std::function<void()> callback);
  TimerId schedule_after(Clock::Duration delay, std::function<void()> callback);
  // True if the timer was pending and will not run.
  bool cancel(TimerId id);
  // No callback runs after this returns (not from the timer thread); timers
  // can still be cancelled. Lets an owner free what callbacks reach first.
  void stop();
  std::size_t pending() const;
  // Returns once every timer due by the clock's current time has run: lets a
  // test advance a ManualClock and then observe the effects.
  void settle();
  Clock& clock() { return clock_; }

 private:
  void run();

  Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable settled_;
  // Ordered by (time, id): equal times fire in scheduling order.
  std::map<std::pair<Clock::TimePoint, TimerId>, std::function<void()>> timers_;
  std::map<TimerId, Clock::TimePoint> when_;
  TimerId next_id_ = 1;
  // When the waiting thread will look by itself (max: only when woken). A timer
  // due at or after it needs no wake-up: a request made when the previous one's
  // timer was just cancelled (one request at a time) then costs no thread switch.
  Clock::TimePoint wakes_at_ = Clock::TimePoint::max();
  bool running_callback_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wasmhive
