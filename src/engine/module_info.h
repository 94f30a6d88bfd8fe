// A static description of a wasm module (imports, exports, memory, start), read
// straight from its bytes without an engine, and the one rewrite the host does to
// a module before compiling it: capping its linear memory.
//
// This reader checks the structure of the sections it reads; full validation of
// code is the engine's job at compile time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wasmhive::engine {

enum class ValType : std::uint8_t { i32, i64, f32, f64, v128, funcref, externref };

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;

  bool operator==(const FuncType&) const = default;
  // WAT-like spelling, e.g. "(i32, i32) -> i32".
  std::string to_string() const;
};

enum class ExternKind : std::uint8_t { function, table, memory, global };
std::string_view to_string(ExternKind kind);

struct ImportInfo {
  std::string module;
  std::string name;
  ExternKind kind;
  FuncType type;  // functions only
};

struct ExportInfo {
  std::string name;
  ExternKind kind;
  FuncType type;  // functions only
};

// Sizes in 64 KiB wasm pages.
struct MemoryLimits {
  std::uint32_t min_pages = 0;
  std::optional<std::uint32_t> max_pages;
};

inline constexpr std::uint32_t kWasmPageSize = 65536;

struct ModuleInfo {
  std::vector<ImportInfo> imports;
  std::vector<ExportInfo> exports;
  std::optional<MemoryLimits> memory;  // the module's own (non-imported) memory
  bool has_start_function = false;

  const ExportInfo* find_export(std::string_view name) const;
};

// Reads the sections that describe the module's interface. Fails with
// Errc::invalid_module and the byte offset for malformed or truncated input.
Result<ModuleInfo> read_module_info(std::span<const std::uint8_t> wasm);

// Returns a copy of `wasm` whose own memory may grow to at most `max_pages`:
// a declared maximum above it (or none) becomes `max_pages`. Fails with
// Errc::limit_exceeded when the memory's minimum is already above the cap.
// A module without its own memory is returned unchanged.
Result<std::vector<std::uint8_t>> cap_memory(std::span<const std::uint8_t> wasm,
                                             std::uint32_t max_pages);

}  // namespace wasmhive::engine
