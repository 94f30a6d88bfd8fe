// libFuzzer target: arbitrary bytes as a --metrics address, and as the names,
// reasons and targets a snapshot carries (observe/). A parsed address prints
// as text that parses to the same address; whatever the names hold, the
// Prometheus page stays one sample or comment per line and the JSON stays
// valid UTF-8 without a raw control character.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "observe/listen_address.h"
#include "observe/prometheus.h"
#include "observe/snapshot_json.h"
#include "util/text.h"

using namespace wasmhive;

namespace {

void check_address(std::string_view text) {
  auto parsed = observe::ListenAddress::parse(text);
  if (!parsed) return;
  auto again = observe::ListenAddress::parse(parsed->to_string());
  if (!again || again->host != parsed->host || again->port != parsed->port) std::abort();
}

void check_rendering(const std::string& text) {
  host::Snapshot s;
  actor::ComponentStatus c{};
  c.name = text;
  c.state = actor::ComponentState::running;
  s.components.push_back(c);
  host::TemplateStatus t{};
  t.pattern = text;
  s.templates.push_back(t);
  s.groups.push_back({.name = text, .children = {{text, false}}});
  s.recent_dead_letters.push_back({.sender = text, .target = text, .reason = text});
  s.recent_denials.push_back({.time_ms = 0,
                              .component = text,
                              .capability = text,
                              .target = text,
                              .granted = false,
                              .reason = text});
  std::istringstream page(observe::to_prometheus(s, 1.0));
  for (std::string line; std::getline(page, line);)
    if (!line.starts_with("# HELP wasmhive_") && !line.starts_with("# TYPE wasmhive_") &&
        !line.starts_with("wasmhive_"))
      std::abort();
  std::string json = observe::to_json(s, {}, 2.5);
  if (!is_valid_utf8(json)) std::abort();
  for (unsigned char c : json)
    if (c < 0x20) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  check_address(text);
  check_rendering(text);
  return 0;
}
