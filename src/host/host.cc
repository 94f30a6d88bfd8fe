#include "host/host.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "actor/supervisor.h"
#include "actor/worker.h"
#include "host/activator.h"
#include "host/api_result.h"
#include "host/drain.h"
#include "host/log.h"
#include "host/spawner.h"
#include "lattice/lattice.h"
#include "messaging/names.h"
#include "messaging/router.h"
#include "messaging/traced_log.h"
#include "security/gate.h"
#include "storage/store.h"
#include "util/line_writer.h"
#include "util/timer_service.h"

namespace wasmhive::host {
namespace {

using actor::Component;
using actor::ComponentState;
using actor::Event;
using actor::Message;

// How often counted denials and suppressed log lines are summarized.
constexpr auto kSummaryInterval = std::chrono::seconds(1);

// HostConfig::workers, or one per hardware thread.
std::size_t worker_count_for(const HostConfig& config) {
  return config.workers ? config.workers : std::max(1u, std::thread::hardware_concurrency());
}

// The host application as a sender: trusted, under the host's payload cap.
constexpr messaging::Sender kHostSender{actor::kHostSender};

// ", module <name> <version>" from what its metadata gives, or nothing. The
// log escapes it (guest text).
std::string described(const std::shared_ptr<const abi::Metadata>& metadata) {
  if (!metadata || (metadata->name.empty() && metadata->version.empty())) return {};
  std::string out = ", module";
  for (const std::string* part : {&metadata->name, &metadata->version})
    if (!part->empty()) out += " " + *part;
  return out;
}

// ", sha256 <hex>" naming the module's bytes, or nothing for a native component.
std::string module_described(const actor::ComponentSpec& spec) {
  return spec.module_sha256.empty() ? std::string() : ", sha256 " + spec.module_sha256;
}

messaging::RouterConfig router_config(const HostConfig& config) {
  messaging::RouterConfig out{.max_payload = config.max_payload,
                              .max_broadcast_targets = config.max_broadcast_targets,
                              .max_request_timeout_ms = config.max_request_timeout_ms};
  if (config.on_message)
    out.host_inbox = [inbox = config.on_message](const Message& m) {
      inbox({m.kind, m.sender, m.topic, m.payload, m.trace});
    };
  // Random, so that ids of hosts of a lattice do not follow one sequence.
  std::random_device seed;
  out.trace_seed = std::uint64_t{seed()} << 32 | seed();
  return out;
}

// The first message of a host application's chain, or one joining its own.
Trace given(TraceParent parent) {
  return {parent.trace_id, 0, parent.cause_id};
}

class HostImpl final : public Host,
                       public actor::Lifecycle,
                       public actor::SupervisorActions,
                       public messaging::GuestServices {
 public:
  HostImpl(HostConfig config, std::shared_ptr<LineWriter> log_writer)
      : config_(std::move(config)),
        own_clock_(config_.clock ? nullptr : std::make_unique<SystemClock>()),
        clock_(config_.clock ? *config_.clock : *own_clock_),
        log_writer_(std::move(log_writer)),
        logger_(make_logger(config_.log_level, config_.log_format, log_writer_)),
        guest_log_(logger_, clock_),
        gate_(config_.audit_grants,
              [logger = logger_](const std::string& warning, const Trace& trace) {
                messaging::log_traced(*logger, spdlog::level::warn, trace, warning);
              }),
        queue_budget_(std::make_shared<actor::ByteBudget>(config_.max_queued_bytes)),
        cache_(std::make_shared<engine::ModuleCache>()),
        timers_(std::make_unique<TimerService>(clock_)),
        router_(std::make_unique<messaging::Router>(router_config(config_), *timers_, gate_, *this,
                                                    logger_)),
        supervisor_(std::make_unique<actor::Supervisor>(config_.root, clock_, *this)) {}

  ~HostImpl() override {
    shutdown(std::chrono::milliseconds(0));
    timers_->stop();   // no timer callback runs (or posts to a worker) after this
    lattice_.reset();  // nor anything from other hosts
    workers_.clear();  // no turn runs after this: their queues do not own components
    activator_.reset();
    router_.reset();  // the components go last (their timers cancel into timers_)
    timers_.reset();
    summarize();
    gate_.audit().flush();
    log_writer_->flush();
  }

  Result<void> open_audit_file() {
    if (config_.audit_file.empty()) return {};
    if (auto opened = gate_.audit().open_file(config_.audit_file); !opened)
      return make_error(Errc::invalid_argument,
                        "cannot open audit file: " + opened.error().message);
    return {};
  }

  Result<void> open_store() {
    auto store =
        storage::Store::open({config_.data_file, config_.durability, config_.storage_busy_timeout});
    if (!store) return Error{Errc::storage_failed, store.error().message};
    store_ = std::move(*store);
    return {};
  }

  // ---- GuestServices ----

  std::int32_t log(std::string_view component, abi::LogLevel level, std::string_view line,
                   bool limited, const Trace& trace) override {
    return guest_log_.log(component, level, line, limited, trace);
  }
  storage::Store* store() override { return store_.get(); }

  // After the store: templates that hibernate to the database use it.
  void start_activator() {
    activator_ = std::make_unique<Activator>(Activator::Services{.workers = workers_,
                                                                 .router = *router_,
                                                                 .spawner = spawner_,
                                                                 .lifecycle = *this,
                                                                 .supervisor = *supervisor_,
                                                                 .timers = *timers_,
                                                                 .clock = clock_,
                                                                 .store = store_.get(),
                                                                 .logger = logger_});
    router_->set_activations(*activator_);
  }

  // After the activator: frames from other hosts may activate templates.
  Result<void> join_lattice() {
    if (!config_.lattice) return {};
    auto joined = lattice::Lattice::join(
        *config_.lattice, {.router = *router_,
                           .timers = *timers_,
                           .logger = logger_,
                           .active_virtual =
                               [this] {
                                 std::uint64_t active = 0;
                                 for (const auto& t : activator_->statuses()) active += t.active;
                                 return active;
                               },
                           .placement_changed =
                               [this](lattice::Lattice& lattice) {
                                 activator_->release_misplaced([&lattice](std::string_view name) {
                                   return lattice.elsewhere(name);
                                 });
                               }});
    if (!joined) return joined.error();
    lattice_ = std::move(*joined);
    router_->set_remote(*lattice_);
    return {};
  }

  Result<void> start_workers() {
    for (std::size_t i = 0; i < worker_count_for(config_); ++i) {
      auto worker = config_.stepped ? actor::Worker::stepped(i, cache_, config_.turn_budget)
                                    : actor::Worker::start(i, cache_, config_.turn_budget);
      if (!worker) return worker.error();
      workers_.push_back(std::move(*worker));
    }
    return {};
  }

  // Summaries of what was only counted (repeated denials, suppressed guest log
  // lines), every kSummaryInterval of the host's clock.
  void start_summaries() {
    timers_->schedule_after(kSummaryInterval, [this] {
      summarize();
      start_summaries();
    });
  }

  // ---- Host: lifecycle ----

  Result<void> add_group(actor::GroupSpec spec, std::string_view parent) override {
    actor::Group* parent_group =
        parent.empty() ? &supervisor_->root() : supervisor_->find_group(parent);
    if (!parent_group) return make_error(Errc::not_found, "no group '" + std::string(parent) + "'");
    auto added = supervisor_->add_group(std::move(spec), *parent_group);
    if (!added) return added.error();
    return {};
  }

  Result<void> spawn(actor::ComponentSpec spec, std::string_view group_name,
                     SpawnOptions options) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    if (auto valid = messaging::validate_component_name(spec.name); !valid) return valid;
    actor::Group* group =
        group_name.empty() ? &supervisor_->root() : supervisor_->find_group(group_name);
    if (!group) return make_error(Errc::not_found, "no group '" + std::string(group_name) + "'");
    std::size_t worker = spec.worker.value_or(next_worker_++ % workers_.size());
    if (worker >= workers_.size())
      return make_error(Errc::invalid_argument,
                        spec.name + ": no worker " + std::to_string(worker));
    const std::string name = spec.name;
    if (auto owner = lattice_ ? lattice_->owner_elsewhere(name) : std::nullopt)
      return make_error(Errc::already_exists,
                        "'" + name + "' belongs to host '" + *owner + "' of the lattice");
    if (auto reserved = router_->reserve(name); !reserved) return reserved;
    if (!options.wait_for_init) return spawn_without_waiting(std::move(spec), *group, worker);
    auto component = spawner_.load(std::move(spec), worker);
    if (!component) {
      router_->unsubscribe_all(name);  // init may have subscribed before it failed
      router_->release(name);
      return component.error();
    }
    started(**component, *group);
    return {};
  }

