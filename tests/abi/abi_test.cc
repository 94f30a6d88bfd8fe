// Load-time checks of ABI v1 on real modules: each reason a module is refused.
#include "abi/abi.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "abi/host_bindings.h"
#include "abi/loader.h"
#include "support/engine_fixture.h"
#include "support/guests.h"

namespace wasmhive::abi {
namespace {

using testing::guest_bytes;

using LoaderTest = testing::EngineTest;

TEST_F(LoaderTest, EveryTestComponentConformsAndInstantiatesWithTheAbiImports) {
  for (const char* guest :
       {"echo", "recorder", "pinger", "requester", "trapper", "looper", "memhog", "badptr"}) {
    auto module = load_module(*engine, guest_bytes(guest));
    ASSERT_TRUE(module.ok()) << guest << ": " << module.error().describe();
    testing::RecordingApi api;
    auto instance = engine->instantiate(*module, host_functions(), api);
    EXPECT_TRUE(instance.ok()) << guest << ": " << instance.error().describe();
  }
}

TEST_F(LoaderTest, MalformedBytes) {
  auto module = load_module(*engine, testing::to_bytes("MZ\x90\x00 an executable"));
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error().code, Errc::invalid_module);
  EXPECT_EQ(module.error().message, "not a wasm module (bad magic bytes)");
}

// One module built to be refused for one reason (tests/guests/invalid/), and the
// exact error the loader must give. An empty message checks only that `contains` is in it.
struct Refusal {
  const char* guest;
  Errc code;
  const char* message;
  const char* contains = "";
};

void PrintTo(const Refusal& r, std::ostream* os) {
  *os << r.guest;
}

class LoadRefusal : public testing::WithEngine<::testing::TestWithParam<Refusal>> {};

TEST_P(LoadRefusal, GivesAClearErrorBeforeRunningAnyCode) {
  const Refusal& expected = GetParam();
  auto module = load_module(*engine, guest_bytes(std::string("invalid_") + expected.guest));
  ASSERT_FALSE(module.ok()) << expected.guest << " loaded";
  EXPECT_EQ(module.error().code, expected.code) << module.error().describe();
  if (*expected.message) {
    EXPECT_EQ(module.error().message, expected.message);
  }
  EXPECT_NE(module.error().message.find(expected.contains), std::string::npos)
      << module.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    InvalidModules, LoadRefusal,
    ::testing::Values(
        Refusal{"no_handle_message", Errc::missing_export,
                "module must export function 'handle_message' (i32, i32) -> i32"},
        Refusal{"wrong_handle_message", Errc::missing_export,
                "export 'handle_message' must be (i32, i32) -> i32, found (i32) -> i32"},
        Refusal{"unknown_import", Errc::link_error,
                "module imports wasmhive.teleport (i32) -> i32, which wasmhive ABI v1 does not "
                "provide"},
        Refusal{"wrong_import_type", Errc::link_error,
                "module imports wasmhive.send as (i32, i32) -> i32, wasmhive ABI v1 provides "
                "(i32, i32, i32, i32) -> i32"},
        Refusal{"abi_v2", Errc::abi_mismatch,
                "module targets wasmhive ABI v2; this host implements v1"},
        Refusal{"no_abi_marker", Errc::abi_mismatch, "",
                "export a function named 'wasmhive_abi_v1'"},
        Refusal{"no_memory", Errc::missing_export,
                "module must export its linear memory as 'memory'"},
        Refusal{"start_function", Errc::invalid_module,
                "module has a start function; wasmhive runs 'init' instead"},
        Refusal{"big_memory", Errc::limit_exceeded,
                "module needs 1024 memory pages at start, the limit is 256"},
        Refusal{"bad_code", Errc::invalid_module, "", "Compiling function"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return std::string(info.param.guest); });

TEST_F(LoaderTest, FileErrorsNameTheFile) {
  auto missing = load_module_file(*engine, "/nonexistent/dir/component.wasm");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("/nonexistent/dir/component.wasm"), std::string::npos);

  auto bad = load_module_file(*engine, testing::guest_path("invalid_abi_v2"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("invalid_abi_v2.wasm: module targets", 0), 0u)
      << bad.error().message;
}

// The imports docs/abi.md §4 promises, written out here rather than read from
// the table under test.
const std::vector<std::string_view> kDocumentedImports = {
    "msg_sender",   "msg_payload",   "msg_topic",      "msg_kind",     "self_id",
    "send",         "request",       "reply",          "cancel",       "broadcast",
    "publish",      "subscribe",     "unsubscribe",    "log",          "now_ms",
    "monotonic_ns", "storage_get",   "storage_exists", "storage_set",  "storage_delete",
    "storage_list", "storage_usage", "send_after",     "cancel_timer", "config_get"};

TEST(AbiTables, TheTableHasEveryDocumentedImportExactlyOnce) {
  ASSERT_EQ(imports().size(), kDocumentedImports.size());
  for (std::string_view name : kDocumentedImports) {
    auto rows = std::count_if(imports().begin(), imports().end(),
                              [&](const FunctionSpec& spec) { return spec.name == name; });
    EXPECT_EQ(rows, 1) << name;
  }
}

TEST(AbiTables, EveryImportHasABindingWithItsSignature) {
  const auto& bound = host_functions();
  ASSERT_EQ(bound.all().size(), imports().size());
  for (const auto& spec : imports()) {
    const auto* function = bound.find(kImportModule, spec.name);
    ASSERT_NE(function, nullptr) << spec.name;
    EXPECT_EQ(function->type, spec.type) << spec.name;
    EXPECT_TRUE(function->callback) << spec.name;
  }
}

// One module importing every import of the table with its type, and exporting
// call_<import>, which passes its arguments on to the import.
std::vector<std::uint8_t> module_importing_everything() {
  testing::ModuleBuilder module;
  std::vector<std::uint32_t> indices;
  for (const auto& spec : imports())
    indices.push_back(module.import(std::string(kImportModule), std::string(spec.name), spec.type));
  for (std::size_t i = 0; i < imports().size(); ++i) {
    const auto& spec = imports()[i];
    std::vector<std::uint8_t> code;
    for (std::size_t p = 0; p < spec.type.params.size(); ++p)
      code.insert(code.end(), {0x20, static_cast<std::uint8_t>(p)});               // local.get p
    code.insert(code.end(), {0x10, static_cast<std::uint8_t>(indices[i]), 0x0b});  // call; end
    module.function("call_" + std::string(spec.name), spec.type, code);
  }
  const engine::FuncType handler{{engine::ValType::i32, engine::ValType::i32},
                                 {engine::ValType::i32}};
  module.function("handle_message", handler, {0x41, 0x00, 0x0b});  // i32.const 0
  module.function(std::string(kVersionMarker), {}, {0x0b});
  module.memory(1);
  return module.bytes();
}

TEST_F(LoaderTest, EveryImportValidatesBindsAndRunsWithoutTrapping) {
  auto wasm = module_importing_everything();
  auto info = engine::read_module_info(wasm);
  ASSERT_TRUE(info.ok()) << info.error().describe();
  ASSERT_EQ(info->imports.size(), imports().size());
  ASSERT_TRUE(validate(*info).ok()) << validate(*info).error().describe();
  auto module = load_module(*engine, wasm);
  ASSERT_TRUE(module.ok()) << module.error().describe();
  testing::RecordingApi api;
  api.set_message(kKindRequest, "peer/a", "payload", "topic.a");
  auto instance = engine->instantiate(*module, host_functions(), api);
  ASSERT_TRUE(instance.ok()) << instance.error().describe();

  // Zeros everywhere: empty ranges at address 0, level trace, timeout 0.
  for (const auto& spec : imports()) {
    std::vector<std::int64_t> args(spec.type.params.size(), 0);
    auto result = (*instance)->call("call_" + std::string(spec.name), args);
    ASSERT_TRUE(result.ok()) << spec.name << ": " << result.error().describe();
    EXPECT_GE(*result, kErrUnsupported) << spec.name;
  }
  std::vector<std::string> reached;
  for (const auto& call : api.calls) reached.push_back(call.function);
  EXPECT_EQ(reached, (std::vector<std::string>{"send", "request", "reply", "cancel", "broadcast",
                                               "publish", "subscribe", "unsubscribe", "log"}));
}

TEST_F(LoaderTest, AbiImportsRefuseAContextThatIsNotAComponentApi) {
  auto module = load_module(*engine, guest_bytes("echo"));
  ASSERT_TRUE(module.ok()) << module.error().describe();
  engine::HostContext other;
  auto instance = engine->instantiate(*module, host_functions(), other);
  ASSERT_FALSE(instance.ok());
  EXPECT_EQ(instance.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace wasmhive::abi
