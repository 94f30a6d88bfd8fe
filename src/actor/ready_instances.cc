#include "actor/ready_instances.h"

#include <algorithm>

#include "abi/host_bindings.h"

namespace wasmhive::actor {

ReadyInstances::ReadyInstances(std::size_t workers, std::size_t per_module, std::size_t max_modules,
                               ScheduleRefill schedule)
    : per_module_(per_module),
      max_modules_(max_modules),
      schedule_(std::move(schedule)),
      workers_(workers) {}

std::unique_ptr<engine::Instance> ReadyInstances::take(
    std::size_t worker, const std::shared_ptr<const engine::Module>& module) {
  if (per_module_ == 0 || max_modules_ == 0) return nullptr;
  Worker& w = workers_[worker];
  if (w.closed) return nullptr;
  auto it = std::find_if(w.shelves.begin(), w.shelves.end(),
                         [&](const Shelf& shelf) { return shelf.module == module; });
  Shelf shelf;
  if (it == w.shelves.end()) {
    shelf.module = module;
    if (w.shelves.size() >= max_modules_) {  // the least recently taken from goes
      ready_.fetch_sub(w.shelves.front().ready.size(), std::memory_order_relaxed);
      w.shelves.erase(w.shelves.begin());
    }
  } else {
    shelf = std::move(*it);
    w.shelves.erase(it);
  }
  std::unique_ptr<engine::Instance> instance;
  if (!shelf.ready.empty()) {
    instance = std::move(shelf.ready.back());
    shelf.ready.pop_back();
    taken_.fetch_add(1, std::memory_order_relaxed);
    ready_.fetch_sub(1, std::memory_order_relaxed);
  }
  w.shelves.push_back(std::move(shelf));
  schedule(worker);
  return instance;
}

bool ReadyInstances::refill(std::size_t worker, engine::Engine& engine) {
  Worker& w = workers_[worker];
  w.refill_scheduled = false;
  if (w.closed) return false;
  // The most recently used shelf first: the module a burst is spawning.
  for (auto it = w.shelves.rbegin(); it != w.shelves.rend(); ++it) {
    if (it->ready.size() >= per_module_) continue;
    auto made = engine.instantiate(it->module, abi::host_functions(), placeholder_);
    if (!made) {  // cannot be made ahead: spawns instantiate, and report why
      ready_.fetch_sub(it->ready.size(), std::memory_order_relaxed);
      w.shelves.erase(std::next(it).base());
      return false;
    }
    it->ready.push_back(std::move(*made));
    ready_.fetch_add(1, std::memory_order_relaxed);
    schedule(worker);
    return true;
  }
  return false;
}

void ReadyInstances::close(std::size_t worker) {
  Worker& w = workers_[worker];
  w.closed = true;
  for (const auto& shelf : w.shelves)
    ready_.fetch_sub(shelf.ready.size(), std::memory_order_relaxed);
  w.shelves.clear();
}

void ReadyInstances::schedule(std::size_t worker) {
  Worker& w = workers_[worker];
  if (w.refill_scheduled || w.closed) return;
  w.refill_scheduled = true;
  schedule_(worker);
}

}  // namespace wasmhive::actor
