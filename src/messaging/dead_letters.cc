#include "messaging/dead_letters.h"

namespace wasmhive::messaging {

void DeadLetters::record(DeadLetter letter) {
  std::lock_guard lock(mutex_);
  ++count_;
  recent_.push_back(std::move(letter));
  if (recent_.size() > keep_last_) recent_.pop_front();
}

std::uint64_t DeadLetters::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

std::vector<DeadLetter> DeadLetters::recent() const {
  std::lock_guard lock(mutex_);
  return {recent_.begin(), recent_.end()};
}

}  // namespace wasmhive::messaging
