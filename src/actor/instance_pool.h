// Instances of one template's module kept for reuse, per worker, as
// Wasmtime's pooling allocator keeps them: a deactivated component's instance
// is reset to the module's base image (memory and globals) and handed to the
// next activation on its worker instead of being destroyed. Instantiating
// costs tens of microseconds and leaves garbage for V8's collector, which
// with thousands of live instances is the larger cost; a reset is a copy.
//
// Only modules whose state lives in memory and globals alone may be pooled
// (hibernation::reusable_module): a table or segment the module changes
// would carry one component's state into the next.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/engine.h"

namespace wasmhive::actor {

class InstancePool {
 public:
  InstancePool(std::size_t workers, std::size_t per_worker)
      : per_worker_(per_worker), shelves_(workers) {}

  // ---- on `worker`'s thread only: each shelf is its worker's ----
  // An idle instance, or null.
  std::unique_ptr<engine::Instance> take(std::size_t worker) {
    auto& shelf = shelves_[worker];
    if (shelf.empty()) return nullptr;
    auto instance = std::move(shelf.back());
    shelf.pop_back();
    ++reused_;
    return instance;
  }
  // Keeps `instance` (already reset) unless the shelf is full.
  void give(std::size_t worker, std::unique_ptr<engine::Instance> instance) {
    auto& shelf = shelves_[worker];
    if (shelf.size() < per_worker_) shelf.push_back(std::move(instance));
  }
  // Activations that took an instance from the pool (any thread).
  std::uint64_t reused() const { return reused_.load(std::memory_order_relaxed); }
  // Destroys the worker's instances: before its engine goes.
  void clear(std::size_t worker) { shelves_[worker].clear(); }

 private:
  const std::size_t per_worker_;
  std::atomic<std::uint64_t> reused_{0};
  std::vector<std::vector<std::unique_ptr<engine::Instance>>> shelves_;
};

}  // namespace wasmhive::actor
