// Turns a ComponentSpec into a running, registered component on its worker:
// reads and compiles the module, builds the behaviour and the port, registers
// the name before init runs, and starts it; undoes that if init fails.
#pragma once

#include <memory>
#include <vector>

#include "actor/component.h"
#include "actor/ready_instances.h"
#include "actor/worker.h"
#include "host/module_vetter.h"
#include "messaging/router.h"

namespace wasmhive::host {

// Returns once every worker has finished the task or turn it was running:
// whatever a worker held of a component unregistered before is let go.
void quiesce(const std::vector<std::unique_ptr<actor::Worker>>& workers);

class Spawner {
 public:
  Spawner(const std::vector<std::unique_ptr<actor::Worker>>& workers, messaging::Router& router,
          actor::Lifecycle& lifecycle, std::shared_ptr<actor::ByteBudget> queue_budget,
          std::shared_ptr<actor::ReadyInstances> ready, std::shared_ptr<engine::ModuleCache> cache,
          security::TrustPolicy trust, std::uint64_t timed_every)
      : workers_(workers),
        router_(router),
        lifecycle_(lifecycle),
        queue_budget_(std::move(queue_budget)),
        ready_(std::move(ready)),
        cache_(std::move(cache)),
        vetter_(std::move(trust)),
        timed_every_(timed_every) {}

  // The module of `spec`: its wasm_bytes (taken from it), or its file read,
  // once the host's trust policy allowed it; spec.module_sha256 names it
  // from then on. Errors name `who` (the component or template).
  Result<std::vector<std::uint8_t>> take_module(actor::ComponentSpec& spec, const std::string& who);

  // The name must be reserved with the router. On failure nothing stays
  // registered.
  Result<std::shared_ptr<actor::Component>> load(actor::ComponentSpec spec, std::size_t worker);
  // The component of `spec`, connected to its port, neither registered nor
  // started: built on the calling thread from the compile cache, or after
  // one hand-off to `worker` to compile a module not compiled before.
  Result<std::shared_ptr<actor::Component>> prepare(actor::ComponentSpec spec, std::size_t worker);
  // On the component's worker: registered already, it starts (instance,
  // init). On failure it is unregistered and stopped, what was queued for it
  // refused, and the error returned.
  Result<void> start_registered(actor::Component& component, engine::Engine& engine);
  // A component connected to its port, not yet started or registered.
  std::shared_ptr<actor::Component> make_component(actor::ComponentSpec spec,
                                                   std::unique_ptr<actor::Behaviour> behaviour,
                                                   std::size_t worker);

 private:
  // unavailable, and nothing started, if the host is shutting down.
  Result<void> register_and_start(actor::Component& component, engine::Engine& engine);
  std::unique_ptr<actor::Behaviour> wasm_behaviour(std::shared_ptr<const engine::Module> module,
                                                   const actor::ComponentSpec& spec,
                                                   std::size_t worker);

  const std::vector<std::unique_ptr<actor::Worker>>& workers_;
  messaging::Router& router_;
  actor::Lifecycle& lifecycle_;
  std::shared_ptr<actor::ByteBudget> queue_budget_;
  std::shared_ptr<actor::ReadyInstances> ready_;  // instances made ahead of spawns
  std::shared_ptr<engine::ModuleCache> cache_;    // the workers' engines compile into it
  ModuleVetter vetter_;
  const std::uint64_t timed_every_;  // see actor::Component
};

}  // namespace wasmhive::host
