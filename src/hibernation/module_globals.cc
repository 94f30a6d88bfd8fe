// The rewrite goes through binaryen's C API (Debian's binaryen 108). That API
// has no error return for a module it cannot read: it prints the parse error
// and exits the process (Fatal). So export_mutable_globals must only see
// modules that already passed engine::read_module_info and V8's compile, the
// order the host follows, which leaves binaryen nothing malformed to read in
// the sections V8 checks. What V8 does not check is handled here: the
// section framing, and custom sections binaryen decodes (kParsedByBinaryen).
#include "hibernation/module_globals.h"

#include <binaryen-c.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace wasmhive::hibernation {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kHeader[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
constexpr std::uint8_t kCustomSectionId = 0;

// Custom sections binaryen decodes instead of keeping as bytes. It exits the
// process on a malformed name, target_features or dylink section, and crashes
// writing a module with malformed DWARF, though V8 accepts all of them. None
// is worth keeping: binaryen drops "name" and DWARF when it writes a module
// without debug info (DWARF would no longer match the rewritten code anyway),
// target_features is a toolchain hint V8 ignores, and dylink is for dynamic
// linking, which the host does not do.
constexpr std::string_view kParsedByBinaryen[] = {"name", "target_features", "dylink", "dylink.0"};
constexpr std::string_view kDwarfPrefix = ".debug_";

bool parsed_by_binaryen(std::string_view custom_name) {
  return custom_name.starts_with(kDwarfPrefix) ||
         std::find(std::begin(kParsedByBinaryen), std::end(kParsedByBinaryen), custom_name) !=
             std::end(kParsedByBinaryen);
}

// An unsigned LEB128 u32 at `pos`, which it advances; nullopt if malformed.
std::optional<std::uint32_t> read_u32(std::span<const std::uint8_t> bytes, std::size_t& pos) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 35 && pos < bytes.size(); shift += 7) {
    std::uint8_t b = bytes[pos++];
    value |= std::uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) {
      if (value > UINT32_MAX) return std::nullopt;
      return static_cast<std::uint32_t>(value);
    }
  }
  return std::nullopt;
}

// The name of the custom section whose contents are `payload`; nullopt if
// malformed.
std::optional<std::string_view> custom_name(std::span<const std::uint8_t> payload) {
  std::size_t pos = 0;
  auto length = read_u32(payload, pos);
  if (!length || *length > payload.size() - pos) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(payload.data() + pos), *length);
}

// A copy of `wasm` without the custom sections binaryen would parse, or
// nullopt if its section structure is malformed (binaryen would exit on it).
std::optional<Bytes> without_parsed_sections(std::span<const std::uint8_t> wasm) {
  if (wasm.size() < sizeof kHeader ||
      !std::equal(std::begin(kHeader), std::end(kHeader), wasm.begin()))
    return std::nullopt;
  Bytes out(wasm.begin(), wasm.begin() + sizeof kHeader);
  std::size_t pos = sizeof kHeader;
  while (pos < wasm.size()) {
    std::size_t start = pos++;
    auto size = read_u32(wasm, pos);
    if (!size || *size > wasm.size() - pos) return std::nullopt;
    auto payload = wasm.subspan(pos, *size);
    pos += *size;
    if (wasm[start] == kCustomSectionId) {
      auto name = custom_name(payload);
      if (!name) return std::nullopt;
      if (parsed_by_binaryen(*name)) continue;
    }
    out.insert(out.end(), wasm.begin() + start, wasm.begin() + pos);
  }
  return out;
}

struct ModuleDisposer {
  void operator()(BinaryenModuleRef module) const { BinaryenModuleDispose(module); }
};
using ModulePtr = std::unique_ptr<std::remove_pointer_t<BinaryenModuleRef>, ModuleDisposer>;

struct Freer {
  void operator()(void* p) const { std::free(p); }
};

bool is_imported(BinaryenGlobalRef global) {
  const char* module = BinaryenGlobalImportGetModule(global);
  return module && *module;
}

