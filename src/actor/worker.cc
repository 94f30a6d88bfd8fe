#include "actor/worker.h"

#include "actor/component.h"

namespace wasmhive::actor {

Result<std::unique_ptr<Worker>> Worker::start(std::size_t index,
                                              std::shared_ptr<engine::ModuleCache> cache,
                                              std::size_t turn_budget) {
  std::unique_ptr<Worker> worker(new Worker(index, turn_budget));
  std::promise<Result<void>> ready;
  auto started = ready.get_future();
  worker->thread_ = std::thread([w = worker.get(), cache, &ready] { w->run(cache, ready); });
  if (auto ok = started.get(); !ok) {
    worker->thread_.join();
    return ok.error();
  }
  return worker;
}

Result<std::unique_ptr<Worker>> Worker::stepped(std::size_t index,
                                                std::shared_ptr<engine::ModuleCache> cache,
                                                std::size_t turn_budget) {
  std::unique_ptr<Worker> worker(new Worker(index, turn_budget));
  // Not dedicated: several stepped engines share the test's thread.
  auto created = engine::create_engine({.cache = std::move(cache)});
  if (!created) return created.error();
  worker->stepped_engine_ = std::move(*created);
  worker->engine_ = worker->stepped_engine_.get();
  return worker;
}

Worker::~Worker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (stepped_engine_)
    while (step()) {
    }
  std::lock_guard lock(mutex_);
  engine_ = nullptr;
}

void Worker::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void Worker::when_idle(Task task) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void Worker::enqueue(Component& component) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(&component);
  }
  wake_.notify_one();
}

void Worker::forget(const Component& component) {
  std::lock_guard lock(mutex_);
  std::erase(ready_, &component);
}

bool Worker::take(Task& task, Component*& component) {
  if (!tasks_.empty()) {
    task = std::move(tasks_.front());
    tasks_.pop_front();
    return true;
  }
  if (!ready_.empty() && !turns_held_) {
    component = ready_.front();
    ready_.pop_front();
    return true;
  }
  return false;
}

void Worker::run(std::shared_ptr<engine::ModuleCache> cache, std::promise<Result<void>>& ready) {
  auto created = engine::create_engine({.cache = std::move(cache)});
  if (!created) {
    ready.set_value(created.error());
    return;
  }
  std::unique_ptr<engine::Engine> engine = std::move(*created);
  engine->dedicate_thread();  // this thread runs nothing else
  ready.set_value({});

  std::unique_lock lock(mutex_);
  engine_ = engine.get();
  while (true) {
    Task task;
    Component* component = nullptr;
    if (idle_.empty()) wake_.wait(lock, [&] { return has_work() || !idle_.empty(); });
    // Only work that can wait: it runs once nothing else came for kIdleQuiet.
    if (!has_work() && !wake_.wait_for(lock, kIdleQuiet, [&] { return has_work(); })) {
      task = std::move(idle_.front());
      idle_.pop_front();
    }
    if (!task && !take(task, component)) break;  // stopping, and nothing left
    lock.unlock();
    busy_.store(true, std::memory_order_relaxed);
    if (task)
      task(*engine);
    else
      run_turn(*component, turn_budget_);
    busy_.store(false, std::memory_order_relaxed);
    lock.lock();
  }
  engine_ = nullptr;
}

bool Worker::step() {
  Task task;
  Component* component = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!take(task, component)) {
      if (idle_.empty() || stopping_) return false;
      task = std::move(idle_.front());
      idle_.pop_front();
    }
  }
  busy_.store(true, std::memory_order_relaxed);
  if (task)
    task(*stepped_engine_);
  else
    run_turn(*component, 1);
  busy_.store(false, std::memory_order_relaxed);
  return true;
}

void Worker::hold_turns() {
  std::lock_guard lock(mutex_);
  turns_held_ = true;
}

void Worker::interrupt() {
  std::lock_guard lock(mutex_);
  if (engine_) engine_->interrupt();
}

void Worker::run_turn(Component& component, std::size_t budget) {
  if (component.run_turn(budget)) {
    enqueue(component);  // more to do: back of the line, after the others
    return;
  }
  if (component.end_turn()) enqueue(component);
}

}  // namespace wasmhive::actor
