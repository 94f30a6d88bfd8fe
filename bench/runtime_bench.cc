// The runtime measured end to end with real components, each figure beside its
// baseline in the same run: ping-pong between wasm components vs native C++
// handlers inside wasmhive vs CAF 0.17 actors; scaling over workers; fan-out;
// request round trips; spawn cost and memory per component.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <caf/all.hpp>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

#include "host/host.h"
#include "host/inbox.h"
#include "security/capabilities.h"
#include "support.h"

namespace {

using namespace wasmhive;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string guest(const char* name) {
  return std::string(WASMHIVE_GUEST_DIR) + "/" + name + ".wasm";
}
std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}
abi::Bytes view(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

using bench::die;
using bench::must;
using bench::percentile;

// A host with an inbox, as the benchmarks use it.
struct Bench {
  explicit Bench(std::size_t workers) {
    host::HostConfig config{.workers = workers};
    config.on_message = inbox.sink();
    host = must(host::Host::create(config), "host");
  }
  void spawn(const std::string& name, const std::string& wasm,
             std::optional<std::size_t> worker = {}, std::size_t mailbox = 1024) {
    actor::ComponentSpec spec{.name = name, .wasm = wasm};
    spec.worker = worker;
    spec.limits.mailbox_capacity = mailbox;
    spec.limits.call_timeout = 10s;
    spec.limits.max_outstanding_requests = 100000;
    spec.capabilities = security::Capabilities::all();  // measured code, trusted
    // No storage writes: a writer holds each call's output until it ends.
    spec.capabilities.storage = security::StorageAccess::read;
    must(host->spawn(std::move(spec)), name.c_str());
  }
  void send(const std::string& target, std::string_view text) {
    must(host->send(target, bytes(text), {.wait_for_room = 10s}), "send");
  }
  std::string await(const char* what) {
    auto message = inbox.pop(60s);
    if (!message) die(std::string("no answer: ") + what);
    return message->payload;
  }
  host::Inbox inbox;  // outlives the host
  std::unique_ptr<host::Host> host;
};

constexpr int kRallyRounds = 20000;  // ping + pong = 2 messages per round

// Ping-pong rallies between `pairs` pairs of wasm players.
void wasm_ping_pong(benchmark::State& state, std::size_t workers, std::size_t pairs) {
  Bench bench(workers);
  for (std::size_t p = 0; p < pairs; ++p) {
    bench.spawn("p" + std::to_string(p) + "/a", guest("player"), p % workers);
    bench.spawn("p" + std::to_string(p) + "/b", guest("player"), p % workers);
  }
  for (auto _ : state) {
    for (std::size_t p = 0; p < pairs; ++p)
      bench.send("p" + std::to_string(p) + "/a",
                 "serve p" + std::to_string(p) + "/b " + std::to_string(kRallyRounds));
    for (std::size_t p = 0; p < pairs; ++p) bench.await("rally");
  }
  state.SetItemsProcessed(state.iterations() * 2 * kRallyRounds * static_cast<std::int64_t>(pairs));
}

// The same protocol as the wasm player, as native C++ handlers inside wasmhive.
actor::NativeHandler native_player(std::shared_ptr<std::int64_t> played) {
  return [played](abi::ComponentApi& api, const abi::CurrentMessage& m) -> std::int32_t {
    std::string_view text(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
    if (text == "ping") return api.send(m.sender, view("pong"));
    if (text == "pong") {
      if (++*played < kRallyRounds) return api.send(m.sender, view("ping"));
      return api.send("@host", view("done"));
    }
    if (text.starts_with("serve ")) {
      *played = 0;
      return api.send(text.substr(6), view("ping"));
    }
    return abi::kErrInvalid;
  };
}

void native_ping_pong(benchmark::State& state) {
  Bench bench(1);
  for (const char* name : {"n/a", "n/b"})
    must(bench.host->spawn(
             {.name = name, .native = native_player(std::make_shared<std::int64_t>())}),
         name);
  for (auto _ : state) {
    bench.send("n/a", "serve n/b");
    bench.await("native rally");
  }
  state.SetItemsProcessed(state.iterations() * 2 * kRallyRounds);
}

// Two CAF event-based actors on a one-thread scheduler.
void caf_ping_pong(benchmark::State& state) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", 1);
  caf::actor_system system{config};
  for (auto _ : state) {
    std::promise<void> done;
    auto pong = system.spawn([](caf::event_based_actor* self) -> caf::behavior {
      return {
          [self](int n) { self->send(caf::actor_cast<caf::actor>(self->current_sender()), n); }};
    });
    system.spawn([pong, &done](caf::event_based_actor* self) -> caf::behavior {
      self->send(pong, 0);
      return {[self, pong, &done](int n) {
        if (n + 1 < kRallyRounds) {
          self->send(pong, n + 1);
        } else {
          done.set_value();
          self->send_exit(pong, caf::exit_reason::user_shutdown);
          self->quit();
        }
      }};
    });
    done.get_future().wait();
  }
  system.await_all_actors_done();
  state.SetItemsProcessed(state.iterations() * 2 * kRallyRounds);
}

// One component broadcasts to 100 receivers and collects their answers.
void fan_out_in(benchmark::State& state) {
  constexpr int kReceivers = 100, kRounds = 200;
  Bench bench(2);
  bench.spawn("fan/hub", guest("fan"), 0);
  for (int r = 0; r < kReceivers; ++r) bench.spawn("fan/r" + std::to_string(r), guest("player"), 1);
  for (auto _ : state) {
    bench.send("fan/hub", "fan " + std::to_string(kReceivers) + " " + std::to_string(kRounds));
    bench.await("fan");
  }
  state.SetItemsProcessed(state.iterations() * 2 * kReceivers * kRounds);
}

// Component to component with many requests outstanding: the burster fires
// 20,000 requests in one call, the echo answers them, the burster's
// handle_callback counts them. items/s = requests completed per second.
void wasm_requests_outstanding(benchmark::State& state) {
  constexpr int kRequests = 20000;
  Bench bench(1);
  bench.spawn("rt/client", guest("burster"), 0, 1 << 16);
  bench.spawn("rt/echo", guest("echo"), 0, 1 << 16);
  std::int64_t bursts = 0;
  for (auto _ : state) {
    bench.send("rt/client", "burst rt/echo " + std::to_string(kRequests) + " 60000");
    auto deadline = Clock::now() + 60s;
    std::string expected = std::to_string(kRequests * ++bursts);
    while (Clock::now() < deadline) {
      auto reply = must(bench.host->request("rt/client", bytes("?"), 10s), "ask").get();
      std::string text(reply.payload.begin(), reply.payload.end());
      if (text.rfind(expected + " ", 0) == 0) break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kRequests);
}

// Component to component, one request at a time: each callback sends the next
// request, so the time per item is one full round trip
// request -> handle_message -> reply -> handle_callback. The requester times
// each round trip itself (monotonic_ns) and reports percentiles of its last
// chain; the mean comes from the host's clock around whole chains.
void wasm_request_round_trip(benchmark::State& state) {
  constexpr int kRequests = 20000;
  Bench bench(1);
  bench.spawn("rt/client", guest("burster"), 0);
  bench.spawn("rt/echo", guest("echo"), 0);
  std::chrono::nanoseconds total{0};
  std::string report;
  for (auto _ : state) {
    auto start = Clock::now();
    bench.send("rt/client", "chain rt/echo " + std::to_string(kRequests));
    report = bench.await("chain");
    total += Clock::now() - start;
  }
  state.SetItemsProcessed(state.iterations() * kRequests);
  state.counters["round_trip_us"] = static_cast<double>(total.count()) / 1000.0 /
                                    static_cast<double>(state.iterations() * kRequests);
  // "done <n> <p50_ns> <p99_ns> <p999_ns>"
  std::istringstream fields(report);
  std::string done;
  std::int64_t n = 0, p50 = 0, p99 = 0, p999 = 0;
  if (!(fields >> done >> n >> p50 >> p99 >> p999) || n != kRequests)
    die("unexpected chain report: " + report);
  state.counters["p50_us"] = static_cast<double>(p50) / 1000;
  state.counters["p99_us"] = static_cast<double>(p99) / 1000;
  state.counters["p999_us"] = static_cast<double>(p999) / 1000;
}

// Host -> wasm echo -> host, one at a time: latency percentiles, including the
// hand-off to and from the host thread waiting on the future.
void host_request_latency(benchmark::State& state) {
  Bench bench(1);
  bench.spawn("lat/echo", guest("echo"));
  std::vector<std::int64_t> samples;
  auto payload = bytes("x");
  for (auto _ : state) {
    auto start = Clock::now();
    auto reply = must(bench.host->request("lat/echo", payload, 10s), "request").get();
    samples.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    if (reply.status != abi::kStatusOk) die("request failed");
  }
  state.counters["p50_us"] = static_cast<double>(percentile(samples, 0.50)) / 1000;
  state.counters["p99_us"] = static_cast<double>(percentile(samples, 0.99)) / 1000;
  state.counters["p999_us"] = static_cast<double>(percentile(samples, 0.999)) / 1000;
}

std::int64_t rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return 0;
}

// Spawning from an already compiled module: time per spawn and idle memory.
void spawn_components(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Bench bench(2);
    bench.spawn("warm/up", guest("echo"));  // compiles the module once
    std::vector<std::int64_t> samples;
    std::int64_t before = rss_kib();
    for (int i = 0; i < count; ++i) {
      auto start = Clock::now();
      bench.spawn("idle/c" + std::to_string(i), guest("echo"));
      samples.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    }
    state.counters["rss_per_component_kib"] = static_cast<double>(rss_kib() - before) / count;
    state.counters["spawn_p50_us"] = static_cast<double>(percentile(samples, 0.50)) / 1000;
    state.counters["spawn_p99_us"] = static_cast<double>(percentile(samples, 0.99)) / 1000;
    state.PauseTiming();  // tearing 10,000 components down is not part of it
    bench.host->shutdown(0ms);
    state.ResumeTiming();
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  if (!bench::initialize(argc, argv, smoke)) return 1;
  auto fixed = [smoke](benchmark::internal::Benchmark* b, int iterations) {
    b->Iterations(smoke ? 1 : iterations)->Unit(benchmark::kMillisecond)->UseRealTime();
  };
  fixed(benchmark::RegisterBenchmark("ping_pong/wasm/1_worker", wasm_ping_pong, 1, 1), 20);
  fixed(benchmark::RegisterBenchmark("ping_pong/native/1_worker", native_ping_pong), 20);
  fixed(benchmark::RegisterBenchmark("ping_pong/caf/1_thread", caf_ping_pong), 20);
  fixed(benchmark::RegisterBenchmark("pairs/wasm/2_pairs_1_worker", wasm_ping_pong, 1, 2), 10);
  fixed(benchmark::RegisterBenchmark("pairs/wasm/2_pairs_2_workers", wasm_ping_pong, 2, 2), 10);
  fixed(benchmark::RegisterBenchmark("fan_out_in/wasm/100_receivers", fan_out_in), 5);
  fixed(benchmark::RegisterBenchmark("requests/wasm/round_trip", wasm_request_round_trip), 5);
  fixed(benchmark::RegisterBenchmark("requests/wasm/20000_outstanding", wasm_requests_outstanding),
        5);
  benchmark::RegisterBenchmark("request_latency/host_to_wasm", host_request_latency)
      ->Iterations(smoke ? 100 : 20000)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  fixed(benchmark::RegisterBenchmark("spawn/wasm", spawn_components)->Arg(smoke ? 100 : 10000), 1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
