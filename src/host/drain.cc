#include "host/drain.h"

#include <spdlog/logger.h>

#include <algorithm>

#include "actor/component.h"

namespace wasmhive::host {

void call_shutdown_within(actor::Component& component, std::chrono::nanoseconds budget,
                          spdlog::logger& logger) {
  if (!component.has_shutdown_export()) return;
  if (budget <= budget.zero())
    logger.warn("{}: shutdown export not called: the drain deadline passed", component.name());
  else if (auto called = component.call_shutdown(budget); !called)
    logger.warn("{}: shutdown export failed: {}", component.name(), called.error().describe());
}

void DrainDeadline::start(std::chrono::milliseconds drain) {
  std::lock_guard lock(mutex_);
  deadline_ = std::chrono::steady_clock::now() + (hurried_ ? drain.zero() : drain);
}

void DrainDeadline::hurry() {
  std::lock_guard lock(mutex_);
  hurried_ = true;
  deadline_ = std::min(deadline_, std::chrono::steady_clock::now());
}

DrainDeadline::Time DrainDeadline::deadline() const {
  std::lock_guard lock(mutex_);
  return deadline_;
}

DrainWatchdog::DrainWatchdog(std::function<void()> tick)
    : thread_([this, tick = std::move(tick)] {
        std::unique_lock lock(mutex_);
        while (!done_.wait_for(lock, kInterval, [&] { return finished_; })) tick();
      }) {}

DrainWatchdog::~DrainWatchdog() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  done_.notify_all();
  thread_.join();
}

}  // namespace wasmhive::host
