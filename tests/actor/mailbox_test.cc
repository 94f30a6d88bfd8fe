// The pieces under the runtime that time and queues depend on.
#include "actor/mailbox.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "actor/spec.h"
#include "util/timer_service.h"

namespace wasmhive::actor {
namespace {

using namespace std::chrono_literals;

Message numbered(int n) {
  return Message{abi::kKindSend, "s", {}, {static_cast<std::uint8_t>(n)}, 0};
}

TEST(Mailbox, KeepsOrderAndRefusesWhenFull) {
  Mailbox box(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(box.try_push(numbered(i)), Mailbox::Push::accepted);
  EXPECT_EQ(box.try_push(numbered(9)), Mailbox::Push::full);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(box.try_pop()->payload[0], i);
  EXPECT_FALSE(box.try_pop());
}

TEST(Mailbox, PushUntilWaitsForRoomAndGivesUpAtItsDeadline) {
  Mailbox box(1);
  ASSERT_EQ(box.try_push(numbered(0)), Mailbox::Push::accepted);
  EXPECT_EQ(box.push_until(numbered(1), std::chrono::steady_clock::now() + 10ms),
            Mailbox::Push::full);
  auto waiting = std::async(std::launch::async, [&] {
    return box.push_until(numbered(2), std::chrono::steady_clock::now() + 20s);
  });
  EXPECT_EQ(box.try_pop()->payload[0], 0);  // makes room: the waiter gets in
  EXPECT_EQ(waiting.get(), Mailbox::Push::accepted);
  EXPECT_EQ(box.try_pop()->payload[0], 2);
}

TEST(Mailbox, ClosedRefusesAndDrainReturnsTheRest) {
  Mailbox box(4);
  ASSERT_EQ(box.try_push(numbered(1)), Mailbox::Push::accepted);
  ASSERT_EQ(box.try_push(numbered(2)), Mailbox::Push::accepted);
  box.close();
  EXPECT_EQ(box.try_push(numbered(3)), Mailbox::Push::closed);
  auto rest = box.drain();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[1].payload[0], 2);
  EXPECT_EQ(box.size(), 0u);
}

TEST(Backoff, DoublesFromTheInitialDelayUpToTheCap) {
  GroupSpec group{.name = "g", .backoff_initial = 10ms, .backoff_max = 100ms};
  EXPECT_EQ(backoff_delay(group, 1), 10ms);
  EXPECT_EQ(backoff_delay(group, 2), 20ms);
  EXPECT_EQ(backoff_delay(group, 4), 80ms);
  EXPECT_EQ(backoff_delay(group, 5), 100ms);
  EXPECT_EQ(backoff_delay(group, 50), 100ms);
}

TEST(TimerService, FiresExactlyWhenAManualClockReachesTheTime) {
  ManualClock clock;
  TimerService timers(clock);
  std::atomic<int> fired{0};
  timers.schedule_after(10ms, [&] { fired += 1; });
  timers.schedule_after(30ms, [&] { fired += 10; });
  auto cancelled = timers.schedule_after(20ms, [&] { fired += 100; });
  EXPECT_TRUE(timers.cancel(cancelled));
  clock.advance(9ms);
  timers.settle();
  EXPECT_EQ(fired, 0);
  clock.advance(1ms);
  timers.settle();
  EXPECT_EQ(fired, 1);
  clock.advance(100ms);
  timers.settle();
  EXPECT_EQ(fired, 11);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerService, RunsOnTheSystemClock) {
  SystemClock clock;
  TimerService timers(clock);
  std::promise<void> fired;
  timers.schedule_after(1ms, [&] { fired.set_value(); });
  EXPECT_EQ(fired.get_future().wait_for(20s), std::future_status::ready);
}

}  // namespace
}  // namespace wasmhive::actor
