// Capabilities end to end: for each kind, a real component is allowed what its
// spec grants and denied the rest, with the exact error and an audit record.
#include "security/capabilities.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive::security {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::guest_spec;

TEST(Capabilities, GlobsAndSubjectCoverage) {
  Capabilities caps{
      .send = {"shop/*", "@host"}, .publish = {"orders.*"}, .subscribe = {"orders.>"}};
  EXPECT_TRUE(may_send(caps, "shop/cart"));
  EXPECT_TRUE(may_send(caps, "@host"));
  EXPECT_FALSE(may_send(caps, "bank/vault"));
  EXPECT_FALSE(may_send(Capabilities{}, "shop/cart"));  // nothing granted: nothing allowed
  EXPECT_TRUE(may_publish(caps, "orders.created"));
  EXPECT_FALSE(may_publish(caps, "orders.eu.created"));
  EXPECT_TRUE(may_subscribe(caps, "orders.eu.*"));
  EXPECT_TRUE(may_subscribe(caps, "orders.>"));
  EXPECT_FALSE(may_subscribe(caps, ">"));
  EXPECT_FALSE(may_subscribe(caps, "orders"));
  EXPECT_TRUE(pattern_covers("a.*", "a.b"));
  EXPECT_TRUE(pattern_covers("a.*", "a.*"));
  EXPECT_FALSE(pattern_covers("a.*", "a.>"));
  EXPECT_FALSE(pattern_covers("a.b", "a.*"));
  EXPECT_TRUE(pattern_covers(">", "a.>"));
}

// Outside testing: "shop/*" used to grant "shop/a/b" too ('*' crossed '/').
TEST(Capabilities, SendGlobsMatchWithinOneNameSegment) {
  auto created = host::Host::create({.workers = 1});
  ASSERT_TRUE(created.ok());
  auto& host = **created;
  for (const char* name : {"shop/cart", "shop/a/b"})
    ASSERT_TRUE(host.spawn(guest_spec(name, "flaky")).ok());
  auto spec = guest_spec("app/r", "relay");
  spec.capabilities = {.send = {"shop/*"}};
  ASSERT_TRUE(host.spawn(std::move(spec)).ok());
  EXPECT_EQ(ask_text(host, "app/r", "send shop/cart hi"), "0");
  EXPECT_EQ(ask_text(host, "app/r", "send shop/a/b hi"), "-4");
  EXPECT_TRUE(may_send({.send = {"*"}}, "shop/a/b"));  // a lone "*" grants every name
  EXPECT_TRUE(may_send({.send = {"shop/*/b"}}, "shop/a/b"));
}

class CapabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host::HostConfig config{.workers = 2};
    config.on_message = inbox.sink();
    config.audit_file = audit_path;
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
    auto open = guest_spec("app/open", "relay");  // the test's target and subscriber: everything
    ASSERT_TRUE(host->spawn(std::move(open)).ok());
  }
  void TearDown() override { std::remove(audit_path.c_str()); }

  // A relay with exactly `caps`.
  void spawn_relay(const std::string& name, Capabilities caps) {
    auto spec = guest_spec(name, "relay");
    spec.capabilities = std::move(caps);
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }
  std::int64_t command(const std::string& relay, const std::string& text) {
    return std::stoll(ask_text(*host, relay, text));
  }
  // The last audit record, checked against what the denial should say.
  void expect_denial(const std::string& component, const std::string& capability,
                     const std::string& target) {
    auto records = host->audit_records();
    ASSERT_FALSE(records.empty());
    const AuditRecord& last = records.back();
    EXPECT_EQ(last.component, component);
    EXPECT_EQ(last.capability, capability);
    EXPECT_EQ(last.target, target);
    EXPECT_FALSE(last.granted);
    EXPECT_EQ(last.reason, "not granted by the manifest");
    EXPECT_GT(last.time_ms, 1'600'000'000'000);
  }

  std::string audit_path =
      ::testing::TempDir() + "wasmhive-audit-" + std::to_string(getpid()) + ".jsonl";
  testing::Inbox inbox;
  std::unique_ptr<host::Host> host;
};

TEST_F(CapabilityTest, Send) {
  spawn_relay("app/r", {.send = {"app/o*"}});
  EXPECT_EQ(command("app/r", "send app/open hello"), 0);
  ASSERT_TRUE(inbox.wait_for("msg|0|app/r||hello"));
  EXPECT_EQ(host->audit_denials(), 0u);
  EXPECT_EQ(command("app/r", "send @host hello"), -4);
  expect_denial("app/r", "send", "@host");
}

TEST_F(CapabilityTest, RequestDeniedIsADeniedCallback) {
  spawn_relay("app/r", {.send = {"app/open", "@host"}});
  std::int64_t ok = command("app/r", "req app/open 1000 fine");
  ASSERT_TRUE(inbox.wait_for("cb|" + std::to_string(ok) + "|0|fine"));
  std::int64_t denied = command("app/r", "req app/secret 1000 let-me-in");
  ASSERT_GT(denied, 0);
  auto callback = inbox.wait_for("cb|" + std::to_string(denied) + "|");
  ASSERT_TRUE(callback);
  EXPECT_EQ(*callback, "cb|" + std::to_string(denied) + "|4|");  // status 4: denied
  expect_denial("app/r", "request", "app/secret");
}

