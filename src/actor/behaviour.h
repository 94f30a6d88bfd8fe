// What a component runs: the contract between the actor around it (mailbox,
// scheduling, supervision, counters) and the code that handles its messages.
// A wasm instance (actor/wasm_behaviour.h) and a C++ handler (NativeBehaviour)
// implement it. Every call is made on the component's worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "abi/metadata.h"
#include "actor/message.h"
#include "actor/port.h"
#include "actor/spec.h"
#include "engine/engine.h"

namespace wasmhive::actor {

// Fuel a metered component used (ComponentLimits::fuel_per_call).
// Reading the figure costs more than metering a call, so it is measured
// for every failed call and for one in 64 of the others.
struct FuelUse {
  std::int64_t last_call = 0;  // by the latest call measured
  std::int64_t most = 0;       // by any one call measured since it was created
};

class Behaviour {
 public:
  virtual ~Behaviour() = default;

  // Makes it ready for messages (for wasm: instantiate, then init), with `port`
  // as what its code may call. On failure nothing of the attempt is kept.
  virtual Result<void> start(engine::Engine& engine, Port& port) = 0;
  // The port's current message: the handler's result (0: handled), or the
  // error that ended the call (a trap, a deadline): then discard() follows.
  virtual Result<std::int64_t> handle(Port& port) = 0;
  // False: callbacks for its requests are dead letters.
  virtual bool takes_callbacks() const = 0;
  virtual Result<std::int64_t> handle_callback(const Message& callback, Port& port) = 0;
  virtual bool has_shutdown() const = 0;
  virtual Result<void> shutdown(Port& port, std::chrono::nanoseconds timeout) = 0;
  // The optional health export: 0 healthy, 1 degraded, 2 unhealthy (while alive).
  virtual bool has_health() const = 0;
  virtual Result<std::int64_t> health(Port& port) = 0;
  // What its module says it is (docs/abi.md §9); null: nothing.
  virtual std::shared_ptr<const abi::Metadata> metadata() const { return nullptr; }
  // What its calls used of their fuel; none when they are not metered.
  virtual std::optional<FuelUse> fuel() const { return std::nullopt; }
  // True while it holds what start() built (an instance).
  virtual bool alive() const = 0;
  virtual void discard() = 0;
  // Hibernation (virtual components): what the instance holds between calls,
  // as a blob, and putting such a blob back into an instance start() just
  // made. Errors: invalid_argument where the behaviour was not made for it.
  virtual Result<std::vector<std::uint8_t>> save_state() {
    return make_error(Errc::invalid_argument, "this component cannot hibernate");
  }
  virtual Result<void> restore_state(std::span<const std::uint8_t>) {
    return make_error(Errc::invalid_argument, "this component cannot hibernate");
  }
};

// A component written in C++ (ComponentSpec::native): no instance, no sandbox,
// no callbacks.
class NativeBehaviour final : public Behaviour {
 public:
  explicit NativeBehaviour(NativeHandler handler) : handler_(std::move(handler)) {}

  Result<void> start(engine::Engine&, Port&) override { return {}; }
  Result<std::int64_t> handle(Port& port) override {
    return std::int64_t{handler_(port, *port.current_message())};
  }
  bool takes_callbacks() const override { return false; }
  Result<std::int64_t> handle_callback(const Message&, Port&) override { return std::int64_t{0}; }
  bool has_shutdown() const override { return false; }
  Result<void> shutdown(Port&, std::chrono::nanoseconds) override { return {}; }
  bool has_health() const override { return false; }
  Result<std::int64_t> health(Port&) override { return std::int64_t{0}; }
  // Nothing is built, so a stop or restart leaves its subscriptions alone.
  bool alive() const override { return false; }
  void discard() override {}

 private:
  NativeHandler handler_;
};

}  // namespace wasmhive::actor
