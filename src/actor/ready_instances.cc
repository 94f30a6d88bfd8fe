#include "actor/ready_instances.h"

#include <algorithm>

#include "abi/host_bindings.h"

namespace wasmhive::actor {

namespace {

std::size_t initial_bytes(const engine::Module& module) {
  const auto& memory = module.info().memory;
  return memory ? std::size_t{memory->min_pages} * engine::kWasmPageSize : 0;
}

}  // namespace

ReadyInstances::ReadyInstances(std::size_t workers, Limits limits, ScheduleRefill schedule)
    : limits_(limits), schedule_(std::move(schedule)), workers_(workers) {}

std::unique_ptr<engine::Instance> ReadyInstances::take(
    std::size_t worker, const std::shared_ptr<const engine::Module>& module) {
  Worker& w = workers_[worker];
  auto it = shelf_of(w, module);
  if (it == w.shelves.end() || it->ready.empty()) return nullptr;
  auto instance = std::move(it->ready.back());
  it->ready.pop_back();
  w.bytes -= it->instance_bytes;
  ready_.fetch_sub(1, std::memory_order_relaxed);
  taken_.fetch_add(1, std::memory_order_relaxed);
  schedule(worker);
  return instance;
}

void ReadyInstances::wanted(std::size_t worker,
                            const std::shared_ptr<const engine::Module>& module) {
  if (limits_.per_module == 0 || limits_.modules == 0) return;
  Worker& w = workers_[worker];
  if (w.closed) return;
  auto it = shelf_of(w, module);
  Shelf shelf;
  if (it == w.shelves.end()) {
    shelf.module = module;
    shelf.instance_bytes = initial_bytes(*module);
    if (w.shelves.size() >= limits_.modules) {  // the least recently wanted goes
      forget(w, w.shelves.front());
      w.shelves.erase(w.shelves.begin());
    }
  } else {
    shelf = std::move(*it);
    w.shelves.erase(it);
  }
  w.shelves.push_back(std::move(shelf));
  schedule(worker);
}

bool ReadyInstances::refill(std::size_t worker, engine::Engine& engine) {
  Worker& w = workers_[worker];
  w.refill_scheduled = false;
  if (w.closed) return false;
  for (auto it = w.shelves.rbegin(); it != w.shelves.rend(); ++it) {
    if (it->ready.size() >= limits_.per_module) continue;
    if (w.bytes + it->instance_bytes > limits_.bytes) continue;
    auto made = engine.instantiate(it->module, abi::host_functions(), placeholder_);
    if (!made) {  // cannot be made ahead: spawns instantiate, and report why
      forget(w, *it);
      w.shelves.erase(std::next(it).base());
      return false;
    }
    it->ready.push_back(std::move(*made));
    w.bytes += it->instance_bytes;
    ready_.fetch_add(1, std::memory_order_relaxed);
    schedule(worker);
    return true;
  }
  return false;
}

void ReadyInstances::close(std::size_t worker) {
  Worker& w = workers_[worker];
  w.closed = true;
  for (const auto& shelf : w.shelves) forget(w, shelf);
  w.shelves.clear();
}

std::vector<ReadyInstances::Shelf>::iterator ReadyInstances::shelf_of(
    Worker& w, const std::shared_ptr<const engine::Module>& module) {
  return std::find_if(w.shelves.begin(), w.shelves.end(),
                      [&](const Shelf& shelf) { return shelf.module == module; });
}

void ReadyInstances::forget(Worker& w, const Shelf& shelf) {
  w.bytes -= shelf.ready.size() * shelf.instance_bytes;
  ready_.fetch_sub(shelf.ready.size(), std::memory_order_relaxed);
}

void ReadyInstances::schedule(std::size_t worker) {
  Worker& w = workers_[worker];
  if (w.refill_scheduled || w.closed) return;
  w.refill_scheduled = true;
  schedule_(worker);
}

}  // namespace wasmhive::actor
