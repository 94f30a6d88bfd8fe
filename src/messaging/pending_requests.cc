#include "messaging/pending_requests.h"

namespace wasmhive::messaging {

std::uint64_t PendingRequests::add(Clock::Duration timeout, Completion completion,
                                   const void* owner, const Trace& trace) {
  std::lock_guard lock(mutex_);
  std::uint64_t id = next_id_++;
  auto timer = timers_.schedule_after(timeout, [this, id] {
    if (auto entry = take(id)) entry->completion(id, abi::kStatusTimeout, {}, entry->trace);
  });
  entries_.emplace(id, Entry{std::move(completion), timer, owner, trace});
  return id;
}

std::optional<PendingRequests::Entry> PendingRequests::take(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    ++late_;
    return std::nullopt;
  }
  Entry entry = std::move(it->second);
  entries_.erase(it);
  return entry;
}

Completed PendingRequests::complete(std::uint64_t id, abi::CallbackStatus status,
                                    std::vector<std::uint8_t> payload) {
  auto entry = take(id);
  if (!entry) return Completed::not_pending;
  timers_.cancel(entry->timer);
  return entry->completion(id, status, std::move(payload), entry->trace) ? Completed::as_given
                                                                         : Completed::as_error;
}

bool PendingRequests::cancel(std::uint64_t id, const void* owner) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end() || (owner && it->second.owner != owner)) return false;
  timers_.cancel(it->second.timer);
  entries_.erase(it);
  return true;
}

void PendingRequests::cancel_all(const void* owner) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.owner != owner) {
      ++it;
      continue;
    }
    timers_.cancel(it->second.timer);
    it = entries_.erase(it);
  }
}

void PendingRequests::complete_all(abi::CallbackStatus status) {
  std::unordered_map<std::uint64_t, Entry> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(entries_);
  }
  for (auto& [id, entry] : all) {
    timers_.cancel(entry.timer);
    entry.completion(id, status, {}, entry.trace);
  }
}

void PendingRequests::note_late() {
  std::lock_guard lock(mutex_);
  ++late_;
}

bool PendingRequests::contains(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  return entries_.contains(id);
}

std::size_t PendingRequests::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t PendingRequests::late() const {
  std::lock_guard lock(mutex_);
  return late_;
}

}  // namespace wasmhive::messaging
