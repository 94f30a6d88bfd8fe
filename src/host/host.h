// The embedding API: a host application builds a Host from a config, spawns
// components (optionally in supervision groups), sends and requests, observes
// states and counters, and shuts down. Tests, examples and the CLI use only this.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "actor/component.h"
#include "actor/event.h"
#include "actor/spec.h"
#include "host/snapshot.h"
#include "host/template_status.h"
#include "lattice/config.h"
#include "lattice/status.h"
#include "messaging/dead_letters.h"
#include "security/audit.h"
#include "security/signing.h"
#include "storage/store.h"
#include "util/clock.h"
#include "util/trace.h"

namespace wasmhive::host {

// A message a component sent to "@host", or one published on a topic the host
// subscribed to. The views are valid during the on_message call only.
struct HostMessage {
  abi::MessageKind kind;  // kKindSend or kKindPublish
  std::string_view sender;
  std::string_view topic;  // kKindPublish only
  std::span<const std::uint8_t> payload;
  Trace trace{};  // its place in a chain of messages (util/trace.h)
};

struct HostConfig {
  std::size_t workers = 0;       // 0: one per hardware thread
  std::size_t turn_budget = 32;  // messages a component handles per turn before others run
  // Instances of each spawned module a worker makes ahead of need, when idle,
  // so the next spawns (and restarts) of that module take one instead of
  // instantiating; for the 8 modules most recently started on it, and at
  // most 32 MiB of their initial memories per worker. 0: none.
  std::size_t ready_instances = 16;
  std::size_t max_payload = 1 << 20;
  // Bytes all mailboxes together may hold (see ComponentLimits::mailbox_bytes):
  // past it every send fails with busy, so broadcasts and publications cannot
  // multiply one guest's flood beyond it.
  std::size_t max_queued_bytes = 256 << 20;
  std::size_t max_broadcast_targets = 1024;
  // Longest timeout a component may give a request (ms); longer is invalid.
  std::int64_t max_request_timeout_ms = 3'600'000;
  // Time for timeouts, restart backoff and intensity windows. Null: the system
  // clock. Tests pass a ManualClock. (Per-call deadlines always use real time:
  // they bound CPU actually spent.)
  Clock* clock = nullptr;
  // Tests: no worker threads. Workers run only in step() / run_until_idle(),
  // on the thread that created the host, so that with a ManualClock every
  // message, timeout and restart happens exactly when the test says.
  bool stepped = false;
  actor::GroupSpec root{.name = "root"};
  // Called for every lifecycle event, from whichever thread caused it. Keep it short.
  std::function<void(const actor::Event&)> on_event{};
  // The host's own inbox: messages components send to "@host" and publications
  // on topics the host subscribed to (called on the sender's thread; keep it
  // short). Without it such sends fail with not_found. Components cannot make
  // requests to the host: those get the unknown_target callback.
  std::function<void(const HostMessage&)> on_message{};
  // Guest log lines and lifecycle events go to stderr at this level and above:
  // trace, debug, info, warn, error, critical or off.
  std::string log_level = "warn";
  // "text": "12:00:00.123 info    message"; "json": one JSON object per line.
  // Lines about a message carry its trace (host/log.h).
  std::string log_format = "text";
  // Where the log goes: appended to this file (created if missing); empty:
  // stderr. create() fails with invalid_argument if it cannot be opened.
  std::filesystem::path log_file{};
  // One message in this many, per component, is timed for its handle-time
  // histogram (ComponentStatus::handle_time, /metrics); 0: none. Timing every
  // message would cost a short handler about 10 % (two clock reads).
  std::uint64_t timed_messages = actor::kTimedEvery;
  // Capability decisions: denials are always audited; grants only if asked.
  bool audit_grants = false;
  // Also append audit records to this file as JSON lines (empty: memory only).
  std::string audit_file{};
  // Component storage: the app's database file, created if missing (its
  // directory must exist); empty: in memory, gone when the host is. create()
  // fails on a file that cannot be opened, is corrupt or has a newer schema.
  std::filesystem::path data_file{};
  // What a commit waits for: normal (survives a process crash) or full (also
  // a power loss: an fsync per commit).
  storage::Durability durability = storage::Durability::normal;
  // How long a commit waits for the database when another process holds it
  // (a backup, say); past it the commit fails and its component restarts.
  std::chrono::milliseconds storage_busy_timeout = std::chrono::seconds(5);
  // Which modules may load (security/signing.h): by default any module whose
  // signature, if it carries one, is intact. spawn and add_template refuse
  // others with untrusted_module.
  security::TrustPolicy trust{};
  // Join a lattice: components on every host of it reach each other by name
  // (see lattice/lattice.h). None: this host alone.
  std::optional<lattice::LatticeConfig> lattice{};
};

// Where a message of the host application goes in a chain of messages
// (util/trace.h). Nothing given: it starts a chain, whose id is its own.
struct TraceParent {
  // The chain it joins: one from new_trace_id(), or the application's own.
  std::uint64_t trace_id = 0;
  // What caused it, in the application's terms (0: nothing).
  std::uint64_t cause_id = 0;
};

struct SendOptions {
  // For a full mailbox: wait up to this long for room instead of failing at once.
  std::optional<std::chrono::milliseconds> wait_for_room{};
  TraceParent trace{};
};

struct SpawnOptions {
  // false: spawn returns once the name is registered, as Erlang's spawn
  // returns a pid, and messages sent to it from then on wait in its mailbox
  // while its worker instantiates it and runs init. An init that fails is
  // then told by events (failed, then stopped) instead of spawn's result:
  // what was queued for it becomes dead letters (requests: unknown_target)
  // and the name is free again. Errors spawn still returns: the name, the
  // group, the worker, and a module that cannot be read or compiled.
  bool wait_for_init = true;
};

struct Reply {
  abi::CallbackStatus status;
  std::vector<std::uint8_t> payload;
  Trace trace{};  // the request's (its chain, its id): the answer's cause
};

struct ShutdownReport {
  std::size_t undelivered = 0;  // messages left in mailboxes (dead-lettered)
  std::vector<std::pair<std::string, std::size_t>> per_component;  // name, leftovers
};

class Host {
 public:
  static Result<std::unique_ptr<Host>> create(HostConfig config = {});
  virtual ~Host() = default;

