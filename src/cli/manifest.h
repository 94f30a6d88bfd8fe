// The app manifest (TOML): the host's settings, supervision groups and the
// components to run, read into the embedding API's types. docs/manifest.md is
// the reference. Every mistake is reported with file, line and key.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "actor/spec.h"
#include "host/host.h"

namespace wasmhive::cli {

struct GroupEntry {
  actor::GroupSpec spec;
  std::string parent;  // empty: the root group
};

struct ComponentEntry {
  actor::ComponentSpec spec;  // spec.wasm is absolute (resolved against the manifest)
  std::string group;          // empty: the root group
};

struct Manifest {
  std::filesystem::path path;
  std::size_t workers = 0;
  std::size_t max_payload = 1 << 20;
  actor::GroupSpec root{.name = "root"};
  std::vector<GroupEntry> groups;          // in file order; parents before children
  std::vector<ComponentEntry> components;  // in file order: the start order
};

// Reads and checks the manifest: syntax, unknown keys, types, ranges, names,
// references between groups and components, and that every wasm file exists.
// Errors are "<file>:<line>:<column>: <what>", Errc::invalid_argument (or
// not_found for a missing manifest).
Result<Manifest> load_manifest(const std::filesystem::path& path);

// Parses sizes such as "4MiB", "64KiB", "1048576".
Result<std::uint64_t> parse_size(std::string_view text);

}  // namespace wasmhive::cli
