// Hostile or broken components against a running host: each case gets the
// exact error, and a witness pair on the same worker must finish its rally
// with nothing lost.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::guest_spec;
using testing::to_bytes;
using Kind = actor::Event::Kind;

constexpr int kRally = 500;

class Hardening : public ::testing::Test {
 protected:
  void SetUp() override {
    // One worker: the attacker shares it with the witnesses.
    host::HostConfig config{.workers = 1,
                            .root = {.name = "root", .max_restarts = 100, .backoff_initial = 5ms}};
    config.on_message = inbox.sink();
    config.on_event = events.sink();
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok());
    host = std::move(*created);
    for (const char* name : {"witness/a", "witness/b"})
      ASSERT_TRUE(host->spawn(guest_spec(name, "pinger")).ok());
  }
  // The witnesses play a full rally: nothing of theirs was lost or delayed forever.
  void TearDown() override {
    ASSERT_TRUE(
        host->send("witness/a", to_bytes("start witness/b " + std::to_string(kRally))).ok());
    auto done = inbox.wait_for("done " + std::to_string(kRally));
    EXPECT_TRUE(done) << "the witnesses did not finish";
    EXPECT_EQ(host->status("witness/a")->dead_letters, 0u);
    EXPECT_EQ(host->status("witness/b")->dead_letters, 0u);
    EXPECT_EQ(host->status("witness/a")->failures, 0u);
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }
  std::string failure_of(const std::string& name) {
    EXPECT_TRUE(events.wait_for(Kind::failed, name));
    for (const auto& e : events.all())
      if (e.kind == Kind::failed && e.subject == name) return e.detail;
    return {};
  }

  testing::Inbox inbox;
  testing::EventLog events;
  std::unique_ptr<host::Host> host;
};

TEST_F(Hardening, BadModulesAreRefusedWhileTheHostRuns) {
  const std::pair<const char*, Errc> cases[] = {{"invalid_bad_code", Errc::invalid_module},
                                                {"invalid_no_handle_message", Errc::missing_export},
                                                {"invalid_unknown_import", Errc::link_error},
                                                {"invalid_abi_v2", Errc::abi_mismatch},
                                                {"invalid_big_memory", Errc::limit_exceeded},
                                                {"invalid_start_function", Errc::invalid_module}};
  for (const auto& [guest, code] : cases) {
    auto spawned = host->spawn(guest_spec("bad/module", guest));
    ASSERT_FALSE(spawned.ok()) << guest;
    EXPECT_EQ(spawned.error().code, code) << guest << ": " << spawned.error().describe();
  }
  auto truncated = guest_spec("bad/truncated", "echo");
  truncated.wasm_bytes = testing::guest_bytes("echo");
  truncated.wasm_bytes.resize(truncated.wasm_bytes.size() / 3);
  EXPECT_EQ(host->spawn(std::move(truncated)).error().code, Errc::invalid_module);
}

TEST_F(Hardening, TrapAndInfiniteLoopInInitFailTheSpawnOnly) {
  auto traps = host->spawn(guest_spec("bad/init-trap", "invalid_init_traps"));
  ASSERT_FALSE(traps.ok());
  EXPECT_EQ(traps.error().code, Errc::trap_unreachable);
  auto loops = guest_spec("bad/init-loop", "invalid_init_loops");
  loops.limits.call_timeout = 50ms;
  auto looped = host->spawn(std::move(loops));
  ASSERT_FALSE(looped.ok());
  EXPECT_EQ(looped.error().code, Errc::deadline_exceeded) << looped.error().describe();
}

TEST_F(Hardening, DeepRecursionIsAStackOverflowTrapAndARestart) {
  spawn(guest_spec("bad/recursive", "trapper"));
  ASSERT_TRUE(host->send("bad/recursive", to_bytes("s")).ok());
  EXPECT_NE(failure_of("bad/recursive").find("trap_stack_overflow"), std::string::npos);
  EXPECT_TRUE(events.wait_for(Kind::restarted, "bad/recursive"));
}

TEST_F(Hardening, MemoryBombStopsAtTheCap) {
  auto hog = guest_spec("bad/hog", "memhog");
  hog.limits.memory_max_pages = 16;  // 1 MiB
  spawn(std::move(hog));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(host->send("bad/hog", to_bytes("grow")).ok());
  EXPECT_TRUE(testing::eventually([&] { return host->status("bad/hog")->handled == 3; }));
  EXPECT_EQ(host->status("bad/hog")->failures, 0u);  // refused growth is not a failure
}

