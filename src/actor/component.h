// A component: one wasm instance as an actor with a name, a bounded mailbox and
// its statistics. Its mailbox and counters are thread-safe; its instance is
// touched only by the worker it is pinned to, one message at a time, and is
// created and destroyed there. Components are shared_ptr-owned (the router's
// registry, worker queues while queued); whatever must not keep one alive
// holds a weak_ptr.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "abi/component_api.h"
#include "abi/inbox.h"
#include "actor/event.h"
#include "actor/mailbox.h"
#include "actor/port.h"
#include "actor/spec.h"
#include "engine/engine.h"

namespace wasmhive::actor {

class Component;
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
};

class Component : public std::enable_shared_from_this<Component> {
 public:
  Component(ComponentSpec spec, std::shared_ptr<const engine::Module> module, std::size_t worker,
            Lifecycle& lifecycle, std::shared_ptr<ByteBudget> queue_budget);
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
  bool has_mail() const { return mailbox_.size() > 0; }

  // Any thread: queue a message and schedule the component if needed.
  Mailbox::Push offer(Message message);
  // A callback for a request this component made: never refused for its count
  // (callbacks are bounded by its requests); one with a payload may be refused
  // for bytes, one without never.
  Mailbox::Push offer_callback(Message message);
  // Counts successful starts; a callback for an older generation is not delivered.
  std::uint64_t generation() const { return generation_.load(); }
  Mailbox::Push offer_until(Message message, std::chrono::steady_clock::time_point deadline);

  // Worker thread only.
  // Instantiates and runs init; on failure leaves the component without an instance.
  Result<void> start(engine::Engine& engine);
  // Handles up to `budget` messages while running; returns whether messages remain.
  bool run_turn(std::size_t budget);
  // Drops the instance (if any) and moves to `next` (restarting or stopped).
  void discard(ComponentState next);
  // Takes the component down (if up) to be started again: no instance, state
  // restarting, mailbox open (a group stop had closed it).
  void prepare_restart();
  // Calls the shutdown export, if the instance has one, for at most `budget`
  // (and never longer than its call timeout).
  Result<void> call_shutdown(std::chrono::nanoseconds budget);
  // Stops for good: no instance, closed mailbox, leftovers dead-lettered with
  // `reason`. Returns the leftovers count.
  std::size_t stop(std::string_view reason);
  bool has_shutdown_export() const;
  // Handles queued messages until empty or `deadline` (real time).
  void drain(std::chrono::steady_clock::time_point deadline);

  void count_restart() { ++restarts_; }
  void count_dead_letter() { ++dead_letters_; }
  void count_sent() { ++sent_; }

  // Set by the worker's scheduling protocol: true while queued or running a turn.
  std::atomic<bool> scheduled{false};
  // Bumped on every stop/restart decision; a pending start with an older epoch is void.
  std::atomic<std::uint64_t> restart_epoch{0};
  // Stopped for good (by the host, or a failed temporary component): never
  // restarted, not even when its group is.
  std::atomic<bool> retired{false};
  Group* group = nullptr;

 private:
  void handle(Message& message);
  void handle_callback(Message& message);
  // Calls a delivery export, writing the current message into the inbox first.
  Result<std::int64_t> deliver(engine::ExportFunction function, std::span<const std::int64_t> args);
  void fail(const Message* message, const Error& error);
  void notify_if_ready();

  ComponentSpec spec_;
  std::shared_ptr<const engine::Module> module_;
  std::size_t worker_;
  Lifecycle& lifecycle_;
  Mailbox mailbox_;
  std::atomic<ComponentState> state_{ComponentState::starting};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> handled_{0}, handler_errors_{0}, sent_{0}, failures_{0}, restarts_{0},
      dead_letters_{0};

  // Worker-thread state.
  std::unique_ptr<Port> port_;
  std::unique_ptr<engine::Instance> instance_;
  engine::ExportFunction handle_message_{};
  std::optional<engine::ExportFunction> handle_callback_;
  std::optional<abi::Inbox> inbox_;
};

}  // namespace wasmhive::actor
