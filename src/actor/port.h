// What a component sees of the runtime around it, in two small interfaces.
//
// Port: the component's one door to other components. The router hands each
// component its own (messaging/component_port.h); it implements what the
// guest may ask (abi::ComponentApi) and takes what the component reports
// about the message it handles. Nothing else reaches out of a component.
//
// Lifecycle: what supervision and the host's event stream need to hear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "abi/component_api.h"
#include "abi/outbox.h"
#include "actor/event.h"
#include "actor/message.h"
#include "util/result.h"

namespace wasmhive::actor {

class Component;

// What a component keeps in storage, as of its latest commit.
struct StorageUse {
  std::uint64_t bytes = 0;  // keys and values together
  std::uint64_t keys = 0;
};

class Port : public abi::ComponentApi {
 public:
  // A call begins: the component starts handling `message` (the guest's
  // current message), or, without one, runs init, shutdown or health.
  virtual void begin(const Message& message) = 0;
  virtual void begin_call() = 0;
  // The call ended. `kept` (it returned 0): its storage writes, held output
  // and timers stay for the turn's commit; otherwise they vanish. A request
  // still owed an answer gets `unanswered`.
  virtual void end(abi::CallbackStatus unanswered, bool kept) = 0;
  // The turn is over: its writes are committed together, then the output they
  // held back leaves. On a failed commit all of it is dropped and the error
  // returned (the instance's memory no longer matches its storage).
  virtual Result<void> flush() = 0;
  // A message that will not be handled, recorded with `reason`.
  virtual void dead_letter(const Message& message, std::string reason) = 0;
  // A message whose handling began (begin()) and failed, recorded with
  // `reason`: it was taken already, so it counts against no quota again.
  virtual void failed(const Message& message, std::string reason) = 0;
  // The same, and a request among them is answered with `answer`.
  virtual void refuse(const Message& message, std::string reason, abi::CallbackStatus answer) = 0;
  // The instance is gone (failed or stopped): what belonged to it goes too
  // (subscriptions). Messages and the name stay.
  virtual void instance_gone() = 0;
  // The component is removed for good: its outstanding requests are forgotten.
  virtual void retire() = 0;
  // Its send_after timers made, armed, or fired and still queued (any thread).
  virtual std::size_t pending_timers() const = 0;
  // Its requests still waiting for their answer (any thread).
  virtual std::int64_t outstanding_requests() const = 0;
  // Any thread. Known once it has used its storage in this process: storage
  // is counted on the worker, never read from the store for a reader.
  virtual std::optional<StorageUse> storage_use() const { return std::nullopt; }

  // The outbox of the instance behind it (worker thread only): set by every
  // start of an instance, to nothing if it announced none.
  void set_outbox(std::optional<abi::Outbox> outbox) { outbox_ = outbox; }
  const abi::Outbox* outbox() const override { return outbox_ ? &*outbox_ : nullptr; }

 private:
  std::optional<abi::Outbox> outbox_;
};

class Lifecycle {
 public:
  virtual ~Lifecycle() = default;
  // On the component's worker, after its instance was discarded.
  virtual void failed(Component& component, const Error& error) = 0;
  // The component has messages and is not yet queued on its worker.
  virtual void schedule(Component& component) = 0;
  virtual void emit(Event event) = 0;
  // A virtual component's turn left its mailbox empty (its worker's thread).
  virtual void went_idle(Component&) {}
};

}  // namespace wasmhive::actor
