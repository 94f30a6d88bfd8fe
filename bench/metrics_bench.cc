// A fixed workload, not a timed test: what watching a host costs its
// messages. The ping-pong rally of two player components, on two hosts of one
// worker each, run alternately so that the machine's noise falls on both alike:
//   - off: no handler timed (HostConfig::timed_messages = 0), no server;
//   - on:  one message in 8 timed (the default), `--metrics` serving, and a
//          client asking /metrics and /api/snapshot as each rally starts and
//          every 100 ms while it lasts (a rally lasts some 50 ms: far more
//          often than a Prometheus or a dashboard asks).
//
// With --watch timing or --watch server, "on" turns on only that part.
//
//   metrics_bench [--watch both|timing|server] [--markdown FILE] [--smoke]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "host/host.h"
#include "host/inbox.h"
#include "observe/metrics_server.h"
#include "support.h"
#include "support/http_client.h"

namespace wasmhive::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Options {
  int rounds = 21;  // rallies of each side, alternating
  int rally = 50'000;
  // What "on" turns on: both (as --metrics does), or one of them alone, to
  // tell their costs apart.
  std::string watch = "both";
  std::string markdown;
};

// A host of one worker with two players, optionally watched.
class Court {
 public:
  Court(bool timed, bool serve) {
    host::HostConfig config{.workers = 1, .timed_messages = timed ? actor::kTimedEvery : 0};
    config.on_message = inbox_.sink();
    host_ = must(host::Host::create(config), "host");
    for (const char* name : {"p/a", "p/b"}) {
      actor::ComponentSpec spec{.name = name,
                                .wasm = std::string(WASMHIVE_GUEST_DIR) + "/player.wasm"};
      spec.capabilities = security::Capabilities::all();
      spec.capabilities.storage = security::StorageAccess::read;
      must(host_->spawn(std::move(spec)), name);
    }
    if (!serve) return;
    server_ = must(observe::MetricsServer::start(*observe::ListenAddress::parse("127.0.0.1:0"),
                                                 [h = host_.get()] { return h->snapshot(); }),
                   "metrics server");
  }

  // Messages per second of one rally, while a client scrapes a watched court.
  double messages_per_second(int rounds) {
    std::atomic<bool> rallying{true};
    std::atomic<int> scrapes{0};
    std::thread scraper;
    if (server_)
      scraper = std::thread([&] {
        auto port = server_->address().port;
        while (rallying) {
          for (const char* path : {"/metrics", "/api/snapshot"})
            if (auto page = testing::http_get(port, path); page && page->status == 200) ++scrapes;
          std::this_thread::sleep_for(100ms);
        }
      });
    std::string serve = "serve p/b " + std::to_string(rounds);
    std::vector<std::uint8_t> payload(serve.begin(), serve.end());
    auto start = Clock::now();
    must(host_->send("p/a", payload), "serve");
    if (!inbox_.pop(120s)) die("the rally did not end");
    double rate = 2.0 * rounds / std::chrono::duration<double>(Clock::now() - start).count();
    rallying = false;
    if (scraper.joinable()) scraper.join();
    scrapes_ += scrapes;
    return rate;
  }
  int scrapes() const { return scrapes_; }

 private:
  host::Inbox inbox_;  // outlives the host
  std::unique_ptr<host::Host> host_;
  std::unique_ptr<observe::MetricsServer> server_;  // goes before the host
  int scrapes_ = 0;
};

int run(const Options& o) {
  Court off(false, false);
  Court on(o.watch != "server", o.watch != "timing");
  off.messages_per_second(o.rally / 10);  // warm both up
  on.messages_per_second(o.rally / 10);
  std::vector<double> plain, watched;
  for (int i = 0; i < o.rounds; ++i) {
    plain.push_back(off.messages_per_second(o.rally));
    watched.push_back(on.messages_per_second(o.rally));
  }
  double a = percentile(plain, 0.5), b = percentile(watched, 0.5);
  std::ostringstream out;
  char line[512];
  out << "| workload | metrics off | metrics on | on ÷ off |\n|---|---|---|---|\n";
  std::snprintf(line, sizeof line,
                "| ping-pong rally, %d rounds, two `player` components on one worker; on (%s): "
                "one message in 8 timed, `/metrics` and `/api/snapshot` asked as each rally starts "
                "and every 100 ms (%d pages) | %.2f M msg/s | %.2f M msg/s | %.3f× the rate |\n",
                o.rally, o.watch.c_str(), on.scrapes(), a / 1e6, b / 1e6, b / a);
  out << line;
  std::snprintf(line, sizeof line,
                "\nMedians of %d rallies of each, alternating off and on in one process "
                "(range off %.2f–%.2f, on %.2f–%.2f M msg/s).\n",
                o.rounds, plain.front() / 1e6, plain.back() / 1e6, watched.front() / 1e6,
                watched.back() / 1e6);
  out << line;
  std::fputs(out.str().c_str(), stdout);
  if (!o.markdown.empty()) std::ofstream(o.markdown) << out.str();
  return 0;
}

}  // namespace
}  // namespace wasmhive::bench

int main(int argc, char** argv) {
  wasmhive::bench::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--smoke") {
      options.rounds = 1;
      options.rally = 200;
    } else if (arg == "--markdown" && i + 1 < argc) {
      options.markdown = argv[++i];
    } else if (arg == "--watch" && i + 1 < argc &&
               (std::string(argv[i + 1]) == "both" || std::string(argv[i + 1]) == "timing" ||
                std::string(argv[i + 1]) == "server")) {
      options.watch = argv[++i];
    } else {
      std::fprintf(
          stderr,
          "usage: metrics_bench [--watch both|timing|server] [--markdown FILE] [--smoke]\n");
      return 2;
    }
  }
  return wasmhive::bench::run(options);
}
