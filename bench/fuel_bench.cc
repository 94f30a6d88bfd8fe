// A fixed workload, not a timed test: what fuel metering (engine/fuel_meter.h)
// costs, metered against unmetered in the same run, alternating so that the
// machine's noise falls on both alike.
//   - compute: the hasher guest's hash_rounds export called directly (a hash
//     loop of about 100 instructions per round), and the fuel guest's count
//     loop (9 instructions per iteration: the worst case, a tight loop);
//   - messages: the ping-pong rally of two player components through a host,
//     with and without ComponentLimits::fuel_per_call.
//
//   fuel_bench [--markdown FILE] [--smoke]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "abi/host_bindings.h"
#include "abi/loader.h"
#include "abi/refusing_api.h"
#include "host/host.h"
#include "host/inbox.h"
#include "support.h"
#include "util/file.h"

namespace wasmhive::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string guest(const char* name) {
  return std::string(WASMHIVE_GUEST_DIR) + "/" + name + ".wasm";
}

struct Options {
  int rounds = 7;  // of each side, alternating
  int hash_rounds = 200'000;
  int count_iterations = 20'000'000;
  int rally = 20'000;
  std::string markdown;
};

// Medians of `rounds` timings of each of two sides, run alternately.
struct Pair {
  double plain = 0, metered = 0;
  double ratio() const { return metered / plain; }
};

Pair alternate(int rounds, const std::function<double()>& plain,
               const std::function<double()>& metered) {
  std::vector<double> a, b;
  for (int i = 0; i < rounds; ++i) {
    a.push_back(plain());
    b.push_back(metered());
  }
  return {percentile(a, 0.5), percentile(b, 0.5)};
}

// Seconds per call of `export_name`(arg) on an instance of the module.
class Computation {
 public:
  Computation(engine::Engine& engine, const char* guest_name, bool metered) : metered_(metered) {
    auto bytes = must(read_file(guest(guest_name)), "read guest");
    auto module = must(abi::load_module(engine, bytes, {.meter_fuel = metered}), "load");
    instance_ = must(engine.instantiate(module, abi::host_functions(), api_), "instantiate");
  }
  double seconds(const char* export_name, std::int64_t arg) {
    auto function = must(instance_->find_function(export_name), "export");
    std::int64_t args[] = {arg};
    engine::CallOptions options{};
    if (metered_) options.fuel = INT64_MAX / 2;
    auto start = Clock::now();
    must(instance_->call(function, args, options), export_name);
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

 private:
  abi::RefusingApi api_;
  bool metered_;
  std::unique_ptr<engine::Instance> instance_;
};

// Ping-pong rallies between two pairs of players on one host and one worker:
// "plain/a" and "plain/b" unmetered, "metered/a" and "metered/b" with a fuel
// budget, so that both run under the same conditions.
class Rallies {
 public:
  Rallies() {
    host::HostConfig config{.workers = 1};
    config.on_message = inbox_.sink();
    host_ = must(host::Host::create(config), "host");
    for (const char* pair : {"plain", "metered"})
      for (const char* side : {"/a", "/b"}) {
        std::string name = std::string(pair) + side;
        actor::ComponentSpec spec{.name = name, .wasm = guest("player")};
        spec.limits.fuel_per_call = std::string(pair) == "metered" ? 1'000'000'000 : 0;
        spec.capabilities = security::Capabilities::all();
        spec.capabilities.storage = security::StorageAccess::read;
        must(host_->spawn(std::move(spec)), name.c_str());
        if ((spec.limits.fuel_per_call > 0) != host_->status(name)->fuel.has_value())
          die(name + ": not metered as asked");
      }
  }
  // Messages per second of one rally of the pair.
  double messages_per_second(const std::string& pair, int rounds) {
    std::string serve = "serve " + pair + "/b " + std::to_string(rounds);
    std::vector<std::uint8_t> payload(serve.begin(), serve.end());
    auto start = Clock::now();
    must(host_->send(pair + "/a", payload), "serve");
    if (!inbox_.pop(60s)) die("the rally did not end");
    return 2.0 * rounds / std::chrono::duration<double>(Clock::now() - start).count();
  }

 private:
  host::Inbox inbox_;  // outlives the host
  std::unique_ptr<host::Host> host_;
};

std::string report(const Options& o, const Pair& hash, const Pair& tight, const Pair& rally) {
  std::ostringstream out;
  char line[256];
  out << "| workload | unmetered | metered | metered ÷ unmetered |\n|---|---|---|---|\n";
  std::snprintf(
      line, sizeof line,
      "| hash loop, %d rounds (`hasher` guest's `hash_rounds`) | %.2f ms | %.2f ms | %.2f× |\n",
      o.hash_rounds, hash.plain * 1e3, hash.metered * 1e3, hash.ratio());
  out << line;
  std::snprintf(line, sizeof line,
                "| tight loop, %d iterations of 9 instructions (`fuel` guest's `count`) | %.2f ms "
                "| %.2f ms | %.2f× |\n",
                o.count_iterations, tight.plain * 1e3, tight.metered * 1e3, tight.ratio());
  out << line;
  std::snprintf(line, sizeof line,
                "| ping-pong rally, %d rounds, a metered and an unmetered pair on one worker "
                "(`player` guests) | %.2f M msg/s | %.2f M "
                "msg/s | %.2f× the rate |\n",
                o.rally, rally.plain / 1e6, rally.metered / 1e6, rally.metered / rally.plain);
  out << line;
  std::snprintf(line, sizeof line,
                "\nMedians of %d runs of each, alternating metered and unmetered in one process.\n",
                o.rounds);
  out << line;
  return out.str();
}

int run(const Options& o) {
  auto engine = must(engine::create_engine(), "engine");
  Computation plain_hash(*engine, "hasher", false), metered_hash(*engine, "hasher", true);
  Computation plain_count(*engine, "fuel", false), metered_count(*engine, "fuel", true);
  Pair hash = alternate(
      o.rounds, [&] { return plain_hash.seconds("hash_rounds", o.hash_rounds); },
      [&] { return metered_hash.seconds("hash_rounds", o.hash_rounds); });
  Pair tight = alternate(
      o.rounds, [&] { return plain_count.seconds("count", o.count_iterations); },
      [&] { return metered_count.seconds("count", o.count_iterations); });
  Rallies rallies;
  rallies.messages_per_second("plain", o.rally / 10);  // warm both up
  rallies.messages_per_second("metered", o.rally / 10);
  // Rates: the "faster" side has the higher figure, so the pair is read as rates.
  Pair rally = alternate(
      o.rounds, [&] { return rallies.messages_per_second("plain", o.rally); },
      [&] { return rallies.messages_per_second("metered", o.rally); });
  std::string text = report(o, hash, tight, rally);
  std::fputs(text.c_str(), stdout);
  if (!o.markdown.empty()) std::ofstream(o.markdown) << text;
  return 0;
}

}  // namespace
}  // namespace wasmhive::bench

int main(int argc, char** argv) {
  wasmhive::bench::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--smoke") {
      options = {.rounds = 1,
                 .hash_rounds = 1000,
                 .count_iterations = 1000,
                 .rally = 100,
                 .markdown = options.markdown};
    } else if (arg == "--markdown" && i + 1 < argc) {
      options.markdown = argv[++i];
    } else {
      std::fprintf(stderr, "usage: fuel_bench [--markdown FILE] [--smoke]\n");
      return 2;
    }
  }
  return wasmhive::bench::run(options);
}
