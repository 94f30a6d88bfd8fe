#include "host/host.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "abi/loader.h"
#include "actor/supervisor.h"
#include "actor/worker.h"
#include "host/log.h"
#include "messaging/names.h"
#include "messaging/pending_requests.h"
#include "messaging/subjects.h"
#include "security/audit.h"
#include "security/capabilities.h"
#include "util/file.h"
#include "util/line_writer.h"
#include "util/rate_limiter.h"
#include "util/timer_service.h"

namespace wasmhive::host {
namespace {

using actor::Component;
using actor::ComponentState;
using actor::Event;
using actor::Message;

// Guest log lines: on average per component and second, and the burst allowed.
constexpr double kGuestLogLinesPerSecond = 100;
constexpr double kGuestLogBurst = 100;
// How often counted denials and suppressed log lines are summarized.
constexpr auto kSummaryInterval = std::chrono::seconds(1);
// While a shutdown runs past its drain deadline, running calls are interrupted
// this often (an interrupt only reaches the call running at that moment).
constexpr auto kInterruptEvery = std::chrono::milliseconds(5);

// The ABI code for a name, topic or pattern that failed validation.
std::int32_t malformed(std::string_view text, std::size_t max_length) {
  return text.size() > max_length ? abi::kErrTooBig : abi::kErrInvalid;
}

// Calls `tick` every kInterruptEvery until the shutdown that owns it is over.
class DrainWatchdog {
 public:
  explicit DrainWatchdog(std::function<void()> tick)
      : thread_([this, tick = std::move(tick)] {
          std::unique_lock lock(mutex_);
          while (!done_.wait_for(lock, kInterruptEvery, [&] { return finished_; })) tick();
        }) {}
  ~DrainWatchdog() {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    done_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread thread_;
};

spdlog::level::level_enum log_level(abi::LogLevel level) {
  switch (level) {
    case abi::kTrace:
      return spdlog::level::trace;
    case abi::kDebug:
      return spdlog::level::debug;
    case abi::kInfo:
      return spdlog::level::info;
    case abi::kWarn:
      return spdlog::level::warn;
    case abi::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

class HostImpl final : public Host, public actor::ComponentHost, public actor::SupervisorActions {
 public:
  explicit HostImpl(HostConfig config)
      : config_(std::move(config)),
        own_clock_(config_.clock ? nullptr : std::make_unique<SystemClock>()),
        clock_(config_.clock ? *config_.clock : *own_clock_),
        log_writer_(LineWriter::to_descriptor(STDERR_FILENO)),
        logger_(make_logger(config_.log_level, config_.log_format, log_writer_)),
        queue_budget_(std::make_shared<actor::ByteBudget>(config_.max_queued_bytes)),
        cache_(std::make_shared<engine::ModuleCache>()),
        timers_(std::make_unique<TimerService>(clock_)),
        pending_(std::make_unique<messaging::PendingRequests>(*timers_)),
        supervisor_(std::make_unique<actor::Supervisor>(config_.root, clock_, *this)) {}

  ~HostImpl() override {
    shutdown(std::chrono::milliseconds(0));
    pending_.reset();
    timers_.reset();  // no timer callback runs after this
    workers_.clear();
    summarize();
    audit_.flush();
    log_writer_->flush();
  }

  Result<void> open_audit_file() {
    if (config_.audit_file.empty()) return {};
    if (auto opened = audit_.open_file(config_.audit_file); !opened)
      return make_error(Errc::invalid_argument,
                        "cannot open audit file: " + opened.error().message);
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

  void summarize() {
    for (const auto& s : audit_.summarize(unix_ms()))
      logger_->warn("denied: {} may not {} {}: {} more time(s) since the last summary", s.component,
                    s.capability, s.target, s.count);
    for (const auto& [name, count] : log_limiter_.take_refused())
      logger_->warn("[{}] {} log line(s) suppressed: over {} lines per second", name, count,
                    kGuestLogLinesPerSecond);
  }

  static std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  Result<void> start_workers() {
    std::size_t n =
        config_.workers ? config_.workers : std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < n; ++i) {
      auto worker = actor::Worker::start(i, cache_, config_.turn_budget);
      if (!worker) return worker.error();
      workers_.push_back(std::move(*worker));
    }
    return {};
  }

  // ---- Host ----

  Result<void> add_group(actor::GroupSpec spec, std::string_view parent) override {
    actor::Group* parent_group =
        parent.empty() ? &supervisor_->root() : supervisor_->find_group(parent);
    if (!parent_group) return make_error(Errc::not_found, "no group '" + std::string(parent) + "'");
    auto added = supervisor_->add_group(std::move(spec), *parent_group);
    if (!added) return added.error();
    return {};
  }

  Result<void> spawn(actor::ComponentSpec spec, std::string_view group_name) override {
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
    if (auto reserved = reserve(name); !reserved) return reserved;

    auto component = load(std::move(spec), worker);
    if (!component) {
      release(name);
      return component.error();
    }
    Component& added = **component;
    {
      std::unique_lock lock(registry_mutex_);
      reserved_.erase(added.name());
      registry_[added.name()] = &added;
      components_.push_back(std::move(*component));
    }
    supervisor_->add_child(*group, added);
    emit({Event::Kind::started, added.name(), "worker " + std::to_string(worker)});
    return {};
  }

  Result<void> stop(std::string_view name) override {
    Component* component = find(name);
    if (!component) return make_error(Errc::not_found, "no component '" + std::string(name) + "'");
    component->retired = true;
    ++component->restart_epoch;
    workers_[component->worker()]->call([&](engine::Engine&) {
      if (component->state() != ComponentState::stopped) {
        stop_gracefully(*component, "component stopped", component->spec().limits.call_timeout);
        emit({Event::Kind::stopped, component->name(), "stopped by the host"});
      }
      return 0;
    });
    return {};
  }

  Result<void> send(std::string_view target, std::span<const std::uint8_t> payload,
                    SendOptions options) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    Message message{
        abi::kKindSend, std::string(actor::kHostSender), {}, {payload.begin(), payload.end()}, 0};
    return to_result(deliver(std::move(message), target, options), target);
  }

  Result<std::future<Reply>> request(std::string_view target, std::span<const std::uint8_t> payload,
                                     std::chrono::milliseconds timeout,
                                     SendOptions options) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    auto promise = std::make_shared<std::promise<Reply>>();
    auto future = promise->get_future();
    std::uint64_t id = pending_->add(timeout, [promise](std::uint64_t, abi::CallbackStatus status,
                                                        std::vector<std::uint8_t> bytes) {
      promise->set_value({status, std::move(bytes)});
      return true;
    });
    Message message{abi::kKindRequest,
                    std::string(actor::kHostSender),
                    {},
                    {payload.begin(), payload.end()},
                    id};
    std::int32_t delivered = deliver(std::move(message), target, options);
    if (delivered != abi::kOk) {
      pending_->cancel(id);
      return to_result(delivered, target).error();
    }
    return future;
  }

  Result<std::size_t> publish(std::string_view topic,
                              std::span<const std::uint8_t> payload) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    if (!messaging::is_valid_topic(topic))
      return make_error(Errc::invalid_argument, "invalid topic '" + std::string(topic) + "'");
    if (payload.size() > config_.max_payload)
      return make_error(Errc::limit_exceeded,
                        "payload over " + std::to_string(config_.max_payload) + " bytes");
    return fan_out_publish(actor::kHostSender, topic, payload);
  }

