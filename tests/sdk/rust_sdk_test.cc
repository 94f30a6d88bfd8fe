// The Rust guest SDK (sdk/rust) end to end: its two examples and a probe of
// the rest of its API (tests/guests/rust/probe.rs), built with rustc and run
// in a real Host, through the ABI bindings alone, and by the wasmhive command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "abi/host_bindings.h"
#include "abi/loader.h"
#include "abi/outbox.h"
#include "host/host.h"
#include "support/cli_process.h"
#include "support/engine_fixture.h"
#include "support/guests.h"
#include "support/host_helpers.h"
#include "support/temp_dir.h"
#include "util/clock.h"
#include "util/file.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::ask;
using testing::ask_stepped;
using testing::ask_text;
using testing::ask_text_stepped;
using testing::to_bytes;
using Kind = actor::Event::Kind;

// The examples' modules and manifest (sdk/rust/CMakeLists.txt).
std::string example(const std::string& name) {
  return std::string(RUST_EXAMPLES_DIR) + "/" + name;
}

actor::ComponentSpec example_spec(const std::string& name, const std::string& module) {
  actor::ComponentSpec spec;
  spec.name = name;
  spec.wasm = example(module + ".wasm");
  return spec;
}

actor::ComponentSpec counter_spec() {
  auto spec = example_spec("rust/counter", "counter");
  spec.capabilities.storage = security::StorageAccess::read_write;
  spec.capabilities.log = abi::kInfo;
  return spec;
}

std::string text(const host::Reply& reply) {
  return {reply.payload.begin(), reply.payload.end()};
}

bool failed_with(const testing::EventLog& events, const std::string& name,
                 const std::string& detail) {
  for (const auto& event : events.all())
    if (event.kind == Kind::failed && event.subject == name &&
        event.detail.find(detail) != std::string::npos)
      return true;
  return false;
}

// A host for the examples: real workers, real time.
class RustExamples : public ::testing::Test {
 protected:
  void start(fs::path data_file = {}) {
    host::HostConfig config{.workers = 2,
                            .root = {.name = "root", .max_restarts = 10, .backoff_initial = 1ms}};
    config.on_message = inbox.sink();
    config.on_event = events.sink();
    config.data_file = std::move(data_file);
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }

  testing::Inbox inbox;
  testing::EventLog events;
  std::unique_ptr<host::Host> host;
};

TEST_F(RustExamples, EchoAnswersARequestWithTheSameBytes) {
  start();
  auto echo = example_spec("rust/echo", "echo");
  echo.capabilities.send = {"@host"};
  spawn(std::move(echo));
  const char raw[] = "\x00\x01\xff\r\n payload \x7f";  // a NUL first, and bytes not UTF-8
  std::string binary(raw, sizeof raw - 1);
  auto reply = ask(*host, "rust/echo", binary);
  ASSERT_EQ(reply.status, abi::kStatusOk);
  EXPECT_EQ(text(reply), binary);
  EXPECT_EQ(ask_text(*host, "rust/echo", ""), "");
  std::string big(65536, 'z');  // the SDK's MAX_PAYLOAD, in the inbox
  EXPECT_EQ(ask_text(*host, "rust/echo", big), big);
  // Too big for the inbox, and over MAX_PAYLOAD to pull: refused, not cut.
  EXPECT_EQ(ask(*host, "rust/echo", std::string(70000, 'y')).status, abi::kStatusTargetError);
  EXPECT_EQ(host->status("rust/echo")->restarts, 0u);  // an error, not a failure
  // A send goes back to its sender.
  ASSERT_TRUE(host->send("rust/echo", to_bytes("ping back")).ok());
  EXPECT_TRUE(inbox.wait_for("ping back"));
}

