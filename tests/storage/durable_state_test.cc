// Durable component state end to end: a real wasm component (tests/guests/c/
// ledger.c) using storage, timers, configuration and health through a Host.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "host/host.h"
#include "support/host_helpers.h"
#include "support/temp_dir.h"
#include "util/clock.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using testing::ask;
using testing::ask_text;
using testing::guest_spec;
using testing::TempDir;
using Kind = actor::Event::Kind;

class DurableState : public ::testing::Test {
 protected:
  void start(std::filesystem::path data_file = {}, Clock* clock = nullptr, bool stepped = false,
             std::chrono::milliseconds busy_timeout = 5s) {
    host::HostConfig config{.workers = 1,
                            .clock = clock,
                            .stepped = stepped,
                            .root = {.name = "root", .max_restarts = 100, .backoff_initial = 1ms}};
    config.on_message = inbox.sink();
    config.on_event = events.sink();
    config.data_file = std::move(data_file);
    config.storage_busy_timeout = busy_timeout;
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  actor::ComponentSpec ledger(const std::string& name = "app/ledger") {
    auto spec = guest_spec(name, "ledger");
    spec.capabilities.storage = security::StorageAccess::read_write;
    return spec;
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }
  std::string run(const std::string& command, const std::string& target = "app/ledger") {
    return host->status(target) ? (stepped_ ? testing::ask_text_stepped(*host, target, command)
                                            : ask_text(*host, target, command))
                                : "no component";
  }

  bool stepped_ = false;
  testing::Inbox inbox;
  testing::EventLog events;
  std::unique_ptr<host::Host> host;
};

TEST_F(DurableState, StateSurvivesATrapAndTheRestartThatFollows) {
  start();
  spawn(ledger());
  EXPECT_EQ(run("set apple 10"), "ok");
  EXPECT_EQ(run("get boots"), "1");
  EXPECT_EQ(ask(*host, "app/ledger", "set-trap pear 3").status, abi::kStatusTargetError);
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/ledger"));
  EXPECT_EQ(run("get apple"), "10");     // committed before the trap
  EXPECT_EQ(run("get pear"), "err -3");  // written in the call that trapped
  EXPECT_EQ(run("get boots"), "2");      // init's write committed, both times
}

TEST_F(DurableState, StateSurvivesTheHostAndFollowsTheName) {
  TempDir dir;
  auto file = dir.path() / "app.db";
  start(file);
  spawn(ledger());
  EXPECT_EQ(run("set apple 10"), "ok");
  EXPECT_EQ(run("set pear 5"), "ok");
  EXPECT_EQ(run("del pear"), "0");
  ASSERT_TRUE(host->remove("app/ledger").ok());
  spawn(ledger());  // the same name again: the same state
  EXPECT_EQ(run("get apple"), "10");
  host.reset();

  start(file);
  spawn(ledger());
  EXPECT_EQ(run("get apple"), "10");
  EXPECT_EQ(run("get pear"), "err -3");
  EXPECT_EQ(run("get boots"), "3");
  spawn(ledger("app/other"));  // another name: its own keys
  EXPECT_EQ(run("get apple", "app/other"), "err -3");
}

TEST_F(DurableState, ASendMadeInACallThatTrapsIsNeverDelivered) {
  start();
  spawn(ledger());
  EXPECT_EQ(ask(*host, "app/ledger", "set-trap k v @host").status, abi::kStatusTargetError);
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/ledger"));
  // The same sender, later: per-sender order means the first would be here first.
  EXPECT_EQ(run("set-send k2 v2 @host"), "ok");
  ASSERT_TRUE(inbox.wait_for("committed k2"));
  EXPECT_EQ(inbox.count("sent before a trap"), 0u);
  EXPECT_GE(host->dead_letters().count(), 1u);  // the held send, dropped with a reason
}

TEST_F(DurableState, ASendMadeBeforeAnyWriteInACallThatTrapsIsNeverDeliveredEither) {
  // A component that may write holds every call's output until the call ends.
  start();
  spawn(ledger());
  EXPECT_EQ(ask(*host, "app/ledger", "send-trap @host").status, abi::kStatusTargetError);
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/ledger"));
  EXPECT_EQ(run("set-send k v @host"), "ok");
  ASSERT_TRUE(inbox.wait_for("committed k"));
  EXPECT_EQ(inbox.count("sent before a trap"), 0u);
}

TEST_F(DurableState, AComponentThatCannotWriteSendsAtOnceAsBefore) {
  start();
  auto reader = ledger("app/reader");
  reader.capabilities.storage = security::StorageAccess::read;
  spawn(std::move(reader));
  EXPECT_EQ(ask(*host, "app/reader", "send-trap @host").status, abi::kStatusTargetError);
  ASSERT_TRUE(inbox.wait_for("sent before a trap"));
}

TEST_F(DurableState, ANonZeroReturnDiscardsItsWritesAndItsHeldReply) {
  start();
  spawn(ledger());
  auto reply = ask(*host, "app/ledger", "set-fail k v");
  EXPECT_EQ(reply.status, abi::kStatusTargetError);  // "replied" was held, then dropped
  EXPECT_EQ(run("get k"), "err -3");
  EXPECT_EQ(host->status("app/ledger")->restarts, 0u);  // an error, not a failure
}

TEST_F(DurableState, OutputHeldBackLeavesOnceTheWritesCommit) {
  TempDir dir;
  start(dir.path() / "app.db");
  spawn(ledger());
  EXPECT_EQ(run("set-send stock 7 @host"), "ok");
  ASSERT_TRUE(inbox.wait_for("committed stock"));
  // What the host was told is in the database: a second host reading it sees it.
  host.reset();
  start(dir.path() / "app.db");
  spawn(ledger());
  EXPECT_EQ(run("get stock"), "7");
}

TEST_F(DurableState, AFailedCommitDropsWhatItHeldAndRestartsTheComponent) {
  TempDir dir;
  auto file = dir.path() / "app.db";
  start(file, nullptr, false, 50ms);
  spawn(ledger());
  EXPECT_EQ(run("set stock 5"), "ok");
  // Another process takes the database (as a backup might) and keeps it.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto reply = ask(*host, "app/ledger", "set-send stock 4 @host");
  EXPECT_EQ(reply.status, abi::kStatusTargetError);  // its "ok" was held, then dropped
  ASSERT_TRUE(events.wait_for(Kind::failed, "app/ledger"));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/ledger"));
  EXPECT_EQ(run("get stock"), "5");  // the instance that thought it was 4 is gone
  EXPECT_EQ(inbox.count("committed stock"), 0u);
  bool said_why = false;
  for (const auto& event : events.all())
    said_why |= event.kind == Kind::failed && event.detail.find("storage_failed") == 0;
  EXPECT_TRUE(said_why);
}

TEST_F(DurableState, QuotasRefuseWithNoPartialWrite) {
  start();
  auto spec = ledger();
  spec.limits.storage_quota_bytes = 100;
  spec.limits.storage_quota_keys = 3;  // "boots" is one
  spawn(std::move(spec));
  std::string before = run("usage");
  EXPECT_EQ(before, "6 1 100 3");  // "boots" + "1"
  EXPECT_EQ(run("fill big 200"), "err -9");
  EXPECT_EQ(run("usage"), before);
  EXPECT_EQ(run("set a 1"), "ok");
  EXPECT_EQ(run("set b 2"), "ok");
  EXPECT_EQ(run("set c 3"), "err -9");  // a fourth key
  EXPECT_EQ(run("set a 11"), "ok");     // overwriting adds no key
  EXPECT_EQ(run("get c"), "err -3");
  EXPECT_EQ(run("usage"), "11 3 100 3");
  EXPECT_EQ(run("del b"), "0");
  EXPECT_EQ(run("set c 3"), "ok");
}

TEST_F(DurableState, OversizedKeysAndValuesAndBadPointersAreRefused) {
  start();
  spawn(ledger());
  std::string before = run("usage");
  EXPECT_EQ(run("longkey 513"), "err -6");
  EXPECT_EQ(run("fill v 262145"), "err -6");
  EXPECT_EQ(run("badptr"), "err -2");
  EXPECT_EQ(run("set"), "err -1");  // an empty key
  EXPECT_EQ(run("usage"), before);
  EXPECT_EQ(run("longkey 512"), "0");
  EXPECT_EQ(run("fill v 262144"), "0");
  EXPECT_EQ(run("exists v"), "262144");
}

TEST_F(DurableState, DeniedStorageAccessIsRefusedAndAudited) {
  start();
  auto none = ledger("app/none");
  none.capabilities.storage = security::StorageAccess::none;
  auto reader = ledger("app/reader");
  reader.capabilities.storage = security::StorageAccess::read;
  spawn(std::move(none));
  spawn(std::move(reader));
  EXPECT_EQ(run("get boots", "app/none"), "err -4");
  EXPECT_EQ(run("usage", "app/none"), "-4 -4 -4 -4");
  EXPECT_EQ(run("get boots", "app/reader"), "err -3");  // its init's write was denied
  EXPECT_EQ(run("set k v", "app/reader"), "err -4");
  EXPECT_EQ(run("list k", "app/reader"), "");
  auto denied = [&](const std::string& component, const std::string& target) {
    for (const auto& record : host->audit_records())
      if (record.component == component && record.capability == "storage" &&
          record.target == target && !record.granted)
        return true;
    return false;
  };
  EXPECT_TRUE(denied("app/none", "read"));
  EXPECT_TRUE(denied("app/reader", "write"));
  EXPECT_FALSE(denied("app/reader", "read"));
}

TEST_F(DurableState, ListPagesThroughKeysWithAPrefixInOrder) {
  start();
  spawn(ledger());
  for (const char* key : {"p/c", "p/a", "q/x", "p/b", "p", "p/aa"})
    EXPECT_EQ(run(std::string("set ") + key + " 1"), "ok");
  EXPECT_EQ(run("list p/"), "p/a,p/aa,p/b,p/c");
  EXPECT_EQ(run("list p"), "p,p/a,p/aa,p/b,p/c");
  EXPECT_EQ(run("list zz"), "");
  EXPECT_EQ(run("del p/aa"), "0");
  EXPECT_EQ(run("list p/"), "p/a,p/b,p/c");
}

TEST_F(DurableState, ConfigurationReachesTheGuest) {
  start();
  auto spec = ledger();
  spec.config = {{"greeting", "hello, world"}, {"empty", ""}};
  spawn(std::move(spec));
  EXPECT_EQ(run("config greeting"), "hello, world");
  EXPECT_EQ(run("config empty"), "");
  EXPECT_EQ(run("config missing"), "err -3");
}

TEST_F(DurableState, TheStatusAndTheStartedEventCarryTheModulesMetadata) {
  start();
  spawn(guest_spec("app/described", "described"));
  spawn(ledger());
  auto status = host->status("app/described");
  ASSERT_TRUE(status && status->metadata);
  EXPECT_EQ(status->metadata->name, "test/described");
  EXPECT_EQ(status->metadata->version, "1.2.0");
  EXPECT_EQ(status->metadata->authors,
            (std::vector<std::string>{"Ada Lovelace", "Charles Babbage"}));
  EXPECT_EQ(host->status("app/ledger")->metadata, nullptr);
  bool logged = false;
  for (const auto& event : events.all())
    logged |= event.kind == Kind::started && event.subject == "app/described" &&
              event.detail == "worker 0, module test/described 1.2.0, sha256 " +
                                  host->status("app/described")->module_sha256;
  EXPECT_TRUE(logged);
}

class Timers : public DurableState {
 protected:
  void SetUp() override {
    stepped_ = true;
    start({}, &clock, true);
  }
  ManualClock clock;
};

TEST_F(Timers, ATimerFiresOnceAtItsTime) {
  spawn(ledger());
  host->run_until_idle();
  EXPECT_GT(std::stoll(run("timer 50 hello")), 0);
  clock.advance(49ms);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer hello"), 0u);
  clock.advance(1ms);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer hello"), 1u);
  clock.advance(1h);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer hello"), 1u);
}

TEST_F(Timers, ACancelledTimerNeverFires) {
  spawn(ledger());
  host->run_until_idle();
  std::string id = run("timer 50 never");
  EXPECT_EQ(run("cancel " + id), "0");
  EXPECT_EQ(run("cancel " + id), "err -3");
  clock.advance(1s);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer never"), 0u);
}

TEST_F(Timers, TimersAreBoundedAndBadDelaysRefused) {
  auto spec = ledger();
  spec.limits.max_timers = 2;
  spawn(std::move(spec));
  host->run_until_idle();
  EXPECT_GT(std::stoll(run("timer 1000 a")), 0);
  EXPECT_GT(std::stoll(run("timer 1000 b")), 0);
  EXPECT_EQ(run("timer 1000 c"), "err -9");
  EXPECT_EQ(run("timer -1 d"), "err -1");
}

TEST_F(Timers, AFiredTimerCountsUntilItsMessageIsTaken) {
  // Timers that fire faster than they are handled must not pile up in the
  // mailbox: a fired one still counts against max_timers while queued.
  auto spec = ledger();
  spec.limits.max_timers = 3;
  spawn(std::move(spec));
  host->run_until_idle();
  for (int i = 0; i < 3; ++i) EXPECT_GT(std::stoll(run("timer 1 a")), 0);
  EXPECT_EQ(run("timer 1 b"), "err -9");
  EXPECT_EQ(host->status("app/ledger")->timers, 3u);
  clock.advance(1ms);  // all three fire into the mailbox
  ASSERT_TRUE(testing::eventually([&] { return host->status("app/ledger")->mailbox_size == 3; }));
  EXPECT_EQ(host->status("app/ledger")->timers, 3u);  // queued: they still count
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer a"), 3u);
  EXPECT_EQ(host->status("app/ledger")->timers, 0u);  // handled: they count no more
  EXPECT_GT(std::stoll(run("timer 1 c")), 0);
}

TEST_F(Timers, ATimerWhoseHandlerTrapsCountsOnce) {
  auto spec = ledger();
  spec.limits.max_timers = 2;
  spawn(std::move(spec));
  host->run_until_idle();
  EXPECT_GT(std::stoll(run("timer 1 trap")), 0);
  clock.advance(1ms);
  host->run_until_idle();  // the timer's handler traps
  clock.advance(10ms);     // the restart's backoff
  host->run_until_idle();
  ASSERT_EQ(events.count(Kind::restarted, "app/ledger"), 1u);
  EXPECT_EQ(host->status("app/ledger")->timers, 0u);
  EXPECT_GT(std::stoll(run("timer 1000 x")), 0);
  EXPECT_GT(std::stoll(run("timer 1000 y")), 0);
  EXPECT_EQ(run("timer 1000 z"), "err -9");
}

TEST_F(Timers, TheTimersQueuedForAnInstanceBeforeARestartDoNotCountForTheNext) {
  auto spec = ledger();
  spec.limits.max_timers = 1;
  spawn(std::move(spec));
  host->run_until_idle();
  EXPECT_GT(std::stoll(run("timer 1 old")), 0);
  // The trap is queued first, the timer's message behind it.
  auto trap = host->request("app/ledger", testing::to_bytes("set-trap k v"), 10s);
  ASSERT_TRUE(trap.ok());
  clock.advance(1ms);
  ASSERT_TRUE(testing::eventually([&] { return host->status("app/ledger")->mailbox_size == 2; }));
  host->run_until_idle();
  EXPECT_EQ(host->status("app/ledger")->timers, 0u);  // forgotten with its instance
  clock.advance(10ms);
  host->run_until_idle();
  ASSERT_EQ(events.count(Kind::restarted, "app/ledger"), 1u);
  EXPECT_EQ(inbox.count("timer old"), 0u);  // dead-lettered: its instance is gone
  EXPECT_GT(std::stoll(run("timer 1000 new")), 0);
}

TEST_F(Timers, ATimerItsMailboxRefusesCountsNoMore) {
  auto spec = ledger();
  spec.limits.max_timers = 1;
  spec.limits.mailbox_bytes = 4096;
  spawn(std::move(spec));
  host->run_until_idle();
  EXPECT_GT(std::stoll(run("timer 1 refused")), 0);
  // Stepped: nothing is handled until the test steps, so these fill its bytes.
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(host->send("app/ledger", testing::to_bytes(std::string(1900, 'f'))).ok());
  auto dead = host->dead_letters().count();
  clock.advance(1ms);
  ASSERT_TRUE(testing::eventually([&] { return host->dead_letters().count() > dead; }));
  EXPECT_EQ(host->status("app/ledger")->timers, 0u);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer refused"), 0u);
  EXPECT_GT(std::stoll(run("timer 1000 next")), 0);
}

TEST_F(Timers, PendingTimerPayloadsAreBoundedInBytes) {
  auto spec = ledger();
  spec.limits.mailbox_bytes = 1024;  // also the bound of its timers' payloads
  spawn(std::move(spec));
  host->run_until_idle();
  std::string payload(600, 'p');
  EXPECT_GT(std::stoll(run("timer 100000 " + payload)), 0);
  EXPECT_EQ(run("timer 100000 " + payload), "err -9");
  EXPECT_GT(std::stoll(run("timer 100000 short")), 0);
}

TEST_F(Timers, ARestartDropsTheTimersOfTheInstanceBefore) {
  spawn(ledger());
  host->run_until_idle();
  EXPECT_GT(std::stoll(run("timer 1000 old")), 0);
  EXPECT_EQ(testing::ask_stepped(*host, "app/ledger", "set-trap k v").status,
            abi::kStatusTargetError);
  clock.advance(10ms);  // the restart's backoff
  host->run_until_idle();
  ASSERT_EQ(events.count(Kind::restarted, "app/ledger"), 1u);
  clock.advance(2s);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer old"), 0u);
}

TEST_F(Timers, ATimerMadeInACallThatFailsIsNeverArmed) {
  spawn(ledger());
  host->run_until_idle();
  EXPECT_EQ(testing::ask_stepped(*host, "app/ledger", "timer-trap 10 lost").status,
            abi::kStatusTargetError);
  clock.advance(1s);
  host->run_until_idle();
  EXPECT_EQ(events.count(Kind::restarted, "app/ledger"), 1u);
  EXPECT_EQ(inbox.count("timer lost"), 0u);
}

TEST_F(Timers, UnhealthyAnswersInARowRestartTheComponent) {
  auto spec = ledger();
  spec.health = {.interval = 100ms, .failures = 3};
  spawn(std::move(spec));
  host->run_until_idle();
  for (int i = 0; i < 5; ++i) {  // healthy: polled, nothing happens
    clock.advance(100ms);
    host->run_until_idle();
  }
  EXPECT_EQ(events.count(Kind::failed, "app/ledger"), 0u);
  EXPECT_EQ(run("sick"), "ok");
  for (int i = 0; i < 2; ++i) {
    clock.advance(100ms);
    host->run_until_idle();
  }
  EXPECT_EQ(events.count(Kind::failed, "app/ledger"), 0u);
  clock.advance(100ms);
  host->run_until_idle();
  ASSERT_EQ(events.count(Kind::failed, "app/ledger"), 1u);
  bool said_why = false;
  for (const auto& event : events.all())
    said_why |= event.kind == Kind::failed && event.detail.find("unhealthy") != std::string::npos;
  EXPECT_TRUE(said_why);
  clock.advance(10ms);
  host->run_until_idle();
  EXPECT_EQ(events.count(Kind::restarted, "app/ledger"), 1u);
  EXPECT_EQ(run("get boots"), "2");
}

}  // namespace
}  // namespace wasmhive