  Result<std::size_t> broadcast(std::span<const std::string> targets,
                                std::span<const std::uint8_t> payload) override {
    if (stopping_) return make_error(Errc::unavailable, "host is shutting down");
    std::vector<std::string_view> names;
    for (const auto& target : targets) {
      if (!messaging::is_valid_target(target))
        return make_error(Errc::invalid_argument, "invalid target name '" + target + "'");
      if (std::find(names.begin(), names.end(), target) == names.end()) names.push_back(target);
    }
    if (payload.size() > config_.max_payload)
      return make_error(Errc::limit_exceeded,
                        "payload over " + std::to_string(config_.max_payload) + " bytes");
    return deliver_to_each(actor::kHostSender, names, payload);
  }

  Result<void> subscribe(std::string_view pattern) override {
    if (!config_.on_message)
      return make_error(Errc::invalid_argument, "the host has no inbox (HostConfig::on_message)");
    if (!messaging::is_valid_pattern(pattern))
      return make_error(Errc::invalid_argument, "invalid pattern '" + std::string(pattern) + "'");
    subscriptions_.add(std::string(actor::kHostSender), std::string(pattern));
    return {};
  }

  Result<void> unsubscribe(std::string_view pattern) override {
    if (!subscriptions_.remove(std::string(actor::kHostSender), std::string(pattern)))
      return make_error(Errc::not_found,
                        "the host is not subscribed to '" + std::string(pattern) + "'");
    return {};
  }