  // Adds a supervision group under `parent` (the root group by default).
  virtual Result<void> add_group(actor::GroupSpec spec, std::string_view parent = {}) = 0;
  // Loads, instantiates and inits the component, then registers its name. On any
  // failure nothing stays registered. In a lattice, a name another host owns
  // is already_exists. See SpawnOptions for not waiting for init.
  virtual Result<void> spawn(actor::ComponentSpec spec, std::string_view group = {},
                             SpawnOptions options = {}) = 0;
  // Adds a template of virtual components under `group` (the root group by
  // default): every name that matches its pattern is a component, activated
  // by its first message (see host/activator.h). Errors: invalid_argument
  // (pattern, limits), already_exists, and the module's load errors.
  virtual Result<void> add_template(actor::TemplateSpec spec, std::string_view group = {}) = 0;
  // Stops a component for good: shutdown export, leftovers dead-lettered. The
  // name stays taken and its status readable. (Not for virtual components.)
  virtual Result<void> stop(std::string_view name) = 0;
  // Stops it as stop() does and frees it: instance, mailbox (leftovers are dead
  // letters, requests among them get unknown_target), its own outstanding
  // requests (no callback comes), subscriptions and timers. The name is free
  // to spawn again.
  virtual Result<void> remove(std::string_view name) = 0;

  // Sends as "@host". Errors: not_found (no such or stopped component),
  // busy (mailbox full), limit_exceeded (payload), unavailable (shutting down).
  virtual Result<void> send(std::string_view target, std::span<const std::uint8_t> payload,
                            SendOptions options = {}) = 0;
  // A request as "@host". Delivery errors as for send(); once delivered, the
  // future gets exactly one Reply: the answer, a timeout, target_error (the
  // handler trapped, failed or did not reply) or unknown_target (it stopped).
  virtual Result<std::future<Reply>> request(std::string_view target,
                                             std::span<const std::uint8_t> payload,
                                             std::chrono::milliseconds timeout,
                                             SendOptions options = {}) = 0;