TEST_F(RustExamples, CounterKeepsItsCountAcrossMessagesCrashesRestartsAndTheHost) {
  testing::TempDir dir;
  start(dir.path() / "app.db");
  spawn(counter_spec());
  EXPECT_EQ(ask_text(*host, "rust/counter", "get"), "0");
  EXPECT_EQ(ask_text(*host, "rust/counter", "add 2"), "2");
  ASSERT_TRUE(host->send("rust/counter", to_bytes("add")).ok());  // a send: no answer
  EXPECT_EQ(ask_text(*host, "rust/counter", "add 10"), "13");
  EXPECT_EQ(ask_text(*host, "rust/counter", "add -3"), "10");
  // Refused commands change nothing and do not restart it.
  EXPECT_EQ(ask(*host, "rust/counter", "add x").status, abi::kStatusTargetError);
  EXPECT_EQ(ask(*host, "rust/counter", "frobnicate").status, abi::kStatusTargetError);
  EXPECT_EQ(ask(*host, "rust/counter", "add 9223372036854775807").status, abi::kStatusTargetError);
  EXPECT_EQ(host->status("rust/counter")->restarts, 0u);
  EXPECT_EQ(ask_text(*host, "rust/counter", "get"), "10");

  // A panic traps; the restarted instance reads the count from storage.
  EXPECT_EQ(ask(*host, "rust/counter", "crash").status, abi::kStatusTargetError);
  ASSERT_TRUE(events.wait_for(Kind::restarted, "rust/counter"));
  EXPECT_TRUE(failed_with(events, "rust/counter", "unreachable"));
  EXPECT_EQ(ask_text(*host, "rust/counter", "get"), "10");

  // Another instance under the same name, then another host on the same file.
  ASSERT_TRUE(host->remove("rust/counter").ok());
  spawn(counter_spec());
  EXPECT_EQ(ask_text(*host, "rust/counter", "add 5"), "15");
  host.reset();
  start(dir.path() / "app.db");
  spawn(counter_spec());
  EXPECT_EQ(ask_text(*host, "rust/counter", "get"), "15");
  EXPECT_EQ(ask_text(*host, "rust/counter", "reset"), "0");
  EXPECT_EQ(ask_text(*host, "rust/counter", "get"), "0");
}

TEST_F(RustExamples, StoppingTheProbeRunsItsShutdownExport) {
  start();
  spawn(testing::guest_spec("tests/probe", "rust_probe"));
  ASSERT_TRUE(inbox.wait_for("init kind err state"));
  ASSERT_TRUE(host->stop("tests/probe").ok());
  EXPECT_TRUE(inbox.wait_for("shutdown"));
}

TEST_F(RustExamples, CounterWithoutTheStorageGrantFailsToStart) {
  start();
  auto spec = counter_spec();
  spec.capabilities.storage = security::StorageAccess::none;
  auto spawned = host->spawn(std::move(spec));
  ASSERT_FALSE(spawned.ok());
  EXPECT_NE(spawned.error().describe().find("init failed"), std::string::npos)
      << spawned.error().describe();
}

// The probe on a stepped host with a manual clock: every message, timeout and
// timer runs exactly when the test says.
class RustProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    host::HostConfig config{.workers = 2,
                            .clock = &clock,
                            .stepped = true,
                            .root = {.name = "root", .max_restarts = 10, .backoff_initial = 1ms}};
    config.on_message = inbox.sink();
    config.on_event = events.sink();
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  // Every grant (storage: read only, unless told; see guest_spec); config as
  // given; on worker 0.
  void spawn_probe(std::map<std::string, std::string, std::less<>> config = {},
                   security::StorageAccess storage = security::StorageAccess::read) {
    auto spec = testing::guest_spec("tests/probe", "rust_probe");
    spec.capabilities.storage = storage;
    spec.config = std::move(config);
    spec.worker = 0;
    spawn(std::move(spec));
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
    host->run_until_idle();
  }
  std::string run(const std::string& command, const std::string& target = "tests/probe") {
    return ask_text_stepped(*host, target, command);
  }

  testing::Inbox inbox;
  testing::EventLog events;
  ManualClock clock;  // declared before the host, so it outlives it
  std::unique_ptr<host::Host> host;
};

