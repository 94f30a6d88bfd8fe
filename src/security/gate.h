// The capability gate: every decision a manifest grant makes passes here, is
// audited (denials always, grants when asked for) and, for a denial recorded in
// full, warned about. Trusted senders (the host, native components) never get
// here. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "security/audit.h"
#include "util/trace.h"

namespace wasmhive::security {

class Gate {
 public:
  // `trace`: the message the warning is about (untraced: none).
  using Warn = std::function<void(const std::string&, const Trace& trace)>;
  Gate(bool audit_grants, Warn warn) : audit_grants_(audit_grants), warn_(std::move(warn)) {}

  // Returns `granted`, after auditing the decision. `trace`: the message the
  // decision is about (refused, or being handled), for the warning.
  bool check(std::string_view component, std::string_view module, const char* capability,
             std::string_view target, bool granted, const Trace& trace = {});
  // Audits and warns about a refusal by a rate limit (`limit`: "send_rate"),
  // in full: the caller audits at most one per component, limit and second.
  void refused_by_limit(std::string_view component, std::string_view module, const char* limit,
                        std::string_view target, std::string reason, const Trace& trace = {});
  // Writes the summaries of repeated decisions (see AuditLog) and warns once for each.
  void summarize();

  AuditLog& audit() { return audit_; }
  const AuditLog& audit() const { return audit_; }

 private:
  const bool audit_grants_;
  const Warn warn_;
  AuditLog audit_;
};

// Milliseconds since the Unix epoch, as audit records carry them.
std::int64_t unix_ms();

}  // namespace wasmhive::security
