// Load-time checks of ABI v1 on real modules: each reason a module is refused.
#include "abi/abi.h"

#include <gtest/gtest.h>

#include "abi/host_bindings.h"
#include "abi/loader.h"
#include "support/guests.h"

namespace wasmhive::abi {
namespace {

using testing::guest_bytes;

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = engine::create_engine();
    ASSERT_TRUE(created.ok());
    engine = std::move(*created);
  }

  Error load_error(const std::string& guest) {
    auto module = load_module(*engine, guest_bytes(guest));
    EXPECT_FALSE(module.ok()) << guest << " loaded";
    return module ? Error{Errc::internal, "loaded"} : module.error();
  }

  std::unique_ptr<engine::Engine> engine;
};

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

TEST_F(LoaderTest, MissingHandleMessage) {
  Error e = load_error("invalid_no_handle_message");
  EXPECT_EQ(e.code, Errc::missing_export);
  EXPECT_EQ(e.message, "module must export function 'handle_message' (i32, i32) -> i32");
}

TEST_F(LoaderTest, HandleMessageWithTheWrongSignature) {
  Error e = load_error("invalid_wrong_handle_message");
  EXPECT_EQ(e.code, Errc::missing_export);
  EXPECT_EQ(e.message, "export 'handle_message' must be (i32, i32) -> i32, found (i32) -> i32");
}

TEST_F(LoaderTest, ImportTheHostDoesNotProvideIsNamed) {
  Error e = load_error("invalid_unknown_import");
  EXPECT_EQ(e.code, Errc::link_error);
  EXPECT_EQ(
      e.message,
      "module imports wasmhive.teleport (i32) -> i32, which wasmhive ABI v1 does not provide");
}

TEST_F(LoaderTest, ImportWithTheWrongSignature) {
  Error e = load_error("invalid_wrong_import_type");
  EXPECT_EQ(e.code, Errc::link_error);
  EXPECT_EQ(e.message,
            "module imports wasmhive.send as (i32, i32) -> i32, wasmhive ABI v1 "
            "provides (i32, i32, i32, i32) -> i32");
}

TEST_F(LoaderTest, WrongAbiVersion) {
  Error e = load_error("invalid_abi_v2");
  EXPECT_EQ(e.code, Errc::abi_mismatch);
  EXPECT_EQ(e.message, "module targets wasmhive ABI v2; this host implements v1");
}

TEST_F(LoaderTest, NoAbiVersionMarker) {
  Error e = load_error("invalid_no_abi_marker");
  EXPECT_EQ(e.code, Errc::abi_mismatch);
  EXPECT_NE(e.message.find("wasmhive_abi_v1"), std::string::npos);
}

TEST_F(LoaderTest, NoExportedMemory) {
  Error e = load_error("invalid_no_memory");
  EXPECT_EQ(e.code, Errc::missing_export);
  EXPECT_EQ(e.message, "module must export its linear memory as 'memory'");
}

TEST_F(LoaderTest, StartFunction) {
  Error e = load_error("invalid_start_function");
  EXPECT_EQ(e.code, Errc::invalid_module);
  EXPECT_NE(e.message.find("start function"), std::string::npos);
}

TEST_F(LoaderTest, MemoryMinimumOverTheCap) {
  Error e = load_error("invalid_big_memory");
  EXPECT_EQ(e.code, Errc::limit_exceeded);
  EXPECT_EQ(e.message, "module needs 1024 memory pages at start, the limit is 256");
}

TEST_F(LoaderTest, InvalidCode) {
  Error e = load_error("invalid_bad_code");
  EXPECT_EQ(e.code, Errc::invalid_module);
}

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