  std::size_t outstanding_requests() const override { return pending_->size(); }
  std::vector<security::AuditRecord> audit_records() const override { return audit_.recent(); }
  std::uint64_t audit_denials() const override { return audit_.denials(); }
  std::uint64_t late_replies() const override { return pending_->late(); }

  std::optional<actor::ComponentStatus> status(std::string_view name) const override {
    const Component* component = find(name);
    if (!component) return std::nullopt;
    return component->status();
  }

  std::vector<actor::ComponentStatus> statuses() const override {
    std::shared_lock lock(registry_mutex_);
    std::vector<actor::ComponentStatus> out;
    for (const auto& c : components_) out.push_back(c->status());
    return out;
  }

  const messaging::DeadLetters& dead_letters() const override { return dead_letters_; }
  std::size_t worker_count() const override { return workers_.size(); }

  ShutdownReport shutdown(std::chrono::milliseconds drain_deadline) override {
    std::lock_guard once(shutdown_mutex_);
    if (report_) return *report_;
    stopping_ = true;
    {
      std::lock_guard lock(hurry_mutex_);
      drain_deadline_ =
          std::chrono::steady_clock::now() + (hurried_ ? drain_deadline.zero() : drain_deadline);
    }
    // Past the deadline, no call may hold the shutdown up: each is interrupted.
    DrainWatchdog watchdog([this] {
      if (std::chrono::steady_clock::now() >= current_drain_deadline()) interrupt_workers();
    });
    ShutdownReport report;
    std::vector<Component*> order;
    {
      std::shared_lock lock(registry_mutex_);
      for (auto it = components_.rbegin(); it != components_.rend(); ++it)
        order.push_back(it->get());
    }
    for (Component* component : order) {
      ++component->restart_epoch;
      std::size_t left = workers_[component->worker()]->call([&](engine::Engine&) -> std::size_t {
        if (component->state() == ComponentState::stopped) return 0;
        component->drain(current_drain_deadline());
        return stop_gracefully(*component, "host shutdown",
                               current_drain_deadline() - std::chrono::steady_clock::now());
      });
      report.undelivered += left;
      report.per_component.emplace_back(component->name(), left);
    }
    pending_->complete_all(abi::kStatusUnknownTarget);
    summarize();
    audit_.flush();
    log_writer_->flush();
    report_ = report;
    return report;
  }

  void hurry_shutdown() override {
    std::lock_guard lock(hurry_mutex_);
    hurried_ = true;
    drain_deadline_ = std::min(drain_deadline_, std::chrono::steady_clock::now());
  }

 private:
  // ---- ComponentHost ----

