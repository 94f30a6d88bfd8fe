#include "messaging/router.h"

#include <spdlog/logger.h>

#include <algorithm>
#include <mutex>

#include "actor/component.h"
#include "messaging/component_port.h"
#include "messaging/names.h"
#include "messaging/traced_log.h"

namespace wasmhive::messaging {

using actor::Component;
using actor::Message;

namespace {

// One copy of a publication: for a subscriber, or for the other hosts.
Message publication(const Sender& from, std::string_view topic, abi::Bytes payload,
                    const Trace& trace) {
  Message message{abi::kKindPublish,
                  std::string(from.name),
                  std::string(topic),
                  {payload.begin(), payload.end()},
                  0};
  message.trace = trace;
  return message;
}

}  // namespace

std::int32_t malformed(std::string_view text, std::size_t max_length) {
  return text.size() > max_length ? abi::kErrTooBig : abi::kErrInvalid;
}

std::int32_t split_targets(std::string_view list, std::vector<std::string_view>& names) {
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = std::min(list.find('\n', start), list.size());
    std::string_view name = list.substr(start, end - start);
    if (!name.empty() || end < list.size()) {  // a trailing newline is allowed
      if (!is_valid_target(name)) return malformed(name, kMaxNameLength);
      names.push_back(name);
    }
    start = end + 1;
  }
  return abi::kOk;
}

