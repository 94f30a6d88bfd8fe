#include "engine/module_info.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <optional>
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

std::optional<GlobalType> global_of(const ModuleInfo& info, std::string_view name) {
  const ExportInfo* exp = info.find_export(name);
  EXPECT_NE(exp, nullptr) << name;
  return exp ? exp->global : std::nullopt;
}

TEST(ModuleInfo, ReadsTheTypesOfGlobalExports) {
  auto info = read_module_info(guest_bytes("globals"));
  ASSERT_TRUE(info.ok()) << info.error().describe();
  EXPECT_EQ(global_of(*info, "i32"), (GlobalType{ValType::i32, true}));
  EXPECT_EQ(global_of(*info, "i64"), (GlobalType{ValType::i64, true}));
  EXPECT_EQ(global_of(*info, "f32"), (GlobalType{ValType::f32, true}));
  EXPECT_EQ(global_of(*info, "f64"), (GlobalType{ValType::f64, true}));
  EXPECT_EQ(global_of(*info, "const"), (GlobalType{ValType::i32, false}));
  EXPECT_EQ(global_of(*info, "v128"), (GlobalType{ValType::v128, true}));
  EXPECT_EQ(global_of(*info, "ref"), (GlobalType{ValType::funcref, true}));
  EXPECT_EQ(info->find_export("i32")->kind, ExternKind::global);
  // Only global exports have a global type.
  EXPECT_EQ(global_of(*info, "bump"), std::nullopt);
  EXPECT_EQ(global_of(*info, "memory"), std::nullopt);
}

TEST(ModuleInfo, NumbersImportedGlobalsBeforeTheModulesOwn) {
  auto info = read_module_info(guest_bytes("imported_global"));
  ASSERT_TRUE(info.ok()) << info.error().describe();
  ASSERT_EQ(info->imports.size(), 1u);
  EXPECT_EQ(info->imports[0].kind, ExternKind::global);
  EXPECT_EQ(global_of(*info, "shared"), (GlobalType{ValType::i32, true}));  // index 0, imported
  EXPECT_EQ(global_of(*info, "own"), (GlobalType{ValType::i64, true}));     // index 1
  EXPECT_EQ(global_of(*info, "fixed"), (GlobalType{ValType::f64, false}));  // index 3
}

constexpr std::uint8_t kGlobalId = 6;
constexpr std::uint8_t kExportId = 7;

// An export section exporting globals 0 .. n-1 as "g0", "g1", ...
std::vector<std::uint8_t> global_exports(std::uint8_t n) {
  std::vector<std::uint8_t> out = {n};
  for (std::uint8_t i = 0; i < n; ++i) {
    out.insert(out.end(), {2, 'g', static_cast<std::uint8_t>('0' + i), 0x03, i});
  }
  return out;
}

TEST(ModuleInfo, SkipsEveryKindOfGlobalInitialiser) {
  // Immediates are full of 0x0b (end) bytes: skipping must know their lengths.
  const std::vector<std::uint8_t> globals = {
      9,                                                     // globals
      0x7f, 0x01, 0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x0b,  // i32.const INT32_MIN, 5-byte LEB
      0x7e, 0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80,        // i64.const INT64_MIN,
      0x80, 0x80, 0x80, 0x80, 0x7f, 0x0b,                    //   10-byte LEB
      0x7d, 0x01, 0x43, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,        // f32.const
      0x7c, 0x00, 0x44, 0x0b, 0x0b, 0x0b, 0x0b,              // f64.const
      0x0b, 0x0b, 0x0b, 0x0b, 0x0b,                          //
      0x7f, 0x00, 0x23, 0x8b, 0x00, 0x0b,                    // global.get 11, 2-byte LEB
      0x70, 0x01, 0xd0, 0x70, 0x0b,                          // ref.null func
      0x70, 0x00, 0xd2, 0x0b, 0x0b,                          // ref.func 11
      0x7b, 0x01, 0xfd, 0x0c,                                // v128.const
      0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,        //
      0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,  //
      0x7e, 0x00, 0x42, 0x01, 0x42, 0x02, 0x7c, 0x0b,        // extended const: 1 + 2
  };
  auto info = read_module_info(module_of({{kGlobalId, globals}, {kExportId, global_exports(9)}}));
  ASSERT_TRUE(info.ok()) << info.error().describe();
  const GlobalType expected[] = {
      {ValType::i32, true},      {ValType::i64, false}, {ValType::f32, true},
      {ValType::f64, false},     {ValType::i32, false}, {ValType::funcref, true},
      {ValType::funcref, false}, {ValType::v128, true}, {ValType::i64, false}};
  for (std::size_t i = 0; i < std::size(expected); ++i)
    EXPECT_EQ(global_of(*info, "g" + std::to_string(i)), expected[i]) << i;
}

