#include "actor/component.h"

#include <chrono>

#include "abi/host_bindings.h"

namespace wasmhive::actor {
namespace {

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

Component::Component(ComponentSpec spec, std::shared_ptr<const engine::Module> module,
                     std::size_t worker, Lifecycle& lifecycle,
                     std::shared_ptr<ByteBudget> queue_budget)
    : spec_(std::move(spec)),
      module_(std::move(module)),
      worker_(worker),
      lifecycle_(lifecycle),
      mailbox_({spec_.limits.mailbox_capacity, spec_.limits.mailbox_bytes},
               std::move(queue_budget)) {}

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
    lifecycle_.schedule(*this);
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
  auto instance = engine.instantiate(module_, abi::host_functions(), *port_);
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
  port_->begin(message);
  if (spec_.native) {
    std::int32_t rc = spec_.native(*port_, *port_->current_message());
    ++handled_;
    if (rc != 0) ++handler_errors_;
    port_->end(abi::kStatusTargetError);
    return;
  }
  std::int64_t args[] = {static_cast<std::int64_t>(message.sender.size()),
                         static_cast<std::int64_t>(message.payload.size())};
  auto result = deliver(handle_message_, args);
  if (!result) {
    port_->end(abi::kStatusTargetError);
    fail(&message, result.error());
    return;
  }
  ++handled_;
  if (*result != 0) ++handler_errors_;
  // A request handled without a reply still gets exactly one answer.
  port_->end(abi::kStatusTargetError);
}

void Component::handle_callback(Message& message) {
  // The instance that made the request is gone: the new one never asked.
  if (message.generation != generation_) {
    port_->dead_letter(message, "requester restarted before the answer arrived");
    return;
  }
  if (!handle_callback_ || spec_.native) {
    port_->dead_letter(message, "requester has no handle_callback export");
    return;
  }
  port_->begin(message);
  std::int64_t args[] = {static_cast<std::int64_t>(message.correlation_id), message.status,
                         static_cast<std::int64_t>(message.payload.size())};
  auto result = deliver(*handle_callback_, args);
  port_->end(abi::kStatusTargetError);
  if (!result) return fail(&message, result.error());
  ++handled_;
  if (*result != 0) ++handler_errors_;
}

Result<std::int64_t> Component::deliver(engine::ExportFunction function,
                                        std::span<const std::int64_t> args) {
  if (inbox_) inbox_->fill(instance_->memory(), *port_->current_message());
  return instance_->call(function, args, {.timeout = spec_.limits.call_timeout});
}

void Component::fail(const Message* message, const Error& error) {
  ++failures_;
  if (message) {
    port_->dead_letter(*message, "handler failed: " + error.describe());
  }
  discard(ComponentState::restarting);
  lifecycle_.emit({Event::Kind::failed, name(), error.describe()});
  lifecycle_.failed(*this, error);
}

void Component::discard(ComponentState next) {
  if (instance_) port_->instance_gone();
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
  for (auto& message : leftovers) port_->refuse(message, std::string(reason));
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
