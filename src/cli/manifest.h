// The app manifest (TOML): the host's settings, supervision groups and the
// components to run, read into the embedding API's types. docs/manifest.md is
// the reference. Every mistake is reported with file, line and key.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "actor/spec.h"
#include "host/host.h"
#include "lattice/config.h"

namespace wasmhive::cli {

struct GroupEntry {
  actor::GroupSpec spec;
  std::string parent;  // empty: the root group
};

struct ComponentEntry {
  actor::ComponentSpec spec;  // spec.wasm is absolute (resolved against the manifest)
  std::string group;          // empty: the root group
};

// A [[component]] whose name is a pattern ("user/*"): a template of virtual
// components.
struct TemplateEntry {
  actor::TemplateSpec spec;
  std::string group;  // empty: the root group
};

struct Manifest {
  std::filesystem::path path;
  std::size_t workers = 0;
  std::size_t max_payload = 1 << 20;
  std::size_t max_queued_bytes = 256 << 20;  // for HostConfig::max_queued_bytes
  std::size_t ready_instances = 16;          // for HostConfig::ready_instances
  // Where the app's database lives (absolute): [host] data_dir, or the default
  // kDefaultDataDir beside the manifest. An explicit one must exist.
  std::filesystem::path data_dir;
  bool data_dir_explicit = false;
  storage::Durability durability = storage::Durability::normal;
  actor::GroupSpec root{.name = "root"};
  std::vector<GroupEntry> groups;          // in file order; parents before children
  std::vector<ComponentEntry> components;  // in file order: the start order
  std::vector<TemplateEntry> templates;    // added before any component starts
  // [lattice]: join one (see lattice/config.h); none without the section.
  std::optional<lattice::LatticeConfig> lattice;
  // [trust]: which modules may load (security/signing.h).
  security::TrustPolicy trust;
};

// The data directory when the manifest names none, beside the manifest.
inline constexpr std::string_view kDefaultDataDir = "wasmhive-data";
// The longest [component.config] value.
inline constexpr std::size_t kMaxConfigValueBytes = 64 << 10;

// The largest manifest load_manifest reads: far more than any app needs, and
// a bound on what a mistaken path (a log, a device) can make it allocate.
inline constexpr std::size_t kMaxManifestBytes = std::size_t{1} << 20;

// Reads and checks the manifest: syntax, unknown keys, types, ranges, names,
// references between groups and components, and that every wasm file is a
// regular file. Errors are "<file>:<line>:<column>: <what>",
// Errc::invalid_argument (or not_found for a missing manifest, limit_exceeded
// for one larger than kMaxManifestBytes). Never throws.
Result<Manifest> load_manifest(const std::filesystem::path& path);

// load_manifest on text already read: `path` names the file in errors, and
// relative wasm paths are resolved against its directory. Never throws.
Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& path);

// Parses sizes such as "4MiB", "64KiB", "1048576"; refuses what overflows 64 bits.
Result<std::uint64_t> parse_size(std::string_view text);

}  // namespace wasmhive::cli
