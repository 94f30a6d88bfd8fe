// Requests, callbacks, cancel, broadcast and pub/sub between real components.
#include <gtest/gtest.h>

#include "host/host.h"
#include "messaging/subjects.h"
#include "support/host_helpers.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::guest_spec;
using testing::to_bytes;
using Kind = actor::Event::Kind;

class Messaging : public ::testing::Test {
 protected:
  // `clock` and `stepped` as in HostConfig: a test that drives time itself.
  void start(std::size_t workers = 2, Clock* clock = nullptr, bool stepped = false) {
    host::HostConfig config{.workers = workers,
                            .clock = clock,
                            .stepped = stepped,
                            .root = {.name = "root", .backoff_initial = 10ms}};
    config.on_message = inbox.sink();
    config.on_event = events.sink();
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(const std::string& name, const std::string& guest,
             std::optional<std::size_t> worker = std::nullopt,
             std::chrono::milliseconds call_timeout = 5s, std::size_t mailbox = 1024) {
    auto spec = guest_spec(name, guest);
    spec.limits.max_outstanding_requests = 200000;  // the burst test needs 100,000
    spec.worker = worker;
    spec.limits.call_timeout = call_timeout;
    spec.limits.mailbox_capacity = mailbox;
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }
  // Runs a relay command as a request and returns the import's result.
  std::int64_t command(const std::string& relay, const std::string& text) {
    return std::stoll(ask_text(*host, relay, text));
  }
  void send(const std::string& target, const std::string& text) {
    auto sent = host->send(target, to_bytes(text));
    ASSERT_TRUE(sent.ok()) << sent.error().describe();
  }

  testing::Inbox inbox;
  testing::EventLog events;
  ManualClock clock;  // for the tests that pass it: declared before, so it outlives, the host
  std::unique_ptr<host::Host> host;
};

TEST_F(Messaging, ACallbackThatTrapsStillCountsItsRequestOnce) {
  // A failed callback was once un-counted twice (taken, then dead-lettered),
  // and the requester could then have one request more than its quota.
  start(2, &clock, true);
  auto relay = guest_spec("app/a", "relay");
  relay.worker = 0;
  relay.limits.max_outstanding_requests = 1;
  ASSERT_TRUE(host->spawn(std::move(relay)).ok());
  spawn("app/echo", "echo", 1);
  spawn("app/idle", "echo", 1);
  EXPECT_GT(std::stoll(testing::ask_text_stepped(*host, "app/a", "req app/echo 1000 trap")), 0);
  host->run_until_idle();  // echo answers "trap": the callback traps
  clock.advance(10ms);     // the restart's backoff
  host->run_until_idle();
  ASSERT_EQ(events.count(Kind::restarted, "app/a"), 1u);
  // One request outstanding (app/idle is not stepped before the next ask), so
  // a second is over the quota of 1.
  EXPECT_GT(std::stoll(testing::ask_text_stepped(*host, "app/a", "req app/idle 1000 x")), 0);
  EXPECT_EQ(testing::ask_text_stepped(*host, "app/a", "req app/idle 1000 y"), "-9");
}

TEST_F(Messaging, TimeoutCallbackThenTheLateReplyIsDroppedNotDelivered) {
  // Stepped, on a ManualClock: b gets no turn until the request has timed out.
  start(2, &clock, true);
  spawn("app/a", "relay", 0);
  spawn("app/b", "flaky", 1);
  std::int64_t id = std::stoll(testing::ask_text_stepped(*host, "app/a", "req app/b 50 hello"));
  ASSERT_GT(id, 0);
  clock.advance(49ms);
  EXPECT_EQ(host->outstanding_requests(), 1u);
  clock.advance(1ms);
  host->run_until_idle();  // a's callback, then b's turn with the request
  auto callback = inbox.wait_for("cb|" + std::to_string(id) + "|", 0ms);
  ASSERT_TRUE(callback);
  EXPECT_EQ(*callback, "cb|" + std::to_string(id) + "|1|");  // status 1: timeout
  // b still handles the request and replies: the reply is counted and dropped.
  EXPECT_EQ(host->late_replies(), 1u);
  EXPECT_EQ(inbox.count("cb|"), 1u);
  EXPECT_EQ(host->outstanding_requests(), 0u);
}

TEST_F(Messaging, CancelledRequestGetsNoCallback) {
  start();
  spawn("app/a", "relay");
  spawn("app/b", "flaky");
  send("app/b", "spin 200");
  std::int64_t id = command("app/a", "req app/b 5000 hello");
  ASSERT_GT(id, 0);
  EXPECT_EQ(command("app/a", "cancel " + std::to_string(id)), 0);
  EXPECT_EQ(command("app/a", "cancel " + std::to_string(id)), -3);  // already gone
  EXPECT_EQ(command("app/a", "cancel 999999"), -3);
  ASSERT_TRUE(testing::eventually([&] { return host->late_replies() == 1; }));  // b replied
  EXPECT_EQ(inbox.count("cb|"), 0u);
}

TEST_F(Messaging, OnlyTheRequesterMayCancelItsRequest) {
  start();
  spawn("app/a", "relay");
  spawn("app/c", "relay");
  spawn("app/b", "flaky");
  send("app/b", "spin 200");
  std::int64_t id = command("app/a", "req app/b 5000 hello");
  EXPECT_EQ(command("app/c", "cancel " + std::to_string(id)), -3);
  auto callback = inbox.wait_for("cb|" + std::to_string(id) + "|");
  ASSERT_TRUE(callback);
  EXPECT_EQ(*callback, "cb|" + std::to_string(id) + "|0|hello");
}

TEST_F(Messaging, UnknownTargetIsACallbackAndBadArgumentsAreErrors) {
  start();
  spawn("app/a", "relay");
  std::int64_t id = command("app/a", "req nobody/here 1000 hello");
  ASSERT_GT(id, 0);
  auto callback = inbox.wait_for("cb|" + std::to_string(id) + "|");
  ASSERT_TRUE(callback);
  EXPECT_EQ(*callback, "cb|" + std::to_string(id) + "|3|");  // status 3: unknown target
  EXPECT_EQ(command("app/a", "req app/a 0 zero-timeout"), -1);
  EXPECT_EQ(command("app/a", "req app/a 99999999999 too-long"), -1);
}

TEST_F(Messaging, TargetTrapsWhileHandlingTheRequest) {
  start();
  spawn("app/a", "relay");
  spawn("app/b", "flaky");
  std::int64_t id = command("app/a", "req app/b 5000 trap");
  auto callback = inbox.wait_for("cb|" + std::to_string(id) + "|");
  ASSERT_TRUE(callback);
  EXPECT_EQ(*callback, "cb|" + std::to_string(id) + "|2|");  // status 2: target error
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/b"));
  EXPECT_EQ(ask_text(*host, "app/b", "?"), "0|");
}

TEST_F(Messaging, RequestCycleBetweenTwoComponentsOnOneWorkerDoesNotDeadlock) {
  start(1);
  spawn("app/a", "relay");
  spawn("app/b", "relay");
  // a requests b; while handling it, b requests a; both answer.
  std::int64_t outer = command("app/a", "req app/b 5000 req app/a 5000 hi");
  ASSERT_GT(outer, 0);
  auto a_got = inbox.wait_for("msg|1|app/b||hi");  // a handled b's request
  ASSERT_TRUE(a_got);
  auto a_callback = inbox.wait_for("cb|" + std::to_string(outer) + "|0|");
  ASSERT_TRUE(a_callback);
  std::string inner = a_callback->substr(a_callback->rfind('|') + 1);  // b's request id
  auto b_callback = inbox.wait_for("cb|" + inner + "|0|hi");
  EXPECT_TRUE(b_callback) << "b never got a's reply";
}

TEST_F(Messaging, ReplyToARestartedRequesterGoesToDeadLetters) {
  start();
  spawn("app/a", "relay");
  spawn("app/b", "flaky");
  send("app/b", "spin 300");
  std::int64_t id = command("app/a", "req app/b 5000 hello");
  ASSERT_GT(id, 0);
  send("app/a", "trap");
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/a"));
  ASSERT_TRUE(testing::eventually([&] {
    auto letters = host->dead_letters().recent();
    return !letters.empty() &&
           letters.back().reason == "requester restarted before the answer arrived";
  }));
  EXPECT_EQ(host->dead_letters().recent().back().target, "app/a");
  EXPECT_EQ(inbox.count("cb|"), 0u);
  EXPECT_EQ(command("app/a", "sub still.alive"), 0);  // the new instance works
}

TEST_F(Messaging, BroadcastReachesEachListedTargetOnce) {
  start();
  spawn("app/a", "relay");
  spawn("app/r1", "recorder");
  spawn("app/r2", "recorder");
  auto dead_before = host->dead_letters().count();
  // r1 twice, and a name nobody has: delivered to r1 and r2 once each.
  EXPECT_EQ(command("app/a", "bcast app/r1,app/r2,app/r1,app/nobody hello all"), 2);
  EXPECT_EQ(ask_text(*host, "app/r1", "?"), "1|app/a|hello all");
  EXPECT_EQ(ask_text(*host, "app/r2", "?"), "1|app/a|hello all");
  EXPECT_EQ(host->dead_letters().count(), dead_before + 1);
  EXPECT_EQ(command("app/a", "bcast app/r1,,app/r2 empty-name"), -1);
}

TEST_F(Messaging, PublishReachesMatchingSubscribersAndUnsubscribeStopsIt) {
  start();
  spawn("app/pub", "relay");
  spawn("sub/one", "relay");
  spawn("sub/deep", "relay");
  spawn("sub/exact", "relay");
  EXPECT_EQ(command("sub/one", "sub orders.*"), 0);
  EXPECT_EQ(command("sub/deep", "sub orders.>"), 0);
  EXPECT_EQ(command("sub/exact", "sub orders.created"), 0);

  EXPECT_EQ(command("app/pub", "pub orders.created o-1"), 3);
  ASSERT_TRUE(inbox.wait_for("msg|2|app/pub|orders.created|o-1"));
  EXPECT_EQ(command("app/pub", "pub orders.eu.created o-2"), 1);  // only "orders.>"
  EXPECT_EQ(command("app/pub", "pub orders o-3"), 0);             // '*' and '>' need a token
  auto from_host = host->publish("orders.paid", to_bytes("o-4"));
  ASSERT_TRUE(from_host.ok());
  EXPECT_EQ(*from_host, 2u);
  ASSERT_TRUE(inbox.wait_for("msg|2|@host|orders.paid|o-4"));
  ASSERT_TRUE(testing::eventually([&] { return inbox.count("msg|2|") == 3 + 1 + 2; }));

  EXPECT_EQ(command("sub/deep", "unsub orders.>"), 0);
  EXPECT_EQ(command("sub/deep", "unsub orders.>"), -3);
  EXPECT_EQ(command("app/pub", "pub orders.eu.created o-5"), 0);
  EXPECT_EQ(command("app/pub", "pub orders.* wildcard-topic"), -1);
  EXPECT_EQ(command("sub/one", "sub orders.>.x"), -1);
}

TEST_F(Messaging, SubscriptionsEndWithTheInstance) {
  start();
  spawn("app/pub", "relay");
  spawn("sub/one", "relay");
  EXPECT_EQ(command("sub/one", "sub news.>"), 0);
  EXPECT_EQ(command("app/pub", "pub news.today n-1"), 1);
  send("sub/one", "trap");
  ASSERT_TRUE(events.wait_for(Kind::restarted, "sub/one"));
  EXPECT_EQ(command("app/pub", "pub news.today n-2"), 0);  // the new instance has not subscribed
}

TEST_F(Messaging, HundredThousandOutstandingRequestsAllAnsweredOrTimedOut) {
  start();
  spawn("app/burst", "burster", 0, 20s);
  spawn("app/slow", "flaky", 1, 20s, 200000);
  send("app/slow", "spin 1500");                    // nothing is answered while the bursts go out
  send("app/burst", "burst app/slow 50000 60000");  // answered later
  send("app/burst", "burst app/slow 50000 1");      // time out first
  ASSERT_TRUE(testing::eventually([&] { return host->outstanding_requests() >= 50000; }));
  ASSERT_TRUE(testing::eventually(
      [&] { return ask_text(*host, "app/burst", "?") == "50000 50000 0 0"; }, 60s));
  EXPECT_EQ(host->outstanding_requests(), 0u);
  EXPECT_TRUE(testing::eventually([&] { return host->late_replies() == 50000; }, 60s));
}

TEST_F(Messaging, TheHostBroadcastsSubscribesAndCannotBeRequested) {
  start();
  spawn("app/r1", "recorder");
  spawn("app/r2", "recorder");
  spawn("app/pub", "relay");
  std::vector<std::string> targets = {"app/r1", "app/r2", "app/r1", "app/none"};
  auto delivered = host->broadcast(targets, to_bytes("from the host"));
  ASSERT_TRUE(delivered.ok());
  EXPECT_EQ(*delivered, 2u);
  EXPECT_EQ(ask_text(*host, "app/r2", "?"), "1|@host|from the host");
  EXPECT_EQ(host->broadcast(std::vector<std::string>{"bad name"}, to_bytes("x")).error().code,
            Errc::invalid_argument);

  ASSERT_TRUE(host->subscribe("alerts.>").ok());
  EXPECT_EQ(command("app/pub", "pub alerts.disk.full 93%"), 1);
  ASSERT_TRUE(inbox.wait_for("93%"));
  ASSERT_TRUE(host->unsubscribe("alerts.>").ok());
  EXPECT_EQ(command("app/pub", "pub alerts.disk.full 94%"), 0);
  EXPECT_EQ(host->unsubscribe("alerts.>").error().code, Errc::not_found);
  EXPECT_EQ(host->subscribe("alerts.>.x").error().code, Errc::invalid_argument);

  std::int64_t id = command("app/pub", "req @host 1000 anyone?");
  auto callback = inbox.wait_for("cb|" + std::to_string(id) + "|");
  ASSERT_TRUE(callback);
  EXPECT_EQ(*callback, "cb|" + std::to_string(id) + "|3|");
}

TEST(Subjects, WildcardMatching) {
  using messaging::subject_matches;
  EXPECT_TRUE(subject_matches("a.b", "a.b"));
  EXPECT_FALSE(subject_matches("a.b", "a.b.c"));
  EXPECT_TRUE(subject_matches("a.*", "a.b"));
  EXPECT_FALSE(subject_matches("a.*", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.*", "a"));
  EXPECT_TRUE(subject_matches("a.*.c", "a.x.c"));
  EXPECT_TRUE(subject_matches("a.>", "a.b"));
  EXPECT_TRUE(subject_matches("a.>", "a.b.c.d"));
  EXPECT_FALSE(subject_matches("a.>", "a"));
  EXPECT_TRUE(subject_matches(">", "anything.at.all"));
  EXPECT_TRUE(messaging::is_valid_pattern("a.*.>"));
  EXPECT_FALSE(messaging::is_valid_pattern("a.>.b"));
  EXPECT_FALSE(messaging::is_valid_pattern("a..b"));
  EXPECT_FALSE(messaging::is_valid_topic("a.*"));
  EXPECT_FALSE(messaging::is_valid_topic(""));
  EXPECT_FALSE(messaging::is_valid_topic("has space"));
}

// Outside testing, defect 6: the answer used to be dropped as meant for an
// earlier instance, on every start and restart.
TEST_F(Messaging, ARequestMadeInInitGetsItsCallback) {
  start();
  spawn("config/service", "echo");
  spawn("app/starter", "starter");
  EXPECT_TRUE(inbox.wait_for("config 0 config?"));
  EXPECT_EQ(host->status("app/starter")->dead_letters, 0u);
}

TEST_F(Messaging, ARequestMadeInInitAfterARestartGetsItsCallback) {
  start();
  spawn("config/service", "echo");
  auto spec = guest_spec("app/starter", "starter");
  spec.limits.call_timeout = 5s;
  ASSERT_TRUE(host->add_group({.name = "both",
                               .strategy = actor::Strategy::one_for_all,
                               .max_restarts = 5,
                               .backoff_initial = 1ms})
                  .ok());
  ASSERT_TRUE(host->spawn(std::move(spec), "both").ok());
  auto flaky = guest_spec("app/flaky", "flaky");
  ASSERT_TRUE(host->spawn(std::move(flaky), "both").ok());
  ASSERT_TRUE(inbox.wait_for("config 0 config?"));
  send("app/flaky", "trap");  // one_for_all: the starter restarts too and asks again
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/starter"));
  EXPECT_TRUE(testing::eventually([&] { return inbox.count("config 0 config?") == 2; }));
  EXPECT_EQ(host->status("app/starter")->dead_letters, 0u);
}

// Outside testing, defect 9: the ABI says a pattern already held is a success.
TEST_F(Messaging, ResubscribingAHeldPatternSucceedsAtAFullQuota) {
  start();
  auto spec = guest_spec("app/r", "relay");
  spec.limits.max_subscriptions = 2;
  ASSERT_TRUE(host->spawn(std::move(spec)).ok());
  EXPECT_EQ(command("app/r", "sub a.b"), 0);
  EXPECT_EQ(command("app/r", "sub a.*"), 0);
  EXPECT_EQ(command("app/r", "sub a.b"), 0);  // held already: changes nothing
  EXPECT_EQ(command("app/r", "sub c.d"), -9);
}

// Outside testing: a component's name is registered before its init runs, so
// what init sends to itself, or publishes to its own subscription, reaches it.
TEST_F(Messaging, WhatInitSendsToItselfReachesIt) {
  start();
  spawn("app/selfie", "selfie");
  EXPECT_TRUE(inbox.wait_for("got 0 sent"));       // kind 0: a send
  EXPECT_TRUE(inbox.wait_for("got 2 published"));  // kind 2: a publication
  EXPECT_EQ(host->dead_letters().count(), 0u);
}

// A delivered request counts as sent, as a send does (the router counts both).
TEST_F(Messaging, ADeliveredRequestCountsAsSent) {
  start();
  spawn("app/a", "relay");
  spawn("app/b", "echo");
  std::int64_t id = command("app/a", "req app/b 5000 hi");
  ASSERT_GT(id, 0);
  ASSERT_TRUE(inbox.wait_for("cb|" + std::to_string(id) + "|0|hi"));
  // The request, then the report of its callback to @host.
  EXPECT_TRUE(testing::eventually([&] { return host->status("app/a")->sent == 2; }));
}

}  // namespace
}  // namespace wasmhive