  // The name is reserved. Registered here, started by a task on its worker.
  Result<void> spawn_without_waiting(actor::ComponentSpec spec, actor::Group& group,
                                     std::size_t worker) {
    const std::string name = spec.name;
    auto prepared = spawner_.prepare(std::move(spec), worker);
    if (!prepared) {
      router_->release(name);
      return prepared.error();
    }
    std::shared_ptr<Component> component = std::move(*prepared);
    // From here on, messages to it wait in its mailbox.
    if (!router_->add(component)) return make_error(Errc::unavailable, "host is shutting down");
    workers_[worker]->post([this, component, &group](engine::Engine& engine) {
      // Stopped or removed before its worker got to it: there is nothing to start.
      if (component->retired() || component->state() == ComponentState::stopped) return;
      if (auto ok = spawner_.start_registered(*component, engine); !ok) {
        router_->unsubscribe_all(component->name());  // init may have subscribed
        emit({Event::Kind::failed, component->name(), "init failed: " + ok.error().message});
        emit({Event::Kind::stopped, component->name(), "init failed"});
        // Freed by the last of these: no turn or route memo on any worker holds it then.
        for (auto& each : workers_) each->post([component](engine::Engine&) {});
        return;
      }
      started(*component, group);
    });
    return {};
  }

  // A spawned component started: supervised, announced, health polled.
  void started(Component& component, actor::Group& group) {
    supervisor_->add_child(group, component);
    if (lattice_) lattice_->announce();
    emit({Event::Kind::started, component.name(),
          "worker " + std::to_string(component.worker()) + described(component.status().metadata) +
              module_described(component.spec())});
    if (component.has_health_export() && component.spec().health.interval.count() > 0)
      poll_health(component);
  }

