// Turns a ComponentSpec into a running, registered component on its worker:
// reads and compiles the module, builds the behaviour and the port, registers
// the name before init runs, and starts it; undoes that if init fails.
#pragma once

#include <memory>
#include <vector>

#include "actor/component.h"
#include "actor/ready_instances.h"
#include "actor/worker.h"
#include "messaging/router.h"

namespace wasmhive::host {

// Returns once every worker has finished the task or turn it was running:
// whatever a worker held of a component unregistered before is let go.
void quiesce(const std::vector<std::unique_ptr<actor::Worker>>& workers);

// The module of `spec`: its wasm_bytes (taken from it), or its file read.
// Errors name `who` (the component or template).
Result<std::vector<std::uint8_t>> take_module_bytes(actor::ComponentSpec& spec,
                                                    const std::string& who);

class Spawner {
 public:
  Spawner(const std::vector<std::unique_ptr<actor::Worker>>& workers, messaging::Router& router,
          actor::Lifecycle& lifecycle, std::shared_ptr<actor::ByteBudget> queue_budget,
          std::shared_ptr<actor::ReadyInstances> ready)
      : workers_(workers),
        router_(router),
        lifecycle_(lifecycle),
        queue_budget_(std::move(queue_budget)),
        ready_(std::move(ready)) {}

  // The name must be reserved with the router. On failure nothing stays
  // registered.
  Result<std::shared_ptr<actor::Component>> load(actor::ComponentSpec spec, std::size_t worker);
  // A component connected to its port, not yet started or registered.
  std::shared_ptr<actor::Component> make_component(actor::ComponentSpec spec,
                                                   std::unique_ptr<actor::Behaviour> behaviour,
                                                   std::size_t worker);

 private:
  Result<void> register_and_start(actor::Component& component, engine::Engine& engine);

  const std::vector<std::unique_ptr<actor::Worker>>& workers_;
  messaging::Router& router_;
  actor::Lifecycle& lifecycle_;
  std::shared_ptr<actor::ByteBudget> queue_budget_;
  std::shared_ptr<actor::ReadyInstances> ready_;  // instances made ahead of spawns
};

}  // namespace wasmhive::host
