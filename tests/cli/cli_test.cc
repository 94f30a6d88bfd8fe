// The wasmhive command as a user runs it: a real process, real manifests and
// modules, its output and exit code.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_process.h"
#include "support/guests.h"
#include "support/host_helpers.h"
#include "support/http_client.h"
#include "support/json_log.h"
#include "support/temp_dir.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::Cli;

struct Outcome {
  int code;
  std::string output;
};

Outcome run_cli(std::vector<std::string> args) {
  Cli cli(std::move(args));
  int code = cli.wait();
  return {code, cli.output()};
}

class CliTest : public ::testing::Test {
 protected:
  // Writes a manifest; "$G/" in it stands for the guest module directory.
  std::string manifest(std::string text, const std::string& name = "app.toml") {
    for (std::size_t at; (at = text.find("$G/")) != std::string::npos;)
      text.replace(at, 3, std::string(WASMHIVE_GUEST_DIR) + "/");
    fs::path path = dir / name;
    std::ofstream(path) << text;
    return path.string();
  }

  testing::TempDir temp{"wasmhive-cli"};
  const fs::path& dir = temp.path();
};

constexpr const char* kEchoApp = R"(
[host]
workers = 2

[[component]]
name = "svc/echo"
wasm = "$G/echo.wasm"

[[component]]
name = "svc/flaky"
wasm = "$G/flaky.wasm"
call_timeout_ms = 50
)";

