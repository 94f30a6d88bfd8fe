// The audit log: one structured record per capability decision (denials always,
// grants when asked for), kept in memory for the embedding API and optionally
// appended to a file as JSON lines.
//
// A guest can make a decision millions of times a second, so the log keeps the
// first decisions of each (component, capability, target, decision) exactly and
// only counts the rest; summarize() turns those counts into summary records. The
// trail still says that it happened and how often, at a bounded cost, and file
// writes happen on a thread of their own: auditing never stalls a worker.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/line_writer.h"
#include "util/result.h"

namespace wasmhive::security {

struct AuditRecord {
  std::int64_t time_ms;  // Unix epoch
  std::string component;
  std::string capability;  // send, request, broadcast, publish, subscribe, clock, log
  std::string target;      // name, topic, pattern or level
  bool granted;
  std::string reason;
  // How many decisions this record stands for: 1, or for a summary the number
  // counted since the previous summary of the same key.
  std::uint64_t count = 1;
  // The SHA-256 of the component's module (empty if unknown).
  std::string module{};

  std::string to_json() const;
};

struct AuditPolicy {
  std::size_t keep_last = 10000;   // records kept in memory for recent()
  std::size_t exact_per_key = 10;  // decisions of one key recorded in full
  // Targets tracked apart per (component, capability, decision), and keys in
  // all; decisions for further targets are counted together under the target
  // "(other targets)", so cycling through names cannot multiply the records.
  std::size_t max_targets = 32;
  std::size_t max_keys = 10000;
};

class AuditLog {
 public:
  explicit AuditLog(AuditPolicy policy = {}) : policy_(policy) {}

  // Appends every later record to `path` as one JSON object per line.
  Result<void> open_file(const std::filesystem::path& path);
  // True if the decision was recorded in full; false if it was only counted
  // for the next summary.
  bool record(AuditRecord record);
  // Records a denial in full, whatever was recorded before: for decisions
  // whose caller already bounds how often they come (one per second).
  void record_in_full(AuditRecord record);
  // A summary record for each key counted since the last call (recorded and
  // written like any other), then the counts start again.
  std::vector<AuditRecord> summarize(std::int64_t now_ms);
  // Returns once the file holds every record made so far.
  void flush();

  std::vector<AuditRecord> recent() const;
  // The `last` most recent denials among those kept, oldest first.
  std::vector<AuditRecord> recent_denials(std::size_t last) const;
  std::uint64_t denials() const;

 private:
  struct KeyState {
    AuditRecord first;  // a template for summaries
    std::uint64_t recorded = 0;
    std::uint64_t counted = 0;  // since the last summary
  };
  KeyState& state_of(const AuditRecord& record);
  void keep(AuditRecord record);

  const AuditPolicy policy_;
  mutable std::mutex mutex_;
  std::deque<AuditRecord> records_;
  std::unordered_map<std::string, KeyState> keys_;
  std::unordered_map<std::string, std::size_t> targets_;  // per (component, capability, decision)
  std::uint64_t denials_ = 0;
  std::unique_ptr<LineWriter> file_;
};

}  // namespace wasmhive::security
