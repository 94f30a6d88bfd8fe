#include "actor/wasm_behaviour.h"

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

// Loading checked the section (abi::validate): a module here reads cleanly.
std::shared_ptr<const abi::Metadata> metadata_of(const engine::Module& module) {
  auto metadata = abi::read_metadata(module.info());
  if (!metadata || !*metadata) return nullptr;
  return std::make_shared<const abi::Metadata>(std::move(**metadata));
}

}  // namespace

WasmBehaviour::WasmBehaviour(std::shared_ptr<const engine::Module> module,
                             std::chrono::milliseconds call_timeout)
    : module_(std::move(module)), call_timeout_(call_timeout), metadata_(metadata_of(*module_)) {}

Result<void> WasmBehaviour::start(engine::Engine& engine, Port& port) {
  auto instance = engine.instantiate(module_, abi::host_functions(), port);
  if (!instance) return instance.error();
  auto handle = (*instance)->find_function("handle_message");
  if (!handle) return handle.error();
  if ((*instance)->module().info().find_export("init")) {
    auto init = (*instance)->call("init", {}, {.timeout = call_timeout_});
    if (!init) return init.error();
    if (*init != 0) return make_error(Errc::trap_other, "init returned " + std::to_string(*init));
  }
  auto inbox = find_inbox(**instance, call_timeout_);
  if (!inbox) return inbox.error();
  instance_ = std::move(*instance);
  handle_message_ = *handle;
  inbox_ = *inbox;
  handle_callback_.reset();
  if (instance_->module().info().find_export("handle_callback"))
    if (auto callback = instance_->find_function("handle_callback")) handle_callback_ = *callback;
  return {};
}

Result<std::int64_t> WasmBehaviour::handle(Port& port) {
  const abi::CurrentMessage& message = *port.current_message();
  std::int64_t args[] = {static_cast<std::int64_t>(message.sender.size()),
                         static_cast<std::int64_t>(message.payload.size())};
  return deliver(handle_message_, args, port);
}

Result<std::int64_t> WasmBehaviour::handle_callback(const Message& callback, Port& port) {
  std::int64_t args[] = {static_cast<std::int64_t>(callback.correlation_id), callback.status,
                         static_cast<std::int64_t>(callback.payload.size())};
  return deliver(*handle_callback_, args, port);
}

Result<std::int64_t> WasmBehaviour::deliver(engine::ExportFunction function,
                                            std::span<const std::int64_t> args, Port& port) {
  if (inbox_) inbox_->fill(instance_->memory(), *port.current_message());
  return instance_->call(function, args, {.timeout = call_timeout_});
}

bool WasmBehaviour::has_shutdown() const {
  return instance_ && instance_->module().info().find_export("shutdown");
}

Result<void> WasmBehaviour::shutdown(std::chrono::nanoseconds timeout) {
  if (!has_shutdown()) return {};
  auto called = instance_->call(
      "shutdown", {}, {.timeout = std::min<std::chrono::nanoseconds>(timeout, call_timeout_)});
  if (!called) return called.error();
  return {};
}

Result<std::int64_t> WasmBehaviour::health() {
  return instance_->call("health", {}, {.timeout = call_timeout_});
}

}  // namespace wasmhive::actor
