// Send rates (ComponentLimits::max_messages_per_second, max_bytes_per_second)
// with real guests: a flood is cut at its quota, refused with the limit
// error, dead-lettered and audited once per second, while other components
// keep sending. The clock is a ManualClock, so the quotas refill only when
// the test says.
#include <gtest/gtest.h>

#include "host/host.h"
#include "support/host_helpers.h"
#include "util/clock.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::guest_spec;
using testing::to_bytes;

class RateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host = host::Host::create({.workers = 2, .clock = &clock, .on_message = inbox.sink()}).value();
  }

  void spawn(actor::ComponentSpec spec) { ASSERT_TRUE(host->spawn(std::move(spec))); }

  std::vector<security::AuditRecord> rate_records() const {
    std::vector<security::AuditRecord> out;
    for (auto& record : host->audit_records())
      if (record.capability == "send_rate") out.push_back(record);
    return out;
  }

  ManualClock clock;
  testing::Inbox inbox;
  std::unique_ptr<host::Host> host;
};

TEST_F(RateLimitTest, FloodIsCutAtItsMessageRateAndAuditedOncePerSecond) {
  auto flooder = guest_spec("bad/flooder", "flooder");
  flooder.limits.max_messages_per_second = 50;
  spawn(std::move(flooder));
  auto other = guest_spec("app/other", "relay");
  spawn(std::move(other));

  // The flood sends to @host until a send fails: the 51st, with -9. Its
  // report to @host is refused too (the quota is spent).
  ASSERT_TRUE(host->send("bad/flooder", to_bytes("send @host 10")));
  ASSERT_TRUE(testing::eventually([&] { return host->status("bad/flooder")->handled == 1; }));
  EXPECT_EQ(inbox.count(""), 50u);
  EXPECT_EQ(inbox.count("sent"), 0u);
  // Everyone else sends as before.
  EXPECT_EQ(ask_text(*host, "app/other", "send @host still here"), "0");
  EXPECT_TRUE(inbox.wait_for("still here"));

  auto records = rate_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].component, "bad/flooder");
  EXPECT_EQ(records[0].target, "messages");
  EXPECT_FALSE(records[0].granted);
  EXPECT_EQ(records[0].reason, "over its rate of 50 messages per second");
  EXPECT_FALSE(records[0].module.empty());
  // The refused flood message and the refused report are dead letters.
  EXPECT_EQ(host->dead_letters().count(), 2u);

  // A second later the bucket is full again: another 50, and another record.
  clock.advance(1s);
  ASSERT_TRUE(host->send("bad/flooder", to_bytes("send @host 10")));
  ASSERT_TRUE(testing::eventually([&] { return host->status("bad/flooder")->handled == 2; }));
  EXPECT_EQ(inbox.count("") - 1, 100u);  // without "still here"
  EXPECT_EQ(rate_records().size(), 2u);
}

TEST_F(RateLimitTest, FloodIsCutAtItsByteRateAndTheRequestStillAnswered) {
  auto flooder = guest_spec("bad/flooder", "flooder");
  flooder.limits.max_bytes_per_second = 10'000;
  spawn(std::move(flooder));
  // Ten 990-byte messages fit; the 11th does not. The report (a reply of a
  // few bytes) fits in the 100 bytes left over.
  EXPECT_EQ(ask_text(*host, "bad/flooder", "send @host 990"), "sent 10 -9");
  EXPECT_EQ(inbox.count(""), 10u);
  auto records = rate_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].target, "bytes");
  EXPECT_EQ(records[0].reason, "over its rate of 10000 bytes per second");
}

TEST_F(RateLimitTest, BroadcastsCountEveryTargetAndAreRefusedWhole) {
  auto relay = guest_spec("app/relay", "relay");
  relay.limits.max_messages_per_second = 4;
  spawn(std::move(relay));
  // Three targets and the reply: four messages (only @host exists).
  EXPECT_EQ(ask_text(*host, "app/relay", "bcast @host,app/x,app/y x"), "1");
  EXPECT_TRUE(inbox.wait_for("x"));
  EXPECT_TRUE(rate_records().empty());
  // A second later, five targets are more than the bucket holds: none is sent.
  clock.advance(1s);
  ASSERT_TRUE(host->send("app/relay", to_bytes("bcast @host,app/a,app/b,app/c,app/d y")));
  ASSERT_TRUE(testing::eventually([&] { return host->status("app/relay")->handled == 2; }));
  EXPECT_EQ(inbox.count("y"), 0u);
  ASSERT_EQ(rate_records().size(), 1u);
}

}  // namespace
}  // namespace wasmhive
