// Test helpers: the guest modules the build produced, modules assembled by a
// test, and a ComponentApi that records what a guest asked for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abi/component_api.h"
#include "engine/engine.h"

namespace wasmhive::testing {

// Bytes of ${build}/guests/<name>.wasm; fails the test if missing.
std::vector<std::uint8_t> guest_bytes(const std::string& name);
std::string guest_path(const std::string& name);

std::vector<std::uint8_t> to_bytes(std::string_view text);
// Appends `value` as an unsigned LEB128, as wasm writes sizes and indices.
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value);
std::string to_string(abi::Bytes bytes);

// What the runtime does after every call of an instance that announced an
// outbox (docs/abi.md §2): sends what its guest queued through `api`. For
// tests that call an instance's exports themselves.
Result<void> send_queued(engine::Instance& instance, abi::ComponentApi& api);

// Assembles a small module inside a test, for code no prebuilt guest has:
// function imports, functions written as instruction bytes, optionally a memory
// exported as "memory". Functions are numbered imports first, in the order added.
class ModuleBuilder {
 public:
  // Add every import before the first function, so indices stay as returned.
  std::uint32_t import(std::string module, std::string name, engine::FuncType type);
  // `code` is the body after its (empty) locals, ending with 0x0b (end). An
  // empty `export_name` keeps the function private.
  std::uint32_t function(std::string export_name, engine::FuncType type,
                         std::vector<std::uint8_t> code);
  void memory(std::uint32_t min_pages) { memory_pages_ = min_pages; }
  std::vector<std::uint8_t> bytes() const;

 private:
  struct Import {
    std::string module, name;
    engine::FuncType type;
  };
  struct Function {
    std::string export_name;
    engine::FuncType type;
    std::vector<std::uint8_t> code;
  };
  std::vector<Import> imports_;
  std::vector<Function> functions_;
  std::optional<std::uint32_t> memory_pages_;
};

// Records every host call a guest makes; answers with configurable results.
class RecordingApi : public abi::ComponentApi {
 public:
  struct Call {
    std::string function;
    std::string target;  // target, topic or targets list
    std::string payload;
    std::int64_t number = 0;  // timeout, correlation id or log level
  };

  explicit RecordingApi(std::string self = "test/self") : self_(std::move(self)) {}

  // Sets the message the guest sees as current (null: none).
  void set_message(abi::MessageKind kind, std::string sender, std::string payload,
                   std::string topic = {});
  void clear_message() { has_message_ = false; }

  const abi::CurrentMessage* current_message() const override;
  std::string_view self_id() const override { return self_; }
  std::int32_t send(std::string_view target, abi::Bytes payload) override;
  std::int64_t request(std::string_view target, abi::Bytes payload,
                       std::int64_t timeout_ms) override;
  std::int32_t reply(abi::Bytes payload) override;
  std::int32_t cancel(std::int64_t correlation_id) override;
  std::int32_t broadcast(std::string_view targets, abi::Bytes payload) override;
  std::int32_t publish(std::string_view topic, abi::Bytes payload) override;
  std::int32_t subscribe(std::string_view topic) override;
  std::int32_t unsubscribe(std::string_view topic) override;
  std::int32_t log(abi::LogLevel level, std::string_view message) override;
  std::int64_t now_ms() override { return 1234; }
  std::int64_t monotonic_ns() override { return 5678; }
  // Recorded as a call "undeliverable" with the refused op's name as target
  // and the code as number.
  void undeliverable(abi::OutboxOp op, std::string_view name, std::size_t payload_size,
                     std::int32_t code) override;

  std::vector<Call> calls;
  std::int64_t next_correlation_id = 41;

 private:
  std::int32_t record(std::string function, std::string_view target, abi::Bytes payload,
                      std::int64_t number = 0);

  std::string self_;
  bool has_message_ = false;
  std::string sender_, payload_, topic_;
  abi::CurrentMessage message_;
};

}  // namespace wasmhive::testing
