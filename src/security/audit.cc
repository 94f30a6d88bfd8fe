#include "security/audit.h"

namespace wasmhive::security {
namespace {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\u00";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
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
  return out + "}";
}

bool AuditLog::open_file(const std::string& path) {
  std::lock_guard lock(mutex_);
  file_.open(path, std::ios::app);
  return file_.good();
}

void AuditLog::record(AuditRecord record) {
  std::lock_guard lock(mutex_);
  if (!record.granted) ++denials_;
  if (file_.is_open()) file_ << record.to_json() << '\n' << std::flush;
  records_.push_back(std::move(record));
  if (records_.size() > keep_last_) records_.pop_front();
}

std::vector<AuditRecord> AuditLog::recent() const {
  std::lock_guard lock(mutex_);
  return {records_.begin(), records_.end()};
}

std::uint64_t AuditLog::denials() const {
  std::lock_guard lock(mutex_);
  return denials_;
}

}  // namespace wasmhive::security