  Result<void> add_template(actor::TemplateSpec spec, std::string_view group_name) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    actor::Group* group =
        group_name.empty() ? &supervisor_->root() : supervisor_->find_group(group_name);
    if (!group) return make_error(Errc::not_found, "no group '" + std::string(group_name) + "'");
    std::string pattern = spec.pattern;
    if (auto added = activator_->add(std::move(spec), *group); !added) return added;
    if (lattice_) {
      lattice_->add_template(*template_prefix(pattern));  // add() checked it
      lattice_->announce();
    }
    return {};
  }

  Result<void> stop(std::string_view name) override {
    auto component = spawned(name);
    if (!component) return component.error();
    stop_for_good(**component, "component stopped", "stopped by the host");
    return {};
  }

  Result<void> remove(std::string_view name) override {
    if (auto found = spawned(name); !found) return found.error();
    auto component = router_->unregister(name);
    if (!component) return make_error(Errc::not_found, "no component '" + std::string(name) + "'");
    // Retired before it leaves its group: a spawn of it still under way then
    // does not add it back (Supervisor::add_child).
    component->retire();
    supervisor_->remove_child(*component);
    stop_for_good(*component, "component removed", "removed by the host");
    // Its mailbox is closed: it cannot be queued again. Drop it from its
    // worker's queue there, and let every worker finish what it is doing, so
    // no turn and no route memo still uses it when it is freed.
    auto& own = *workers_[component->worker()];
    own.call([&](engine::Engine&) {
      component->port().retire();
      own.forget(*component);
      return 0;
    });
    quiesce(workers_);
    guest_log_.forget(name);
    if (lattice_) lattice_->announce();
    return {};
  }

  // ---- Host: messages, as "@host" ----

