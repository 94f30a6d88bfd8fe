// Virtual components end to end: templates of real wasm components activated
// by their first message, deactivated when idle, their state kept in storage
// and (hibernating) in memory and globals across many cycles.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstring>
#include <thread>

#include "host/host.h"
#include "support/guests.h"
#include "support/host_helpers.h"
#include "support/temp_dir.h"
#include "util/clock.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using actor::Hibernation;
using testing::ask;
using testing::ask_text;
using testing::eventually;
using testing::guest_spec;
using testing::to_bytes;

actor::TemplateSpec visitor_template(std::string pattern = "user/*") {
  actor::TemplateSpec spec{.pattern = std::move(pattern)};
  spec.component = guest_spec("", "visitor");
  spec.component.capabilities.storage = security::StorageAccess::read_write;
  return spec;
}

// A template of `guest` whose memory hibernates, found idle after `idle`.
actor::TemplateSpec hibernating(std::string pattern, const std::string& guest,
                                std::chrono::milliseconds idle) {
  actor::TemplateSpec spec{.pattern = std::move(pattern), .idle_timeout = idle};
  spec.component = guest_spec("", guest);
  spec.hibernate = Hibernation::memory;
  return spec;
}

host::TemplateStatus status_of(const host::Host& host, const std::string& pattern) {
  for (auto& t : host.templates())
    if (t.pattern == pattern) return t;
  ADD_FAILURE() << "no template " << pattern;
  return {};
}

std::unique_ptr<host::Host> make_host(host::HostConfig config = {}) {
  if (!config.workers) config.workers = 2;
  auto host = host::Host::create(std::move(config));
  EXPECT_TRUE(host) << host.error().describe();
  return host ? std::move(*host) : nullptr;
}

// Waits until `n` deactivations of the template have completed.
bool deactivated(const host::Host& host, const std::string& pattern, std::uint64_t n) {
  return eventually([&] { return status_of(host, pattern).deactivations >= n; });
}

TEST(VirtualComponents, FirstSendActivatesTheName) {
  auto host = make_host();
  ASSERT_TRUE(host->add_template(visitor_template()));
  EXPECT_FALSE(host->status("user/alice"));
  ASSERT_TRUE(host->send("user/alice", to_bytes("hit")));
  EXPECT_EQ(ask_text(*host, "user/alice", "get"), "mem=1 store=1 inits=1");
  auto t = status_of(*host, "user/*");
  EXPECT_EQ(t.activations, 1u);
  EXPECT_EQ(t.active, 1u);
  EXPECT_EQ(t.registered, 1u);
  EXPECT_EQ(t.handled, 2u);
  EXPECT_GT(t.activation_p50.count(), 0);
  ASSERT_TRUE(host->status("user/alice"));
  EXPECT_EQ(host->status("user/alice")->state, actor::ComponentState::running);
  // Names outside the pattern stay unknown.
  EXPECT_EQ(host->send("user/alice/x", to_bytes("hit")).error().code, Errc::not_found);
  EXPECT_EQ(host->send("users/alice", to_bytes("hit")).error().code, Errc::not_found);
}

TEST(VirtualComponents, FirstRequestActivatesTheName) {
  auto host = make_host();
  ASSERT_TRUE(host->add_template(visitor_template()));
  EXPECT_EQ(ask_text(*host, "user/bob", "get"), "mem=0 store=0 inits=1");
  EXPECT_EQ(status_of(*host, "user/*").activations, 1u);
}

TEST(VirtualComponents, ItsStorageSurvivesManyDeactivations) {
  auto host = make_host();
  auto spec = visitor_template();
  spec.idle_timeout = 5ms;
  ASSERT_TRUE(host->add_template(spec));
  constexpr int kCycles = 30;
  for (int i = 1; i <= kCycles; ++i) {
    ASSERT_TRUE(host->send("user/carol", to_bytes("hit")));
    ASSERT_TRUE(deactivated(*host, "user/*", i)) << "cycle " << i;
  }
  // Without hibernation its memory starts again from init each time.
  EXPECT_EQ(ask_text(*host, "user/carol", "get"),
            "mem=0 store=" + std::to_string(kCycles) + " inits=" + std::to_string(kCycles + 1));
}

