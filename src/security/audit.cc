#include "security/audit.h"

#include <algorithm>

#include "util/text.h"

namespace wasmhive::security {
namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  append_json_escaped(out, text);
  out += '"';
}

std::string key_of(const AuditRecord& record, std::string_view target) {
  std::string key = record.component;
  key += '\0';
  key += record.capability;
  key += '\0';
  key += target;
  key += '\0';
  key += record.granted ? 'g' : 'd';
  return key;
}

}  // namespace

std::string AuditRecord::to_json() const {
  std::string out = "{\"time_ms\":" + std::to_string(time_ms) + ",\"component\":";
  append_json_string(out, component);
  out += ",\"capability\":";
  append_json_string(out, capability);
  out += ",\"target\":";
  append_json_string(out, target);
  out += ",\"decision\":";
  out += granted ? "\"granted\"" : "\"denied\"";
  out += ",\"reason\":";
  append_json_string(out, reason);
  if (count != 1) out += ",\"count\":" + std::to_string(count);
  if (!module.empty()) {
    out += ",\"module_sha256\":";
    append_json_string(out, module);
  }
  return out + "}";
}

Result<void> AuditLog::open_file(const std::filesystem::path& path) {
  auto writer = LineWriter::open_append(path);
  if (!writer) return writer.error();
  std::lock_guard lock(mutex_);
  file_ = std::move(*writer);
  return {};
}

AuditLog::KeyState& AuditLog::state_of(const AuditRecord& record) {
  std::string key = key_of(record, record.target);
  auto it = keys_.find(key);
  if (it != keys_.end()) return it->second;
  std::size_t& targets = targets_[key_of(record, {})];
  if (targets >= policy_.max_targets || keys_.size() >= policy_.max_keys) {
    // Too many distinct targets: count them together, past the exact allowance.
    AuditRecord other = record;
    other.target = "(other targets)";
    auto& state = keys_[key_of(other, other.target)];
    if (state.first.component.empty()) state = {other, policy_.exact_per_key, 0};
    return state;
  }
  ++targets;
  return keys_.emplace(std::move(key), KeyState{record, 0, 0}).first->second;
}

bool AuditLog::record(AuditRecord record) {
  std::lock_guard lock(mutex_);
  if (!record.granted) ++denials_;
  KeyState& state = state_of(record);
  if (state.recorded >= policy_.exact_per_key) {
    ++state.counted;
    return false;
  }
  ++state.recorded;
  keep(std::move(record));
  return true;
}

void AuditLog::record_in_full(AuditRecord record) {
  std::lock_guard lock(mutex_);
  if (!record.granted) ++denials_;
  keep(std::move(record));
}

std::vector<AuditRecord> AuditLog::summarize(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<AuditRecord> summaries;
  for (auto& [key, state] : keys_) {
    if (state.counted == 0) continue;
    AuditRecord summary = state.first;
    summary.time_ms = now_ms;
    summary.count = state.counted;
    summary.reason += " (repeated; counted since the last summary)";
    state.counted = 0;
    summaries.push_back(summary);
    keep(std::move(summary));
  }
  return summaries;
}

void AuditLog::keep(AuditRecord record) {
  if (file_) file_->write(record.to_json() + '\n');
  records_.push_back(std::move(record));
  if (records_.size() > policy_.keep_last) records_.pop_front();
}

void AuditLog::flush() {
  LineWriter* file = nullptr;
  {
    std::lock_guard lock(mutex_);
    file = file_.get();
  }
  if (file) file->flush();
}

std::vector<AuditRecord> AuditLog::recent() const {
  std::lock_guard lock(mutex_);
  return {records_.begin(), records_.end()};
}

std::vector<AuditRecord> AuditLog::recent_denials(std::size_t last) const {
  std::lock_guard lock(mutex_);
  std::vector<AuditRecord> out;
  for (auto it = records_.rbegin(); it != records_.rend() && out.size() < last; ++it)
    if (!it->granted) out.push_back(*it);
  std::reverse(out.begin(), out.end());
  return out;
}

std::uint64_t AuditLog::denials() const {
  std::lock_guard lock(mutex_);
  return denials_;
}

}  // namespace wasmhive::security
