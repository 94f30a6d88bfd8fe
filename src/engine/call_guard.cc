#include "engine/call_guard.h"

namespace wasmhive::engine {

CallGuard::CallGuard(std::function<void()> terminate) : terminate_(std::move(terminate)) {}

CallGuard::~CallGuard() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void CallGuard::begin(std::optional<Clock::time_point> deadline) {
  std::lock_guard lock(mutex_);
  in_call_ = true;
  deadline_ = deadline;
  outcome_ = Outcome::completed;
  if (!deadline) return;
  if (!watchdog_.joinable()) watchdog_ = std::thread([this] { watch(); });
  if (*deadline < watchdog_wakes_at_) changed_.notify_all();
}

CallGuard::Outcome CallGuard::end() {
  std::lock_guard lock(mutex_);
  in_call_ = false;
  deadline_.reset();
  return outcome_;
}

void CallGuard::interrupt() {
  std::lock_guard lock(mutex_);
  if (!in_call_ || outcome_ != Outcome::completed) return;
  outcome_ = Outcome::interrupted;
  terminate_();
}

void CallGuard::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!in_call_ || !deadline_ || outcome_ != Outcome::completed) {
      watchdog_wakes_at_ = Clock::time_point::max();
      changed_.wait(lock);
      continue;
    }
    // Terminating under the lock: end() cannot slip in between the check and the
    // terminate, so a later call is never hit by an earlier call's deadline.
    if (Clock::now() >= *deadline_) {
      outcome_ = Outcome::deadline_exceeded;
      terminate_();
      continue;
    }
    watchdog_wakes_at_ = *deadline_;
    changed_.wait_until(lock, *deadline_);
  }
}

}  // namespace wasmhive::engine
