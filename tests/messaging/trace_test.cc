// Traced message chains end to end: real wasm guests on a Host, the host's
// JSON log read back from its file (HostConfig::log_file) at level trace,
// where every message a component begins to handle has a line. Each test
// follows one chain and checks that its messages share the trace and that
// each one's cause is the message whose handling emitted it.
#include "util/trace.h"

#include <gtest/gtest.h>

#include <set>

#include "host/host.h"
#include "support/host_helpers.h"
#include "support/json_log.h"
#include "support/temp_dir.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::eventually;
using testing::guest_spec;
using testing::LogLine;
using testing::to_bytes;

// ---- the generator, alone ----

TEST(TraceIds, NeverZeroNeverRepeatedAndSeedsDiffer) {
  TraceIds ids(42), other(43);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t id = ids.next();
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(seen.insert(id).second) << "repeated after " << i;
  }
  std::size_t shared = 0;
  for (int i = 0; i < 100000; ++i) shared += seen.count(other.next());
  EXPECT_EQ(shared, 0u);
}

TEST(TraceIds, BlocksDrawFromTheSameSequenceWithoutRepeats) {
  TraceIds ids(42);
  TraceIds::Block one, two;
  std::set<std::uint64_t> seen;
  for (std::uint64_t i = 0; i < 3 * TraceIds::Block::kBlock + 5; ++i)
    for (std::uint64_t id : {one.next(ids), two.next(ids), ids.next()}) {
      ASSERT_NE(id, 0u);
      ASSERT_TRUE(seen.insert(id).second) << "repeated after " << i;
    }
}

TEST(TraceIds, StampStartsAChainOrContinuesOneAndKeepsWhatCameWhole) {
  TraceIds ids(7);
  Trace first = ids.stamp({});
  EXPECT_NE(first.message_id, 0u);
  EXPECT_EQ(first.trace_id, first.message_id);  // a chain's id is its first message's
  EXPECT_EQ(first.cause_id, 0u);
  Trace next = ids.stamp(caused_by(first));
  EXPECT_EQ(next.trace_id, first.trace_id);
  EXPECT_EQ(next.cause_id, first.message_id);
  EXPECT_NE(next.message_id, first.message_id);
  Trace joined = ids.stamp({.trace_id = 99, .cause_id = 5});
  EXPECT_EQ(joined.trace_id, 99u);
  EXPECT_EQ(joined.cause_id, 5u);
  Trace whole{.trace_id = 1, .message_id = 2, .cause_id = 3};
  EXPECT_EQ(ids.stamp(whole), whole);  // from another host: as it came
  EXPECT_EQ(ids.stamp({.message_id = 2}), (Trace{2, 2, 0}));
  EXPECT_FALSE(caused_by({}).traced());  // no message handled: a new chain
}

TEST(TraceIds, HexIdsRoundTrip) {
  EXPECT_EQ(hex_id(0x00ab00cd00ef0012ULL), "00ab00cd00ef0012");
  EXPECT_EQ(parse_hex_id("00AB00cd00ef0012"), 0x00ab00cd00ef0012ULL);
  EXPECT_FALSE(parse_hex_id("00ab00cd00ef001"));
  EXPECT_FALSE(parse_hex_id("00ab00cd00ef001g"));
}

// ---- chains through a host ----