TEST(VirtualComponents, HibernationKeepsItsMemoryAcrossManyDeactivations) {
  auto host = make_host();
  auto spec = visitor_template();
  spec.idle_timeout = 5ms;
  spec.hibernate = Hibernation::memory;
  ASSERT_TRUE(host->add_template(spec));
  constexpr int kCycles = 30;
  for (int i = 1; i <= kCycles; ++i) {
    ASSERT_TRUE(host->send("user/dave", to_bytes("hit")));
    ASSERT_TRUE(deactivated(*host, "user/*", i)) << "cycle " << i;
    EXPECT_EQ(status_of(*host, "user/*").hibernated, 1u);
    EXPECT_EQ(status_of(*host, "user/*").registered, 1u);
  }
  std::string n = std::to_string(kCycles);
  EXPECT_EQ(ask_text(*host, "user/dave", "get"),
            "mem=" + n + " store=" + n + " inits=" + std::to_string(kCycles + 1));
  auto t = status_of(*host, "user/*");
  EXPECT_EQ(t.hibernated, 0u);  // taken back by the activation
  EXPECT_EQ(t.activations, static_cast<std::uint64_t>(kCycles + 1));
}

TEST(VirtualComponents, HibernationKeepsItsGlobals) {
  auto host = make_host();
  ASSERT_TRUE(host->add_template(hibernating("tally/*", "global_tally", 5ms)));
  std::uint64_t bytes = 0;
  for (int i = 1; i <= 10; ++i) {
    std::string payload(static_cast<std::size_t>(i), 'x');
    bytes += payload.size();
    ASSERT_TRUE(host->send("tally/one", to_bytes(payload)));
    ASSERT_TRUE(deactivated(*host, "tally/*", i));
  }
  auto reply = ask(*host, "tally/one", "get");
  ASSERT_EQ(reply.status, abi::kStatusOk);
  ASSERT_EQ(reply.payload.size(), 12u);
  std::int32_t count = 0;
  std::int64_t sum = 0;
  std::memcpy(&count, reply.payload.data(), 4);
  std::memcpy(&sum, reply.payload.data() + 4, 8);
  EXPECT_EQ(count, 10);                               // an i32 global
  EXPECT_EQ(static_cast<std::uint64_t>(sum), bytes);  // an i64 global
}

TEST(VirtualComponents, DatabaseHibernationSurvivesAHostRestart) {
  testing::TempDir dir;
  auto config = [&] { return host::HostConfig{.workers = 2, .data_file = dir.path() / "app.db"}; };
  auto spec = visitor_template();
  spec.hibernate = Hibernation::database;
  {
    auto host = make_host(config());
    ASSERT_TRUE(host->add_template(spec));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(host->send("user/erin", to_bytes("hit")));
    EXPECT_EQ(ask_text(*host, "user/erin", "get"), "mem=3 store=3 inits=1");
    host->shutdown();  // deactivates it: its memory goes to the database
    EXPECT_EQ(status_of(*host, "user/*").hibernated, 1u);
  }
  auto host = make_host(config());
  ASSERT_TRUE(host->add_template(spec));
  EXPECT_EQ(status_of(*host, "user/*").hibernated, 1u);
  EXPECT_EQ(ask_text(*host, "user/erin", "get"), "mem=3 store=3 inits=2");
}

// The template's module was replaced between two runs: what the old one saved
// is not restored into the new one (it would misread it); the name starts
// from init, and its storage.
TEST(VirtualComponents, StateSavedByAnotherModuleIsDropped) {
  testing::TempDir dir;
  auto config = [&] { return host::HostConfig{.workers = 2, .data_file = dir.path() / "app.db"}; };
  {
    auto host = make_host(config());
    auto spec = visitor_template();
    spec.hibernate = Hibernation::database;
    ASSERT_TRUE(host->add_template(spec));
    ASSERT_TRUE(host->send("user/jan", to_bytes("hit")));
    EXPECT_EQ(ask_text(*host, "user/jan", "get"), "mem=1 store=1 inits=1");
  }
  auto host = make_host(config());
  actor::TemplateSpec replaced{.pattern = "user/*", .hibernate = Hibernation::database};
  replaced.component = guest_spec("", "global_tally");
  ASSERT_TRUE(host->add_template(replaced));
  EXPECT_EQ(status_of(*host, "user/*").hibernated, 1u);
  auto reply = ask(*host, "user/jan", "get");
  ASSERT_EQ(reply.status, abi::kStatusOk);
  EXPECT_EQ(reply.payload, std::vector<std::uint8_t>(12, 0));  // a fresh count
  EXPECT_EQ(status_of(*host, "user/*").hibernated, 0u);
}

TEST(VirtualComponents, ANameEndingInStarIsNeverActivated) {
  auto host = make_host();
  ASSERT_TRUE(host->add_template(visitor_template()));
  EXPECT_EQ(host->send("user/*", to_bytes("hit")).error().code, Errc::not_found);
  EXPECT_EQ(status_of(*host, "user/*").activations, 0u);
}

