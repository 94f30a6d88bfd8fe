// A ComponentApi that accepts everything and remembers nothing: the fuzz
// targets exercise decoding, not delivery.
#pragma once

#include "abi/component_api.h"

namespace wasmhive::fuzzing {

class NullApi : public abi::ComponentApi {
 public:
  NullApi() {
    static const std::uint8_t payload[] = {'p', 'a', 'y', 'l', 'o', 'a', 'd'};
    message_ = {abi::kKindRequest, "fuzz/sender", "fuzz.topic",
                abi::Bytes(payload, sizeof payload)};
  }
  const abi::CurrentMessage* current_message() const override { return &message_; }
  std::string_view self_id() const override { return "fuzz/self"; }
  std::int32_t send(std::string_view, abi::Bytes) override { return abi::kOk; }
  std::int64_t request(std::string_view, abi::Bytes, std::int64_t) override { return 1; }
  std::int32_t reply(abi::Bytes) override { return abi::kOk; }
  std::int32_t cancel(std::int64_t) override { return abi::kErrNotFound; }
  std::int32_t broadcast(std::string_view, abi::Bytes) override { return 0; }
  std::int32_t publish(std::string_view, abi::Bytes) override { return 0; }
  std::int32_t subscribe(std::string_view) override { return abi::kOk; }
  std::int32_t unsubscribe(std::string_view) override { return abi::kOk; }
  std::int32_t log(abi::LogLevel, std::string_view) override { return abi::kOk; }
  std::int64_t now_ms() override { return 0; }
  std::int64_t monotonic_ns() override { return 0; }
  void undeliverable(abi::OutboxOp, std::string_view, std::size_t, std::int32_t) override {}

 private:
  abi::CurrentMessage message_;
};

}  // namespace wasmhive::fuzzing