Router::Router(RouterConfig config, TimerService& timers, security::Gate& gate,
               GuestServices& services, std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      timers_(timers),
      gate_(gate),
      services_(services),
      logger_(std::move(logger)),
      trace_ids_(config_.trace_seed),
      log_handling_(logger_->should_log(spdlog::level::trace)),
      pending_(timers) {}

Router::~Router() = default;

// ---- names ----

Result<void> Router::reserve(const std::string& name) {
  std::unique_lock lock(registry_mutex_);
  if (registry_.count(name) || reserved_.count(name))
    return make_error(Errc::already_exists, "a component named '" + name + "' exists");
  reserved_.insert(name);
  return {};
}

void Router::release(const std::string& name) {
  std::unique_lock lock(registry_mutex_);
  reserved_.erase(name);
}

bool Router::add(std::shared_ptr<Component> component) {
  std::unique_lock lock(registry_mutex_);
  reserved_.erase(component->name());
  if (names_closed_) return false;
  registry_[component->name()] = component;
  order_.push_back(std::move(component));
  return true;
}

void Router::close_names() {
  std::unique_lock lock(registry_mutex_);
  names_closed_ = true;
}

std::shared_ptr<Component> Router::unregister(std::string_view name) {
  std::unique_lock lock(registry_mutex_);
  auto it = registry_.find(name);
  if (it == registry_.end()) return nullptr;
  auto component = std::move(it->second);
  registry_.erase(it);
  std::erase(order_, component);
  ++removals_;
  return component;
}

std::shared_ptr<Component> Router::find(std::string_view name) const {
  std::shared_lock lock(registry_mutex_);
  auto it = registry_.find(name);
  return it == registry_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Component>> Router::components() const {
  std::shared_lock lock(registry_mutex_);
  return order_;
}

std::shared_ptr<Component> Router::add_if_absent(std::shared_ptr<Component> component) {
  std::unique_lock lock(registry_mutex_);
  auto [it, added] = registry_.try_emplace(component->name(), component);
  return it->second;
}

bool Router::unregister_if_idle(Component& component) {
  std::unique_lock lock(registry_mutex_);
  auto it = registry_.find(component.name());
  if (it == registry_.end() || it->second.get() != &component || !component.close_if_idle())
    return false;
  registry_.erase(it);
  ++removals_;
  return true;
}

void Router::unregister_virtual(Component& component) {
  std::unique_lock lock(registry_mutex_);
  auto it = registry_.find(component.name());
  if (it == registry_.end() || it->second.get() != &component) return;
  registry_.erase(it);
  ++removals_;
}

void Router::set_remote(Remote& remote) {
  remote_ = &remote;
  subscriptions_.on_pattern_held([&remote](const std::string& pattern, bool held) {
    held ? remote.subscribed(pattern) : remote.unsubscribed(pattern);
  });
}

std::unique_ptr<actor::Port> Router::port_for(Component& component) {
  return std::make_unique<ComponentPort>(*this, component);
}

// ---- checks ----

bool Router::allowed(const Sender& from, const char* capability, std::string_view target,
                     bool granted, const Trace& trace) {
  return !from.capabilities ||
         gate_.check(from.name, from.module, capability, target, granted, trace);
}

bool Router::fits(const Sender& from, abi::Bytes payload) const {
  return payload.size() <= std::min(from.max_payload, config_.max_payload);
}

// ---- messages ----

std::int32_t Router::send(const Sender& from, std::string_view target, abi::Bytes payload,
                          const Route& route) {
  if (!is_valid_target(target)) return malformed(target, kMaxNameLength);
  if (!fits(from, payload)) return abi::kErrTooBig;
  Trace trace = trace_ids_.stamp(route.trace);
  if (!allowed(from, "send", target,
               from.capabilities && security::may_send(*from.capabilities, target), trace))
    return abi::kErrDenied;
  Message message{abi::kKindSend, std::string(from.name), {}, {payload.begin(), payload.end()}, 0};
  message.trace = trace;
  return deliver(from, std::move(message), target, route);
}

std::int64_t Router::request(const Sender& from, std::string_view target, abi::Bytes payload,
                             std::int64_t timeout_ms, Completion completion, const void* owner,
                             bool at_quota, const Route& route) {
  if (!is_valid_target(target)) return malformed(target, kMaxNameLength);
  if (timeout_ms <= 0 || timeout_ms > config_.max_request_timeout_ms) return abi::kErrInvalid;
  if (!fits(from, payload)) return abi::kErrTooBig;
  if (at_quota) return abi::kErrLimit;
  Trace trace = trace_ids_.stamp(route.trace);
  bool granted =
      allowed(from, "request", target,
              from.capabilities && security::may_send(*from.capabilities, target), trace);
  if (!granted && !owner) return abi::kErrDenied;
  std::uint64_t id =
      pending_.add(std::chrono::milliseconds(timeout_ms), std::move(completion), owner, trace);
  if (!granted) {
    // Denied: told the ABI way for a request, a callback with status denied.
    pending_.complete(id, abi::kStatusDenied, {});
    return static_cast<std::int64_t>(id);
  }
  Message message{
      abi::kKindRequest, std::string(from.name), {}, {payload.begin(), payload.end()}, id};
  message.timeout_ms = static_cast<std::uint32_t>(timeout_ms);
  message.trace = trace;
  std::int32_t delivered = deliver(from, std::move(message), target, route);
  if (delivered == abi::kOk) return static_cast<std::int64_t>(id);
  if (delivered == abi::kErrNotFound && owner) {
    // Known only now, told the ABI way: a callback with status unknown_target.
    pending_.complete(id, abi::kStatusUnknownTarget, {});
    return static_cast<std::int64_t>(id);
  }
  // Its timer may have completed it meanwhile: then its callback is on the
  // way, and the request stands.
  if (!pending_.cancel(id)) return static_cast<std::int64_t>(id);
  return delivered;
}

std::int32_t Router::answer(std::uint64_t id, abi::CallbackStatus status,
                            std::vector<std::uint8_t> payload) {
  switch (pending_.complete(id, status, std::move(payload))) {
    case Completed::as_given:
      return abi::kOk;
    case Completed::as_error:
      return abi::kErrBusy;
    case Completed::not_pending:
      logger_->debug("late answer to request {} dropped", id);
      return abi::kOk;
  }
  return abi::kOk;
}

bool Router::cancel(std::uint64_t id, const void* owner) {
  return pending_.cancel(id, owner);
}

std::int32_t Router::broadcast(const Sender& from, std::span<const std::string_view> targets,
                               abi::Bytes payload, const Route& route) {
  std::vector<std::string_view> names;
  for (std::string_view name : targets) {
    if (!is_valid_target(name)) return malformed(name, kMaxNameLength);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.empty() || names.size() > config_.max_broadcast_targets) return abi::kErrInvalid;
  if (!fits(from, payload)) return abi::kErrTooBig;
  // One message sent to several: its copies share its trace.
  Trace trace = trace_ids_.stamp(route.trace);
  for (std::string_view name : names)  // all or nothing: one forbidden name denies the broadcast
    if (!allowed(from, "broadcast", name,
                 from.capabilities && security::may_send(*from.capabilities, name), trace))
      return abi::kErrDenied;
  std::int32_t delivered = 0;
  for (std::string_view name : names) {
    Message message{
        abi::kKindSend, std::string(from.name), {}, {payload.begin(), payload.end()}, 0};
    message.trace = trace;
    if (deliver(from, std::move(message), name, {.gate = route.gate}) == abi::kOk) ++delivered;
  }
  return delivered;
}

std::int32_t Router::publish(const Sender& from, std::string_view topic, abi::Bytes payload,
                             const Route& route) {
  if (!is_valid_topic(topic)) return malformed(topic, kMaxSubjectLength);
  if (!fits(from, payload)) return abi::kErrTooBig;
  // Every copy, here and on other hosts, carries the one trace.
  Trace trace = trace_ids_.stamp(route.trace);
  if (!allowed(from, "publish", topic,
               from.capabilities && security::may_publish(*from.capabilities, topic), trace))
    return abi::kErrDenied;
  if (remote_ && !route.local_only) {
    Message message = publication(from, topic, payload, trace);
    // Other hosts first: one that cannot take it refuses the whole publication.
    if (!route.gate) {
      if (std::int32_t sent = remote_->publish(message); sent != abi::kOk) return sent;
    } else if (!route.gate->hold({HeldOutput::Kind::publication, std::move(message), {}})) {
      return abi::kErrLimit;
    }
  }
  return deliver_to(subscriptions_.subscribers_of(topic), from, topic, payload, route.gate, trace);
}

std::int32_t Router::publish_via(const Sender& from, std::string_view pattern,
                                 std::string_view topic, abi::Bytes payload, const Trace& trace) {
  if (!is_valid_topic(topic) || !subject_matches(pattern, topic))
    return malformed(topic, kMaxSubjectLength);
  if (!fits(from, payload)) return abi::kErrTooBig;
  return deliver_to(subscriptions_.subscribers_via(pattern, topic), from, topic, payload, nullptr,
                    trace_ids_.stamp(trace));
}

std::int32_t Router::deliver_to(const std::vector<std::string>& subscribers, const Sender& from,
                                std::string_view topic, abi::Bytes payload, OutputGate* gate,
                                const Trace& trace) {
  std::int32_t delivered = 0;
  for (const auto& subscriber : subscribers)  // components of this host
    if (deliver(from, publication(from, topic, payload, trace), subscriber,
                {.gate = gate, .local_only = true}) == abi::kOk)
      ++delivered;
  return delivered;
}

std::int32_t Router::subscribe(const Sender& subscriber, std::string_view pattern,
                               std::size_t quota, const Trace& trace) {
  if (!is_valid_pattern(pattern)) return malformed(pattern, kMaxSubjectLength);
  if (!allowed(
          subscriber, "subscribe", pattern,
          subscriber.capabilities && security::may_subscribe(*subscriber.capabilities, pattern),
          trace))
    return abi::kErrDenied;
  std::string name(subscriber.name), held(pattern);
  // Subscribing to a pattern it holds changes nothing, so no quota applies.
  if (subscriptions_.has(name, held)) return abi::kOk;
  if (subscriber.capabilities && subscriptions_.count(name) >= quota) return abi::kErrLimit;
  subscriptions_.add(name, held);
  return abi::kOk;
}

std::int32_t Router::unsubscribe(std::string_view subscriber, std::string_view pattern) {
  if (!is_valid_pattern(pattern)) return malformed(pattern, kMaxSubjectLength);
  return subscriptions_.remove(std::string(subscriber), std::string(pattern)) ? abi::kOk
                                                                              : abi::kErrNotFound;
}

void Router::unsubscribe_all(const std::string& subscriber) {
  subscriptions_.remove_all(subscriber);
}

// ---- delivery ----

Component* Router::resolve(std::string_view target, const Route& route,
                           std::shared_ptr<Component>& hold, Activations::Outcome& refusal,
                           bool& remote) {
  RouteMemo* memo = route.memo;
  if (memo && memo->target && memo->name == target && memo->removals == removals_.load() &&
      memo->target->state() != actor::ComponentState::stopped)
    return memo->target;
  // Read before the lookup: a removal after it voids the memo at the next use.
  std::uint64_t removals = removals_.load();
  hold = find(target);
  // Another host's name is not activated here, even where a template here
  // matches it: the lattice places each name on one host.
  if (!hold && remote_ && !route.local_only && remote_->elsewhere(target)) {
    remote = true;
    return nullptr;
  }
  if (!hold && activations_) {
    refusal = activations_->activate(target);
    hold = std::move(refusal.component);
  }
  if (hold && memo) *memo = {std::string(target), hold.get(), removals};
  return hold.get();
}

bool Router::for_host_inbox(const Message& message, std::string_view target) const {
  return target == actor::kHostSender && config_.host_inbox && message.kind != abi::kKindRequest;
}

Router::Destination Router::destination(const Message& message, std::string_view target,
                                        const Route& route, std::shared_ptr<Component>& hold) {
  Activations::Outcome refusal;
  bool remote = false;
  Component* component = resolve(target, route, hold, refusal, remote);
  // A virtual component found just before it deactivated, and stopped since:
  // its name is free (it was unregistered as its mailbox closed, so it is
  // not found again), and resolving it anew activates a new instance.
  while (component && component->deactivated() &&
         component->state() == actor::ComponentState::stopped) {
    refusal = {};
    hold.reset();
    component = resolve(target, route, hold, refusal, remote);
  }
  if (component && component->state() != actor::ComponentState::stopped)
    return {.component = component, .fresh = refusal.fresh};
  if (remote) return {.remote = true};
  dead_letter(message, target, component ? "target stopped" : refusal.why);
  return {.code = component ? abi::kErrNotFound : refusal.refusal};
}

std::int32_t Router::forward(const Sender& from, const Message& message, std::string_view target) {
  std::optional<std::int32_t> sent = remote_->forward(message, target);
  if (!sent) {  // its host left meanwhile
    dead_letter(message, target, "unknown target (its host left the lattice)");
    return abi::kErrNotFound;
  }
  if (*sent == abi::kOk && from.component) from.component->count_sent();
  return *sent;
}

actor::Mailbox::Push Router::push(Component& component, Message& message, const Route& route) {
  if (route.wait_for_room)
    return component.offer_until(std::move(message),
                                 std::chrono::steady_clock::now() + *route.wait_for_room);
  return component.offer(std::move(message));
}

// Puts a message in the target's mailbox; every refusal is a dead letter.
std::int32_t Router::deliver(const Sender& from, Message message, std::string_view target,
                             const Route& route) {
  if (route.gate) return hold(std::move(message), target, route);
  if (for_host_inbox(message, target)) {
    config_.host_inbox(message);
    if (from.component) from.component->count_sent();
    return abi::kOk;
  }
  std::shared_ptr<Component> hold;
  Destination to = destination(message, target, route, hold);
  if (to.remote) return forward(from, message, target);
  if (!to.component) return to.code;
  Component* component = to.component;
  auto pushed = push(*component, message, route);
  if (to.fresh) activations_->queue(*component);
  // A virtual component deactivated since it was found: the name is free,
  // and finding it again activates a new instance. Each pass follows a
  // completed deactivation, so this ends.
  while (pushed == actor::Mailbox::Push::closed && component->deactivated()) {
    to = destination(message, target, route, hold);
    if (to.remote) return forward(from, message, target);
    if (!to.component) return to.code;
    component = to.component;
    pushed = push(*component, message, route);
    if (to.fresh) activations_->queue(*component);
  }
  if (pushed == actor::Mailbox::Push::accepted) {
    if (from.component) from.component->count_sent();
    return abi::kOk;
  }
  // Refused: `message` is still whole.
  component->count_dead_letter();
  switch (pushed) {
    case actor::Mailbox::Push::full:
      dead_letter(message, target, "mailbox full");
      return abi::kErrBusy;
    case actor::Mailbox::Push::no_budget:
      dead_letter(message, target, "host queue budget full");
      return abi::kErrBusy;
    default:
      dead_letter(message, target, "target stopped");
      return abi::kErrNotFound;
  }
}

std::int32_t Router::hold(Message message, std::string_view target, const Route& route) {
  std::shared_ptr<Component> held;
  if (!for_host_inbox(message, target)) {
    Destination to = destination(message, target, route, held);
    if (!to.component && !to.remote) return to.code;
    if (to.fresh) activations_->queue(*to.component);  // the message comes at release
  }
  HeldOutput output{HeldOutput::Kind::message, std::move(message), std::string(target)};
  if (route.gate->hold(std::move(output))) return abi::kOk;
  dead_letter(output.message, target, "sender's held output is full (its mailbox bounds)");
  return abi::kErrLimit;
}

void Router::release(const Sender& from, HeldOutput held) {
  if (held.kind == HeldOutput::Kind::answer) {
    answer(held.message.correlation_id, held.message.status, std::move(held.message.payload));
    return;
  }
  if (held.kind == HeldOutput::Kind::publication) {
    if (remote_->publish(held.message) != abi::kOk)
      dead_letter(held.message, held.message.topic, "publication too large or NATS busy");
    return;
  }
  bool request = held.message.kind == abi::kKindRequest;
  std::uint64_t id = held.message.correlation_id;
  std::int32_t delivered = deliver(from, std::move(held.message), held.target, {});
  if (request && delivered != abi::kOk)
    pending_.complete(
        id, delivered == abi::kErrNotFound ? abi::kStatusUnknownTarget : abi::kStatusTargetError,
        {});
}

void Router::drop(HeldOutput held, std::string_view why) {
  if (held.kind == HeldOutput::Kind::answer) {
    answer(held.message.correlation_id, abi::kStatusTargetError, {});
    return;
  }
  if (held.kind == HeldOutput::Kind::publication) return;  // its local share is dead letters
  dead_letter(held.message, held.target, std::string(why));
}

// An answer whose payload does not fit by bytes becomes a target_error
// callback (which always fits): the requester still gets exactly one.
Router::CallbackDelivery Router::deliver_callback(Component& requester, Message callback) {
  auto pushed = requester.offer_callback(std::move(callback));
  if (pushed == actor::Mailbox::Push::accepted) return {true, true};
  // Refused: `callback` is still whole.
  if (pushed == actor::Mailbox::Push::closed) {
    dead_letter(callback, requester.name(), "requester stopped before the answer arrived");
    return {true, false};
  }
  dead_letter(callback, requester.name(), "answer refused: requester's mailbox is full (bytes)");
  callback.status = abi::kStatusTargetError;
  callback.payload.clear();
  if (requester.offer_callback(std::move(callback)) == actor::Mailbox::Push::accepted)
    return {false, true};
  dead_letter(callback, requester.name(), "requester stopped before the answer arrived");
  return {false, false};
}

void Router::log_handling(std::string_view component, const Message& message) {
  static constexpr std::string_view kKinds[] = {"send", "request", "publish", "callback", "timer"};
  static constexpr std::string_view kStatuses[] = {"ok", "timeout", "target_error",
                                                   "unknown_target", "denied"};
  auto index = static_cast<std::size_t>(message.kind);
  std::string_view kind = index < std::size(kKinds) ? kKinds[index] : "message";
  if (message.kind == abi::kKindPublish)
    log_traced_format(*logger_, spdlog::level::trace, message.trace,
                      "[{}] handles publish on {} from {}", component, message.topic,
                      message.sender);
  else if (auto status = static_cast<std::size_t>(message.status);
           message.kind == abi::kKindCallback && status < std::size(kStatuses))
    log_traced_format(*logger_, spdlog::level::trace, message.trace,
                      "[{}] handles callback ({}) from {}", component, kStatuses[status],
                      message.sender);
  else
    log_traced_format(*logger_, spdlog::level::trace, message.trace, "[{}] handles {} from {}",
                      component, kind, message.sender);
}

void Router::dead_letter(const Message& message, std::string_view target, std::string reason,
                         std::optional<std::size_t> payload_size) {
  std::string logged = reason;
  // The first of each (sender, target, reason) at info; every one at trace
  // level, so that each dead letter's trace is in a log that asks for them.
  if (dead_letters_.record({message.sender, std::string(target), std::move(reason),
                            payload_size.value_or(message.payload.size()), message.trace}))
    log_traced_format(*logger_, spdlog::level::info, message.trace,
                      "dead letter {} -> {}: {} (more like it are only counted)", message.sender,
                      target, logged);
  else
    log_traced_format(*logger_, spdlog::level::trace, message.trace, "dead letter {} -> {}: {}",
                      message.sender, target, logged);
}

}  // namespace wasmhive::messaging
