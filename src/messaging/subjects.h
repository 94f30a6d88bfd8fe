// NATS-style subjects for publish/subscribe: tokens separated by '.', e.g.
// "orders.created". A subscription pattern may use '*' for exactly one token
// and a final '>' for one or more tokens ("orders.>"). Published topics are
// literal.
#pragma once

#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "messaging/subscription_index.h"

namespace wasmhive::messaging {

inline constexpr std::size_t kMaxSubjectLength = 255;

// A literal topic: non-empty tokens of printable ASCII without '*', '>' or spaces.
bool is_valid_topic(std::string_view topic);
// A subscription pattern: like a topic, where a token may be '*' and the last may be '>'.
bool is_valid_pattern(std::string_view pattern);
bool subject_matches(std::string_view pattern, std::string_view topic);
// The '.'-separated tokens of a subject or pattern (empty ones included).
std::vector<std::string_view> subject_tokens(std::string_view subject);

// Who subscribed to what. Thread-safe: publishes (subscribers_of) share the
// lock and run in parallel; changes take it alone.
class Subscriptions {
 public:
  // False if `subscriber` already had `pattern`, or if `pattern` is not valid
  // (is_valid_pattern): the index stores patterns by their tokens.
  bool add(const std::string& subscriber, const std::string& pattern);
  // False if `subscriber` did not have `pattern`.
  bool remove(const std::string& subscriber, const std::string& pattern);
  void remove_all(const std::string& subscriber);
  std::size_t count(const std::string& subscriber) const;
  bool has(const std::string& subscriber, const std::string& pattern) const;
  // Each subscriber with at least one matching pattern, once, in no particular
  // order. Costs in proportion to the matching paths, not to all subscriptions.
  std::vector<std::string> subscribers_of(std::string_view topic) const;
  // The subscribers of `topic` for whom `pattern` is the least (in byte
  // order) of the patterns they hold that match it. A publication that came
  // once per matching pattern (as a lattice's NATS subscriptions bring it)
  // then reaches each subscriber once.
  std::vector<std::string> subscribers_via(std::string_view pattern, std::string_view topic) const;

  // Called, under the lock, when a pattern gets its first subscriber (true)
  // or loses its last (false). Set before the first add().
  void on_pattern_held(std::function<void(const std::string& pattern, bool held)> listener) {
    listener_ = std::move(listener);
  }

  // True when nothing is subscribed and the index has freed every node.
  bool empty() const;
  std::size_t index_nodes() const;

 private:
  // A subscriber took `pattern`, or let it go (under the lock).
  void held(const std::string& pattern);
  void let_go(const std::string& pattern);

  mutable std::shared_mutex mutex_;
  // Patterns by subscriber, so that remove_all knows which index paths to
  // visit. The index points at these keys, which an unordered_map never moves.
  std::unordered_map<std::string, std::unordered_set<std::string>> patterns_;
  std::unordered_map<std::string, std::size_t> holders_;  // by pattern
  std::function<void(const std::string&, bool)> listener_;
  SubscriptionIndex index_;
};

}  // namespace wasmhive::messaging
