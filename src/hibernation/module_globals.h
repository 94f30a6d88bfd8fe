// Hibernation must save a component's globals as well as its memory, but a
// host can read only the globals a module exports, and toolchains export
// none (clang's __stack_pointer, AssemblyScript's top-level variables). So a
// template that hibernates has its module rewritten once, before compiling,
// with binaryen: every mutable global it defines gets an export named
// kGlobalExportPrefix + its index. Nothing else about the module changes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wasmhive::hibernation {

// A prefix no toolchain uses, and the ABI reserves (docs/abi.md).
inline constexpr std::string_view kGlobalExportPrefix = "wasmhive:global:";

// The rewritten module, or the same bytes when it defines no mutable global
// (or exports each already under the prefix). Errors: invalid_module (binaryen
// cannot read it, or the result does not validate).
Result<std::vector<std::uint8_t>> export_mutable_globals(std::span<const std::uint8_t> wasm);

// Whether the module keeps state only in memory and globals, so that an
// instance reset to its base image is as good as a new one (pooling,
// actor/instance_pool.h): no instruction changes a table or drops a segment
// (table.set, table.grow, table.fill, table.copy, table.init, elem.drop,
// data.drop, memory.init), and no table is imported or exported. Read with
// binaryen; false for what it cannot read.
bool reusable_module(std::span<const std::uint8_t> wasm);

// Whether an export is one that export_mutable_globals added.
inline bool is_saved_global(std::string_view export_name) {
  return export_name.starts_with(kGlobalExportPrefix);
}

}  // namespace wasmhive::hibernation