// Senders keep sending while the component deactivates and activates again,
// over and over: every message arrives once, and each sender's in order (the
// counter guest checks sequence numbers; hibernation keeps what it checked).
TEST(VirtualComponents, BurstsAtADeactivatingComponentLoseNothingAndKeepOrder) {
  auto host = make_host();
  ASSERT_TRUE(host->add_template(hibernating("count/*", "counter", 1ms)));
  constexpr std::uint32_t kSenders = 4;
  constexpr std::uint64_t kBursts = 40, kPerBurst = 50;
  // Between bursts: every other time the senders wait until a deactivation
  // has completed; otherwise they go on at once, so that the next burst meets
  // a deactivation under way as often as not.
  std::uint64_t pauses = 0;
  std::barrier between_bursts(kSenders, [&]() noexcept {
    if (pauses++ % 2 == 0) {
      auto before = status_of(*host, "count/*").deactivations;
      EXPECT_TRUE(deactivated(*host, "count/*", before + 1));
    }
  });
  std::vector<std::thread> senders;
  std::atomic<int> failures{0};
  for (std::uint32_t s = 0; s < kSenders; ++s)
    senders.emplace_back([&, s] {
      std::uint64_t seq = 0;
      for (std::uint64_t burst = 0; burst < kBursts; ++burst) {
        for (std::uint64_t i = 0; i < kPerBurst; ++i, ++seq) {
          std::vector<std::uint8_t> payload(12);
          std::memcpy(payload.data(), &s, 4);
          std::memcpy(payload.data() + 4, &seq, 8);
          if (!host->send("count/c", payload, {.wait_for_room = 10s})) ++failures;
        }
        between_bursts.arrive_and_wait();
      }
    });
  for (auto& t : senders) t.join();
  EXPECT_EQ(failures, 0);
  std::uint64_t total = kSenders * kBursts * kPerBurst;
  EXPECT_EQ(ask_text(*host, "count/c", "stats"), std::to_string(total) + " 0");
  auto t = status_of(*host, "count/*");
  EXPECT_GE(t.deactivations, kBursts / 2);
  EXPECT_EQ(host->dead_letters().count(), 0u);
}

TEST(VirtualComponents, MaxActiveHoldsUnderAFloodOfDistinctNames) {
  auto host = make_host();
  auto spec = visitor_template();
  spec.component.config["storage"] = "off";
  spec.max_active = 64;
  ASSERT_TRUE(host->add_template(spec));
  constexpr int kNames = 50'000;
  std::atomic<bool> flooding{true};
  std::atomic<std::size_t> most_active{0};
  std::thread watcher([&] {
    while (flooding) {
      auto t = status_of(*host, "user/*");
      most_active = std::max(most_active.load(), t.active);
      std::this_thread::sleep_for(1ms);
    }
  });
  int refused = 0;
  for (int i = 0; i < kNames; ++i)
    if (!host->send("user/" + std::to_string(i), to_bytes("hit"))) ++refused;
  EXPECT_EQ(refused, 0);
  EXPECT_TRUE(eventually([&] { return status_of(*host, "user/*").handled == kNames; }, 120s));
  flooding = false;
  watcher.join();
  auto t = status_of(*host, "user/*");
  EXPECT_LE(most_active.load(), spec.max_active);
  EXPECT_LE(t.active, spec.max_active);
  EXPECT_EQ(t.activations, static_cast<std::uint64_t>(kNames));
  EXPECT_GE(t.evictions, static_cast<std::uint64_t>(kNames) - spec.max_active);
  EXPECT_EQ(host->dead_letters().count(), 0u);
}

TEST(VirtualComponents, ATemplateWhoseInitTrapsGivesErrorCallbacksThenStops) {
  testing::EventLog events;
  auto host = make_host({.on_event = events.sink()});
  auto spec = visitor_template("broken/*");
  spec.component.config["init"] = "trap";
  spec.max_restarts = 3;
  spec.restart_period = 60s;
  ASSERT_TRUE(host->add_template(spec));
  // Each activation fails; the fourth exceeds the intensity.
  for (int i = 0; i < 4; ++i) {
    auto reply = ask(*host, "broken/" + std::to_string(i), "get");
    EXPECT_EQ(reply.status, abi::kStatusTargetError) << i;
  }
  EXPECT_TRUE(events.wait_for(actor::Event::Kind::group_stopped, "broken/*"));
  auto t = status_of(*host, "broken/*");
  EXPECT_TRUE(t.stopped);
  EXPECT_EQ(t.activation_failures, 4u);
  EXPECT_EQ(t.activations, 0u);
  // Stopped: its names are unknown targets now.
  EXPECT_EQ(host->send("broken/9", to_bytes("hit")).error().code, Errc::not_found);
  // The root group counted one failure: it did not give up.
  EXPECT_EQ(events.count(actor::Event::Kind::escalated, "root"), 0u);
}

