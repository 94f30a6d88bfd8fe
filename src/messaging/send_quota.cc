#include "messaging/send_quota.h"

namespace wasmhive::messaging {
namespace {

std::string number(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

SendQuota::SendQuota(const actor::ComponentLimits& limits, Clock::TimePoint now)
    : messages_per_second_(limits.max_messages_per_second),
      bytes_per_second_(limits.max_bytes_per_second) {
  if (messages_per_second_ > 0)
    messages_.emplace(messages_per_second_, std::max(1.0, messages_per_second_), now);
  if (bytes_per_second_ > 0)
    bytes_.emplace(static_cast<double>(bytes_per_second_), static_cast<double>(bytes_per_second_),
                   now);
}

std::optional<SendQuota::Refusal> SendQuota::take(std::size_t messages, std::size_t bytes,
                                                  Clock::TimePoint now) {
  // Bytes first: a refusal must leave both buckets as they were, and only the
  // message bucket can still refuse after the byte bucket gave.
  if (bytes_ && bytes > 0 && !bytes_->take(static_cast<double>(bytes), now))
    return Refusal{"bytes",
                   "over its rate of " + std::to_string(bytes_per_second_) + " bytes per second",
                   first_refusal_in_window(now)};
  if (messages_ && !messages_->take(static_cast<double>(messages), now)) {
    if (bytes_ && bytes > 0) bytes_->give_back(static_cast<double>(bytes));
    return Refusal{"messages",
                   "over its rate of " + number(messages_per_second_) + " messages per second",
                   first_refusal_in_window(now)};
  }
  return std::nullopt;
}

bool SendQuota::first_refusal_in_window(Clock::TimePoint now) {
  std::int64_t window =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (last_audited_window_ == window) return false;
  last_audited_window_ = window;
  return true;
}

}  // namespace wasmhive::messaging