TEST_F(Hardening, InfiniteLoopInAHandlerIsCutAtItsDeadline) {
  auto looper = guest_spec("bad/looper", "looper");
  looper.limits.call_timeout = 30ms;
  spawn(std::move(looper));
  ASSERT_TRUE(host->send("bad/looper", to_bytes("go")).ok());
  EXPECT_NE(failure_of("bad/looper").find("deadline_exceeded"), std::string::npos);
}

TEST_F(Hardening, AMalformedOutboxFailsItsCallAndLosesNoOtherMessage) {
  spawn(guest_spec("bad/relay", "relay"));
  const std::pair<const char*, const char*> cases[] = {
      {"used", "malformed outbox at byte 0: it holds 4097 bytes, its capacity is 4096"},
      {"op", "malformed outbox at byte 0: unknown op 7"},
      {"length", "malformed outbox at byte 0: the record runs past the bytes used"}};
  std::size_t round = 0;
  for (const auto& [how, why] : cases) {
    ASSERT_TRUE(host->send("bad/relay", to_bytes(std::string("garble ") + how)).ok());
    ASSERT_TRUE(events.wait_for(Kind::restarted, "bad/relay", ++round)) << how;
    std::string detail;
    for (const auto& e : events.all())
      if (e.kind == Kind::failed && e.subject == "bad/relay") detail = e.detail;
    EXPECT_NE(detail.find(why), std::string::npos) << detail;
  }
  // A fresh instance, whose outbox works.
  EXPECT_EQ(ask_text(*host, "bad/relay", "queue @host after"), "0");
  EXPECT_TRUE(inbox.wait_for("after"));
}

TEST_F(Hardening, AnOutboxLargerThanAnOutboxMayBeIsRefusedAtSpawn) {
  auto spawned = host->spawn(guest_spec("bad/outbox", "invalid_outbox_too_big"));
  ASSERT_FALSE(spawned.ok());
  EXPECT_NE(spawned.error().message.find(
                "wasmhive_outbox announced 1048576 bytes; an outbox holds at most 262144"),
            std::string::npos)
      << spawned.error().message;
}

// While wasmhive_outbox runs, the new instance has no outbox: a sending
// import then must not read the previous instance's, at its address.
TEST_F(Hardening, ARestartedInstanceNeverSeesThePreviousInstancesOutbox) {
  auto spec = guest_spec("bad/restarts", "outbox_restart");
  spawn(std::move(spec));
  ASSERT_TRUE(inbox.wait_for("announcing"));
  for (std::size_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(host->send("bad/restarts", to_bytes("trap")).ok());
    ASSERT_TRUE(events.wait_for(Kind::restarted, "bad/restarts", i));
  }
  EXPECT_TRUE(testing::eventually([&] { return inbox.count("announcing") == 4; }));
  for (const auto& e : events.all())
    EXPECT_EQ(e.detail.find("malformed outbox"), std::string::npos) << e.detail;
}

