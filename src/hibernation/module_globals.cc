// The rewrite goes through binaryen (engine/binaryen_module.h), so
// export_mutable_globals must only see modules that already passed
// engine::read_module_info and V8's compile, the order the host follows.
#include "hibernation/module_globals.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>

#include "engine/binaryen_module.h"

namespace wasmhive::hibernation {
namespace {

using Bytes = std::vector<std::uint8_t>;
using engine::IrModule;

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
  auto module = IrModule::read(wasm);
  if (!module || tables_shared(module->get())) return false;
  std::string text = module->text();
  if (text.empty()) return false;
  std::string_view code(text);
  return std::none_of(std::begin(kStatefulInstructions), std::end(kStatefulInstructions),
                      [&](std::string_view op) { return code.find(op) != std::string_view::npos; });
}

Result<std::vector<std::uint8_t>> export_mutable_globals(std::span<const std::uint8_t> wasm) {
  auto module = IrModule::read(wasm);
  if (!module)
    return make_error(Errc::invalid_module, "cannot add global exports: malformed module");
  bool added = false;
  for (BinaryenIndex i = 0; i < BinaryenGetNumGlobals(module->get()); ++i) {
    auto one = add_saved_export(module->get(), i);
    if (!one) return one.error();
    added = added || *one;
  }
  if (!added) return Bytes(wasm.begin(), wasm.end());
  if (!module->validates())
    return make_error(Errc::invalid_module,
                      "module does not validate after adding its global exports");
  return module->write();
}

}  // namespace wasmhive::hibernation
