#include "security/capabilities.h"

#include <fnmatch.h>

#include <algorithm>
#include <string>

#include "messaging/subjects.h"

namespace wasmhive::security {

Capabilities Capabilities::all() {
  return {{"*"}, {">"}, {">"}, true, abi::kTrace, StorageAccess::read_write};
}

bool may_send(const Capabilities& caps, std::string_view target) {
  // Checked on every send: plain names and "*" skip fnmatch (and its string copy).
  for (const std::string& glob : caps.send) {
    if (glob == "*") return true;
    if (glob.find_first_of("*?[") == std::string::npos) {
      if (glob == target) return true;
      continue;
    }
    // FNM_PATHNAME: a wildcard stays within one segment, so "shop/*" grants
    // "shop/cart" but not "shop/a/b".
    if (fnmatch(glob.c_str(), std::string(target).c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

bool may_publish(const Capabilities& caps, std::string_view topic) {
  return std::any_of(caps.publish.begin(), caps.publish.end(), [&](const std::string& grant) {
    return messaging::subject_matches(grant, topic);
  });
}

bool may_subscribe(const Capabilities& caps, std::string_view pattern) {
  return std::any_of(caps.subscribe.begin(), caps.subscribe.end(),
                     [&](const std::string& grant) { return pattern_covers(grant, pattern); });
}

bool may_log(const Capabilities& caps, abi::LogLevel level) {
  return caps.log && level >= *caps.log;
}

bool pattern_covers(std::string_view grant, std::string_view pattern) {
  auto g = messaging::subject_tokens(grant);
  auto p = messaging::subject_tokens(pattern);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (g[i] == ">") return p.size() > i;  // covers one or more remaining tokens, wildcards too
    if (i >= p.size()) return false;
    if (p[i] == ">") return false;   // the pattern reaches further than this grant
    if (g[i] == "*") continue;       // one token, literal or '*'
    if (p[i] != g[i]) return false;  // a literal grant token covers only itself
  }
  return g.size() == p.size();
}

}  // namespace wasmhive::security
