#include "security/gate.h"

#include <chrono>
#include <map>
#include <set>

namespace wasmhive::security {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Gate::check(std::string_view component, std::string_view module, const char* capability,
                 std::string_view target, bool granted, const Trace& trace) {
  if (granted && !audit_grants_) return true;
  bool in_full =
      audit_.record({.time_ms = unix_ms(),
                     .component = std::string(component),
                     .capability = capability,
                     .target = std::string(target),
                     .granted = granted,
                     .reason = granted ? "granted by the manifest" : "not granted by the manifest",
                     .module = std::string(module)});
  // Repeated denials are only counted, and so is their warning.
  if (!granted && in_full)
    warn_(
        "denied: " + std::string(component) + " may not " + capability + " " + std::string(target),
        trace);
  return granted;
}

void Gate::refused_by_limit(std::string_view component, std::string_view module, const char* limit,
                            std::string_view target, std::string reason, const Trace& trace) {
  warn_("refused: " + std::string(component) + " " + reason +
            " (only the first refusal in each second is audited)",
        trace);
  audit_.record_in_full({.time_ms = unix_ms(),
                         .component = std::string(component),
                         .capability = limit,
                         .target = std::string(target),
                         .granted = false,
                         .reason = std::move(reason),
                         .module = std::string(module)});
}

void Gate::summarize() {
  // One warning per (component, capability), however many targets it tried.
  struct Tally {
    std::uint64_t times = 0;
    std::set<std::string> targets;
  };
  std::map<std::pair<std::string, std::string>, Tally> denied;
  for (const auto& s : audit_.summarize(unix_ms())) {
    if (s.granted) continue;
    auto& tally = denied[{s.component, s.capability}];
    tally.times += s.count;
    tally.targets.insert(s.target);
  }
  for (const auto& [who, tally] : denied)
    warn_("denied: " + who.first + " may not " + who.second + " " +
              (tally.targets.size() == 1 ? *tally.targets.begin()
                                         : std::to_string(tally.targets.size()) + " targets") +
              ": " + std::to_string(tally.times) + " more time(s) since the last summary",
          Trace{});
}

}  // namespace wasmhive::security