class Tracing : public ::testing::Test {
 protected:
  void start(const std::string& format = "json") {
    host::HostConfig config{.workers = 2, .root = {.name = "root", .backoff_initial = 10ms}};
    config.log_level = "trace";
    config.log_format = format;
    config.log_file = log_path;
    config.on_message = inbox.sink();
    config.on_event = events.sink();
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(const std::string& name, const std::string& guest) {
    auto spawned = host->spawn(guest_spec(name, guest));
    ASSERT_TRUE(spawned) << spawned.error().describe();
  }
  void send(const std::string& target, const std::string& text, host::TraceParent trace = {}) {
    auto sent = host->send(target, to_bytes(text), {.trace = trace});
    ASSERT_TRUE(sent) << sent.error().describe();
  }
  // The first line of chain `trace_id` (any, when 0) whose message contains
  // `text`, once the log has it.
  LogLine line(const std::string& text, std::uint64_t trace_id = 0) {
    std::optional<LogLine> found;
    bool seen = eventually([&] {
      for (auto& each : testing::read_log(log_path))
        if (each.msg.find(text) != std::string::npos &&
            (trace_id == 0 || (each.trace && each.trace->trace_id == trace_id))) {
          found = std::move(each);
          return true;
        }
      return false;
    });
    EXPECT_TRUE(seen) << "no log line with: " << text;
    if (!found) return {};
    EXPECT_TRUE(found->trace) << "untraced: " << found->raw;
    return *found;
  }
  testing::Inbox::Arrival arrival(const std::string& prefix, const std::string& sender = {}) {
    auto got = inbox.arrival(prefix, sender);
    EXPECT_TRUE(got) << "nothing from '" << sender << "' starting with " << prefix;
    return got.value_or(testing::Inbox::Arrival{});
  }
  static Trace trace_of(const LogLine& line) { return line.trace.value_or(Trace{}); }

  testing::TempDir temp{"wasmhive-trace"};
  const std::filesystem::path log_path = temp.path() / "host.log";
  testing::Inbox inbox;
  testing::EventLog events;
  std::unique_ptr<host::Host> host;
};

TEST_F(Tracing, ASendChainKeepsItsTraceAndEachCauseIsTheMessageBefore) {
  start();
  for (const char* name : {"app/a", "app/b", "app/c"}) spawn(name, "relay");
  // The application names the chain and its own cause.
  std::uint64_t trace = host->new_trace_id();
  send("app/a", "send app/b send app/c send @host done", {.trace_id = trace, .cause_id = 77});
  auto done = arrival("done", "app/c");
  Trace at_a = trace_of(line("[app/a] handles send from @host", trace));
  Trace at_b = trace_of(line("[app/b] handles send from app/a", trace));
  Trace at_c = trace_of(line("[app/c] handles send from app/b", trace));
  EXPECT_EQ(at_a.cause_id, 77u);
  EXPECT_EQ(at_b.cause_id, at_a.message_id);
  EXPECT_EQ(at_c.cause_id, at_b.message_id);
  EXPECT_EQ(done.trace.trace_id, trace);
  EXPECT_EQ(done.trace.cause_id, at_c.message_id);
  std::set<std::uint64_t> ids{at_a.message_id, at_b.message_id, at_c.message_id,
                              done.trace.message_id};
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids.count(0), 0u);

  // Without a trace given, the host's message starts one: its id is the chain's.
  send("app/a", "send @host alone");
  auto alone = arrival("alone", "app/a");
  Trace first = trace_of(line("[app/a] handles send from @host", alone.trace.trace_id));
  EXPECT_EQ(first.trace_id, first.message_id);
  EXPECT_EQ(first.cause_id, 0u);
  EXPECT_EQ(alone.trace.cause_id, first.message_id);
  EXPECT_NE(alone.trace.trace_id, trace);
}

TEST_F(Tracing, RequestReplyAndCallbackAndATimeoutFollowTheRequest) {
  start();
  spawn("app/a", "relay");
  spawn("app/echo", "echo");
  spawn("app/slow", "flaky");
  std::uint64_t trace = host->new_trace_id();
  auto asked = host->request("app/a", to_bytes("req app/echo 5000 ping"), 10s,
                             {.trace = {.trace_id = trace}});
  ASSERT_TRUE(asked);
  host::Reply reply = asked->get();
  ASSERT_EQ(reply.status, abi::kStatusOk);
  std::string id(reply.payload.begin(), reply.payload.end());
  // The host's reply names the request it answers.
  EXPECT_EQ(reply.trace.trace_id, trace);
  auto callback = arrival("cb|" + id + "|0|ping");
  Trace at_a = trace_of(line("[app/a] handles request from @host", trace));
  Trace at_echo = trace_of(line("[app/echo] handles request from app/a", trace));
  Trace answered = trace_of(line("[app/a] handles callback (ok) from app/echo", trace));
  EXPECT_EQ(reply.trace, at_a);
  EXPECT_EQ(at_echo.cause_id, at_a.message_id);
  EXPECT_EQ(answered.cause_id, at_echo.message_id);  // a callback's cause is its request
  EXPECT_EQ(callback.trace.trace_id, trace);
  EXPECT_EQ(callback.trace.cause_id, answered.message_id);

  // A timeout's callback is the request's answer too.
  std::uint64_t late = host->new_trace_id();
  send("app/a", "req app/slow 50 spin 300", {.trace_id = late});
  Trace asked_slow = trace_of(line("[app/slow] handles request from app/a", late));
  Trace timed_out = trace_of(line("[app/a] handles callback (timeout) from app/slow", late));
  EXPECT_EQ(timed_out.cause_id, asked_slow.message_id);
}

