// Spawning without waiting for init (SpawnOptions::wait_for_init = false), as
// Erlang's spawn returns a pid at once: the name is registered when spawn
// returns, messages wait for init, and an init that fails is told by events.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive::host {
namespace {

using namespace std::chrono_literals;
using testing::ask;
using testing::ask_text;
using testing::guest_spec;
using Kind = actor::Event::Kind;

constexpr SpawnOptions kNoWait{.wait_for_init = false};

class SpawnWithoutWaiting : public ::testing::Test {
 protected:
  void SetUp() override {
    HostConfig config{.workers = 2};
    config.on_event = events.sink();
    auto created = Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  // Message number `sequence` from sender 0, for a counter.
  static std::vector<std::uint8_t> numbered(std::uint8_t sequence) {
    std::vector<std::uint8_t> message(12, 0);
    message[4] = sequence;
    return message;
  }

  testing::EventLog events;
  std::unique_ptr<Host> host;
};

TEST_F(SpawnWithoutWaiting, MessagesSentAtOnceWaitForInitAndKeepTheirOrder) {
  constexpr int kCount = 50;
  for (int i = 0; i < kCount; ++i) {
    std::string name = "c/" + std::to_string(i);
    ASSERT_TRUE(host->spawn(guest_spec(name, "counter"), {}, kNoWait).ok());
    // Registered already: these wait in its mailbox until init has run.
    for (std::uint8_t n = 0; n < 3; ++n) ASSERT_TRUE(host->send(name, numbered(n)).ok());
  }
  for (int i = 0; i < kCount; ++i) {
    std::string name = "c/" + std::to_string(i);
    EXPECT_EQ(ask_text(*host, name, "?"), "3 0") << name;  // all three, in order
    EXPECT_TRUE(events.wait_for(Kind::started, name));
  }
}

TEST_F(SpawnWithoutWaiting, AFailingInitIsToldByEventsAndWhatWaitedIsRefused) {
  ASSERT_TRUE(host->spawn(guest_spec("app/x", "invalid_init_fails"), {}, kNoWait).ok());
  auto waiting = host->request("app/x", testing::to_bytes("?"), 10s);
  ASSERT_TRUE(events.wait_for(Kind::stopped, "app/x"));
  std::string failure;
  for (const auto& e : events.all())
    if (e.kind == Kind::failed && e.subject == "app/x") failure = e.detail;
  EXPECT_NE(failure.find("init failed: init returned 3"), std::string::npos) << failure;
  EXPECT_EQ(events.count(Kind::started, "app/x"), 0u);
  if (waiting) {  // sent before the failure: answered, not left waiting
    auto reply = waiting->get();
    EXPECT_EQ(reply.status, abi::kStatusUnknownTarget);
  }
  // The name is free again.
  EXPECT_TRUE(testing::eventually([&] { return host->spawn(guest_spec("app/x", "echo")).ok(); }));
  EXPECT_EQ(ask_text(*host, "app/x", "hi"), "hi");
}

TEST_F(SpawnWithoutWaiting, WhatSpawnCanTellAtOnceItStillReturns) {
  auto bad = host->spawn(guest_spec("app/bad", "invalid_bad_code"), {}, kNoWait);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_module);
  EXPECT_FALSE(host->status("app/bad"));
  ASSERT_TRUE(host->spawn(guest_spec("app/a", "echo"), {}, kNoWait).ok());
  auto twice = host->spawn(guest_spec("app/a", "echo"), {}, kNoWait);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::already_exists);
  auto spec = guest_spec("app/b", "echo");
  spec.worker = 7;
  EXPECT_EQ(host->spawn(std::move(spec), {}, kNoWait).error().code, Errc::invalid_argument);
  EXPECT_EQ(ask_text(*host, "app/a", "still here"), "still here");
}

TEST_F(SpawnWithoutWaiting, RemovedBeforeOrWhileItStartsLeavesNothingBehind) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(host->spawn(guest_spec("app/brief", "echo"), {}, kNoWait).ok());
    ASSERT_TRUE(host->remove("app/brief").ok()) << i;
    EXPECT_FALSE(host->status("app/brief"));
  }
  ASSERT_TRUE(host->spawn(guest_spec("app/brief", "echo"), {}, kNoWait).ok());
  EXPECT_EQ(ask_text(*host, "app/brief", "last"), "last");
}

// A spawn racing a shutdown either registers before the shutdown takes its
// list of components (and is stopped with them) or is refused: none is left
// running, with an instance, behind the engines' end.
TEST_F(SpawnWithoutWaiting, SpawnsRacingAShutdownAreStoppedOrRefused) {
  for (bool wait : {false, true}) {
    SetUp();
    std::atomic<bool> refused{false};
    std::thread spawner([&] {
      for (int i = 0; !refused; ++i) {
        auto spawned = host->spawn(guest_spec("race/c" + std::to_string(i), "echo"), {},
                                   {.wait_for_init = wait});
        if (!spawned) refused = spawned.error().code == Errc::unavailable;
        ASSERT_TRUE(spawned || refused) << spawned.error().describe();
      }
    });
    while (host->statuses().size() < 5) std::this_thread::yield();
    host->shutdown(std::chrono::milliseconds(100));
    spawner.join();
    EXPECT_TRUE(refused);
    for (const auto& status : host->statuses())
      EXPECT_EQ(status.state, actor::ComponentState::stopped) << status.name;
    host.reset();  // the engines go: an instance left behind would be a finding under ASan
  }
}

}  // namespace
}  // namespace wasmhive::host
