// The pieces of the metrics server on their own: the Prometheus text format,
// the dashboard's JSON, the rate history and the --metrics address.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "observe/listen_address.h"
#include "observe/prometheus.h"
#include "observe/rate_history.h"
#include "observe/snapshot_json.h"

namespace wasmhive::observe {
namespace {

using namespace std::chrono_literals;

host::Snapshot two_components() {
  host::Snapshot s;
  s.workers = 2;
  s.workers_busy = 1;
  actor::ComponentStatus a{};
  a.name = "app/a";
  a.state = actor::ComponentState::running;
  a.handled = 40;
  a.restarts = 2;
  a.handle_time.buckets[0] = 3;  // <= 1 µs
  a.handle_time.buckets[2] = 2;  // <= 10 µs
  a.handle_time.buckets.back() = 1;
  a.handle_time.count = 6;
  a.handle_time.sum = 7s;
  a.storage = actor::StorageUse{.bytes = 13, .keys = 2};
  actor::ComponentStatus b{};
  b.name = "app/\"b\"\\\n";  // a name the host would refuse, to see it escaped
  b.state = actor::ComponentState::stopped;
  b.handled = 2;
  s.components = {a, b};
  host::TemplateStatus t{};
  t.pattern = "user/*";
  t.handled = 5;
  t.active = 3;
  s.templates = {t};
  s.dead_letters = 4;
  return s;
}

// The value of every sample line, by its series ("name{labels}").
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST(Prometheus, HostAndComponentCounters) {
  auto text = to_prometheus(two_components(), 12.5);
  auto m = samples(text);
  EXPECT_EQ(m["wasmhive_workers"], "2");
  EXPECT_EQ(m["wasmhive_workers_busy"], "1");
  EXPECT_EQ(m["wasmhive_messages_handled_total"], "47");  // 40 + 2 + the template's 5
  EXPECT_EQ(m["wasmhive_messages_per_second"], "12.5");
  EXPECT_EQ(m["wasmhive_components_active"], "4");  // app/a and the template's 3
  EXPECT_EQ(m["wasmhive_dead_letters_total"], "4");
  EXPECT_EQ(m["wasmhive_component_handled_total{component=\"app/a\"}"], "40");
  EXPECT_EQ(m["wasmhive_component_restarts_total{component=\"app/a\"}"], "2");
  EXPECT_EQ(m["wasmhive_component_state{component=\"app/a\",state=\"running\"}"], "1");
  EXPECT_EQ(m["wasmhive_component_state{component=\"app/a\",state=\"stopped\"}"], "0");
  EXPECT_EQ(m["wasmhive_component_storage_bytes{component=\"app/a\"}"], "13");
  EXPECT_EQ(m["wasmhive_template_handled_total{template=\"user/*\"}"], "5");
  EXPECT_EQ(text.find("wasmhive_lattice_"), std::string::npos) << "no lattice, no lattice metrics";
}

TEST(Prometheus, HistogramBucketsAreCumulative) {
  auto m = samples(to_prometheus(two_components(), std::nullopt));
  const std::string bucket = "wasmhive_component_handle_seconds_bucket{component=\"app/a\",le=";
  EXPECT_EQ(m[bucket + "\"1e-06\"}"], "3");
  EXPECT_EQ(m[bucket + "\"5e-06\"}"], "3");
  EXPECT_EQ(m[bucket + "\"1e-05\"}"], "5");
  EXPECT_EQ(m[bucket + "\"5\"}"], "5");
  EXPECT_EQ(m[bucket + "\"+Inf\"}"], "6");
  EXPECT_EQ(m["wasmhive_component_handle_seconds_count{component=\"app/a\"}"], "6");
  EXPECT_EQ(m["wasmhive_component_handle_seconds_sum{component=\"app/a\"}"], "7");
  EXPECT_EQ(m.count("wasmhive_messages_per_second"), 0u) << "no rate before two samples";
}

TEST(Prometheus, LabelValuesAreEscapedAndEveryFamilyIsTyped) {
  auto text = to_prometheus(two_components(), std::nullopt);
  EXPECT_NE(text.find("{component=\"app/\\\"b\\\"\\\\\\n\"}"), std::string::npos) << text;
  // Every sample belongs to a family announced by a TYPE line just before.
  std::istringstream lines(text);
  std::string family;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("# TYPE ")) {
      family = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.starts_with("#")) continue;
    ASSERT_FALSE(family.empty()) << line;
    EXPECT_TRUE(line.starts_with(family)) << line << " outside " << family;
  }
}

TEST(SnapshotJson, EscapesEveryString) {
  auto s = two_components();
  s.recent_dead_letters.push_back({.sender = "app/a",
                                   .target = "x</script>\"",
                                   .reason = "r\n",
                                   .trace = {.trace_id = 0xab, .message_id = 0xcd, .cause_id = 1}});
  auto json = to_json(s, {}, std::nullopt);
  EXPECT_NE(json.find("\"target\":\"x</script>\\\"\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"reason\":\"r\\u000a\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"name\":\"app/\\\"b\\\"\\\\\\u000a\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"storage_bytes\":13"), std::string::npos) << json;
  EXPECT_NE(json.find("\"trace_id\":\"00000000000000ab\",\"message_id\":\"00000000000000cd\""),
            std::string::npos)
      << json;
}

TEST(RateHistory, RatesBetweenSamples) {
  RateHistory history(3);
  RateHistory::Time t0{};
  EXPECT_FALSE(history.per_second());
  history.add(t0, 100);
  EXPECT_FALSE(history.per_second());
  history.add(t0 + 1s, 200);
  history.add(t0 + 2s, 500);
  EXPECT_DOUBLE_EQ(*history.per_second(10s), 200.0);  // 400 over 2 s
  EXPECT_DOUBLE_EQ(*history.per_second(1s), 300.0);
  history.add(t0 + 2s, 900);  // no time passed: ignored
  history.add(t0 + 3s, 600);
  history.add(t0 + 4s, 600);
  auto series = history.series();
  ASSERT_EQ(series.size(), 3u);  // keeps 3 intervals
  EXPECT_DOUBLE_EQ(series[0].per_second, 300.0);
  EXPECT_DOUBLE_EQ(series[2].per_second, 0.0);
  history.add(t0 + 5s, 10);  // a total going down starts anew
  EXPECT_FALSE(history.per_second());
}

TEST(ListenAddress, ParsesHostAndPort) {
  auto v4 = ListenAddress::parse("127.0.0.1:9464");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9464);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:9464");
  auto name = ListenAddress::parse("localhost:0");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 0);
}

TEST(ListenAddress, RefusesMalformedAddresses) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (auto [text, says] :
       {Case{"9464", "has no port"}, Case{":9464", "has no host"}, Case{"127.0.0.1:", "port"},
        Case{"127.0.0.1:65536", "port"}, Case{"127.0.0.1:-1", "port"},
        Case{"127.0.0.1:94x", "port"}, Case{"::1:9464", "IPv6"}, Case{"[::1]:9464", "IPv6"},
        Case{"[::1]", "IPv6"}, Case{"[127.0.0.1]:0", "IPv6"}, Case{"host name:1", "not an address"},
        Case{"a/b:1", "not an address"}}) {
    auto parsed = ListenAddress::parse(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find(says), std::string::npos) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("HOST:PORT"), std::string::npos);
  }
}

}  // namespace
}  // namespace wasmhive::observe
