#include "messaging/component_port.h"

#include <chrono>

#include "actor/component.h"

namespace wasmhive::messaging {

using actor::Message;

namespace {

Sender sender_of(actor::Component& component) {
  const auto& spec = component.spec();
  return {spec.name, spec.native ? nullptr : &spec.capabilities, spec.limits.max_payload,
          &component};
}

}  // namespace

ComponentPort::ComponentPort(Router& router, actor::Component& owner)
    : router_(router), owner_(owner), sender_(sender_of(owner)) {}

bool ComponentPort::trusted() const {
  return sender_.capabilities == nullptr;
}

// ---- the component's side ----

void ComponentPort::begin(const Message& message) {
  if (message.kind == abi::kKindCallback) --outstanding_;
  message_ = &message;
  current_ = {message.kind, message.sender, message.topic,
              abi::Bytes(message.payload.data(), message.payload.size())};
  replied_ = false;
}

bool ComponentPort::owes_reply() const {
  return message_ && message_->kind == abi::kKindRequest && !replied_;
}

void ComponentPort::end(abi::CallbackStatus unanswered) {
  if (owes_reply()) {
    replied_ = true;
    router_.answer(message_->correlation_id, unanswered, {});
  }
  message_ = nullptr;
}

void ComponentPort::dead_letter(const Message& message, std::string reason) {
  if (message.kind == abi::kKindCallback) --outstanding_;
  owner_.count_dead_letter();
  router_.dead_letter(message, owner_.name(), std::move(reason));
}

void ComponentPort::refuse(const Message& message, std::string reason) {
  dead_letter(message, std::move(reason));
  if (message.kind == abi::kKindRequest)
    router_.answer(message.correlation_id, abi::kStatusUnknownTarget, {});
}

void ComponentPort::instance_gone() {
  router_.unsubscribe_all(owner_.name());
}

void ComponentPort::retire() {
  router_.pending().cancel_all(this);
  outstanding_ = 0;
}

// ---- the guest's side ----

const abi::CurrentMessage* ComponentPort::current_message() const {
  return message_ ? &current_ : nullptr;
}

std::string_view ComponentPort::self_id() const {
  return owner_.name();
}

std::int32_t ComponentPort::send(std::string_view target, abi::Bytes payload) {
  return router_.send(sender_, target, payload, {.memo = &memo_});
}

Completion ComponentPort::completion_for(std::string_view target) {
  // The requester may be removed before its answer comes: hold it weakly.
  return [router = &router_, requester = owner_.weak_from_this(), port = this,
          generation = owner_.generation(), answerer = std::string(target)](
             std::uint64_t id, abi::CallbackStatus status, std::vector<std::uint8_t> bytes) {
    auto alive = requester.lock();
    if (!alive) return true;  // removed: it retired its requests, this one raced it
    auto delivery = router->deliver_callback(
        *alive, {abi::kKindCallback, answerer, {}, std::move(bytes), id, status, generation});
    // A queued callback still counts against the quota until the component
    // takes it (begin, or dead_letter): the quota bounds queued callbacks too.
    if (!delivery.queued) --port->outstanding_;  // alive: so is its port
    return delivery.as_given;
  };
}

std::int64_t ComponentPort::request(std::string_view target, abi::Bytes payload,
                                    std::int64_t timeout_ms) {
  bool at_quota =
      !trusted() && outstanding_.load() >=
                        static_cast<std::int64_t>(owner_.spec().limits.max_outstanding_requests);
  ++outstanding_;
  std::int64_t id = router_.request(sender_, target, payload, timeout_ms, completion_for(target),
                                    this, at_quota, {.memo = &memo_});
  if (id < 0) --outstanding_;  // refused before it was registered
  return id;
}

std::int32_t ComponentPort::reply(abi::Bytes payload) {
  if (!owes_reply()) return abi::kErrState;
  replied_ = true;
  return router_.answer(message_->correlation_id, abi::kStatusOk, {payload.begin(), payload.end()});
}

std::int32_t ComponentPort::cancel(std::int64_t id) {
  if (id <= 0 || !router_.cancel(static_cast<std::uint64_t>(id), this)) return abi::kErrNotFound;
  --outstanding_;
  return abi::kOk;
}

std::int32_t ComponentPort::broadcast(std::string_view targets, abi::Bytes payload) {
  std::vector<std::string_view> names;
  if (std::int32_t rc = split_targets(targets, names); rc != abi::kOk) return rc;
  return router_.broadcast(sender_, names, payload);
}

std::int32_t ComponentPort::publish(std::string_view topic, abi::Bytes payload) {
  return router_.publish(sender_, topic, payload);
}

std::int32_t ComponentPort::subscribe(std::string_view pattern) {
  return router_.subscribe(sender_, pattern, owner_.spec().limits.max_subscriptions);
}

std::int32_t ComponentPort::unsubscribe(std::string_view pattern) {
  return router_.unsubscribe(owner_.name(), pattern);
}

std::int32_t ComponentPort::log(abi::LogLevel level, std::string_view line) {
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (!trusted() && !router_.gate().check(owner_.name(), "log", kLevels[level],
                                          security::may_log(*sender_.capabilities, level)))
    return abi::kErrDenied;
  return router_.services().log(owner_.name(), level, line, !trusted());
}

std::int64_t ComponentPort::now_ms() {
  if (!trusted() &&
      !router_.gate().check(owner_.name(), "clock", "now_ms", sender_.capabilities->clock))
    return abi::kErrDenied;
  return security::unix_ms();
}

std::int64_t ComponentPort::monotonic_ns() {
  if (!trusted() &&
      !router_.gate().check(owner_.name(), "clock", "monotonic_ns", sender_.capabilities->clock))
    return abi::kErrDenied;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace wasmhive::messaging
