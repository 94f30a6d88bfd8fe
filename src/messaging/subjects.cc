#include "messaging/subjects.h"

#include <algorithm>

namespace wasmhive::messaging {

std::vector<std::string_view> subject_tokens(std::string_view subject) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = subject.find('.', start);
    out.push_back(subject.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

namespace {

bool plain_token(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
    return c > ' ' && c < 127 && c != '*' && c != '>' && c != '.';
  });
}

bool valid_subject(std::string_view subject, bool wildcards) {
  if (subject.empty() || subject.size() > kMaxSubjectLength) return false;
  auto parts = subject_tokens(subject);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (wildcards && parts[i] == "*") continue;
    if (wildcards && parts[i] == ">" && i + 1 == parts.size()) continue;
    if (!plain_token(parts[i])) return false;
  }
  return true;
}

}  // namespace

bool is_valid_topic(std::string_view topic) {
  return valid_subject(topic, false);
}
bool is_valid_pattern(std::string_view pattern) {
  return valid_subject(pattern, true);
}

bool subject_matches(std::string_view pattern, std::string_view topic) {
  auto want = subject_tokens(pattern);
  auto have = subject_tokens(topic);
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == ">") return have.size() > i;  // one or more remaining tokens
    if (i >= have.size()) return false;
    if (want[i] != "*" && want[i] != have[i]) return false;
  }
  return want.size() == have.size();
}

bool Subscriptions::add(const std::string& subscriber, const std::string& pattern) {
  std::lock_guard lock(mutex_);
  return patterns_[subscriber].insert(pattern).second;
}

bool Subscriptions::remove(const std::string& subscriber, const std::string& pattern) {
  std::lock_guard lock(mutex_);
  auto it = patterns_.find(subscriber);
  return it != patterns_.end() && it->second.erase(pattern) > 0;
}

void Subscriptions::remove_all(const std::string& subscriber) {
  std::lock_guard lock(mutex_);
  patterns_.erase(subscriber);
}

std::size_t Subscriptions::count(const std::string& subscriber) const {
  std::lock_guard lock(mutex_);
  auto it = patterns_.find(subscriber);
  return it == patterns_.end() ? 0 : it->second.size();
}

std::vector<std::string> Subscriptions::subscribers_of(std::string_view topic) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [subscriber, patterns] : patterns_)
    if (std::any_of(patterns.begin(), patterns.end(),
                    [&](const std::string& p) { return subject_matches(p, topic); }))
      out.push_back(subscriber);
  return out;
}

}  // namespace wasmhive::messaging
