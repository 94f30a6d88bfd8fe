// A component: an actor with a name, a bounded mailbox, a behaviour (a wasm
// instance, or a C++ handler) and its statistics. Its mailbox and counters are
// thread-safe; its behaviour is touched only by the worker it is pinned to,
// one message at a time, and its instance is created and destroyed there.
// Components are shared_ptr-owned (the router's registry, worker queues while
// queued); whatever must not keep one alive holds a weak_ptr.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "actor/behaviour.h"
#include "actor/event.h"
#include "actor/mailbox.h"
#include "actor/port.h"
#include "actor/spec.h"
#include "util/duration_histogram.h"

namespace wasmhive::actor {

struct Group;

enum class ComponentState : std::uint8_t { starting, running, restarting, stopped };
std::string_view to_string(ComponentState state);

// A snapshot of a component's state and counters.
struct ComponentStatus {
  std::string name;
  ComponentState state;
  std::size_t worker;
  std::size_t mailbox_size;
  std::size_t mailbox_bytes;     // what its queued messages hold (see actor::footprint)
  bool busy;                     // queued on its worker or handling a message right now
  std::uint64_t handled;         // messages whose handle_message returned
  std::uint64_t handler_errors;  // of those, how many returned non-zero
  std::uint64_t sent;            // messages it sent that were accepted
  std::uint64_t failures;        // traps, deadlines, failed inits
  std::uint64_t restarts;
  std::uint64_t dead_letters;  // messages to it that were not handled
  std::size_t timers;          // send_after timers pending (made, armed, or fired and queued)
  // What its module says it is (docs/abi.md §9); null when it says nothing.
  std::shared_ptr<const abi::Metadata> metadata;
  std::string module_sha256;  // of its module's bytes (ComponentSpec::module_sha256)
  // Metered components (ComponentLimits::fuel_per_call): what its calls used.
  std::optional<FuelUse> fuel;
  // How long handling took (handle_message or handle_callback, with its
  // port's bookkeeping), for the messages timed (see Component's constructor).
  DurationHistogram::Counts handle_time{};
  // What it keeps in storage, once it has used it (see Port::storage_use).
  std::optional<StorageUse> storage{};
};

// By default one message in this many is timed: reading the clock twice costs
// a short handler's message about 10 %, one in 8 about 1 %.
inline constexpr std::uint64_t kTimedEvery = 8;

class Component : public std::enable_shared_from_this<Component> {
 public:
  // One message in `timed_every` is timed for ComponentStatus::handle_time (the
  // first, then every n-th); 0: none.
  Component(ComponentSpec spec, std::unique_ptr<Behaviour> behaviour, std::size_t worker,
            Lifecycle& lifecycle, std::shared_ptr<ByteBudget> queue_budget,
            std::uint64_t timed_every = kTimedEvery);
  ~Component();
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;
  // Before start(): the port its messages go out (and come in) through.
  void connect(std::unique_ptr<Port> port) { port_ = std::move(port); }
  Port& port() { return *port_; }

  const std::string& name() const { return spec_.name; }
  const ComponentSpec& spec() const { return spec_; }
  std::size_t worker() const { return worker_; }
  ComponentState state() const { return state_.load(); }
  ComponentStatus status() const;
  // Counts successful starts; a callback for an older generation is not delivered.
  std::uint64_t generation() const { return generation_.load(); }

  // Any thread: queue a message; the mailbox wakes the worker if needed.
  // Refused messages are left as they were (see Mailbox::try_push).
  Mailbox::Push offer(Message&& message) { return mailbox_.try_push(std::move(message)); }
  // A callback for a request this component made: never refused for its count
  // (callbacks are bounded by its requests); one with a payload may be refused
  // for bytes, one without never.
  Mailbox::Push offer_callback(Message&& message);
  // A timer's message to itself: bounded in number by its timers, by bytes here.
  Mailbox::Push offer_timer(Message&& message) {
    return mailbox_.try_push(std::move(message), Mailbox::Limit::bytes);
  }
  // The host's byte budget its mailbox shares with every other.
  const std::shared_ptr<ByteBudget>& queue_budget() const { return mailbox_.budget(); }
  Mailbox::Push offer_until(Message&& message, std::chrono::steady_clock::time_point deadline) {
    return mailbox_.push_until(std::move(message), deadline);
  }

