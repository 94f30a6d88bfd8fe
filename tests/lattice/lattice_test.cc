// The lattice end to end: a real nats-server on loopback, this test process
// as one host (the embedding API, so every reply and status can be read
// exactly) and `wasmhive run` processes as the others, all running real wasm
// guests. Send and request -> reply -> callback across hosts, publications
// with wildcards, a host killed with SIGKILL mid-load, and the NATS server
// restarted mid-load.
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <thread>

#include "host/host.h"
#include "lattice/frame.h"
#include "support/cli_process.h"
#include "support/guests.h"
#include "support/host_helpers.h"
#include "support/json_log.h"
#include "support/nats_server.h"
#include "support/temp_dir.h"

namespace wasmhive::testing {
namespace {

using namespace std::chrono_literals;
using lattice::LatticeConfig;

// Fast enough that a lost host is noticed well within a test's patience.
constexpr auto kHeartbeat = 100ms;
constexpr auto kHostTimeout = 600ms;

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string text(const std::vector<std::uint8_t>& data) {
  return {data.begin(), data.end()};
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// A unique lattice per test: tests may share a server.
std::string lattice_name() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return name + "-" + std::to_string(::getpid());
}

class LatticeTest : public ::testing::Test {
 protected:
  // The suite's shared server when scripts/test.sh started one (each test
  // has its own lattice on it), else one of its own; `own_server` always
  // (a test that restarts it).
  explicit LatticeTest(bool own_server = false) {
    const char* shared = std::getenv("WASMHIVE_TEST_NATS_URL");
    if (shared && *shared && !own_server) {
      url_ = shared;
    } else {
      own_.emplace();
      url_ = own_->url();
    }
  }

  LatticeConfig config(const std::string& host_id,
                       std::chrono::milliseconds host_timeout = kHostTimeout) const {
    return {.url = url_,
            .name = lattice_,
            .host_id = host_id,
            .heartbeat_interval = kHeartbeat,
            .host_timeout = host_timeout};
  }

  // A host in this process, with a relay ("<id>/relay") that may message anything.
  std::unique_ptr<host::Host> make_host(const std::string& id, Inbox& inbox,
                                        std::chrono::milliseconds host_timeout = kHostTimeout) {
    host::HostConfig hc{.workers = 2};
    hc.on_message = inbox.sink();
    hc.lattice = config(id, host_timeout);
    auto made = host::Host::create(std::move(hc));
    EXPECT_TRUE(made) << made.error().describe();
    if (!made) return nullptr;
    auto spawned = (*made)->spawn(guest_spec(id + "/relay", "relay"));
    EXPECT_TRUE(spawned) << spawned.error().describe();
    return std::move(*made);
  }

  // `wasmhive run` as host `id`, with the components of `components_toml`.
  std::unique_ptr<Cli> run_host(const std::string& id, const std::string& components_toml) {
    auto manifest = dir_.path() / (id + ".toml");
    std::ofstream(manifest) << "[lattice]\nheartbeat_ms = " << kHeartbeat.count()
                            << "\nhost_timeout_ms = " << kHostTimeout.count() << "\n"
                            << components_toml;
    auto cli = std::make_unique<Cli>(
        std::vector<std::string>{"run", manifest.string(), "--in-memory", "--lattice", url_,
                                 "--lattice-name", lattice_, "--host-id", id});
    EXPECT_TRUE(cli->read_until("joined as host '" + id + "'")) << cli->output();
    return cli;
  }

  static std::string component(const std::string& name, const std::string& guest,
                               const std::string& capabilities) {
    return "[[component]]\nname = \"" + name + "\"\nwasm = \"" + guest_path(guest) +
           "\"\n[component.capabilities]\n" + capabilities + "\n";
  }

  static bool sees_hosts(const host::Host& host, std::size_t others) {
    return eventually([&] { return host.lattice_status()->peers.size() == others; });
  }

