// The ABI v1 imports: one table row per import (name, type, binding). The
// import list that validation checks (abi::imports) and the host functions an
// instance is linked with (abi::host_functions) are both read from it, so an
// import cannot be declared without a binding or bound under another type.
#include "abi/host_bindings.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "abi/outbox.h"

namespace wasmhive::abi {
namespace {

using engine::Caller;
using engine::FuncType;
using Args = std::span<const std::int64_t>;
using Binding = Result<std::int64_t> (*)(Caller&, Args);
constexpr auto i32 = engine::ValType::i32;
constexpr auto i64 = engine::ValType::i64;

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

// host_functions() requires a ComponentApi context, so instantiate has checked this.
ComponentApi& api(const Caller& caller) {
  return caller.context<ComponentApi>();
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

Bytes sender_of(const CurrentMessage& m) {
  return as_bytes(m.sender);
}
Bytes topic_of(const CurrentMessage& m) {
  return as_bytes(m.topic);
}
Bytes payload_of(const CurrentMessage& m) {
  return m.payload;
}

// What the guest queued in its outbox leaves before anything an import sends,
// so its messages keep the order it wrote them in. A malformed outbox fails
// the import, which fails the call.
Result<void> flush_outbox(Caller& caller) {
  const Outbox* outbox = api(caller).outbox();
  if (!outbox) return {};
  return outbox->drain(caller.memory(), api(caller));
}

// An import that sends: the outbox is flushed first.
template <Result<std::int64_t> (*binding)(Caller&, Args)>
Result<std::int64_t> after_outbox(Caller& caller, Args a) {
  if (auto flushed = flush_outbox(caller); !flushed) return flushed.error();
  return binding(caller, a);
}

// msg_sender, msg_topic, msg_payload: (buf, cap) -> length.
template <Bytes (*field)(const CurrentMessage&)>
Result<std::int64_t> copy_message_field(Caller& caller, Args a) {
  const CurrentMessage* message = api(caller).current_message();
  if (!message) return std::int64_t{kErrState};
  return copy_out(caller, a[0], a[1], field(*message));
}

// An import taking one (ptr, len) string.
template <std::int32_t (ComponentApi::*method)(std::string_view)>
Result<std::int64_t> text_call(Caller& caller, Args a) {
  auto text = guest_text(caller, a[0], a[1]);
  if (!text) return std::int64_t{kErrFault};
  return (api(caller).*method)(*text);
}

// An import taking a (ptr, len) string, then a (ptr, len) payload.
template <std::int32_t (ComponentApi::*method)(std::string_view, Bytes)>
Result<std::int64_t> text_payload_call(Caller& caller, Args a) {
  auto text = guest_text(caller, a[0], a[1]);
  auto payload = guest_bytes(caller, a[2], a[3]);
  if (!text || !payload) return std::int64_t{kErrFault};
  return (api(caller).*method)(*text, *payload);
}

template <std::int64_t (ComponentApi::*clock)()>
Result<std::int64_t> clock_call(Caller& caller, Args) {
  return (api(caller).*clock)();
}

Result<std::int64_t> msg_kind(Caller& caller, Args) {
  const CurrentMessage* message = api(caller).current_message();
  return message ? std::int64_t{message->kind} : std::int64_t{kErrState};
}

Result<std::int64_t> request(Caller& caller, Args a) {
  auto target = guest_text(caller, a[0], a[1]);
  auto payload = guest_bytes(caller, a[2], a[3]);
  if (!target || !payload) return std::int64_t{kErrFault};
  return api(caller).request(*target, *payload, a[4]);
}

Result<std::int64_t> reply(Caller& caller, Args a) {
  auto payload = guest_bytes(caller, a[0], a[1]);
  if (!payload) return std::int64_t{kErrFault};
  return api(caller).reply(*payload);
}

Result<std::int64_t> cancel(Caller& caller, Args a) {
  return api(caller).cancel(a[0]);
}

Result<std::int64_t> self_id(Caller& caller, Args a) {
  return copy_out(caller, a[0], a[1], as_bytes(api(caller).self_id()));
}

Result<std::int64_t> log(Caller& caller, Args a) {
  if (a[0] < kTrace || a[0] > kError) return std::int64_t{kErrInvalid};
  auto text = guest_text(caller, a[1], a[2]);
  if (!text) return std::int64_t{kErrFault};
  return api(caller).log(static_cast<LogLevel>(a[0]), *text);
}

// storage_get, config_get: (key, key_len, buf, cap) -> the value's length.
template <class Value, std::int32_t (ComponentApi::*lookup)(std::string_view, Value&)>
Result<std::int64_t> keyed_lookup(Caller& caller, Args a) {
  auto key = guest_text(caller, a[0], a[1]);
  if (!key) return std::int64_t{kErrFault};
  Value value;
  if (std::int32_t rc = (api(caller).*lookup)(*key, value); rc != kOk) return std::int64_t{rc};
  return copy_out(caller, a[2], a[3], as_bytes(value));
}

Result<std::int64_t> storage_set(Caller& caller, Args a) {
  auto key = guest_text(caller, a[0], a[1]);
  auto value = guest_bytes(caller, a[2], a[3]);
  if (!key || !value) return std::int64_t{kErrFault};
  return api(caller).storage_set(*key, *value);
}

// A page of keys, each as a 4-byte little-endian length and its bytes.
// (prefix, prefix_len, after, after_len, buf, cap) -> bytes written; 0: no more.
Result<std::int64_t> storage_list(Caller& caller, Args a) {
  auto prefix = guest_text(caller, a[0], a[1]);
  auto after = guest_text(caller, a[2], a[3]);
  if (!prefix || !after) return std::int64_t{kErrFault};
  auto destination = caller.memory().span(u32(a[4]), u32(a[5]));
  if (!destination) return std::int64_t{kErrFault};
  // Every entry takes at least 5 bytes: no more keys than that could fit
  // (and one, to tell a buffer too small for it from nothing left).
  constexpr std::size_t kMaxPage = 1024;
  std::size_t limit = std::clamp<std::size_t>(destination->size() / 5, 1, kMaxPage);
  std::vector<std::string> keys;
  if (std::int32_t rc = api(caller).storage_list(*prefix, *after, limit, keys); rc != kOk)
    return std::int64_t{rc};
  std::size_t used = 0;
  for (const auto& key : keys) {
    if (used + 4 + key.size() > destination->size()) break;
    auto length = static_cast<std::uint32_t>(key.size());
    for (int i = 0; i < 4; ++i)
      (*destination)[used + i] = static_cast<std::uint8_t>(length >> (8 * i));
    std::memcpy(destination->data() + used + 4, key.data(), key.size());
    used += 4 + key.size();
  }
  if (used == 0 && !keys.empty()) return std::int64_t{kErrRange};
  return static_cast<std::int64_t>(used);
}

Result<std::int64_t> storage_usage(Caller& caller, Args a) {
  if (a[0] < kUsageBytes || a[0] > kUsageQuotaKeys) return std::int64_t{kErrInvalid};
  return api(caller).storage_usage(static_cast<UsageField>(a[0]));
}

Result<std::int64_t> send_after(Caller& caller, Args a) {
  auto payload = guest_bytes(caller, a[1], a[2]);
  if (!payload) return std::int64_t{kErrFault};
  return api(caller).send_after(a[0], *payload);
}

Result<std::int64_t> cancel_timer(Caller& caller, Args a) {
  return api(caller).cancel_timer(a[0]);
}

struct Import {
  std::string_view name;
  FuncType type;
  Binding binding;
};

// Every import of ABI v1 (docs/abi.md §4), each exactly once.
const std::vector<Import>& table() {
  static const std::vector<Import> rows = {
      {"msg_sender", {{i32, i32}, {i32}}, copy_message_field<sender_of>},
      {"msg_payload", {{i32, i32}, {i32}}, copy_message_field<payload_of>},
      {"msg_kind", {{}, {i32}}, msg_kind},
      {"msg_topic", {{i32, i32}, {i32}}, copy_message_field<topic_of>},
      {"send", {{i32, i32, i32, i32}, {i32}}, after_outbox<text_payload_call<&ComponentApi::send>>},
      {"request", {{i32, i32, i32, i32, i64}, {i64}}, after_outbox<request>},
      {"reply", {{i32, i32}, {i32}}, after_outbox<reply>},
      {"cancel", {{i64}, {i32}}, cancel},
      {"broadcast",
       {{i32, i32, i32, i32}, {i32}},
       after_outbox<text_payload_call<&ComponentApi::broadcast>>},
      {"publish",
       {{i32, i32, i32, i32}, {i32}},
       after_outbox<text_payload_call<&ComponentApi::publish>>},
      {"subscribe", {{i32, i32}, {i32}}, text_call<&ComponentApi::subscribe>},
      {"unsubscribe", {{i32, i32}, {i32}}, text_call<&ComponentApi::unsubscribe>},
      {"self_id", {{i32, i32}, {i32}}, self_id},
      {"log", {{i32, i32, i32}, {i32}}, log},
      {"now_ms", {{}, {i64}}, clock_call<&ComponentApi::now_ms>},
      {"monotonic_ns", {{}, {i64}}, clock_call<&ComponentApi::monotonic_ns>},
      {"storage_get",
       {{i32, i32, i32, i32}, {i32}},
       keyed_lookup<std::string, &ComponentApi::storage_get>},
      {"storage_exists", {{i32, i32}, {i32}}, text_call<&ComponentApi::storage_exists>},
      {"storage_set", {{i32, i32, i32, i32}, {i32}}, storage_set},
      {"storage_delete", {{i32, i32}, {i32}}, text_call<&ComponentApi::storage_delete>},
      {"storage_list", {{i32, i32, i32, i32, i32, i32}, {i32}}, storage_list},
      {"storage_usage", {{i32}, {i64}}, storage_usage},
      {"send_after", {{i64, i32, i32}, {i64}}, after_outbox<send_after>},
      {"cancel_timer", {{i64}, {i32}}, cancel_timer},
      {"config_get",
       {{i32, i32, i32, i32}, {i32}},
       keyed_lookup<std::string_view, &ComponentApi::config_get>},
  };
  return rows;
}

engine::HostFunctions build_host_functions() {
  engine::HostFunctions functions;
  functions.require_context<ComponentApi>();
  for (const auto& row : table()) {
    auto added =
        functions.add({std::string(kImportModule), std::string(row.name), row.type, row.binding});
    // Only a row defined twice or with a non-integer type fails: a programming
    // error the tests catch, not something to run with.
    if (!added) std::abort();
  }
  return functions;
}

}  // namespace

std::span<const FunctionSpec> imports() {
  static const std::vector<FunctionSpec> specs = [] {
    std::vector<FunctionSpec> out;
    for (const auto& row : table()) out.push_back({row.name, row.type});
    return out;
  }();
  return specs;
}

const engine::HostFunctions& host_functions() {
  static const engine::HostFunctions functions = build_host_functions();
  return functions;
}

}  // namespace wasmhive::abi
