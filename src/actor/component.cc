#include "actor/component.h"

#include <chrono>

#include "abi/host_bindings.h"

namespace wasmhive::actor {
namespace {

abi::Bytes view(const std::vector<std::uint8_t>& bytes) {
  return {bytes.data(), bytes.size()};
}
std::vector<std::uint8_t> copy(abi::Bytes bytes) {
  return {bytes.begin(), bytes.end()};
}

// Asks a guest that exports wasmhive_inbox where its inbox is (once per instance).
Result<std::optional<abi::Inbox>> find_inbox(engine::Instance& instance,
                                             std::chrono::nanoseconds timeout) {
  if (!instance.module().info().find_export(abi::kInboxExport)) return std::optional<abi::Inbox>{};
  auto address = instance.call(abi::kInboxExport, {}, {.timeout = timeout});
  if (!address) return address.error();
  auto inbox = abi::Inbox::locate(instance.memory(), *address);
  if (!inbox) return inbox.error();
  return std::optional<abi::Inbox>(*inbox);
}

}  // namespace

std::string_view to_string(Event::Kind kind) {
  switch (kind) {
    case Event::Kind::started:
      return "started";
    case Event::Kind::failed:
      return "failed";
    case Event::Kind::restart_scheduled:
      return "restart_scheduled";
    case Event::Kind::restarted:
      return "restarted";
    case Event::Kind::stopped:
      return "stopped";
    case Event::Kind::group_stopped:
      return "group_stopped";
    case Event::Kind::escalated:
      return "escalated";
  }
  return "unknown";
}

std::string_view to_string(ComponentState state) {
  switch (state) {
    case ComponentState::starting:
      return "starting";
    case ComponentState::running:
      return "running";
    case ComponentState::restarting:
      return "restarting";
    case ComponentState::stopped:
      return "stopped";
  }
  return "unknown";
}

// The component's side of ABI v1: what its guest sees while handling a message.
class Component::Context final : public abi::ComponentApi {
 public:
  explicit Context(Component& owner) : owner_(owner) {}

  void begin(const Message& message) {
    message_ = &message;
    current_ = {message.kind, message.sender, message.topic, view(message.payload)};
    replied_ = false;
  }
  void end() { message_ = nullptr; }
  bool owes_reply() const { return message_ && message_->kind == abi::kKindRequest && !replied_; }
  // Answers the current request with an error status, if it is still owed.
  void settle(abi::CallbackStatus status) {
    if (!owes_reply()) return;
    replied_ = true;
    owner_.host_.complete_request(message_->correlation_id, status, {});
  }

  const abi::CurrentMessage* current_message() const override {
    return message_ ? &current_ : nullptr;
  }
  std::string_view self_id() const override { return owner_.name(); }

  std::int32_t send(std::string_view target, abi::Bytes payload) override {
    Message message{abi::kKindSend, owner_.name(), {}, copy(payload), 0};
    std::int32_t result = owner_.host_.route(owner_, std::move(message), target);
    if (result == abi::kOk) owner_.count_sent();
    return result;
  }
  std::int32_t reply(abi::Bytes payload) override {
    if (!owes_reply()) return abi::kErrState;
    replied_ = true;
    return owner_.host_.complete_request(message_->correlation_id, abi::kStatusOk, copy(payload));
  }
  std::int32_t log(abi::LogLevel level, std::string_view line) override {
    return owner_.host_.log(owner_, level, line);
  }
  std::int64_t now_ms() override { return owner_.host_.now_ms(owner_); }
  std::int64_t monotonic_ns() override { return owner_.host_.monotonic_ns(owner_); }

  std::int64_t request(std::string_view target, abi::Bytes payload,
                       std::int64_t timeout_ms) override {
    return owner_.host_.request(owner_, target, payload, timeout_ms);
  }
  std::int32_t cancel(std::int64_t id) override { return owner_.host_.cancel(owner_, id); }
  std::int32_t broadcast(std::string_view targets, abi::Bytes payload) override {
    return owner_.host_.broadcast(owner_, targets, payload);
  }
  std::int32_t publish(std::string_view topic, abi::Bytes payload) override {
    return owner_.host_.publish(owner_, topic, payload);
  }
  std::int32_t subscribe(std::string_view pattern) override {
    return owner_.host_.subscribe(owner_, pattern, true);
  }
  std::int32_t unsubscribe(std::string_view pattern) override {
    return owner_.host_.subscribe(owner_, pattern, false);
  }