  // Once another host announced `name` (a static component) to this one.
  static bool knows_component(const host::Host& host, const std::string& name) {
    return eventually([&] {
      auto status = host.lattice_status();  // by value: kept while looked through
      for (const auto& peer : status->peers)
        for (const auto& component : peer.components)
          if (component == name) return true;
      return false;
    });
  }

  TempDir dir_;
  std::optional<NatsServer> own_;
  std::string url_;
  std::string lattice_ = lattice_name();
};

class LatticeOwnServerTest : public LatticeTest {
 protected:
  LatticeOwnServerTest() : LatticeTest(true) {}
};

TEST_F(LatticeTest, SendAndRequestReplyCallbackAcrossHosts) {
  auto b = run_host("b", component("b/relay", "relay", "send = [\"@host\"]") +
                             component("b/echo", "echo", "send = [\"a/*\"]") +
                             component("b/flaky", "flaky", ""));
  auto c = run_host("c", component("c/echo", "echo", "send = [\"a/*\"]"));
  Inbox inbox;
  auto a = make_host("a", inbox);
  ASSERT_TRUE(a && sees_hosts(*a, 2));

  // A component here sends to one on b: b's relay reports it to b's host.
  ASSERT_TRUE(a->send("a/relay", bytes("send b/relay hello from a")));
  EXPECT_TRUE(b->read_until("@host <- b/relay: msg|0|a/relay||hello from a")) << b->output();

  // request -> reply -> callback, the callback with the request's id.
  auto id = ask_text(*a, "a/relay", "req b/echo 5000 ping");
  ASSERT_GT(std::stoll(id), 0);
  EXPECT_EQ(inbox.wait_for("cb|" + id + "|"), "cb|" + id + "|0|ping");
  // And from the host application, to the third host.
  auto reply = ask(*a, "c/echo", "to c");
  EXPECT_EQ(reply.status, abi::kStatusOk);
  EXPECT_EQ(text(reply.payload), "to c");

  // The same statuses as on one host: a name no host has is unknown_target
  // (a callback for a component's request, not_found for a send)...
  id = ask_text(*a, "a/relay", "req b/nobody 5000 x");
  EXPECT_EQ(inbox.wait_for("cb|" + id + "|"), "cb|" + id + "|3|");
  EXPECT_FALSE(a->send("b/nobody", bytes("x")));
  // ...and a denial is decided on the sending host.
  actor::ComponentSpec narrow = guest_spec("a/narrow", "relay");
  narrow.capabilities.send = {"c/*", "@host"};
  ASSERT_TRUE(a->spawn(narrow));
  id = ask_text(*a, "a/narrow", "req b/echo 5000 x");
  EXPECT_EQ(inbox.wait_for("cb|" + id + "|"), "cb|" + id + "|4|");
  EXPECT_EQ(ask_text(*a, "a/narrow", "send b/echo x"), std::to_string(abi::kErrDenied));

  // Broadcast reaches each name on its host (the echoes answer the relay).
  EXPECT_EQ(ask_text(*a, "a/relay", "bcast b/echo,c/echo,b/echo both"), "2");
  EXPECT_TRUE(inbox.wait_for("msg|0|b/echo||both"));
  EXPECT_TRUE(inbox.wait_for("msg|0|c/echo||both"));

  // A cancelled request gets no callback; the answer that comes anyway is late.
  id = ask_text(*a, "a/relay", "req b/flaky 10000 spin 300");
  EXPECT_EQ(ask_text(*a, "a/relay", "cancel " + id), "0");
  EXPECT_TRUE(eventually([&] { return a->late_replies() == 1; }));
  EXPECT_EQ(inbox.count("cb|" + id + "|"), 0u);

  // One sender's messages to one receiver on another host keep their order.
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(a->send("a/relay", bytes("send b/relay m" + std::to_string(i))));
  ASSERT_TRUE(b->read_until("msg|0|a/relay||m49")) << b->output();
  std::size_t at = 0;
  for (int i = 0; i < 50; ++i) {
    auto next = b->output().find("msg|0|a/relay||m" + std::to_string(i) + "\n", at);
    ASSERT_NE(next, std::string::npos) << "m" << i << " missing or out of order";
    at = next;
  }

  // A name registered on another host cannot be taken here.
  auto taken = a->spawn(guest_spec("b/echo", "echo"));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Errc::already_exists);
  EXPECT_NE(taken.error().message.find("host 'b'"), std::string::npos);
}

// A chain that crosses hosts keeps its trace: a send there and back, a
// request and its callback, and a publication, each link's cause the message
// before it, read from each host's own JSON log at level trace.
TEST_F(LatticeTest, AChainAcrossHostsKeepsItsTraceAndItsCauses) {
  auto traced_host = [&](const std::string& id, Inbox& inbox) -> std::unique_ptr<host::Host> {
    host::HostConfig hc{.workers = 2};
    hc.on_message = inbox.sink();
    hc.lattice = config(id);
    hc.log_level = "trace";
    hc.log_format = "json";
    hc.log_file = dir_.path() / (id + ".log");
    auto made = host::Host::create(std::move(hc));
    EXPECT_TRUE(made) << made.error().describe();
    if (!made) return nullptr;
    EXPECT_TRUE((*made)->spawn(guest_spec(id + "/relay", "relay")));
    return std::move(*made);
  };
  // The line of host `id`'s log in chain `trace_id` that contains `text`.
  auto line = [&](const std::string& id, const std::string& text, std::uint64_t trace_id) {
    std::optional<Trace> found;
    EXPECT_TRUE(eventually([&] {
      for (const auto& each : read_log(dir_.path() / (id + ".log")))
        if (each.trace && each.trace->trace_id == trace_id &&
            each.msg.find(text) != std::string::npos) {
          found = each.trace;
          return true;
        }
      return false;
    })) << id
        << ": " << text;
    return found.value_or(Trace{});
  };
  Inbox inbox_a, inbox_b;
  auto a = traced_host("a", inbox_a);
  auto b = traced_host("b", inbox_b);
  ASSERT_TRUE(a && b && sees_hosts(*a, 1) && sees_hosts(*b, 1));
  // Each knows the other's relay (announced once it was spawned).
  ASSERT_TRUE(knows_component(*a, "b/relay") && knows_component(*b, "a/relay"));

  // There and back: a/relay -> b/relay -> a/relay -> a's host.
  std::uint64_t trace = a->new_trace_id();
  ASSERT_TRUE(
      a->send("a/relay", bytes("send b/relay send a/relay back"), {.trace = {.trace_id = trace}}));
  auto back = inbox_a.arrival("msg|0|b/relay||back", "a/relay");
  ASSERT_TRUE(back);
  Trace first = line("a", "[a/relay] handles send from @host", trace);
  Trace there = line("b", "[b/relay] handles send from a/relay", trace);
  Trace again = line("a", "[a/relay] handles send from b/relay", trace);
  EXPECT_EQ(there.cause_id, first.message_id);
  EXPECT_EQ(again.cause_id, there.message_id);
  EXPECT_EQ(back->trace.trace_id, trace);
  EXPECT_EQ(back->trace.cause_id, again.message_id);

  // A request to the other host, and its callback here.
  std::uint64_t asked = a->new_trace_id();
  ASSERT_TRUE(a->send("a/relay", bytes("req b/relay 5000 clock"), {.trace = {.trace_id = asked}}));
  Trace ask = line("a", "[a/relay] handles send from @host", asked);
  Trace handled = line("b", "[b/relay] handles request from a/relay", asked);
  Trace answered = line("a", "[a/relay] handles callback (ok) from b/relay", asked);
  EXPECT_EQ(handled.cause_id, ask.message_id);
  EXPECT_EQ(answered.cause_id, handled.message_id);

  // A publication from this host to a subscriber on the other.
  auto id = ask_text(*a, "a/relay", "req b/relay 5000 sub t.>");
  ASSERT_EQ(inbox_a.wait_for("cb|" + id + "|"), "cb|" + id + "|0|0");
  std::uint64_t published = a->new_trace_id();
  ASSERT_TRUE(a->publish("t.x", bytes("pubbed"), {.trace_id = published, .cause_id = 9}));
  auto got = inbox_b.arrival("msg|2|@host|t.x|pubbed", "b/relay");
  ASSERT_TRUE(got);
  Trace delivered = line("b", "[b/relay] handles publish on t.x from @host", published);
  EXPECT_EQ(delivered.cause_id, 9u);
  EXPECT_EQ(got->trace.cause_id, delivered.message_id);
}

TEST_F(LatticeTest, PublicationsWithWildcardsReachSubscribersOnEveryHostOnce) {
  std::string caps = "send = [\"@host\"]\nsubscribe = [\"orders.>\"]\npublish = [\"orders.>\"]";
  auto b = run_host("b", component("b/relay", "relay", caps));
  auto c = run_host("c", component("c/relay", "relay", caps));
  Inbox inbox;
  auto a = make_host("a", inbox);
  ASSERT_TRUE(a && sees_hosts(*a, 2));
  // Subscriptions made by request: once answered, the server has them.
  auto subscribe = [&](const std::string& who, const std::string& pattern) {
    auto id = ask_text(*a, "a/relay", "req " + who + " 5000 sub " + pattern);
    EXPECT_EQ(inbox.wait_for("cb|" + id + "|"), "cb|" + id + "|0|0") << who << " " << pattern;
  };
  subscribe("b/relay", "orders.*");
  subscribe("c/relay", "orders.>");
  subscribe("c/relay", "orders.*");  // two of c's patterns match orders.new: still one copy
  ASSERT_EQ(ask_text(*a, "a/relay", "sub orders.new"), "0");  // and one here

  EXPECT_EQ(ask_text(*a, "a/relay", "pub orders.new first"), "1");  // delivered here: 1
  ASSERT_TRUE(a->publish("orders.eu.new", bytes("second")));        // only orders.> matches
  ASSERT_TRUE(a->publish("orders.new", bytes("last")));
  const std::string got = "msg|2|";
  ASSERT_TRUE(b->read_until(got + "@host|orders.new|last")) << b->output();
  ASSERT_TRUE(c->read_until(got + "@host|orders.new|last")) << c->output();
  EXPECT_EQ(occurrences(b->output(), "|orders.new|first"), 1u) << b->output();
  EXPECT_EQ(occurrences(c->output(), "|orders.new|first"), 1u) << c->output();
  EXPECT_EQ(occurrences(b->output(), "orders.eu.new"), 0u);
  EXPECT_EQ(occurrences(c->output(), "|orders.eu.new|second"), 1u);
  EXPECT_EQ(inbox.wait_for("msg|2|a/relay|orders.new|first"), "msg|2|a/relay|orders.new|first");

  // Publications from another host reach the subscriber here, from their sender.
  ASSERT_TRUE(a->send("a/relay", bytes("send b/relay pub orders.new from-b")));
  EXPECT_EQ(inbox.wait_for("msg|2|b/relay|orders.new|from-b"), "msg|2|b/relay|orders.new|from-b");
}

TEST_F(LatticeTest, AHostKilledMidLoadAnswersEveryWaitingRequestOnce) {
  auto b = run_host("b", component("b/flaky", "flaky", ""));
  auto c = run_host("c", component("c/echo", "echo", ""));
  Inbox inbox;
  auto a = make_host("a", inbox);
  ASSERT_TRUE(a && sees_hosts(*a, 2));
  ASSERT_TRUE(a->spawn(guest_spec("a/burster", "burster")));

  // b's component is kept busy, so that what follows waits on b.
  constexpr auto kTimeout = 30s;  // far beyond the detection bound
  std::vector<std::future<host::Reply>> slow;
  for (int i = 0; i < 20; ++i) {
    auto f = a->request("b/flaky", bytes("spin 50"), kTimeout);
    ASSERT_TRUE(f);
    slow.push_back(std::move(*f));
  }
  // A component's 200 requests, each with its own callback, counted by status.
  ASSERT_TRUE(a->send("a/burster", bytes("burst b/flaky 200 30000")));
  ASSERT_EQ(slow[0].wait_for(10s), std::future_status::ready);  // b is working

  b->signal(SIGKILL);
  auto killed = std::chrono::steady_clock::now();
  for (auto& f : slow) ASSERT_EQ(f.wait_for(kTimeout), std::future_status::ready);
  auto answered = std::chrono::steady_clock::now() - killed;
  // Noticed within the host timeout plus an interval (and some scheduling slack).
  EXPECT_LT(answered, kHostTimeout + kHeartbeat + 2s);
  std::size_t unknown = 0;
  for (auto& f : slow) {
    auto reply = f.get();
    EXPECT_TRUE(reply.status == abi::kStatusTargetError ||
                reply.status == abi::kStatusUnknownTarget)
        << reply.status;
    unknown += reply.status == abi::kStatusUnknownTarget;
  }
  EXPECT_GT(unknown, 0u);
  // Every one of the component's requests got exactly one callback: their
  // counts add up to 200, and stay there.
  ASSERT_TRUE(eventually([&] {
    auto counts = ask_text(*a, "a/burster", "?");  // "<ok> <timeout> <other> <refused>"
    long ok = 0, timed_out = 0, other = 0, refused = 0;
    std::sscanf(counts.c_str(), "%ld %ld %ld %ld", &ok, &timed_out, &other, &refused);
    return ok + timed_out + other + refused == 200;
  }));
  EXPECT_EQ(a->outstanding_requests(), 0u);
  auto status = a->lattice_status();
  EXPECT_EQ(status->hosts_lost, 1u);
  EXPECT_GT(status->requests_failed_by_loss, 0u);
  ASSERT_EQ(status->peers.size(), 1u);
  EXPECT_EQ(status->peers[0].host, "c");
  // b's names are unknown now, and the rest of the lattice works on.
  EXPECT_FALSE(a->send("b/flaky", bytes("x")));
  EXPECT_EQ(ask(*a, "c/echo", "still here").status, abi::kStatusOk);
  std::this_thread::sleep_for(kHostTimeout);  // a second detection window: nothing more comes
  auto counts = ask_text(*a, "a/burster", "?");
  long ok = 0, timed_out = 0, other = 0, refused = 0;
  std::sscanf(counts.c_str(), "%ld %ld %ld %ld", &ok, &timed_out, &other, &refused);
  EXPECT_EQ(ok + timed_out + other + refused, 200) << counts;
  EXPECT_EQ(a->late_replies(), 0u);
}

// A template on several hosts: each name has one instance in the lattice,
// whichever host it is reached from; when a host leaves or joins, names move
// and stay reachable.
TEST_F(LatticeTest, VirtualComponentsLiveOnOneHostAndMoveWhenHostsComeAndGo) {
  actor::TemplateSpec visitor{.pattern = "user/*", .idle_timeout = 60s};
  visitor.component = guest_spec("", "visitor");
  visitor.component.config = {{"storage", "off"}};
  auto with_template = [&](const std::string& id, Inbox& inbox) {
    auto made = make_host(id, inbox);
    EXPECT_TRUE(made && made->add_template(visitor));
    return made;
  };
  auto activations = [](const host::Host& h) { return h.templates()[0].activations; };
  // "mem=<hits> ...": the hits of the one instance that answered.
  auto hits = [](host::Host& from, const std::string& name) {
    auto reply = ask(from, name, "?");
    EXPECT_EQ(reply.status, abi::kStatusOk) << name;
    return std::stoi(text(reply.payload).substr(4));
  };
  Inbox inbox_a, inbox_b, inbox_c;
  auto a = with_template("a", inbox_a);
  auto b = with_template("b", inbox_b);
  ASSERT_TRUE(a && b && sees_hosts(*a, 1) && sees_hosts(*b, 1));
  // Each knows the other's relay (announced once it was spawned).
  ASSERT_TRUE(knows_component(*a, "b/relay") && knows_component(*b, "a/relay"));
  ASSERT_TRUE(eventually([&] { return !a->lattice_status()->peers[0].templates.empty(); }));
  ASSERT_TRUE(eventually([&] { return !b->lattice_status()->peers[0].templates.empty(); }));

  constexpr int kNames = 200;
  auto name = [](int i) { return "user/" + std::to_string(i); };
  for (int i = 0; i < kNames; ++i) ASSERT_TRUE(a->send(name(i), bytes("hit")));
  for (int i = 0; i < kNames; ++i) ASSERT_TRUE(b->send(name(i), bytes("hit")));
  // Both hits reached the same instance, wherever it lives.
  for (int i = 0; i < kNames; ++i) EXPECT_EQ(hits(*a, name(i)), 2) << name(i);
  EXPECT_EQ(activations(*a) + activations(*b), static_cast<std::uint64_t>(kNames));
  EXPECT_GT(activations(*a), 0u);
  EXPECT_GT(activations(*b), 0u);
  auto on_b = activations(*b);

  // b leaves: its names activate on a (afresh: state stays with the host
  // that had it), a's own keep theirs.
  b.reset();
  ASSERT_TRUE(sees_hosts(*a, 0));
  int fresh = 0;
  for (int i = 0; i < kNames; ++i) {
    int h = hits(*a, name(i));  // a request is no hit: 0 for a fresh instance
    EXPECT_TRUE(h == 0 || h == 2) << name(i) << ": " << h;
    fresh += h == 0;
  }
  EXPECT_EQ(fresh, static_cast<int>(on_b));
  EXPECT_EQ(activations(*a), static_cast<std::uint64_t>(kNames));

  // c joins: the names it wins leave a (idle there, they are deactivated)
  // and one instance answers each, from either host.
  auto c = with_template("c", inbox_c);
  ASSERT_TRUE(c && sees_hosts(*a, 1));
  ASSERT_TRUE(eventually([&] { return !a->lattice_status()->peers[0].templates.empty(); }));
  ASSERT_TRUE(eventually([&] { return a->templates()[0].active <= kNames - on_b / 2; }));
  for (int i = 0; i < kNames; ++i) {
    int before = hits(*a, name(i));
    EXPECT_EQ(hits(*c, name(i)), before) << name(i);
  }
  EXPECT_GT(activations(*c), 0u);
}

// What other hosts (or anything that can publish on the lattice's subjects)
// send is checked again here: garbage is counted, not acted on; a payload
// too large for NATS is refused to its sender.
TEST_F(LatticeTest, BadFramesAreCountedAndOversizedPayloadsRefused) {
  Inbox inbox_a, inbox_b;
  auto a = make_host("a", inbox_a);
  auto b = make_host("b", inbox_b);
  ASSERT_TRUE(a && b && sees_hosts(*a, 1));
  ASSERT_TRUE(b->spawn(guest_spec("b/echo", "echo")));
  ASSERT_TRUE(eventually([&] { return a->lattice_status()->peers[0].components.size() == 2; }));

  natsConnection* raw = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&raw, url_.c_str()), NATS_OK);
  std::string host_subject = "wasmhive." + lattice_ + ".host.b";
  for (const char* junk : {"", "\x01", "\xff\xff\xff\xff garbage", "\x05\x00\x00\x00\x01\x01"})
    natsConnection_PublishString(raw, host_subject.c_str(), junk);
  natsConnection_PublishString(raw, ("wasmhive." + lattice_ + ".heartbeat").c_str(), "not one");
  // A well-formed request whose origin is no host id: answering it would
  // mean a subject NATS refuses (and a closed connection).
  std::string long_origin(5000, 'x');
  std::vector<std::uint8_t> forged;
  lattice::append({.type = lattice::FrameType::request,
                   .seq = 1,
                   .correlation = 1,
                   .timeout_ms = 1000,
                   .origin = long_origin,
                   .sender = "x/y",
                   .target = "b/echo"},
                  forged);
  natsConnection_Publish(raw, host_subject.c_str(), forged.data(), static_cast<int>(forged.size()));
  natsConnection_Flush(raw);
  natsConnection_Destroy(raw);
  ASSERT_TRUE(eventually([&] { return b->lattice_status()->malformed_frames >= 5; }));
  // b works on, still connected.
  EXPECT_EQ(ask(*a, "b/echo", "still").status, abi::kStatusOk);
  EXPECT_TRUE(b->lattice_status()->connected);
  EXPECT_EQ(b->lattice_status()->disconnections, 0u);

  // A payload this host takes but the receiving host does not: a dead letter there.
  Inbox inbox_small;
  host::HostConfig small{.workers = 1, .max_payload = 1024};
  small.on_message = inbox_small.sink();
  small.lattice = config("small");
  auto c = host::Host::create(small);
  ASSERT_TRUE(c);
  ASSERT_TRUE((*c)->spawn(guest_spec("small/echo", "echo")));
  ASSERT_TRUE(eventually([&] {
    auto status = a->lattice_status();
    for (const auto& peer : status->peers)
      if (peer.host == "small" && !peer.components.empty()) return true;
    return false;
  }));
  std::vector<std::uint8_t> four_kib(4096, 'x');
  ASSERT_TRUE(a->send("small/echo", four_kib));
  ASSERT_TRUE(eventually([&] { return (*c)->dead_letters().count() == 1; }));
  EXPECT_NE((*c)->dead_letters().counts()[0].reason.find("max_payload"), std::string::npos);

  std::vector<std::uint8_t> huge(1 << 20, 'x');  // the router's cap, past NATS's with a header
  auto sent = a->send("b/echo", huge);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, Errc::limit_exceeded);
  // A second host under a taken id does not join.
  Inbox inbox_twin;
  host::HostConfig twin{.workers = 1};
  twin.on_message = inbox_twin.sink();
  twin.lattice = config("b");
  auto refused = host::Host::create(twin);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::already_exists);

  auto published = a->publish("orders.huge", huge);
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().code, Errc::limit_exceeded);
  EXPECT_EQ(ask(*a, "b/echo", "after").status, abi::kStatusOk);
}

