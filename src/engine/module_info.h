// A static description of a wasm module (imports, exports, memory, start, the
// custom sections the host reads), read straight from its bytes without an
// engine, and the one rewrite the host does to a module before compiling it:
// capping its linear memory.
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

struct GlobalType {
  ValType type;
  bool mutable_ = false;
  bool operator==(const GlobalType&) const = default;
};

struct ExportInfo {
  std::string name;
  ExternKind kind;
  FuncType type;                       // functions only
  std::optional<GlobalType> global{};  // globals only (imported or defined)
};

// Sizes in 64 KiB wasm pages.
struct MemoryLimits {
  std::uint32_t min_pages = 0;
  std::optional<std::uint32_t> max_pages;
};

inline constexpr std::uint32_t kWasmPageSize = 65536;

// The custom sections whose contents the host reads (abi/metadata.h reads the
// first). Every custom section's header is checked (its name must lie inside the
// section and be valid UTF-8), but only these are copied into ModuleInfo: other
// custom sections (DWARF, "name", "producers") can be megabytes the host never
// looks at, and recording even their names would let a module of many tiny
// sections make the host allocate several times the module's size.
inline constexpr std::string_view kHostCustomSections[] = {"wasmhive_metadata"};
// The most bytes of kHostCustomSections contents a module may carry, all of them
// together; more is refused with Errc::invalid_module. Far above what the host
// needs (metadata is at most 4 KiB) and far below the module size cap.
inline constexpr std::size_t kMaxHostCustomSectionBytes = std::size_t{1} << 20;

struct CustomSection {
  std::string name;
  std::size_t offset = 0;  // of the contents (after the name) in the module bytes
  std::vector<std::uint8_t> bytes;
};

struct ModuleInfo {
  std::vector<ImportInfo> imports;
  std::vector<ExportInfo> exports;
  std::optional<MemoryLimits> memory;  // the module's own (non-imported) memory
  bool has_start_function = false;
  // The custom sections named in kHostCustomSections that the module has, in
  // module order; each name at most once.
  std::vector<CustomSection> custom_sections;

  const ExportInfo* find_export(std::string_view name) const;
  // The custom section of that name, if kept (see kHostCustomSections).
  const CustomSection* find_custom_section(std::string_view name) const;
};

// Reads the sections that describe the module's interface. Fails with
// Errc::invalid_module and the byte offset for malformed or truncated input,
// including a malformed custom section name, a section of kHostCustomSections
// that appears twice, or more than kMaxHostCustomSectionBytes of them.
Result<ModuleInfo> read_module_info(std::span<const std::uint8_t> wasm);

// Returns a copy of `wasm` whose own memory may grow to at most `max_pages`:
// a declared maximum above it (or none) becomes `max_pages`. Fails with
// Errc::limit_exceeded when the memory's minimum is already above the cap.
// A module without its own memory is returned unchanged.
Result<std::vector<std::uint8_t>> cap_memory(std::span<const std::uint8_t> wasm,
                                             std::uint32_t max_pages);

}  // namespace wasmhive::engine
