#include "actor/mailbox.h"

namespace wasmhive::actor {

Mailbox::Push Mailbox::try_push(Message message) {
  std::lock_guard lock(mutex_);
  if (closed_) return Push::closed;
  if (queue_.size() >= capacity_) return Push::full;
  queue_.push_back(std::move(message));
  resized();
  return Push::accepted;
}

Mailbox::Push Mailbox::force_push(Message message) {
  std::lock_guard lock(mutex_);
  if (closed_) return Push::closed;
  queue_.push_back(std::move(message));
  resized();
  return Push::accepted;
}

Mailbox::Push Mailbox::push_until(Message message, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  ++waiting_for_room_;
  room_.wait_until(lock, deadline, [&] { return closed_ || queue_.size() < capacity_; });
  --waiting_for_room_;
  if (closed_) return Push::closed;
  if (queue_.size() >= capacity_) return Push::full;
  queue_.push_back(std::move(message));
  resized();
  return Push::accepted;
}

std::optional<Message> Mailbox::try_pop() {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return std::nullopt;
  Message message = std::move(queue_.front());
  queue_.pop_front();
  resized();
  if (waiting_for_room_ > 0) room_.notify_one();
  return message;
}

void Mailbox::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  room_.notify_all();
}

void Mailbox::reopen() {
  std::lock_guard lock(mutex_);
  closed_ = false;
}

std::vector<Message> Mailbox::drain() {
  std::lock_guard lock(mutex_);
  std::vector<Message> out(std::make_move_iterator(queue_.begin()),
                           std::make_move_iterator(queue_.end()));
  queue_.clear();
  resized();
  room_.notify_all();
  return out;
}

}  // namespace wasmhive::actor
