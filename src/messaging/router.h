// The message path. Every message, from the host application or from a guest,
// goes through the router: names are looked up, the sender's rights checked,
// payloads capped, broadcasts and publications fanned out, and requests kept
// until their one answer. Host API calls and guest imports meet the same
// checks here, in one place.
//
// Where a message goes is a route; today a local mailbox or the host's inbox.
// Components are held by shared_ptr: the registry owns a name's component, and
// a removed one lives on only while a queue or a memo still holds it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "abi/component_api.h"
#include "actor/mailbox.h"
#include "actor/message.h"
#include "actor/port.h"
#include "messaging/dead_letters.h"
#include "messaging/output_gate.h"
#include "messaging/pending_requests.h"
#include "messaging/remote.h"
#include "messaging/subjects.h"
#include "security/capabilities.h"
#include "security/gate.h"
#include "util/string_hash.h"

namespace spdlog {
class logger;
}

namespace wasmhive::actor {
class Component;
}

namespace wasmhive::storage {
class Store;
}

namespace wasmhive::messaging {

// Who sends, as the router checks it.
struct Sender {
  std::string_view name;
  // Null: trusted (the host application, native components): not checked.
  const security::Capabilities* capabilities = nullptr;
  std::size_t max_payload = SIZE_MAX;  // its own cap; the router's applies too
  // The sending component, whose `sent` counts every message a mailbox took.
  actor::Component* component = nullptr;
  // Its module's SHA-256, for audit records.
  std::string_view module{};
};

// A sender's memo of its last resolved target: repeat sends skip the registry
// lock, a cache line every worker would otherwise write on every message, and
// any reference count. It is valid while no component was removed since it was
// taken (Router::removals): a removal bumps that count, then waits until every
// worker has finished what it was doing before the component is freed, so a
// send still using an old memo ends first. Worker threads only.
struct RouteMemo {
  std::string name;
  actor::Component* target = nullptr;
  std::uint64_t removals = 0;
};

// How one message travels.
struct Route {
  // For a full mailbox: wait up to this long for room (host senders only).
  std::optional<std::chrono::milliseconds> wait_for_room{};
  RouteMemo* memo = nullptr;
  // Set: the message is checked now (name, rights, target known) and held
  // there until the sender's writes commit (see OutputGate).
  OutputGate* gate = nullptr;
  // Came from another host: delivered here or refused, never sent on (its
  // sender's host chose this one), and publications are not published again.
  bool local_only = false;
  // The new message's trace as given (see TraceIds::stamp): its chain and
  // cause (caused_by() the message its sender handles), or, from another
  // host, all of it. Nothing: it starts a chain.
  Trace trace{};
};

struct RouterConfig {
  std::size_t max_payload = 1 << 20;
  std::size_t max_broadcast_targets = 1024;
  std::int64_t max_request_timeout_ms = 3'600'000;
  // Messages to "@host" (sends and publications); none: such sends fail.
  std::function<void(const actor::Message&)> host_inbox{};
  // Seeds the message ids (util/trace.h): hosts of a lattice need different ones.
  std::uint64_t trace_seed = 0;
};

// What a guest may use besides messaging; the host provides it.
class GuestServices {
 public:
  virtual ~GuestServices() = default;
  // Writes a component's log line (its `log` grant was checked) about the
  // message it handles (`trace`; untraced: none): kOk, or kErrLimit past the
  // component's rate when `limited`.
  virtual std::int32_t log(std::string_view component, abi::LogLevel level, std::string_view line,
                           bool limited, const Trace& trace) = 0;
  // The app's store for component storage; null: storage is unsupported.
  virtual storage::Store* store() = 0;
};

// Names no component is registered under may belong to a template (virtual
// components): the host makes such a component when a message comes for it.
class Activations {
 public:
  virtual ~Activations() = default;
  struct Outcome {
    // Registered under the name by now (perhaps still activating); null when
    // no template takes the name or it cannot now.
    std::shared_ptr<actor::Component> component;
    std::int32_t refusal = abi::kErrNotFound;  // kErrNotFound or kErrBusy
    const char* why = "unknown target";
    // Made by this call: its activation waits for queue(), which the caller
    // makes once the message it came for is in the mailbox (or at once when
    // there is none), so that an activation failing fast fails with the
    // message, not before it.
    bool fresh = false;
  };
  virtual Outcome activate(std::string_view name) = 0;
  virtual void queue(actor::Component& fresh) = 0;
};

class Router {
 public:
  Router(RouterConfig config, TimerService& timers, security::Gate& gate, GuestServices& services,
         std::shared_ptr<spdlog::logger> logger);
  ~Router();

