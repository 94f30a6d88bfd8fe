// Deterministic fuel metering: a rewrite of a module, before it is compiled,
// after which its code counts what it executes in a global and traps when a
// budget is spent. A wall-clock deadline cuts the same code at different
// points on different machines; fuel cuts it at the same instruction
// everywhere, so a limit can be part of a contract.
//
// What meter_fuel adds:
// - A mutable i64 global exported as kFuelGlobalExport: the fuel left. It
//   starts at INT64_MAX, so code run without a budget (a start function, a
//   call without CallOptions::fuel) is in effect unmetered.
// - A mutable i32 global exported as kFuelExhaustedExport, 0 until a check
//   fails, then 1 (how a trap is told apart from the guest's own
//   `unreachable`).
// - For every function export "f", an export kFuelCallPrefix + "f" taking
//   (i32 high, i32 low, the parameters of f) with f's results: it sets the
//   fuel to (high << 32 | low), clears the exhausted flag and calls f. The
//   engine calls through it, which costs far less than setting the global
//   from the host (two small integers instead of a BigInt through the JS
//   global API).
//
// Cost model. Every expression of binaryen's IR (about one wasm instruction)
// costs 1, except those that compile to nothing: block, nop, and binaryen's
// own pop, tuple.make and tuple.extract. The code is split into metered
// regions: each function body, each loop body and each arm (then, else) of
// an if. A region's cost is that of its expressions, without those inside
// the loop bodies and if arms nested in it (their own regions); a loop or if
// expression itself, and the condition of an if, count in the enclosing
// region. A region's whole cost is charged (fuel -= cost) when it is
// entered: a function body at its call, a loop body each time control
// reaches the loop's header (first entry and every branch back), an if arm
// when it is taken. So code after a branch out of a region is charged with
// it though it does not run: a small, deterministic overcharge.
// After the charge at a function entry or loop header comes the check: if
// fuel < 0, set the exhausted flag and trap (unreachable). If arms charge
// without a check; the next function entry or loop header catches up, so a
// call can end with at most the cost of the arms it took since its last
// check overdrawn. Every loop iteration and every call passes a check, so
// an infinite loop or unbounded recursion always stops. A region of cost 0
// (no instruction: it can neither loop nor call) gets neither charge nor
// check. The pass's own code costs nothing.
//
// Binaryen exits the process on some malformed code it cannot read (see
// engine/binaryen_module.h), so meter_fuel must only see modules V8 has
// compiled.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/module_info.h"
#include "util/result.h"

namespace wasmhive::engine {

inline constexpr std::string_view kFuelGlobalExport = "wasmhive:fuel";
inline constexpr std::string_view kFuelExhaustedExport = "wasmhive:fuel_exhausted";
inline constexpr std::string_view kFuelCallPrefix = "wasmhive:fuel_call:";
// Every export name meter_fuel adds starts with it; the ABI reserves it.
inline constexpr std::string_view kFuelExportPrefix = "wasmhive:fuel";

// The metered module. A module that already has an export under
// kFuelExportPrefix is refused rather than returned unchanged: the guest is
// untrusted, and a module that merely claims to be metered (exports a fuel
// global its code never charges) would run unmetered. Errors:
// invalid_module (malformed sections; an export under kFuelExportPrefix; GC
// instructions, which the pass does not meter and V8 10.2 does not run;
// ref.func in stack-machine code that binaryen would write back with typed
// function references, which V8 10.2 does not read; the result does not
// validate in binaryen, which also refuses a data segment
// outside the module's own memory, though V8 compiles such a module and
// refuses it only at instantiation).
Result<std::vector<std::uint8_t>> meter_fuel(std::span<const std::uint8_t> wasm);

// Whether the module exports kFuelGlobalExport as a mutable i64 global, and
// so was metered by meter_fuel (which refuses modules that export it
// themselves).
bool is_fuel_metered(const ModuleInfo& info);

// The name of the export that calls `export_name` under a budget.
inline std::string fuel_call_export(std::string_view export_name) {
  return std::string(kFuelCallPrefix) + std::string(export_name);
}

}  // namespace wasmhive::engine
