// A component's wasm side under ABI v1: one instance of its module, the
// exports it calls (handle_message, handle_callback, init, shutdown, health) and the
// optional inbox it fills before each call. Calls run under the component's
// call timeout.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "abi/inbox.h"
#include "abi/outbox.h"
#include "actor/behaviour.h"
#include "actor/instance_pool.h"
#include "actor/ready_instances.h"
#include "hibernation/base_image.h"

namespace wasmhive::actor {

// Where a spawned component's instances come from when made ahead of need.
struct ReadySource {
  std::shared_ptr<ReadyInstances> instances;  // null: always instantiate
  std::size_t worker = 0;                     // the component's
};

class WasmBehaviour final : public Behaviour {
 public:
  // What a template's instances share. Its module was rewritten to export its
  // mutable globals (hibernation/module_globals.h).
  struct Template {
    std::shared_ptr<hibernation::BaseImage> base;
    std::shared_ptr<InstancePool> pool;  // null: the module cannot be reused
    std::size_t worker = 0;              // the component's: its shelf of the pool
    bool hibernates = false;
  };

  using Ready = ReadySource;

  // What bounds each of its export calls (ComponentLimits).
  struct CallLimits {
    std::chrono::milliseconds timeout{};
    std::int64_t fuel = 0;  // 0: unmetered

    static CallLimits of(const ComponentLimits& limits) {
      return {.timeout = limits.call_timeout, .fuel = limits.fuel_per_call};
    }
  };

  WasmBehaviour(std::shared_ptr<const engine::Module> module, CallLimits limits,
                std::optional<Template> of_template = std::nullopt, Ready ready = {});

  Result<void> start(engine::Engine& engine, Port& port) override;
  Result<std::int64_t> handle(Port& port) override;
  bool takes_callbacks() const override { return instance_ && handle_callback_.has_value(); }
  Result<std::int64_t> handle_callback(const Message& callback, Port& port) override;
  bool has_shutdown() const override;
  Result<void> shutdown(Port& port, std::chrono::nanoseconds timeout) override;
  bool has_health() const override { return module_->info().find_export("health") != nullptr; }
  Result<std::int64_t> health(Port& port) override;
  std::shared_ptr<const abi::Metadata> metadata() const override { return metadata_; }
  std::optional<FuelUse> fuel() const override;
  bool alive() const override { return instance_ != nullptr; }
  // A healthy instance of a pooled template goes back to the pool, reset.
  void discard() override;
  Result<std::vector<std::uint8_t>> save_state() override;
  Result<void> restore_state(std::span<const std::uint8_t> blob) override;

 private:
  // A reset instance from the template's pool, a ready one, or a new one
  // (whose first memory and globals become the template's base image).
  Result<std::unique_ptr<engine::Instance>> make_instance(engine::Engine& engine, Port& port);
  bool can_hibernate() const {
    return instance_ && template_ && template_->hibernates && template_->base->get();
  }
  // Memory and globals back to the base image; false if it cannot be.
  bool reset(engine::Instance& instance);
  Result<std::vector<std::uint64_t>> read_globals(engine::Instance& instance);
  // After a call of `instance`: what it queued in its outbox is sent, whatever
  // the call's outcome. Like an import send made before a trap, a queued
  // message leaves unless the port holds the call's output (and drops it, the
  // call having failed). A failure is noted: a failed instance is never reused.
  Result<std::int64_t> sent(engine::Instance& instance, Result<std::int64_t> result, Port& port);
  // Calls a delivery export, writing the current message into the inbox first.
  Result<std::int64_t> deliver(engine::ExportFunction function, std::span<const std::int64_t> args,
                               Port& port);

  const std::shared_ptr<const engine::Module> module_;
  engine::CallOptions call_options(
      std::chrono::nanoseconds timeout = std::chrono::nanoseconds::max()) const;
  // Records what a metered call used, and says it in a failed call's error.
  void note_fuel(engine::Instance& instance, Result<std::int64_t>& result);
  static constexpr std::uint64_t kFuelSampleEvery = 64;

  const CallLimits limits_;
  const std::shared_ptr<const abi::Metadata> metadata_;
  const std::optional<Template> template_;
  const Ready ready_;
  const std::vector<std::string> saved_globals_;  // export names, in module order
  std::unique_ptr<engine::Instance> instance_;
  bool failed_ = false;  // a call of this instance failed
  engine::ExportFunction handle_message_{};
  std::optional<engine::ExportFunction> handle_callback_;
  std::optional<abi::Inbox> inbox_;
  // Fuel of metered calls; read by status() from any thread.
  std::uint64_t calls_ = 0;  // metered calls that succeeded (worker thread)
  std::atomic<std::int64_t> fuel_last_{0};
  std::atomic<std::int64_t> fuel_most_{0};
};

}  // namespace wasmhive::actor
