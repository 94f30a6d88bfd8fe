// Load-time checks of ABI v1 on real modules: each reason a module is refused.
#include "abi/abi.h"

#include <gtest/gtest.h>

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
    auto instance = engine->instantiate(*module, host_functions(), &api);
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

TEST(AbiTables, EveryImportHasABindingWithItsSignature) {
  const auto& bound = host_functions();
  ASSERT_EQ(bound.all().size(), imports().size());
  for (const auto& spec : imports()) {
    const auto* function = bound.find(kImportModule, spec.name);
    ASSERT_NE(function, nullptr) << spec.name;
    EXPECT_EQ(function->type, spec.type) << spec.name;
  }
}

}  // namespace
}  // namespace wasmhive::abi