TEST_F(CliTest, RunInjectsRequestsAndSendsThenStopsWhenIdle) {
  auto out = run_cli({"run", manifest(kEchoApp), "--request", "svc/echo=hello there", "--send",
                      "svc/flaky=loop", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("reply <- svc/echo (ok): hello there"), std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("restarted svc/flaky"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("stopped: 0 message(s) left undelivered"), std::string::npos)
      << out.output;
}

// A template end to end through the command line: names activated by --send
// and --request, memory hibernated to the data directory between two runs,
// and the summary line.
TEST_F(CliTest, RunActivatesTemplateNamesAndTheirStateSurvivesARestart) {
  fs::create_directory(dir / "data");
  std::string app = manifest(R"([host]
data_dir = "data"
[[component]]
name = "user/*"
wasm = "$G/visitor.wasm"
hibernate = "database"
[component.capabilities]
storage = "read-write"
)");
  auto first = run_cli({"run", app, "--send", "user/ada=hit", "--send", "user/ada=hit", "--request",
                        "user/bob=get", "--until-idle"});
  EXPECT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("reply <- user/bob (ok): mem=0 store=0 inits=1"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("template user/*: 2 registered, 2 activation(s) (0 failed), "
                              "2 deactivation(s), 0 active, 2 hibernated (database)"),
            std::string::npos)
      << first.output;
  auto second = run_cli({"run", app, "--request", "user/ada=get", "--until-idle"});
  EXPECT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("reply <- user/ada (ok): mem=2 store=2 inits=2"), std::string::npos)
      << second.output;
}

TEST_F(CliTest, RunLogsJsonLines) {
  auto out = run_cli({"run", manifest(kEchoApp), "--log-format", "json", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output;
  std::size_t json_lines = 0;
  std::istringstream lines(out.output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("{\"time\":\"", 0) == 0) {
      ++json_lines;
      EXPECT_EQ(line.back(), '}') << line;
      EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos) << line;
    }
  EXPECT_EQ(json_lines, 2u) << out.output;  // "started" for each component
}

// --metrics: scraped while the app runs, what /metrics counts is what was sent.
TEST_F(CliTest, RunServesMetricsWhileItRuns) {
  Cli cli({"run", manifest(kEchoApp), "--metrics", "127.0.0.1:0", "--send", "svc/flaky=one",
           "--send", "svc/flaky=two", "--send", "svc/flaky=trap", "--send", "svc/flaky=three"});
  ASSERT_TRUE(cli.read_until("restarted svc/flaky")) << cli.output();
  auto from = cli.output().find("Prometheus at http://127.0.0.1:");
  ASSERT_NE(from, std::string::npos) << cli.output();
  int port =
      std::stoi(cli.output().substr(from + std::string("Prometheus at http://127.0.0.1:").size()));
  std::string page;
  // The fourth message is handled after the restart; the scrape waits for it.
  ASSERT_TRUE(testing::eventually([&] {
    auto got = testing::http_get(static_cast<std::uint16_t>(port), "/metrics");
    page = got ? got->body : "";
    return page.find("wasmhive_component_handled_total{component=\"svc/flaky\"} 3\n") !=
           std::string::npos;
  })) << page;
  EXPECT_NE(page.find("wasmhive_component_restarts_total{component=\"svc/flaky\"} 1\n"),
            std::string::npos);
  EXPECT_NE(page.find("wasmhive_component_failures_total{component=\"svc/flaky\"} 1\n"),
            std::string::npos);
  EXPECT_NE(page.find("wasmhive_dead_letters_total 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("wasmhive_component_handled_total{component=\"svc/echo\"} 0\n"),
            std::string::npos);
  cli.signal(SIGTERM);
  EXPECT_EQ(cli.wait(), 0) << cli.output();
}

TEST_F(CliTest, RunRefusesAMalformedMetricsAddress) {
  for (const char* address : {"9464", "127.0.0.1:99999", "::1:9464", "127.0.0.1:port"}) {
    auto out = run_cli({"run", manifest(kEchoApp), "--metrics", address, "--until-idle"});
    EXPECT_EQ(out.code, 2) << address << ": " << out.output;
    EXPECT_NE(out.output.find("expected HOST:PORT"), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("started"), std::string::npos) << "nothing may start";
  }
}

TEST_F(CliTest, RunRefusesAMetricsAddressInUseBeforeStartingAnything) {
  Cli first({"run", manifest(kEchoApp), "--metrics", "127.0.0.1:0"});
  ASSERT_TRUE(first.read_until("/metrics\n")) << first.output();
  auto from = first.output().find("http://") + 7;
  std::string taken = first.output().substr(from, first.output().find('/', from) - from);
  // (In memory: the first holds the data directory's lock.)
  auto second =
      run_cli({"run", manifest(kEchoApp), "--metrics", taken, "--in-memory", "--until-idle"});
  EXPECT_EQ(second.code, 1) << second.output;
  EXPECT_NE(second.output.find("wasmhive: metrics: cannot listen on " + taken +
                               ": Address already in use"),
            std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("started"), std::string::npos) << second.output;
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(), 0);
}

TEST_F(CliTest, RunStopsCleanlyOnSigterm) {
  Cli cli({"run", manifest(kEchoApp)});
  ASSERT_TRUE(cli.read_until("started svc/flaky")) << cli.output();
  cli.signal(SIGTERM);
  EXPECT_EQ(cli.wait(), 0) << cli.output();
  EXPECT_NE(cli.output().find("SIGTERM: stopping"), std::string::npos) << cli.output();
  EXPECT_NE(cli.output().find("stopped: 0 message(s) left undelivered"), std::string::npos);
}

TEST_F(CliTest, SigtermDuringLoadStopsCleanly) {
  std::string text = "[host]\nworkers = 1\n";
  for (int i = 0; i < 400; ++i)
    text += "[[component]]\nname = \"many/c" + std::to_string(i) + "\"\nwasm = \"$G/echo.wasm\"\n";
  Cli cli({"run", manifest(text)});
  ASSERT_TRUE(cli.read_until("started many/c0")) << cli.output();
  cli.signal(SIGTERM);
  EXPECT_EQ(cli.wait(), 0) << cli.output();
  // Either still loading (the usual case) or already running: both stop cleanly.
  bool during_load = cli.output().find("stopped by SIGTERM while loading") != std::string::npos;
  bool after_load = cli.output().find("SIGTERM: stopping") != std::string::npos;
  EXPECT_TRUE(during_load || after_load) << cli.output();
  EXPECT_EQ(cli.output().find("started many/c399"), std::string::npos) << "loading went on";
}

TEST_F(CliTest, RunWritesTheAuditLogToAFile) {
  std::string audit = (dir / "audit.jsonl").string();
  auto out =
      run_cli({"run", manifest("[[component]]\nname = \"app/r\"\nwasm = \"$G/relay.wasm\"\n"),
               "--audit-file", audit, "--request", "app/r=send app/secret hi", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("reply <- app/r (ok): -4"), std::string::npos) << out.output;
  std::ifstream file(audit);
  std::string line;
  ASSERT_TRUE(std::getline(file, line));
  EXPECT_NE(line.find("\"component\":\"app/r\",\"capability\":\"send\",\"target\":\"app/secret\","
                      "\"decision\":\"denied\""),
            std::string::npos)
      << line;
}

TEST_F(CliTest, CheckAcceptsAGoodManifest) {
  auto out = run_cli({"check", manifest(kEchoApp)});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("ok   svc/echo (echo.wasm)"), std::string::npos);
  EXPECT_NE(out.output.find("app.toml: 2 component(s), 0 template(s), 0 group(s): valid"),
            std::string::npos);
}

struct Mistake {
  const char* name;
  const char* manifest;
  const char* message;
};

void PrintTo(const Mistake& m, std::ostream* os) {
  *os << m.name;
}

class ManifestMistake : public CliTest, public ::testing::WithParamInterface<Mistake> {};

TEST_P(ManifestMistake, IsReportedWithFileLineAndKey) {
  auto out = run_cli({"check", manifest(GetParam().manifest)});
  EXPECT_EQ(out.code, 3) << out.output;
  EXPECT_NE(out.output.find(GetParam().message), std::string::npos)
      << "expected: " << GetParam().message << "\ngot: " << out.output;
}

INSTANTIATE_TEST_SUITE_P(
    Check, ManifestMistake,
    ::testing::Values(
        Mistake{"syntax", "[[component]]\nname = \"a/b\nwasm = 1\n", "app.toml:2:"},
        Mistake{
            "unknown_key", "[[component]]\nname = \"a/b\"\nwasm = \"$G/echo.wasm\"\nmemory = 4\n",
            "app.toml:4:1: unknown key 'memory' in component 'a/b' (allowed: name, wasm, group"},
        Mistake{"unknown_section", "[hosts]\nworkers = 1\n",
                "app.toml:1:2: unknown key 'hosts' in the manifest"},
        Mistake{
            "wrong_type",
            "[[component]]\nname = \"a/b\"\nwasm = \"$G/echo.wasm\"\ncall_timeout_ms = \"fast\"\n",
            "app.toml:4:19: component 'a/b'.call_timeout_ms: expected an integer"},
        Mistake{"out_of_range",
                "[host]\nworkers = 0\n[[component]]\nname = \"a/b\"\nwasm = \"$G/echo.wasm\"\n",
                "app.toml:2:11: host.workers: 0 is outside 1..256"},
        Mistake{"missing_file", "[[component]]\nname = \"a/b\"\nwasm = \"missing.wasm\"\n",
                "app.toml:3:8: component 'a/b'.wasm: no file"},
        Mistake{"missing_wasm", "[[component]]\nname = \"a/b\"\n", "needs wasm = \"<file>.wasm\""},
        Mistake{"bad_policy",
                "[[component]]\nname = \"a/b\"\nwasm = \"$G/echo.wasm\"\nrestart = \"forever\"\n",
                "component 'a/b'.restart: 'forever' is not one of permanent, transient, temporary"},
        Mistake{"bad_strategy", "[supervisor]\nstrategy = \"all_for_one\"\n",
                "supervisor.strategy: 'all_for_one' is not one of one_for_one, one_for_all, "
                "rest_for_one"},
        Mistake{"bad_size",
                "[[component]]\nname = \"a/b\"\nwasm = \"$G/echo.wasm\"\nmemory_max = \"4MB\"\n",
                "memory_max: expected a size such as \"4MiB\""},
        Mistake{"unknown_group",
                "[[component]]\nname = \"a/b\"\nwasm = \"$G/echo.wasm\"\ngroup = \"nope\"\n",
                "app.toml:4:9: component 'a/b'.group: no group 'nope'"},
        Mistake{"bad_name", "[[component]]\nname = \"has space\"\nwasm = \"$G/echo.wasm\"\n",
                "invalid component name 'has space'"},
        Mistake{"duplicate",
                "[[component]]\nname = \"a/b\"\nwasm = \"$G/echo.wasm\"\n[[component]]\nname = "
                "\"a/b\"\nwasm = \"$G/echo.wasm\"\n",
                "component 'a/b' is defined twice"},
        Mistake{"not_array", "[component]\nname = \"a/b\"\n",
                "'component' must be written [[component]]"},
        Mistake{"no_components", "[host]\nworkers = 1\n", "the manifest has no [[component]]"},
        Mistake{"invalid_module",
                "[[component]]\nname = \"a/b\"\nwasm = \"$G/invalid_abi_v2.wasm\"\n",
                "FAIL a/b: abi_mismatch: invalid_abi_v2.wasm: module targets wasmhive ABI v2"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(CliTest, MissingManifestAndUsageErrors) {
  auto missing = run_cli({"check", (dir / "nope.toml").string()});
  EXPECT_EQ(missing.code, 3);
  EXPECT_NE(missing.output.find("nope.toml: no such manifest"), std::string::npos)
      << missing.output;
  EXPECT_EQ(run_cli({"run"}).code, 2);
  EXPECT_EQ(run_cli({"frobnicate"}).code, 2);
  auto bad_send = run_cli({"run", manifest(kEchoApp), "--send", "no-equals-sign"});
  EXPECT_EQ(bad_send.code, 2);
  EXPECT_NE(bad_send.output.find("--send takes NAME=PAYLOAD"), std::string::npos);
  auto unknown = run_cli({"run", manifest(kEchoApp), "--send", "svc/nobody=hi"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.output.find("not_found: no running component 'svc/nobody'"), std::string::npos)
      << unknown.output;
}

TEST_F(CliTest, InspectDescribesAModule) {
  auto out = run_cli({"inspect", testing::guest_path("requester")});
  EXPECT_EQ(out.code, 0) << out.output;
  for (const char* line :
       {"abi:     v1", "handle_callback          function (i64, i32, i32) -> i32",
        "wasmhive.request         function (i32, i32, i32, i32, i64) -> i64", "loads:   yes"})
    EXPECT_NE(out.output.find(line), std::string::npos) << line << "\n" << out.output;
  auto bad = run_cli({"inspect", testing::guest_path("invalid_unknown_import")});
  EXPECT_EQ(bad.code, 3);
  EXPECT_NE(bad.output.find("loads:   no: link_error: module imports wasmhive.teleport"),
            std::string::npos)
      << bad.output;
  std::ofstream(dir / "junk.wasm") << "not wasm";
  auto junk = run_cli({"inspect", (dir / "junk.wasm").string()});
  EXPECT_EQ(junk.code, 3);
  EXPECT_NE(junk.output.find("bad magic bytes"), std::string::npos);
}

TEST_F(CliTest, InspectShowsTheMetadataEscapedAndCheckRefusesMalformedMetadata) {
  auto out = run_cli({"inspect", testing::guest_path("described")});
  EXPECT_EQ(out.code, 0) << out.output;
  // Guest text is escaped for the terminal like every other: "\o/" shows as "\\o/".
  for (const char* line : {"metadata:\n"
                           "  name:        test/described\n"
                           "  version:     1.2.0\n"
                           "  description: Echoes \"every\" message back \\\\o/ — déjà vu\n"
                           "  authors:     Ada Lovelace, Charles Babbage\n"
                           "  license:     Apache-2.0\n"
                           "abi:     v1\n",
                           "loads:   yes"})
    EXPECT_NE(out.output.find(line), std::string::npos) << line << "\n" << out.output;
  auto plain = run_cli({"inspect", testing::guest_path("echo")});
  EXPECT_EQ(plain.code, 0) << plain.output;
  EXPECT_EQ(plain.output.find("metadata:"), std::string::npos) << plain.output;

  auto bad = run_cli({"inspect", testing::guest_path("invalid_bad_metadata")});
  EXPECT_EQ(bad.code, 3) << bad.output;
  EXPECT_NE(bad.output.find("loads:   no: invalid_module: custom section 'wasmhive_metadata' at "
                            "byte "),
            std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find(": line 3: 'version' appears twice (first on line 2)"),
            std::string::npos)
      << bad.output;
  auto check = run_cli({"check", manifest(R"(
[[component]]
name = "app/bad"
wasm = "$G/invalid_bad_metadata.wasm"
)")});
  EXPECT_EQ(check.code, 3) << check.output;
  EXPECT_NE(check.output.find("FAIL app/bad: invalid_module: invalid_bad_metadata.wasm: custom "
                              "section 'wasmhive_metadata' at byte "),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("line 3: 'version' appears twice"), std::string::npos)
      << check.output;
}

TEST_F(CliTest, HelpDescribesEverySubcommandAndOption) {
  auto top = run_cli({"--help"});
  EXPECT_EQ(top.code, 0);
  for (const char* word : {"run", "check", "inspect", "lattice", "Exit codes"})
    EXPECT_NE(top.output.find(word), std::string::npos) << word;
  auto run_help = run_cli({"run", "--help"});
  EXPECT_EQ(run_help.code, 0);
  for (const char* option :
       {"--log-level", "--log-format", "--send", "--request", "--request-timeout-ms", "--drain-ms",
        "--until-idle", "--lattice", "--lattice-name", "--host-id", "--tls-ca-file",
        "WASMHIVE_LATTICE_PASSWORD"})
    EXPECT_NE(run_help.output.find(option), std::string::npos) << option;
  EXPECT_EQ(run_cli({"check", "--help"}).code, 0);
  EXPECT_EQ(run_cli({"inspect", "--help"}).code, 0);
  auto status_help = run_cli({"lattice", "status", "--help"});
  EXPECT_EQ(status_help.code, 0);
  for (const char* option : {"--lattice", "--lattice-name", "--owner", "--wait-ms"})
    EXPECT_NE(status_help.output.find(option), std::string::npos) << option;
  // Lattice options without a lattice are a usage error.
  EXPECT_EQ(run_cli({"run", DEMO_MANIFEST, "--in-memory", "--host-id", "x"}).code, 2);
}

TEST_F(CliTest, TheDemoAppRunsToTheEndWithEveryPattern) {
  // A fresh data directory, as demo.sh gives it: the stock starts full.
  auto out = run_cli({"run", DEMO_MANIFEST, "--until-idle", "--data-dir", dir.string(), "--send",
                      "shop/gateway=o-1 apple 2", "--send", "shop/gateway=o-2 pear 0", "--send",
                      "shop/gateway=o-3 durian 1", "--send", "shop/gateway=o-4 glitch 1", "--send",
                      "shop/gateway=o-5 apple 3"});
  EXPECT_EQ(out.code, 0) << out.output;
  for (const char* line :
       {"orders.accepted <- o-1 accepted: reserved 2 apple, 8 left",
        "orders.rejected <- o-2 rejected: the quantity must be positive",
        "orders.failed <- o-3 failed: the inventory did not answer within 200 ms",
        "orders.failed <- o-4 failed: the inventory crashed while reserving",
        "restarted shop/inventory",
        // Its stock is in storage: o-1's 2 apples stay reserved across the crash.
        "[shop/inventory] stock: 8 apple, 5 pear, 1 durian",
        "orders.accepted <- o-5 accepted: reserved 3 apple, 5 left"})
    EXPECT_NE(out.output.find(line), std::string::npos) << line << "\n" << out.output;
  // Run again on the same data: the stock is as the first run left it.
  auto again = run_cli({"run", DEMO_MANIFEST, "--until-idle", "--data-dir", dir.string()});
  EXPECT_NE(again.output.find("[shop/inventory] stock: 5 apple, 5 pear, 1 durian"),
            std::string::npos)
      << again.output;
}

// One order of the demo followed by its trace through the JSON log at level
// trace, where each message a component begins to handle has a line: from the
// gateway through the validator and the inventory to the notifier, each link's
// cause the message before it. Order o-4 also makes a dead letter (the
// inventory traps on it), whose line and report row carry the same trace.
TEST_F(CliTest, AnOrderOfTheDemoCanBeFollowedAcrossComponentsByItsTrace) {
  auto out =
      run_cli({"run", DEMO_MANIFEST, "--until-idle", "--data-dir", dir.string(), "--log-format",
               "json", "--log-level", "trace", "--send", "shop/gateway=o-1 apple 2", "--send",
               "shop/gateway=o-2 pear 0", "--send", "shop/gateway=o-3 durian 1", "--send",
               "shop/gateway=o-4 glitch 1", "--send", "shop/gateway=o-5 apple 3"});
  ASSERT_EQ(out.code, 0) << out.output;
  auto lines = testing::parse_log(out.output);
  // The first traced line whose message contains `text` and that `fits`.
  auto find = [&](const std::string& text, const std::function<bool(const Trace&)>& fits) {
    for (const auto& line : lines)
      if (line.trace && line.msg.find(text) != std::string::npos && fits(*line.trace))
        return *line.trace;
    ADD_FAILURE() << "no traced line with: " << text;
    return Trace{};
  };
  auto follows = [](const Trace& cause) {
    return [cause](const Trace& t) {
      return t.trace_id == cause.trace_id && t.cause_id == cause.message_id;
    };
  };
  auto any = [](const Trace&) { return true; };

  // o-1: the host's send starts its chain, so the gateway handles the chain's
  // first message.
  Trace gateway = find("[shop/gateway] forwarding o-1 apple 2", any);
  EXPECT_EQ(gateway.message_id, gateway.trace_id);
  EXPECT_EQ(gateway.cause_id, 0u);
  Trace validator = find("[shop/validator] handles send from shop/gateway", follows(gateway));
  Trace asked = find("[shop/validator] asked shop/inventory", [&](const Trace& t) {
    return t == validator;  // the validator's own line, while it handles that message
  });
  EXPECT_EQ(asked, validator);
  Trace inventory =
      find("[shop/inventory] handles request from shop/validator", follows(validator));
  Trace answer =
      find("[shop/validator] handles callback (ok) from shop/inventory", follows(inventory));
  Trace notified = find("[shop/notifier] orders.accepted <- o-1", follows(answer));
  EXPECT_EQ(notified.trace_id, gateway.trace_id);
  std::set<std::uint64_t> ids{gateway.message_id, validator.message_id, inventory.message_id,
                              answer.message_id, notified.message_id};
  EXPECT_EQ(ids.size(), 5u);

  // o-4, to the dead letter: the gateway forwards it while it handles the
  // outcome of the order before (so o-4 continues that outcome's chain).
  Trace forwarded = find("[shop/gateway] forwarding o-4 glitch 1", any);
  Trace checked = find("[shop/validator] handles send from shop/gateway", follows(forwarded));
  Trace reserve = find("[shop/inventory] handles request from shop/validator", follows(checked));
  Trace letter = find("dead letter shop/validator -> shop/inventory: handler failed", any);
  EXPECT_EQ(letter, reserve);  // the request it trapped on
  EXPECT_EQ(find("failed shop/inventory: trap_unreachable", any), reserve);
  Trace failed = find("[shop/validator] handles callback (target_error) from shop/inventory",
                      follows(reserve));
  find("[shop/notifier] orders.failed <- o-4", follows(failed));
  EXPECT_NE(out.output.find("1 x shop/validator -> shop/inventory: handler failed: "),
            std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("[trace " + hex_id(reserve.trace_id) + "]"), std::string::npos)
      << out.output;
}

// ---- What outside testing found (each of these failed before its fix) ----

constexpr const char* kFlooderApp = R"(
[[component]]
name = "app/f"
wasm = "$G/flooder.wasm"
[component.capabilities]
send = ["@host"]
log = "info"
)";

bool has_line_starting(const std::string& output, const std::string& prefix) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) return true;
  return false;
}

TEST_F(CliTest, GuestTextCannotForgeALogLineOrReachTheTerminalRaw) {
  auto out = run_cli({"run", manifest(kFlooderApp), "--request", "app/f=forge", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("reply <- app/f (ok): forged 0 0"), std::string::npos) << out.output;
  // The newline and the escapes arrive as text, on the guest's own line.
  EXPECT_NE(out.output.find("[app/f] innocent\\n12:00:00.000 warning escalated root: "
                            "forged\\x1b[31m red \\xff\\xfe tail"),
            std::string::npos)
      << out.output;
  EXPECT_FALSE(has_line_starting(out.output, "12:00:00.000 warning escalated root")) << out.output;
  // The @host line keeps what follows the NUL, and forges nothing either.
  EXPECT_NE(out.output.find("@host <- app/f: before\\x00after\\n@host <- forged: line\\x1b[2J"),
            std::string::npos)
      << out.output;
  EXPECT_FALSE(has_line_starting(out.output, "@host <- forged")) << out.output;
  EXPECT_EQ(out.output.find('\x1b'), std::string::npos) << "a raw escape reached the terminal";
}

TEST_F(CliTest, AHugeGuestLogLineIsCut) {
  auto out = run_cli(
      {"run", manifest(kFlooderApp), "--request", "app/f=biglog 3 1048576", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output.substr(0, 2000);
  EXPECT_NE(out.output.find("reply <- app/f (ok): logged 3 0"), std::string::npos);
  EXPECT_NE(out.output.find("[... 1044480 more bytes cut]"), std::string::npos);
  EXPECT_LT(out.output.size(), 64u << 10);  // not 3 MiB
}

TEST_F(CliTest, JsonLogLinesStayValidWhateverTheGuestWrites) {
  auto out = run_cli({"run", manifest(kFlooderApp), "--log-format", "json", "--request",
                      "app/f=forge", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output;
  std::size_t guest_lines = 0;
  std::istringstream lines(out.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("{\"time\":\"", 0) != 0) continue;
    EXPECT_EQ(line.back(), '}') << line;
    // Escaped to plain ASCII: no control byte, no byte of broken UTF-8.
    for (unsigned char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << line;
    if (line.find("[app/f] innocent") != std::string::npos) {
      ++guest_lines;
      // "msg" decodes to the text line's escaped message: jq -r prints it
      // on one line, with no terminal escape.
      EXPECT_NE(line.find(R"(innocent\\n12:00:00.000)"), std::string::npos) << line;
      EXPECT_NE(line.find(R"(\\x1b[31m red \\xff\\xfe tail")"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(guest_lines, 1u) << out.output;
}

// Every call into a stubborn component loops, its shutdown export too.
constexpr const char* kStubbornApp = R"(
[host]
workers = 2

[[component]]
name = "app/idle"
wasm = "$G/stubborn.wasm"
call_timeout_ms = 30000
worker = 0

[[component]]
name = "app/stubborn"
wasm = "$G/stubborn.wasm"
call_timeout_ms = 30000
worker = 1
)";

TEST_F(CliTest, SigtermInterruptsARunningCallAtTheDrainDeadline) {
  Cli cli({"run", manifest(kStubbornApp), "--send", "app/stubborn=go", "--drain-ms", "300"});
  ASSERT_TRUE(cli.read_until("started app/stubborn")) << cli.output();
  auto signalled = std::chrono::steady_clock::now();
  cli.signal(SIGTERM);
  EXPECT_EQ(cli.wait(), 0) << cli.output();
  // Well before the 30 s call deadline, let alone the looping shutdown exports.
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 15s) << cli.output();
  EXPECT_NE(cli.output().find("failed app/stubborn: interrupted"), std::string::npos)
      << cli.output();
  // Stopped after app/stubborn (reverse start order), past the deadline: said so.
  EXPECT_NE(cli.output().find("app/idle: shutdown export not called: the drain deadline passed"),
            std::string::npos)
      << cli.output();
  EXPECT_NE(cli.output().find("stopped: 0 message(s) left undelivered"), std::string::npos)
      << cli.output();
}

TEST_F(CliTest, ALoopingShutdownExportIsCutAtTheDrainDeadlineAndLogged) {
  Cli cli({"run", manifest(kStubbornApp), "--drain-ms", "300"});
  ASSERT_TRUE(cli.read_until("started app/stubborn")) << cli.output();
  auto signalled = std::chrono::steady_clock::now();
  cli.signal(SIGTERM);
  EXPECT_EQ(cli.wait(), 0) << cli.output();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 15s) << cli.output();
  // Cut by its own deadline or by the drain's interrupt, whichever came first.
  EXPECT_NE(cli.output().find("app/stubborn: shutdown export failed: "), std::string::npos)
      << cli.output();
}

TEST_F(CliTest, ASecondSignalStopsAtOnce) {
  Cli cli({"run", manifest(kStubbornApp), "--send", "app/stubborn=go", "--drain-ms", "600000"});
  ASSERT_TRUE(cli.read_until("started app/stubborn")) << cli.output();
  cli.signal(SIGTERM);
  ASSERT_TRUE(cli.read_until("SIGTERM: stopping")) << cli.output();
  auto second = std::chrono::steady_clock::now();
  cli.signal(SIGINT);
  EXPECT_EQ(cli.wait(), 0) << cli.output();
  EXPECT_LT(std::chrono::steady_clock::now() - second, 15s) << cli.output();
  EXPECT_NE(cli.output().find("second signal: stopping now"), std::string::npos) << cli.output();
  EXPECT_NE(cli.output().find("stopped: "), std::string::npos) << cli.output();
}

TEST_F(CliTest, UntilIdleWaitsForAHandlerStillRunning) {
  // app/slow spins 700 ms, then sends to app/sink, which is started after it
  // and so stopped before it: stopping while the spin runs loses that message.
  auto out = run_cli({"run", manifest(R"(
[[component]]
name = "app/slow"
wasm = "$G/flooder.wasm"
call_timeout_ms = 5000
[component.capabilities]
send = ["app/sink"]
clock = true

[[component]]
name = "app/sink"
wasm = "$G/flaky.wasm"
)"),
                      "--send", "app/slow=slow 700 app/sink done", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("stopped: 0 message(s) left undelivered, 0 dead letter(s) in all"),
            std::string::npos)
      << out.output;
}

TEST_F(CliTest, RunExitsNonZeroWhenTheRootGroupGivesUp) {
  auto out = run_cli({"run", manifest(R"(
[supervisor]
max_restarts = 0

[[component]]
name = "app/flaky"
wasm = "$G/flaky.wasm"
)"),
                      "--send", "app/flaky=trap"});
  EXPECT_EQ(out.code, 1) << out.output;
  EXPECT_NE(out.output.find("wasmhive: the root supervision group gave up"), std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("stopped: "), std::string::npos) << out.output;
}

TEST_F(CliTest, RunListsDeadLettersBySenderTargetAndReason) {
  auto out = run_cli({"run", manifest(R"(
[[component]]
name = "app/r"
wasm = "$G/relay.wasm"
[component.capabilities]
send = ["app/*"]
)"),
                      "--request", "app/r=send app/missing one", "--request",
                      "app/r=send app/missing two", "--until-idle"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("reply <- app/r (ok): -3"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("dead letters (sender -> target: reason):\n"
                            "  2 x app/r -> app/missing: unknown target"),
            std::string::npos)
      << out.output;
}

TEST_F(CliTest, TheDeadLetterReportShowsAsManyRowsAsAsked) {
  std::string app = manifest(R"(
[[component]]
name = "app/r"
wasm = "$G/relay.wasm"
[component.capabilities]
send = ["app/*"]
)");
  std::vector<std::string> args = {"run", app, "--until-idle"};
  for (int i = 0; i < 3; ++i) {
    args.push_back("--request");
    args.push_back("app/r=send app/missing" + std::to_string(i) + " x");
  }
  auto args_with = [&](const char* rows) {
    auto all = args;
    all.insert(all.end(), {"--dead-letters", rows});
    return all;
  };
  auto one = run_cli(args_with("1"));
  EXPECT_NE(one.output.find("... and 2 more (sender, target, reason) combinations"),
            std::string::npos)
      << one.output;
  auto every = run_cli(args_with("0"));
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(every.output.find("app/r -> app/missing" + std::to_string(i)), std::string::npos)
        << every.output;
  EXPECT_EQ(every.output.find("more (sender, target, reason)"), std::string::npos);
}

TEST_F(CliTest, RunValidatesEveryModuleBeforeStartingAny) {
  auto out = run_cli({"run", manifest(R"(
[[component]]
name = "app/good"
wasm = "$G/echo.wasm"

[[component]]
name = "app/bad"
wasm = "$G/invalid_no_handle_message.wasm"
)")});
  EXPECT_EQ(out.code, 3) << out.output;
  EXPECT_NE(out.output.find("FAIL app/bad: missing_export: "), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("started app/good"), std::string::npos) << out.output;
}

TEST_F(CliTest, AModuleThatOnlyFailsToInstantiateIsRefusedBeforeAnythingStarts) {
  std::string app = manifest(R"(
[[component]]
name = "app/good"
wasm = "$G/echo.wasm"

[[component]]
name = "app/bad"
wasm = "$G/invalid_data_outside_memory.wasm"
)");
  auto check = run_cli({"check", app});
  EXPECT_EQ(check.code, 3) << check.output;
  EXPECT_NE(check.output.find("FAIL app/bad: "), std::string::npos) << check.output;
  auto run = run_cli({"run", app, "--until-idle"});
  EXPECT_EQ(run.code, 3) << run.output;
  EXPECT_EQ(run.output.find("started app/good"), std::string::npos) << run.output;
  auto inspect =
      run_cli({"inspect", std::string(WASMHIVE_GUEST_DIR) + "/invalid_data_outside_memory.wasm"});
  EXPECT_EQ(inspect.code, 3) << inspect.output;
  EXPECT_NE(inspect.output.find("loads:   no: "), std::string::npos) << inspect.output;
}

TEST_F(CliTest, ASecondSignalInterruptsAnInitThatLoops) {
  Cli cli({"run", manifest(R"(
[[component]]
name = "app/slow"
wasm = "$G/slowstart.wasm"
call_timeout_ms = 3600000
[component.capabilities]
log = "info"
)")});
  ASSERT_TRUE(cli.read_until("[app/slow] init is looping")) << cli.output();
  cli.signal(SIGTERM);  // waits for the loading to end: an hour away
  cli.signal(SIGINT);   // stops now
  auto signalled = std::chrono::steady_clock::now();
  EXPECT_EQ(cli.wait(), 0) << cli.output();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 15s) << cli.output();
  EXPECT_NE(cli.output().find("while loading"), std::string::npos) << cli.output();
}

TEST_F(CliTest, NegativeDurationsAreUsageErrors) {
  EXPECT_EQ(run_cli({"run", manifest(kEchoApp), "--drain-ms", "-1"}).code, 2);
  EXPECT_EQ(run_cli({"run", manifest(kEchoApp), "--request-timeout-ms", "-5"}).code, 2);
  EXPECT_EQ(run_cli({"run", manifest(kEchoApp), "--request-timeout-ms", "0"}).code, 2);
}

}  // namespace
}  // namespace wasmhive

namespace wasmhive {
namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// keygen, sign, verify and a manifest's [trust], as a user goes through them.
TEST_F(CliTest, SignedComponentsFromKeygenToRun) {
  std::string key = (dir / "dev").string();
  auto made = run_cli({"keygen", key});
  ASSERT_EQ(made.code, 0) << made.output;
  EXPECT_EQ(fs::status(key + ".key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::string public_key = read_text(key + ".pub");
  EXPECT_NE(made.output.find(public_key.substr(0, 64)), std::string::npos) << made.output;
  EXPECT_EQ(run_cli({"keygen", key}).code, 2);  // never overwrites a key

  fs::copy_file(testing::guest_path("echo"), dir / "echo.wasm");
  fs::copy_file(testing::guest_path("echo"), dir / "unsigned.wasm");
  auto signed_out = run_cli({"sign", (dir / "echo.wasm").string(), "--key", key + ".key"});
  ASSERT_EQ(signed_out.code, 0) << signed_out.output;
  auto verified = run_cli({"verify", (dir / "echo.wasm").string(), "--trusted-key", key + ".pub"});
  EXPECT_EQ(verified.code, 0) << verified.output;
  EXPECT_NE(verified.output.find("trusted:   yes"), std::string::npos) << verified.output;
  auto inspected = run_cli({"inspect", (dir / "echo.wasm").string()});
  EXPECT_NE(inspected.output.find("signed:  valid, by " + public_key.substr(0, 64)),
            std::string::npos)
      << inspected.output;
  std::size_t at = inspected.output.find("sha256:  ");
  ASSERT_NE(at, std::string::npos) << inspected.output;
  std::string digest = inspected.output.substr(at + 9, 64);

  std::string trust = "[trust]\nrequire_signed = true\ntrusted_keys = [\"dev.pub\"]\n";
  auto app = manifest(trust + "[[component]]\nname = \"svc/echo\"\nwasm = \"echo.wasm\"\n");
  auto ran = run_cli({"run", app, "--in-memory", "--request", "svc/echo=hi", "--until-idle"});
  EXPECT_EQ(ran.code, 0) << ran.output;
  EXPECT_NE(ran.output.find("reply <- svc/echo (ok): hi"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("sha256 " + digest), std::string::npos) << ran.output;

  auto refused = manifest(trust + "[[component]]\nname = \"svc/plain\"\nwasm = \"unsigned.wasm\"\n",
                          "refused.toml");
  auto checked = run_cli({"check", refused});
  EXPECT_EQ(checked.code, 3) << checked.output;
  EXPECT_NE(checked.output.find("unsigned module refused"), std::string::npos) << checked.output;
  auto not_run = run_cli({"run", refused, "--in-memory", "--until-idle"});
  EXPECT_EQ(not_run.code, 3) << not_run.output;

  // A byte changed after signing.
  std::ifstream in(dir / "echo.wasm", std::ios::binary);
  std::vector<char> module(std::istreambuf_iterator<char>(in), {});
  module[module.size() / 2] ^= 1;
  std::ofstream(dir / "echo.wasm", std::ios::binary).write(module.data(), module.size());
  auto tampered = run_cli({"verify", (dir / "echo.wasm").string(), "--trusted-key", key + ".pub"});
  EXPECT_EQ(tampered.code, 3) << tampered.output;
  EXPECT_NE(tampered.output.find("signature: tampered"), std::string::npos) << tampered.output;
}

TEST_F(CliTest, TrustSectionMistakesAreReportedWithTheirLine) {
  auto missing = run_cli({"check", manifest("[trust]\nrequire_signed = true\ntrusted_keys = "
                                            "[\"nowhere.pub\"]\n[[component]]\nname = \"a/b\"\n"
                                            "wasm = \"$G/echo.wasm\"\n")});
  EXPECT_EQ(missing.code, 3) << missing.output;
  EXPECT_NE(missing.output.find("app.toml:3"), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find("nowhere.pub"), std::string::npos) << missing.output;
  auto keyless = run_cli({"check", manifest("[trust]\nrequire_signed = true\n[[component]]\n"
                                            "name = \"a/b\"\nwasm = \"$G/echo.wasm\"\n")});
  EXPECT_EQ(keyless.code, 3) << keyless.output;
  EXPECT_NE(keyless.output.find("needs at least one trusted_keys"), std::string::npos)
      << keyless.output;
}

}  // namespace
}  // namespace wasmhive

namespace wasmhive {
namespace {

// A module's own names reach the output only escaped, also in load errors.
TEST_F(CliTest, LoadErrorsQuotingAModulesNamesAreEscaped) {
  using engine::ValType;
  testing::ModuleBuilder builder;
  builder.memory(1);
  builder.function("wasmhive_abi_v1", {}, {0x0b});
  builder.function("handle_message", {{ValType::i32, ValType::i32}, {ValType::i32}},
                   {0x41, 0x00, 0x0b});
  builder.function("wasmhive:fuel\x1b[2J\nX", {{}, {ValType::i32}}, {0x41, 0x00, 0x0b});
  auto bytes = builder.bytes();
  std::ofstream(dir / "hostile.wasm", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  auto app =
      manifest("[[component]]\nname = \"a/b\"\nwasm = \"hostile.wasm\"\nfuel_per_call = 1000\n");
  for (auto out : {run_cli({"check", app}), run_cli({"run", app, "--in-memory", "--until-idle"})}) {
    EXPECT_EQ(out.code, 3) << out.output;
    EXPECT_NE(out.output.find("wasmhive:fuel\\x1b[2J\\nX"), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find('\x1b'), std::string::npos) << out.output;
  }
}

// --until-idle waits for a template's instance that is waiting to restart.
TEST_F(CliTest, UntilIdleWaitsForATemplateInstanceToRestart) {
  auto app =
      manifest("[[component]]\nname = \"t/*\"\nwasm = \"$G/trapper.wasm\"\nmax_restarts = 100\n");
  std::vector<std::string> args{"run", app, "--in-memory", "--until-idle"};
  for (int i = 0; i < 13; ++i) args.insert(args.end(), {"--send", "t/a=u"});
  auto out = run_cli(args);
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("stopped: 0 message(s) left undelivered"), std::string::npos)
      << out.output;
}

TEST_F(CliTest, SignReplacesOnlyRegularFilesAndKeepsTheirMode) {
  std::string key = (dir / "k").string();
  ASSERT_EQ(run_cli({"keygen", key}).code, 0);
  fs::copy_file(testing::guest_path("echo"), dir / "target.wasm");
  fs::permissions(dir / "target.wasm",
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec);
  fs::create_symlink(dir / "target.wasm", dir / "link.wasm");
  auto via_link = run_cli({"sign", (dir / "link.wasm").string(), "--key", key + ".key"});
  EXPECT_EQ(via_link.code, 1) << via_link.output;
  EXPECT_NE(via_link.output.find("symbolic link"), std::string::npos) << via_link.output;
  EXPECT_TRUE(fs::is_symlink(dir / "link.wasm"));
  ASSERT_EQ(run_cli({"sign", (dir / "target.wasm").string(), "--key", key + ".key"}).code, 0);
  EXPECT_EQ(fs::status(dir / "target.wasm").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec);
  auto not_wasm = run_cli({"verify", (dir / "k.pub").string()});
  EXPECT_EQ(not_wasm.code, 3) << not_wasm.output;
  EXPECT_NE(not_wasm.output.find("not a wasm module"), std::string::npos) << not_wasm.output;
}

}  // namespace
}  // namespace wasmhive
