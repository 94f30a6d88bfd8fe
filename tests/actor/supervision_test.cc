// Supervision end to end: real components trap, the supervisor restarts them per
// policy, strategy and intensity. The host is stepped and time is a ManualClock:
// nothing runs until a test steps the workers or advances the clock, so
// backoff and intensity windows are exact and no test waits on real time.
#include <gtest/gtest.h>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive::actor {
namespace {

using namespace std::chrono_literals;
using testing::ask_text_stepped;
using testing::EventLog;
using testing::guest_spec;
using Kind = Event::Kind;

class SupervisionTest : public ::testing::Test {
 protected:
  void start(GroupSpec root = {.name = "root"}, std::size_t workers = 2) {
    auto created = host::Host::create({.workers = workers,
                                       .clock = &clock,
                                       .stepped = true,
                                       .root = root,
                                       .on_event = events.sink()});
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }

  void spawn(const std::string& name, const std::string& group = {},
             RestartPolicy policy = RestartPolicy::permanent) {
    auto spec = guest_spec(name, "flaky");
    spec.restart = policy;
    auto spawned = host->spawn(std::move(spec), group);
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }

  void send(const std::string& target, std::string_view payload) {
    auto sent = host->send(target, testing::to_bytes(payload));
    ASSERT_TRUE(sent.ok()) << sent.error().describe();
  }

  // Makes `name` trap; its failure is handled by the time this returns.
  void crash(const std::string& name) {
    std::size_t before = events.count(Kind::failed, name);
    send(name, "trap");
    host->run_until_idle();
    ASSERT_EQ(events.count(Kind::failed, name), before + 1);
  }
  // Crashes `name`; its restart is timed by the time this returns.
  void crash_and_time_its_restart(const std::string& name) {
    std::size_t before = events.count(Kind::restart_scheduled, name);
    crash(name);
    ASSERT_EQ(events.count(Kind::restart_scheduled, name), before + 1);
  }
  // Moves time, then runs whatever that made due.
  void advance(Clock::Duration by) {
    clock.advance(by);
    host->run_until_idle();
  }

  ComponentState state(const std::string& name) { return host->status(name)->state; }
  // How many messages the current instance handled: 0 right after a restart.
  std::string handled(const std::string& name) { return ask_text_stepped(*host, name, "?"); }

