#include "engine/module_info.h"

#include <gtest/gtest.h>

#include "support/guests.h"

namespace wasmhive::engine {
namespace {

using testing::guest_bytes;

TEST(ModuleInfo, ReadsImportsExportsAndMemoryOfACGuest) {
  auto info = read_module_info(guest_bytes("echo"));
  ASSERT_TRUE(info.ok()) << info.error().describe();
  const ExportInfo* handle = info->find_export("handle_message");
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(handle->kind, ExternKind::function);
  EXPECT_EQ(handle->type.to_string(), "(i32, i32) -> i32");
  ASSERT_NE(info->find_export("memory"), nullptr);
  EXPECT_EQ(info->find_export("memory")->kind, ExternKind::memory);
  ASSERT_TRUE(info->memory.has_value());
  EXPECT_GE(info->memory->min_pages, 1u);

  bool imports_send = false;
  for (const auto& import : info->imports)
    if (import.module == "wasmhive" && import.name == "send") {
      imports_send = true;
      EXPECT_EQ(import.type.to_string(), "(i32, i32, i32, i32) -> i32");
    }
  EXPECT_TRUE(imports_send);
}

TEST(ModuleInfo, ReportsI64TypesAndStartFunction) {
  auto info = read_module_info(guest_bytes("roundtrip"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->find_export("twice_plus_one")->type.to_string(), "(i64) -> i64");
  EXPECT_FALSE(info->has_start_function);
  auto with_start = read_module_info(guest_bytes("invalid_start_function"));
  ASSERT_TRUE(with_start.ok());
  EXPECT_TRUE(with_start->has_start_function);
}

TEST(ModuleInfo, RejectsBadMagicAndVersion) {
  std::vector<std::uint8_t> text = testing::to_bytes("hello world, not wasm");
  auto info = read_module_info(text);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Errc::invalid_module);
  EXPECT_NE(info.error().message.find("magic"), std::string::npos);

  std::vector<std::uint8_t> v2 = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
  auto wrong_version = read_module_info(v2);
  ASSERT_FALSE(wrong_version.ok());
  EXPECT_NE(wrong_version.error().message.find("version"), std::string::npos);
}

TEST(ModuleInfo, EveryTruncationOfARealModuleIsAnErrorNotACrash) {
  std::vector<std::uint8_t> wasm = guest_bytes("badptr");
  ASSERT_GT(wasm.size(), 100u);
  std::size_t failures = 0;
  for (std::size_t len = 0; len < wasm.size(); ++len) {
    std::vector<std::uint8_t> prefix(wasm.begin(), wasm.begin() + len);
    auto info = read_module_info(prefix);
    // A prefix may end exactly on a section boundary and still be well formed.
    if (!info.ok()) {
      ++failures;
      EXPECT_EQ(info.error().code, Errc::invalid_module);
    }
  }
  EXPECT_GT(failures, wasm.size() / 2);
}

TEST(ModuleInfo, RejectsOverlongLeb128AndOversizedSection) {
  // Header + type section whose size LEB never terminates.
  std::vector<std::uint8_t> overlong = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                        0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  auto a = read_module_info(overlong);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("LEB128"), std::string::npos) << a.error().message;

  // Section claims 100 bytes, 1 follows.
  std::vector<std::uint8_t> oversized = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00,
                                         0x00, 0x00, 0x01, 100,  0x00};
  auto b = read_module_info(oversized);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("unexpected end of section"), std::string::npos);
}

TEST(CapMemory, AddsAMaximumWhereNoneWasDeclared) {
  auto capped = cap_memory(guest_bytes("memhog"), 8);
  ASSERT_TRUE(capped.ok());
  auto info = read_module_info(*capped);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->memory->min_pages, 1u);
  EXPECT_EQ(info->memory->max_pages, 8u);
  // Everything else is unchanged.
  auto original = read_module_info(guest_bytes("memhog"));
  EXPECT_EQ(info->exports.size(), original->exports.size());
}

TEST(CapMemory, LowersALargerMaximumAndRefusesALargerMinimum) {
  auto big = cap_memory(guest_bytes("invalid_big_memory"), 256);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::limit_exceeded);
  EXPECT_NE(big.error().message.find("1024"), std::string::npos) << big.error().message;

  auto twice = cap_memory(*cap_memory(guest_bytes("memhog"), 8), 4);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(read_module_info(*twice)->memory->max_pages, 4u);
  auto keeps_smaller = cap_memory(*cap_memory(guest_bytes("memhog"), 4), 100);
  EXPECT_EQ(read_module_info(*keeps_smaller)->memory->max_pages, 4u);
}

}  // namespace
}  // namespace wasmhive::engine
