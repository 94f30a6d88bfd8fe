// Test helpers: the guest modules the build produced, and a ComponentApi that
// records what a guest asked for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abi/component_api.h"

namespace wasmhive::testing {

// Bytes of ${build}/guests/<name>.wasm; fails the test if missing.
std::vector<std::uint8_t> guest_bytes(const std::string& name);
std::string guest_path(const std::string& name);

std::vector<std::uint8_t> to_bytes(std::string_view text);
std::string to_string(abi::Bytes bytes);

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
