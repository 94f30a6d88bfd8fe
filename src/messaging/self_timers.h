// A component's send_after timers: messages to itself, later. A timer made in
// a call is armed when the call returns 0 (a failed call's timers never were);
// all are dropped when its instance goes away (the new instance never asked
// for them).
//
// Bounded per component by count and by payload bytes, from the call that
// makes a timer until its message is taken from the mailbox (taken()), so
// timers firing faster than they are handled cannot pile up; their payloads
// also count against the host's shared byte budget while they wait.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "actor/mailbox.h"
#include "util/timer_service.h"
#include "util/trace.h"

namespace wasmhive::messaging {

class SelfTimers {
 public:
  // Runs on the timer thread when timer `id` fires (it is no longer pending);
  // it may run while the SelfTimers is destroyed, so it must hold weakly what
  // it reaches. `cause`: what add() was given.
  using Fire = std::function<void(std::int64_t id, std::uint64_t generation,
                                  std::vector<std::uint8_t> payload, const Trace& cause)>;

  struct Bounds {
    std::size_t count;  // made, armed or queued
    std::size_t bytes;  // their payloads
  };
  SelfTimers(TimerService& service, Bounds bounds, std::shared_ptr<actor::ByteBudget> budget,
             Fire fire);
  ~SelfTimers();  // cancels all
  SelfTimers(const SelfTimers&) = delete;
  SelfTimers& operator=(const SelfTimers&) = delete;

  // A timer to arm at the end of the call: its id (> 0), or -1 past the bound.
  // `generation`: the instance it is for, and `cause`: the trace its message
  // is given (see TraceIds::stamp), both handed back to Fire.
  std::int64_t add(Clock::Duration delay, std::vector<std::uint8_t> payload,
                   std::uint64_t generation, const Trace& cause = {});
  // The call ended: arm its timers (kept) or forget them.
  void end_call(bool kept);
  // False if it is not pending (fired, cancelled, or never armed).
  bool cancel(std::int64_t id);
  // Cancels every timer; those fired and queued for an instance before
  // `live_generation` count no more either (see taken()).
  void cancel_all(std::uint64_t live_generation);
  // A fired timer's message left the mailbox (handled or dead-lettered), or was
  // never queued: it no longer counts, unless cancel_all() forgot it already.
  // Any thread.
  void taken(std::uint64_t generation);
  // Made, armed, or fired and still queued.
  std::size_t pending() const;

 private:
  struct Unarmed {
    std::int64_t id;
    Clock::Duration delay;
    std::vector<std::uint8_t> payload;
    std::uint64_t generation;
    Trace cause;
  };
  // What a firing timer reaches: shared with the timer callbacks, which hold
  // it weakly, so a timer firing as the component goes finds nothing.
  struct Armed {
    Armed(Fire fire, std::shared_ptr<actor::ByteBudget> budget)
        : fire(std::move(fire)), budget(std::move(budget)) {}
    void fired(std::int64_t id, std::uint64_t generation, std::vector<std::uint8_t> payload,
               const Trace& cause);
    // Gives back what a timer's payload held (fired, cancelled or dropped).
    void release(std::size_t bytes);
    const Fire fire;
    const std::shared_ptr<actor::ByteBudget> budget;
    std::mutex mutex;
    std::unordered_map<std::int64_t, std::pair<TimerService::TimerId, std::size_t>> timers;
    std::atomic<std::size_t> bytes{0};  // payloads of made and armed timers
    std::size_t queued = 0;             // fired, not yet taken (under mutex)
    std::uint64_t live_generation = 0;  // queued ones of older instances are forgotten
  };

  TimerService& service_;
  const Bounds bounds_;
  const std::shared_ptr<Armed> armed_;
  // Made in the call in progress: changed by the worker under armed_->mutex,
  // as pending() reads it from any thread.
  std::vector<Unarmed> unarmed_;
  std::int64_t next_id_ = 1;
};

}  // namespace wasmhive::messaging
