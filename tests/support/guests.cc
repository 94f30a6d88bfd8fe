#include "support/guests.h"

#include <gtest/gtest.h>

#include "abi/outbox.h"
#include "util/file.h"
#include "util/wasm_sections.h"

namespace wasmhive::testing {

std::string guest_path(const std::string& name) {
  return std::string(WASMHIVE_GUEST_DIR) + "/" + name + ".wasm";
}

std::vector<std::uint8_t> guest_bytes(const std::string& name) {
  auto bytes = read_file(guest_path(name));
  EXPECT_TRUE(bytes.ok()) << "guest " << name << " was not built";
  return bytes ? *bytes : std::vector<std::uint8_t>{};
}

std::vector<std::uint8_t> to_bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string to_string(abi::Bytes bytes) {
  return {bytes.begin(), bytes.end()};
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  append_leb_u32(out, value);
}

namespace {

using Bytes = std::vector<std::uint8_t>;

void put_name(Bytes& out, const std::string& name) {
  put_u32(out, static_cast<std::uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

void put_type(Bytes& out, const engine::FuncType& type) {
  auto put_values = [&](const std::vector<engine::ValType>& values) {
    put_u32(out, static_cast<std::uint32_t>(values.size()));
    for (auto v : values) {
      EXPECT_TRUE(v == engine::ValType::i32 || v == engine::ValType::i64);
      out.push_back(v == engine::ValType::i64 ? 0x7e : 0x7f);
    }
  };
  out.push_back(0x60);
  put_values(type.params);
  put_values(type.results);
}

void put_section(Bytes& out, std::uint8_t id, std::uint32_t count, const Bytes& items) {
  Bytes payload;
  put_u32(payload, count);
  payload.insert(payload.end(), items.begin(), items.end());
  out.push_back(id);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
}

}  // namespace

std::uint32_t ModuleBuilder::import(std::string module, std::string name, engine::FuncType type) {
  EXPECT_TRUE(functions_.empty()) << "imports must come before functions";
  imports_.push_back({std::move(module), std::move(name), std::move(type)});
  return static_cast<std::uint32_t>(imports_.size() - 1);
}

std::uint32_t ModuleBuilder::function(std::string export_name, engine::FuncType type,
                                      std::vector<std::uint8_t> code) {
  functions_.push_back({std::move(export_name), std::move(type), std::move(code)});
  return static_cast<std::uint32_t>(imports_.size() + functions_.size() - 1);
}

std::vector<std::uint8_t> ModuleBuilder::bytes() const {
  Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  // One type per function, imports first: type index == function index.
  Bytes types, imports, functions, exports, code;
  std::uint32_t index = 0, exported = 0;
  for (const auto& i : imports_) {
    put_type(types, i.type);
    put_name(imports, i.module);
    put_name(imports, i.name);
    imports.push_back(0x00);  // a function
    put_u32(imports, index++);
  }
  for (const auto& f : functions_) {
    put_type(types, f.type);
    put_u32(functions, index);
    if (!f.export_name.empty()) {
      put_name(exports, f.export_name);
      exports.push_back(0x00);
      put_u32(exports, index);
      ++exported;
    }
    ++index;
    Bytes body = {0x00};  // no locals
    body.insert(body.end(), f.code.begin(), f.code.end());
    put_u32(code, static_cast<std::uint32_t>(body.size()));
    code.insert(code.end(), body.begin(), body.end());
  }
  Bytes memory;
  if (memory_pages_) {
    memory.push_back(0x00);  // no maximum
    put_u32(memory, *memory_pages_);
    put_name(exports, "memory");
    exports.push_back(0x02);
    put_u32(exports, 0);
    ++exported;
  }
  const auto count = [](const auto& v) { return static_cast<std::uint32_t>(v.size()); };
  put_section(out, 1, index, types);
  put_section(out, 2, count(imports_), imports);
  put_section(out, 3, count(functions_), functions);
  if (memory_pages_) put_section(out, 5, 1, memory);
  put_section(out, 7, exported, exports);
  put_section(out, 10, count(functions_), code);
  return out;
}

void RecordingApi::set_message(abi::MessageKind kind, std::string sender, std::string payload,
                               std::string topic) {
  sender_ = std::move(sender);
  payload_ = std::move(payload);
  topic_ = std::move(topic);
  message_ = {kind, sender_, topic_,
              abi::Bytes(reinterpret_cast<const std::uint8_t*>(payload_.data()), payload_.size())};
  has_message_ = true;
}

const abi::CurrentMessage* RecordingApi::current_message() const {
  return has_message_ ? &message_ : nullptr;
}

std::int32_t RecordingApi::record(std::string function, std::string_view target, abi::Bytes payload,
                                  std::int64_t number) {
  calls.push_back({std::move(function), std::string(target), to_string(payload), number});
  return abi::kOk;
}

std::int32_t RecordingApi::send(std::string_view target, abi::Bytes payload) {
  return record("send", target, payload);
}
std::int64_t RecordingApi::request(std::string_view target, abi::Bytes payload,
                                   std::int64_t timeout_ms) {
  record("request", target, payload, timeout_ms);
  return next_correlation_id++;
}
std::int32_t RecordingApi::reply(abi::Bytes payload) {
  return record("reply", {}, payload);
}
std::int32_t RecordingApi::cancel(std::int64_t id) {
  return record("cancel", {}, {}, id);
}
std::int32_t RecordingApi::broadcast(std::string_view targets, abi::Bytes payload) {
  return record("broadcast", targets, payload);
}
std::int32_t RecordingApi::publish(std::string_view topic, abi::Bytes payload) {
  return record("publish", topic, payload);
}
std::int32_t RecordingApi::subscribe(std::string_view topic) {
  return record("subscribe", topic, {});
}
std::int32_t RecordingApi::unsubscribe(std::string_view topic) {
  return record("unsubscribe", topic, {});
}
std::int32_t RecordingApi::log(abi::LogLevel level, std::string_view message) {
  return record("log", {},
                abi::Bytes(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()),
                level);
}
Result<void> send_queued(engine::Instance& instance, abi::ComponentApi& api) {
  if (!instance.module().info().find_export(abi::kOutboxExport)) return {};
  auto announced = instance.call(abi::kOutboxExport, {});
  if (!announced) return announced.error();
  auto outbox = abi::Outbox::locate(instance.memory(), *announced);
  if (!outbox) return outbox.error();
  return outbox->drain(instance.memory(), api);
}

void RecordingApi::undeliverable(abi::OutboxOp op, std::string_view name, std::size_t payload_size,
                                 std::int32_t code) {
  static constexpr const char* kOps[] = {"send", "reply", "publish"};
  calls.push_back({"undeliverable", std::string(kOps[op]) + " " + std::string(name),
                   std::to_string(payload_size), code});
}

}  // namespace wasmhive::testing