TEST_F(CapabilityTest, BroadcastIsAllOrNothing) {
  spawn_relay("app/r", {.send = {"app/open", "@host"}});
  EXPECT_EQ(command("app/r", "bcast app/open hi"), 1);
  EXPECT_EQ(command("app/r", "bcast app/open,app/secret hi"), -4);
  expect_denial("app/r", "broadcast", "app/secret");
  // Per-sender order: once the marker arrived, any "hi" of the denied broadcast would have too.
  EXPECT_EQ(command("app/r", "bcast app/open marker"), 1);
  ASSERT_TRUE(inbox.wait_for("msg|0|app/r||marker"));
  EXPECT_EQ(inbox.count("msg|0|app/r||hi"), 1u);  // the denied broadcast delivered nothing
}

TEST_F(CapabilityTest, PublishAndSubscribe) {
  spawn_relay("app/r", {.publish = {"orders.*"}, .subscribe = {"orders.>"}});
  EXPECT_EQ(command("app/open", "sub >"), 0);
  EXPECT_EQ(command("app/r", "pub orders.created o-1"), 1);
  EXPECT_EQ(command("app/r", "pub payments.sent p-1"), -4);
  expect_denial("app/r", "publish", "payments.sent");
  EXPECT_EQ(command("app/r", "sub orders.eu.*"), 0);
  EXPECT_EQ(command("app/r", "sub payments.>"), -4);
  expect_denial("app/r", "subscribe", "payments.>");
  EXPECT_EQ(command("app/r", "sub >"), -4);  // wider than the grant
}

TEST_F(CapabilityTest, ClockAndLog) {
  spawn_relay("app/clockless", {});
  EXPECT_EQ(command("app/clockless", "clock"), -4);
  expect_denial("app/clockless", "clock", "now_ms");
  EXPECT_EQ(command("app/clockless", "mono"), -4);
  expect_denial("app/clockless", "clock", "monotonic_ns");
  spawn_relay("app/timed", {.clock = true, .log = abi::kWarn});
  EXPECT_GT(command("app/timed", "clock"), 1'600'000'000'000);
  std::int64_t before = command("app/timed", "mono");
  EXPECT_GT(before, 0);
  EXPECT_GE(command("app/timed", "mono"), before);      // monotonic
  EXPECT_EQ(command("app/timed", "log 3 careful"), 0);  // warn: at the ceiling
  EXPECT_EQ(command("app/timed", "log 1 chatty"), -4);  // debug: more verbose than allowed
  expect_denial("app/timed", "log", "debug");
}

TEST_F(CapabilityTest, AuditRecordsAreWrittenAsJsonLines) {
  spawn_relay("app/r", {});
  EXPECT_EQ(command("app/r", "send app/open \"quoted\""), -4);
  // Written by the audit log's own thread: wait for the line, not for a time.
  std::string last;
  EXPECT_TRUE(testing::eventually([&] {
    std::ifstream file(audit_path);
    for (std::string line; std::getline(file, line);) last = line;
    return !last.empty();
  }));
  EXPECT_NE(last.find("\"component\":\"app/r\""), std::string::npos) << last;
  EXPECT_NE(last.find("\"capability\":\"send\""), std::string::npos) << last;
  EXPECT_NE(last.find("\"target\":\"app/open\""), std::string::npos) << last;
  EXPECT_NE(last.find("\"decision\":\"denied\""), std::string::npos) << last;
  EXPECT_EQ(last.front(), '{');
  EXPECT_EQ(last.back(), '}');
}

TEST(CapabilityAudit, GrantsAreAuditedWhenAskedFor) {
  host::HostConfig config{.workers = 1, .audit_grants = true};
  auto host = host::Host::create(std::move(config));
  ASSERT_TRUE(host.ok());
  auto spec = guest_spec("app/r", "relay");
  spec.capabilities = {.clock = true};
  ASSERT_TRUE((*host)->spawn(std::move(spec)).ok());
  EXPECT_GT(std::stoll(ask_text(**host, "app/r", "clock")), 0);
  auto records = (*host)->audit_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].granted);
  EXPECT_EQ(records[0].capability, "clock");
  EXPECT_EQ((*host)->audit_denials(), 0u);
}

TEST(CapabilityAudit, AnUnwritableAuditFileIsAnError) {
  auto host = host::Host::create({.workers = 1, .audit_file = "/nonexistent/dir/audit.jsonl"});
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.error().message.find("cannot open audit file"), std::string::npos);
}