TEST_F(Tracing, APublicationsCopiesShareItsIdAndCarryItsTrace) {
  start();
  for (const char* name : {"app/a", "app/s1", "app/s2"}) spawn(name, "relay");
  EXPECT_EQ(ask_text(*host, "app/s1", "sub news.*"), "0");
  EXPECT_EQ(ask_text(*host, "app/s2", "sub news.*"), "0");
  std::uint64_t trace = host->new_trace_id();
  auto published = host->publish("news.today", to_bytes("extra"), {.trace_id = trace});
  ASSERT_TRUE(published);
  EXPECT_EQ(*published, 2u);
  Trace at_s1 = trace_of(line("[app/s1] handles publish on news.today from @host", trace));
  Trace at_s2 = trace_of(line("[app/s2] handles publish on news.today from @host", trace));
  EXPECT_EQ(at_s1, at_s2);  // one message, delivered twice
  EXPECT_EQ(arrival("msg|2|@host|news.today|extra", "app/s1").trace.cause_id, at_s1.message_id);
  EXPECT_EQ(arrival("msg|2|@host|news.today|extra", "app/s2").trace.cause_id, at_s2.message_id);

  // A component's publication is caused by what it handles.
  std::uint64_t second = host->new_trace_id();
  send("app/a", "pub news.late hi", {.trace_id = second});
  Trace at_a = trace_of(line("[app/a] handles send from @host", second));
  Trace copy1 = trace_of(line("[app/s1] handles publish on news.late from app/a", second));
  Trace copy2 = trace_of(line("[app/s2] handles publish on news.late from app/a", second));
  EXPECT_EQ(copy1.cause_id, at_a.message_id);
  EXPECT_EQ(copy1, copy2);
}

TEST_F(Tracing, ABroadcastsCopiesShareItsIdAndCarryItsTrace) {
  start();
  for (const char* name : {"app/a", "app/r1", "app/r2"}) spawn(name, "relay");
  std::uint64_t trace = host->new_trace_id();
  send("app/a", "bcast app/r1,app/r2 hi", {.trace_id = trace});
  Trace at_a = trace_of(line("[app/a] handles send from @host", trace));
  Trace at_r1 = trace_of(line("[app/r1] handles send from app/a", trace));
  Trace at_r2 = trace_of(line("[app/r2] handles send from app/a", trace));
  EXPECT_EQ(at_r1.cause_id, at_a.message_id);
  EXPECT_EQ(at_r1, at_r2);
  EXPECT_EQ(arrival("msg|0|app/a||hi", "app/r2").trace.cause_id, at_r2.message_id);

  // The host's own broadcast starts a chain of its own.
  std::vector<std::string> names{"app/r1", "app/r2"};
  auto sent = host->broadcast(names, to_bytes("from-host"));
  ASSERT_TRUE(sent);
  auto one = arrival("msg|0|@host||from-host", "app/r1");
  auto two = arrival("msg|0|@host||from-host", "app/r2");
  EXPECT_TRUE(one.trace.traced());
  EXPECT_EQ(one.trace.trace_id, two.trace.trace_id);
}

TEST_F(Tracing, DeadLettersAndFailuresCarryTheTraceOfTheirMessage) {
  start();
  spawn("app/a", "relay");
  auto latest = [&] { return host->dead_letters().recent().back(); };

  // Sent by import to no one: the letter is the message the relay made.
  std::uint64_t trace = host->new_trace_id();
  send("app/a", "send app/missing x", {.trace_id = trace});
  Trace at_a = trace_of(line("[app/a] handles send from @host", trace));
  Trace logged = trace_of(line("dead letter app/a -> app/missing: unknown target", trace));
  EXPECT_EQ(logged.cause_id, at_a.message_id);
  EXPECT_NE(logged.message_id, at_a.message_id);
  ASSERT_TRUE(eventually([&] { return host->dead_letters().count() == 1; }));
  EXPECT_EQ(latest().trace, logged);
  EXPECT_EQ(host->dead_letters().counts()[0].latest, logged);

  // Queued in the outbox: the same.
  std::uint64_t queued = host->new_trace_id();
  send("app/a", "queue app/gone y", {.trace_id = queued});
  Trace queued_at = trace_of(line("[app/a] handles send from @host", queued));
  ASSERT_TRUE(eventually([&] { return host->dead_letters().count() == 2; }));
  EXPECT_EQ(latest().target, "app/gone");
  EXPECT_EQ(latest().trace.trace_id, queued);
  EXPECT_EQ(latest().trace.cause_id, queued_at.message_id);

  // The host application's own, refused at once.
  std::uint64_t direct = host->new_trace_id();
  EXPECT_FALSE(host->send("app/nobody", to_bytes("z"), {.trace = {direct, 5}}));
  EXPECT_EQ(latest().trace.trace_id, direct);
  EXPECT_EQ(latest().trace.cause_id, 5u);

  // A trap: the failure's event, its log line and the dead message all name it.
  std::uint64_t trapped = host->new_trace_id();
  send("app/a", "trap", {.trace_id = trapped});
  ASSERT_TRUE(events.wait_for(actor::Event::Kind::failed, "app/a"));
  Trace handled = trace_of(line("[app/a] handles send from @host", trapped));
  Trace failed = trace_of(line("failed app/a: trap_unreachable", trapped));
  EXPECT_EQ(failed, handled);
  for (const auto& event : events.all()) {
    if (event.kind == actor::Event::Kind::failed) {
      EXPECT_EQ(event.trace, handled);
    }
  }
  ASSERT_TRUE(eventually([&] { return host->dead_letters().count() == 4; }));
  EXPECT_EQ(latest().trace, handled);
  EXPECT_NE(latest().reason.find("handler failed"), std::string::npos);
}