TEST_F(RustProbe, IdentityConfigurationPullsAndErrorCodes) {
  spawn_probe({{"greeting", "hello"}});
  EXPECT_EQ(inbox.count("init kind err state"), 1u);  // no message is current in init
  EXPECT_EQ(run("self"), "tests/probe err range");
  EXPECT_EQ(run("pull"), "same true err range");
  EXPECT_EQ(run("config greeting"), "hello err range");
  EXPECT_EQ(run("config missing"), "none false");
  EXPECT_EQ(run("error"),
            "invalid (-1) not_found (-3) range (-7) state (-8) io (-11) unknown (-12) ");
  EXPECT_EQ(run("clock"), "now>0 true ordered true");
  EXPECT_EQ(run("log info hello from rust"), "ok");
  EXPECT_EQ(run("log trace every level is granted"), "ok");
}

TEST_F(RustProbe, PublishAndSubscribe) {
  spawn_probe({{"subscribe", "news.*"}});  // subscribed in init
  auto published = host->publish("news.today", to_bytes("hi"));
  ASSERT_TRUE(published.ok()) << published.error().describe();
  EXPECT_EQ(*published, 1u);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("publication news.today from @host: hi"), 1u);
  // Its own publications reach it: queued in the outbox, then checked.
  EXPECT_EQ(run("publish news.rust queued"), "ok");
  host->run_until_idle();
  EXPECT_EQ(inbox.count("publication news.rust from tests/probe: queued"), 1u);
  EXPECT_EQ(run("publish-checked news.more checked"), "1");
  EXPECT_EQ(run("publish-checked weather.today x"), "0");
  host->run_until_idle();
  EXPECT_EQ(inbox.count("publication news.more from tests/probe: checked"), 1u);
  EXPECT_EQ(run("subscribe weather.>"), "ok");
  EXPECT_EQ(run("publish-checked weather.eu.today x"), "1");
  EXPECT_EQ(run("unsubscribe news.*"), "ok");
  EXPECT_EQ(run("unsubscribe news.*"), "err not_found");
  EXPECT_EQ(run("publish-checked news.later x"), "0");
  EXPECT_EQ(run("subscribe news..bad"), "err invalid");
  EXPECT_EQ(run("publish-checked news.* x"), "err invalid");
}

TEST_F(RustProbe, SendBroadcastAndRefusals) {
  spawn_probe();
  auto echo = example_spec("svc/echo", "echo");
  echo.capabilities.send = {"*"};
  echo.worker = 1;
  spawn(std::move(echo));
  EXPECT_EQ(run("send @host queued"), "ok");
  EXPECT_EQ(run("send-checked svc/echo bounced"), "ok");  // echo sends it back
  host->run_until_idle();
  EXPECT_EQ(inbox.count("message from svc/echo: bounced"), 1u);
  EXPECT_EQ(inbox.count("queued"), 1u);
  EXPECT_EQ(run("send-checked svc/nobody x"), "err not_found");
  EXPECT_EQ(run("send-checked bad\x01name x"), "err invalid");
  EXPECT_EQ(run("send-checked " + std::string(256, 'n') + " x"), "err too_big");
  EXPECT_EQ(run("broadcast svc/echo,@host,svc/nobody hello all"), "2");
  host->run_until_idle();
  EXPECT_EQ(inbox.count("hello all"), 1u);                         // to @host
  EXPECT_EQ(inbox.count("message from svc/echo: hello all"), 1u);  // via echo
  EXPECT_EQ(run("broadcast svc/echo,,x y"), "err invalid");
}