 private:
  Component& owner_;
  const Message* message_ = nullptr;
  abi::CurrentMessage current_;
  bool replied_ = false;
};

Component::Component(ComponentSpec spec, std::shared_ptr<const engine::Module> module,
                     std::size_t worker, ComponentHost& host,
                     std::shared_ptr<ByteBudget> queue_budget)
    : spec_(std::move(spec)),
      module_(std::move(module)),
      worker_(worker),
      host_(host),
      mailbox_({spec_.limits.mailbox_capacity, spec_.limits.mailbox_bytes},
               std::move(queue_budget)),
      context_(std::make_unique<Context>(*this)) {}

Component::~Component() = default;

ComponentStatus Component::status() const {
  return {.name = name(),
          .state = state(),
          .worker = worker_,
          .mailbox_size = mailbox_.size(),
          .mailbox_bytes = mailbox_.bytes(),
          .busy = scheduled.load(),
          .handled = handled_.load(),
          .handler_errors = handler_errors_.load(),
          .sent = sent_.load(),
          .failures = failures_.load(),
          .restarts = restarts_.load(),
          .dead_letters = dead_letters_.load()};
}

void Component::notify_if_ready() {
  // An already scheduled component needs nothing. Both loads are seq_cst: they
  // pair with the worker clearing the flag and then re-reading the size
  // (Worker::run_turn), so a message pushed meanwhile is never stranded.
  if (scheduled.load()) return;
  if (state() == ComponentState::running && mailbox_.size() > 0 && !scheduled.exchange(true))
    host_.schedule(*this);
}

Mailbox::Push Component::offer(Message message) {
  auto pushed = mailbox_.try_push(std::move(message));
  if (pushed == Mailbox::Push::accepted) notify_if_ready();
  return pushed;
}

Mailbox::Push Component::offer_callback(Message message) {
  auto limit = message.payload.empty() ? Mailbox::Limit::none : Mailbox::Limit::bytes;
  auto pushed = mailbox_.try_push(std::move(message), limit);
  if (pushed == Mailbox::Push::accepted) notify_if_ready();
  return pushed;
}

Mailbox::Push Component::offer_until(Message message,
                                     std::chrono::steady_clock::time_point deadline) {
  auto pushed = mailbox_.push_until(std::move(message), deadline);
  if (pushed == Mailbox::Push::accepted) notify_if_ready();
  return pushed;
}

Result<void> Component::start(engine::Engine& engine) {
  if (spec_.native) {
    ++generation_;
    state_ = ComponentState::running;
    notify_if_ready();
    return {};
  }
  auto instance = engine.instantiate(module_, abi::host_functions(), context_.get());
  if (!instance) return instance.error();
  // A new generation before init: requests made in init are this instance's,
  // so their callbacks are delivered to it.
  ++generation_;
  auto handle = (*instance)->find_function("handle_message");
  if (!handle) return handle.error();
  if ((*instance)->module().info().find_export("init")) {
    auto init = (*instance)->call("init", {}, {.timeout = spec_.limits.call_timeout});
    if (!init) return init.error();
    if (*init != 0) return make_error(Errc::trap_other, "init returned " + std::to_string(*init));
  }
  auto inbox = find_inbox(**instance, spec_.limits.call_timeout);
  if (!inbox) return inbox.error();
  instance_ = std::move(*instance);
  handle_message_ = *handle;
  inbox_ = *inbox;
  handle_callback_.reset();
  if (instance_->module().info().find_export("handle_callback"))
    if (auto callback = instance_->find_function("handle_callback")) handle_callback_ = *callback;
  state_ = ComponentState::running;
  notify_if_ready();
  return {};
}

bool Component::run_turn(std::size_t budget) {
  for (std::size_t i = 0; i < budget && state() == ComponentState::running; ++i) {
    auto message = mailbox_.try_pop();
    if (!message) return false;
    handle(*message);
  }
  return state() == ComponentState::running && mailbox_.size() > 0;
}

void Component::handle(Message& message) {
  if (message.kind == abi::kKindCallback) return handle_callback(message);
  context_->begin(message);
  if (spec_.native) {
    std::int32_t rc = spec_.native(*context_, *context_->current_message());
    ++handled_;
    if (rc != 0) ++handler_errors_;
    context_->settle(abi::kStatusTargetError);
    context_->end();
    return;
  }
  std::int64_t args[] = {static_cast<std::int64_t>(message.sender.size()),
                         static_cast<std::int64_t>(message.payload.size())};
  auto result = deliver(handle_message_, args);
  if (!result) {
    context_->settle(abi::kStatusTargetError);
    context_->end();
    fail(&message, result.error());
    return;
  }
  ++handled_;
  if (*result != 0) ++handler_errors_;
  // A request handled without a reply still gets exactly one answer.
  context_->settle(abi::kStatusTargetError);
  context_->end();
}

void Component::handle_callback(Message& message) {
  // The instance that made the request is gone: the new one never asked.
  if (message.generation != generation_) {
    ++dead_letters_;
    host_.dead_letter(message, name(), "requester restarted before the answer arrived");
    return;
  }
  if (!handle_callback_ || spec_.native) {
    ++dead_letters_;
    host_.dead_letter(message, name(), "requester has no handle_callback export");
    return;
  }
  context_->begin(message);
  std::int64_t args[] = {static_cast<std::int64_t>(message.correlation_id), message.status,
                         static_cast<std::int64_t>(message.payload.size())};
  auto result = deliver(*handle_callback_, args);
  context_->end();
  if (!result) return fail(&message, result.error());
  ++handled_;
  if (*result != 0) ++handler_errors_;
}

Result<std::int64_t> Component::deliver(engine::ExportFunction function,
                                        std::span<const std::int64_t> args) {
  if (inbox_) inbox_->fill(instance_->memory(), *context_->current_message());
  return instance_->call(function, args, {.timeout = spec_.limits.call_timeout});
}

void Component::fail(const Message* message, const Error& error) {
  ++failures_;
  if (message) {
    ++dead_letters_;
    host_.dead_letter(*message, name(), "handler failed: " + error.describe());
  }
  discard(ComponentState::restarting);
  host_.emit({Event::Kind::failed, name(), error.describe()});
  host_.failed(*this, error);
}

void Component::discard(ComponentState next) {
  if (instance_) host_.instance_gone(*this);
  instance_.reset();
  state_ = next;
}

void Component::prepare_restart() {
  discard(ComponentState::restarting);
  mailbox_.reopen();
}

bool Component::has_shutdown_export() const {
  return instance_ && instance_->module().info().find_export("shutdown");
}

Result<void> Component::call_shutdown(std::chrono::nanoseconds budget) {
  if (!has_shutdown_export()) return {};
  auto timeout = std::min<std::chrono::nanoseconds>(budget, spec_.limits.call_timeout);
  auto called = instance_->call("shutdown", {}, {.timeout = timeout});
  if (!called) return called.error();
  return {};
}

std::size_t Component::stop(std::string_view reason) {
  // restart_epoch is bumped by whoever decided the stop, when deciding: bumping
  // it here would void a restart decided after the stop but run before it.
  discard(ComponentState::stopped);
  mailbox_.close();
  auto leftovers = mailbox_.drain();
  for (auto& message : leftovers) {
    ++dead_letters_;
    host_.dead_letter(message, name(), std::string(reason));
    if (message.kind == abi::kKindRequest)
      host_.complete_request(message.correlation_id, abi::kStatusUnknownTarget, {});
  }
  return leftovers.size();
}

void Component::drain(std::chrono::steady_clock::time_point deadline) {
  while (state() == ComponentState::running && std::chrono::steady_clock::now() < deadline) {
    auto message = mailbox_.try_pop();
    if (!message) return;
    handle(*message);
  }
}

}  // namespace wasmhive::actor
