// A bounded multi-producer, single-consumer queue of messages: many senders, one
// worker draining it. FIFO, so each sender's messages keep their order. A full
// mailbox refuses (or, for host senders that ask, waits up to a deadline): it
// never drops silently.
//
// Two bounds, so that neither many small nor a few huge messages can pin
// unbounded host memory: a count, and bytes (its own, and a budget shared by
// every mailbox of the host, which broadcasts and publications cannot multiply).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "actor/message.h"

namespace wasmhive::actor {

// Bytes all mailboxes of a host may hold together. Thread-safe.
class ByteBudget {
 public:
  explicit ByteBudget(std::size_t limit) : limit_(limit) {}
  // Takes `bytes` if they fit under the limit.
  bool try_take(std::size_t bytes);
  // Takes `bytes` even past the limit: for what must never be refused.
  void force_take(std::size_t bytes) { used_.fetch_add(bytes); }
  void give_back(std::size_t bytes) { used_.fetch_sub(bytes); }
  std::size_t used() const { return used_.load(); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

// What a queued message costs: its bytes, its names and the bookkeeping.
std::size_t footprint(const Message& message);

class Mailbox {
 public:
  struct Bounds {
    std::size_t count;
    std::size_t bytes;
  };
  Mailbox(Bounds bounds, std::shared_ptr<ByteBudget> budget)
      : bounds_(bounds), budget_(std::move(budget)) {}
  // Bounded by count only.
  explicit Mailbox(std::size_t capacity)
      : Mailbox({capacity, SIZE_MAX}, std::make_shared<ByteBudget>(SIZE_MAX)) {}
  ~Mailbox();

  enum class Push { accepted, full, closed };
  // Which bounds a push must respect.
  enum class Limit {
    all,    // count and bytes: an ordinary message
    bytes,  // bytes only: a reply, bounded in number by its receiver's requests
    none,   // nothing: an error callback, which must never be refused
  };

  Push try_push(Message message, Limit limit = Limit::all);
  // Waits for room until `deadline` (real time: it bounds a host thread's wait).
  // Only this mailbox's bounds are waited for; the shared budget is not.
  Push push_until(Message message, std::chrono::steady_clock::time_point deadline);
  std::optional<Message> try_pop();

  // A closed mailbox refuses every push; what it holds can still be popped/drained.
  void close();
  void reopen();
  std::vector<Message> drain();

  // Lock-free, sequentially consistent: the scheduling handshake (Component,
  // Worker) pairs it with the `scheduled` flag, so it must not be weaker.
  std::size_t size() const { return size_.load(); }
  std::size_t bytes() const { return bytes_.load(); }
  std::size_t capacity() const { return bounds_.count; }

 private:
  bool has_room(std::size_t bytes, Limit limit) const;
  // Reserves the shared budget and queues; the caller holds mutex_ and checked room.
  Push admit(Message message, std::size_t bytes, Limit limit);
  void resized();

  const Bounds bounds_;
  const std::shared_ptr<ByteBudget> budget_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::size_t waiting_for_room_ = 0;                   // push_until callers: pops notify only them
  std::deque<std::pair<Message, std::size_t>> queue_;  // with each message's footprint
  std::size_t queued_bytes_ = 0;
  std::atomic<std::size_t> size_{0};   // queue_.size(), written under mutex_
  std::atomic<std::size_t> bytes_{0};  // queued_bytes_, written under mutex_
  bool closed_ = false;
};

}  // namespace wasmhive::actor
