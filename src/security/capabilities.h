// What a component may do, granted by its manifest: deny by default. Pure
// checks, no I/O; the host calls them before any work and audits denials.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/abi.h"

namespace wasmhive::security {

// What a component may do with its own storage.
enum class StorageAccess : std::uint8_t { none, read, read_write };

struct Capabilities {
  // Names this component may send, request or broadcast to: exact names or
  // shell-style globs ("shop/*", "*"); "@host" is the host's inbox.
  std::vector<std::string> send{};
  // Subject patterns it may publish on (a topic must match one).
  std::vector<std::string> publish{};
  // Subject patterns it may subscribe within (a subscription must be covered:
  // every topic it could match must match a grant).
  std::vector<std::string> subscribe{};
  bool clock = false;  // now_ms, monotonic_ns
  // The most verbose level it may log at; none: no logging.
  std::optional<abi::LogLevel> log{};
  StorageAccess storage = StorageAccess::none;

  // Everything: for trusted components and tests.
  static Capabilities all();
};

bool may_send(const Capabilities& caps, std::string_view target);
bool may_publish(const Capabilities& caps, std::string_view topic);
bool may_subscribe(const Capabilities& caps, std::string_view pattern);
bool may_log(const Capabilities& caps, abi::LogLevel level);

// True if every topic matching `pattern` also matches `grant` (NATS wildcards).
bool pattern_covers(std::string_view grant, std::string_view pattern);

}  // namespace wasmhive::security
