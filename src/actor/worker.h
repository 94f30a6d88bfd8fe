// A worker: one engine (V8 isolate) and the components pinned to it. It runs
// posted tasks (start, stop, restart) first, then gives each ready component a
// turn of at most `turn_budget` messages, round robin, so one flooded
// component cannot starve the others. Work that can wait (making instances
// ahead of need) runs only when there is nothing else.
//
// Two ways to run: on a thread of its own (start(): it sleeps when idle), or
// stepped (stepped(): nothing runs until the thread that made it calls step()),
// for tests that drive workers and a ManualClock together, one message at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/engine.h"

namespace wasmhive::actor {

class Component;

class Worker {
 public:
  using Task = std::function<void(engine::Engine&)>;

  // Starts the thread and creates its engine there.
  static Result<std::unique_ptr<Worker>> start(std::size_t index,
                                               std::shared_ptr<engine::ModuleCache> cache,
                                               std::size_t turn_budget);
  // Creates its engine on the calling thread, which alone may step() it.
  static Result<std::unique_ptr<Worker>> stepped(std::size_t index,
                                                 std::shared_ptr<engine::ModuleCache> cache,
                                                 std::size_t turn_budget);
  ~Worker();  // finishes queued tasks, then stops the thread
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  std::size_t index() const { return index_; }
  // Any thread: running a task or a component's turn right now.
  bool busy() const { return busy_.load(std::memory_order_relaxed); }
  void post(Task task);
  // Runs `task` once the worker has had no task and no ready component for
  // kIdleQuiet (a stepped worker: once it has none); dropped if the worker
  // stops first. The quiet keeps it out of the gaps inside a burst of work,
  // such as the hand-offs between spawns. Keep each short: what comes
  // meanwhile waits for it.
  void when_idle(Task task);
  static constexpr std::chrono::microseconds kIdleQuiet{500};
  // Runs `task` on the worker and waits for its result (a stepped worker runs
  // it at once, on the calling thread, which must be its own).
  template <class F>
  auto call(F task) -> std::invoke_result_t<F, engine::Engine&> {
    if (stepped_engine_) return task(*stepped_engine_);
    using R = std::invoke_result_t<F, engine::Engine&>;
    auto promise = std::make_shared<std::promise<R>>();
    auto future = promise->get_future();
    post([promise, task = std::move(task)](engine::Engine& engine) mutable {
      promise->set_value(task(engine));
    });
    return future.get();
  }
  // Queues a component whose mailbox became ready (and is now scheduled). The
  // queue does not own it: a component leaves through forget() before it is
  // freed (Host::remove), and the host outlives what its workers hold.
  void enqueue(Component& component);
  // On this worker's thread (a task): drops `component` from the ready queue.
  // Its mailbox must be closed already, so it cannot come back.
  void forget(const Component& component);
  // From any thread: interrupts the guest call running on this worker, if any.
  void interrupt();
  // From any thread: no component gets another turn; tasks still run. For a
  // shutdown past its deadline.
  void hold_turns();

  // Stepped workers only, on their own thread: runs one task, or one message
  // of the first ready component. False if there was nothing to run.
  bool step();

 private:
  Worker(std::size_t index, std::size_t turn_budget) : index_(index), turn_budget_(turn_budget) {}
  void run(std::shared_ptr<engine::ModuleCache> cache, std::promise<Result<void>>& ready);
  // Takes the next task or ready component, if any (the caller holds mutex_).
  bool take(Task& task, Component*& component);
  bool has_work() const {
    return stopping_ || !tasks_.empty() || (!ready_.empty() && !turns_held_);
  }
  void run_turn(Component& component, std::size_t budget);

  const std::size_t index_;
  const std::size_t turn_budget_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  std::deque<Component*> ready_;  // not owned: see enqueue()
  std::deque<Task> idle_;
  bool stopping_ = false;
  bool turns_held_ = false;
  std::atomic<bool> busy_{false};
  engine::Engine* engine_ = nullptr;  // guarded by mutex_: interrupt() reaches it from outside
  std::unique_ptr<engine::Engine> stepped_engine_;  // a stepped worker's, owned here
  std::thread thread_;
};

}  // namespace wasmhive::actor
