// PendingRequests on its own, with a ManualClock: each request is completed
// exactly once, by whichever comes first, and time moves only when told.
#include "messaging/pending_requests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace wasmhive::messaging {
namespace {

using namespace std::chrono_literals;

class PendingRequestsTest : public ::testing::Test {
 protected:
  // A completion that records what it was given and answers `accept`.
  Completion record(bool accept = true) {
    return [this, accept](std::uint64_t id, abi::CallbackStatus status,
                          std::vector<std::uint8_t> payload, const Trace&) {
      completions[id].push_back({status, std::string(payload.begin(), payload.end())});
      return accept;
    };
  }
  void advance(Clock::Duration by) {
    clock.advance(by);
    timers.settle();  // every timer now due has run
  }

  struct Seen {
    abi::CallbackStatus status;
    std::string payload;
  };
  std::map<std::uint64_t, std::vector<Seen>> completions;  // outlives what fills it
  ManualClock clock;
  TimerService timers{clock};
  PendingRequests pending{timers};
};

TEST_F(PendingRequestsTest, AnAnswerCompletesOnceAndALaterOneIsLate) {
  auto id = pending.add(1s, record());
  EXPECT_GT(id, 0u);
  EXPECT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending.complete(id, abi::kStatusOk, {'h', 'i'}), Completed::as_given);
  EXPECT_EQ(pending.complete(id, abi::kStatusOk, {}), Completed::not_pending);
  advance(2s);  // its timer was cancelled with the answer
  ASSERT_EQ(completions[id].size(), 1u);
  EXPECT_EQ(completions[id][0].status, abi::kStatusOk);
  EXPECT_EQ(completions[id][0].payload, "hi");
  EXPECT_EQ(pending.size(), 0u);
  EXPECT_EQ(pending.late(), 1u);
}

TEST_F(PendingRequestsTest, TheTimeoutFiresAtItsTimeExactlyAndTheAnswerAfterItIsLate) {
  auto id = pending.add(100ms, record());
  advance(99ms);
  EXPECT_TRUE(completions[id].empty());
  advance(1ms);
  ASSERT_EQ(completions[id].size(), 1u);
  EXPECT_EQ(completions[id][0].status, abi::kStatusTimeout);
  EXPECT_EQ(pending.complete(id, abi::kStatusOk, {}), Completed::not_pending);
  EXPECT_EQ(completions[id].size(), 1u);
  EXPECT_EQ(pending.late(), 1u);
}

TEST_F(PendingRequestsTest, CancelIsTheOwnersAndLeavesNoCompletion) {
  int owner = 0, stranger = 0;
  auto id = pending.add(100ms, record(), &owner);
  EXPECT_FALSE(pending.cancel(id, &stranger));
  EXPECT_TRUE(pending.cancel(id, &owner));
  EXPECT_FALSE(pending.cancel(id, &owner));  // once
  advance(1s);
  EXPECT_TRUE(completions[id].empty());
  EXPECT_EQ(pending.size(), 0u);
}

TEST_F(PendingRequestsTest, CancelAllForgetsOneOwnersRequestsOnly) {
  int gone = 0, staying = 0;
  auto a = pending.add(100ms, record(), &gone);
  auto b = pending.add(100ms, record(), &gone);
  auto c = pending.add(100ms, record(), &staying);
  pending.cancel_all(&gone);
  EXPECT_EQ(pending.size(), 1u);
  advance(100ms);
  EXPECT_TRUE(completions[a].empty());
  EXPECT_TRUE(completions[b].empty());
  ASSERT_EQ(completions[c].size(), 1u);
  EXPECT_EQ(completions[c][0].status, abi::kStatusTimeout);
}

TEST_F(PendingRequestsTest, CompleteAllAnswersEveryOneWithTheStatus) {
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(pending.add(1h, record()));
  pending.complete_all(abi::kStatusUnknownTarget);
  EXPECT_EQ(pending.size(), 0u);
  for (auto id : ids) {
    ASSERT_EQ(completions[id].size(), 1u);
    EXPECT_EQ(completions[id][0].status, abi::kStatusUnknownTarget);
  }
  advance(2h);
  for (auto id : ids) EXPECT_EQ(completions[id].size(), 1u);
}

TEST_F(PendingRequestsTest, ARequesterThatCannotTakeTheAnswerIsReportedAsSuch) {
  auto id = pending.add(1s, record(false));
  EXPECT_EQ(pending.complete(id, abi::kStatusOk, {'x'}), Completed::as_error);
  EXPECT_EQ(pending.size(), 0u);
}

TEST_F(PendingRequestsTest, IdsAreDistinctAndPositive) {
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(pending.add(1s, record()));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  EXPECT_GT(ids.front(), 0u);
}

}  // namespace
}  // namespace wasmhive::messaging
