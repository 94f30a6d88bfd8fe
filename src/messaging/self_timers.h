// A component's send_after timers: messages to itself, later. A timer made in
// a call is armed when the call returns 0 (a failed call's timers never were);
// they are bounded per component, and all are dropped when its instance goes
// away (the new instance never asked for them).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "util/timer_service.h"

namespace wasmhive::messaging {

class SelfTimers {
 public:
  // Runs on the timer thread when timer `id` fires (it is no longer pending);
  // it may run while the SelfTimers is destroyed, so it must hold weakly what
  // it reaches.
  using Fire = std::function<void(std::int64_t id, std::uint64_t generation,
                                  std::vector<std::uint8_t> payload)>;

  SelfTimers(TimerService& service, std::size_t max_timers, Fire fire);
  ~SelfTimers();  // cancels all
  SelfTimers(const SelfTimers&) = delete;
  SelfTimers& operator=(const SelfTimers&) = delete;

  // A timer to arm at the end of the call: its id (> 0), or -1 past the bound.
  // `generation`: the instance it is for, handed back to Fire.
  std::int64_t add(Clock::Duration delay, std::vector<std::uint8_t> payload,
                   std::uint64_t generation);
  // The call ended: arm its timers (kept) or forget them.
  void end_call(bool kept);
  // False if it is not pending (fired, cancelled, or never armed).
  bool cancel(std::int64_t id);
  void cancel_all();
  std::size_t pending() const;

 private:
  struct Unarmed {
    std::int64_t id;
    Clock::Duration delay;
    std::vector<std::uint8_t> payload;
    std::uint64_t generation;
  };
  // What a firing timer reaches: shared with the timer callbacks, which hold
  // it weakly, so a timer firing as the component goes finds nothing.
  struct Armed {
    explicit Armed(Fire fire) : fire(std::move(fire)) {}
    void fired(std::int64_t id, std::uint64_t generation, std::vector<std::uint8_t> payload);
    const Fire fire;
    std::mutex mutex;
    std::unordered_map<std::int64_t, TimerService::TimerId> timers;
  };

  TimerService& service_;
  const std::size_t max_timers_;
  const std::shared_ptr<Armed> armed_;
  std::vector<Unarmed> unarmed_;  // made in the call in progress (worker only)
  std::int64_t next_id_ = 1;
};

}  // namespace wasmhive::messaging