  Result<void> send(std::string_view target, std::span<const std::uint8_t> payload,
                    SendOptions options) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    return to_result(
        router_->send(kHostSender, target, payload,
                      {.wait_for_room = options.wait_for_room, .trace = given(options.trace)}),
        target);
  }

  Result<std::future<Reply>> request(std::string_view target, std::span<const std::uint8_t> payload,
                                     std::chrono::milliseconds timeout,
                                     SendOptions options) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    auto promise = std::make_shared<std::promise<Reply>>();
    auto future = promise->get_future();
    auto completion = [promise](std::uint64_t, abi::CallbackStatus status,
                                std::vector<std::uint8_t> bytes, const Trace& request) {
      promise->set_value({status, std::move(bytes), request});
      return true;
    };
    std::int64_t id =
        router_->request(kHostSender, target, payload, timeout.count(), completion, nullptr, false,
                         {.wait_for_room = options.wait_for_room, .trace = given(options.trace)});
    if (id < 0) return to_result(static_cast<std::int32_t>(id), target).error();
    return future;
  }

  Result<std::size_t> publish(std::string_view topic, std::span<const std::uint8_t> payload,
                              TraceParent trace) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    return to_count(router_->publish(kHostSender, topic, payload, {.trace = given(trace)}),
                    "topic '" + std::string(topic) + "'");
  }

  Result<std::size_t> broadcast(std::span<const std::string> targets,
                                std::span<const std::uint8_t> payload, TraceParent trace) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    std::vector<std::string_view> names(targets.begin(), targets.end());
    return to_count(router_->broadcast(kHostSender, names, payload, {.trace = given(trace)}),
                    "target names");
  }

  std::uint64_t new_trace_id() override { return router_->trace_ids().next(); }

  Result<void> subscribe(std::string_view pattern) override {
    if (!config_.on_message)
      return make_error(Errc::invalid_argument, "the host has no inbox (HostConfig::on_message)");
    if (router_->subscribe(kHostSender, pattern, SIZE_MAX) != abi::kOk)
      return make_error(Errc::invalid_argument, "invalid pattern '" + std::string(pattern) + "'");
    return {};
  }

  Result<void> unsubscribe(std::string_view pattern) override {
    if (router_->unsubscribe(actor::kHostSender, pattern) != abi::kOk)
      return make_error(Errc::not_found,
                        "the host is not subscribed to '" + std::string(pattern) + "'");
    return {};
  }

  // ---- Host: observation ----

  std::optional<actor::ComponentStatus> status(std::string_view name) const override {
    auto component = router_->find(name);
    if (!component) return std::nullopt;
    return component->status();
  }

  std::vector<actor::ComponentStatus> statuses() const override {
    std::vector<actor::ComponentStatus> out;
    for (const auto& c : router_->components()) out.push_back(c->status());
    return out;
  }

  std::vector<TemplateStatus> templates() const override {
    return activator_ ? activator_->statuses() : std::vector<TemplateStatus>{};
  }
  std::optional<lattice::LatticeStatus> lattice_status() const override {
    if (!lattice_) return std::nullopt;
    return lattice_->status();
  }

  const messaging::DeadLetters& dead_letters() const override { return router_->dead_letters(); }
  std::size_t outstanding_requests() const override { return router_->pending().size(); }
  std::uint64_t late_replies() const override { return router_->pending().late(); }
  std::vector<security::AuditRecord> audit_records() const override {
    return gate_.audit().recent();
  }
  std::uint64_t audit_denials() const override { return gate_.audit().denials(); }
  std::size_t worker_count() const override { return workers_.size(); }
  std::size_t ready_instances() const override { return ready_->ready(); }
  std::uint64_t spawns_from_ready() const override { return ready_->taken(); }

  Snapshot snapshot() const override {
    Snapshot s{.taken = std::chrono::system_clock::now(),
               .uptime = clock_.now() - started_at_,
               .workers = workers_.size(),
               .components = statuses(),
               .templates = templates(),
               .groups = supervisor_->tree(),
               .lattice = lattice_status(),
               .dead_letters = router_->dead_letters().count(),
               .recent_dead_letters = router_->dead_letters().recent(Snapshot::kRecent),
               .audit_denials = gate_.audit().denials(),
               .recent_denials = gate_.audit().recent_denials(Snapshot::kRecent),
               .outstanding_requests = outstanding_requests(),
               .late_replies = late_replies()};
    for (const auto& w : workers_) s.workers_busy += w->busy() ? 1 : 0;
    return s;
  }

  // ---- Host: shutdown ----

  ShutdownReport shutdown(std::chrono::milliseconds drain_deadline) override {
    std::lock_guard once(shutdown_mutex_);
    if (report_) return *report_;
    stopping_ = true;
    // A spawn that passed its check of stopping_ cannot register behind the
    // list of components taken below.
    router_->close_names();
    drain_.start(drain_deadline);
    // Past the deadline, no call may hold the shutdown up: each is interrupted.
    DrainWatchdog watchdog([this] {
      if (!drain_.passed()) return;
      for (auto& worker : workers_) {
        worker->hold_turns();  // no handler starts after the deadline
        worker->interrupt();   // and none still running is waited for
      }
    });
    ShutdownReport report;
    // Virtual components first: they came after every spawned one. (None
    // when create() failed before the activator started.)
    for (auto& [name, left] : activator_ ? activator_->shutdown(drain_)
                                         : std::vector<std::pair<std::string, std::size_t>>{}) {
      report.undelivered += left;
      report.per_component.emplace_back(std::move(name), left);
    }
    auto components = router_->components();
    for (auto it = components.rbegin(); it != components.rend(); ++it) {
      Component& component = **it;
      component.next_epoch();
      std::size_t left = workers_[component.worker()]->call([&](engine::Engine&) -> std::size_t {
        if (component.state() == ComponentState::stopped) return 0;
        component.drain(drain_.deadline());
        return stop_gracefully(component, "host shutdown", drain_.left());
      });
      report.undelivered += left;
      report.per_component.emplace_back(component.name(), left);
    }
    // Drained: what other hosts sent meanwhile was answered or is a dead
    // letter. Now they forget this host, and answer what still waits on it
    // unknown_target there.
    if (lattice_) lattice_->leave();
    // Instances made ahead go before their workers' engines do.
    for (auto& worker : workers_)
      worker->call([&](engine::Engine&) {
        ready_->close(worker->index());
        return 0;
      });
    router_->pending().complete_all(abi::kStatusUnknownTarget);
    summarize();
    gate_.audit().flush();
    log_writer_->flush();
    report_ = report;
    return report;
  }

  void hurry_shutdown() override {
    drain_.hurry();
    interrupt_workers();  // also an init or handler running before any shutdown began
  }

  bool step() override {
    if (!config_.stepped) return false;
    timers_->settle();  // timers due now have posted their work
    for (auto& worker : workers_)
      if (worker->step()) return true;
    return false;
  }

  std::size_t run_until_idle() override {
    std::size_t steps = 0;
    while (step()) ++steps;
    return steps;
  }

 private:
  // ---- Lifecycle ----

  void failed(Component& component, const Error&) override {
    if (stopping_) return;
    supervisor_->on_failure(component);
  }

  void schedule(Component& component) override { workers_[component.worker()]->enqueue(component); }

  void went_idle(Component& component) override { activator_->went_idle(component); }

  void emit(Event event) override {
    bool bad = event.kind == Event::Kind::failed || event.kind == Event::Kind::group_stopped ||
               event.kind == Event::Kind::escalated;
    messaging::log_traced_format(*logger_, bad ? spdlog::level::warn : spdlog::level::info,
                                 event.trace, "{} {}: {}", actor::to_string(event.kind),
                                 event.subject, event.detail);
    if (config_.on_event) config_.on_event(event);
  }

  // ---- SupervisorActions ----

  void restart(Component& component, std::chrono::milliseconds delay) override {
    std::uint64_t epoch = component.next_epoch();
    auto& worker = *workers_[component.worker()];
    worker.post([target = component.shared_from_this()](engine::Engine&) {
      if (!target->retired()) target->prepare_restart();
    });
    // A removed component is not kept alive by its restart timer.
    timers_->schedule_after(delay, [this, weak = component.weak_from_this(), &worker, epoch] {
      worker.post([this, weak, epoch](engine::Engine& engine) {
        if (auto target = weak.lock()) start_again(*target, engine, epoch);
      });
    });
    // Only now: whoever waits for this event may move the clock.
    emit({Event::Kind::restart_scheduled, component.name(),
          "in " + std::to_string(delay.count()) + " ms"});
  }

  void stop(Component& component, std::string reason, bool retire) override {
    if (retire) component.retire();
    component.next_epoch();
    workers_[component.worker()]->post(
        [this, target = component.shared_from_this(), reason](engine::Engine&) {
          if (target->state() == ComponentState::stopped) return;
          target->stop(reason);
          emit({Event::Kind::stopped, target->name(), reason});
          // A virtual component's name is free for a new activation.
          if (target->is_virtual()) activator_->forget(*target);
        });
  }

  void stop_members(actor::Group& group, const std::string& reason) override {
    activator_->stop_members(group, reason);
  }

  // ---- helpers ----

  // A spawned component (virtual ones come and go with their messages).
  Result<std::shared_ptr<Component>> spawned(std::string_view name) const {
    auto component = router_->find(name);
    if (!component) return make_error(Errc::not_found, "no component '" + std::string(name) + "'");
    if (component->is_virtual())
      return make_error(Errc::invalid_argument, "'" + std::string(name) +
                                                    "' is a virtual component of template '" +
                                                    component->spec().template_pattern + "'");
    return component;
  }

  void start_again(Component& component, engine::Engine& engine, std::uint64_t epoch) {
    if (stopping_ || component.retired() || component.epoch() != epoch ||
        component.state() != ComponentState::restarting)
      return;
    component.count_restart();
    if (auto started = component.start(engine); !started) {
      emit(
          {Event::Kind::failed, component.name(), "restart failed: " + started.error().describe()});
      failed(component, started.error());
      return;
    }
    emit({Event::Kind::restarted, component.name(),
          "restart " + std::to_string(component.status().restarts)});
  }

  // Every health interval, on its worker, for as long as the component exists.
  void poll_health(Component& component) {
    timers_->schedule_after(component.spec().health.interval,
                            [this, weak = component.weak_from_this()] {
                              auto target = weak.lock();
                              if (!target || target->retired() || stopping_) return;
                              workers_[target->worker()]->post([weak](engine::Engine&) {
                                if (auto alive = weak.lock()) alive->check_health();
                              });
                              poll_health(*target);
                            });
  }

  // Retires the component and stops it on its worker (shutdown export first).
  void stop_for_good(Component& component, std::string_view reason, std::string_view event) {
    component.retire();
    component.next_epoch();
    workers_[component.worker()]->call([&](engine::Engine&) {
      if (component.state() != ComponentState::stopped) {
        stop_gracefully(component, reason, component.spec().limits.call_timeout);
        emit({Event::Kind::stopped, component.name(), std::string(event)});
      }
      return 0;
    });
  }

  // On the component's worker: its shutdown export within `budget`, then the stop.
  std::size_t stop_gracefully(Component& component, std::string_view reason,
                              std::chrono::nanoseconds budget) {
    call_shutdown_within(component, budget, *logger_);
    return component.stop(reason);
  }

  void interrupt_workers() {
    for (auto& worker : workers_) worker->interrupt();
  }

  void summarize() {
    gate_.summarize();
    guest_log_.summarize();
  }

  HostConfig config_;
  std::unique_ptr<SystemClock> own_clock_;
  Clock& clock_;
  const Clock::TimePoint started_at_ = clock_.now();
  std::shared_ptr<LineWriter> log_writer_;
  std::shared_ptr<spdlog::logger> logger_;
  GuestLog guest_log_;
  security::Gate gate_;
  std::shared_ptr<actor::ByteBudget> queue_budget_;
  std::shared_ptr<engine::ModuleCache> cache_;
  std::unique_ptr<TimerService> timers_;
  std::unique_ptr<storage::Store> store_;  // outlives the components (router_)
  std::unique_ptr<messaging::Router> router_;
  std::unique_ptr<actor::Supervisor> supervisor_;
  std::vector<std::unique_ptr<actor::Worker>> workers_;
  // Its refills are posted to workers_: each worker closes its part at shutdown.
  std::shared_ptr<actor::ReadyInstances> ready_ = std::make_shared<actor::ReadyInstances>(
      worker_count_for(config_),
      actor::ReadyInstances::Limits{.per_module = config_.ready_instances},
      [this](std::size_t worker) {
        workers_[worker]->when_idle(
            [this, worker](engine::Engine& engine) { ready_->refill(worker, engine); });
      });
  Spawner spawner_{workers_, *router_, *this,         queue_budget_,
                   ready_,   cache_,   config_.trust, config_.timed_messages};
  std::unique_ptr<Activator> activator_;       // reset before router_: it holds components
  std::unique_ptr<lattice::Lattice> lattice_;  // reset before the workers: it posts to them

  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> next_worker_{0};
  std::mutex shutdown_mutex_;
  DrainDeadline drain_;
  std::optional<ShutdownReport> report_;
};

}  // namespace

Result<std::unique_ptr<Host>> Host::create(HostConfig config) {
  std::shared_ptr<LineWriter> log;
  if (config.log_file.empty()) {
    log = LineWriter::to_descriptor(STDERR_FILENO);
  } else {
    auto opened = LineWriter::open_append(config.log_file);
    if (!opened)
      return make_error(Errc::invalid_argument, "cannot open log file: " + opened.error().message);
    log = std::move(*opened);
  }
  auto host = std::make_unique<HostImpl>(std::move(config), std::move(log));
  if (auto audit = host->open_audit_file(); !audit) return audit.error();
  if (auto store = host->open_store(); !store) return store.error();
  if (auto started = host->start_workers(); !started) return started.error();
  host->start_activator();
  if (auto joined = host->join_lattice(); !joined) return joined.error();
  host->start_summaries();
  return std::unique_ptr<Host>(std::move(host));
}

}  // namespace wasmhive::host
