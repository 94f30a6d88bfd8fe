#include "storage/component_storage.h"

namespace wasmhive::storage {

namespace {

// A key's own check, before anything is read: ok, invalid (empty) or too_big.
Outcome check_key(std::string_view key) {
  if (key.empty()) return Outcome::invalid;
  return key.size() > kMaxKeyBytes ? Outcome::too_big : Outcome::ok;
}

}  // namespace

ComponentStorage::ComponentStorage(Store& store, std::string component, StorageLimits limits)
    : store_(store), component_(std::move(component)), limits_(limits) {}

Outcome ComponentStorage::visible_size(std::string_view key, std::optional<std::uint64_t>& bytes) {
  for (const Overlay* overlay : {&call_, &turn_}) {
    if (auto it = overlay->find(key); it != overlay->end()) {
      bytes = it->second ? std::optional<std::uint64_t>(it->second->size()) : std::nullopt;
      return Outcome::ok;
    }
  }
  auto stored = store_.value_size(component_, key);
  if (!stored) return Outcome::failed;
  bytes = *stored;
  return Outcome::ok;
}

Outcome ComponentStorage::current_usage(Usage& out) {
  if (!committed_) {
    auto read = store_.usage(component_);
    if (!read) return Outcome::failed;
    committed_ = *read;
  }
  auto add = [](std::uint64_t base, std::int64_t a, std::int64_t b) {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(base) + a + b);
  };
  out = {add(committed_->bytes, turn_delta_.bytes, call_delta_.bytes),
         add(committed_->keys, turn_delta_.keys, call_delta_.keys)};
  return Outcome::ok;
}

Outcome ComponentStorage::get(std::string_view key, std::optional<std::string>& value) {
  if (auto checked = check_key(key); checked != Outcome::ok) return checked;
  for (const Overlay* overlay : {&call_, &turn_}) {
    if (auto it = overlay->find(key); it != overlay->end()) {
      value = it->second;
      return value ? Outcome::ok : Outcome::not_found;
    }
  }
  auto stored = store_.get(component_, key);
  if (!stored) return Outcome::failed;
  value = std::move(*stored);
  return value ? Outcome::ok : Outcome::not_found;
}

Outcome ComponentStorage::size(std::string_view key, std::uint64_t& bytes) {
  if (auto checked = check_key(key); checked != Outcome::ok) return checked;
  std::optional<std::uint64_t> found;
  if (auto outcome = visible_size(key, found); outcome != Outcome::ok) return outcome;
  if (!found) return Outcome::not_found;
  bytes = *found;
  return Outcome::ok;
}

Outcome ComponentStorage::set(std::string_view key, std::string_view value) {
  if (auto checked = check_key(key); checked != Outcome::ok) return checked;
  if (value.size() > kMaxValueBytes) return Outcome::too_big;
  std::optional<std::uint64_t> old;
  Usage now;
  if (auto outcome = visible_size(key, old); outcome != Outcome::ok) return outcome;
  if (auto outcome = current_usage(now); outcome != Outcome::ok) return outcome;
  std::int64_t bytes = static_cast<std::int64_t>(key.size() + value.size()) -
                       (old ? static_cast<std::int64_t>(key.size() + *old) : 0);
  std::int64_t keys = old ? 0 : 1;
  // A write that grows usage must fit; one that shrinks it is always allowed
  // (usage may exceed a quota lowered since it was written).
  if (bytes > 0 && now.bytes + static_cast<std::uint64_t>(bytes) > limits_.quota_bytes)
    return Outcome::quota;
  if (keys > 0 && now.keys + 1 > limits_.quota_keys) return Outcome::quota;
  call_.insert_or_assign(std::string(key), std::string(value));
  call_delta_.bytes += bytes;
  call_delta_.keys += keys;
  return Outcome::ok;
}

Outcome ComponentStorage::erase(std::string_view key) {
  if (auto checked = check_key(key); checked != Outcome::ok) return checked;
  std::optional<std::uint64_t> old;
  Usage now;
  if (auto outcome = visible_size(key, old); outcome != Outcome::ok) return outcome;
  if (!old) return Outcome::not_found;
  if (auto outcome = current_usage(now); outcome != Outcome::ok) return outcome;
  call_.insert_or_assign(std::string(key), std::nullopt);
  call_delta_.bytes -= static_cast<std::int64_t>(key.size() + *old);
  call_delta_.keys -= 1;
  return Outcome::ok;
}

void ComponentStorage::overlay_keys(const Overlay& overlay, std::string_view prefix,
                                    std::string_view after,
                                    std::map<std::string, bool, std::less<>>& merged) const {
  for (auto it = overlay.lower_bound(std::max(after, prefix)); it != overlay.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (it->first <= after) continue;
    merged.insert_or_assign(it->first, it->second.has_value());
  }
}

Outcome ComponentStorage::keys(std::string_view prefix, std::string_view after, std::size_t limit,
                               std::vector<std::string>& out) {
  // The overlay can hide at most one stored key per entry, so the first
  // `limit` visible keys are among the first limit + |overlay| stored ones.
  auto stored = store_.keys(component_, prefix, after, limit + turn_.size() + call_.size());
  if (!stored) return Outcome::failed;
  std::map<std::string, bool, std::less<>> merged;
  for (auto& key : *stored) merged.emplace(std::move(key), true);
  overlay_keys(turn_, prefix, after, merged);
  overlay_keys(call_, prefix, after, merged);  // the call's writes win
  out.clear();
  for (auto& [key, present] : merged) {
    if (out.size() == limit) break;
    if (present) out.push_back(key);
  }
  return Outcome::ok;
}

Outcome ComponentStorage::usage(Usage& out) {
  return current_usage(out);
}

void ComponentStorage::end_call(bool keep) {
  if (keep) {
    for (auto& [key, value] : call_) turn_.insert_or_assign(key, std::move(value));
    turn_delta_.bytes += call_delta_.bytes;
    turn_delta_.keys += call_delta_.keys;
  }
  call_.clear();
  call_delta_ = {};
}

std::vector<Write> ComponentStorage::take_turn() {
  std::vector<Write> writes;
  writes.reserve(turn_.size());
  for (auto& [key, value] : turn_) writes.push_back({component_, key, std::move(value)});
  turn_.clear();
  if (committed_) {
    Usage now;
    current_usage(now);
    committed_ = now;  // the call's delta is zero between calls
  }
  turn_delta_ = {};
  return writes;
}

}  // namespace wasmhive::storage
