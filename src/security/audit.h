// The audit log: one structured record per capability decision (denials always,
// grants when asked for), kept in memory for the embedding API and optionally
// appended to a file as JSON lines.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace wasmhive::security {

struct AuditRecord {
  std::int64_t time_ms;  // Unix epoch
  std::string component;
  std::string capability;  // send, request, broadcast, publish, subscribe, clock, log
  std::string target;      // name, topic, pattern or level
  bool granted;
  std::string reason;

  std::string to_json() const;
};

class AuditLog {
 public:
  explicit AuditLog(std::size_t keep_last = 10000) : keep_last_(keep_last) {}

  // Appends every later record to `path` as one JSON object per line.
  bool open_file(const std::string& path);
  void record(AuditRecord record);
  std::vector<AuditRecord> recent() const;
  std::uint64_t denials() const;

 private:
  const std::size_t keep_last_;
  mutable std::mutex mutex_;
  std::deque<AuditRecord> records_;
  std::uint64_t denials_ = 0;
  std::ofstream file_;
};

}  // namespace wasmhive::security