// A queued send the gate refuses: its denial and its dead letter name one
// message, and a repeated dead letter, counted only at info, has a line of its
// own at trace level.
TEST_F(Tracing, ARefusedQueuedSendIsOneMessageInEveryLine) {
  start();
  auto spec = guest_spec("app/limited", "relay");
  spec.capabilities.send = {"@host"};
  ASSERT_TRUE(host->spawn(std::move(spec)));
  std::uint64_t trace = host->new_trace_id();
  send("app/limited", "queue app/secret hi", {.trace_id = trace});
  Trace denied = trace_of(line("denied: app/limited may not send app/secret", trace));
  Trace letter =
      trace_of(line("dead letter app/limited -> app/secret: outbox send: denied", trace));
  EXPECT_EQ(letter, denied);
  std::uint64_t again = host->new_trace_id();
  send("app/limited", "queue app/secret hi", {.trace_id = again});
  Trace second = trace_of(line("dead letter app/limited -> app/secret", again));
  EXPECT_NE(second.message_id, letter.message_id);
  ASSERT_TRUE(eventually([&] { return host->dead_letters().count() == 2; }));
  EXPECT_EQ(host->dead_letters().recent().back().trace, second);
}

TEST_F(Tracing, ATimersMessageIsCausedByTheMessageThatSetIt) {
  start();
  spawn("app/l", "ledger");
  std::uint64_t trace = host->new_trace_id();
  auto asked =
      host->request("app/l", to_bytes("timer 10 tick"), 10s, {.trace = {.trace_id = trace}});
  ASSERT_TRUE(asked);
  host::Reply reply = asked->get();
  ASSERT_EQ(reply.status, abi::kStatusOk);
  auto told = arrival("timer tick", "app/l");
  Trace fired = trace_of(line("[app/l] handles timer from app/l", trace));
  EXPECT_EQ(fired.cause_id, reply.trace.message_id);
  EXPECT_EQ(told.trace.cause_id, fired.message_id);
}

TEST_F(Tracing, AGuestCannotForgeTheTraceFieldsOfItsLine) {
  start();
  spawn("app/a", "relay");
  std::uint64_t trace = host->new_trace_id();
  send("app/a", R"(log 2 ","trace_id":"0000000000000001","message_id":"x)", {.trace_id = trace});
  LogLine logged = line("[app/a] ", trace);
  ASSERT_TRUE(logged.trace);
  EXPECT_EQ(logged.trace->trace_id, trace);
  // The guest's quotes are escaped inside "msg": the line has one field of each.
  std::size_t fields = 0;
  for (auto at = logged.raw.find(R"("trace_id":")"); at != std::string::npos;
       at = logged.raw.find(R"("trace_id":")", at + 1))
    ++fields;
  EXPECT_EQ(fields, 1u) << logged.raw;
}

TEST(HostLogFile, OneThatCannotBeOpenedIsRefused) {
  host::HostConfig config;
  config.log_file = "/nonexistent-wasmhive-dir/host.log";
  auto made = host::Host::create(std::move(config));
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::invalid_argument);
  EXPECT_NE(made.error().message.find("cannot open log file"), std::string::npos);
}

TEST_F(Tracing, TextLinesAboutAMessageEndWithItsTrace) {
  start("text");
  spawn("app/a", "relay");
  std::uint64_t trace = host->new_trace_id();
  send("app/a", "log 2 hello", {.trace_id = trace});
  std::string suffix = "[app/a] hello trace=" + hex_id(trace);
  EXPECT_TRUE(eventually([&] {
    std::ifstream in(log_path);
    for (std::string text; std::getline(in, text);)
      if (text.ends_with(suffix)) return true;
    return false;
  })) << suffix;
}

}  // namespace
}  // namespace wasmhive
