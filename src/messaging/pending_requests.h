// Outstanding requests: each gets exactly one completion (a reply, an error or
// its timeout), whichever comes first; a later one finds nothing and is counted
// as late. Timeouts run on the TimerService, not a thread per request.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "abi/abi.h"
#include "util/timer_service.h"
#include "util/trace.h"

namespace wasmhive::messaging {

// Hands the answer to the requester. False: the requester could not take it as
// given and got an error status in its place (a full mailbox, by bytes).
// `request`: the trace of the request it answers.
using Completion = std::function<bool(std::uint64_t id, abi::CallbackStatus status,
                                      std::vector<std::uint8_t> payload, const Trace& request)>;

enum class Completed {
  as_given,     // the requester got the answer
  as_error,     // the requester got an error status in its place
  not_pending,  // already completed, timed out or cancelled: counted as late
};

class PendingRequests {
 public:
  explicit PendingRequests(TimerService& timers) : timers_(timers) {}

  // Registers a request and returns its correlation id (> 0). `owner` (may be
  // null) is who may cancel it; `trace` is the request message's, handed to
  // its completion.
  std::uint64_t add(Clock::Duration timeout, Completion completion, const void* owner = nullptr,
                    const Trace& trace = {});
  // Completes the request if it is still pending.
  Completed complete(std::uint64_t id, abi::CallbackStatus status,
                     std::vector<std::uint8_t> payload);
  // Forgets the request: no completion will run. False if not pending (or, with
  // an owner, not that owner's).
  bool cancel(std::uint64_t id, const void* owner = nullptr);
  // Forgets every request of `owner` (it is gone): no completion will run.
  void cancel_all(const void* owner);
  // Completes every pending request with `status` (host shutdown).
  void complete_all(abi::CallbackStatus status);

  bool contains(std::uint64_t id) const;
  // An answer came for a request that ended otherwise (its requester's host
  // had already forgotten it): counted with the late ones.
  void note_late();
  std::size_t size() const;
  std::uint64_t late() const;

 private:
  struct Entry {
    Completion completion;
    TimerService::TimerId timer;
    const void* owner;
    Trace trace;
  };
  std::optional<Entry> take(std::uint64_t id);

  TimerService& timers_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::uint64_t next_id_ = 1;
  std::uint64_t late_ = 0;
};

}  // namespace wasmhive::messaging