// Credentials from the manifest or the environment; never in the log.
TEST_F(LatticeTest, CredentialsAreCheckedAndNeverLogged) {
  NatsServer guarded({"--user", "hive", "--pass", "s3cret-pw"});
  Inbox inbox;
  host::HostConfig config{.workers = 1};
  config.on_message = inbox.sink();
  config.lattice = LatticeConfig{.url = guarded.url(), .name = lattice_, .host_id = "a"};
  auto refused = host::Host::create(config);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::unavailable);
  config.lattice->user = "hive";
  config.lattice->password = "wrong";
  refused = host::Host::create(config);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("cannot connect"), std::string::npos);
  config.lattice->password = "s3cret-pw";
  auto a = host::Host::create(config);
  ASSERT_TRUE(a) << a.error().describe();
  ASSERT_TRUE((*a)->spawn(guest_spec("a/echo", "echo")));

  auto manifest = dir_.path() / "b.toml";
  std::ofstream(manifest) << "[lattice]\nuser = \"hive\"\n" << component("b/relay", "relay", "");
  setenv("WASMHIVE_LATTICE_PASSWORD", "s3cret-pw", 1);
  Cli b({"run", manifest.string(), "--in-memory", "--log-level", "debug", "--lattice",
         "nats://hive:s3cret-pw@127.0.0.1:" + std::to_string(guarded.port()), "--lattice-name",
         lattice_, "--host-id", "b", "--request", "a/echo=through"});
  unsetenv("WASMHIVE_LATTICE_PASSWORD");
  ASSERT_TRUE(b.read_until("reply <- a/echo (ok): through")) << b.output();
  b.signal(SIGTERM);
  EXPECT_EQ(b.wait(), 0);
  EXPECT_EQ(b.output().find("s3cret-pw"), std::string::npos) << b.output();
  EXPECT_NE(b.output().find("nats://***@127.0.0.1"), std::string::npos) << b.output();
}

