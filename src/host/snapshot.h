// Everything an operator looks at, read at one moment: Host::snapshot()
// returns it, /metrics and the dashboard show it (observe/). Taking one reads
// counters and takes a few short locks, never a worker's time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "actor/component.h"
#include "actor/supervisor.h"
#include "host/template_status.h"
#include "lattice/status.h"
#include "messaging/dead_letters.h"
#include "security/audit.h"

namespace wasmhive::host {

struct Snapshot {
  // Dead letters and audit denials listed in full (the most recent).
  static constexpr std::size_t kRecent = 50;

  std::chrono::system_clock::time_point taken{};
  std::chrono::steady_clock::duration uptime{};
  std::size_t workers = 0;
  std::size_t workers_busy = 0;  // running a task or a component's turn when read
  std::vector<actor::ComponentStatus> components{};  // spawned ones
  std::vector<TemplateStatus> templates{};
  std::vector<actor::GroupView> groups{};  // the supervision tree, root first
  std::optional<lattice::LatticeStatus> lattice{};
  std::uint64_t dead_letters = 0;
  std::vector<messaging::DeadLetter> recent_dead_letters{};  // oldest first
  std::uint64_t audit_denials = 0;
  std::vector<security::AuditRecord> recent_denials{};  // oldest first
  std::size_t outstanding_requests = 0;
  std::uint64_t late_replies = 0;

  // Messages handled so far by every component, spawned and virtual.
  std::uint64_t messages_handled() const {
    std::uint64_t total = 0;
    for (const auto& c : components) total += c.handled;
    for (const auto& t : templates) total += t.handled;
    return total;
  }
};

}  // namespace wasmhive::host