  // Sends the payload once to each distinct name, as "@host"; returns how many
  // accepted it (the others are dead letters). Errors: invalid_argument (a bad
  // name), limit_exceeded (payload), unavailable (shutting down).
  virtual Result<std::size_t> broadcast(std::span<const std::string> targets,
                                        std::span<const std::uint8_t> payload,
                                        TraceParent trace = {}) = 0;
  // Publications matching `pattern` reach on_message. Errors: invalid_argument
  // (pattern, or no on_message), not_found (unsubscribe without subscribe).
  virtual Result<void> subscribe(std::string_view pattern) = 0;
  virtual Result<void> unsubscribe(std::string_view pattern) = 0;
  // Publishes as "@host" to every subscriber of a matching pattern;
  // returns how many it was delivered to. Errors: invalid_argument (topic),
  // limit_exceeded (payload), unavailable (shutting down).
  virtual Result<std::size_t> publish(std::string_view topic, std::span<const std::uint8_t> payload,
                                      TraceParent trace = {}) = 0;
  // A new trace id, for messages of the host application that should share
  // one chain (TraceParent::trace_id), known before the first is sent.
  virtual std::uint64_t new_trace_id() = 0;

  // A spawned component's status, or an active virtual component's.
  virtual std::optional<actor::ComponentStatus> status(std::string_view name) const = 0;
  // Every spawned component's; virtual components are counted per template.
  virtual std::vector<actor::ComponentStatus> statuses() const = 0;
  virtual std::vector<TemplateStatus> templates() const = 0;
  // The lattice as this host sees it; none without one.
  virtual std::optional<lattice::LatticeStatus> lattice_status() const = 0;
  virtual const messaging::DeadLetters& dead_letters() const = 0;
  // Requests (from the host and from components) still waiting for their answer.
  virtual std::size_t outstanding_requests() const = 0;
  // Replies that came after their request was answered otherwise (timeout,
  // cancel): dropped, never delivered twice.
  virtual std::uint64_t late_replies() const = 0;
  // The most recent capability decisions (see HostConfig::audit_grants) and the
  // number of denials so far.
  virtual std::vector<security::AuditRecord> audit_records() const = 0;
  virtual std::uint64_t audit_denials() const = 0;
  virtual std::size_t worker_count() const = 0;
  // Instances made ahead of spawns and waiting (HostConfig::ready_instances),
  // and the spawns and restarts that took one so far.
  virtual std::size_t ready_instances() const = 0;
  virtual std::uint64_t spawns_from_ready() const = 0;
  // All of the above that an operator watches, at one moment, from any
  // thread (what `wasmhive run --metrics` serves; see host/snapshot.h).
  virtual Snapshot snapshot() const = 0;

  // Stops components in reverse start order: each drains its mailbox until
  // `drain_deadline` (shared by all), then runs its shutdown export; what is left
  // is reported and dead-lettered. Idempotent; the destructor calls it.
  // Past the deadline, calls still running are interrupted (the component
  // fails, its message is a dead letter) and shutdown exports are no longer called.
  virtual ShutdownReport shutdown(
      std::chrono::milliseconds drain_deadline = std::chrono::seconds(5)) = 0;
  // From any thread: a shutdown running now (or starting later) stops at once,
  // as if its drain deadline had passed. For a second Ctrl-C.
  virtual void hurry_shutdown() = 0;

  // HostConfig::stepped only, on the thread that created the host. step() runs
  // the timers due on the clock, then one task or one message on the first
  // worker that has one; false if there was nothing to run. run_until_idle()
  // steps until nothing is left and returns how many steps ran.
  virtual bool step() = 0;
  virtual std::size_t run_until_idle() = 0;
};

}  // namespace wasmhive::host