TEST_F(RustProbe, RequestsGetExactlyOneCallbackUnlessCancelled) {
  spawn_probe();
  auto echo = example_spec("svc/echo", "echo");
  echo.worker = 1;
  spawn(std::move(echo));
  std::string id = run("request svc/echo 1000 ping");
  ASSERT_GT(std::stoll(id), 0);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("callback " + id + " Ok from svc/echo: ping"), 1u);

  std::string unknown = run("request svc/nobody 1000 x");
  host->run_until_idle();
  EXPECT_EQ(inbox.count("callback " + unknown + " UnknownTarget from svc/nobody: "), 1u);

  // Worker 1 (the echo) gets no step until the clock has passed the timeout.
  std::string late = run("request svc/echo 50 late");
  clock.advance(50ms);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("callback " + late + " Timeout from svc/echo: "), 1u);
  EXPECT_EQ(host->late_replies(), 1u);

  // Cancelled before the echo's turn: its reply is dropped, no callback.
  std::string cancelled = run("request svc/echo 1000 never");
  EXPECT_EQ(run("cancel " + cancelled), "ok");
  EXPECT_EQ(run("cancel " + cancelled), "err not_found");
  host->run_until_idle();
  EXPECT_EQ(inbox.count("callback " + cancelled + " "), 0u);
  EXPECT_EQ(host->late_replies(), 2u);
  EXPECT_EQ(run("cancel 999999"), "err not_found");
  EXPECT_EQ(run("request svc/echo 0 zero-timeout"), "err invalid");
  // Its own request, which it fails ("fail" returns an Err).
  std::string failed = run("request tests/probe 1000 fail");
  host->run_until_idle();
  EXPECT_EQ(inbox.count("callback " + failed + " TargetError from tests/probe: "), 1u);
  EXPECT_EQ(inbox.count("callback "), 4u);
}

TEST_F(RustProbe, TimersFireOnceAtTheirTimeUnlessCancelled) {
  spawn_probe();
  std::string id = run("timer 100 tick");
  ASSERT_GT(std::stoll(id), 0);
  std::string never = run("timer 100 never");
  EXPECT_EQ(run("cancel-timer " + never), "ok");
  EXPECT_EQ(run("cancel-timer " + never), "err not_found");
  clock.advance(99ms);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer from tests/probe: "), 0u);
  clock.advance(1ms);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer from tests/probe: tick"), 1u);
  clock.advance(1h);
  host->run_until_idle();
  EXPECT_EQ(inbox.count("timer from tests/probe: "), 1u);
  EXPECT_EQ(run("cancel-timer " + id), "err not_found");  // fired
  EXPECT_EQ(run("timer 604800001 too-late"), "err invalid");
}

TEST_F(RustProbe, StorageListsExistsDeletesAndUsage) {
  spawn_probe({}, security::StorageAccess::read_write);
  for (const char* command : {"put user/a 1", "put user/bb 22", "put user/ccc 333", "put other x"})
    EXPECT_EQ(run(command), "ok") << command;
  // A 24-byte page holds a (4 + 6 bytes) and bb (4 + 7), then ccc (4 + 8).
  EXPECT_EQ(run("list user/"), "user/a,user/bb,user/ccc, pages 2");
  EXPECT_EQ(run("list nothing/"), " pages 0");
  EXPECT_EQ(run("exists user/bb"), "2");
  EXPECT_EQ(run("exists nope"), "none");
  EXPECT_EQ(run("delete user/bb"), "true");
  EXPECT_EQ(run("delete user/bb"), "false");
  EXPECT_EQ(run("get user/ccc"), "333");
  EXPECT_EQ(run("get user/bb"), "none");
  // user/a + 1, user/ccc + 333, other + x: 24 bytes in 3 keys.
  EXPECT_EQ(run("usage"), "24 3 1048576 10000 ");
  EXPECT_EQ(run("put " + std::string(513, 'k') + " v"), "err too_big");
}

