// How a shutdown keeps its deadline: the deadline itself (which a second
// signal can move to now), and a watchdog that, past it, interrupts whatever
// call is still running. Real time: it bounds how long a process takes to stop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace spdlog {
class logger;
}

namespace wasmhive::actor {
class Component;
}

namespace wasmhive::host {

class DrainDeadline {
 public:
  using Time = std::chrono::steady_clock::time_point;

  // The shutdown starts: `drain` from now, or now if it was hurried already.
  void start(std::chrono::milliseconds drain);
  // From any thread: the deadline is now.
  void hurry();
  Time deadline() const;
  bool passed() const { return std::chrono::steady_clock::now() >= deadline(); }
  std::chrono::nanoseconds left() const { return deadline() - std::chrono::steady_clock::now(); }

 private:
  mutable std::mutex mutex_;
  Time deadline_ = Time::max();
  bool hurried_ = false;
};

// Runs the component's shutdown export, if it has one, within `budget` (on
// its worker): a budget already spent, or a failing export, is logged and
// does not stop the stop.
void call_shutdown_within(actor::Component& component, std::chrono::nanoseconds budget,
                          spdlog::logger& logger);

// Calls `tick` every kInterval until it is destroyed. An interrupt reaches only
// the call running at that moment, so it is repeated.
class DrainWatchdog {
 public:
  static constexpr auto kInterval = std::chrono::milliseconds(5);

  explicit DrainWatchdog(std::function<void()> tick);
  ~DrainWatchdog();
  DrainWatchdog(const DrainWatchdog&) = delete;
  DrainWatchdog& operator=(const DrainWatchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace wasmhive::host