// Adds the export saving global `index` unless the module has it already.
// Returns whether it added one; an export of that name that is anything else
// is an error, because the ABI reserves the prefix.
Result<bool> add_saved_export(BinaryenModuleRef module, BinaryenIndex index) {
  BinaryenGlobalRef global = BinaryenGetGlobalByIndex(module, index);
  if (!BinaryenGlobalIsMutable(global) || is_imported(global)) return false;
  std::string name = std::string(kGlobalExportPrefix) + std::to_string(index);
  const char* internal = BinaryenGlobalGetName(global);
  if (BinaryenExportRef existing = BinaryenGetExport(module, name.c_str())) {
    if (BinaryenExportGetKind(existing) == BinaryenExternalGlobal() &&
        std::strcmp(BinaryenExportGetValue(existing), internal) == 0)
      return false;
    return make_error(Errc::invalid_module, "export '" + name + "' is reserved for saving global " +
                                                std::to_string(index) +
                                                " but names something else");
  }
  BinaryenAddGlobalExport(module, internal, name.c_str());
  return true;
}

// Binaryen takes a module's features from its target_features section (none:
// MVP only) and would refuse the mutable-global exports and anything newer,
// so validation allows every feature; the module keeps what it declared.
bool validates(BinaryenModuleRef module) {
  BinaryenFeatures declared = BinaryenModuleGetFeatures(module);
  BinaryenModuleSetFeatures(module, BinaryenFeatureAll());
  bool valid = BinaryenModuleValidate(module);  // prints what is wrong to stderr
  BinaryenModuleSetFeatures(module, declared);
  return valid;
}

Bytes write(BinaryenModuleRef module) {
  BinaryenModuleAllocateAndWriteResult written = BinaryenModuleAllocateAndWrite(module, nullptr);
  std::unique_ptr<void, Freer> binary(written.binary);
  std::unique_ptr<char, Freer> source_map(written.sourceMap);  // null: no source map asked for
  const auto* bytes = static_cast<const std::uint8_t*>(written.binary);
  return Bytes(bytes, bytes + written.binaryBytes);
}

// Read as export_mutable_globals reads it; null if its sections are malformed.
ModulePtr read(std::span<const std::uint8_t> wasm) {
  auto readable = without_parsed_sections(wasm);
  if (!readable) return nullptr;
  // BinaryenModuleRead copies the bytes it is given; they are not const only
  // because its signature says so.
  return ModulePtr(BinaryenModuleRead(reinterpret_cast<char*>(readable->data()), readable->size()));
}

// Instructions that change a table or a segment's state: what a reset of
// memory and globals would not undo. Binaryen prints every expression as
// "(<name>", so the text shows each that the code contains.
constexpr std::string_view kStatefulInstructions[] = {"(table.set",  "(table.grow", "(table.fill",
                                                      "(table.copy", "(table.init", "(elem.drop",
                                                      "(data.drop",  "(memory.init"};

bool tables_shared(BinaryenModuleRef module) {
  for (BinaryenIndex i = 0; i < BinaryenGetNumTables(module); ++i) {
    const char* imported = BinaryenTableImportGetModule(BinaryenGetTableByIndex(module, i));
    if (imported && *imported) return true;
  }
  for (BinaryenIndex i = 0; i < BinaryenGetNumExports(module); ++i)
    if (BinaryenExportGetKind(BinaryenGetExportByIndex(module, i)) == BinaryenExternalTable())
      return true;
  return false;
}

}  // namespace

bool reusable_module(std::span<const std::uint8_t> wasm) {
  ModulePtr module = read(wasm);
  if (!module || tables_shared(module.get())) return false;
  std::unique_ptr<char, Freer> text(BinaryenModuleAllocateAndWriteText(module.get()));
  if (!text) return false;
  std::string_view code(text.get());
  return std::none_of(std::begin(kStatefulInstructions), std::end(kStatefulInstructions),
                      [&](std::string_view op) { return code.find(op) != std::string_view::npos; });
}

Result<std::vector<std::uint8_t>> export_mutable_globals(std::span<const std::uint8_t> wasm) {
  ModulePtr module = read(wasm);
  if (!module)
    return make_error(Errc::invalid_module, "cannot add global exports: malformed module");
  bool added = false;
  for (BinaryenIndex i = 0; i < BinaryenGetNumGlobals(module.get()); ++i) {
    auto one = add_saved_export(module.get(), i);
    if (!one) return one.error();
    added = added || *one;
  }
  if (!added) return Bytes(wasm.begin(), wasm.end());
  if (!validates(module.get()))
    return make_error(Errc::invalid_module,
                      "module does not validate after adding its global exports");
  return write(module.get());
}

}  // namespace wasmhive::hibernation
