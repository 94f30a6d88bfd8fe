#include "actor/wasm_behaviour.h"

#include <algorithm>

#include "abi/host_bindings.h"
#include "hibernation/module_globals.h"
#include "hibernation/snapshot.h"

namespace wasmhive::actor {
namespace {

// Asks a guest that exports `name` (wasmhive_inbox, wasmhive_outbox) where
// that buffer is: once per instance. None if it does not export it.
template <class Buffer>
Result<std::optional<Buffer>> find_announced(engine::Instance& instance, std::string_view name,
                                             engine::CallOptions options) {
  if (!instance.module().info().find_export(name)) return std::optional<Buffer>{};
  auto announced = instance.call(name, {}, options);
  if (!announced) return announced.error();
  auto buffer = Buffer::locate(instance.memory(), *announced);
  if (!buffer) return buffer.error();
  return std::optional<Buffer>(*buffer);
}

// Loading checked the section (abi::validate): a module here reads cleanly.
std::shared_ptr<const abi::Metadata> metadata_of(const engine::Module& module) {
  auto metadata = abi::read_metadata(module.info());
  if (!metadata || !*metadata) return nullptr;
  return std::make_shared<const abi::Metadata>(std::move(**metadata));
}

std::vector<std::string> saved_globals(const engine::Module& module) {
  std::vector<std::string> names;
  for (const auto& exp : module.info().exports)
    if (exp.kind == engine::ExternKind::global && hibernation::is_saved_global(exp.name))
      names.push_back(exp.name);
  return names;
}

Result<std::span<std::uint8_t>> whole(engine::GuestMemory memory) {
  if (memory.size() > UINT32_MAX)
    return make_error(Errc::limit_exceeded, "a 4 GiB memory cannot hibernate");
  return memory.span(0, static_cast<std::uint32_t>(memory.size()));
}

}  // namespace

WasmBehaviour::WasmBehaviour(std::shared_ptr<const engine::Module> module, CallLimits limits,
                             std::optional<Template> of_template, Ready ready)
    : module_(std::move(module)),
      limits_(limits),
      metadata_(metadata_of(*module_)),
      template_(std::move(of_template)),
      ready_(std::move(ready)),
      saved_globals_(template_ ? saved_globals(*module_) : std::vector<std::string>{}) {}

engine::CallOptions WasmBehaviour::call_options(std::chrono::nanoseconds timeout) const {
  engine::CallOptions options{.timeout =
                                  std::min<std::chrono::nanoseconds>(timeout, limits_.timeout)};
  if (limits_.fuel > 0) options.fuel = limits_.fuel;
  return options;
}

void WasmBehaviour::note_fuel(engine::Instance& instance, Result<std::int64_t>& result) {
  if (limits_.fuel <= 0) return;
  // Reading the fuel left goes through V8's JS API (about 0.2 us, as much as
  // metering a whole message costs): every failed call is read, and one in
  // kFuelSampleEvery of the others.
  if (result && calls_++ % kFuelSampleEvery != 0) return;
  std::optional<std::int64_t> used = instance.fuel_used();
  if (!used) return;
  if (!result && result.error().code != Errc::out_of_fuel)
    result = Error{result.error().code, result.error().message +
                                            " (fuel used: " + std::to_string(*used) + " of " +
                                            std::to_string(limits_.fuel) + ")"};
  fuel_last_.store(*used, std::memory_order_relaxed);
  if (*used > fuel_most_.load(std::memory_order_relaxed))
    fuel_most_.store(*used, std::memory_order_relaxed);
}

std::optional<FuelUse> WasmBehaviour::fuel() const {
  if (limits_.fuel <= 0) return std::nullopt;
  return FuelUse{fuel_last_.load(std::memory_order_relaxed),
                 fuel_most_.load(std::memory_order_relaxed)};
}

Result<std::vector<std::uint64_t>> WasmBehaviour::read_globals(engine::Instance& instance) {
  std::vector<std::uint64_t> values;
  for (const auto& name : saved_globals_) {
    auto value = instance.global(name);
    if (!value) return value.error();
    values.push_back(*value);
  }
  return values;
}

bool WasmBehaviour::reset(engine::Instance& instance) {
  const hibernation::Image* base = template_->base->get();
  auto memory = whole(instance.memory());
  if (!base || !memory || memory->size() != base->memory.size()) return false;
  hibernation::Snapshot unchanged;  // no block differs from the base
  unchanged.pages = static_cast<std::uint32_t>(memory->size() / engine::kWasmPageSize);
  hibernation::apply(unchanged, base->memory, *memory);
  for (std::size_t i = 0; i < saved_globals_.size(); ++i)
    if (!instance.set_global(saved_globals_[i], base->globals[i])) return false;
  return true;
}

Result<std::unique_ptr<engine::Instance>> WasmBehaviour::make_instance(engine::Engine& engine,
                                                                       Port& port) {
  if (template_ && template_->pool)
    if (auto reused = template_->pool->take(template_->worker)) {
      if (auto rebound = reused->rebind(port); !rebound) return rebound.error();
      return reused;  // reset when it was given back
    }
  if (ready_.instances)
    if (auto ready = ready_.instances->take(ready_.worker, module_)) {
      if (auto rebound = ready->rebind(port); !rebound) return rebound.error();
      return ready;
    }
  auto instance = engine.instantiate(module_, abi::host_functions(), port);
  if (!instance) return instance.error();
  // Before init writes to it: what snapshots differ from and resets restore.
  if (template_ && !template_->base->get()) {
    auto memory = whole((*instance)->memory());
    if (!memory) return memory.error();
    auto globals = read_globals(**instance);
    if (!globals) return globals.error();
    template_->base->offer(*memory, std::move(*globals));
  }
  return instance;
}

Result<void> WasmBehaviour::start(engine::Engine& engine, Port& port) {
  auto instance = make_instance(engine, port);
  if (!instance) return instance.error();
  failed_ = false;
  auto handle = (*instance)->find_function("handle_message");
  if (!handle) return handle.error();
  // Before init, so init may queue messages too. Until it is known, this
  // instance has none: not the previous instance's, at its address.
  port.set_outbox(std::nullopt);
  auto outbox = find_announced<abi::Outbox>(**instance, abi::kOutboxExport, call_options());
  if (!outbox) return outbox.error();
  port.set_outbox(*outbox);
  if ((*instance)->module().info().find_export("init")) {
    auto init = sent(**instance, (*instance)->call("init", {}, call_options()), port);
    if (!init) return init.error();
    if (*init != 0) return make_error(Errc::trap_other, "init returned " + std::to_string(*init));
  }
  auto inbox = find_announced<abi::Inbox>(**instance, abi::kInboxExport, call_options());
  if (!inbox) return inbox.error();
  if (ready_.instances) ready_.instances->wanted(ready_.worker, module_);
  instance_ = std::move(*instance);
  handle_message_ = *handle;
  inbox_ = *inbox;
  handle_callback_.reset();
  if (instance_->module().info().find_export("handle_callback"))
    if (auto callback = instance_->find_function("handle_callback")) handle_callback_ = *callback;
  return {};
}

void WasmBehaviour::discard() {
  if (instance_ && template_ && template_->pool && !failed_ && reset(*instance_))
    template_->pool->give(template_->worker, std::move(instance_));
  instance_.reset();
}

Result<std::int64_t> WasmBehaviour::sent(engine::Instance& instance, Result<std::int64_t> result,
                                         Port& port) {
  note_fuel(instance, result);
  if (const abi::Outbox* outbox = port.outbox())
    if (auto drained = outbox->drain(instance.memory(), port); !drained && result)
      result = drained.error();
  if (!result) failed_ = true;
  return result;
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
  return sent(*instance_, instance_->call(function, args, call_options()), port);
}

bool WasmBehaviour::has_shutdown() const {
  return instance_ && instance_->module().info().find_export("shutdown");
}

Result<void> WasmBehaviour::shutdown(Port& port, std::chrono::nanoseconds timeout) {
  if (!has_shutdown()) return {};
  auto called = sent(*instance_, instance_->call("shutdown", {}, call_options(timeout)), port);
  if (!called) return called.error();
  return {};
}

Result<std::int64_t> WasmBehaviour::health(Port& port) {
  return sent(*instance_, instance_->call("health", {}, call_options()), port);
}

Result<std::vector<std::uint8_t>> WasmBehaviour::save_state() {
  if (!can_hibernate())
    return make_error(Errc::invalid_argument, "this component cannot hibernate");
  auto globals = read_globals(*instance_);
  if (!globals) return globals.error();
  auto memory = whole(instance_->memory());
  if (!memory) return memory.error();
  return hibernation::compress(
      hibernation::take(template_->base->get()->memory, *memory, std::move(*globals)));
}

// After init: what init set up is replaced by what the instance held when it
// was deactivated (init's other effects, such as subscriptions, stay).
Result<void> WasmBehaviour::restore_state(std::span<const std::uint8_t> blob) {
  if (!can_hibernate())
    return make_error(Errc::invalid_argument, "this component cannot hibernate");
  auto snapshot = hibernation::decompress(blob);
  if (!snapshot) return snapshot.error();
  if (snapshot->globals.size() != saved_globals_.size())
    return make_error(Errc::invalid_argument,
                      "the saved state has " + std::to_string(snapshot->globals.size()) +
                          " globals, the module " + std::to_string(saved_globals_.size()));
  if (snapshot->pages > 0)
    if (auto grown = instance_->grow_memory(snapshot->pages); !grown) return grown;
  auto memory = whole(instance_->memory());
  if (!memory) return memory.error();
  if (memory->size() < std::size_t{snapshot->pages} * engine::kWasmPageSize)
    return make_error(Errc::invalid_argument, "the saved state is larger than the memory");
  hibernation::apply(*snapshot, template_->base->get()->memory, *memory);
  for (std::size_t i = 0; i < saved_globals_.size(); ++i)
    if (auto set = instance_->set_global(saved_globals_[i], snapshot->globals[i]); !set) return set;
  return {};
}

}  // namespace wasmhive::actor