struct MalformedGlobal {
  const char* name;
  std::vector<std::uint8_t> wasm;
  const char* message;
};

TEST(ModuleInfo, RejectsMalformedGlobalsWithTheirOffset) {
  // The global section's contents start at byte 10: its count, then the first
  // global's value type at 11, its mutability at 12 and its initialiser from 13.
  const MalformedGlobal cases[] = {
      {"unknown value type", module_of({{kGlobalId, {1, 0x55, 0x00, 0x41, 0x00, 0x0b}}}),
       "malformed module at byte 11: unknown global value type"},
      {"unknown mutability", module_of({{kGlobalId, {1, 0x7f, 0x02, 0x41, 0x00, 0x0b}}}),
       "malformed module at byte 12: unknown global mutability"},
      {"local.get", module_of({{kGlobalId, {1, 0x7f, 0x00, 0x20, 0x00, 0x0b}}}),
       "malformed module at byte 13: unsupported instruction in constant expression"},
      {"other SIMD", module_of({{kGlobalId, {1, 0x7b, 0x00, 0xfd, 0x0d, 0x0b}}}),
       "malformed module at byte 13: unsupported SIMD instruction in constant expression"},
      {"no end", module_of({{kGlobalId, {1, 0x7f, 0x00, 0x41, 0x00}}}),
       "malformed module at byte 15: unexpected end of byte"},
      {"short f64", module_of({{kGlobalId, {1, 0x7c, 0x00, 0x44, 0x00, 0x00}}}),
       "malformed module at byte 14: unexpected end of f64 constant"},
      {"short v128", module_of({{kGlobalId, {1, 0x7b, 0x00, 0xfd, 0x0c, 0x00, 0x0b}}}),
       "malformed module at byte 15: unexpected end of v128 constant"},
      {"overlong i32",
       module_of({{kGlobalId, {1, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b}}}),
       "malformed module at byte 19: LEB128 too long"},
      {"count", module_of({{kGlobalId, {5, 0x7f}}}),
       "malformed module at byte 11: global count larger than section"},
      {"imported", module_of({{2, {1, 1, 'm', 1, 'g', 0x03, 0x7f, 0x07}}}),
       "malformed module at byte 17: unknown global mutability"},
      // An empty global section (bytes 8..10), then the export section: its
      // contents start at 13, and its global index is byte 18.
      {"unknown global", module_of({{kGlobalId, {0}}, {kExportId, global_exports(1)}}),
       "malformed module at byte 19: export of unknown global"},
  };
  for (const auto& c : cases) {
    auto info = read_module_info(c.wasm);
    ASSERT_FALSE(info.ok()) << c.name;
    EXPECT_EQ(info.error().code, Errc::invalid_module) << c.name;
    EXPECT_EQ(info.error().message, c.message) << c.name;
  }
}

TEST(ModuleInfo, EveryTruncationOfAModuleWithGlobalsIsAnErrorNotACrash) {
  for (const char* guest : {"globals", "imported_global"}) {
    std::vector<std::uint8_t> wasm = guest_bytes(guest);
    for (std::size_t len = 0; len < wasm.size(); ++len) {
      std::vector<std::uint8_t> prefix(wasm.begin(),
                                       wasm.begin() + static_cast<std::ptrdiff_t>(len));
      auto info = read_module_info(prefix);
      if (!info.ok()) {
        EXPECT_EQ(info.error().code, Errc::invalid_module) << guest << " " << len;
      }
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
