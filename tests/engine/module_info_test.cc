#include "engine/module_info.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>

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

// A module header followed by `sections`, each given as id and contents.
std::vector<std::uint8_t> module_of(
    std::initializer_list<std::pair<std::uint8_t, std::vector<std::uint8_t>>> sections) {
  std::vector<std::uint8_t> out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  auto put_u32 = [&](std::uint32_t value) {
    do {
      std::uint8_t b = value & 0x7f;
      value >>= 7;
      out.push_back(value ? (b | 0x80) : b);
    } while (value);
  };
  for (const auto& [id, contents] : sections) {
    out.push_back(id);
    put_u32(static_cast<std::uint32_t>(contents.size()));
    out.insert(out.end(), contents.begin(), contents.end());
  }
  return out;
}

// The contents of a custom section: the name (length first), then `data`.
std::vector<std::uint8_t> custom(std::string_view name, std::string_view data) {
  std::vector<std::uint8_t> out;
  std::uint32_t length = static_cast<std::uint32_t>(name.size());
  do {
    std::uint8_t b = length & 0x7f;
    length >>= 7;
    out.push_back(length ? (b | 0x80) : b);
  } while (length);
  out.insert(out.end(), name.begin(), name.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

constexpr std::uint8_t kCustomId = 0;
const std::vector<std::uint8_t> kEmptyTypeSection = {0x00};

TEST(ModuleInfo, KeepsTheCustomSectionsTheHostReadsAndOnlyThose) {
  auto wasm = module_of({{kCustomId, custom("producers", "clang 14")},
                         {1, kEmptyTypeSection},
                         {kCustomId, custom("wasmhive_metadata", "name=a/b\n")},
                         {kCustomId, custom(".debug_info", std::string(3000, 'd'))}});
  auto info = read_module_info(wasm);
  ASSERT_TRUE(info.ok()) << info.error().describe();
  ASSERT_EQ(info->custom_sections.size(), 1u);
  const CustomSection* metadata = info->find_custom_section("wasmhive_metadata");
  ASSERT_EQ(metadata, &info->custom_sections[0]);
  EXPECT_EQ(metadata->name, "wasmhive_metadata");
  EXPECT_EQ(std::string(metadata->bytes.begin(), metadata->bytes.end()), "name=a/b\n");
  // `offset` is where the contents start in the module.
  ASSERT_LE(metadata->offset + metadata->bytes.size(), wasm.size());
  EXPECT_TRUE(std::equal(metadata->bytes.begin(), metadata->bytes.end(),
                         wasm.begin() + static_cast<std::ptrdiff_t>(metadata->offset)));
  EXPECT_EQ(info->find_custom_section("producers"), nullptr);
  EXPECT_EQ(info->find_custom_section(".debug_info"), nullptr);

  // An empty section of a kept name is kept, empty.
  auto empty = read_module_info(module_of({{kCustomId, custom("wasmhive_metadata", "")}}));
  ASSERT_TRUE(empty.ok()) << empty.error().describe();
  ASSERT_NE(empty->find_custom_section("wasmhive_metadata"), nullptr);
  EXPECT_TRUE(empty->find_custom_section("wasmhive_metadata")->bytes.empty());
}

TEST(ModuleInfo, ReadsTheMetadataSectionOfACGuestAndNoneFromOneWithout) {
  auto described = read_module_info(guest_bytes("described"));
  ASSERT_TRUE(described.ok()) << described.error().describe();
  const CustomSection* metadata = described->find_custom_section("wasmhive_metadata");
  ASSERT_NE(metadata, nullptr);
  std::string text(metadata->bytes.begin(), metadata->bytes.end());
  EXPECT_EQ(text.rfind("name=test/described\n", 0), 0u) << text;
  EXPECT_EQ(text.find('\0'), std::string::npos);  // no C string terminator
  // echo has the toolchain's custom sections ("name", "producers"), none kept.
  auto echo = read_module_info(guest_bytes("echo"));
  ASSERT_TRUE(echo.ok());
  EXPECT_TRUE(echo->custom_sections.empty());
}

struct MalformedCustom {
  const char* name;
  std::vector<std::uint8_t> wasm;
  const char* message;
};

TEST(ModuleInfo, RejectsMalformedCustomSectionHeadersWithTheirOffset) {
  // The header is 8 bytes; a first section's id is at byte 8, its size at 9 and
  // its contents from byte 10.
  const MalformedCustom cases[] = {
      {"no name", module_of({{kCustomId, {}}}),
       "malformed module at byte 10: custom section without a name"},
      {"name past the end", module_of({{kCustomId, {10, 'a', 'b'}}}),
       "malformed module at byte 11: custom section name of 10 bytes runs past the end of the "
       "section"},
      {"huge name length", module_of({{kCustomId, {0xff, 0xff, 0xff, 0xff, 0x0f}}}),
       "malformed module at byte 15: custom section name of 4294967295 bytes runs past the end "
       "of the section"},
      {"truncated name length", module_of({{kCustomId, {0x80}}}),
       "malformed module at byte 11: unexpected end of byte"},
      {"invalid byte", module_of({{kCustomId, {2, 0xff, 'a'}}}),
       "malformed module at byte 11: custom section name is not valid UTF-8"},
      {"overlong encoding", module_of({{kCustomId, {2, 0xc0, 0xaf}}}),
       "malformed module at byte 11: custom section name is not valid UTF-8"},
      {"surrogate", module_of({{kCustomId, {3, 0xed, 0xa0, 0x80}}}),
       "malformed module at byte 11: custom section name is not valid UTF-8"},
      {"cut sequence", module_of({{kCustomId, {2, 'a', 0xc3}}}),
       "malformed module at byte 11: custom section name is not valid UTF-8"},
      // After a 3-byte type section (bytes 8..10), the custom section's name is at 14.
      {"second section", module_of({{1, kEmptyTypeSection}, {kCustomId, {1, 0x80}}}),
       "malformed module at byte 14: custom section name is not valid UTF-8"},
  };
  for (const auto& c : cases) {
    auto info = read_module_info(c.wasm);
    ASSERT_FALSE(info.ok()) << c.name;
    EXPECT_EQ(info.error().code, Errc::invalid_module) << c.name;
    EXPECT_EQ(info.error().message, c.message) << c.name;
  }
  // Valid UTF-8 beyond ASCII is a fine name.
  EXPECT_TRUE(read_module_info(module_of({{kCustomId, custom("d\xc3\xa9j\xc3\xa0", "x")}})).ok());
}

TEST(ModuleInfo, RefusesAKeptCustomSectionTwiceOrOverTheCap) {
  auto twice = read_module_info(module_of({{kCustomId, custom("wasmhive_metadata", "a=1")},
                                           {kCustomId, custom("wasmhive_metadata", "a=2")}}));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::invalid_module);
  // The first section takes bytes 8..30; the second starts at 31.
  EXPECT_EQ(twice.error().message,
            "malformed module at byte 31: custom section 'wasmhive_metadata' appears more than "
            "once");

  std::string at_cap(kMaxHostCustomSectionBytes, 'x');
  auto fits = read_module_info(module_of({{kCustomId, custom("wasmhive_metadata", at_cap)}}));
  ASSERT_TRUE(fits.ok()) << fits.error().describe();
  EXPECT_EQ(fits->custom_sections.at(0).bytes.size(), kMaxHostCustomSectionBytes);

  auto over = read_module_info(module_of({{kCustomId, custom("wasmhive_metadata", at_cap + "x")}}));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::invalid_module);
  EXPECT_NE(over.error().message.find("custom section 'wasmhive_metadata' holds 1048577 bytes; "
                                      "the host reads 1048576 bytes of custom sections at most"),
            std::string::npos)
      << over.error().message;

  // Sections the host does not read are not limited (or copied): 4 MiB of debug info.
  auto debug = read_module_info(
      module_of({{kCustomId, custom(".debug_info", std::string(std::size_t{4} << 20, 'd'))}}));
  ASSERT_TRUE(debug.ok()) << debug.error().describe();
  EXPECT_TRUE(debug->custom_sections.empty());
}

TEST(ModuleInfo, EveryTruncationOfAModuleWithMetadataIsAnErrorNotACrash) {
  std::vector<std::uint8_t> wasm = guest_bytes("described");
  for (std::size_t len = 0; len < wasm.size(); ++len) {
    std::vector<std::uint8_t> prefix(wasm.begin(), wasm.begin() + static_cast<std::ptrdiff_t>(len));
    auto info = read_module_info(prefix);
    if (!info.ok()) {
      EXPECT_EQ(info.error().code, Errc::invalid_module);
    }
  }
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

TEST(CapMemory, KeepsTheCustomSections) {
  auto original = read_module_info(guest_bytes("described"));
  auto capped = cap_memory(guest_bytes("described"), 8);
  ASSERT_TRUE(original.ok() && capped.ok());
  auto info = read_module_info(*capped);
  ASSERT_TRUE(info.ok()) << info.error().describe();
  ASSERT_EQ(info->custom_sections.size(), 1u);
  EXPECT_EQ(info->custom_sections[0].bytes, original->custom_sections.at(0).bytes);
}

}  // namespace
}  // namespace wasmhive::engine
