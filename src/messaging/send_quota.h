// How fast one component may send (ComponentLimits::max_messages_per_second
// and max_bytes_per_second): two token buckets, each holding up to one
// second's worth. A refusal takes nothing from either bucket. Worker thread
// only (its component's port).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "actor/spec.h"
#include "util/clock.h"
#include "util/token_bucket.h"

namespace wasmhive::messaging {

class SendQuota {
 public:
  SendQuota(const actor::ComponentLimits& limits, Clock::TimePoint now);

  struct Refusal {
    const char* bucket;  // "messages" or "bytes"
    std::string reason;  // "over its rate of 100 messages per second"
    // The first refusal in its one-second window: the one audited.
    bool first_in_window;
  };
  // Takes `messages` messages carrying `bytes` payload bytes in all, or
  // refuses them all. Unlimited quotas never refuse.
  std::optional<Refusal> take(std::size_t messages, std::size_t bytes, Clock::TimePoint now);
  bool unlimited() const { return !messages_ && !bytes_; }

 private:
  bool first_refusal_in_window(Clock::TimePoint now);

  std::optional<TokenBucket> messages_;
  std::optional<TokenBucket> bytes_;
  double messages_per_second_;
  std::uint64_t bytes_per_second_;
  std::optional<std::int64_t> last_audited_window_;
};

}  // namespace wasmhive::messaging
