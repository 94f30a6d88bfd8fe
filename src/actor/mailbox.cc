#include "actor/mailbox.h"

namespace wasmhive::actor {

// A message's own struct, its heap blocks and the queue's node share.
inline constexpr std::size_t kMessageOverhead = 128;

std::size_t footprint(const Message& message) {
  return kMessageOverhead + message.payload.size() + message.sender.size() + message.topic.size();
}

bool ByteBudget::try_take(std::size_t bytes) {
  std::size_t used = used_.load();
  do {
    if (used + bytes > limit_) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes));
  return true;
}

Mailbox::~Mailbox() {
  if (budget_) budget_->give_back(queued_bytes_);
}

bool Mailbox::has_room(std::size_t bytes, Limit limit) const {
  if (limit == Limit::none) return true;
  if (limit == Limit::all && queue_.size() >= bounds_.count) return false;
  return queued_bytes_ + bytes <= bounds_.bytes;
}

Mailbox::Push Mailbox::admit(Message&& message, std::size_t bytes, Limit limit) {
  if (limit == Limit::none)
    budget_->force_take(bytes);
  else if (!budget_->try_take(bytes))
    return Push::no_budget;
  queue_.emplace_back(std::move(message), bytes);
  queued_bytes_ += bytes;
  resized();
  return Push::accepted;
}

Mailbox::Push Mailbox::try_push(Message&& message, Limit limit) {
  std::size_t bytes = footprint(message);
  std::lock_guard lock(mutex_);
  if (closed_) return Push::closed;
  if (!has_room(bytes, limit)) return Push::full;
  Push pushed = admit(std::move(message), bytes, limit);
  if (pushed == Push::accepted) notify_if_ready();
  return pushed;
}

bool Mailbox::claim() {
  return handling_.load() && size_.load() > 0 && !scheduled_.exchange(true);
}

// Called with mutex_ held: close() takes it too, so once a mailbox is closed
// no hand-off is still on its way to a worker (Host::remove relies on it).
void Mailbox::notify_if_ready() {
  // An already scheduled mailbox needs nothing: the common case, one load.
  if (!scheduled_.load() && claim() && on_ready_) on_ready_();
}

void Mailbox::resume() {
  std::lock_guard lock(mutex_);
  handling_ = true;
  notify_if_ready();
}

bool Mailbox::end_turn() {
  scheduled_ = false;
  // A message may have arrived between the last pop and clearing the flag.
  // (On the worker's own thread, where close() runs too: no lock needed.)
  return claim();
}

Mailbox::Push Mailbox::push_until(Message&& message,
                                  std::chrono::steady_clock::time_point deadline) {
  std::size_t bytes = footprint(message);
  std::unique_lock lock(mutex_);
  ++waiting_for_room_;
  room_.wait_until(lock, deadline, [&] { return closed_ || has_room(bytes, Limit::all); });
  --waiting_for_room_;
  if (closed_) return Push::closed;
  if (!has_room(bytes, Limit::all)) return Push::full;
  Push pushed = admit(std::move(message), bytes, Limit::all);
  if (pushed == Push::accepted) notify_if_ready();
  return pushed;
}

std::optional<Message> Mailbox::try_pop() {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return std::nullopt;
  auto [message, bytes] = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= bytes;
  budget_->give_back(bytes);
  resized();
  if (waiting_for_room_ > 0) room_.notify_one();
  return std::move(message);
}

void Mailbox::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  room_.notify_all();
}

bool Mailbox::close_if_idle() {
  std::lock_guard lock(mutex_);
  if (!queue_.empty() || scheduled_.load()) return false;
  closed_ = true;
  room_.notify_all();
  return true;
}

void Mailbox::reopen() {
  std::lock_guard lock(mutex_);
  closed_ = false;
}

std::vector<Message> Mailbox::drain() {
  std::lock_guard lock(mutex_);
  std::vector<Message> out;
  out.reserve(queue_.size());
  for (auto& [message, bytes] : queue_) out.push_back(std::move(message));
  queue_.clear();
  budget_->give_back(queued_bytes_);
  queued_bytes_ = 0;
  resized();
  room_.notify_all();
  return out;
}

void Mailbox::resized() {
  size_.store(queue_.size());
  bytes_.store(queued_bytes_);
}

}  // namespace wasmhive::actor