TEST(VirtualComponents, ATrapInAHandlerRestartsTheInstanceOnly) {
  testing::EventLog events;
  auto host = make_host({.on_event = events.sink()});
  ASSERT_TRUE(host->add_template(visitor_template()));
  ASSERT_TRUE(host->send("user/fay", to_bytes("hit")));
  ASSERT_TRUE(host->send("user/fay", to_bytes("trap")));
  EXPECT_TRUE(events.wait_for(actor::Event::Kind::restarted, "user/fay"));
  EXPECT_EQ(ask_text(*host, "user/fay", "get"), "mem=0 store=1 inits=2");
  EXPECT_FALSE(status_of(*host, "user/*").stopped);
}

TEST(VirtualComponents, IdleTimeoutIsExactUnderAManualClock) {
  ManualClock clock;
  auto host = make_host({.workers = 1, .clock = &clock, .stepped = true});
  auto spec = visitor_template();
  spec.idle_timeout = 1000ms;
  ASSERT_TRUE(host->add_template(spec));
  ASSERT_TRUE(host->send("user/gus", to_bytes("hit")));
  host->run_until_idle();
  EXPECT_EQ(status_of(*host, "user/*").active, 1u);
  clock.advance(999ms);
  host->run_until_idle();
  EXPECT_EQ(status_of(*host, "user/*").deactivations, 0u);
  // Found idle at the next sweep, at most a quarter of the timeout late.
  clock.advance(251ms);
  host->run_until_idle();
  auto t = status_of(*host, "user/*");
  EXPECT_EQ(t.deactivations, 1u);
  EXPECT_EQ(t.active, 0u);
  EXPECT_FALSE(host->status("user/gus"));
}

TEST(VirtualComponents, TheActivationRateIsLimitedPerTemplate) {
  ManualClock clock;
  auto host = make_host({.workers = 1, .clock = &clock, .stepped = true});
  auto spec = visitor_template();
  spec.max_activations_per_second = 2;
  ASSERT_TRUE(host->add_template(spec));
  ASSERT_TRUE(host->send("user/a", to_bytes("hit")));
  ASSERT_TRUE(host->send("user/b", to_bytes("hit")));
  EXPECT_EQ(host->send("user/c", to_bytes("hit")).error().code, Errc::busy);
  // Names already active are not new activations.
  EXPECT_TRUE(host->send("user/a", to_bytes("hit")));
  clock.advance(500ms);  // one more token
  EXPECT_TRUE(host->send("user/c", to_bytes("hit")));
  host->run_until_idle();
  EXPECT_EQ(status_of(*host, "user/*").activations, 3u);
  EXPECT_EQ(status_of(*host, "user/*").handled, 4u);
}

TEST(VirtualComponents, AreNotStoppedOrRemovedByName) {
  auto host = make_host();
  ASSERT_TRUE(host->add_template(visitor_template()));
  ASSERT_TRUE(host->send("user/hal", to_bytes("hit")));
  ASSERT_TRUE(eventually([&] { return status_of(*host, "user/*").activations == 1; }));
  EXPECT_EQ(host->stop("user/hal").error().code, Errc::invalid_argument);
  EXPECT_EQ(host->remove("user/hal").error().code, Errc::invalid_argument);
}

TEST(VirtualComponents, TemplatesAreChecked) {
  auto host = make_host();
  auto bad = [&](std::string pattern) {
    auto spec = visitor_template(std::move(pattern));
    return host->add_template(spec);
  };
  EXPECT_EQ(bad("user").error().code, Errc::invalid_argument);
  EXPECT_EQ(bad("*").error().code, Errc::invalid_argument);
  EXPECT_EQ(bad("a/*/b/*").error().code, Errc::invalid_argument);
  EXPECT_EQ(bad("user/x*").error().code, Errc::invalid_argument);
  ASSERT_TRUE(bad("user/*"));
  EXPECT_EQ(bad("user/*").error().code, Errc::already_exists);
  auto zero = visitor_template("zero/*");
  zero.max_active = 0;
  EXPECT_EQ(host->add_template(zero).error().code, Errc::invalid_argument);
  auto broken = visitor_template("broken/*");
  broken.component.wasm = testing::guest_path("invalid_no_handle_message");
  EXPECT_FALSE(host->add_template(broken));
}

// A guest's send to a virtual name activates it like the host's does.
TEST(VirtualComponents, AComponentsSendActivatesAName) {
  auto host = make_host();
  ASSERT_TRUE(host->add_template(visitor_template()));
  ASSERT_TRUE(host->spawn(guest_spec("app/relay", "relay")));
  ASSERT_TRUE(host->send("app/relay", to_bytes("send user/ivy hit")));
  ASSERT_TRUE(eventually([&] { return status_of(*host, "user/*").handled == 1; }));
  EXPECT_EQ(ask_text(*host, "user/ivy", "get"), "mem=1 store=1 inits=1");
}

}  // namespace
}  // namespace wasmhive