  std::int32_t route(Component& from, Message message, std::string_view target) override {
    if (!messaging::is_valid_target(target)) return malformed(target, messaging::kMaxNameLength);
    if (message.payload.size() > payload_cap(from)) return abi::kErrTooBig;
    if (!check(from, "send", target, security::may_send(from.spec().capabilities, target)))
      return abi::kErrDenied;
    return deliver(std::move(message), target, {}, &from);
  }

  std::int32_t complete_request(std::uint64_t id, abi::CallbackStatus status,
                                std::vector<std::uint8_t> payload) override {
    switch (pending_->complete(id, status, std::move(payload))) {
      case messaging::Completed::as_given:
        return abi::kOk;
      case messaging::Completed::as_error:
        return abi::kErrBusy;
      case messaging::Completed::not_pending:
        logger_->debug("late answer to request {} dropped", id);
        return abi::kOk;
    }
    return abi::kOk;
  }

  std::int64_t request(Component& from, std::string_view target, abi::Bytes payload,
                       std::int64_t timeout_ms) override {
    if (!messaging::is_valid_target(target)) return malformed(target, messaging::kMaxNameLength);
    if (timeout_ms <= 0 || timeout_ms > config_.max_request_timeout_ms) return abi::kErrInvalid;
    if (payload.size() > payload_cap(from)) return abi::kErrTooBig;
    if (!from.spec().native &&
        from.outstanding_requests.load() >=
            static_cast<std::int64_t>(from.spec().limits.max_outstanding_requests))
      return abi::kErrLimit;
    bool granted =
        check(from, "request", target, security::may_send(from.spec().capabilities, target));
    ++from.outstanding_requests;
    Component* requester = &from;
    std::uint64_t generation = from.generation();
    std::string answerer(target);
    std::uint64_t id = pending_->add(
        std::chrono::milliseconds(timeout_ms),
        [this, requester, generation, answerer](std::uint64_t id, abi::CallbackStatus status,
                                                std::vector<std::uint8_t> bytes) {
          --requester->outstanding_requests;
          return deliver_callback(
              *requester,
              {abi::kKindCallback, answerer, {}, std::move(bytes), id, status, generation});
        },
        requester);
    if (!granted) {
      // Denied: told the ABI way for a request, a callback with status denied.
      pending_->complete(id, abi::kStatusDenied, {});
      return static_cast<std::int64_t>(id);
    }
    Message message{abi::kKindRequest, from.name(), {}, {payload.begin(), payload.end()}, id};
    std::int32_t delivered = deliver(std::move(message), target, {}, &from);
    if (delivered == abi::kOk) {
      from.count_sent();
    } else if (delivered == abi::kErrNotFound) {
      // Known only now, told the ABI way: a callback with status unknown_target.
      pending_->complete(id, abi::kStatusUnknownTarget, {});
    } else {
      if (pending_->cancel(id)) --from.outstanding_requests;
      return delivered;
    }
    return static_cast<std::int64_t>(id);
  }

  // Puts an answer in its requester's mailbox. An answer whose payload does not
  // fit by bytes becomes a target_error callback (which always fits): the
  // requester still gets exactly one. False if the answer was not given as is.
  bool deliver_callback(Component& requester, Message callback) {
    Message meta{callback.kind,   callback.sender,    {}, {}, callback.correlation_id,
                 callback.status, callback.generation};
    std::size_t size = callback.payload.size();
    auto pushed = requester.offer_callback(std::move(callback));
    if (pushed == actor::Mailbox::Push::accepted) return true;
    if (pushed == actor::Mailbox::Push::closed) {
      dead_letter(meta, requester.name(), "requester stopped before the answer arrived", size);
      return true;
    }
    dead_letter(meta, requester.name(), "answer refused: requester's mailbox is full (bytes)",
                size);
    meta.status = abi::kStatusTargetError;
    if (requester.offer_callback(meta) != actor::Mailbox::Push::accepted)
      dead_letter(meta, requester.name(), "requester stopped before the answer arrived");
    return false;
  }

