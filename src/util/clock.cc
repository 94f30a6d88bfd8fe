#include "util/clock.h"

namespace wasmhive {

Clock::TimePoint ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void ManualClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                             TimePoint deadline) {
  if (now() >= deadline) return;
  wake.wait(lock);  // only advance() (through on_jump) or the owner wakes it
}

void ManualClock::on_jump(std::function<void()> notify) {
  std::lock_guard lock(mutex_);
  waiters_.push_back(std::move(notify));
}

void ManualClock::advance(Duration by) {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    now_ += by;
    waiters = waiters_;
  }
  for (auto& notify : waiters) notify();
}

}  // namespace wasmhive