  // ---- names ----
  // Holds `name` while its component is loaded; fails if it is taken.
  Result<void> reserve(const std::string& name);
  void release(const std::string& name);
  // Registers a component under its reserved name; false, and the name
  // released, once close_names() was called.
  [[nodiscard]] bool add(std::shared_ptr<actor::Component> component);
  // From now on add() refuses: the host's shutdown then takes its list of
  // components knowing none is added behind it.
  void close_names();
  // Frees the name; the component is returned, still whole. Memos taken before
  // are void from now on (see RouteMemo).
  std::shared_ptr<actor::Component> unregister(std::string_view name);
  std::shared_ptr<actor::Component> find(std::string_view name) const;
  // Every component registered with add(), in the order they were added.
  std::vector<std::shared_ptr<actor::Component>> components() const;
  // Virtual components: `activations` makes components for unknown names from
  // now on; set once, before any message.
  void set_activations(Activations& activations) { activations_ = &activations; }
  // A lattice: names no local component holds may be owned by other hosts,
  // and publications reach their subscribers too. Set once, before any
  // message or subscription.
  void set_remote(Remote& remote);
  // Registers a virtual component under its name unless one is registered
  // there already, which is then returned instead.
  std::shared_ptr<actor::Component> add_if_absent(std::shared_ptr<actor::Component> component);
  // Unregisters an idle virtual component as its mailbox closes (see
  // Component::close_if_idle), on its worker's thread. False: it is not idle.
  bool unregister_if_idle(actor::Component& component);
  // Unregisters a virtual component whose activation failed or that stopped.
  void unregister_virtual(actor::Component& component);

  // The port through which `component` reaches everything else.
  std::unique_ptr<actor::Port> port_for(actor::Component& component);

  // ---- messages: ABI results, >= 0 or a negative abi::ErrorCode ----
  std::int32_t send(const Sender& from, std::string_view target, abi::Bytes payload,
                    const Route& route = {});
  // A request's id (> 0), whose `completion` then runs exactly once, unless it
  // is cancelled. A denial, and a target found missing, are such completions
  // when `owner` (the requester, who may cancel) is set; without an owner they
  // are returned as codes.
  // `at_quota`: the requester may have no more outstanding requests (kErrLimit,
  // once the arguments are known to be valid).
  std::int64_t request(const Sender& from, std::string_view target, abi::Bytes payload,
                       std::int64_t timeout_ms, Completion completion, const void* owner,
                       bool at_quota = false, const Route& route = {});
  // Answers request `id`: kOk, or kErrBusy when the requester could not take
  // the payload (it then got target_error). A late answer is dropped.
  std::int32_t answer(std::uint64_t id, abi::CallbackStatus status,
                      std::vector<std::uint8_t> payload);
  bool cancel(std::uint64_t id, const void* owner);
  // Sends once to each distinct name; returns how many took it.
  std::int32_t broadcast(const Sender& from, std::span<const std::string_view> targets,
                         abi::Bytes payload, const Route& route = {});
  std::int32_t publish(const Sender& from, std::string_view topic, abi::Bytes payload,
                       const Route& route = {});
  // A publication from another host, which came once per pattern held here
  // that matches it; this is `pattern`'s share (see Subscriptions::subscribers_via).
  // `trace`: as it came (an id is drawn for one that came without).
  std::int32_t publish_via(const Sender& from, std::string_view pattern, std::string_view topic,
                           abi::Bytes payload, const Trace& trace = {});
  // What a gate held leaves now (its sender's writes committed). A request
  // that cannot be delivered then is completed with unknown_target (no such
  // target) or target_error (its mailbox is full).
  void release(const Sender& from, HeldOutput held);
  // What a gate held is dropped (the call or commit failed): messages become
  // dead letters with `why`, an answer becomes target_error. Requests are the
  // sender's to cancel.
  void drop(HeldOutput held, std::string_view why);
  // `trace`: the message the subscriber handles, for the warning of a denial.
  std::int32_t subscribe(const Sender& subscriber, std::string_view pattern, std::size_t quota,
                         const Trace& trace = {});
  std::int32_t unsubscribe(std::string_view subscriber, std::string_view pattern);
  void unsubscribe_all(const std::string& subscriber);

  // A message that could not be delivered or handled; the first of each
  // (sender, target, reason) is logged.
  void dead_letter(const actor::Message& message, std::string_view target, std::string reason,
                   std::optional<std::size_t> payload_size = std::nullopt);
  // Puts an answer in its requester's mailbox (see answer()).
  struct CallbackDelivery {
    bool as_given;  // false: an error status went in its place
    bool queued;    // false: the requester's mailbox was closed (a dead letter)
  };
  CallbackDelivery deliver_callback(actor::Component& requester, actor::Message callback);