  std::int32_t cancel(Component& from, std::int64_t id) override {
    if (id <= 0 || !pending_->cancel(static_cast<std::uint64_t>(id), &from))
      return abi::kErrNotFound;
    --from.outstanding_requests;
    return abi::kOk;
  }

  std::int32_t broadcast(Component& from, std::string_view targets, abi::Bytes payload) override {
    std::vector<std::string_view> names;
    std::size_t start = 0;
    while (start <= targets.size()) {
      std::size_t end = std::min(targets.find('\n', start), targets.size());
      std::string_view name = targets.substr(start, end - start);
      if (!name.empty() || end < targets.size()) {  // a trailing newline is allowed
        if (!messaging::is_valid_target(name)) return malformed(name, messaging::kMaxNameLength);
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
      start = end + 1;
    }
    if (names.empty() || names.size() > config_.max_broadcast_targets) return abi::kErrInvalid;
    if (payload.size() > payload_cap(from)) return abi::kErrTooBig;
    for (std::string_view name : names)  // all or nothing: one forbidden name denies the broadcast
      if (!check(from, "broadcast", name, security::may_send(from.spec().capabilities, name)))
        return abi::kErrDenied;
    std::size_t delivered = deliver_to_each(from.name(), names, payload);
    for (std::size_t i = 0; i < delivered; ++i) from.count_sent();
    return static_cast<std::int32_t>(delivered);
  }

  std::int32_t publish(Component& from, std::string_view topic, abi::Bytes payload) override {
    if (!messaging::is_valid_topic(topic)) return malformed(topic, messaging::kMaxSubjectLength);
    if (payload.size() > payload_cap(from)) return abi::kErrTooBig;
    if (!check(from, "publish", topic, security::may_publish(from.spec().capabilities, topic)))
      return abi::kErrDenied;
    std::size_t delivered = fan_out_publish(from.name(), topic, payload);
    for (std::size_t i = 0; i < delivered; ++i) from.count_sent();
    return static_cast<std::int32_t>(delivered);
  }

  std::int32_t subscribe(Component& from, std::string_view pattern, bool add) override {
    if (!messaging::is_valid_pattern(pattern))
      return malformed(pattern, messaging::kMaxSubjectLength);
    if (add) {
      if (!check(from, "subscribe", pattern,
                 security::may_subscribe(from.spec().capabilities, pattern)))
        return abi::kErrDenied;
      // Subscribing to a pattern it holds changes nothing, so no quota applies.
      if (subscriptions_.has(from.name(), std::string(pattern))) return abi::kOk;
      if (subscriptions_.count(from.name()) >= from.spec().limits.max_subscriptions &&
          !from.spec().native)
        return abi::kErrLimit;
      subscriptions_.add(from.name(), std::string(pattern));
      return abi::kOk;
    }
    return subscriptions_.remove(from.name(), std::string(pattern)) ? abi::kOk : abi::kErrNotFound;
  }

  void instance_gone(Component& component) override { subscriptions_.remove_all(component.name()); }

  void dead_letter(const Message& message, std::string_view target, std::string reason) override {
    dead_letter(message, target, std::move(reason), message.payload.size());
  }

  // Logs the first dead letter of each (sender, target, reason); the rest are counted.
  void dead_letter(const Message& message, std::string_view target, std::string reason,
                   std::size_t payload_size) {
    std::string logged = reason;
    if (dead_letters_.record(
            {message.sender, std::string(target), std::move(reason), payload_size}))
      logger_->info("dead letter {} -> {}: {} (more like it are only counted)", message.sender,
                    target, logged);
  }

  void failed(Component& component, const Error&) override {
    if (stopping_) return;
    supervisor_->on_failure(component);
  }

  void schedule(Component& component) override { workers_[component.worker()]->enqueue(component); }

  void emit(Event event) override {
    bool bad = event.kind == Event::Kind::failed || event.kind == Event::Kind::group_stopped ||
               event.kind == Event::Kind::escalated;
    logger_->log(bad ? spdlog::level::warn : spdlog::level::info, "{} {}: {}",
                 actor::to_string(event.kind), event.subject, event.detail);
    if (config_.on_event) config_.on_event(event);
  }

  std::int32_t log(Component& from, abi::LogLevel level, std::string_view line) override {
    static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
    if (!check(from, "log", kLevels[level], security::may_log(from.spec().capabilities, level)))
      return abi::kErrDenied;
    if (!from.spec().native && !log_limiter_.allow(from.name(), clock_.now()))
      return abi::kErrLimit;
    logger_->log(log_level(level), "[{}] {}", from.name(), line);
    return abi::kOk;
  }

  std::int64_t now_ms(Component& from) override {
    if (!check(from, "clock", "now_ms", from.spec().capabilities.clock)) return abi::kErrDenied;
    return unix_ms();
  }
  std::int64_t monotonic_ns(Component& from) override {
    if (!check(from, "clock", "monotonic_ns", from.spec().capabilities.clock))
      return abi::kErrDenied;
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  // The capability gate: native components pass; for wasm ones every denial
  // (and, if asked, every grant) is audited.
  // Repeated decisions are only counted (AuditLog), and so is their warning.
  bool check(const Component& from, const char* capability, std::string_view target, bool granted) {
    if (from.spec().native) return true;
    if (granted && !config_.audit_grants) return true;
    bool in_full =
        audit_.record({unix_ms(), from.name(), capability, std::string(target), granted,
                       granted ? "granted by the manifest" : "not granted by the manifest"});
    if (!granted && in_full)
      logger_->warn("denied: {} may not {} {}", from.name(), capability, target);
    return granted;
  }

  // Per-component payload cap, then the host's.
  std::size_t payload_cap(const Component& from) const {
    return std::min(from.spec().limits.max_payload, config_.max_payload);
  }

  // ---- SupervisorActions ----

  void restart(Component& component, std::chrono::milliseconds delay) override {
    std::uint64_t epoch = ++component.restart_epoch;
    auto& worker = *workers_[component.worker()];
    worker.post([&component](engine::Engine&) {
      if (!component.retired) component.prepare_restart();
    });
    timers_->schedule_after(delay, [this, &component, &worker, epoch] {
      worker.post([this, &component, epoch](engine::Engine& engine) {
        if (stopping_ || component.retired || component.restart_epoch != epoch ||
            component.state() != ComponentState::restarting)
          return;
        component.count_restart();
        if (auto started = component.start(engine); !started) {
          emit({Event::Kind::failed, component.name(),
                "restart failed: " + started.error().describe()});
          failed(component, started.error());
          return;
        }
        emit({Event::Kind::restarted, component.name(),
              "restart " + std::to_string(component.status().restarts)});
      });
    });
    // Only now: whoever waits for this event may move the clock.
    emit({Event::Kind::restart_scheduled, component.name(),
          "in " + std::to_string(delay.count()) + " ms"});
  }

  void stop(Component& component, std::string reason, bool retire) override {
    if (retire) component.retired = true;
    ++component.restart_epoch;
    workers_[component.worker()]->post([this, &component, reason](engine::Engine&) {
      if (component.state() == ComponentState::stopped) return;
      component.stop(reason);
      emit({Event::Kind::stopped, component.name(), reason});
    });
  }

  // ---- helpers ----

  // On the component's worker: its shutdown export within `budget`, then the stop.
  std::size_t stop_gracefully(Component& component, std::string_view reason,
                              std::chrono::nanoseconds budget) {
    if (!component.has_shutdown_export()) return component.stop(reason);
    if (budget <= budget.zero())
      logger_->warn("{}: shutdown export not called: the drain deadline passed", component.name());
    else if (auto called = component.call_shutdown(budget); !called)
      logger_->warn("{}: shutdown export failed: {}", component.name(), called.error().describe());
    return component.stop(reason);
  }

  void interrupt_workers() {
    for (auto& worker : workers_) worker->interrupt();
  }

  std::chrono::steady_clock::time_point current_drain_deadline() {
    std::lock_guard lock(hurry_mutex_);
    return drain_deadline_;
  }

  Result<std::unique_ptr<Component>> load(actor::ComponentSpec spec, std::size_t worker) {
    if (spec.native) {
      auto component =
          std::make_unique<Component>(std::move(spec), nullptr, worker, *this, queue_budget_);
      auto started =
          workers_[worker]->call([&](engine::Engine& engine) { return component->start(engine); });
      if (!started) return started.error();
      return component;
    }
    std::vector<std::uint8_t> bytes = std::move(spec.wasm_bytes);
    if (bytes.empty()) {
      auto read = read_file(spec.wasm);
      if (!read) return Error{read.error().code, spec.name + ": " + read.error().message};
      bytes = std::move(*read);
    }
    engine::CompileOptions options{.memory_max_pages = spec.limits.memory_max_pages};
    // One hand-off to the worker for compile (a cache hit, usually), instantiate
    // and init: each hand-off costs a thread wake-up, the bulk of a spawn.
    return workers_[worker]->call(
        [&](engine::Engine& engine) -> Result<std::unique_ptr<Component>> {
          auto module = abi::load_module(engine, bytes, options);
          if (!module) return Error{module.error().code, spec.name + ": " + module.error().message};
          auto component =
              std::make_unique<Component>(std::move(spec), *module, worker, *this, queue_budget_);
          if (auto started = component->start(engine); !started)
            return Error{started.error().code,
                         component->name() + ": init failed: " + started.error().message};
          return component;
        });
  }

  Result<void> reserve(const std::string& name) {
    std::unique_lock lock(registry_mutex_);
    if (registry_.count(name) || reserved_.count(name))
      return make_error(Errc::already_exists, "a component named '" + name + "' exists");
    reserved_.insert(name);
    return {};
  }

  void release(const std::string& name) {
    std::unique_lock lock(registry_mutex_);
    reserved_.erase(name);
  }

  Component* find(std::string_view name) const {
    std::shared_lock lock(registry_mutex_);
    auto it = registry_.find(std::string(name));
    return it == registry_.end() ? nullptr : it->second;
  }

  // From `from`'s worker: names are never rebound to another component, so a
  // resolved target can be remembered. That spares the registry's shared lock,
  // a cache line every worker would otherwise write on every message.
  Component* resolve(Component& from, std::string_view target) const {
    auto& memo = from.route_memo;
    if (memo.target && memo.name == target) return memo.target;
    Component* found = find(target);
    if (found) memo = {std::string(target), found};
    return found;
  }

  // Puts a message in the target's mailbox; every refusal is a dead letter.
  // `from`: the sending component, when on its worker.
  std::int32_t deliver(Message message, std::string_view target, const SendOptions& options,
                       Component* from = nullptr) {
    if (message.payload.size() > config_.max_payload) {
      dead_letter(message, target,
                  "payload over " + std::to_string(config_.max_payload) + " bytes");
      return abi::kErrTooBig;
    }
    if (target == actor::kHostSender && config_.on_message && message.kind != abi::kKindRequest) {
      config_.on_message({message.kind, message.sender, message.topic, message.payload});
      return abi::kOk;
    }
    Component* component = from ? resolve(*from, target) : find(target);
    if (!component || component->state() == ComponentState::stopped) {
      dead_letter(message, target, component ? "target stopped" : "unknown target");
      return abi::kErrNotFound;
    }
    Message meta{message.kind, message.sender, {}, {}, message.correlation_id};
    std::size_t size = message.payload.size();
    auto pushed =
        options.wait_for_room
            ? component->offer_until(std::move(message),
                                     std::chrono::steady_clock::now() + *options.wait_for_room)
            : component->offer(std::move(message));
    if (pushed == actor::Mailbox::Push::accepted) return abi::kOk;
    component->count_dead_letter();
    bool full = pushed == actor::Mailbox::Push::full;
    dead_letter(meta, target, full ? "mailbox full" : "target stopped", size);
    return full ? abi::kErrBusy : abi::kErrNotFound;
  }

  // Sends to each of `names` (already distinct and valid); returns how many accepted.
  std::size_t deliver_to_each(std::string_view sender, std::span<const std::string_view> names,
                              abi::Bytes payload) {
    std::size_t delivered = 0;
    for (std::string_view name : names) {
      Message message{abi::kKindSend, std::string(sender), {}, {payload.begin(), payload.end()}, 0};
      if (deliver(std::move(message), name, {}) == abi::kOk) ++delivered;
    }
    return delivered;
  }

  std::size_t fan_out_publish(std::string_view sender, std::string_view topic, abi::Bytes payload) {
    std::size_t delivered = 0;
    for (const auto& subscriber : subscriptions_.subscribers_of(topic)) {
      Message message{abi::kKindPublish,
                      std::string(sender),
                      std::string(topic),
                      {payload.begin(), payload.end()},
                      0};
      if (deliver(std::move(message), subscriber, {}) == abi::kOk) ++delivered;
    }
    return delivered;
  }

  static Result<void> to_result(std::int32_t code, std::string_view target) {
    std::string name(target);
    switch (code) {
      case abi::kOk:
        return {};
      case abi::kErrNotFound:
        return make_error(Errc::not_found, "no running component '" + name + "'");
      case abi::kErrBusy:
        return make_error(Errc::busy, "mailbox of '" + name + "' is full");
      case abi::kErrTooBig:
        return make_error(Errc::limit_exceeded, "payload too large for '" + name + "'");
      default:
        return make_error(Errc::invalid_argument, "cannot send to '" + name + "'");
    }
  }

  HostConfig config_;
  std::unique_ptr<SystemClock> own_clock_;
  Clock& clock_;
  std::shared_ptr<LineWriter> log_writer_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<actor::ByteBudget> queue_budget_;
  RateLimiter log_limiter_{kGuestLogLinesPerSecond, kGuestLogBurst};
  std::shared_ptr<engine::ModuleCache> cache_;
  messaging::DeadLetters dead_letters_;
  messaging::Subscriptions subscriptions_;
  security::AuditLog audit_;
  std::unique_ptr<TimerService> timers_;
  std::unique_ptr<messaging::PendingRequests> pending_;
  std::unique_ptr<actor::Supervisor> supervisor_;
  std::vector<std::unique_ptr<actor::Worker>> workers_;

  mutable std::shared_mutex registry_mutex_;
  // Entries are never removed or rebound (a stopped name stays taken): resolve() relies on it.
  std::unordered_map<std::string, Component*> registry_;
  std::unordered_set<std::string> reserved_;
  std::vector<std::unique_ptr<Component>> components_;  // start order; never shrinks

  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> next_worker_{0};
  std::mutex shutdown_mutex_;
  std::mutex hurry_mutex_;
  // Of the running shutdown; hurry_shutdown() moves it to now.
  std::chrono::steady_clock::time_point drain_deadline_ =
      std::chrono::steady_clock::time_point::max();
  bool hurried_ = false;
  std::optional<ShutdownReport> report_;
};

}  // namespace

Result<std::unique_ptr<Host>> Host::create(HostConfig config) {
  auto host = std::make_unique<HostImpl>(std::move(config));
  if (auto audit = host->open_audit_file(); !audit) return audit.error();
  if (auto started = host->start_workers(); !started) return started.error();
  host->start_summaries();
  return std::unique_ptr<Host>(std::move(host));
}

}  // namespace wasmhive::host