  ManualClock clock;
  EventLog events;
  std::unique_ptr<host::Host> host;
};

TEST_F(SupervisionTest, RestartWaitsExactlyItsBackoffThenProcessesTheMessagesQueuedBehind) {
  start({.name = "root", .backoff_initial = 10ms}, 1);
  auto flaky = guest_spec("app/flaky", "flaky");
  flaky.limits.call_timeout = 5s;  // the spin must not hit the deadline
  ASSERT_TRUE(host->spawn(std::move(flaky)).ok());
  auto neighbour = guest_spec("app/echo", "echo");  // same (only) worker
  ASSERT_TRUE(host->spawn(std::move(neighbour)).ok());

  // Stepped: all three are queued behind one another before the trap runs.
  send("app/flaky", "trap");
  send("app/flaky", "b");
  send("app/flaky", "c");
  host->run_until_idle();
  ASSERT_EQ(events.count(Kind::restart_scheduled, "app/flaky"), 1u);
  EXPECT_EQ(state("app/flaky"), ComponentState::restarting);
  EXPECT_EQ(host->status("app/flaky")->mailbox_size, 2u);
  EXPECT_EQ(host->status("app/flaky")->dead_letters, 1u);  // the message it trapped on

  // Its neighbour on the same worker is unaffected.
  EXPECT_EQ(ask_text_stepped(*host, "app/echo", "still here"), "still here");

  advance(9ms);
  EXPECT_EQ(state("app/flaky"), ComponentState::restarting);
  EXPECT_EQ(events.count(Kind::restarted, "app/flaky"), 0u);
  advance(1ms);
  ASSERT_EQ(events.count(Kind::restarted, "app/flaky"), 1u);
  // The new instance handled b and c (and nothing it had before).
  EXPECT_EQ(handled("app/flaky"), "2|c");
  EXPECT_EQ(host->status("app/flaky")->restarts, 1u);
  EXPECT_EQ(host->status("app/flaky")->failures, 1u);
}

TEST_F(SupervisionTest, BackoffDoublesWithEachRestartInThePeriod) {
  start({.name = "root",
         .max_restarts = 10,
         .period = 10s,
         .backoff_initial = 10ms,
         .backoff_max = 1000ms});
  spawn("app/flaky");
  for (int n = 1; n <= 3; ++n) {
    crash_and_time_its_restart("app/flaky");
    auto backoff = 10ms * (1 << (n - 1));
    advance(backoff - 1ms);
    EXPECT_EQ(state("app/flaky"), ComponentState::restarting) << "restart " << n;
    advance(1ms);
    ASSERT_EQ(events.count(Kind::restarted, "app/flaky"), static_cast<std::size_t>(n))
        << "restart " << n;
  }
}

struct StrategyCase {
  Strategy strategy;
  const char* expected;  // per child a, b, c: "1" kept its instance, "0" restarted
};

void PrintTo(const StrategyCase& c, std::ostream* os) {
  *os << to_string(c.strategy);
}

class StrategyTest : public SupervisionTest, public ::testing::WithParamInterface<StrategyCase> {};

TEST_P(StrategyTest, FailureOfTheMiddleChildRestartsTheRightSiblings) {
  const auto [strategy, expected] = GetParam();
  start();
  ASSERT_TRUE(host->add_group({.name = "g", .strategy = strategy, .max_restarts = 5}).ok());
  const std::string names[] = {"g/a", "g/b", "g/c"};
  for (const auto& name : names) {
    spawn(name, "g");
    send(name, "hello");
    EXPECT_EQ(handled(name), "1|hello");
  }
  crash_and_time_its_restart("g/b");
  if (strategy != Strategy::one_for_one) {
    ASSERT_EQ(events.count(Kind::restart_scheduled, "g/c"), 1u);
  }
  advance(10ms);
  for (int i = 0; i < 3; ++i)
    if (expected[i] == '0') {
      ASSERT_EQ(events.count(Kind::restarted, names[i]), 1u) << names[i];
    }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(handled(names[i]).substr(0, 1), std::string(1, expected[i])) << names[i];
    EXPECT_EQ(host->status(names[i])->restarts, expected[i] == '0' ? 1u : 0u) << names[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, StrategyTest,
                         ::testing::Values(StrategyCase{Strategy::one_for_one, "101"},
                                           StrategyCase{Strategy::one_for_all, "000"},
                                           StrategyCase{Strategy::rest_for_one, "100"}),
                         [](const auto& info) {
                           return std::string(to_string(info.param.strategy));
                         });

TEST_F(SupervisionTest, IntensityExceededStopsTheGroupAndItsParentRestartsIt) {
  start({.name = "root", .max_restarts = 5, .backoff_initial = 50ms});
  ASSERT_TRUE(
      host->add_group({.name = "g", .max_restarts = 2, .period = 1000ms, .backoff_initial = 10ms})
          .ok());
  spawn("g/a", "g");
  spawn("g/b", "g");
  for (int n = 1; n <= 2; ++n) {
    crash_and_time_its_restart("g/a");
    advance(10ms * (1 << (n - 1)));
    ASSERT_EQ(events.count(Kind::restarted, "g/a"), static_cast<std::size_t>(n));
  }
  crash("g/a");  // the third failure within 1 s: over the group's intensity
  ASSERT_EQ(events.count(Kind::group_stopped, "g"), 1u);
  ASSERT_EQ(events.count(Kind::stopped, "g/b"), 1u);  // the whole group went down
  // Escalation: the root treats the group as one failed child and restarts all of it.
  ASSERT_EQ(events.count(Kind::restart_scheduled, "g/a"), 3u);
  ASSERT_EQ(events.count(Kind::restart_scheduled, "g/b"), 1u);
  advance(50ms);
  ASSERT_EQ(events.count(Kind::restarted, "g/a"), 3u);
  ASSERT_EQ(events.count(Kind::restarted, "g/b"), 1u);
  EXPECT_EQ(handled("g/b"), "0|");
  EXPECT_EQ(events.count(Kind::escalated, "root"), 0u);
}

TEST_F(SupervisionTest, FailuresOutsideThePeriodDoNotAddUp) {
  start({.name = "root", .max_restarts = 1, .period = 100ms, .backoff_initial = 10ms});
  spawn("app/flaky");
  for (int n = 1; n <= 3; ++n) {
    crash_and_time_its_restart("app/flaky");
    advance(200ms);  // past the period: the previous restart no longer counts
    ASSERT_EQ(events.count(Kind::restarted, "app/flaky"), static_cast<std::size_t>(n));
  }
  EXPECT_EQ(events.count(Kind::group_stopped, "root"), 0u);
}

TEST_F(SupervisionTest, RootOverItsIntensityEscalatesToTheHost) {
  start({.name = "root", .max_restarts = 0});
  spawn("app/a");
  spawn("app/b");
  crash("app/a");
  ASSERT_EQ(events.count(Kind::escalated, "root"), 1u);
  ASSERT_EQ(events.count(Kind::stopped, "app/b"), 1u);
  EXPECT_EQ(state("app/a"), ComponentState::stopped);
  auto sent = host->send("app/b", testing::to_bytes("anyone?"));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::not_found);
}

TEST_F(SupervisionTest, TemporaryComponentIsNotRestarted) {
  start();
  spawn("app/once", {}, RestartPolicy::temporary);
  spawn("app/always");
  crash("app/once");
  ASSERT_EQ(events.count(Kind::stopped, "app/once"), 1u);
  advance(1s);
  EXPECT_EQ(state("app/once"), ComponentState::stopped);
  EXPECT_EQ(events.count(Kind::restart_scheduled, "app/once"), 0u);
  EXPECT_EQ(handled("app/always"), "0|");
}

}  // namespace
}  // namespace wasmhive::actor
