// Instances of spawned components' modules made ahead of need, per worker and
// module: a spawn (or restart) from a module spawned before on that worker
// takes a ready instance instead of instantiating, which costs tens of
// microseconds, and the worker makes another when it has nothing else to do
// (Worker::when_idle). A ready instance has run none of its code: it is bound
// to a RefusingApi until taken, then rebound to its component's port.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "abi/refusing_api.h"
#include "engine/engine.h"

namespace wasmhive::actor {

class ReadyInstances {
 public:
  // Asks `worker` to call refill() when it is idle (Worker::when_idle).
  using ScheduleRefill = std::function<void(std::size_t worker)>;

  struct Limits {
    std::size_t per_module = 16;  // ready instances per module and worker (0: none)
    std::size_t modules = 8;      // modules kept ready per worker, the most recently wanted
    // What a worker's ready instances may hold, counting each at its
    // module's initial memory: a module that starts with megabytes of data
    // gets few or none.
    std::size_t bytes = 32 << 20;
  };

  ReadyInstances(std::size_t workers, Limits limits, ScheduleRefill schedule);

  // ---- on `worker`'s thread only: each worker's shelves are its own ----
  // A ready instance of `module`, or null.
  std::unique_ptr<engine::Instance> take(std::size_t worker,
                                         const std::shared_ptr<const engine::Module>& module);
  // An instance of `module` started on this worker (init succeeded): its
  // module is worth keeping ready here, most recently wanted first. Schedules
  // a refill.
  void wanted(std::size_t worker, const std::shared_ptr<const engine::Module>& module);
  // Makes one instance for the most recently wanted shelf below its size
  // (and within the byte budget), then schedules the next refill; false if
  // none was made. Nothing after close().
  bool refill(std::size_t worker, engine::Engine& engine);
  // Destroys the worker's instances, before its engine goes, and makes none again.
  void close(std::size_t worker);

  // Spawns and restarts that took a ready instance (any thread).
  std::uint64_t taken() const { return taken_.load(std::memory_order_relaxed); }
  // Instances ready now, on all workers (any thread).
  std::size_t ready() const { return ready_.load(std::memory_order_relaxed); }

 private:
  struct Shelf {
    std::shared_ptr<const engine::Module> module;
    std::size_t instance_bytes = 0;  // its initial memory
    std::vector<std::unique_ptr<engine::Instance>> ready;
  };
  struct Worker {
    std::vector<Shelf> shelves;  // most recently wanted last
    std::size_t bytes = 0;       // of the instances on its shelves
    bool refill_scheduled = false;
    bool closed = false;
  };
  void schedule(std::size_t worker);
  static std::vector<Shelf>::iterator shelf_of(Worker& w,
                                               const std::shared_ptr<const engine::Module>& module);
  // Drops a shelf's instances from the counts (they are about to go).
  void forget(Worker& w, const Shelf& shelf);

  const Limits limits_;
  const ScheduleRefill schedule_;
  std::vector<Worker> workers_;
  abi::RefusingApi placeholder_;  // what ready instances are bound to
  std::atomic<std::uint64_t> taken_{0};
  std::atomic<std::size_t> ready_{0};
};

}  // namespace wasmhive::actor
