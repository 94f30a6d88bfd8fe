#include "messaging/self_timers.h"

#include <algorithm>

namespace wasmhive::messaging {

SelfTimers::SelfTimers(TimerService& service, Bounds bounds,
                       std::shared_ptr<actor::ByteBudget> budget, Fire fire)
    : service_(service),
      bounds_(bounds),
      armed_(std::make_shared<Armed>(std::move(fire), std::move(budget))) {}

SelfTimers::~SelfTimers() {
  cancel_all(0);
}

std::int64_t SelfTimers::add(Clock::Duration delay, std::vector<std::uint8_t> payload,
                             std::uint64_t generation, const Trace& cause) {
  std::size_t bytes = payload.size();
  if (pending() >= bounds_.count || armed_->bytes.load() + bytes > bounds_.bytes) return -1;
  if (!armed_->budget->try_take(bytes)) return -1;
  armed_->bytes += bytes;
  std::int64_t id = next_id_++;
  std::lock_guard lock(armed_->mutex);
  unarmed_.push_back({id, delay, std::move(payload), generation, cause});
  return id;
}

void SelfTimers::end_call(bool kept) {
  if (unarmed_.empty()) return;  // the common case: no lock on every message
  std::lock_guard lock(armed_->mutex);
  if (kept) {
    for (auto& timer : unarmed_) {
      std::size_t bytes = timer.payload.size();
      TimerService::TimerId scheduled =
          service_.schedule_after(timer.delay, [armed = std::weak_ptr<Armed>(armed_), id = timer.id,
                                                generation = timer.generation, cause = timer.cause,
                                                payload = std::move(timer.payload)]() mutable {
            if (auto alive = armed.lock()) alive->fired(id, generation, std::move(payload), cause);
          });
      armed_->timers[timer.id] = {scheduled, bytes};
    }
  } else {
    for (const auto& timer : unarmed_) armed_->release(timer.payload.size());
  }
  unarmed_.clear();
}

void SelfTimers::Armed::release(std::size_t size) {
  bytes -= size;
  budget->give_back(size);
}

void SelfTimers::Armed::fired(std::int64_t id, std::uint64_t generation,
                              std::vector<std::uint8_t> payload, const Trace& cause) {
  {
    std::lock_guard lock(mutex);
    if (timers.erase(id) == 0) return;            // cancelled as it fired
    if (generation >= live_generation) ++queued;  // counts until taken()
  }
  release(payload.size());
  fire(id, generation, std::move(payload), cause);
}

void SelfTimers::taken(std::uint64_t generation) {
  std::lock_guard lock(armed_->mutex);
  if (generation >= armed_->live_generation && armed_->queued > 0) --armed_->queued;
}

bool SelfTimers::cancel(std::int64_t id) {
  std::pair<TimerService::TimerId, std::size_t> timer;
  {
    std::lock_guard lock(armed_->mutex);
    auto unarmed = std::find_if(unarmed_.begin(), unarmed_.end(),
                                [id](const Unarmed& t) { return t.id == id; });
    if (unarmed != unarmed_.end()) {
      armed_->release(unarmed->payload.size());
      unarmed_.erase(unarmed);
      return true;
    }
    auto it = armed_->timers.find(id);
    if (it == armed_->timers.end()) return false;
    timer = it->second;
    armed_->timers.erase(it);
  }
  service_.cancel(timer.first);
  armed_->release(timer.second);
  return true;
}

void SelfTimers::cancel_all(std::uint64_t live_generation) {
  std::unordered_map<std::int64_t, std::pair<TimerService::TimerId, std::size_t>> timers;
  {
    std::lock_guard lock(armed_->mutex);
    for (const auto& timer : unarmed_) armed_->release(timer.payload.size());
    unarmed_.clear();
    timers.swap(armed_->timers);
    if (live_generation > armed_->live_generation) {
      armed_->live_generation = live_generation;
      armed_->queued = 0;
    }
  }
  for (auto& [id, timer] : timers) {
    service_.cancel(timer.first);
    armed_->release(timer.second);
  }
}

std::size_t SelfTimers::pending() const {
  std::lock_guard lock(armed_->mutex);
  return armed_->timers.size() + unarmed_.size() + armed_->queued;
}

}  // namespace wasmhive::messaging
