// How a host joins a lattice: hosts that share a NATS server and a lattice
// name share one namespace of components (see lattice/lattice.h).
#pragma once

#include <chrono>
#include <string>

#include "util/result.h"

namespace wasmhive::lattice {

struct LatticeConfig {
  // "nats://host:4222" or "tls://host:4222" (TLS). Credentials written in the
  // URL ("nats://user:pass@host:4222") work too; they are never logged.
  std::string url{};
  // Hosts with the same name on the same server form one lattice: a NATS
  // subject token (letters, digits, '-' and '_').
  std::string name = "default";
  // This host's id, unique in the lattice (same characters); empty:
  // "<hostname>-<pid>".
  std::string host_id{};
  // Credentials: a user and password, or a token.
  std::string user{};
  std::string password{};
  std::string token{};
  // TLS: the certificate authorities to trust (PEM), for a tls:// URL.
  std::string tls_ca_file{};
  // How often a host says it is alive, and how long a silent host is still
  // counted as alive: a host that dies is noticed within host_timeout plus
  // one interval.
  std::chrono::milliseconds heartbeat_interval{250};
  std::chrono::milliseconds host_timeout{1000};
};

// Checks a lattice config: a URL, names as subject tokens, sane intervals.
// Errors: invalid_argument.
Result<void> validate(const LatticeConfig& config);

}  // namespace wasmhive::lattice