TEST_F(LatticeOwnServerTest, NatsRestartedMidLoadLosesNothingUnreported) {
  Inbox inbox_a, inbox_b;
  // A host timeout longer than the outage: hosts ride it out and keep their streams.
  auto a = make_host("a", inbox_a, 10s);
  auto b = make_host("b", inbox_b, 10s);
  ASSERT_TRUE(a && b && sees_hosts(*a, 1) && sees_hosts(*b, 1));
  // Each knows the other's relay (announced once it was spawned).
  ASSERT_TRUE(knows_component(*a, "b/relay") && knows_component(*b, "a/relay"));
  ASSERT_TRUE(b->spawn(guest_spec("b/recorder", "recorder")));
  ASSERT_TRUE(b->spawn(guest_spec("b/echo", "echo")));
  ASSERT_TRUE(eventually([&] { return a->lattice_status()->peers[0].components.size() == 3; }));

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> accepted{0};
  // Paced (100 per millisecond) within what b's component handles, so that
  // its mailbox does not overflow: a full one would be dead letters, counted
  // too, but not what this test is about.
  std::thread sender([&] {
    while (!stop) {
      for (int i = 0; i < 100; ++i)
        if (a->send("b/recorder", bytes("tick"))) ++accepted;
      std::this_thread::sleep_for(1ms);
    }
  });
  std::vector<std::future<host::Reply>> during;
  auto request = [&] {
    auto f = a->request("b/echo", bytes("?"), 5s);
    if (f) during.push_back(std::move(*f));
  };
  ASSERT_TRUE(eventually([&] { return accepted > 2000; }));
  request();
  own_->kill();
  request();
  ASSERT_TRUE(eventually([&] { return a->lattice_status()->disconnections > 0; }));
  request();
  own_->start();
  ASSERT_TRUE(eventually([&] {
    return a->lattice_status()->reconnections > 0 && b->lattice_status()->reconnections > 0;
  }));
  request();
  auto resumed = accepted.load();
  ASSERT_TRUE(eventually([&] { return accepted > resumed + 20000; }, 60s));
  stop = true;
  sender.join();

  // No hang: each request in the outage got its one answer, a reply or a
  // timeout (its frame, or its reply's, was lost).
  for (auto& f : during) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    auto status = f.get().status;
    EXPECT_TRUE(status == abi::kStatusOk || status == abi::kStatusTimeout) << status;
  }
  // A last request comes after every send: when it is answered, each send
  // was handled, refused by a full mailbox (a dead letter), or is counted as
  // lost by the host that should have got it. The lost count may also hold
  // a few of the requests, which travel in the same stream.
  auto last = ask(*a, "b/recorder", "?", 30s);
  ASSERT_EQ(last.status, abi::kStatusOk);
  std::uint64_t handled = std::stoull(text(last.payload));  // "<count>|<sender>|<payload>"
  std::uint64_t refused = 0;
  for (const auto& c : b->dead_letters().counts())
    if (c.target == "b/recorder") refused += c.count;
  std::uint64_t lost = b->lattice_status()->lost_in_transit;
  std::uint64_t unexplained = accepted.load() - handled - refused;
  EXPECT_LE(unexplained, lost) << "handled " << handled << ", refused " << refused;
  EXPECT_GE(unexplained + during.size() + 1, lost) << "handled " << handled;
  EXPECT_EQ(a->lattice_status()->hosts_lost, 0u);
}

}  // namespace
}  // namespace wasmhive::testing
