// The command line's side of the lattice: the options `run` and `lattice
// status` share, credentials from the environment, and `lattice status`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lattice/config.h"

namespace CLI {
class App;
}

namespace wasmhive::cli {

struct LatticeOptions {
  std::string url;          // --lattice
  std::string name;         // --lattice-name
  std::string host_id;      // --host-id (run only)
  std::string tls_ca_file;  // --tls-ca-file
};

// Adds --lattice, --lattice-name, --tls-ca-file and, for `run`, --host-id.
void add_lattice_options(CLI::App& command, LatticeOptions& options, bool for_run);

// The manifest's [lattice] with the command line's options over it, and
// credentials from WASMHIVE_LATTICE_USER / _PASSWORD / _TOKEN where the
// manifest gives none. None when neither asks for a lattice.
std::optional<lattice::LatticeConfig> lattice_config(
    const std::optional<lattice::LatticeConfig>& manifest, const LatticeOptions& options);

// --lattice-name or --host-id given, but no lattice to join: a usage error.
bool lattice_options_without_lattice(const std::optional<lattice::LatticeConfig>& manifest,
                                     const LatticeOptions& options);

struct LatticeStatusOptions {
  LatticeOptions lattice;
  std::vector<std::string> owners;  // names to place
  std::int64_t wait_ms = 1000;
};

// `wasmhive lattice status`: asks every host of the lattice for its
// heartbeat and prints what each owns. An exit code.
int lattice_status(const LatticeStatusOptions& options);

}  // namespace wasmhive::cli
