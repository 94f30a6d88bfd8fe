// A bounded multi-producer, single-consumer queue of messages: many senders, one
// worker draining it. FIFO, so each sender's messages keep their order. A full
// mailbox refuses (or, for host senders that ask, waits up to a deadline): it
// never drops silently.
//
// Two bounds, so that neither many small nor a few huge messages can pin
// unbounded host memory: a count, and bytes (its own, and a budget shared by
// every mailbox of the host, which broadcasts and publications cannot multiply).
//
// The mailbox also owns the hand-off to its worker: it is *ready* when it holds
// messages and is open for handling (resume()), and it calls `on_ready` once
// each time it becomes ready; it stays *scheduled* until end_turn() finds it
// empty (or paused), so a component is never queued twice.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
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

  // full: this mailbox's count or bytes; no_budget: the host's shared bytes.
  enum class Push { accepted, full, no_budget, closed };
  // Which bounds a push must respect.
  enum class Limit {
    all,    // count and bytes: an ordinary message
    bytes,  // bytes only: a reply, bounded in number by its receiver's requests
    none,   // nothing: an error callback, which must never be refused
  };

  // A refused message is left as it was: the caller still has it (for its
  // dead letter) without a copy made on every push.
  Push try_push(Message&& message, Limit limit = Limit::all);
  // Waits for room until `deadline` (real time: it bounds a host thread's wait).
  // Only this mailbox's bounds are waited for; the shared budget is not.
  Push push_until(Message&& message, std::chrono::steady_clock::time_point deadline);
  std::optional<Message> try_pop();

  // The hand-off to the worker. `on_ready` runs on the thread that made the
  // mailbox ready (a sender, or resume()), under the mailbox's lock, so that
  // after close() no hand-off is still under way; set it before the first push.
  void set_on_ready(std::function<void()> on_ready) { on_ready_ = std::move(on_ready); }
  // Handling may start / must stop (its component is up / down).
  void resume();
  void pause() { handling_ = false; }
  // The worker ends a turn that left the mailbox empty (or paused): true if it
  // became ready again meanwhile and the caller must queue it once more.
  bool end_turn();
  // Queued on its worker or in a turn.
  bool scheduled() const { return scheduled_.load(); }

  // A closed mailbox refuses every push; what it holds can still be popped/drained.
  void close();
  // Closes it only if it holds nothing and is not scheduled (a virtual
  // component going idle): true if it closed.
  bool close_if_idle();
  void reopen();
  std::vector<Message> drain();

  // Lock-free, sequentially consistent: the hand-off pairs it with `scheduled_`,
  // so it must not be weaker.
  std::size_t size() const { return size_.load(); }
  std::size_t bytes() const { return bytes_.load(); }
  std::size_t capacity() const { return bounds_.count; }
  const std::shared_ptr<ByteBudget>& budget() const { return budget_; }

 private:
  bool has_room(std::size_t bytes, Limit limit) const;
  // Claims the hand-off if the mailbox is ready and nobody holds it.
  bool claim();
  void notify_if_ready();
  // Reserves the shared budget and queues; the caller holds mutex_ and checked room.
  Push admit(Message&& message, std::size_t bytes, Limit limit);
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
  // The hand-off. All seq_cst: a sender's push-then-claim pairs with the
  // worker's clear-then-recheck in end_turn(), so no message is stranded.
  std::atomic<bool> handling_{false};
  std::atomic<bool> scheduled_{false};
  std::function<void()> on_ready_;
};

}  // namespace wasmhive::actor
