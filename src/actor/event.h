// Lifecycle events the host reports (to HostConfig::on_event and the log).
#pragma once

#include <string>
#include <string_view>

#include "util/trace.h"

namespace wasmhive::actor {

struct Event {
  enum class Kind {
    started,            // spawned: instantiated and init succeeded
    failed,             // trapped, hit its deadline, or init failed
    restart_scheduled,  // the supervisor will restart it after a backoff
    restarted,          // a new instance is running
    stopped,            // stopped for good (policy, group stop, host stop)
    group_stopped,      // a group exceeded its restart intensity
    escalated,          // the root group exceeded its intensity: the host stopped it
  };
  Kind kind;
  std::string subject;  // component or group name
  std::string detail;
  // failed: the message whose handling failed (untraced when none was).
  Trace trace{};
};

std::string_view to_string(Event::Kind kind);

}  // namespace wasmhive::actor
