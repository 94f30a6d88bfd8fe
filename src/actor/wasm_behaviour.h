// A component's wasm side under ABI v1: one instance of its module, the
// exports it calls (handle_message, handle_callback, init, shutdown, health) and the
// optional inbox it fills before each call. Calls run under the component's
// call timeout.
#pragma once

#include <memory>
#include <optional>

#include "abi/inbox.h"
#include "actor/behaviour.h"

namespace wasmhive::actor {

class WasmBehaviour final : public Behaviour {
 public:
  WasmBehaviour(std::shared_ptr<const engine::Module> module,
                std::chrono::milliseconds call_timeout);

  Result<void> start(engine::Engine& engine, Port& port) override;
  Result<std::int64_t> handle(Port& port) override;
  bool takes_callbacks() const override { return instance_ && handle_callback_.has_value(); }
  Result<std::int64_t> handle_callback(const Message& callback, Port& port) override;
  bool has_shutdown() const override;
  Result<void> shutdown(std::chrono::nanoseconds timeout) override;
  bool has_health() const override { return module_->info().find_export("health") != nullptr; }
  Result<std::int64_t> health() override;
  std::shared_ptr<const abi::Metadata> metadata() const override { return metadata_; }
  bool alive() const override { return instance_ != nullptr; }
  void discard() override { instance_.reset(); }

 private:
  // Calls a delivery export, writing the current message into the inbox first.
  Result<std::int64_t> deliver(engine::ExportFunction function, std::span<const std::int64_t> args,
                               Port& port);

  const std::shared_ptr<const engine::Module> module_;
  const std::chrono::milliseconds call_timeout_;
  const std::shared_ptr<const abi::Metadata> metadata_;
  std::unique_ptr<engine::Instance> instance_;
  engine::ExportFunction handle_message_{};
  std::optional<engine::ExportFunction> handle_callback_;
  std::optional<abi::Inbox> inbox_;
};

}  // namespace wasmhive::actor
