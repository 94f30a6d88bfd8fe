#include "security/gate.h"

#include <chrono>

namespace wasmhive::security {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Gate::check(std::string_view component, const char* capability, std::string_view target,
                 bool granted) {
  if (granted && !audit_grants_) return true;
  bool in_full =
      audit_.record({unix_ms(), std::string(component), capability, std::string(target), granted,
                     granted ? "granted by the manifest" : "not granted by the manifest"});
  // Repeated denials are only counted, and so is their warning.
  if (!granted && in_full)
    warn_("denied: " + std::string(component) + " may not " + capability + " " +
          std::string(target));
  return granted;
}

void Gate::summarize() {
  for (const auto& s : audit_.summarize(unix_ms()))
    warn_("denied: " + s.component + " may not " + s.capability + " " + s.target + ": " +
          std::to_string(s.count) + " more time(s) since the last summary");
}

}  // namespace wasmhive::security
