// One component's port: the object behind its guest's imports (ABI v1's
// ComponentApi) and behind what the component reports about the calls it
// makes. It calls the router directly; it is the only way out of a component.
//
// It also keeps the component's call transactions: its storage writes
// (storage::ComponentStorage), the output they hold back (OutputGate) and the
// timers a call makes take effect when the call returns 0 and the turn's
// writes commit.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "actor/port.h"
#include "messaging/output_gate.h"
#include "messaging/router.h"
#include "messaging/self_timers.h"
#include "messaging/send_quota.h"
#include "storage/component_storage.h"

namespace wasmhive::messaging {

class ComponentPort final : public actor::Port {
 public:
  ComponentPort(Router& router, actor::Component& owner);

  // ---- the component's side ----
  void begin(const actor::Message& message) override;
  void begin_call() override;
  void end(abi::CallbackStatus unanswered, bool kept) override;
  Result<void> flush() override;
  void dead_letter(const actor::Message& message, std::string reason) override;
  void failed(const actor::Message& message, std::string reason) override;
  void refuse(const actor::Message& message, std::string reason,
              abi::CallbackStatus answer) override;
  void instance_gone() override;
  void retire() override;
  std::size_t pending_timers() const override { return timers_.pending(); }

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
  std::int32_t storage_get(std::string_view key, std::string& value) override;
  std::int32_t storage_exists(std::string_view key) override;
  std::int32_t storage_set(std::string_view key, abi::Bytes value) override;
  std::int32_t storage_delete(std::string_view key) override;
  std::int32_t storage_list(std::string_view prefix, std::string_view after, std::size_t limit,
                            std::vector<std::string>& keys) override;
  std::int64_t storage_usage(abi::UsageField field) override;
  std::int64_t send_after(std::int64_t delay_ms, abi::Bytes payload) override;
  std::int32_t cancel_timer(std::int64_t id) override;
  std::int32_t config_get(std::string_view key, std::string_view& value) override;
  void undeliverable(abi::OutboxOp op, std::string_view name, std::size_t payload_size,
                     std::int32_t code) override;

  std::int64_t outstanding_requests() const override { return outstanding_.load(); }
  std::optional<actor::StorageUse> storage_use() const override;

 private:
  bool owes_reply() const;
  // The trace of the message being handled; untraced between messages (init,
  // health, shutdown).
  const Trace& handling() const;
  bool trusted() const;
  Completion completion_for(std::string_view target);
  // Storage writes of this call or turn wait for their commit.
  bool uncommitted() const;
  // The gate while what the component sends is held (writes wait to
  // commit, or it may write); null: it leaves at once.
  OutputGate* holding();
  // How the next message leaves: through the gate while it holds (above),
  // with its trace and id.
  Route route();
  // Null, with `rc` set, unless storage exists and `access` is granted.
  storage::ComponentStorage* storage_for(security::StorageAccess access, std::int32_t& rc);
  // What the gate holds leaves now (Router::release).
  void release_held();
  // Drops what the gate held (see Router::drop); requests among it are cancelled.
  void drop(std::vector<HeldOutput> held, std::string_view why);
  SelfTimers::Fire timer_delivery();
  // kOk, or kErrLimit past its send rate (SendQuota): then each of `targets`
  // gets a dead letter of `kind` (but a reply), and the first refusal in a
  // second is audited.
  std::int32_t within_rate(std::span<const std::string_view> targets, abi::MessageKind kind,
                           std::size_t payload_bytes);

  Router& router_;
  actor::Component& owner_;
  const Sender sender_;
  RouteMemo memo_;       // worker thread only
  TraceIds::Block ids_;  // worker thread only: ids of the messages it sends
  // Worker thread only: the trace route() gave the latest message, which an
  // outbox record's refusal (undeliverable()) was logged with.
  Trace last_route_{};
  std::atomic<std::int64_t> outstanding_{0};
  // The message being handled (worker thread only).
  const actor::Message* message_ = nullptr;
  abi::CurrentMessage current_;
  bool replied_ = false;
  // The call transaction (worker thread only, but for the timers' firing).
  std::unique_ptr<storage::ComponentStorage> storage_;  // null: no store
  // Its usage as of the latest commit, for readers on other threads; bytes
  // is -1 until the worker has read it.
  std::atomic<std::int64_t> stored_bytes_{-1}, stored_keys_{0};
  // May write storage: then every call's output waits for the call's end (and
  // for the commit, if it wrote), so a call that fails sends nothing.
  const bool holds_every_call_;
  OutputGate gate_;
  SelfTimers timers_;
  SendQuota quota_;  // worker thread only
};

}  // namespace wasmhive::messaging
