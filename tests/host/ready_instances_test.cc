// Instances made ahead of spawns (HostConfig::ready_instances): a worker makes
// them when idle, spawns and restarts of the same module take them, and each
// component still starts from its module's own initial state.
#include "actor/ready_instances.h"

#include <gtest/gtest.h>

#include "abi/loader.h"
#include "host/host.h"
#include "support/engine_fixture.h"
#include "support/host_helpers.h"

namespace wasmhive::host {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::guest_spec;
using Kind = actor::Event::Kind;

class ReadyInstances : public ::testing::Test {
 protected:
  void start(std::size_t ready, std::size_t workers = 1) {
    HostConfig config{.workers = workers,
                      .ready_instances = ready,
                      .root = {.name = "root", .max_restarts = 100, .backoff_initial = 1ms}};
    config.on_event = events.sink();
    auto created = Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(const std::string& name, const std::string& guest) {
    auto spawned = host->spawn(guest_spec(name, guest));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }
  // Message number `sequence` from sender 0, for a counter.
  void count(const std::string& name, std::uint8_t sequence) {
    std::vector<std::uint8_t> message(12, 0);  // sender 0 (u32), sequence (u64), little endian
    message[4] = sequence;
    ASSERT_TRUE(host->send(name, message).ok());
  }

  testing::EventLog events;
  std::unique_ptr<Host> host;
};

TEST_F(ReadyInstances, AModuleSpawnedOnceIsMadeAheadAndLaterSpawnsTakeThem) {
  start(4);
  spawn("c/0", "counter");
  ASSERT_TRUE(testing::eventually([&] { return host->ready_instances() == 4; }));
  for (int i = 1; i <= 4; ++i) spawn("c/" + std::to_string(i), "counter");
  EXPECT_EQ(host->spawns_from_ready(), 4u);
  // Each starts from the module's initial state, and keeps its own.
  count("c/1", 0);
  count("c/1", 1);
  EXPECT_EQ(ask_text(*host, "c/1", "?"), "2 0");
  for (const char* other : {"c/0", "c/2", "c/3", "c/4"})
    EXPECT_EQ(ask_text(*host, other, "?"), "0 0");
  // The worker makes more while idle, up to the same number.
  EXPECT_TRUE(testing::eventually([&] { return host->ready_instances() == 4; }));
}

TEST_F(ReadyInstances, ARestartTakesOneToo) {
  start(2);
  spawn("app/flaky", "flaky");
  ASSERT_TRUE(testing::eventually([&] { return host->ready_instances() == 2; }));
  ASSERT_TRUE(host->send("app/flaky", testing::to_bytes("remember me")).ok());
  ASSERT_EQ(ask_text(*host, "app/flaky", "?"), "1|remember me");
  ASSERT_TRUE(host->send("app/flaky", testing::to_bytes("trap")).ok());
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/flaky"));
  EXPECT_EQ(host->spawns_from_ready(), 1u);
  EXPECT_EQ(ask_text(*host, "app/flaky", "?"), "0|");  // a fresh instance
}

TEST_F(ReadyInstances, EachWorkerKeepsItsOwnForTheModulesSpawnedOnIt) {
  start(3, 2);
  auto on = [&](const std::string& name, std::size_t worker) {
    auto spec = guest_spec(name, "echo");
    spec.worker = worker;
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  };
  on("e/0", 0);
  ASSERT_TRUE(testing::eventually([&] { return host->ready_instances() == 3; }));
  on("e/1", 1);  // none ready on worker 1 yet: instantiated
  EXPECT_EQ(host->spawns_from_ready(), 0u);
  ASSERT_TRUE(testing::eventually([&] { return host->ready_instances() == 6; }));
  on("e/2", 1);
  on("e/3", 0);
  EXPECT_EQ(host->spawns_from_ready(), 2u);
  for (const char* name : {"e/0", "e/1", "e/2", "e/3"})
    EXPECT_EQ(ask_text(*host, name, name), name);
}

TEST_F(ReadyInstances, NoneAreMadeWhenTurnedOff) {
  start(0);
  spawn("c/0", "counter");
  spawn("c/1", "counter");
  EXPECT_EQ(ask_text(*host, "c/1", "?"), "0 0");
  EXPECT_EQ(host->ready_instances(), 0u);
  EXPECT_EQ(host->spawns_from_ready(), 0u);
}

TEST_F(ReadyInstances, AStoppingHostDestroysThemBeforeItsEngines) {
  start(8, 2);
  spawn("c/0", "counter");
  spawn("e/0", "echo");
  ASSERT_TRUE(testing::eventually([&] { return host->ready_instances() == 16; }));
  host->shutdown(std::chrono::milliseconds(100));
  EXPECT_EQ(host->ready_instances(), 0u);
  host.reset();  // the engines go: under ASan, an instance left behind would be a finding
}

// The shelves themselves, on one thread with one engine: what is made, when,
// and within which limits.
class ReadyShelves : public testing::EngineTest {
 protected:
  std::shared_ptr<const engine::Module> load(const std::string& guest) {
    auto module = abi::load_module(*engine, testing::guest_bytes(guest));
    EXPECT_TRUE(module.ok()) << module.error().describe();
    return module ? *module : nullptr;
  }
  std::unique_ptr<actor::ReadyInstances> shelves(actor::ReadyInstances::Limits limits) {
    return std::make_unique<actor::ReadyInstances>(1, limits, [this](std::size_t) { ++scheduled; });
  }
  int scheduled = 0;
};

TEST_F(ReadyShelves, OnlyModulesThatStartedAreMadeAheadUpToTheirNumber) {
  auto counter = load("counter");
  auto ready = shelves({.per_module = 2, .modules = 8});
  EXPECT_EQ(ready->take(0, counter), nullptr);  // taking does not make it wanted
  EXPECT_FALSE(ready->refill(0, *engine));
  EXPECT_EQ(scheduled, 0);
  ready->wanted(0, counter);
  EXPECT_EQ(scheduled, 1);
  EXPECT_TRUE(ready->refill(0, *engine));
  EXPECT_TRUE(ready->refill(0, *engine));
  EXPECT_FALSE(ready->refill(0, *engine));  // full
  EXPECT_EQ(ready->ready(), 2u);
  EXPECT_NE(ready->take(0, counter), nullptr);
  EXPECT_EQ(ready->ready(), 1u);
  EXPECT_EQ(ready->taken(), 1u);
  ready->close(0);
  EXPECT_EQ(ready->ready(), 0u);
  EXPECT_FALSE(ready->refill(0, *engine));
}

TEST_F(ReadyShelves, TheByteBudgetAndTheNumberOfModulesBoundThem) {
  auto counter = load("counter");
  auto echo = load("echo");
  const std::size_t one = std::size_t{counter->info().memory->min_pages} * engine::kWasmPageSize;
  auto ready = shelves({.per_module = 4, .modules = 1, .bytes = 3 * one});
  ready->wanted(0, counter);
  while (ready->refill(0, *engine)) {
  }
  EXPECT_EQ(ready->ready(), 3u);  // the budget, not the 4 per module
  ready->wanted(0, echo);         // one module at most: counter's go
  EXPECT_EQ(ready->ready(), 0u);
  EXPECT_EQ(ready->take(0, counter), nullptr);
  EXPECT_TRUE(ready->refill(0, *engine));
  EXPECT_NE(ready->take(0, echo), nullptr);
  ready->close(0);
}

}  // namespace
}  // namespace wasmhive::host
