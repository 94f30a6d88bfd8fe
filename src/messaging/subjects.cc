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
  if (!is_valid_pattern(pattern)) return false;
  std::unique_lock lock(mutex_);
  auto entry = patterns_.try_emplace(subscriber).first;
  if (!entry->second.insert(pattern).second) return false;
  index_.insert(&entry->first, pattern);
  held(pattern);
  return true;
}

void Subscriptions::held(const std::string& pattern) {
  if (++holders_[pattern] == 1 && listener_) listener_(pattern, true);
}

void Subscriptions::let_go(const std::string& pattern) {
  auto it = holders_.find(pattern);
  if (--it->second > 0) return;
  holders_.erase(it);
  if (listener_) listener_(pattern, false);
}

bool Subscriptions::remove(const std::string& subscriber, const std::string& pattern) {
  std::unique_lock lock(mutex_);
  auto entry = patterns_.find(subscriber);
  if (entry == patterns_.end() || entry->second.erase(pattern) == 0) return false;
  index_.erase(&entry->first, pattern);
  let_go(pattern);
  // Dropping empty entries keeps memory flat under subscribe/unsubscribe churn.
  if (entry->second.empty()) patterns_.erase(entry);
  return true;
}

void Subscriptions::remove_all(const std::string& subscriber) {
  std::unique_lock lock(mutex_);
  auto entry = patterns_.find(subscriber);
  if (entry == patterns_.end()) return;
  for (const auto& pattern : entry->second) {
    index_.erase(&entry->first, pattern);
    let_go(pattern);
  }
  patterns_.erase(entry);
}

std::size_t Subscriptions::count(const std::string& subscriber) const {
  std::shared_lock lock(mutex_);
  auto entry = patterns_.find(subscriber);
  return entry == patterns_.end() ? 0 : entry->second.size();
}

bool Subscriptions::has(const std::string& subscriber, const std::string& pattern) const {
  std::shared_lock lock(mutex_);
  auto entry = patterns_.find(subscriber);
  return entry != patterns_.end() && entry->second.contains(pattern);
}

std::vector<std::string> Subscriptions::subscribers_of(std::string_view topic) const {
  std::shared_lock lock(mutex_);
  // The index yields pointers into patterns_, valid only while the lock is held.
  auto found = index_.match(topic);
  std::vector<std::string> out;
  out.reserve(found.size());
  for (const std::string* subscriber : found) out.push_back(*subscriber);
  return out;
}

std::vector<std::string> Subscriptions::subscribers_via(std::string_view pattern,
                                                        std::string_view topic) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  for (const std::string* subscriber : index_.match(topic)) {
    // (A plain loop: clang 14, the fuzzing compiler, cannot use ranges here.)
    const std::string* first = nullptr;
    for (const std::string& held : patterns_.find(*subscriber)->second)
      if (subject_matches(held, topic) && (!first || held < *first)) first = &held;
    if (first && *first == pattern) out.push_back(*subscriber);
  }
  return out;
}

bool Subscriptions::empty() const {
  std::shared_lock lock(mutex_);
  return patterns_.empty() && index_.empty();
}

std::size_t Subscriptions::index_nodes() const {
  std::shared_lock lock(mutex_);
  return index_.node_count();
}

}  // namespace wasmhive::messaging