TEST_F(Hardening, OversizedPayloadsAndBadNamesAreRefusedWithTheirCodes) {
  auto relay = guest_spec("bad/relay", "relay");
  relay.limits.max_payload = 64;
  spawn(std::move(relay));
  EXPECT_EQ(ask_text(*host, "bad/relay", "send witness/b " + std::string(65, 'x')), "-6");
  // Over 255 bytes: too big (abi.md), where a malformed name is invalid.
  EXPECT_EQ(ask_text(*host, "bad/relay", "send " + std::string(300, 'n') + " x"), "-6");
  EXPECT_EQ(ask_text(*host, "bad/relay", "send bad\x01name x"), "-1");
  EXPECT_EQ(ask_text(*host, "bad/relay", "pub a..b x"), "-1");
  EXPECT_EQ(ask_text(*host, "bad/relay", "pub " + std::string(300, 't') + " x"), "-6");
  EXPECT_EQ(ask_text(*host, "bad/relay", "sub " + std::string(300, 't')), "-6");
  EXPECT_EQ(ask_text(*host, "bad/relay", "sub a.>.b"), "-1");
  auto big = host->send("witness/a", std::vector<std::uint8_t>((1 << 20) + 1, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::limit_exceeded);
}

TEST_F(Hardening, FloodingAFullMailboxIsRefusedNotQueuedForever) {
  auto slow = guest_spec("bad/slow", "flaky");
  slow.limits.mailbox_capacity = 4;
  slow.limits.call_timeout = 5s;
  spawn(std::move(slow));
  auto flooder = guest_spec("bad/flooder", "burster");
  flooder.limits.max_outstanding_requests = 100000;
  spawn(std::move(flooder));
  ASSERT_TRUE(host->send("bad/slow", to_bytes("spin 100")).ok());
  ASSERT_TRUE(host->send("bad/flooder", to_bytes("burst bad/slow 1000 60000")).ok());
  std::string counts;
  ASSERT_TRUE(testing::eventually([&] {
    counts = ask_text(*host, "bad/flooder", "?");  // "<ok> <timeout> <other> <refused>"
    auto refused = std::stoll(counts.substr(counts.rfind(' ') + 1));
    auto ok = std::stoll(counts.substr(0, counts.find(' ')));
    return refused > 0 && ok + refused == 1000;
  })) << counts;
}

TEST_F(Hardening, RequestStormBeyondTheOutstandingCapIsRefused) {
  spawn(guest_spec("bad/echo", "echo"));
  auto storm = guest_spec("bad/storm", "burster");
  storm.limits.max_outstanding_requests = 100;
  spawn(std::move(storm));
  ASSERT_TRUE(host->send("bad/storm", to_bytes("burst bad/echo 5000 60000")).ok());
  EXPECT_TRUE(
      testing::eventually([&] { return ask_text(*host, "bad/storm", "?") == "100 0 0 4900"; }));
}

TEST_F(Hardening, ASelfSendingLoopDoesNotStarveItsNeighbours) {
  spawn(guest_spec("bad/narcissist", "narcissist"));
  ASSERT_TRUE(host->send("bad/narcissist", to_bytes("me")).ok());
  // The witnesses' rally (TearDown) runs while it loops on the same worker;
  // here the loop must be going, then is stopped.
  EXPECT_TRUE(testing::eventually([&] { return host->status("bad/narcissist")->handled > 1000; }));
  ASSERT_TRUE(host->send("witness/a", to_bytes("start witness/b " + std::to_string(kRally))).ok());
  EXPECT_TRUE(inbox.wait_for("done " + std::to_string(kRally)));
  EXPECT_GT(host->status("bad/narcissist")->handled, 1000u);
  ASSERT_TRUE(host->stop("bad/narcissist").ok());
}

// ---- Floods that used to make the host pay (outside testing, defect 3) ----

constexpr std::size_t kMiB = 1 << 20;

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// "<word> <accepted> <rc>" from the flooder.
std::pair<std::int64_t, std::int64_t> counts_of(const std::string& report) {
  std::istringstream in(report);
  std::string word;
  std::int64_t accepted = -1, rc = 1;
  in >> word >> accepted >> rc;
  return {accepted, rc};
}

// Copying hundreds of MiB takes longer than a default call may.
actor::ComponentSpec flooder_spec() {
  auto spec = guest_spec("bad/flooder", "flooder");
  spec.limits.call_timeout = 20s;
  return spec;
}

TEST_F(Hardening, OneGuestFloodingOneTargetPinsNoMoreThanItsMailboxBytes) {
  spawn(flooder_spec());
  spawn(guest_spec("bad/victim", "flaky"));  // one worker: it cannot drain during the flood
  std::size_t before = resident_bytes();
  auto [accepted, rc] = counts_of(ask_text(*host, "bad/flooder", "send bad/victim 1048576"));
  EXPECT_EQ(rc, -5);  // busy: past the mailbox's bytes, long before its 1,024 messages
  EXPECT_GE(accepted, 1);
  const std::size_t limit = actor::ComponentLimits{}.mailbox_bytes;
  EXPECT_LE(static_cast<std::size_t>(accepted) * kMiB, limit);
  EXPECT_LE(host->status("bad/victim")->mailbox_bytes, limit);
  EXPECT_LT(resident_bytes() - std::min(before, resident_bytes()), 64 * kMiB);
  // Who lost what is on record.
  bool recorded = false;
  for (const auto& c : host->dead_letters().counts())
    recorded |= c.sender == "bad/flooder" && c.target == "bad/victim" &&
                c.reason == "mailbox full" && c.count == 1 && c.payload_bytes == kMiB;
  EXPECT_TRUE(recorded);
  // The victim handles what it got, and the bytes are free again.
  EXPECT_TRUE(testing::eventually([&] { return host->status("bad/victim")->mailbox_bytes == 0; }));
  EXPECT_EQ(host->status("bad/victim")->handled, static_cast<std::uint64_t>(accepted));
}

TEST_F(Hardening, BroadcastCannotMultiplyAFloodPastTheHostBudget) {
  spawn(flooder_spec());
  std::string names;
  for (int i = 0; i < 24; ++i) {  // 24 mailboxes of 16 MiB could hold 384 MiB
    std::string name = "bad/v" + std::to_string(i);
    spawn(guest_spec(name, "flaky"));
    names += " " + name;
  }
  auto [accepted, rc] = counts_of(ask_text(*host, "bad/flooder", "broadcast 1048576" + names));
  EXPECT_EQ(rc, 0);  // in the end no target accepts it
  const std::size_t budget = host::HostConfig{}.max_queued_bytes;
  EXPECT_LE(static_cast<std::size_t>(accepted) * kMiB, budget);
  EXPECT_GT(static_cast<std::size_t>(accepted) * kMiB, budget / 2);  // the budget, not less
  std::size_t queued = 0;
  for (const auto& s : host->statuses()) queued += s.mailbox_bytes;
  EXPECT_LE(queued, budget);
  bool budget_said = false;
  for (const auto& c : host->dead_letters().counts())
    budget_said |= c.sender == "bad/flooder" && c.reason == "host queue budget full";
  EXPECT_TRUE(budget_said);
}

TEST_F(Hardening, APublishFloodMeetsTheSameBounds) {
  spawn(flooder_spec());
  auto subscriber = guest_spec("bad/sub", "relay");
  spawn(std::move(subscriber));
  ASSERT_EQ(ask_text(*host, "bad/sub", "sub flood.>"), "0");
  auto [accepted, rc] = counts_of(ask_text(*host, "bad/flooder", "publish 1048576 flood.x"));
  EXPECT_EQ(rc, 0);
  EXPECT_GE(accepted, 1);
  EXPECT_LE(static_cast<std::size_t>(accepted) * kMiB, actor::ComponentLimits{}.mailbox_bytes);
}

TEST(GuestLog, IsLimitedPerComponentAndSecondAndTheRestIsCounted) {
  ManualClock clock;
  auto created = host::Host::create({.workers = 1, .clock = &clock});
  ASSERT_TRUE(created.ok());
  auto& host = **created;
  auto spec = guest_spec("app/chatty", "flooder");
  spec.capabilities = {.log = abi::kInfo};
  ASSERT_TRUE(host.spawn(std::move(spec)).ok());
  // Time stands still: the burst allowance and nothing more.
  EXPECT_EQ(ask_text(host, "app/chatty", "log 1000"), "logged 100 900");
  EXPECT_EQ(ask_text(host, "app/chatty", "log 5"), "logged 0 5");
  clock.advance(std::chrono::milliseconds(500));  // refills half a second's worth
  EXPECT_EQ(ask_text(host, "app/chatty", "log 80"), "logged 50 30");
}

// Outside testing: each denied (or unanswerable) request queued a callback that
// no mailbox bound limited: 13 million in 10 s. A request now counts against the
// quota until its callback is taken.
TEST_F(Hardening, RequestsThatFailAtOnceAreBoundedByTheRequestQuota) {
  auto spec = flooder_spec();
  spec.capabilities = {};  // every request is denied, and answered at once
  spawn(std::move(spec));
  const auto quota = static_cast<std::int64_t>(actor::ComponentLimits{}.max_outstanding_requests);
  auto [accepted, limited] = counts_of(ask_text(*host, "bad/flooder", "requests x/y 100000"));
  EXPECT_EQ(accepted, quota);
  EXPECT_EQ(limited, 100000 - quota);
  // Its callbacks are taken (as dead letters: it has no handle_callback), and
  // the quota is free again.
  EXPECT_TRUE(testing::eventually([&] { return host->status("bad/flooder")->mailbox_size == 0; }));
  EXPECT_EQ(counts_of(ask_text(*host, "bad/flooder", "requests x/y 10")).first, 10);
}

// Outside testing: handlers kept starting after the drain deadline, one per
// queued message, each interrupted a moment later.
TEST(Shutdown, NoHandlerStartsAfterTheDrainDeadline) {
  auto created = host::Host::create({.workers = 1});
  ASSERT_TRUE(created.ok());
  auto& host = **created;
  constexpr int kComponents = 40;
  for (int i = 0; i < kComponents; ++i) {
    auto spec = guest_spec("slow/c" + std::to_string(i), "flaky");
    spec.limits.call_timeout = 20s;
    ASSERT_TRUE(host.spawn(std::move(spec)).ok());
  }
  for (int i = 0; i < kComponents; ++i)
    ASSERT_TRUE(host.send("slow/c" + std::to_string(i), to_bytes("spin 2000")).ok());
  auto report = host.shutdown(100ms);
  std::size_t interrupted = 0;
  for (const auto& c : host.dead_letters().counts())
    if (c.reason.find("interrupted") != std::string::npos) interrupted += c.count;
  EXPECT_LE(interrupted, 1u);  // the one running at the deadline
  EXPECT_GE(report.undelivered, static_cast<std::size_t>(kComponents - 2));
}

}  // namespace
}  // namespace wasmhive
