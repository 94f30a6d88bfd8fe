// The embedding API end to end with real components on real workers.
#include "host/host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "support/host_helpers.h"

namespace wasmhive::host {
namespace {

using namespace std::chrono_literals;
using actor::ComponentState;
using Kind = actor::Event::Kind;
using testing::ask;
using testing::ask_text;
using testing::guest_spec;
using testing::to_bytes;

class HostTest : public ::testing::Test {
 protected:
  void start(HostConfig config = {}) {
    if (!config.workers) config.workers = 2;
    config.on_event = events.sink();
    auto created = Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }

  testing::EventLog events;
  std::unique_ptr<Host> host;
};

TEST_F(HostTest, RequestGetsTheComponentsReplyAsAFuture) {
  start();
  spawn(guest_spec("svc/echo", "echo"));
  Reply reply = ask(*host, "svc/echo", "ping \x01\x02");
  EXPECT_EQ(reply.status, abi::kStatusOk);
  EXPECT_EQ(std::string(reply.payload.begin(), reply.payload.end()), "ping \x01\x02");
  EXPECT_EQ(host->status("svc/echo")->state, ComponentState::running);
  // Counters are snapshots: the reply leaves during the handler, the count after it.
  EXPECT_TRUE(testing::eventually([&] { return host->status("svc/echo")->handled == 1; }));
}

TEST_F(HostTest, ComponentsMessageEachOtherAndTheHostInbox) {
  std::mutex mutex;
  std::condition_variable got;
  std::vector<std::pair<std::string, std::string>> inbox;
  HostConfig config;
  config.on_message = [&](const HostMessage& message) {
    std::lock_guard lock(mutex);
    inbox.emplace_back(message.sender, std::string(message.payload.begin(), message.payload.end()));
    got.notify_all();
  };
  start(std::move(config));
  spawn(guest_spec("game/a", "pinger"));
  spawn(guest_spec("game/b", "pinger"));
  ASSERT_TRUE(host->send("game/a", to_bytes("start game/b 100")).ok());
  std::unique_lock lock(mutex);
  ASSERT_TRUE(got.wait_for(lock, testing::kPatience, [&] { return !inbox.empty(); }));
  EXPECT_EQ(inbox[0].first, "game/a");
  EXPECT_EQ(inbox[0].second, "done 100");
  lock.unlock();
  // 100 pings and "done"; 100 pongs (counted after each send returns).
  // b's last pong can reach a (and "done" the host) before b's count of it.
  EXPECT_TRUE(testing::eventually([&] { return host->status("game/a")->sent == 101; }));
  EXPECT_TRUE(testing::eventually([&] { return host->status("game/b")->sent == 100; }));
}

TEST_F(HostTest, InfiniteLoopIsCutAndItsNeighbourKeepsAnswering) {
  start({.workers = 1, .root = {.name = "root", .backoff_initial = 200ms}});
  auto looper = guest_spec("app/flaky", "flaky");
  looper.limits.call_timeout = 50ms;
  spawn(std::move(looper));
  spawn(guest_spec("app/echo", "echo"));  // the same, only worker

  auto latency_of_echo = [&] {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(ask_text(*host, "app/echo", "hi"), "hi");
    return std::chrono::steady_clock::now() - start;
  };
  std::vector<std::chrono::nanoseconds> before, during;
  for (int i = 0; i < 20; ++i) before.push_back(latency_of_echo());

  ASSERT_TRUE(host->send("app/flaky", to_bytes("loop")).ok());
  while (events.count(Kind::restarted, "app/flaky") == 0 && during.size() < 100000)
    during.push_back(latency_of_echo());
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/flaky"));
  auto failures = events.all();
  auto failed = std::find_if(failures.begin(), failures.end(),
                             [](const auto& e) { return e.kind == Kind::failed; });
  ASSERT_NE(failed, failures.end());
  EXPECT_NE(failed->detail.find("deadline_exceeded"), std::string::npos) << failed->detail;
  EXPECT_EQ(ask_text(*host, "app/flaky", "?"), "0|");  // a fresh instance

  // One worker runs one call at a time: while the loop runs, its neighbour waits
  // at most for the loop's deadline (50 ms) — never longer — then runs normally.
  auto worst = *std::max_element(during.begin(), during.end());
  EXPECT_LT(worst, 50ms + 2s) << "generous bound: only a missing deadline exceeds it";
  std::sort(during.begin(), during.end());
  auto typical_before = *std::max_element(before.begin(), before.end());
  EXPECT_LE(during[during.size() / 2], typical_before + 50ms);
}

TEST_F(HostTest, FullMailboxRefusesTheSenderAndCountsDeadLetters) {
  start();
  auto spec = guest_spec("app/slow", "flaky");
  spec.limits.mailbox_capacity = 4;
  spec.limits.call_timeout = 5s;
  spawn(std::move(spec));
  ASSERT_TRUE(host->send("app/slow", to_bytes("spin 1500")).ok());
  // Once the spin is being handled, the mailbox is empty: fill it, then overflow it.
  ASSERT_TRUE(testing::eventually([&] { return host->status("app/slow")->mailbox_size == 0; }));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(host->send("app/slow", to_bytes("m")).ok());
  auto dead_before = host->dead_letters().count();
  for (int i = 0; i < 3; ++i) {
    auto refused = host->send("app/slow", to_bytes("one too many"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::busy);
  }
  EXPECT_EQ(host->dead_letters().count(), dead_before + 3);
  EXPECT_EQ(host->status("app/slow")->dead_letters, 3u);
  EXPECT_EQ(host->dead_letters().recent().back().reason, "mailbox full");
  // A host sender may wait for room instead.
  auto waited = host->send("app/slow", to_bytes("patient"), {.wait_for_room = 20s});
  EXPECT_TRUE(waited.ok()) << waited.error().describe();
  EXPECT_EQ(ask_text(*host, "app/slow", "?"), "6|patient");
}

TEST_F(HostTest, ShutdownDrainsQueuedMessagesInReverseStartOrder) {
  start();
  auto busy = guest_spec("app/first", "flaky");
  busy.limits.call_timeout = 5s;
  spawn(std::move(busy));
  spawn(guest_spec("app/last", "flaky"));
  ASSERT_TRUE(host->send("app/first", to_bytes("spin 200")).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(host->send("app/first", to_bytes("m")).ok());
  ASSERT_TRUE(host->send("app/last", to_bytes("m")).ok());

  ShutdownReport report = host->shutdown(20s);
  ASSERT_EQ(report.per_component.size(), 2u);
  EXPECT_EQ(report.per_component[0].first, "app/last");
  EXPECT_EQ(report.per_component[1].first, "app/first");
  EXPECT_EQ(report.undelivered, 0u);
  EXPECT_EQ(host->status("app/first")->handled, 11u);
  EXPECT_EQ(host->status("app/first")->state, ComponentState::stopped);
  auto refused = host->send("app/first", to_bytes("late"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::unavailable);
}

TEST_F(HostTest, ShutdownReportsWhatItCouldNotDrainBeforeItsDeadline) {
  start({.workers = 1, .turn_budget = 1});
  auto slow = guest_spec("app/slow", "flaky");
  slow.limits.call_timeout = 10s;
  spawn(std::move(slow));
  ASSERT_TRUE(host->send("app/slow", to_bytes("spin 1000")).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(host->send("app/slow", to_bytes("m")).ok());
  // The spin is running (it left the mailbox): the deadline passes during it.
  ASSERT_TRUE(testing::eventually([&] { return host->status("app/slow")->mailbox_size == 5; }));
  auto dead_before = host->dead_letters().count();

  ShutdownReport report = host->shutdown(100ms);
  // The spin was interrupted at the deadline (defect 7 of the outside testing):
  // its message is a dead letter too (the handler failed), besides the five.
  EXPECT_EQ(report.undelivered, 5u);
  ASSERT_EQ(report.per_component.size(), 1u);
  EXPECT_EQ(report.per_component[0].second, 5u);
  EXPECT_EQ(host->dead_letters().count(), dead_before + 6);
  EXPECT_EQ(host->dead_letters().recent().back().reason, "host shutdown");
  EXPECT_EQ(host->shutdown().undelivered, 5u);  // idempotent: the same report
}

TEST_F(HostTest, SpawnFailingInitRegistersNothing) {
  start();
  for (const char* guest : {"invalid_init_traps", "invalid_init_fails"}) {
    auto spawned = host->spawn(guest_spec("app/broken", guest));
    ASSERT_FALSE(spawned.ok()) << guest;
    EXPECT_NE(spawned.error().message.find("init failed"), std::string::npos)
        << spawned.error().message;
    EXPECT_FALSE(host->status("app/broken"));
    EXPECT_EQ(host->send("app/broken", to_bytes("x")).error().code, Errc::not_found);
  }
  // The name is free again.
  spawn(guest_spec("app/broken", "echo"));
  EXPECT_EQ(ask_text(*host, "app/broken", "fixed"), "fixed");
}

TEST_F(HostTest, SpawnRefusesBadModulesNamesAndDuplicates) {
  start();
  auto missing = host->spawn(guest_spec("app/x", "does_not_exist"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  auto v2 = host->spawn(guest_spec("app/x", "invalid_abi_v2"));
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().code, Errc::abi_mismatch);
  EXPECT_EQ(v2.error().message.rfind("app/x: ", 0), 0u) << v2.error().message;
  for (const char* bad : {"", "@host", "has space", "new\nline"})
    EXPECT_EQ(host->spawn(guest_spec(bad, "echo")).error().code, Errc::invalid_argument) << bad;
  spawn(guest_spec("app/x", "echo"));
  EXPECT_EQ(host->spawn(guest_spec("app/x", "echo")).error().code, Errc::already_exists);
}

// The inbox (docs/abi.md §2) as the inboxer guest saw it: header, then bytes.
struct InboxHeader {
  std::uint32_t filled = 0, kind = 0, sender_len = 0, topic_len = 0, payload_len = 0;
};
struct InboxReport : InboxHeader {
  std::string bytes;
};
InboxReport inbox_report(Host& host, std::string_view payload) {
  Reply reply = ask(host, "app/inboxer", payload);
  EXPECT_EQ(reply.status, abi::kStatusOk);
  InboxReport report;
  if (reply.payload.size() < 20) return report;
  static_assert(sizeof(InboxHeader) == 20);
  std::memcpy(static_cast<InboxHeader*>(&report), reply.payload.data(), sizeof(InboxHeader));
  report.bytes.assign(reply.payload.begin() + 20, reply.payload.end());
  return report;
}

TEST_F(HostTest, InboxCarriesMessagesThatFitAndLargerOnesArePulledByImport) {
  start();
  spawn(guest_spec("app/inboxer", "inboxer"));  // a 16-byte inbox
  // "@host" + 11 bytes fills it exactly.
  for (std::string payload : {std::string("hi"), std::string(""), std::string(11, 'x')}) {
    InboxReport fits = inbox_report(*host, payload);
    EXPECT_EQ(fits.filled, 1u) << payload;
    EXPECT_EQ(fits.kind, static_cast<std::uint32_t>(abi::kKindRequest));
    EXPECT_EQ(fits.sender_len, 5u);
    EXPECT_EQ(fits.topic_len, 0u);
    EXPECT_EQ(fits.payload_len, payload.size());
    EXPECT_EQ(fits.bytes, "@host" + payload);
  }
  std::string large(12, 'y');
  InboxReport pulled = inbox_report(*host, large);
  EXPECT_EQ(pulled.filled, 0u);
  EXPECT_EQ(pulled.kind, static_cast<std::uint32_t>(abi::kKindRequest));
  EXPECT_EQ(pulled.payload_len, large.size());
  EXPECT_EQ(pulled.bytes, "@host" + large);
}

TEST_F(HostTest, SpawnRefusesAnInboxOutsideLinearMemory) {
  start();
  auto spawned = host->spawn(guest_spec("app/x", "invalid_inbox_outside_memory"));
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.error().code, Errc::invalid_argument);
  EXPECT_NE(spawned.error().message.find("wasmhive_inbox announced 16 bytes at 65530"),
            std::string::npos)
      << spawned.error().message;
  EXPECT_FALSE(host->status("app/x"));
}

TEST_F(HostTest, SpawnRefusesAnOutboxOutsideLinearMemory) {
  start();
  auto spawned = host->spawn(guest_spec("app/x", "invalid_outbox_outside_memory"));
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.error().code, Errc::invalid_argument);
  EXPECT_NE(spawned.error().message.find("wasmhive_outbox announced 16 bytes at 65520"),
            std::string::npos)
      << spawned.error().message;
  EXPECT_FALSE(host->status("app/x"));
}

TEST_F(HostTest, StoppedComponentRejectsMessagesAndIsNeverRestarted) {
  start();
  spawn(guest_spec("app/a", "flaky"));
  ASSERT_TRUE(host->send("app/a", to_bytes("x")).ok());
  ASSERT_TRUE(host->stop("app/a").ok());
  EXPECT_EQ(host->status("app/a")->state, ComponentState::stopped);
  EXPECT_EQ(host->send("app/a", to_bytes("x")).error().code, Errc::not_found);
  EXPECT_EQ(host->request("app/a", to_bytes("?"), 1s).error().code, Errc::not_found);
  EXPECT_EQ(host->stop("app/nobody").error().code, Errc::not_found);
}

TEST_F(HostTest, RequestTimesOutWhenTheTargetIsBusyAndRequestsAreAnsweredOnTrap) {
  start();
  auto spec = guest_spec("app/flaky", "flaky");
  spec.limits.call_timeout = 5s;
  spawn(std::move(spec));
  ASSERT_TRUE(host->send("app/flaky", to_bytes("spin 500")).ok());
  Reply late = ask(*host, "app/flaky", "?", 50ms);
  EXPECT_EQ(late.status, abi::kStatusTimeout);
  Reply trapped = ask(*host, "app/flaky", "trap");
  EXPECT_EQ(trapped.status, abi::kStatusTargetError);
}

TEST_F(HostTest, NativeComponentSharesMailboxesAndApiWithWasmOnes) {
  start();
  actor::ComponentSpec native{.name = "app/native"};
  std::atomic<int> seen_from_wasm{0};
  native.native = [&](abi::ComponentApi& api, const abi::CurrentMessage& message) -> std::int32_t {
    if (message.sender == "app/flaky") ++seen_from_wasm;
    if (message.kind == abi::kKindRequest) {
      std::string answer = "native:" + std::string(message.payload.begin(), message.payload.end());
      return api.reply(
          abi::Bytes(reinterpret_cast<const std::uint8_t*>(answer.data()), answer.size()));
    }
    return 0;
  };
  spawn(std::move(native));
  spawn(guest_spec("app/flaky", "flaky"));
  EXPECT_EQ(ask_text(*host, "app/native", "hi"), "native:hi");
  ASSERT_TRUE(host->send("app/flaky", to_bytes("tell app/native from wasm")).ok());
  EXPECT_TRUE(testing::eventually([&] { return seen_from_wasm == 1; }));
  EXPECT_EQ(host->status("app/native")->handled, 2u);
}

TEST_F(HostTest, IdleHostUsesNoCpu) {
  start();
  spawn(guest_spec("svc/echo", "echo"));
  EXPECT_EQ(ask_text(*host, "svc/echo", "warm"), "warm");
  // Workers and timers block on condition variables when idle: over a quiet
  // second the process uses (almost) no CPU time.
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  };
  auto before = cpu();
  std::this_thread::sleep_for(1s);  // the measurement window itself, not a wait for a condition
  EXPECT_LT(cpu() - before, 100ms);
}

}  // namespace
}  // namespace wasmhive::host
