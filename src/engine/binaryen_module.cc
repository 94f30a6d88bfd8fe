#include "engine/binaryen_module.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string_view>

#include "engine/module_info.h"
#include "util/wasm_sections.h"

namespace wasmhive::engine {
namespace {

using Bytes = std::vector<std::uint8_t>;

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

// Binaryen exits on a name holding a NUL byte, which V8 accepts (it is valid
// UTF-8): in an import, an export or a custom section's header. Such custom
// sections are dropped; imports and exports are the module's interface.
bool has_nul(std::string_view name) {
  return name.find('\0') != std::string_view::npos;
}

// Sections binaryen reads, custom (0) to tag (13); it exits on any other id,
// and V8 skips some it does not know.
constexpr std::uint8_t kLastKnownSectionId = 13;

bool names_readable(std::span<const std::uint8_t> wasm) {
  // A module read_module_info refuses is outside the precondition (V8 refuses
  // it too), so it is left to binaryen.
  auto info = read_module_info(wasm);
  if (!info) return true;
  for (const ImportInfo& import : info->imports)
    if (has_nul(import.module) || has_nul(import.name)) return false;
  for (const ExportInfo& exp : info->exports)
    if (has_nul(exp.name)) return false;
  return true;
}

// A copy of `wasm` without the custom sections binaryen would parse, or
// nullopt if its sections or names are what binaryen would exit on.
std::optional<Bytes> without_parsed_sections(std::span<const std::uint8_t> wasm) {
  auto sections = read_sections(wasm);
  if (!sections || !names_readable(wasm)) return std::nullopt;
  for (const WasmSection& section : *sections)
    if (section.id > kLastKnownSectionId) return std::nullopt;
  Bytes out(wasm.begin(), wasm.begin() + kWasmHeaderSize);
  for (const WasmSection& section : *sections)
    if (section.id != kCustomSectionId ||
        !(parsed_by_binaryen(section.custom_name) || has_nul(section.custom_name)))
      out.insert(out.end(), wasm.begin() + section.begin, wasm.begin() + section.end);
  return out;
}

struct Freer {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

Result<IrModule> IrModule::read(std::span<const std::uint8_t> wasm) {
  auto readable = without_parsed_sections(wasm);
  if (!readable)
    return make_error(Errc::invalid_module,
                      "binaryen cannot read this module: its sections are malformed, or it has "
                      "an unknown section id or a NUL byte in an import or export name");
  // BinaryenModuleRead copies the bytes it is given; they are not const only
  // because its signature says so.
  return IrModule(BinaryenModuleRead(reinterpret_cast<char*>(readable->data()), readable->size()));
}

bool IrModule::validates() const {
  BinaryenFeatures declared = BinaryenModuleGetFeatures(get());
  BinaryenModuleSetFeatures(get(), BinaryenFeatureAll());
  bool valid = BinaryenModuleValidate(get());
  BinaryenModuleSetFeatures(get(), declared);
  return valid;
}

// Binaryen writes the DataCount section that memory.init and data.drop need
// only when the module's features (MVP, without target_features) include
// bulk memory, and V8 refuses such code without it. Only that feature is
// added: all of them could make binaryen write encodings V8 10.2 does not
// read (GC types).
std::vector<std::uint8_t> IrModule::write() const {
  BinaryenFeatures declared = BinaryenModuleGetFeatures(get());
  BinaryenModuleSetFeatures(get(), declared | BinaryenFeatureBulkMemory());
  BinaryenModuleAllocateAndWriteResult written = BinaryenModuleAllocateAndWrite(get(), nullptr);
  BinaryenModuleSetFeatures(get(), declared);
  std::unique_ptr<void, Freer> binary(written.binary);
  std::unique_ptr<char, Freer> source_map(written.sourceMap);  // null: no source map asked for
  const auto* bytes = static_cast<const std::uint8_t*>(written.binary);
  return Bytes(bytes, bytes + written.binaryBytes);
}

std::string IrModule::text() const {
  std::unique_ptr<char, Freer> text(BinaryenModuleAllocateAndWriteText(get()));
  return text ? std::string(text.get()) : std::string();
}

}  // namespace wasmhive::engine
