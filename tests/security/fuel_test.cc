// Fuel metering end to end (ComponentLimits::fuel_per_call): real components
// whose calls run out of fuel fail with out_of_fuel at the same count on every
// run, are restarted like any failure, and say in their status and log what
// their calls used. A metered component answers exactly as an unmetered one.
#include <gtest/gtest.h>

#include <set>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using testing::ask;
using testing::ask_text;
using testing::guest_spec;

class FuelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host = host::Host::create({.workers = 2, .on_event = events.sink()}).value();
  }

  actor::ComponentSpec metered(const std::string& name, const std::string& guest,
                               std::int64_t fuel) {
    auto spec = guest_spec(name, guest);
    spec.limits.fuel_per_call = fuel;
    spec.limits.call_timeout = 10s;  // fuel, not the deadline, must stop them
    spec.restart = actor::RestartPolicy::temporary;
    return spec;
  }

  // The detail of the `failed` event about `name`, once it came.
  std::string failure_of(const std::string& name) {
    EXPECT_TRUE(events.wait_for(actor::Event::Kind::failed, name));
    for (const auto& e : events.all())
      if (e.kind == actor::Event::Kind::failed && e.subject == name) return e.detail;
    return {};
  }

  testing::EventLog events;
  std::unique_ptr<host::Host> host;
};

// The same endless loop in 20 components: each stops at the same fuel count.
TEST_F(FuelTest, InfiniteLoopRunsOutOfFuelAtTheSameCountEveryRun) {
  std::set<std::string> failures;
  for (int run = 0; run < 20; ++run) {
    std::string name = "loop/" + std::to_string(run);
    ASSERT_TRUE(host->spawn(metered(name, "looper", 1'000'000)));
    ASSERT_TRUE(host->send(name, testing::to_bytes("go")));
    std::string failure = failure_of(name);
    EXPECT_NE(failure.find("out_of_fuel"), std::string::npos) << failure;
    failures.insert(failure);
  }
  ASSERT_EQ(failures.size(), 1u) << *failures.begin();
  std::string only = *failures.begin();
  std::size_t at = only.find("used ");
  ASSERT_NE(at, std::string::npos) << only;
  EXPECT_GE(std::stoll(only.substr(at + 5)), 1'000'000);
  EXPECT_NE(only.find(" of budget 1000000"), std::string::npos) << only;
}

// Recursion without end: fuel stops it, not the stack, and at one count.
TEST_F(FuelTest, DeepRecursionRunsOutOfFuelAtTheSameCountEveryRun) {
  std::set<std::string> failures;
  for (int run = 0; run < 20; ++run) {
    std::string name = "deep/" + std::to_string(run);
    ASSERT_TRUE(host->spawn(metered(name, "hasher", 200'000)));
    auto reply = ask(*host, name, "100000000 deep");
    EXPECT_EQ(reply.status, abi::kStatusTargetError);
    std::string failure = failure_of(name);
    EXPECT_NE(failure.find("out_of_fuel"), std::string::npos) << failure;
    failures.insert(failure);
  }
  EXPECT_EQ(failures.size(), 1u) << *failures.begin();
}

TEST_F(FuelTest, MeteredComponentAnswersAsAnUnmeteredOneAndReportsItsFuel) {
  ASSERT_TRUE(host->spawn(metered("app/metered", "hasher", 100'000'000)));
  ASSERT_TRUE(host->spawn(guest_spec("app/plain", "hasher")));
  for (const char* rounds : {"0", "1", "1000", "50 deep"})
    EXPECT_EQ(ask_text(*host, "app/metered", rounds), ask_text(*host, "app/plain", rounds))
        << rounds;
  EXPECT_FALSE(host->status("app/plain")->fuel);
  auto status = host->status("app/metered");
  ASSERT_TRUE(status->fuel);
  // Init was measured (the first call), and more work uses more fuel.
  EXPECT_GT(status->fuel->last_call, 0);
  EXPECT_GE(status->fuel->most, status->fuel->last_call);
}

TEST_F(FuelTest, TheSameRequestUsesTheSameFuelInEveryComponent) {
  std::set<std::int64_t> used;
  for (int run = 0; run < 20; ++run) {
    std::string name = "hash/" + std::to_string(run);
    ASSERT_TRUE(host->spawn(metered(name, "hasher", 100'000'000)));
    // One call in 64 that succeed is measured: these 64 are all the same.
    for (int i = 0; i < 64; ++i) ASSERT_EQ(ask(*host, name, "5000").status, abi::kStatusOk);
    used.insert(host->status(name)->fuel->last_call);
  }
  ASSERT_EQ(used.size(), 1u);
  EXPECT_GT(*used.begin(), 5000);  // each round is many instructions
}

TEST_F(FuelTest, AFailureOtherThanFuelSaysWhatTheCallUsed) {
  auto spec = metered("app/spin", "looper", 1'000'000'000'000);
  spec.limits.call_timeout = 50ms;
  ASSERT_TRUE(host->spawn(std::move(spec)));
  ASSERT_TRUE(host->send("app/spin", testing::to_bytes("go")));
  std::string failure = failure_of("app/spin");
  EXPECT_NE(failure.find("deadline_exceeded"), std::string::npos) << failure;
  std::size_t at = failure.find("(fuel used: ");
  ASSERT_NE(at, std::string::npos) << failure;
  EXPECT_GT(std::stoll(failure.substr(at + 12)), 0);
  EXPECT_NE(failure.find(" of 1000000000000)", at), std::string::npos) << failure;
}

}  // namespace
}  // namespace wasmhive
