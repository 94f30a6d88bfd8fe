#include "messaging/output_gate.h"

#include <iterator>

#include "actor/mailbox.h"

namespace wasmhive::messaging {

bool OutputGate::hold(HeldOutput&& output) {
  std::size_t bytes = actor::footprint(output.message) + output.target.size();
  if (held_.size() >= max_count_ || bytes_ + bytes > max_bytes_) return false;
  bytes_ += bytes;
  held_.push_back(std::move(output));
  return true;
}

std::vector<HeldOutput> OutputGate::take_call() {
  std::vector<HeldOutput> taken;
  auto first = held_.begin() + static_cast<std::ptrdiff_t>(call_start_);
  for (auto it = first; it != held_.end(); ++it)
    bytes_ -= actor::footprint(it->message) + it->target.size();
  taken.assign(std::make_move_iterator(first), std::make_move_iterator(held_.end()));
  held_.erase(first, held_.end());
  return taken;
}

std::vector<HeldOutput> OutputGate::take_all() {
  call_start_ = 0;
  std::vector<HeldOutput> taken = std::move(held_);
  held_.clear();
  bytes_ = 0;
  return taken;
}

}  // namespace wasmhive::messaging
