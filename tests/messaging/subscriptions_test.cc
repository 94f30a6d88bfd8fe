// The subscription index: wildcard semantics, bookkeeping, pruning, and
// agreement with the brute-force subject_matches over random subjects.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "messaging/subjects.h"

namespace wasmhive::messaging {
namespace {

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

using Names = std::vector<std::string>;

TEST(Subscriptions, ExactPatternsMatchOnlyTheirTopic) {
  Subscriptions subs;
  ASSERT_TRUE(subs.add("s1", "orders.created"));
  ASSERT_TRUE(subs.add("s2", "orders.deleted"));
  EXPECT_EQ(subs.subscribers_of("orders.created"), Names{"s1"});
  EXPECT_TRUE(subs.subscribers_of("orders").empty());
  EXPECT_TRUE(subs.subscribers_of("orders.created.eu").empty());
  EXPECT_TRUE(subs.subscribers_of("orders.updated").empty());
}

TEST(Subscriptions, StarMatchesExactlyOneToken) {
  Subscriptions subs;
  ASSERT_TRUE(subs.add("s1", "orders.*.created"));
  ASSERT_TRUE(subs.add("s2", "*"));
  EXPECT_EQ(subs.subscribers_of("orders.eu.created"), Names{"s1"});
  EXPECT_TRUE(subs.subscribers_of("orders.created").empty());
  EXPECT_TRUE(subs.subscribers_of("orders.eu.west.created").empty());
  EXPECT_EQ(subs.subscribers_of("orders"), Names{"s2"});
}

TEST(Subscriptions, FinalGreaterThanMatchesOneOrMoreTokensNotZero) {
  Subscriptions subs;
  ASSERT_TRUE(subs.add("s1", "orders.>"));
  ASSERT_TRUE(subs.add("s2", ">"));
  EXPECT_EQ(sorted(subs.subscribers_of("orders.eu")), (Names{"s1", "s2"}));
  EXPECT_EQ(sorted(subs.subscribers_of("orders.eu.west.created")), (Names{"s1", "s2"}));
  EXPECT_EQ(subs.subscribers_of("orders"), Names{"s2"});
}

TEST(Subscriptions, TopicTokensAreLiteral) {
  Subscriptions subs;
  ASSERT_TRUE(subs.add("s1", "a.b"));
  ASSERT_TRUE(subs.add("s2", "a.*"));
  EXPECT_EQ(subs.subscribers_of("a.*"), Names{"s2"});  // as subject_matches: "*" is a token
}

TEST(Subscriptions, OverlappingPatternsReturnTheSubscriberOnce) {
  Subscriptions subs;
  for (const char* pattern : {"a.b.c", "a.*.c", "a.>", "*.b.>", ">", "a.b.*"})
    ASSERT_TRUE(subs.add("s1", pattern));
  ASSERT_TRUE(subs.add("s2", "a.b.c"));
  EXPECT_EQ(sorted(subs.subscribers_of("a.b.c")), (Names{"s1", "s2"}));
}

TEST(Subscriptions, AddRemoveHasAndCount) {
  Subscriptions subs;
  EXPECT_TRUE(subs.add("s1", "a.*"));
  EXPECT_FALSE(subs.add("s1", "a.*"));  // already held
  EXPECT_TRUE(subs.add("s2", "a.*"));
  EXPECT_FALSE(subs.add("s1", "a.>.b"));  // invalid patterns are refused
  EXPECT_TRUE(subs.has("s1", "a.*"));
  EXPECT_FALSE(subs.has("s1", "a.>"));
  EXPECT_FALSE(subs.has("nobody", "a.*"));
  EXPECT_EQ(subs.count("s1"), 1u);
  EXPECT_TRUE(subs.remove("s1", "a.*"));
  EXPECT_FALSE(subs.remove("s1", "a.*"));  // no longer held
  EXPECT_FALSE(subs.remove("nobody", "a.*"));
  EXPECT_FALSE(subs.has("s1", "a.*"));
  EXPECT_EQ(subs.count("s1"), 0u);
  EXPECT_EQ(subs.subscribers_of("a.x"), Names{"s2"});
}

TEST(Subscriptions, RemoveAllDropsEverySubscriptionOfOneSubscriber) {
  Subscriptions subs;
  for (const char* pattern : {"a.b", "a.*", "x.>", ">"}) ASSERT_TRUE(subs.add("s1", pattern));
  ASSERT_TRUE(subs.add("s2", "a.b"));
  subs.remove_all("s1");
  subs.remove_all("nobody");
  EXPECT_EQ(subs.count("s1"), 0u);
  EXPECT_EQ(subs.subscribers_of("a.b"), Names{"s2"});
  EXPECT_TRUE(subs.subscribers_of("x.y").empty());
  EXPECT_TRUE(subs.add("s1", "a.b"));  // and may subscribe again
}

TEST(Subscriptions, RemovingEverythingPrunesTheIndex) {
  Subscriptions subs;
  EXPECT_TRUE(subs.empty());
  EXPECT_EQ(subs.index_nodes(), 1u);
  ASSERT_TRUE(subs.add("s1", "a.b.c.d"));
  ASSERT_TRUE(subs.add("s1", "a.*.c.>"));
  ASSERT_TRUE(subs.add("s2", "a.b.x"));
  ASSERT_TRUE(subs.add("s3", ">"));
  EXPECT_FALSE(subs.empty());
  ASSERT_TRUE(subs.remove("s2", "a.b.x"));
  EXPECT_EQ(subs.index_nodes(), 1u + 4 + 2);  // a.b.c.d, then *.c under a; x is gone
  subs.remove_all("s1");
  ASSERT_TRUE(subs.remove("s3", ">"));
  EXPECT_TRUE(subs.empty());
  EXPECT_EQ(subs.index_nodes(), 1u);
}

TEST(Subscriptions, ChurnDoesNotGrowTheIndex) {
  Subscriptions subs;
  ASSERT_TRUE(subs.add("keep", "a.b"));
  std::size_t nodes = subs.index_nodes();
  for (int i = 0; i < 1000; ++i) {
    std::string who = "s" + std::to_string(i);
    ASSERT_TRUE(subs.add(who, "t" + std::to_string(i) + ".*.>"));
    ASSERT_TRUE(subs.add(who, "a.b." + std::to_string(i)));
    subs.remove_all(who);
  }
  EXPECT_EQ(subs.index_nodes(), nodes);
}

// Random subjects over a small alphabet, so that patterns overlap a lot.
class RandomSubjects {
 public:
  explicit RandomSubjects(unsigned seed) : rng_(seed) {}
  std::string topic() {
    std::string out = literal();
    for (int n = pick(0, 4); n > 0; --n) out += "." + literal();
    return out;
  }
  std::string pattern() {
    int tokens = pick(1, 4);
    std::string out;
    for (int i = 0; i < tokens; ++i) {
      if (i > 0) out += ".";
      int roll = pick(0, 9);
      out += i + 1 == tokens && roll == 0 ? ">" : roll < 3 ? "*" : literal();
    }
    return out;
  }
  int pick(int low, int high) { return std::uniform_int_distribution(low, high)(rng_); }

