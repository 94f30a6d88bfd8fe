#include "messaging/self_timers.h"

namespace wasmhive::messaging {

SelfTimers::SelfTimers(TimerService& service, std::size_t max_timers, Fire fire)
    : service_(service),
      max_timers_(max_timers),
      armed_(std::make_shared<Armed>(std::move(fire))) {}

SelfTimers::~SelfTimers() {
  cancel_all();
}

std::int64_t SelfTimers::add(Clock::Duration delay, std::vector<std::uint8_t> payload,
                             std::uint64_t generation) {
  if (pending() >= max_timers_) return -1;
  std::int64_t id = next_id_++;
  unarmed_.push_back({id, delay, std::move(payload), generation});
  return id;
}

void SelfTimers::end_call(bool kept) {
  if (unarmed_.empty()) return;  // the common case: no lock on every message
  if (kept) {
    std::lock_guard lock(armed_->mutex);
    for (auto& timer : unarmed_) {
      armed_->timers[timer.id] =
          service_.schedule_after(timer.delay, [armed = std::weak_ptr<Armed>(armed_), id = timer.id,
                                                generation = timer.generation,
                                                payload = std::move(timer.payload)]() mutable {
            if (auto alive = armed.lock()) alive->fired(id, generation, std::move(payload));
          });
    }
  }
  unarmed_.clear();
}

void SelfTimers::Armed::fired(std::int64_t id, std::uint64_t generation,
                              std::vector<std::uint8_t> payload) {
  {
    std::lock_guard lock(mutex);
    if (timers.erase(id) == 0) return;  // cancelled as it fired
  }
  fire(id, generation, std::move(payload));
}

bool SelfTimers::cancel(std::int64_t id) {
  if (std::erase_if(unarmed_, [id](const Unarmed& t) { return t.id == id; }) > 0) return true;
  TimerService::TimerId timer;
  {
    std::lock_guard lock(armed_->mutex);
    auto it = armed_->timers.find(id);
    if (it == armed_->timers.end()) return false;
    timer = it->second;
    armed_->timers.erase(it);
  }
  service_.cancel(timer);
  return true;
}

void SelfTimers::cancel_all() {
  unarmed_.clear();
  std::unordered_map<std::int64_t, TimerService::TimerId> timers;
  {
    std::lock_guard lock(armed_->mutex);
    timers.swap(armed_->timers);
  }
  for (auto& [id, timer] : timers) service_.cancel(timer);
}

std::size_t SelfTimers::pending() const {
  std::lock_guard lock(armed_->mutex);
  return armed_->timers.size() + unarmed_.size();
}

}  // namespace wasmhive::messaging
