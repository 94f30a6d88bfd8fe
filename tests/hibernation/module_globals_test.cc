// export_mutable_globals: the binaryen rewrite that lets a host save a
// module's globals. Checked with the engine's reader (names, types, custom
// sections) and by running the rewritten module on V8.
#include "hibernation/module_globals.h"

#include <gtest/gtest.h>

#include <bit>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "engine/engine.h"
#include "engine/module_info.h"
#include "support/engine_fixture.h"
#include "support/guests.h"

namespace wasmhive::hibernation {
namespace {

using engine::GlobalType;
using engine::ValType;
using testing::guest_bytes;
using testing::put_u32;
using Bytes = std::vector<std::uint8_t>;

Bytes name_bytes(std::string_view name) {
  Bytes out;
  put_u32(out, static_cast<std::uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

void put_section(Bytes& out, std::uint8_t id, const Bytes& contents) {
  out.push_back(id);
  put_u32(out, static_cast<std::uint32_t>(contents.size()));
  out.insert(out.end(), contents.begin(), contents.end());
}

// `wasm` with a custom section appended (custom sections may come anywhere).
Bytes with_custom_section(Bytes wasm, std::string_view name, std::string_view data) {
  Bytes contents = name_bytes(name);
  contents.insert(contents.end(), data.begin(), data.end());
  put_section(wasm, 0, contents);
  return wasm;
}

// A module header followed by `sections`, each given as id and contents.
Bytes module_of(std::initializer_list<std::pair<std::uint8_t, Bytes>> sections) {
  Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (const auto& [id, contents] : sections) put_section(out, id, contents);
  return out;
}

constexpr std::uint8_t kTypeId = 1, kFunctionId = 3, kGlobalId = 6, kExportId = 7, kCodeId = 10;
// One mutable i32 global, initialised to 0.
const Bytes kOneMutableGlobal = {1, 0x7f, 0x01, 0x41, 0x00, 0x0b};

std::string saved(std::uint32_t index) {
  return std::string(kGlobalExportPrefix) + std::to_string(index);
}

std::optional<GlobalType> global_export(const engine::ModuleInfo& info, std::uint32_t index) {
  const engine::ExportInfo* exp = info.find_export(saved(index));
  return exp ? exp->global : std::nullopt;
}

engine::ModuleInfo read(const Bytes& wasm) {
  auto info = engine::read_module_info(wasm);
  EXPECT_TRUE(info.ok()) << info.error().describe();
  return info ? std::move(*info) : engine::ModuleInfo{};
}

Bytes rewrite(const Bytes& wasm) {
  auto rewritten = export_mutable_globals(wasm);
  EXPECT_TRUE(rewritten.ok()) << rewritten.error().describe();
  return rewritten ? std::move(*rewritten) : Bytes{};
}

std::size_t saved_exports(const engine::ModuleInfo& info) {
  std::size_t n = 0;
  for (const auto& exp : info.exports) n += is_saved_global(exp.name);
  return n;
}

TEST(ExportMutableGlobals, ExportsEachDefinedMutableGlobalUnderItsIndex) {
  Bytes original = guest_bytes("globals");
  engine::ModuleInfo info = read(rewrite(original));
  EXPECT_EQ(global_export(info, 0), (GlobalType{ValType::i32, true}));  // unexported before
  EXPECT_EQ(global_export(info, 1), (GlobalType{ValType::i32, true}));  // also "i32"
  EXPECT_EQ(global_export(info, 2), (GlobalType{ValType::i64, true}));
  EXPECT_EQ(global_export(info, 3), (GlobalType{ValType::f32, true}));
  EXPECT_EQ(global_export(info, 4), (GlobalType{ValType::f64, true}));
  EXPECT_EQ(info.find_export(saved(5)), nullptr);  // immutable
  EXPECT_EQ(global_export(info, 6), (GlobalType{ValType::v128, true}));
  EXPECT_EQ(global_export(info, 7), (GlobalType{ValType::funcref, true}));
  EXPECT_EQ(info.find_export(saved(8)), nullptr);
  EXPECT_EQ(saved_exports(info), 7u);
  // Nothing else changes: every export is still there, with its type.
  engine::ModuleInfo before = read(original);
  EXPECT_EQ(info.exports.size(), before.exports.size() + 7);
  for (const auto& exp : before.exports) {
    const engine::ExportInfo* kept = info.find_export(exp.name);
    ASSERT_NE(kept, nullptr) << exp.name;
    EXPECT_EQ(kept->kind, exp.kind) << exp.name;
    EXPECT_EQ(kept->type, exp.type) << exp.name;
    EXPECT_EQ(kept->global, exp.global) << exp.name;
  }
  EXPECT_EQ(info.memory->min_pages, 1u);
  EXPECT_EQ(info.memory->max_pages, 4u);
}

TEST(ExportMutableGlobals, SkipsImportedGlobalsButCountsThemInTheIndex) {
  Bytes rewritten = rewrite(guest_bytes("imported_global"));
  engine::ModuleInfo info = read(rewritten);
  EXPECT_EQ(info.find_export(saved(0)), nullptr);  // imported: its owner saves it
  EXPECT_EQ(global_export(info, 1), (GlobalType{ValType::i64, true}));
  EXPECT_EQ(global_export(info, 2), (GlobalType{ValType::f32, true}));
  EXPECT_EQ(info.find_export(saved(3)), nullptr);  // immutable
  EXPECT_EQ(saved_exports(info), 2u);
  ASSERT_EQ(info.imports.size(), 1u);
  EXPECT_EQ(info.imports[0].name, "shared");

  auto engine = engine::create_engine();
  ASSERT_TRUE(engine.ok());
  auto compiled = (*engine)->compile(rewritten);
  EXPECT_TRUE(compiled.ok()) << compiled.error().describe();
}

TEST(ExportMutableGlobals, KeepsTheCustomSections) {
  Bytes with_metadata = with_custom_section(guest_bytes("globals"), "wasmhive_metadata",
                                            "name=test/globals\nversion=1\n");
  engine::ModuleInfo info = read(rewrite(with_metadata));
  const engine::CustomSection* metadata = info.find_custom_section("wasmhive_metadata");
  ASSERT_NE(metadata, nullptr);
  EXPECT_EQ(testing::to_string(metadata->bytes), "name=test/globals\nversion=1\n");
  EXPECT_EQ(saved_exports(info), 7u);

  // A C guest: clang's __stack_pointer, its "name", "producers" and
  // "target_features" sections, and metadata.
  Bytes counter = with_custom_section(guest_bytes("counter"), "wasmhive_metadata", "name=c\n");
  Bytes rewritten = rewrite(counter);
  engine::ModuleInfo c_info = read(rewritten);
  ASSERT_NE(c_info.find_custom_section("wasmhive_metadata"), nullptr);
  EXPECT_EQ(testing::to_string(c_info.find_custom_section("wasmhive_metadata")->bytes), "name=c\n");
  EXPECT_EQ(global_export(c_info, 0), (GlobalType{ValType::i32, true}));
  EXPECT_EQ(c_info.imports.size(), read(counter).imports.size());
  auto engine = engine::create_engine();
  ASSERT_TRUE(engine.ok());
  auto compiled = (*engine)->compile(rewritten);
  EXPECT_TRUE(compiled.ok()) << compiled.error().describe();
}

// V8 ignores what is inside these sections; binaryen decodes them and, when
// they are malformed, exits the process or crashes. So they never reach it.
TEST(ExportMutableGlobals, CustomSectionsBinaryenWouldDecodeAreDroppedFirst) {
  Bytes wasm = guest_bytes("globals");
  const std::string garbage = "\xff\xff\xff\x05\x01";
  for (const char* name : {"name", "target_features", "dylink", "dylink.0", ".debug_info"})
    wasm = with_custom_section(std::move(wasm), name, garbage);
  wasm = with_custom_section(std::move(wasm), "wasmhive_metadata", "name=a/b\n");
  wasm = with_custom_section(std::move(wasm), "producers", garbage);  // kept as bytes
  auto engine = engine::create_engine();
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->compile(wasm).ok());  // what V8 accepts

  Bytes rewritten = rewrite(wasm);
  engine::ModuleInfo info = read(rewritten);
  EXPECT_EQ(saved_exports(info), 7u);
  ASSERT_NE(info.find_custom_section("wasmhive_metadata"), nullptr);
  EXPECT_EQ(testing::to_string(info.find_custom_section("wasmhive_metadata")->bytes), "name=a/b\n");
  auto compiled = (*engine)->compile(rewritten);
  EXPECT_TRUE(compiled.ok()) << compiled.error().describe();
}

class RewrittenModuleTest : public testing::EngineTest {};

TEST_F(RewrittenModuleTest, RunsAndItsSavedGlobalsAreReadAndWritten) {
  auto module = engine->compile(rewrite(guest_bytes("globals")));
  ASSERT_TRUE(module.ok()) << module.error().describe();
  engine::HostFunctions none;
  auto instance = engine->instantiate(*module, none);
  ASSERT_TRUE(instance.ok()) << instance.error().describe();
  engine::Instance& guest = **instance;

  EXPECT_EQ(guest.call("bump", {}).value(), 1);
  EXPECT_EQ(guest.call("bump", {}).value(), 2);
  EXPECT_EQ(guest.global(saved(0)).value(), 2u);  // the global no one exported
  ASSERT_TRUE(guest.set_global(saved(0), 41).ok());
  EXPECT_EQ(guest.call("bump", {}).value(), 42);

  // The saved export and the module's own name for it are one global.
  ASSERT_TRUE(guest.set_global(saved(2), 0x0123456789abcdef).ok());
  EXPECT_EQ(guest.global("i64").value(), 0x0123456789abcdefu);
  EXPECT_EQ(guest.call("get_i64", {}).value(), 0x0123456789abcdef);
  ASSERT_TRUE(guest.set_global(saved(4), std::bit_cast<std::uint64_t>(0.125)).ok());
  EXPECT_EQ(guest.call("get_f64_bits", {}).value(), std::bit_cast<std::int64_t>(0.125));
}

TEST(ExportMutableGlobals, ReturnsTheSameBytesWhenThereIsNothingToAdd) {
  // No globals at all (looper), only an immutable one, or every export there.
  Bytes looper = guest_bytes("looper");
  EXPECT_EQ(rewrite(looper), looper);
  Bytes immutable_only = module_of({{kGlobalId, {1, 0x7e, 0x00, 0x42, 0x07, 0x0b}}});
  EXPECT_EQ(rewrite(immutable_only), immutable_only);
  Bytes once = rewrite(guest_bytes("globals"));
  EXPECT_EQ(rewrite(once), once);
}

TEST(ExportMutableGlobals, RefusesTheReservedNameOnAnotherExport) {
  // Global 0 is mutable, and a function is exported as if it were its save.
  Bytes exports = {1};
  Bytes name = name_bytes(saved(0));
  exports.insert(exports.end(), name.begin(), name.end());
  exports.insert(exports.end(), {0x00, 0x00});  // function 0
  Bytes wasm = module_of({{kTypeId, {1, 0x60, 0x00, 0x00}},
                          {kFunctionId, {1, 0x00}},
                          {kGlobalId, kOneMutableGlobal},
                          {kExportId, exports},
                          {kCodeId, {1, 2, 0x00, 0x0b}}});
  ASSERT_TRUE(engine::read_module_info(wasm).ok());
  auto rewritten = export_mutable_globals(wasm);
  ASSERT_FALSE(rewritten.ok());
  EXPECT_EQ(rewritten.error().code, Errc::invalid_module);
  EXPECT_NE(rewritten.error().message.find("'" + saved(0) + "' is reserved"), std::string::npos)
      << rewritten.error().message;
}

TEST(ExportMutableGlobals, AModuleThatDoesNotValidateIsAnError) {
  // A function declared to return an i32 returns an i64 (binaryen says so on stderr).
  Bytes wasm = module_of({{kTypeId, {1, 0x60, 0x00, 0x01, 0x7f}},
                          {kFunctionId, {1, 0x00}},
                          {kGlobalId, kOneMutableGlobal},
                          {kCodeId, {1, 4, 0x00, 0x42, 0x00, 0x0b}}});
  auto rewritten = export_mutable_globals(wasm);
  ASSERT_FALSE(rewritten.ok());
  EXPECT_EQ(rewritten.error().code, Errc::invalid_module);
}

TEST(ExportMutableGlobals, RefusesAMalformedSectionStructureBeforeBinaryenSeesIt) {
  Bytes globals = guest_bytes("globals");
  const Bytes cases[] = {
      testing::to_bytes("not wasm at all"),
      {},
      Bytes(globals.begin(), globals.begin() + 4),                              // no version
      Bytes(globals.begin(), globals.end() - 1),                                // last section cut
      {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, kExportId, 0x80},        // size cut
      {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, kExportId, 0x05, 0x00},  // size too big
      {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x05, 'a'},  // custom name
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    auto rewritten = export_mutable_globals(cases[i]);
    ASSERT_FALSE(rewritten.ok()) << i;
    EXPECT_EQ(rewritten.error().code, Errc::invalid_module) << i;
  }
}

// Binaryen 108 has no error return for a module it cannot read: it prints why
// and exits. The host only hands it modules V8 compiled; this documents why.
TEST(ExportMutableGlobalsDeathTest, BinaryenExitsOnAModuleItCannotRead) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Bytes five_types_in_two_bytes = module_of({{kTypeId, {5, 0x60}}});
  EXPECT_EXIT((void)export_mutable_globals(five_types_in_two_bytes), ::testing::ExitedWithCode(1),
              "error in parsing wasm binary");
}

}  // namespace
}  // namespace wasmhive::hibernation
