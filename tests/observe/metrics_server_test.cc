// The metrics server in front of a real host running real wasm components:
// what /metrics says is what the run did; nothing but GET of its own paths is
// served; bad addresses fail at start; no request waits for a worker.
#include "observe/metrics_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "host/host.h"
#include "support/host_helpers.h"
#include "support/http_client.h"

namespace wasmhive::observe {
namespace {

using namespace std::chrono_literals;
using testing::ask_text;
using testing::eventually;
using testing::guest_spec;
using testing::http_exchange;
using testing::http_get;
using testing::http_request;
using testing::to_bytes;

// The value of each series of a Prometheus page, by "name{labels}".
std::map<std::string, double> parse_samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::string of(std::string_view metric, std::string_view component) {
  return std::string(metric) + "{component=\"" + std::string(component) + "\"}";
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void start_host(std::size_t workers = 2) {
    auto created = host::Host::create({.workers = workers});
    ASSERT_TRUE(created) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(actor::ComponentSpec spec) {
    auto spawned = host->spawn(std::move(spec));
    ASSERT_TRUE(spawned) << spawned.error().describe();
  }
  void serve(MetricsServer::Options options = {}) {
    auto served = MetricsServer::start(
        *ListenAddress::parse("127.0.0.1:0"), [h = host.get()] { return h->snapshot(); }, options);
    ASSERT_TRUE(served) << served.error().describe();
    server = std::move(*served);
  }
  std::uint16_t port() const { return server->address().port; }
  std::map<std::string, double> scrape() {
    auto response = http_get(port(), "/metrics");
    EXPECT_TRUE(response) << "no answer";
    if (!response) return {};
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return parse_samples(response->body);
  }

  std::unique_ptr<host::Host> host;
  std::unique_ptr<MetricsServer> server;  // after the host: it goes first
};

TEST_F(MetricsServerTest, CountersAreWhatTheRunDid) {
  start_host();
  spawn(guest_spec("svc/echo", "echo"));
  spawn(guest_spec("svc/flaky", "flaky"));
  auto ledger = guest_spec("svc/ledger", "ledger");
  ledger.capabilities.storage = security::StorageAccess::read_write;
  spawn(ledger);
  serve();

  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(ask_text(*host, "svc/echo", "hi " + std::to_string(i)), "hi " + std::to_string(i));
  // A send to nobody (a dead letter) and a trap (a failure, then a restart).
  ASSERT_TRUE(host->send("svc/flaky", to_bytes("tell nobody/here hello")));
  ASSERT_TRUE(host->send("svc/flaky", to_bytes("trap")));
  ASSERT_TRUE(eventually([&] { return host->status("svc/flaky")->restarts == 1; }));
  ASSERT_EQ(ask_text(*host, "svc/ledger", "set colour green"), "ok");
  std::string usage = ask_text(*host, "svc/ledger", "usage");  // "<bytes> <keys> <quotas>"
  // A reply leaves during its handler, the count after it.
  ASSERT_TRUE(eventually([&] {
    return host->status("svc/echo")->handled == 40 && host->status("svc/ledger")->handled == 2;
  }));
  double total = 0;
  for (const auto& status : host->statuses()) total += static_cast<double>(status.handled);

  auto m = scrape();
  EXPECT_EQ(m[of("wasmhive_component_handled_total", "svc/echo")], 40);
  EXPECT_EQ(m[of("wasmhive_component_handler_errors_total", "svc/echo")], 0);
  // One message in 8 is timed: the 1st, 9th, ... 33rd of 40.
  EXPECT_EQ(m[of("wasmhive_component_handle_seconds_count", "svc/echo")], 5);
  EXPECT_EQ(m["wasmhive_component_handle_seconds_bucket{component=\"svc/echo\",le=\"+Inf\"}"], 5);
  EXPECT_GT(m[of("wasmhive_component_handle_seconds_sum", "svc/echo")], 0);
  EXPECT_EQ(m[of("wasmhive_component_failures_total", "svc/flaky")], 1);
  EXPECT_EQ(m[of("wasmhive_component_restarts_total", "svc/flaky")], 1);
  EXPECT_EQ(m["wasmhive_component_state{component=\"svc/flaky\",state=\"running\"}"], 1);
  EXPECT_EQ(m["wasmhive_dead_letters_total"], static_cast<double>(host->dead_letters().count()));
  EXPECT_GE(m["wasmhive_dead_letters_total"], 2);  // to nobody/here, and the trapped "trap"
  std::istringstream fields(usage);
  double bytes = -1, keys = -1;
  fields >> bytes >> keys;
  EXPECT_EQ(m[of("wasmhive_component_storage_bytes", "svc/ledger")], bytes) << usage;
  EXPECT_EQ(m[of("wasmhive_component_storage_keys", "svc/ledger")], keys) << usage;
  EXPECT_EQ(m.count(of("wasmhive_component_storage_bytes", "svc/echo")), 0u)
      << "a component that never used storage has no storage figure";
  EXPECT_EQ(m["wasmhive_messages_handled_total"], total);
  EXPECT_EQ(m["wasmhive_workers"], 2);
  EXPECT_EQ(m["wasmhive_components_active"], 3);

  auto snapshot = http_get(port(), "/api/snapshot");
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->status, 200);
  EXPECT_NE(snapshot->body.find("\"target\":\"nobody/here\""), std::string::npos) << snapshot->body;
  EXPECT_NE(snapshot->body.find("\"name\":\"svc/flaky\""), std::string::npos);
}

TEST_F(MetricsServerTest, ServesOnlyGetOfItsOwnPaths) {
  start_host(1);
  serve();
  for (const char* path : {"/", "/metrics", "/api/snapshot", "/metrics?name=x"}) {
    auto got = http_get(port(), path);
    ASSERT_TRUE(got) << path;
    EXPECT_EQ(got->status, 200) << path;
    EXPECT_EQ(got->header("Connection"), "close") << "one request per connection";
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}) {
      auto refused = http_request(port(), method, path);
      ASSERT_TRUE(refused) << method << " " << path;
      EXPECT_EQ(refused->status, 405) << method << " " << path;
      EXPECT_EQ(refused->header("Allow"), "GET");
      if (std::string_view(method) == "HEAD") {
        EXPECT_EQ(refused->body, "") << "a HEAD has no body";
      }
    }
  }
  for (const char* path : {"/nope", "/metrics/", "/../etc/passwd", "/api", "/%2e%2e/etc"}) {
    auto missing = http_get(port(), path);
    ASSERT_TRUE(missing) << path;
    EXPECT_EQ(missing->status, 404) << path;
  }
  // A GET with a body is refused; so is one that never ends its headers.
  auto with_body =
      http_exchange(port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(with_body);
  EXPECT_EQ(with_body->status, 413);
  std::string endless = "GET /metrics HTTP/1.1\r\n";
  while (endless.size() < 100'000) endless += "X-Padding: 0123456789abcdef0123456789abcdef\r\n";
  auto too_long = http_exchange(port(), endless + "\r\n");
  EXPECT_TRUE(!too_long || too_long->status >= 400) << "a 100 kB request head is refused";
  auto garbage = http_exchange(port(), "\x01\x02 nonsense\r\n\r\n");
  EXPECT_TRUE(!garbage || garbage->status == 400);
  auto page = http_get(port(), "/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(page->body.find("<title>wasmhive</title>"), std::string::npos);
}

TEST_F(MetricsServerTest, AnAddressInUseFailsAtStartNamingWhy) {
  start_host(1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  std::string taken = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  auto refused =
      MetricsServer::start(*ListenAddress::parse(taken), [] { return host::Snapshot{}; });
  close(fd);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::unavailable);
  EXPECT_EQ(refused.error().message,
            "metrics: cannot listen on " + taken + ": Address already in use");

  for (const char* address : {"192.0.2.1:9464", "192.0.2.1:0"}) {
    auto elsewhere =
        MetricsServer::start(*ListenAddress::parse(address), [] { return host::Snapshot{}; });
    ASSERT_FALSE(elsewhere) << "192.0.2.1 (TEST-NET-1) is no address of this machine";
    EXPECT_NE(elsewhere.error().message.find("Cannot assign requested address"), std::string::npos)
        << elsewhere.error().message;
  }
}

TEST_F(MetricsServerTest, AnswersWhileEveryWorkerIsBusy) {
  start_host(1);
  auto looper = guest_spec("svc/loop", "flaky");
  looper.limits.call_timeout = 10s;
  spawn(looper);
  serve();
  ASSERT_TRUE(host->send("svc/loop", to_bytes("spin 3000")));
  ASSERT_TRUE(eventually([&] { return host->snapshot().workers_busy == 1; }));
  // The only worker spins; the server answers without it.
  auto started = std::chrono::steady_clock::now();
  auto m = scrape();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(m["wasmhive_workers_busy"], 1);
  EXPECT_EQ(m[of("wasmhive_component_handled_total", "svc/loop")], 0);
}

TEST_F(MetricsServerTest, ClientsThatHangDelayNoMessage) {
  start_host(2);
  spawn(guest_spec("svc/echo", "echo"));
  serve();
  // Connections that never finish a request hold server threads, not workers.
  std::vector<int> stuck;
  for (int i = 0; i < 8; ++i) {
    int fd = testing::connect_loopback(port());
    ASSERT_GE(fd, 0);
    ASSERT_GT(write(fd, "GET /metr", 9), 0);
    stuck.push_back(fd);
  }
  for (int i = 0; i < 500; ++i) ASSERT_EQ(ask_text(*host, "svc/echo", "x"), "x");
  for (int fd : stuck) close(fd);
  auto m = scrape();  // and the server recovers once they are gone
  EXPECT_EQ(m[of("wasmhive_component_handled_total", "svc/echo")], 500);
}

// A client that trickles its request (a header line now and then, each in
// time for a per-read timeout) is cut off when the whole request is late.
TEST_F(MetricsServerTest, ARequestTricklingInIsCutOffAtItsDeadline) {
  start_host(1);
  ASSERT_NO_FATAL_FAILURE(serve({.request_timeout = 1s}));
  int fd = testing::connect_loopback(port());
  ASSERT_GE(fd, 0);
  ASSERT_GT(write(fd, "GET /metrics HTTP/1.1\r\n", 23), 0);
  auto started = std::chrono::steady_clock::now();
  bool cut = false;
  while (!cut && std::chrono::steady_clock::now() - started < 20s) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 300) > 0) {
      char buffer[512];
      cut = read(fd, buffer, sizeof buffer) >= 0;  // an error page, or the close
    } else {
      cut = send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL) < 0;
    }
  }
  close(fd);
  EXPECT_TRUE(cut) << "still reading a request after 20 s";
  // Checked when a byte comes, or when none came for the timeout: at most 2 s.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(scrape()["wasmhive_workers"], 1) << "and the server serves on";
}

TEST_F(MetricsServerTest, StoppingDoesNotWaitForItsClients) {
  start_host(1);
  // Clients may hold a request open for a minute.
  ASSERT_NO_FATAL_FAILURE(serve({.request_timeout = 60s}));
  std::vector<int> clients;
  for (int i = 0; i < 8; ++i) {
    int fd = testing::connect_loopback(port());
    ASSERT_GE(fd, 0);
    if (i % 2) {
      ASSERT_GT(write(fd, "GET /metr", 9), 0);  // half a request, or none
    }
    clients.push_back(fd);
  }
  auto started = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  for (int fd : clients) close(fd);
}

}  // namespace
}  // namespace wasmhive::observe
