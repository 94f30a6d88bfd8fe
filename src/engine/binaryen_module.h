// A module in binaryen's IR (Debian's binaryen 108, through its C API), for
// the passes that rewrite a module before the host compiles it: fuel
// metering (engine/fuel_meter.h) and hibernation's global exports
// (hibernation/module_globals.h).
//
// Binaryen's C API has no error return for a module it cannot read: it prints
// the parse error and exits the process (Fatal). So a pass must only see
// modules that already passed engine::read_module_info and V8's compile,
// which leaves binaryen nothing malformed to read in the sections V8 checks.
// What V8 does not check is handled here: the section framing, names with a
// NUL byte, and the custom sections binaryen decodes, which are dropped
// before it reads the module.
#pragma once

#include <binaryen-c.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "util/result.h"

namespace wasmhive::engine {

class IrModule {
 public:
  // Errors: invalid_module (malformed section framing or custom section name,
  // an import or export name with a NUL byte).
  static Result<IrModule> read(std::span<const std::uint8_t> wasm);

  BinaryenModuleRef get() const { return module_.get(); }
  // Binaryen takes a module's features from its target_features section
  // (dropped: MVP only) and would refuse anything newer, so validation allows
  // every feature; the module keeps what it declared. Prints what is wrong to
  // stderr.
  bool validates() const;
  std::vector<std::uint8_t> write() const;
  // Binaryen's text format, in which every expression starts "(<name>".
  std::string text() const;

 private:
  struct Disposer {
    void operator()(BinaryenModuleRef module) const { BinaryenModuleDispose(module); }
  };
  explicit IrModule(BinaryenModuleRef module) : module_(module) {}

  std::unique_ptr<std::remove_pointer_t<BinaryenModuleRef>, Disposer> module_;
};

}  // namespace wasmhive::engine
