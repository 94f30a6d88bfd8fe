// What a host checks of a module's bytes before it compiles them: that its
// trust policy allows them (security/signing.h), and their SHA-256, by which
// logs, statuses and audit records name the module. Both are remembered per
// distinct module, so a burst of spawns of one module verifies and hashes it
// once. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "security/signing.h"
#include "util/result.h"
#include "util/string_hash.h"

namespace wasmhive::host {

class ModuleVetter {
 public:
  explicit ModuleVetter(security::TrustPolicy policy) : policy_(std::move(policy)) {}

  // The module's SHA-256 (hex) if the policy allows it; otherwise
  // untrusted_module, saying why (unsigned, tampered, unknown signer).
  Result<std::string> vet(std::span<const std::uint8_t> wasm);

 private:
  // Distinct modules remembered; past it the memory starts again (a host
  // spawns a handful of modules, a test or an attacker perhaps many).
  static constexpr std::size_t kMaxRemembered = 256;

  const security::TrustPolicy policy_;
  std::mutex mutex_;
  std::unordered_map<std::string, Result<std::string>, StringHash, std::equal_to<>> verdicts_;
};

}  // namespace wasmhive::host