TEST_F(RustProbe, WithoutGrantsEveryCallIsDenied) {
  auto spec = testing::guest_spec("tests/narrow", "rust_probe");
  spec.capabilities = {};
  spec.capabilities.send = {"@host"};  // to report; nothing else granted
  spawn(std::move(spec));
  EXPECT_EQ(inbox.count("init kind err state"), 1u);
  EXPECT_EQ(run("log error x", "tests/narrow"), "err denied");
  EXPECT_EQ(run("clock-denied", "tests/narrow"), "err denied");
  EXPECT_EQ(run("subscribe news.*", "tests/narrow"), "err denied");
  EXPECT_EQ(run("publish-checked news.x y", "tests/narrow"), "err denied");
  EXPECT_EQ(run("send-checked tests/narrow x", "tests/narrow"), "err denied");
  EXPECT_EQ(run("put k v", "tests/narrow"), "err denied");
  EXPECT_EQ(ask_stepped(*host, "tests/narrow", "exists k").status, abi::kStatusTargetError);
  // A request without the grant is made, and answered with status Denied.
  std::string id = run("request tests/narrow 1000 x", "tests/narrow");
  host->run_until_idle();
  EXPECT_EQ(inbox.count("callback " + id + " Denied from tests/narrow: "), 1u);
  EXPECT_GE(host->audit_denials(), 8u);
}

TEST_F(RustProbe, FailuresRepliesAndHealth) {
  auto spec = testing::guest_spec("tests/probe", "rust_probe");
  spec.health = {.interval = 100ms, .failures = 2};
  spawn(std::move(spec));
  // An Err is a handling error: no answer, no restart.
  EXPECT_EQ(ask_stepped(*host, "tests/probe", "fail").status, abi::kStatusTargetError);
  EXPECT_EQ(host->status("tests/probe")->restarts, 0u);
  // A second reply is refused; the first is the answer.
  auto reply = ask_stepped(*host, "tests/probe", "reply-twice");
  ASSERT_EQ(reply.status, abi::kStatusOk);
  EXPECT_EQ(text(reply), "first");
  EXPECT_EQ(inbox.count("second reply: err state"), 1u);
  // A panic traps and the supervisor restarts it: init runs again.
  EXPECT_EQ(ask_stepped(*host, "tests/probe", "panic").status, abi::kStatusTargetError);
  clock.advance(1ms);  // the restart's backoff
  host->run_until_idle();
  EXPECT_EQ(events.count(Kind::restarted, "tests/probe"), 1u);
  EXPECT_TRUE(failed_with(events, "tests/probe", "unreachable"));
  EXPECT_EQ(inbox.count("init kind err state"), 2u);
  // Healthy until told otherwise; then two unhealthy answers restart it.
  for (int i = 0; i < 3; ++i) {
    clock.advance(100ms);
    host->run_until_idle();
  }
  EXPECT_EQ(events.count(Kind::failed, "tests/probe"), 1u);
  EXPECT_EQ(run("unhealthy"), "ok");
  for (int i = 0; i < 2; ++i) {
    clock.advance(100ms);
    host->run_until_idle();
  }
  EXPECT_EQ(events.count(Kind::failed, "tests/probe"), 2u);
  EXPECT_TRUE(failed_with(events, "tests/probe", "unhealthy"));
  clock.advance(10ms);
  host->run_until_idle();
  EXPECT_EQ(events.count(Kind::restarted, "tests/probe"), 2u);
  EXPECT_EQ(inbox.count("init kind err state"), 3u);
}

// Without a host that reads the inbox and the outbox (an older v1 host, or
// these bindings driven by hand): each message is pulled by import and each
// send goes by import, until the host asks for the outbox.
using RustSdkBindings = testing::EngineTest;

