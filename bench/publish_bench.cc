// The cost of finding a topic's subscribers (one publish) with 2,000
// subscribers holding 100 patterns each: the subject-trie index beside the
// brute-force scan it replaced, in the same binary so the ratio is fair.
// The argument is how many subscribers match the published topic.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "messaging/subjects.h"

namespace {

using namespace wasmhive;

constexpr int kSubscribers = 2000;
constexpr int kPatternsEach = 100;
constexpr std::string_view kTopic = "news.eu.today";

// The scan the index replaced: every pattern of every subscriber, one lock.
class BruteForce {
 public:
  void add(const std::string& subscriber, const std::string& pattern) {
    std::lock_guard lock(mutex_);
    patterns_[subscriber].insert(pattern);
  }
  std::vector<std::string> subscribers_of(std::string_view topic) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [subscriber, patterns] : patterns_)
      if (std::any_of(patterns.begin(), patterns.end(),
                      [&](const std::string& p) { return messaging::subject_matches(p, topic); }))
        out.push_back(subscriber);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_set<std::string>> patterns_;
};

// A mix of literal and wildcard patterns that miss kTopic, except that the
// first `matches` subscribers trade one of theirs for "news.*.today".
template <class Table>
void fill(Table& table, int matches) {
  for (int i = 0; i < kSubscribers; ++i) {
    std::string who = "app/c" + std::to_string(i);
    std::string id = std::to_string(i);
    for (int j = 0; j < kPatternsEach; ++j) {
      std::string topic = "t" + std::to_string(j);
      if (j == 0 && i < matches)
        table.add(who, "news.*.today");
      else if (j % 3 == 0)
        table.add(who, who + "." + topic);
      else if (j % 3 == 1)
        table.add(who, "svc" + id + ".*." + topic);
      else
        table.add(who, "news." + id + "." + topic + ".>");
    }
  }
}

// Built once per argument: filling 200,000 subscriptions dwarfs a publish.
template <class Table>
const Table& table_for(int matches) {
  static std::map<int, std::unique_ptr<Table>> tables;
  auto& table = tables[matches];
  if (!table) {
    table = std::make_unique<Table>();
    fill(*table, matches);
  }
  return *table;
}

template <class Table>
void publish(benchmark::State& state) {
  int matches = static_cast<int>(state.range(0));
  const Table& table = table_for<Table>(matches);
  if (static_cast<int>(table.subscribers_of(kTopic).size()) != matches)
    state.SkipWithError("wrong number of subscribers");
  for (auto _ : state) benchmark::DoNotOptimize(table.subscribers_of(kTopic));
  state.counters["matches"] = matches;
}

void BM_PublishIndex(benchmark::State& state) {
  publish<messaging::Subscriptions>(state);
}
void BM_PublishBruteForce(benchmark::State& state) {
  publish<BruteForce>(state);
}

BENCHMARK(BM_PublishIndex)->Arg(1)->Arg(kSubscribers);
BENCHMARK(BM_PublishBruteForce)->Arg(1)->Arg(kSubscribers);

}  // namespace

BENCHMARK_MAIN();
