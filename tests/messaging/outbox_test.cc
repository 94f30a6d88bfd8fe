// The outbox (docs/abi.md §2) between real components: what a guest queues
// leaves in the order it was written, also around import sends; what cannot
// be delivered is a dead letter, not a silent loss.
#include <gtest/gtest.h>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::guest_spec;
using testing::to_bytes;
using Kind = actor::Event::Kind;

class Outbox : public ::testing::Test {
 protected:
  void SetUp() override {
    host::HostConfig config{.workers = 2,
                            .root = {.name = "root", .max_restarts = 100, .backoff_initial = 5ms}};
    config.on_message = inbox.sink();
    config.on_event = events.sink();
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }
  // The dead letters of (sender, target, reason) so far.
  std::uint64_t dead_letters(const std::string& sender, const std::string& target,
                             const std::string& reason) {
    for (const auto& count : host->dead_letters().counts())
      if (count.sender == sender && count.target == target && count.reason == reason)
        return count.count;
    return 0;
  }

  testing::Inbox inbox;
  testing::EventLog events;
  std::unique_ptr<host::Host> host;
};

TEST_F(Outbox, QueuedMessagesKeepTheirOrderAroundImportSends) {
  spawn(guest_spec("app/a", "relay"));
  spawn(guest_spec("app/sink", "relay"));
  ASSERT_EQ(ask_text(*host, "app/sink", "sub order.seen"), "0");
  // o1, o3 and o5 are queued, o2 sent and o4 published by import: the sink
  // (one sender, one mailbox) must handle them in the order they were written,
  // and reports each to the host as it handles it.
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round)
    ASSERT_EQ(ask_text(*host, "app/a", "order app/sink"), "0");
  ASSERT_TRUE(testing::eventually([&] { return inbox.count("msg|") == 5 * kRounds; }));
  auto seen = inbox.payloads("msg|");
  const std::string expected[] = {"msg|0|app/a||o1", "msg|0|app/a||o2", "msg|0|app/a||o3",
                                  "msg|2|app/a|order.seen|o4", "msg|0|app/a||o5"};
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], expected[i % 5]) << i;
}

TEST_F(Outbox, AQueuedMessageThatCannotBeDeliveredIsADeadLetter) {
  auto relay = guest_spec("app/a", "relay");
  relay.capabilities.send = {"app/*", "@host"};
  relay.limits.max_payload = 8;
  spawn(std::move(relay));
  spawn(guest_spec("app/sink", "relay"));
  // Queued: no result but 0, whatever becomes of it.
  EXPECT_EQ(ask_text(*host, "app/a", "queue app/nobody hi"), "0");
  EXPECT_EQ(ask_text(*host, "app/a", "queue other/x hi"), "0");
  EXPECT_EQ(ask_text(*host, "app/a", "queue app/sink 123456789"), "0");
  EXPECT_EQ(ask_text(*host, "app/a", "queue bad\x01name hi"), "0");
  // Refused while delivering: recorded once, by the router, as for an import send.
  EXPECT_EQ(dead_letters("app/a", "app/nobody", "unknown target"), 1u);
  EXPECT_EQ(dead_letters("app/a", "app/nobody", "outbox send: not_found"), 0u);
  // Refused before: recorded for the outbox.
  EXPECT_EQ(dead_letters("app/a", "other/x", "outbox send: denied"), 1u);
  EXPECT_EQ(dead_letters("app/a", "app/sink", "outbox send: too_big"), 1u);
  // The guest's bytes are not recorded (nor logged) as a name.
  EXPECT_EQ(dead_letters("app/a", "(malformed name)", "outbox send: invalid"), 1u);
  EXPECT_EQ(host->audit_denials(), 1u);
  // A name too long to be one is not kept, nor logged, as given.
  EXPECT_EQ(ask_text(*host, "app/a", "queue app/" + std::string(1000, 'n') + " hi"), "0");
  EXPECT_EQ(dead_letters("app/a", "(malformed name)", "outbox send: too_big"), 1u);
  for (const auto& letter : host->dead_letters().recent())
    EXPECT_LE(letter.target.size(), 255u) << letter.reason;
  // What could be delivered was: the component goes on.
  EXPECT_EQ(ask_text(*host, "app/a", "queue app/sink fine"), "0");
  EXPECT_TRUE(inbox.wait_for("msg|0|app/a||fine"));
  EXPECT_EQ(host->status("app/a")->failures, 0u);
}

TEST_F(Outbox, AMessageQueuedBeforeATrapOrARunawayLoopStillLeaves) {
  auto relay = guest_spec("app/a", "relay");
  relay.limits.call_timeout = 50ms;
  spawn(std::move(relay));
  spawn(guest_spec("app/sink", "relay"));
  // As an import send made before the trap would have: the call failed, the
  // message had been sent. (A component that writes storage holds its output
  // until the call succeeds: there neither leaves, see storage tests.)
  ASSERT_TRUE(host->send("app/a", to_bytes("queue_trap app/sink before-trap")).ok());
  EXPECT_TRUE(inbox.wait_for("msg|0|app/a||before-trap"));
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/a"));
  // The deadline still cuts runaway code.
  ASSERT_TRUE(host->send("app/a", to_bytes("queue_spin app/sink before-loop")).ok());
  EXPECT_TRUE(inbox.wait_for("msg|0|app/a||before-loop"));
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/a", 2));
  bool cut = false;
  for (const auto& e : events.all())
    if (e.kind == Kind::failed && e.subject == "app/a")
      cut = cut || e.detail.find("deadline_exceeded") != std::string::npos;
  EXPECT_TRUE(cut);
}

TEST_F(Outbox, RepliesAndPublicationsTooGoThroughTheOutbox) {
  spawn(guest_spec("app/echo", "echo"));
  spawn(guest_spec("app/sink", "relay"));
  // echo answers by wh_reply: queued, sent when handle_message returned.
  for (int i = 0; i < 100; ++i) {
    auto reply = testing::ask(*host, "app/echo", "ping " + std::to_string(i));
    ASSERT_EQ(reply.status, abi::kStatusOk);
    EXPECT_EQ(std::string(reply.payload.begin(), reply.payload.end()), "ping " + std::to_string(i));
  }
}

}  // namespace
}  // namespace wasmhive