TEST_F(RustSdkBindings, EchoPullsEachMessageAndSendsByImportUntilTheOutboxIsAsked) {
  testing::RecordingApi api("rust/echo");
  auto bytes = read_file(example("echo.wasm"));
  ASSERT_TRUE(bytes.ok()) << "the Rust echo example was not built";
  auto module = abi::load_module(*engine, *bytes);
  ASSERT_TRUE(module.ok()) << module.error().describe();
  auto made = engine->instantiate(*module, abi::host_functions(), api);
  ASSERT_TRUE(made.ok()) << made.error().describe();
  auto& instance = *made;
  auto deliver = [&](abi::MessageKind kind, const std::string& sender, const std::string& payload) {
    api.set_message(kind, sender, payload);
    std::int64_t args[] = {static_cast<std::int64_t>(sender.size()),
                           static_cast<std::int64_t>(payload.size())};
    auto result = instance->call("handle_message", args);
    api.clear_message();
    EXPECT_TRUE(result.ok()) << result.error().describe();
    return result ? *result : -100;
  };
  std::string binary("\x00\xfe pulled", 9);
  EXPECT_EQ(deliver(abi::kKindRequest, "app/client", binary), abi::kOk);
  EXPECT_EQ(deliver(abi::kKindSend, "app/other", "hi"), abi::kOk);
  ASSERT_EQ(api.calls.size(), 2u);
  EXPECT_EQ(api.calls[0].function, "reply");
  EXPECT_EQ(api.calls[0].payload, binary);
  EXPECT_EQ(api.calls[1].function, "send");
  EXPECT_EQ(api.calls[1].target, "app/other");
  // Pulled, a payload over MAX_PAYLOAD is refused: too_big, nothing sent.
  EXPECT_EQ(deliver(abi::kKindRequest, "a/b", std::string(65536, 'x')), abi::kOk);
  EXPECT_EQ(deliver(abi::kKindRequest, "a/b", std::string(65537, 'x')), abi::kErrTooBig);
  EXPECT_EQ(api.calls.size(), 3u);
  // Once asked, sends are queued: nothing reaches the API until it is drained.
  api.calls.clear();
  ASSERT_TRUE(instance->call(abi::kOutboxExport, {}).ok());
  EXPECT_EQ(deliver(abi::kKindSend, "app/other", "queued"), abi::kOk);
  EXPECT_TRUE(api.calls.empty());
  ASSERT_TRUE(testing::send_queued(*instance, api).ok());
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].function, "send");
  EXPECT_EQ(api.calls[0].target, "app/other");
  EXPECT_EQ(api.calls[0].payload, "queued");
}

// The examples as a user runs them: the manifest beside them, `wasmhive`.
struct Outcome {
  int code;
  std::string output;
};

Outcome run_cli(std::vector<std::string> args) {
  testing::Cli cli(std::move(args));
  int code = cli.wait();
  return {code, cli.output()};
}

TEST(RustExamplesCli, TheManifestChecksAndRunsAndInspectShowsTheMetadata) {
  auto check = run_cli({"check", example("app.toml")});
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_NE(check.output.find("ok   rust/counter"), std::string::npos) << check.output;
  auto inspect = run_cli({"inspect", example("counter.wasm")});
  EXPECT_EQ(inspect.code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("name:        demo/counter"), std::string::npos) << inspect.output;
  EXPECT_NE(inspect.output.find("version:     1.0.0"), std::string::npos) << inspect.output;

  auto run = run_cli({"run", example("app.toml"), "--in-memory", "--until-idle", "--send",
                      "rust/echo=bounce", "--send", "rust/counter=add 2", "--request",
                      "rust/echo=hello rust", "--request", "rust/counter=get"});
  EXPECT_EQ(run.code, 0) << run.output;
  for (const char* line : {"@host <- rust/echo: bounce", "reply <- rust/echo (ok): hello rust",
                           "reply <- rust/counter (ok): 2", "[rust/counter] counter starts at 0",
                           "stopped: 0 message(s) left undelivered, 0 dead letter(s) in all"})
    EXPECT_NE(run.output.find(line), std::string::npos) << line << "\n" << run.output;

  // A panic is logged with its message, traps, and the restarted counter
  // carries on from storage with what was queued behind it.
  auto crash = run_cli({"run", example("app.toml"), "--in-memory", "--until-idle", "--send",
                        "rust/counter=add 3", "--send", "rust/counter=crash", "--request",
                        "rust/counter=get"});
  EXPECT_EQ(crash.code, 0) << crash.output;
  for (const char* line :
       {"[rust/counter] panicked at 'asked to crash at 3', ", "restarted rust/counter",
        "reply <- rust/counter (ok): 3", "1 dead letter(s) in all"})
    EXPECT_NE(crash.output.find(line), std::string::npos) << line << "\n" << crash.output;
}

}  // namespace
}  // namespace wasmhive
