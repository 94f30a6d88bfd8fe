// One component's port: the object behind its guest's imports (ABI v1's
// ComponentApi) and behind what the component reports about the message it
// handles. It calls the router directly; it is the only way out of a component.
#pragma once

#include <atomic>
#include <cstdint>

#include "actor/port.h"
#include "messaging/router.h"

namespace wasmhive::messaging {

class ComponentPort final : public actor::Port {
 public:
  ComponentPort(Router& router, actor::Component& owner);

  // ---- the component's side ----
  void begin(const actor::Message& message) override;
  void end(abi::CallbackStatus unanswered) override;
  void dead_letter(const actor::Message& message, std::string reason) override;
  void refuse(const actor::Message& message, std::string reason) override;
  void instance_gone() override;
  void retire() override;

  // ---- the guest's side (abi::ComponentApi) ----
  const abi::CurrentMessage* current_message() const override;
  std::string_view self_id() const override;
  std::int32_t send(std::string_view target, abi::Bytes payload) override;
  std::int64_t request(std::string_view target, abi::Bytes payload,
                       std::int64_t timeout_ms) override;
  std::int32_t reply(abi::Bytes payload) override;
  std::int32_t cancel(std::int64_t correlation_id) override;
  std::int32_t broadcast(std::string_view targets, abi::Bytes payload) override;
  std::int32_t publish(std::string_view topic, abi::Bytes payload) override;
  std::int32_t subscribe(std::string_view pattern) override;
  std::int32_t unsubscribe(std::string_view pattern) override;
  std::int32_t log(abi::LogLevel level, std::string_view line) override;
  std::int64_t now_ms() override;
  std::int64_t monotonic_ns() override;

  std::int64_t outstanding_requests() const { return outstanding_.load(); }

 private:
  bool owes_reply() const;
  bool trusted() const;
  Completion completion_for(std::string_view target);

  Router& router_;
  actor::Component& owner_;
  const Sender sender_;
  RouteMemo memo_;  // worker thread only
  std::atomic<std::int64_t> outstanding_{0};
  // The message being handled (worker thread only).
  const actor::Message* message_ = nullptr;
  abi::CurrentMessage current_;
  bool replied_ = false;
};

}  // namespace wasmhive::messaging
