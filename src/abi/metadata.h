// Component metadata: who made a module and what it is (name, version,
// description, authors, license), carried in the custom section
// "wasmhive_metadata" and readable without running the module. The format is
// docs/abi.md §9. Metadata is descriptive only: it grants nothing and changes
// nothing about how a component runs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/module_info.h"
#include "util/result.h"

namespace wasmhive::abi {

inline constexpr std::string_view kMetadataSection = "wasmhive_metadata";
inline constexpr std::size_t kMaxMetadataBytes = 4096;      // the whole section
inline constexpr std::size_t kMaxMetadataValueBytes = 256;  // each value but the description
inline constexpr std::size_t kMaxDescriptionBytes = 1024;   // the description's value
inline constexpr std::size_t kMaxMetadataKeyBytes = 64;     // any key, known or not

// An empty field was not given (a given value is never empty).
struct Metadata {
  std::string name;
  std::string version;
  std::string description;
  std::string license;
  std::vector<std::string> authors;

  bool operator==(const Metadata&) const = default;
};

// Parses the contents of a metadata section. Errc::invalid_module with the line
// at fault for anything docs/abi.md §9 does not allow; unknown keys are ignored.
Result<Metadata> parse_metadata(std::string_view text);

// The module's metadata, or nullopt when it has no kMetadataSection. Errors as
// parse_metadata's, with the section's byte offset in the module.
Result<std::optional<Metadata>> read_metadata(const engine::ModuleInfo& info);

}  // namespace wasmhive::abi
