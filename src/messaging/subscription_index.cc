#include "messaging/subscription_index.h"

#include <algorithm>

#include "messaging/subjects.h"

namespace wasmhive::messaging {

namespace {

bool is_rest(const std::vector<std::string_view>& tokens, std::size_t i) {
  return i + 1 == tokens.size() && tokens[i] == ">";
}

}  // namespace

SubscriptionIndex::SubscriptionIndex() : root_(std::make_unique<Node>()) {}
SubscriptionIndex::~SubscriptionIndex() = default;

SubscriptionIndex::Node* SubscriptionIndex::literal_child(const Node& node,
                                                          std::string_view token) {
  auto it = node.literal.find(token);
  return it == node.literal.end() ? nullptr : it->second.get();
}

SubscriptionIndex::Node* SubscriptionIndex::find(const Node& node, std::string_view token) {
  return token == "*" ? node.star.get() : literal_child(node, token);
}

SubscriptionIndex::Node* SubscriptionIndex::child(Node& node, std::string_view token) {
  if (Node* found = find(node, token)) return found;
  auto fresh = std::make_unique<Node>();
  Node* raw = fresh.get();
  if (token == "*")
    node.star = std::move(fresh);
  else
    node.literal.emplace(std::string(token), std::move(fresh));
  ++nodes_;
  return raw;
}

bool SubscriptionIndex::insert(Subscriber who, std::string_view pattern) {
  auto tokens = subject_tokens(pattern);
  Node* node = root_.get();
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) node = child(*node, tokens[i]);
  // A final '>' needs no node of its own: it can only end a pattern, so its
  // subscribers live on the node before it.
  if (is_rest(tokens, tokens.size() - 1)) return node->rest.insert(who).second;
  return child(*node, tokens.back())->here.insert(who).second;
}

bool SubscriptionIndex::erase(Subscriber who, std::string_view pattern) {
  return erase_at(*root_, subject_tokens(pattern), 0, who);
}

// Recursive so that each node, once its subtree is done, can drop a child that
// became idle: pruning happens bottom-up along the pattern's own path only.
bool SubscriptionIndex::erase_at(Node& node, const std::vector<std::string_view>& tokens,
                                 std::size_t i, Subscriber who) {
  if (is_rest(tokens, i)) return node.rest.erase(who) > 0;
  Node* next = find(node, tokens[i]);
  if (!next) return false;
  bool last = i + 1 == tokens.size();
  bool erased = last ? next->here.erase(who) > 0 : erase_at(*next, tokens, i + 1, who);
  if (erased && next->idle()) prune(node, tokens[i]);
  return erased;
}

void SubscriptionIndex::prune(Node& node, std::string_view token) {
  if (token == "*")
    node.star.reset();
  else
    node.literal.erase(node.literal.find(token));
  --nodes_;
}

std::vector<SubscriptionIndex::Subscriber> SubscriptionIndex::match(std::string_view topic) const {
  std::vector<Subscriber> out;
  collect(*root_, subject_tokens(topic), 0, out);
  // A subscriber reached through several of its patterns is reported once.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void SubscriptionIndex::collect(const Node& node, const std::vector<std::string_view>& tokens,
                                std::size_t i, std::vector<Subscriber>& out) {
  if (i == tokens.size()) {
    out.insert(out.end(), node.here.begin(), node.here.end());
    return;
  }
  out.insert(out.end(), node.rest.begin(), node.rest.end());  // one or more tokens remain
  // Topics are literal: a "*" token in one is looked up as a literal, never as the wildcard child.
  if (const Node* next = literal_child(node, tokens[i])) collect(*next, tokens, i + 1, out);
  if (node.star) collect(*node.star, tokens, i + 1, out);
}

}  // namespace wasmhive::messaging
