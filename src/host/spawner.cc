#include "host/spawner.h"

#include "abi/loader.h"
#include "actor/wasm_behaviour.h"
#include "util/file.h"

namespace wasmhive::host {

using actor::Component;

void quiesce(const std::vector<std::unique_ptr<actor::Worker>>& workers) {
  for (const auto& worker : workers) worker->call([](engine::Engine&) { return 0; });
}

Result<std::vector<std::uint8_t>> Spawner::take_module(actor::ComponentSpec& spec,
                                                       const std::string& who) {
  std::vector<std::uint8_t> bytes = std::move(spec.wasm_bytes);
  if (bytes.empty()) {
    auto read = read_file(spec.wasm);
    if (!read) return Error{read.error().code, who + ": " + read.error().message};
    bytes = std::move(*read);
  }
  auto digest = vetter_.vet(bytes);
  if (!digest) return Error{digest.error().code, who + ": " + digest.error().message};
  spec.module_sha256 = std::move(*digest);
  return bytes;
}

// Made shared before it starts: its init may make requests, whose answers find
// it through a weak_ptr.
std::shared_ptr<Component> Spawner::make_component(actor::ComponentSpec spec,
                                                   std::unique_ptr<actor::Behaviour> behaviour,
                                                   std::size_t worker) {
  auto component = std::make_shared<Component>(std::move(spec), std::move(behaviour), worker,
                                               lifecycle_, queue_budget_, timed_every_);
  component->connect(router_.port_for(*component));
  return component;
}

// The component is built on the calling thread (prepare), then registered,
// instantiated and inited in one hand-off to its worker: each hand-off costs a
// thread wake-up, the bulk of a spawn.
Result<std::shared_ptr<Component>> Spawner::load(actor::ComponentSpec spec, std::size_t worker) {
  auto prepared = prepare(std::move(spec), worker);
  if (!prepared) return prepared.error();
  std::shared_ptr<Component> component = std::move(*prepared);
  auto started = workers_[worker]->call(
      [&](engine::Engine& engine) { return register_and_start(*component, engine); });
  if (started) return component;
  // A component whose init failed was registered for a while: it is freed only
  // once no worker can still hold it (see RouteMemo).
  quiesce(workers_);
  if (started.error().code == Errc::unavailable || component->spec().native)
    return started.error();  // not started, or no module whose init failed
  return Error{started.error().code,
               component->name() + ": init failed: " + started.error().message};
}

std::unique_ptr<actor::Behaviour> Spawner::wasm_behaviour(
    std::shared_ptr<const engine::Module> module, const actor::ComponentSpec& spec,
    std::size_t worker) {
  return std::make_unique<actor::WasmBehaviour>(
      std::move(module), actor::WasmBehaviour::CallLimits::of(spec.limits), std::nullopt,
      actor::WasmBehaviour::Ready{.instances = ready_, .worker = worker});
}

Result<std::shared_ptr<Component>> Spawner::prepare(actor::ComponentSpec spec, std::size_t worker) {
  if (spec.native) {
    auto behaviour = std::make_unique<actor::NativeBehaviour>(spec.native);
    return make_component(std::move(spec), std::move(behaviour), worker);
  }
  auto read = take_module(spec, spec.name);
  if (!read) return read.error();
  engine::CompileOptions options = actor::compile_options(spec.limits);
  // Only load_module fills the host's cache: what it holds was checked against the ABI.
  auto module = cache_->find_compiled(*read, options);
  if (!module) {
    auto loaded = workers_[worker]->call(
        [&](engine::Engine& engine) { return abi::load_module(engine, *read, options); });
    if (!loaded) return Error{loaded.error().code, spec.name + ": " + loaded.error().message};
    module = *loaded;
  }
  auto behaviour = wasm_behaviour(std::move(module), spec, worker);
  return make_component(std::move(spec), std::move(behaviour), worker);
}

// On its worker. Registered before init, as Erlang registers before init: what
// init sends to itself, or publishes to its own subscriptions, is queued for it.
// A failed start unregisters it; what was queued is refused.
Result<void> Spawner::register_and_start(Component& component, engine::Engine& engine) {
  if (!router_.add(component.shared_from_this()))
    return make_error(Errc::unavailable, "host is shutting down");
  return start_registered(component, engine);
}

Result<void> Spawner::start_registered(Component& component, engine::Engine& engine) {
  auto started = component.start(engine);
  if (!started) {
    router_.unregister(component.name());
    component.stop("init failed");
  }
  return started;
}

}  // namespace wasmhive::host