TEST(Limits, OutstandingRequestsSubscriptionsAndPayload) {
  testing::Inbox inbox;
  host::HostConfig config{.workers = 2};
  config.on_message = inbox.sink();
  auto host = host::Host::create(std::move(config));
  ASSERT_TRUE(host.ok());
  auto slow = guest_spec("app/slow", "flaky");
  slow.limits.call_timeout = 5s;
  ASSERT_TRUE((*host)->spawn(std::move(slow)).ok());
  auto spec = guest_spec("app/r", "relay");
  spec.limits.max_outstanding_requests = 2;
  spec.limits.max_subscriptions = 1;
  spec.limits.max_payload = 8;
  ASSERT_TRUE((*host)->spawn(std::move(spec)).ok());
  ASSERT_TRUE((*host)->send("app/slow", testing::to_bytes("spin 300")).ok());
  EXPECT_GT(std::stoll(ask_text(**host, "app/r", "req app/slow 5000 a")), 0);
  EXPECT_GT(std::stoll(ask_text(**host, "app/r", "req app/slow 5000 b")), 0);
  EXPECT_EQ(ask_text(**host, "app/r", "req app/slow 5000 c"), "-9");  // a third is over the limit
  EXPECT_EQ(ask_text(**host, "app/r", "sub one"), "0");
  EXPECT_EQ(ask_text(**host, "app/r", "sub two"), "-9");
  EXPECT_EQ(ask_text(**host, "app/r", "send app/slow 12345678"), "0");
  EXPECT_EQ(ask_text(**host, "app/r", "send app/slow 123456789"), "-6");  // 9 bytes > 8
  // Once answered, the requests no longer count.
  ASSERT_TRUE(inbox.wait_for("cb|"));
  EXPECT_TRUE(testing::eventually([&] { return inbox.count("cb|") == 2; }));
  EXPECT_GT(std::stoll(ask_text(**host, "app/r", "req app/slow 5000 d")), 0);
}

// What an audit file says after a guest with no capabilities ran `command`.
struct AuditFile {
  std::vector<std::string> lines;
  std::uint64_t decisions = 0;  // each line's count (1 for a record in full)
  std::uint64_t summaries = 0;
  std::uint64_t denials = 0;  // Host::audit_denials()
};

AuditFile audit_flood(const std::string& command, const std::string& expected_reply) {
  auto path = std::filesystem::temp_directory_path() /
              ("wasmhive-audit-" + std::to_string(getpid()) + ".jsonl");
  std::filesystem::remove(path);
  AuditFile out;
  {
    auto created = host::Host::create({.workers = 1, .audit_file = path.string()});
    EXPECT_TRUE(created.ok()) << created.error().describe();
    if (!created.ok()) return out;
    auto& host = **created;
    auto spec = guest_spec("app/f", "flooder");
    spec.capabilities = {};  // nothing at all: every send is a denial
    spec.limits.call_timeout = 20s;
    EXPECT_TRUE(host.spawn(std::move(spec)).ok());
    EXPECT_EQ(ask_text(host, "app/f", command), expected_reply);
    host.shutdown();  // writes the summaries and flushes the file
    out.denials = host.audit_denials();
  }
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    auto count = line.find("\"count\":");
    out.summaries += count != std::string::npos;
    out.decisions += count == std::string::npos ? 1 : std::stoull(line.substr(count + 8));
    out.lines.push_back(line);
  }
  std::filesystem::remove(path);
  return out;
}

constexpr int kDenials = 100000;

TEST(CapabilityAudit, AFloodOfDenialsIsCountedNotWrittenOneByOne) {
  auto audit = audit_flood("deny app/secret " + std::to_string(kDenials),
                           "denied " + std::to_string(kDenials));
  EXPECT_EQ(audit.denials, static_cast<std::uint64_t>(kDenials));
  for (const auto& line : audit.lines)
    EXPECT_NE(line.find(R"("component":"app/f","capability":"send","target":"app/secret")"),
              std::string::npos)
        << line;
  EXPECT_EQ(audit.decisions, static_cast<std::uint64_t>(kDenials));  // every one accounted for
  EXPECT_GE(audit.summaries, 1u);
  EXPECT_LE(audit.lines.size(), 10u + audit.summaries);  // the first ten in full, then summaries
  EXPECT_LT(audit.lines.size(), 100u);
}

// Outside testing: cycling through 10,000 forbidden names made one summary per
// name per second. Targets past the first few per (component, capability) are
// counted together.
TEST(CapabilityAudit, CyclingThroughNamesDoesNotMultiplyTheRecords) {
  auto audit =
      audit_flood("cycle " + std::to_string(kDenials), "cycled " + std::to_string(kDenials));
  EXPECT_EQ(audit.decisions, static_cast<std::uint64_t>(kDenials));
  bool other_targets = false;
  for (const auto& line : audit.lines)
    other_targets |= line.find("\"target\":\"(other targets)\"") != std::string::npos;
  EXPECT_TRUE(other_targets);
  const AuditPolicy policy;
  // In full: the first ten of each tracked target; then a summary per key per second.
  EXPECT_LT(audit.lines.size(),
            policy.max_targets * policy.exact_per_key + 4 * (policy.max_targets + 1));
}

}  // namespace
}  // namespace wasmhive::security
