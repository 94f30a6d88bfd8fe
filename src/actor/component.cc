#include "actor/component.h"

#include <chrono>
#include <span>

namespace wasmhive::actor {

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

Component::Component(ComponentSpec spec, std::unique_ptr<Behaviour> behaviour, std::size_t worker,
                     Lifecycle& lifecycle, std::shared_ptr<ByteBudget> queue_budget,
                     std::uint64_t timed_every)
    : spec_(std::move(spec)),
      behaviour_(std::move(behaviour)),
      worker_(worker),
      lifecycle_(lifecycle),
      mailbox_({spec_.limits.mailbox_capacity, spec_.limits.mailbox_bytes},
               std::move(queue_budget)),
      timed_every_(timed_every),
      until_timed_(timed_every == 0 ? 0 : 1) {
  mailbox_.set_on_ready([this] { lifecycle_.schedule(*this); });
}

Component::~Component() = default;

ComponentStatus Component::status() const {
  return {.name = name(),
          .state = state(),
          .worker = worker_,
          .mailbox_size = mailbox_.size(),
          .mailbox_bytes = mailbox_.bytes(),
          .busy = mailbox_.scheduled(),
          .handled = handled_.load(),
          .handler_errors = handler_errors_.load(),
          .sent = sent_.load(),
          .failures = failures_.load(),
          .restarts = restarts_.load(),
          .dead_letters = dead_letters_.load(),
          .timers = port_ ? port_->pending_timers() : 0,
          .metadata = behaviour_->metadata(),
          .module_sha256 = spec_.module_sha256,
          .fuel = behaviour_->fuel(),
          .handle_time = handle_time_.read(),
          .storage = port_ ? port_->storage_use() : std::nullopt};
}

Mailbox::Push Component::offer_callback(Message&& message) {
  auto limit = message.payload.empty() ? Mailbox::Limit::none : Mailbox::Limit::bytes;
  return mailbox_.try_push(std::move(message), limit);
}

Result<void> Component::start(engine::Engine& engine, std::span<const std::uint8_t> saved) {
  // A new generation before init: requests made in init are this instance's,
  // so their callbacks are delivered to it.
  ++generation_;
  unhealthy_in_a_row_ = 0;
  // init is a call like any other: its writes and output take effect if it
  // succeeds, and before any message is handled.
  port_->begin_call();
  auto started = behaviour_->start(engine, *port_);
  port_->end(abi::kStatusTargetError, started.ok());
  if (!started) return started;
  if (!saved.empty())
    if (auto restored = behaviour_->restore_state(saved); !restored) {
      behaviour_->discard();
      return Error{restored.error().code,
                   "cannot restore its hibernated state: " + restored.error().message};
    }
  if (auto flushed = port_->flush(); !flushed) {
    behaviour_->discard();
    return flushed.error();
  }
  state_ = ComponentState::running;
  mailbox_.resume();
  return {};
}

bool Component::end_turn() {
  if (mailbox_.end_turn()) return true;
  if (is_virtual()) lifecycle_.went_idle(*this);
  return false;
}

bool Component::looks_idle() const {
  return state() == ComponentState::running && mailbox_.size() == 0 && !mailbox_.scheduled() &&
         port_->outstanding_requests() == 0 && port_->pending_timers() == 0;
}

bool Component::close_if_idle() {
  // The mailbox decides for good, under its lock: a message may come after
  // looks_idle() read it empty.
  if (!looks_idle() || !mailbox_.close_if_idle()) return false;
  deactivated_ = true;
  return true;
}

bool Component::run_turn(std::size_t budget) {
  for (std::size_t i = 0; i < budget && state() == ComponentState::running; ++i) {
    auto message = mailbox_.try_pop();
    if (!message) break;
    handle(*message);
  }
  commit_turn();
  return state() == ComponentState::running && mailbox_.size() > 0;
}

void Component::commit_turn() {
  if (state() != ComponentState::running) return;  // a failure committed already
  if (auto flushed = port_->flush(); !flushed) fail(nullptr, flushed.error());
}

void Component::handle(Message& message) {
  // A countdown, not handled_ % n: no division, and failed messages count too.
  if (until_timed_ == 0 || --until_timed_ != 0) return handle_message(message);
  until_timed_ = timed_every_;
  auto started = std::chrono::steady_clock::now();
  handle_message(message);
  handle_time_.record(std::chrono::steady_clock::now() - started);
}

void Component::handle_message(Message& message) {
  if (message.kind == abi::kKindCallback) return handle_callback(message);
  if (message.kind == abi::kKindTimer && message.generation != generation_)
    return port_->dead_letter(message, "timer of an instance since restarted");
  port_->begin(message);
  auto result = behaviour_->handle(*port_);
  // A request handled without a reply still gets exactly one answer.
  port_->end(abi::kStatusTargetError, result && *result == 0);
  if (!result) return fail(&message, result.error());
  ++handled_;
  if (*result != 0) ++handler_errors_;
}

void Component::handle_callback(Message& message) {
  // The instance that made the request is gone: the new one never asked.
  if (message.generation != generation_)
    return port_->dead_letter(message, "requester restarted before the answer arrived");
  if (!behaviour_->takes_callbacks())
    return port_->dead_letter(message, "requester has no handle_callback export");
  port_->begin(message);
  auto result = behaviour_->handle_callback(message, *port_);
  port_->end(abi::kStatusTargetError, result && *result == 0);
  if (!result) return fail(&message, result.error());
  ++handled_;
  if (*result != 0) ++handler_errors_;
}

void Component::fail(const Message* message, const Error& error) {
  ++failures_;
  if (message) port_->failed(*message, "handler failed: " + error.describe());
  discard(ComponentState::restarting);
  lifecycle_.emit(
      {Event::Kind::failed, name(), error.describe(), message ? message->trace : Trace{}});
  lifecycle_.failed(*this, error);
}

void Component::discard(ComponentState next) {
  // The turn's kept writes commit first; a failure to commit loses them, with
  // what they held back (dead letters tell).
  (void)port_->flush();
  if (behaviour_->alive()) port_->instance_gone();
  behaviour_->discard();
  mailbox_.pause();
  state_ = next;
}

void Component::prepare_restart() {
  discard(ComponentState::restarting);
  mailbox_.reopen();
}

void Component::check_health() {
  if (state() != ComponentState::running || !behaviour_->alive() || !behaviour_->has_health())
    return;
  port_->begin_call();
  auto answer = behaviour_->health(*port_);
  port_->end(abi::kStatusTargetError, answer && *answer == 0);
  if (!answer) return fail(nullptr, answer.error());
  commit_turn();
  constexpr std::int64_t kUnhealthy = 2;
  unhealthy_in_a_row_ = *answer >= kUnhealthy ? unhealthy_in_a_row_ + 1 : 0;
  if (unhealthy_in_a_row_ < spec_.health.failures) return;
  unhealthy_in_a_row_ = 0;
  fail(nullptr, make_error(Errc::unhealthy, "health() answered unhealthy " +
                                                std::to_string(spec_.health.failures) +
                                                " time(s) in a row"));
}

Result<void> Component::call_shutdown(std::chrono::nanoseconds budget) {
  port_->begin_call();
  auto called = behaviour_->shutdown(
      *port_, std::min<std::chrono::nanoseconds>(budget, spec_.limits.call_timeout));
  port_->end(abi::kStatusTargetError, called.ok());
  if (auto flushed = port_->flush(); !flushed) return flushed.error();
  return called;
}

std::size_t Component::stop(std::string_view reason, abi::CallbackStatus answer) {
  // The epoch is taken by whoever decided the stop, when deciding: taking one
  // here would void a restart decided after the stop but run before it.
  discard(ComponentState::stopped);
  mailbox_.close();
  auto leftovers = mailbox_.drain();
  for (auto& message : leftovers) port_->refuse(message, std::string(reason), answer);
  return leftovers.size();
}

void Component::drain(std::chrono::steady_clock::time_point deadline) {
  while (state() == ComponentState::running && std::chrono::steady_clock::now() < deadline) {
    auto message = mailbox_.try_pop();
    if (!message) break;
    handle(*message);
  }
  commit_turn();
}

}  // namespace wasmhive::actor
