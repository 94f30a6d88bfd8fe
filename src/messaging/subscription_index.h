// A subject trie for publish/subscribe: one node per pattern token, so that
// finding the subscribers of a topic walks only the paths the topic can match
// instead of testing every pattern. Not thread-safe; Subscriptions locks it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "util/string_hash.h"

namespace wasmhive::messaging {

class SubscriptionIndex {
 public:
  // A subscriber is identified by the address of its name, which the owner
  // keeps alive and unmoved while it is indexed: nodes then hold a pointer
  // rather than a copy of the name, and results are deduplicated cheaply.
  using Subscriber = const std::string*;

  SubscriptionIndex();
  ~SubscriptionIndex();
  SubscriptionIndex(const SubscriptionIndex&) = delete;
  SubscriptionIndex& operator=(const SubscriptionIndex&) = delete;

  // `pattern` must be valid (is_valid_pattern); false if already indexed.
  bool insert(Subscriber who, std::string_view pattern);
  // False if not indexed. Nodes left without subscribers or children are freed.
  bool erase(Subscriber who, std::string_view pattern);
  // Each subscriber with a pattern matching the literal `topic`, once, sorted by address.
  std::vector<Subscriber> match(std::string_view topic) const;

  bool empty() const { return node_count() == 1; }
  // Including the root, which always exists.
  std::size_t node_count() const { return nodes_; }

 private:
  struct Node;
  // Children are looked up by string_view, without a copy.
  using Children =
      std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>>;
  using Members = std::unordered_set<Subscriber>;
  struct Node {
    Children literal;
    std::unique_ptr<Node> star;  // the '*' child
    Members here;                // patterns that end at this node
    Members rest;                // patterns that end with '>' after this node
    bool idle() const { return literal.empty() && !star && here.empty() && rest.empty(); }
  };

  static Node* literal_child(const Node& node, std::string_view token);
  static Node* find(const Node& node, std::string_view token);
  Node* child(Node& node, std::string_view token);
  bool erase_at(Node& node, const std::vector<std::string_view>& tokens, std::size_t i,
                Subscriber who);
  void prune(Node& node, std::string_view token);
  static void collect(const Node& node, const std::vector<std::string_view>& tokens, std::size_t i,
                      std::vector<Subscriber>& out);

  std::unique_ptr<Node> root_;
  std::size_t nodes_ = 1;
};

}  // namespace wasmhive::messaging
