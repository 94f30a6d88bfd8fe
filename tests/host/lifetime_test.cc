// Components that come and go: Host::remove frees everything a component held,
// and a host that spawns and removes components for days does not grow.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive::host {
namespace {

using namespace std::chrono_literals;
using actor::ComponentState;
using Kind = actor::Event::Kind;
using testing::ask_text;
using testing::guest_spec;
using testing::to_bytes;

class Lifetime : public ::testing::Test {
 protected:
  // `every_event`: false keeps only restart_scheduled events (a churn of
  // hundreds of thousands would otherwise grow the test's own record).
  void start(actor::GroupSpec root = {.name = "root"}, Clock* clock = nullptr,
             bool every_event = true) {
    HostConfig config{.workers = 2, .clock = clock, .root = std::move(root)};
    config.on_message = inbox.sink();
    config.on_event = [sink = events.sink(), every_event](const actor::Event& event) {
      if (every_event || event.kind == Kind::restart_scheduled) sink(event);
    };
    auto created = Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }
  // A component that takes messages but never handles them: its first message
  // traps it, and its restart is an hour away.
  void spawn_paused(const std::string& name) {
    ASSERT_TRUE(host->add_group({.name = "paused",
                                 .max_restarts = 1000,
                                 .backoff_initial = std::chrono::hours(1),
                                 .backoff_max = std::chrono::hours(1)})
                    .ok());
    auto spec = guest_spec(name, "flaky");
    spec.limits.mailbox_capacity = 1'000'000;
    ASSERT_TRUE(host->spawn(std::move(spec), "paused").ok());
    ASSERT_TRUE(host->send(name, to_bytes("trap")).ok());
    ASSERT_TRUE(events.wait_for(Kind::restart_scheduled, name));
  }

