#include "abi/host_bindings.h"

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

namespace wasmhive::abi {
namespace {

using engine::Caller;
using Args = std::span<const std::int64_t>;

// Guest i32s arrive sign-extended; pointers and lengths are unsigned.
std::uint32_t u32(std::int64_t v) {
  return static_cast<std::uint32_t>(v);
}

// The guest's (ptr, len) as a host view, or nothing if it leaves memory.
std::optional<Bytes> guest_bytes(const Caller& caller, std::int64_t ptr, std::int64_t len) {
  auto bytes = caller.memory().read(u32(ptr), u32(len));
  if (!bytes) return std::nullopt;
  return *bytes;
}

std::optional<std::string_view> guest_text(const Caller& caller, std::int64_t ptr,
                                           std::int64_t len) {
  auto bytes = guest_bytes(caller, ptr, len);
  if (!bytes) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

ComponentApi& api(const Caller& caller) {
  return caller.host_data<ComponentApi>();
}

// Copies `data` into the guest's (buf, cap); returns its length or an error code.
// The whole declared buffer must lie in memory, not just the bytes written.
std::int64_t copy_out(const Caller& caller, std::int64_t buf, std::int64_t cap, Bytes data) {
  auto destination = caller.memory().span(u32(buf), u32(cap));
  if (!destination) return kErrFault;
  if (data.size() > destination->size()) return kErrRange;
  if (!data.empty()) std::memcpy(destination->data(), data.data(), data.size());
  return static_cast<std::int64_t>(data.size());
}

Bytes as_bytes(std::string_view text) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

template <class Field>
engine::HostCallback copy_message_field(Field field) {
  return [field](Caller& caller, Args a) -> Result<std::int64_t> {
    const CurrentMessage* message = api(caller).current_message();
    if (!message) return std::int64_t{kErrState};
    return copy_out(caller, a[0], a[1], field(*message));
  };
}

// An import taking one (ptr, len) string and an optional trailing payload pair.
using TextCall = std::int64_t (*)(ComponentApi&, std::string_view);
using TextPayloadCall = std::int64_t (*)(ComponentApi&, std::string_view, Bytes);

engine::HostCallback text_call(TextCall call) {
  return [call](Caller& caller, Args a) -> Result<std::int64_t> {
    auto text = guest_text(caller, a[0], a[1]);
    if (!text) return std::int64_t{kErrFault};
    return call(api(caller), *text);
  };
}

engine::HostCallback text_payload_call(TextPayloadCall call) {
  return [call](Caller& caller, Args a) -> Result<std::int64_t> {
    auto text = guest_text(caller, a[0], a[1]);
    auto payload = guest_bytes(caller, a[2], a[3]);
    if (!text || !payload) return std::int64_t{kErrFault};
    return call(api(caller), *text, *payload);
  };
}

engine::HostCallback callback_for(std::string_view name) {
  if (name == "msg_sender")
    return copy_message_field([](const CurrentMessage& m) { return as_bytes(m.sender); });
  if (name == "msg_topic")
    return copy_message_field([](const CurrentMessage& m) { return as_bytes(m.topic); });
  if (name == "msg_payload")
    return copy_message_field([](const CurrentMessage& m) { return m.payload; });
  if (name == "msg_kind")
    return [](Caller& caller, Args) -> Result<std::int64_t> {
      const CurrentMessage* message = api(caller).current_message();
      return message ? std::int64_t{message->kind} : std::int64_t{kErrState};
    };
  if (name == "send")
    return text_payload_call(
        [](ComponentApi& a, std::string_view t, Bytes p) -> std::int64_t { return a.send(t, p); });
  if (name == "broadcast")
    return text_payload_call([](ComponentApi& a, std::string_view t, Bytes p) -> std::int64_t {
      return a.broadcast(t, p);
    });
  if (name == "publish")
    return text_payload_call([](ComponentApi& a, std::string_view t, Bytes p) -> std::int64_t {
      return a.publish(t, p);
    });
  if (name == "request")
    return [](Caller& caller, Args a) -> Result<std::int64_t> {
      auto target = guest_text(caller, a[0], a[1]);
      auto payload = guest_bytes(caller, a[2], a[3]);
      if (!target || !payload) return std::int64_t{kErrFault};
      return api(caller).request(*target, *payload, a[4]);
    };
  if (name == "reply")
    return [](Caller& caller, Args a) -> Result<std::int64_t> {
      auto payload = guest_bytes(caller, a[0], a[1]);
      if (!payload) return std::int64_t{kErrFault};
      return api(caller).reply(*payload);
    };
  if (name == "cancel")
    return [](Caller& caller, Args a) -> Result<std::int64_t> { return api(caller).cancel(a[0]); };
  if (name == "subscribe")
    return text_call(
        [](ComponentApi& a, std::string_view t) -> std::int64_t { return a.subscribe(t); });
  if (name == "unsubscribe")
    return text_call(
        [](ComponentApi& a, std::string_view t) -> std::int64_t { return a.unsubscribe(t); });
  if (name == "self_id")
    return [](Caller& caller, Args a) -> Result<std::int64_t> {
      return copy_out(caller, a[0], a[1], as_bytes(api(caller).self_id()));
    };
  if (name == "log")
    return [](Caller& caller, Args a) -> Result<std::int64_t> {
      if (a[0] < kTrace || a[0] > kError) return std::int64_t{kErrInvalid};
      auto text = guest_text(caller, a[1], a[2]);
      if (!text) return std::int64_t{kErrFault};
      return api(caller).log(static_cast<LogLevel>(a[0]), *text);
    };
  if (name == "now_ms")
    return [](Caller& caller, Args) -> Result<std::int64_t> { return api(caller).now_ms(); };
  if (name == "monotonic_ns")
    return [](Caller& caller, Args) -> Result<std::int64_t> { return api(caller).monotonic_ns(); };
  return nullptr;
}

engine::HostFunctions build_host_functions() {
  engine::HostFunctions functions;
  for (const auto& spec : imports()) {
    auto added = functions.add(
        {std::string(kImportModule), std::string(spec.name), spec.type, callback_for(spec.name)});
    // Every ABI import has a binding; a gap is a programming error caught by the tests.
    if (!added) std::abort();
  }
  return functions;
}

}  // namespace

const engine::HostFunctions& host_functions() {
  static const engine::HostFunctions functions = build_host_functions();
  return functions;
}

}  // namespace wasmhive::abi