  // At log level trace, a line for each message a component begins to handle,
  // with its trace: then every link of a chain is in the log, also where no
  // guest logs. Worker threads; one test of a flag when the level is higher.
  void note_handling(std::string_view component, const actor::Message& message) {
    if (log_handling_) log_handling(component, message);
  }

  // Whether `payload` is within the sender's cap and the router's.
  bool fits(const Sender& from, abi::Bytes payload) const;

  // The ids of this host's messages (util/trace.h). Any thread.
  TraceIds& trace_ids() { return trace_ids_; }
  const DeadLetters& dead_letters() const { return dead_letters_; }
  PendingRequests& pending() { return pending_; }
  security::Gate& gate() { return gate_; }
  GuestServices& services() { return services_; }
  TimerService& timers() { return timers_; }
  const RouterConfig& config() const { return config_; }

 private:
  std::int32_t deliver(const Sender& from, actor::Message message, std::string_view target,
                       const Route& route);
  // A publication to each of `subscribers` (here), through `gate` if any;
  // how many took it.
  std::int32_t deliver_to(const std::vector<std::string>& subscribers, const Sender& from,
                          std::string_view topic, abi::Bytes payload, OutputGate* gate,
                          const Trace& trace);
  // deliver() through a gate: checked now, sent at release().
  std::int32_t hold(actor::Message message, std::string_view target, const Route& route);
  // The target, and what keeps it alive while it is used (nothing when the
  // memo vouches for it). An unknown name may activate a virtual component;
  // when none is found, `refusal` says why, or `remote` that another host
  // owns the name.
  actor::Component* resolve(std::string_view target, const Route& route,
                            std::shared_ptr<actor::Component>& hold, Activations::Outcome& refusal,
                            bool& remote);
  // The host's inbox takes what a sender sends or publishes to "@host" (not
  // requests), when the host has one.
  bool for_host_inbox(const actor::Message& message, std::string_view target) const;
  // Where a message goes: a component here, another host, or nowhere.
  struct Destination {
    actor::Component* component = nullptr;  // here, not stopped
    bool remote = false;                    // owned by another host
    std::int32_t code = abi::kOk;           // nowhere: why, as an ABI code
    bool fresh = false;                     // see Activations::Outcome::fresh
  };
  // resolve(), for a component that is not stopped, or the lattice's word that
  // another host owns the name; otherwise the message is recorded as a dead
  // letter saying why.
  Destination destination(const actor::Message& message, std::string_view target,
                          const Route& route, std::shared_ptr<actor::Component>& hold);
  std::int32_t forward(const Sender& from, const actor::Message& message, std::string_view target);
  // Puts the message in the mailbox of `component` (resolved for `target`).
  actor::Mailbox::Push push(actor::Component& component, actor::Message& message,
                            const Route& route);
  void log_handling(std::string_view component, const actor::Message& message);
  // Capability checks shared by every kind of message; `trace` is the
  // message's, for the warning of a denial.
  bool allowed(const Sender& from, const char* capability, std::string_view target, bool granted,
               const Trace& trace);

  const RouterConfig config_;
  TimerService& timers_;
  security::Gate& gate_;
  GuestServices& services_;
  std::shared_ptr<spdlog::logger> logger_;
  TraceIds trace_ids_;
  // The log's level is set once, when the host makes it.
  const bool log_handling_;
  DeadLetters dead_letters_;
  Subscriptions subscriptions_;
  PendingRequests pending_;

  mutable std::shared_mutex registry_mutex_;
  std::unordered_map<std::string, std::shared_ptr<actor::Component>, StringHash, std::equal_to<>>
      registry_;
  std::vector<std::shared_ptr<actor::Component>> order_;  // as added; pruned on unregister
  std::unordered_set<std::string> reserved_;
  bool names_closed_ = false;  // guarded by registry_mutex_
  std::atomic<std::uint64_t> removals_{0};
  Activations* activations_ = nullptr;
  Remote* remote_ = nullptr;
};

// Splits a guest's newline-separated target list (a trailing newline is
// allowed) into `names`. Returns kOk, or the ABI code for a malformed name.
std::int32_t split_targets(std::string_view list, std::vector<std::string_view>& names);
// The ABI code for a name, topic or pattern that failed validation.
std::int32_t malformed(std::string_view text, std::size_t max_length);

}  // namespace wasmhive::messaging