 private:
  std::string literal() { return std::string(1, static_cast<char>('a' + pick(0, 3))); }
  std::mt19937 rng_;
};

using Reference = std::map<std::string, std::set<std::string>>;

std::vector<std::string> brute_force(const Reference& ref, std::string_view topic) {
  std::vector<std::string> out;
  for (const auto& [subscriber, patterns] : ref)
    if (std::any_of(patterns.begin(), patterns.end(),
                    [&](const std::string& p) { return subject_matches(p, topic); }))
      out.push_back(subscriber);
  return out;
}

void expect_agreement(const Subscriptions& subs, const Reference& ref, RandomSubjects& random) {
  for (int i = 0; i < 2000; ++i) {
    std::string topic = random.topic();
    ASSERT_EQ(sorted(subs.subscribers_of(topic)), brute_force(ref, topic)) << topic;
  }
}

TEST(Subscriptions, AgreesWithBruteForceOnRandomSubjects) {
  RandomSubjects random(20240611);
  Subscriptions subs;
  Reference ref;
  for (int i = 0; i < 4000; ++i) {
    std::string who = "s" + std::to_string(random.pick(0, 199));
    std::string pattern = random.pattern();
    ASSERT_EQ(subs.add(who, pattern), ref[who].insert(pattern).second) << pattern;
  }
  expect_agreement(subs, ref, random);

  for (int i = 0; i < 3000; ++i) {  // remove about half, some not held
    std::string who = "s" + std::to_string(random.pick(0, 199));
    std::string pattern = random.pattern();
    ASSERT_EQ(subs.remove(who, pattern), ref[who].erase(pattern) > 0) << pattern;
  }
  for (int i = 0; i < 50; ++i) {
    std::string who = "s" + std::to_string(random.pick(0, 199));
    subs.remove_all(who);
    ref.erase(who);
  }
  expect_agreement(subs, ref, random);

  for (const auto& [who, patterns] : ref) subs.remove_all(who);
  EXPECT_TRUE(subs.empty());
}

TEST(Subscriptions, FindsTheOneMatchAmongTwoHundredThousand) {
  Subscriptions subs;
  for (int i = 0; i < 2000; ++i) {
    std::string who = "app/c" + std::to_string(i);
    for (int j = 0; j < 100; ++j) {
      std::string topic = "t" + std::to_string(j);
      std::string pattern = j % 3 == 0   ? who + "." + topic
                            : j % 3 == 1 ? "svc" + std::to_string(i) + ".*." + topic
                                         : "orders." + std::to_string(i) + "." + topic + ".>";
      ASSERT_TRUE(subs.add(who, pattern));
    }
  }
  ASSERT_TRUE(subs.add("app/needle", "orders.*.created"));
  EXPECT_EQ(subs.subscribers_of("orders.eu.created"), Names{"app/needle"});
  EXPECT_EQ(subs.subscribers_of("orders.7.t2.x"), Names{"app/c7"});
  EXPECT_TRUE(subs.subscribers_of("orders.eu.deleted").empty());
}

TEST(Subscriptions, PublishesRunBesideSubscribeAndUnsubscribe) {
  Subscriptions subs;
  ASSERT_TRUE(subs.add("always", "news.>"));
  std::atomic<bool> wrong = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      std::string who = "w" + std::to_string(t);
      for (int i = 0; i < 2000; ++i) {
        subs.add(who, "news.*");
        subs.remove(who, "news.*");
      }
    });
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto found = subs.subscribers_of("news.today");
        if (std::find(found.begin(), found.end(), "always") == found.end()) wrong = true;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(wrong);
  subs.remove_all("always");
  EXPECT_TRUE(subs.empty());
}

}  // namespace
}  // namespace wasmhive::messaging
