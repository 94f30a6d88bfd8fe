#include "messaging/self_timers.h"

#include <algorithm>

namespace wasmhive::messaging {

SelfTimers::SelfTimers(TimerService& service, Bounds bounds,
                       std::shared_ptr<actor::ByteBudget> budget, Fire fire)
    : service_(service),
      bounds_(bounds),
      armed_(std::make_shared<Armed>(std::move(fire), std::move(budget))) {}

SelfTimers::~SelfTimers() {
  cancel_all();
}

std::int64_t SelfTimers::add(Clock::Duration delay, std::vector<std::uint8_t> payload,
                             std::uint64_t generation) {
  std::size_t bytes = payload.size();
  if (pending() >= bounds_.count || armed_->bytes.load() + bytes > bounds_.bytes) return -1;
  if (!armed_->budget->try_take(bytes)) return -1;
  armed_->bytes += bytes;
  std::int64_t id = next_id_++;
  unarmed_.push_back({id, delay, std::move(payload), generation});
  return id;
}

void SelfTimers::end_call(bool kept) {
  if (unarmed_.empty()) return;  // the common case: no lock on every message
  if (kept) {
    std::lock_guard lock(armed_->mutex);
    for (auto& timer : unarmed_) {
      std::size_t bytes = timer.payload.size();
      TimerService::TimerId scheduled =
          service_.schedule_after(timer.delay, [armed = std::weak_ptr<Armed>(armed_), id = timer.id,
                                                generation = timer.generation,
                                                payload = std::move(timer.payload)]() mutable {
            if (auto alive = armed.lock()) alive->fired(id, generation, std::move(payload));
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
                              std::vector<std::uint8_t> payload) {
  {
    std::lock_guard lock(mutex);
    if (timers.erase(id) == 0) return;  // cancelled as it fired
    ++queued;  // counts until taken(): the mailbox holds its bytes from now on
  }
  release(payload.size());
  fire(id, generation, std::move(payload));
}

bool SelfTimers::cancel(std::int64_t id) {
  auto unarmed =
      std::find_if(unarmed_.begin(), unarmed_.end(), [id](const Unarmed& t) { return t.id == id; });
  if (unarmed != unarmed_.end()) {
    armed_->release(unarmed->payload.size());
    unarmed_.erase(unarmed);
    return true;
  }
  std::pair<TimerService::TimerId, std::size_t> timer;
  {
    std::lock_guard lock(armed_->mutex);
    auto it = armed_->timers.find(id);
    if (it == armed_->timers.end()) return false;
    timer = it->second;
    armed_->timers.erase(it);
  }
  service_.cancel(timer.first);
  armed_->release(timer.second);
  return true;
}

void SelfTimers::cancel_all() {
  for (const auto& timer : unarmed_) armed_->release(timer.payload.size());
  unarmed_.clear();
  std::unordered_map<std::int64_t, std::pair<TimerService::TimerId, std::size_t>> timers;
  {
    std::lock_guard lock(armed_->mutex);
    timers.swap(armed_->timers);
  }
  for (auto& [id, timer] : timers) {
    service_.cancel(timer.first);
    armed_->release(timer.second);
  }
}

std::size_t SelfTimers::pending() const {
  std::lock_guard lock(armed_->mutex);
  return armed_->timers.size() + unarmed_.size() + armed_->queued.load();
}

}  // namespace wasmhive::messaging