  testing::Inbox inbox;
  testing::EventLog events;
  ManualClock clock;  // for the tests that pass it: declared before, so it outlives, the host
  std::unique_ptr<Host> host;
};

TEST_F(Lifetime, RemovedNameIsFreeAndItsQueuedMessagesAreDeadLetters) {
  start();
  spawn_paused("app/paused");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(host->send("app/paused", to_bytes("m")).ok());
  auto request = host->request("app/paused", to_bytes("?"), 1h);
  ASSERT_TRUE(request.ok());
  auto dead_before = host->dead_letters().count();

  ASSERT_TRUE(host->remove("app/paused").ok());
  // The request queued there gets its one answer: the target is gone.
  EXPECT_EQ(request->get().status, abi::kStatusUnknownTarget);
  EXPECT_EQ(host->dead_letters().count(), dead_before + 4);
  EXPECT_EQ(host->dead_letters().recent().back().reason, "component removed");
  EXPECT_FALSE(host->status("app/paused").has_value());
  auto unknown = host->send("app/paused", to_bytes("late"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);
  EXPECT_EQ(host->remove("app/paused").error().code, Errc::not_found);

  // The name can be spawned again, and the new component is a new one.
  spawn(guest_spec("app/paused", "echo"));
  EXPECT_EQ(ask_text(*host, "app/paused", "again"), "again");
}

TEST_F(Lifetime, RemovingARequesterForgetsItsRequestsAndSubscriptions) {
  start();
  spawn_paused("app/sink");
  spawn(guest_spec("app/asker", "requester"));
  spawn(guest_spec("app/relay", "relay"));
  EXPECT_EQ(ask_text(*host, "app/asker", "app/sink 3600000 hello").rfind("sent ", 0), 0u);
  EXPECT_EQ(ask_text(*host, "app/relay", "sub news.>"), "0");
  EXPECT_EQ(host->outstanding_requests(), 1u);
  EXPECT_EQ(*host->publish("news.today", to_bytes("x")), 1u);

  ASSERT_TRUE(host->remove("app/asker").ok());
  ASSERT_TRUE(host->remove("app/relay").ok());
  EXPECT_EQ(host->outstanding_requests(), 0u);  // no callback will come for it
  EXPECT_EQ(*host->publish("news.today", to_bytes("x")), 0u);
  // The same names, new components: nothing of the old ones reaches them.
  spawn(guest_spec("app/relay", "relay"));
  EXPECT_EQ(*host->publish("news.today", to_bytes("x")), 0u);
  EXPECT_EQ(ask_text(*host, "app/relay", "sub news.>"), "0");
  EXPECT_EQ(*host->publish("news.today", to_bytes("x")), 1u);
}

TEST_F(Lifetime, ARemovedComponentIsNotRestartedByItsTimer) {
  start({.name = "root", .max_restarts = 10, .backoff_initial = 200ms}, &clock);
  spawn(guest_spec("app/flaky", "flaky"));
  spawn(guest_spec("app/witness", "flaky"));
  ASSERT_TRUE(host->send("app/flaky", to_bytes("trap")).ok());
  ASSERT_TRUE(events.wait_for(Kind::restart_scheduled, "app/flaky"));
  ASSERT_TRUE(host->remove("app/flaky").ok());
  // A later restart of the same group: when it has run, so has the removed one's timer.
  ASSERT_TRUE(host->send("app/witness", to_bytes("trap")).ok());
  ASSERT_TRUE(events.wait_for(Kind::restart_scheduled, "app/witness"));
  clock.advance(10s);
  ASSERT_TRUE(events.wait_for(Kind::restarted, "app/witness"));
  EXPECT_EQ(events.count(Kind::restarted, "app/flaky"), 0u);
  EXPECT_FALSE(host->status("app/flaky").has_value());
}

// ---- churn ----

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// WASMHIVE_CHURN_CYCLES shortens the run (the sanitizer build is ~10x slower).
int churn_cycles() {
  const char* text = std::getenv("WASMHIVE_CHURN_CYCLES");
  return text ? std::atoi(text) : 200'000;
}

TEST_F(Lifetime, SpawningAndRemovingComponentsDoesNotGrowTheHost) {
  start({.name = "root"}, nullptr, false);
  spawn_paused("churn/sink");
  const int cycles = churn_cycles();
  const char* kinds[] = {"echo", "relay", "requester", "counter"};
  std::size_t halfway = 0;
  for (int i = 0; i < cycles; ++i) {
    if (i == cycles / 2) halfway = resident_bytes();
    std::string name = "churn/c" + std::to_string(i % 7);
    const char* kind = kinds[i % 4];
    auto spawned = host->spawn(guest_spec(name, kind));
    ASSERT_TRUE(spawned.ok()) << i << ": " << spawned.error().describe();
    // Some leave requests and subscriptions behind, outstanding at removal.
    bool sometimes = (i / 4) % 12 == 0;
    if (sometimes && kind == std::string_view("requester")) {
      ASSERT_EQ(ask_text(*host, name, "churn/sink 3600000 q").rfind("sent ", 0), 0u);
    }
    if (sometimes && kind == std::string_view("relay")) {
      ASSERT_EQ(ask_text(*host, name, "sub churn.>"), "0");
    }
    if (i % 3 == 0) {
      ASSERT_TRUE(host->send(name, to_bytes("left behind")).ok());
    }
    ASSERT_TRUE(host->remove(name).ok()) << i;
  }
  std::size_t end = resident_bytes();
  EXPECT_EQ(host->statuses().size(), 1u);  // the sink
  EXPECT_EQ(host->outstanding_requests(), 0u);
  EXPECT_EQ(*host->publish("churn.x", to_bytes("x")), 0u);
  std::size_t growth = end > halfway ? end - halfway : 0;
  RecordProperty("rss_growth_bytes", std::to_string(growth));
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine (256 MiB), so resident
  // memory says nothing here; its leak check at exit does the job instead.
  GTEST_SKIP() << "resident memory is not checked under AddressSanitizer";
#endif
  EXPECT_LT(growth, 10u << 20) << "resident memory grew by " << growth << " bytes over the last "
                               << cycles / 2 << " cycles";
}

}  // namespace
}  // namespace wasmhive::host
