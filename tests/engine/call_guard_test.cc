#include "engine/call_guard.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace wasmhive::engine {
namespace {

using namespace std::chrono_literals;

TEST(CallGuard, CompletedCallIsNeverTerminated) {
  std::atomic<int> terminations{0};
  CallGuard guard([&] { ++terminations; });
  guard.begin(CallGuard::Clock::now() + 10s);
  EXPECT_EQ(guard.end(), CallGuard::Outcome::completed);
  guard.interrupt();  // no call running: nothing to terminate
  EXPECT_EQ(terminations.load(), 0);
}

TEST(CallGuard, DeadlineTerminatesTheRunningCall) {
  std::promise<void> terminated;
  CallGuard guard([&] { terminated.set_value(); });
  guard.begin(CallGuard::Clock::now() + 1ms);
  // The "guest" runs until the guard terminates it.
  ASSERT_EQ(terminated.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(guard.end(), CallGuard::Outcome::deadline_exceeded);
}

TEST(CallGuard, AShortDeadlineAfterALongOneStillFires) {
  // The watchdog sleeps toward the long deadline; the short one must wake it.
  std::promise<void> terminated;
  CallGuard guard([&] { terminated.set_value(); });
  guard.begin(CallGuard::Clock::now() + 1h);
  EXPECT_EQ(guard.end(), CallGuard::Outcome::completed);
  guard.begin(CallGuard::Clock::now() + 1ms);
  ASSERT_EQ(terminated.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(guard.end(), CallGuard::Outcome::deadline_exceeded);
}

TEST(CallGuard, InterruptFromAnotherThreadTerminatesOnce) {
  std::atomic<int> terminations{0};
  CallGuard guard([&] { ++terminations; });
  guard.begin(std::nullopt);
  std::thread([&] { guard.interrupt(); }).join();
  guard.interrupt();
  EXPECT_EQ(guard.end(), CallGuard::Outcome::interrupted);
  EXPECT_EQ(terminations.load(), 1);
}

TEST(CallGuard, AnEarlierDeadlineNeverHitsALaterCall) {
  std::atomic<int> terminations{0};
  CallGuard guard([&] { ++terminations; });
  for (int i = 0; i < 1000; ++i) {
    guard.begin(CallGuard::Clock::now() + 1h);
    EXPECT_EQ(guard.end(), CallGuard::Outcome::completed);
  }
  EXPECT_EQ(terminations.load(), 0);
}

}  // namespace
}  // namespace wasmhive::engine
