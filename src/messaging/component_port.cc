#include "messaging/component_port.h"

#include <chrono>

#include "actor/component.h"
#include "messaging/names.h"
#include "messaging/subjects.h"

namespace wasmhive::messaging {

using actor::Message;

namespace {

Sender sender_of(actor::Component& component) {
  const auto& spec = component.spec();
  return {spec.name, spec.native ? nullptr : &spec.capabilities, spec.limits.max_payload,
          &component, spec.module_sha256};
}

// The guest's bytes as a dead letter's target (recorded and logged): as given
// only when they are a valid name, or topic: short, printable ASCII.
std::string_view shown_target(std::string_view name, bool topic) {
  return (topic ? is_valid_topic(name) : is_valid_target(name)) ? name : "(malformed name)";
}

std::unique_ptr<storage::ComponentStorage> storage_of(Router& router,
                                                      const actor::Component& component) {
  storage::Store* store = router.services().store();
  if (!store) return nullptr;
  const auto& limits = component.spec().limits;
  return std::make_unique<storage::ComponentStorage>(
      *store, component.name(),
      storage::StorageLimits{limits.storage_quota_bytes, limits.storage_quota_keys});
}

std::int32_t code_of(storage::Outcome outcome) {
  switch (outcome) {
    case storage::Outcome::ok:
      return abi::kOk;
    case storage::Outcome::not_found:
      return abi::kErrNotFound;
    case storage::Outcome::invalid:
      return abi::kErrInvalid;
    case storage::Outcome::too_big:
      return abi::kErrTooBig;
    case storage::Outcome::quota:
      return abi::kErrLimit;
    case storage::Outcome::failed:
      return abi::kErrIo;
  }
  return abi::kErrIo;
}

std::string_view as_text(abi::Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The longest delay send_after takes (a week): longer is a mistake, and the
// timer would outlive any instance anyway.
constexpr std::int64_t kMaxTimerDelayMs = 7LL * 24 * 3600 * 1000;

}  // namespace

ComponentPort::ComponentPort(Router& router, actor::Component& owner)
    : router_(router),
      owner_(owner),
      sender_(sender_of(owner)),
      storage_(storage_of(router, owner)),
      holds_every_call_(storage_ && !trusted() &&
                        sender_.capabilities->storage == security::StorageAccess::read_write),
      gate_(owner.spec().limits.mailbox_capacity, owner.spec().limits.mailbox_bytes),
      timers_(router.timers(), {owner.spec().limits.max_timers, owner.spec().limits.mailbox_bytes},
              owner.queue_budget(), timer_delivery()),
      quota_(owner.spec().limits, router.timers().clock().now()) {}

bool ComponentPort::trusted() const {
  return sender_.capabilities == nullptr;
}

// ---- the component's side ----

void ComponentPort::begin(const Message& message) {
  if (message.kind == abi::kKindCallback) --outstanding_;
  if (message.kind == abi::kKindTimer) timers_.taken(message.generation);
  begin_call();
  router_.note_handling(owner_.name(), message);
  message_ = &message;
  current_ = {message.kind, message.sender, message.topic,
              abi::Bytes(message.payload.data(), message.payload.size())};
  replied_ = false;
}

void ComponentPort::begin_call() {
  gate_.mark_call();
}

bool ComponentPort::owes_reply() const {
  return message_ && message_->kind == abi::kKindRequest && !replied_;
}

void ComponentPort::end(abi::CallbackStatus unanswered, bool kept) {
  if (storage_) storage_->end_call(kept);
  timers_.end_call(kept);
  // Its held reply (if any) becomes the error answer when dropped.
  if (!kept) drop(gate_.take_call(), "the call that sent it failed: rolled back");
  if (owes_reply()) {
    replied_ = true;
    router_.answer(message_->correlation_id, unanswered, {});
  }
  message_ = nullptr;
  // Nothing waits for a commit: what the call held leaves as it ends.
  if (!uncommitted()) release_held();
}

void ComponentPort::release_held() {
  if (gate_.empty()) return;
  for (auto& held : gate_.take_all()) router_.release(sender_, std::move(held));
}

std::optional<actor::StorageUse> ComponentPort::storage_use() const {
  auto bytes = stored_bytes_.load(std::memory_order_acquire);
  if (bytes < 0) return std::nullopt;
  return actor::StorageUse{
      static_cast<std::uint64_t>(bytes),
      static_cast<std::uint64_t>(stored_keys_.load(std::memory_order_relaxed))};
}

bool ComponentPort::uncommitted() const {
  return storage_ && storage_->dirty();
}

Result<void> ComponentPort::flush() {
  if (uncommitted()) {
    auto writes = storage_->take_turn();
    if (auto committed = router_.services().store()->commit(writes); !committed) {
      storage_->forget_usage();
      drop(gate_.take_all(), "its writes failed to commit: rolled back");
      return Error{Errc::storage_failed, committed.error().message};
    }
  }
  if (storage_)
    if (auto usage = storage_->committed_usage()) {
      stored_keys_.store(static_cast<std::int64_t>(usage->keys), std::memory_order_relaxed);
      stored_bytes_.store(static_cast<std::int64_t>(usage->bytes), std::memory_order_release);
    }
  release_held();
  return {};
}

void ComponentPort::drop(std::vector<HeldOutput> held, std::string_view why) {
  for (auto& output : held) {
    bool request =
        output.kind == HeldOutput::Kind::message && output.message.kind == abi::kKindRequest;
    // A request never sent gets no callback, as if cancelled.
    if (request) {
      if (router_.cancel(output.message.correlation_id, this)) --outstanding_;
      continue;
    }
    router_.drop(std::move(output), why);
  }
}

void ComponentPort::dead_letter(const Message& message, std::string reason) {
  if (message.kind == abi::kKindCallback) --outstanding_;
  if (message.kind == abi::kKindTimer) timers_.taken(message.generation);
  failed(message, std::move(reason));
}

void ComponentPort::failed(const Message& message, std::string reason) {
  owner_.count_dead_letter();
  router_.dead_letter(message, owner_.name(), std::move(reason));
}

void ComponentPort::refuse(const Message& message, std::string reason, abi::CallbackStatus answer) {
  dead_letter(message, std::move(reason));
  if (message.kind == abi::kKindRequest) router_.answer(message.correlation_id, answer, {});
}

void ComponentPort::instance_gone() {
  router_.unsubscribe_all(owner_.name());
  // Its timers, queued ones too, count no more: the next instance starts with
  // all of max_timers (its init may set them again).
  timers_.cancel_all(owner_.generation() + 1);
}

void ComponentPort::retire() {
  router_.pending().cancel_all(this);
  outstanding_ = 0;
  timers_.cancel_all(owner_.generation() + 1);
}

// ---- the guest's side ----

const Trace& ComponentPort::handling() const {
  static constexpr Trace kNone{};
  return message_ ? message_->trace : kNone;
}

const abi::CurrentMessage* ComponentPort::current_message() const {
  return message_ ? &current_ : nullptr;
}

std::string_view ComponentPort::self_id() const {
  return owner_.name();
}

OutputGate* ComponentPort::holding() {
  return holds_every_call_ || uncommitted() || !gate_.empty() ? &gate_ : nullptr;
}

Route ComponentPort::route() {
  // Its id drawn here, the message's trace is given whole (TraceIds::stamp).
  Trace trace = caused_by(handling());
  trace.message_id = ids_.next(router_.trace_ids());
  last_route_ = trace;
  return {.memo = &memo_, .gate = holding(), .trace = trace};
}

std::int32_t ComponentPort::within_rate(std::span<const std::string_view> targets,
                                        abi::MessageKind kind, std::size_t payload_bytes) {
  if (quota_.unlimited() || trusted()) return abi::kOk;
  auto refused =
      quota_.take(targets.size(), targets.size() * payload_bytes, router_.timers().clock().now());
  if (!refused) return abi::kOk;
  // The refused message (its copies, for a broadcast), as it would have been.
  Trace trace = router_.trace_ids().stamp(caused_by(handling()));
  if (refused->first_in_window)
    router_.gate().refused_by_limit(owner_.name(), sender_.module, "send_rate", refused->bucket,
                                    refused->reason, trace);
  // A refused reply is not a letter: the requester is answered target_error
  // when the handler ends (and a queued one is recorded by undeliverable()).
  if (kind == abi::kKindCallback) return abi::kErrLimit;
  for (std::string_view target : targets) {
    Message letter{kind, std::string(owner_.name()), {}, {}, 0};
    letter.trace = trace;
    router_.dead_letter(letter, shown_target(target, kind == abi::kKindPublish),
                        "refused: " + refused->reason, payload_bytes);
  }
  return abi::kErrLimit;
}

std::int32_t ComponentPort::send(std::string_view target, abi::Bytes payload) {
  if (std::int32_t rc = within_rate({&target, 1}, abi::kKindSend, payload.size()); rc != abi::kOk)
    return rc;
  return router_.send(sender_, target, payload, route());
}

Completion ComponentPort::completion_for(std::string_view target) {
  // The requester may be removed before its answer comes: hold it weakly.
  return [router = &router_, requester = owner_.weak_from_this(), port = this,
          generation = owner_.generation(),
          answerer = std::string(target)](std::uint64_t id, abi::CallbackStatus status,
                                          std::vector<std::uint8_t> bytes, const Trace& request) {
    auto alive = requester.lock();
    if (!alive) return true;  // removed: it retired its requests, this one raced it
    Message callback{abi::kKindCallback, answerer, {}, std::move(bytes), id, status, generation};
    // The answer to the request, whoever gives it (the replier, a timeout, a
    // failure): the request is its cause.
    callback.trace = router->trace_ids().stamp(caused_by(request));
    auto delivery = router->deliver_callback(*alive, std::move(callback));
    // A queued callback still counts against the quota until the component
    // takes it (begin, or dead_letter): the quota bounds queued callbacks too.
    if (!delivery.queued) --port->outstanding_;  // alive: so is its port
    return delivery.as_given;
  };
}

std::int64_t ComponentPort::request(std::string_view target, abi::Bytes payload,
                                    std::int64_t timeout_ms) {
  if (std::int32_t rc = within_rate({&target, 1}, abi::kKindRequest, payload.size());
      rc != abi::kOk)
    return rc;
  bool at_quota =
      !trusted() && outstanding_.load() >=
                        static_cast<std::int64_t>(owner_.spec().limits.max_outstanding_requests);
  ++outstanding_;
  std::int64_t id = router_.request(sender_, target, payload, timeout_ms, completion_for(target),
                                    this, at_quota, route());
  if (id < 0) --outstanding_;  // refused before it was registered
  return id;
}

std::int32_t ComponentPort::reply(abi::Bytes payload) {
  last_route_ = {};  // a reply refused before its route has no id yet
  if (!owes_reply()) return abi::kErrState;
  std::string_view requester = message_->sender;
  if (std::int32_t rc = within_rate({&requester, 1}, abi::kKindCallback, payload.size());
      rc != abi::kOk)
    return rc;
  if (holding()) {
    Message answer{
        abi::kKindCallback, {}, {}, {payload.begin(), payload.end()}, message_->correlation_id};
    if (!gate_.hold({HeldOutput::Kind::answer, std::move(answer), {}})) return abi::kErrLimit;
    replied_ = true;
    return abi::kOk;
  }
  replied_ = true;
  return router_.answer(message_->correlation_id, abi::kStatusOk, {payload.begin(), payload.end()});
}

void ComponentPort::undeliverable(abi::OutboxOp op, std::string_view name, std::size_t payload_size,
                                  std::int32_t code) {
  static constexpr std::string_view kOps[] = {"send", "reply", "publish"};
  // What the router refused while delivering (no such target, no room, held
  // output full) it recorded as a dead letter already; what it refused before
  // (malformed, too big, denied) and a reply with nothing to answer it did not.
  bool recorded = op == abi::kOutboxReply ? code == abi::kErrBusy
                                          : code == abi::kErrNotFound || code == abi::kErrBusy ||
                                                code == abi::kErrLimit;
  if (recorded) return;
  std::string target;
  if (op == abi::kOutboxReply)
    target = message_ ? message_->sender : std::string("(no request)");
  else
    target = shown_target(name, op == abi::kOutboxPublish);
  Message letter{op == abi::kOutboxPublish ? abi::kKindPublish : abi::kKindSend,
                 std::string(owner_.name()),
                 {},
                 {},
                 0};
  // The id its refusal was logged with (a denial, say), if it got one.
  letter.trace =
      router_.trace_ids().stamp(last_route_.message_id ? last_route_ : caused_by(handling()));
  last_route_ = {};
  router_.dead_letter(letter, target,
                      "outbox " + std::string(kOps[op]) + ": " + std::string(abi::error_name(code)),
                      payload_size);
}

std::int32_t ComponentPort::cancel(std::int64_t id) {
  if (id <= 0 || !router_.cancel(static_cast<std::uint64_t>(id), this)) return abi::kErrNotFound;
  --outstanding_;
  return abi::kOk;
}

std::int32_t ComponentPort::broadcast(std::string_view targets, abi::Bytes payload) {
  std::vector<std::string_view> names;
  if (std::int32_t rc = split_targets(targets, names); rc != abi::kOk) return rc;
  if (std::int32_t rc = within_rate(names, abi::kKindSend, payload.size()); rc != abi::kOk)
    return rc;
  return router_.broadcast(sender_, names, payload, route());
}

std::int32_t ComponentPort::publish(std::string_view topic, abi::Bytes payload) {
  if (std::int32_t rc = within_rate({&topic, 1}, abi::kKindPublish, payload.size()); rc != abi::kOk)
    return rc;
  return router_.publish(sender_, topic, payload, route());
}

std::int32_t ComponentPort::subscribe(std::string_view pattern) {
  return router_.subscribe(sender_, pattern, owner_.spec().limits.max_subscriptions, handling());
}

std::int32_t ComponentPort::unsubscribe(std::string_view pattern) {
  return router_.unsubscribe(owner_.name(), pattern);
}

std::int32_t ComponentPort::log(abi::LogLevel level, std::string_view line) {
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (!trusted() &&
      !router_.gate().check(owner_.name(), sender_.module, "log", kLevels[level],
                            security::may_log(*sender_.capabilities, level), handling()))
    return abi::kErrDenied;
  return router_.services().log(owner_.name(), level, line, !trusted(), handling());
}

std::int64_t ComponentPort::now_ms() {
  if (!trusted() && !router_.gate().check(owner_.name(), sender_.module, "clock", "now_ms",
                                          sender_.capabilities->clock, handling()))
    return abi::kErrDenied;
  return security::unix_ms();
}

std::int64_t ComponentPort::monotonic_ns() {
  if (!trusted() && !router_.gate().check(owner_.name(), sender_.module, "clock", "monotonic_ns",
                                          sender_.capabilities->clock, handling()))
    return abi::kErrDenied;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// ---- storage, timers, configuration ----

storage::ComponentStorage* ComponentPort::storage_for(security::StorageAccess access,
                                                      std::int32_t& rc) {
  rc = abi::kErrUnsupported;
  if (!storage_) return nullptr;
  rc = abi::kErrDenied;
  bool write = access == security::StorageAccess::read_write;
  if (!trusted() &&
      !router_.gate().check(owner_.name(), sender_.module, "storage", write ? "write" : "read",
                            sender_.capabilities->storage >= access, handling()))
    return nullptr;
  return storage_.get();
}

std::int32_t ComponentPort::storage_get(std::string_view key, std::string& value) {
  std::int32_t rc;
  auto* storage = storage_for(security::StorageAccess::read, rc);
  if (!storage) return rc;
  std::optional<std::string> found;
  if (auto outcome = storage->get(key, found); outcome != storage::Outcome::ok)
    return code_of(outcome);
  value = std::move(*found);
  return abi::kOk;
}

std::int32_t ComponentPort::storage_exists(std::string_view key) {
  std::int32_t rc;
  auto* storage = storage_for(security::StorageAccess::read, rc);
  if (!storage) return rc;
  std::uint64_t bytes = 0;
  if (auto outcome = storage->size(key, bytes); outcome != storage::Outcome::ok)
    return code_of(outcome);
  return static_cast<std::int32_t>(bytes);  // at most kMaxValueBytes
}

std::int32_t ComponentPort::storage_set(std::string_view key, abi::Bytes value) {
  std::int32_t rc;
  auto* storage = storage_for(security::StorageAccess::read_write, rc);
  if (!storage) return rc;
  return code_of(storage->set(key, as_text(value)));
}

std::int32_t ComponentPort::storage_delete(std::string_view key) {
  std::int32_t rc;
  auto* storage = storage_for(security::StorageAccess::read_write, rc);
  if (!storage) return rc;
  return code_of(storage->erase(key));
}

std::int32_t ComponentPort::storage_list(std::string_view prefix, std::string_view after,
                                         std::size_t limit, std::vector<std::string>& keys) {
  std::int32_t rc;
  auto* storage = storage_for(security::StorageAccess::read, rc);
  if (!storage) return rc;
  if (prefix.size() > storage::kMaxKeyBytes || after.size() > storage::kMaxKeyBytes)
    return abi::kErrTooBig;
  return code_of(storage->keys(prefix, after, limit, keys));
}

std::int64_t ComponentPort::storage_usage(abi::UsageField field) {
  std::int32_t rc;
  auto* storage = storage_for(security::StorageAccess::read, rc);
  if (!storage) return rc;
  storage::Usage usage;
  if (auto outcome = storage->usage(usage); outcome != storage::Outcome::ok)
    return code_of(outcome);
  switch (field) {
    case abi::kUsageBytes:
      return static_cast<std::int64_t>(usage.bytes);
    case abi::kUsageKeys:
      return static_cast<std::int64_t>(usage.keys);
    case abi::kUsageQuotaBytes:
      return static_cast<std::int64_t>(storage->limits().quota_bytes);
    case abi::kUsageQuotaKeys:
      return static_cast<std::int64_t>(storage->limits().quota_keys);
  }
  return abi::kErrInvalid;
}

SelfTimers::Fire ComponentPort::timer_delivery() {
  // Holds the component weakly: a timer may fire as it is removed (and with
  // it this port, which is reached only while the component is held).
  return [port = this, component = owner_.weak_from_this()](
             std::int64_t id, std::uint64_t generation, std::vector<std::uint8_t> payload,
             const Trace& cause) {
    auto alive = component.lock();
    if (!alive) return;
    Message message{
        abi::kKindTimer, alive->name(), {}, std::move(payload), static_cast<std::uint64_t>(id)};
    message.generation = generation;
    message.trace = port->router_.trace_ids().stamp(cause);
    auto pushed = alive->offer_timer(std::move(message));
    if (pushed == actor::Mailbox::Push::accepted) return;
    // Refused: `message` is still whole; as a dead letter it counts no more.
    port->dead_letter(message, pushed == actor::Mailbox::Push::no_budget
                                   ? "timer fired, but the host's queue budget is full"
                               : pushed == actor::Mailbox::Push::closed
                                   ? "timer fired into a closed mailbox"
                                   : "timer fired into a full mailbox (bytes)");
  };
}

std::int64_t ComponentPort::send_after(std::int64_t delay_ms, abi::Bytes payload) {
  if (delay_ms < 0 || delay_ms > kMaxTimerDelayMs) return abi::kErrInvalid;
  if (!router_.fits(sender_, payload)) return abi::kErrTooBig;
  // Its message, when it fires, is caused by the message handled now.
  std::int64_t id =
      timers_.add(std::chrono::milliseconds(delay_ms), {payload.begin(), payload.end()},
                  owner_.generation(), caused_by(handling()));
  return id > 0 ? id : std::int64_t{abi::kErrLimit};
}

std::int32_t ComponentPort::cancel_timer(std::int64_t id) {
  return timers_.cancel(id) ? abi::kOk : abi::kErrNotFound;
}

std::int32_t ComponentPort::config_get(std::string_view key, std::string_view& value) {
  const auto& config = owner_.spec().config;
  auto it = config.find(key);
  if (it == config.end()) return abi::kErrNotFound;
  value = it->second;
  return abi::kOk;
}

}  // namespace wasmhive::messaging
