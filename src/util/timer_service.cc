#include "util/timer_service.h"

namespace wasmhive {

TimerService::TimerService(Clock& clock) : clock_(clock) {
  clock_.on_jump([this] {
    std::lock_guard lock(mutex_);
    wake_.notify_all();
  });
  thread_ = std::thread([this] { run(); });
}

TimerService::~TimerService() {
  stop();
}

void TimerService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

TimerService::TimerId TimerService::schedule_at(Clock::TimePoint when,
                                                std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  TimerId id = next_id_++;
  timers_.emplace(std::pair{when, id}, std::move(callback));
  when_.emplace(id, when);
  if (when < wakes_at_) wake_.notify_all();
  return id;
}

TimerService::TimerId TimerService::schedule_after(Clock::Duration delay,
                                                   std::function<void()> callback) {
  return schedule_at(clock_.now() + delay, std::move(callback));
}

bool TimerService::cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  auto it = when_.find(id);
  if (it == when_.end()) return false;
  timers_.erase({it->second, id});
  when_.erase(it);
  return true;
}

std::size_t TimerService::pending() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

void TimerService::settle() {
  std::unique_lock lock(mutex_);
  wake_.notify_all();
  settled_.wait(lock, [&] {
    return !running_callback_ && (timers_.empty() || timers_.begin()->first.first > clock_.now());
  });
}

void TimerService::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto first = timers_.begin();
    if (first == timers_.end() || first->first.first > clock_.now()) {
      settled_.notify_all();
      // Sleep until the first timer is due; with none, keep the appointment made
      // for a timer since cancelled, so a new timer due after it needs no wake-up.
      if (first != timers_.end())
        wakes_at_ = first->first.first;
      else if (wakes_at_ <= clock_.now())
        wakes_at_ = Clock::TimePoint::max();
      if (wakes_at_ == Clock::TimePoint::max())
        wake_.wait(lock);
      else
        clock_.wait_until(lock, wake_, wakes_at_);
      continue;
    }
    auto callback = std::move(first->second);
    when_.erase(first->first.second);
    timers_.erase(first);
    running_callback_ = true;
    lock.unlock();
    callback();
    lock.lock();
    running_callback_ = false;
  }
}

}  // namespace wasmhive
