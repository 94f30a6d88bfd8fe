#include "host/module_vetter.h"

namespace wasmhive::host {

Result<std::string> ModuleVetter::vet(std::span<const std::uint8_t> wasm) {
  std::string_view key(reinterpret_cast<const char*>(wasm.data()), wasm.size());
  {
    std::lock_guard lock(mutex_);
    if (auto it = verdicts_.find(key); it != verdicts_.end()) return it->second;
  }
  // Verified outside the lock: two threads may vet one new module at once,
  // and agree.
  Result<std::string> verdict = [&]() -> Result<std::string> {
    if (auto trusted = security::check_trust(wasm, policy_); !trusted) return trusted.error();
    return security::sha256_hex(wasm);
  }();
  std::lock_guard lock(mutex_);
  if (verdicts_.size() >= kMaxRemembered) verdicts_.clear();
  verdicts_.emplace(std::string(key), verdict);
  return verdict;
}

}  // namespace wasmhive::host
