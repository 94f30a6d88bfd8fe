// A ComponentApi that refuses everything: what an instance is bound to while
// no component owns it.
#pragma once

#include "abi/component_api.h"

namespace wasmhive::abi {

// A context whose every call is refused. An instance is bound to one while
// none of its code may run (a check of instantiation, an instance made ahead
// of the component it will be rebound to), since the imports need one to
// bind to.
class RefusingApi final : public ComponentApi {
 public:
  const CurrentMessage* current_message() const override { return nullptr; }
  std::string_view self_id() const override { return {}; }
  std::int32_t send(std::string_view, Bytes) override { return kErrUnsupported; }
  std::int64_t request(std::string_view, Bytes, std::int64_t) override { return kErrUnsupported; }
  std::int32_t reply(Bytes) override { return kErrUnsupported; }
  std::int32_t cancel(std::int64_t) override { return kErrUnsupported; }
  std::int32_t broadcast(std::string_view, Bytes) override { return kErrUnsupported; }
  std::int32_t publish(std::string_view, Bytes) override { return kErrUnsupported; }
  std::int32_t subscribe(std::string_view) override { return kErrUnsupported; }
  std::int32_t unsubscribe(std::string_view) override { return kErrUnsupported; }
  std::int32_t log(LogLevel, std::string_view) override { return kErrUnsupported; }
  std::int64_t now_ms() override { return kErrUnsupported; }
  std::int64_t monotonic_ns() override { return kErrUnsupported; }
  void undeliverable(OutboxOp, std::string_view, std::size_t, std::int32_t) override {}
};

}  // namespace wasmhive::abi