  // ---- supervision's bookkeeping (any thread) ----
  // Each stop or restart decision takes a new epoch; a pending start of an
  // older one is void.
  std::uint64_t next_epoch() { return ++epoch_; }
  std::uint64_t epoch() const { return epoch_.load(); }
  // Stopped for good (by the host, or a failed temporary component): never
  // restarted, not even when its group is.
  void retire() { retired_ = true; }
  bool retired() const { return retired_.load(); }
  // Its supervision group; the Supervisor sets it under its lock.
  Group* group() const { return group_; }
  void set_group(Group* group) { group_ = group; }

  // ---- virtual components (ComponentSpec::template_pattern) ----
  bool is_virtual() const { return !spec_.template_pattern.empty(); }
  // Its worker's thread: if it is running with nothing queued and no request
  // or timer outstanding, its mailbox closes (a send then finds it
  // deactivated and activates the name anew). True if it closed.
  bool close_if_idle();
  // Running, with nothing queued, scheduled or outstanding (a snapshot: a
  // message may come at any time; close_if_idle() decides for good).
  bool looks_idle() const;
  std::uint64_t handled() const { return handled_.load(); }
  // Closed by close_if_idle(): it will not handle another message.
  bool deactivated() const { return deactivated_.load(); }
  // Its instance's state as a blob (see Behaviour::save_state).
  Result<std::vector<std::uint8_t>> save_state() { return behaviour_->save_state(); }

  // ---- worker thread only ----
  // Starts its behaviour (instance and init); on failure it has none. A
  // hibernated component's `saved` state is restored after init.
  Result<void> start(engine::Engine& engine, std::span<const std::uint8_t> saved = {});
  // Handles up to `budget` messages while running; returns whether messages remain.
  bool run_turn(std::size_t budget);
  // The worker's turn is over and left nothing: true if it must be queued again.
  bool end_turn();
  // Takes the component down (if up) to be started again: no instance, state
  // restarting, mailbox open (a group stop had closed it).
  void prepare_restart();
  bool has_shutdown_export() const { return behaviour_->has_shutdown(); }
  bool has_health_export() const { return behaviour_->has_health(); }
  // Calls the health export while running: spec().health.failures unhealthy
  // answers in a row (or a trap) fail the component, to be restarted.
  void check_health();
  // Calls the shutdown export, if it has one, for at most `budget` (and never
  // longer than its call timeout).
  Result<void> call_shutdown(std::chrono::nanoseconds budget);
  // Stops for good: no instance, closed mailbox, leftovers refused with
  // `reason` (requests among them answered with `answer`). Returns the
  // leftovers count.
  std::size_t stop(std::string_view reason, abi::CallbackStatus answer = abi::kStatusUnknownTarget);
  // Handles queued messages until empty or `deadline` (real time).
  void drain(std::chrono::steady_clock::time_point deadline);

  void count_restart() { ++restarts_; }
  void count_dead_letter() { ++dead_letters_; }
  void count_sent() { ++sent_; }

 private:
  void handle(Message& message);
  void handle_message(Message& message);
  void handle_callback(Message& message);
  // Commits the turn's writes; a failed commit fails the component.
  void commit_turn();
  void fail(const Message* message, const Error& error);
  // Drops the instance (if any) and moves to `next` (restarting or stopped).
  void discard(ComponentState next);

  const ComponentSpec spec_;
  const std::unique_ptr<Behaviour> behaviour_;
  const std::size_t worker_;
  Lifecycle& lifecycle_;
  Mailbox mailbox_;
  std::unique_ptr<Port> port_;
  std::atomic<ComponentState> state_{ComponentState::starting};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<bool> retired_{false};
  std::atomic<bool> deactivated_{false};
  Group* group_ = nullptr;
  int unhealthy_in_a_row_ = 0;  // worker thread only
  std::atomic<std::uint64_t> handled_{0}, handler_errors_{0}, sent_{0}, failures_{0}, restarts_{0},
      dead_letters_{0};
  DurationHistogram handle_time_;
  const std::uint64_t timed_every_;
  std::uint64_t until_timed_ = 1;  // worker thread only: messages until the next timed one
};

}  // namespace wasmhive::actor
