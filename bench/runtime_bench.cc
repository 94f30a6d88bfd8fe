// The runtime measured end to end with real components, each figure beside its
// baselines in the same run: wasm components vs native C++ handlers inside
// wasmhive vs CAF 0.17 actors vs Erlang processes (bench/erlang/runtime.erl in
// a child erl, which measures itself) for ping-pong, fan-out/fan-in, request
// round trips, outstanding requests and spawn cost and memory; scaling over
// workers; requests from the host.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "erlang_peer.h"
#include "host/host.h"
#include "host/inbox.h"
#include "security/capabilities.h"
#include "support.h"
#include "util/file.h"

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
constexpr int kRoundTrips = 20000;   // requests a chain makes, one at a time
constexpr int kOutstanding = 20000;  // requests of one burst, all outstanding

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

constexpr int kFanReceivers = 100, kFanRounds = 200;

// One component broadcasts to 100 receivers and collects their answers.
void fan_out_in(benchmark::State& state) {
  constexpr int kReceivers = kFanReceivers, kRounds = kFanRounds;
  Bench bench(2);
  bench.spawn("fan/hub", guest("fan"), 0);
  for (int r = 0; r < kReceivers; ++r) bench.spawn("fan/r" + std::to_string(r), guest("player"), 1);
  for (auto _ : state) {
    bench.send("fan/hub", "fan " + std::to_string(kReceivers) + " " + std::to_string(kRounds));
    bench.await("fan");
  }
  state.SetItemsProcessed(state.iterations() * 2 * kReceivers * kRounds);
}

// The same with CAF: 1 hub actor sends to 100 receiver actors and collects
// their 100 answers, 200 rounds, on a 2-thread scheduler (our 2 workers).
void caf_fan_out_in(benchmark::State& state) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", 2);
  caf::actor_system system{config};
  std::vector<caf::actor> receivers;
  for (int r = 0; r < kFanReceivers; ++r)
    receivers.push_back(system.spawn([](caf::event_based_actor* self) -> caf::behavior {
      return {
          [self](int n) { self->send(caf::actor_cast<caf::actor>(self->current_sender()), n); }};
    }));
  for (auto _ : state) {
    std::promise<void> done;
    system.spawn([&receivers, &done](caf::event_based_actor* self) -> caf::behavior {
      struct Hub {
        int round = 0, answers = 0;
      };
      auto hub = std::make_shared<Hub>();
      for (const caf::actor& r : receivers) self->send(r, 0);
      return {[self, hub, &receivers, &done](int) {
        if (++hub->answers < kFanReceivers) return;
        hub->answers = 0;
        if (++hub->round < kFanRounds) {
          for (const caf::actor& r : receivers) self->send(r, hub->round);
          return;
        }
        self->quit();
        done.set_value();  // last: the benchmark thread may go on at once
      }};
    });
    done.get_future().wait();
  }
  for (const caf::actor& r : receivers) caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  state.SetItemsProcessed(state.iterations() * 2 * kFanReceivers * kFanRounds);
}

// Component to component with many requests outstanding: the burster fires
// 20,000 requests in one call, the echo answers them, the burster's
// handle_callback counts them. items/s = requests completed per second.
void wasm_requests_outstanding(benchmark::State& state) {
  constexpr int kRequests = kOutstanding;
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
  constexpr int kRequests = kRoundTrips;
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

// A CAF echo: its handler's result is the response to a request.
caf::actor caf_echo(caf::actor_system& system) {
  return system.spawn([]() -> caf::behavior { return {[](int n) { return n; }}; });
}

// The same with CAF on a 1-thread scheduler: one actor makes 20,000 requests
// one after the other with self->request(...).then(...), each response
// handler sending the next; it times each round trip with one clock read, as
// the wasm requester does. Percentiles of the last chain; the mean from the
// benchmark thread's clock around whole chains.
void caf_request_round_trip(benchmark::State& state) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", 1);
  caf::actor_system system{config};
  caf::actor echo = caf_echo(system);
  // What the requester's handlers share; outlives the requester (the
  // benchmark thread waits for done).
  struct Chain {
    caf::event_based_actor* self = nullptr;
    caf::actor echo{};
    int left = 0;
    Clock::time_point sent{};
    std::vector<std::int64_t> samples{};
    std::promise<void> done{};
    void next() {
      self->request(echo, caf::infinite, left).then([this](int) {
        auto now = Clock::now();
        samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent).count());
        sent = now;  // the next request leaves now
        if (--left > 0) return next();
        self->quit();
        done.set_value();  // last: the benchmark thread may go on at once
      });
    }
  };
  std::chrono::nanoseconds total{0};
  std::vector<std::int64_t> last;
  for (auto _ : state) {
    Chain chain{.echo = echo, .left = kRoundTrips};
    chain.samples.reserve(kRoundTrips);
    auto start = Clock::now();
    system.spawn([&chain](caf::event_based_actor* self) -> caf::behavior {
      chain.self = self;
      chain.sent = Clock::now();
      chain.next();
      return {[](int) {}};  // never sent to: the chain ends with quit()
    });
    chain.done.get_future().wait();
    total += Clock::now() - start;
    last = std::move(chain.samples);
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  state.SetItemsProcessed(state.iterations() * kRoundTrips);
  state.counters["round_trip_us"] = static_cast<double>(total.count()) / 1000.0 /
                                    static_cast<double>(state.iterations() * kRoundTrips);
  state.counters["p50_us"] = static_cast<double>(percentile(last, 0.50)) / 1000;
  state.counters["p99_us"] = static_cast<double>(percentile(last, 0.99)) / 1000;
  state.counters["p999_us"] = static_cast<double>(percentile(last, 0.999)) / 1000;
}

// CAF with 20,000 requests outstanding: one actor makes them all in one
// handler, their response handlers count them. 1-thread scheduler. CAF 0.17
// keeps an actor's pending .then() handlers in a vector searched linearly
// (detail::unordered_flat_map), so this costs it O(outstanding) per response.
void caf_requests_outstanding(benchmark::State& state) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", 1);
  caf::actor_system system{config};
  caf::actor echo = caf_echo(system);
  for (auto _ : state) {
    std::promise<void> done;
    system.spawn([echo, &done](caf::event_based_actor* self) -> caf::behavior {
      auto answered = std::make_shared<int>(0);
      for (int i = 0; i < kOutstanding; ++i)
        self->request(echo, caf::infinite, i).then([self, answered, &done](int) {
          if (++*answered < kOutstanding) return;
          self->quit();
          done.set_value();
        });
      return {[](int) {}};
    });
    done.get_future().wait();
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  state.SetItemsProcessed(state.iterations() * kOutstanding);
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

// Spawns of one module, from bytes already read (Host::spawn with
// wasm_bytes; compiling is a cache hit), each timed at the caller: spawn
// returns once the component's init has run on its worker.
struct SpawnRun {
  Bench bench{2};
  std::vector<std::uint8_t> wasm;
  std::vector<std::int64_t> samples;
  int spawned = 0;

  SpawnRun() {
    auto read = read_file(guest("echo"));
    if (!read) die("cannot read echo.wasm");
    wasm = std::move(*read);
    // One per worker: the module compiles, and each worker makes instances ahead.
    for (std::size_t worker = 0; worker < 2; ++worker) spawn_one(worker);
    samples.clear();
  }
  void spawn_one(std::optional<std::size_t> worker = {}, host::SpawnOptions options = {}) {
    actor::ComponentSpec spec{.name = "idle/c" + std::to_string(spawned++)};
    spec.wasm_bytes = wasm;
    spec.worker = worker;
    auto start = Clock::now();
    must(bench.host->spawn(std::move(spec), {}, options), "spawn");
    samples.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  }
  // Waits until the components spawned from number `first` on are running.
  void await_running(int first) {
    auto deadline = Clock::now() + 30s;
    for (int i = first; i < spawned; ++i)
      while (bench.host->status("idle/c" + std::to_string(i))->state !=
             actor::ComponentState::running) {
        if (Clock::now() > deadline) die("spawned components did not start");
        std::this_thread::yield();
      }
  }
  // Waits until the workers have made the instances a burst takes.
  void await_ready(std::size_t ready) {
    auto deadline = Clock::now() + 30s;
    while (bench.host->ready_instances() < ready) {
      if (Clock::now() > deadline) die("the workers made no instances ahead");
      std::this_thread::sleep_for(1ms);
    }
  }
};

// Bursts as many spawns as the workers hold ready (HostConfig::ready_instances
// per worker, its default), after they made them while idle: what a burst
// costs when the pool is full. 50 bursts; p50 and p99 over all spawns, at the
// caller. Without waiting for init (SpawnOptions), also the time from a
// burst's first spawn until all its components run (p50 over bursts).
void spawn_burst(benchmark::State& state, bool wait_for_init) {
  const std::size_t per_burst = 2 * host::HostConfig{}.ready_instances;
  const int bursts = static_cast<int>(state.range(0));
  for (auto _ : state) {
    SpawnRun run;
    std::chrono::nanoseconds spent{0};
    std::vector<std::int64_t> until_running;
    for (int b = 0; b < bursts; ++b) {
      run.await_ready(per_burst);
      int first = run.spawned;
      auto start = Clock::now();
      for (std::size_t i = 0; i < per_burst; ++i)
        run.spawn_one({}, {.wait_for_init = wait_for_init});
      spent += Clock::now() - start;
      run.await_running(first);
      until_running.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    }
    state.counters["spawn_p50_us"] = static_cast<double>(percentile(run.samples, 0.50)) / 1000;
    state.counters["spawn_p99_us"] = static_cast<double>(percentile(run.samples, 0.99)) / 1000;
    state.counters["spawns_per_s"] =
        static_cast<double>(run.samples.size()) / std::chrono::duration<double>(spent).count();
    state.counters["burst_running_p50_us"] =
        static_cast<double>(percentile(until_running, 0.50)) / 1000;
    state.counters["from_ready"] = static_cast<double>(run.bench.host->spawns_from_ready());
    state.PauseTiming();
    run.bench.host->shutdown(0ms);
    state.ResumeTiming();
  }
}

// Spawns one after the other, far more than are ever ready: the sustained
// rate, and the memory each idle component keeps.
void spawn_sustained(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  for (auto _ : state) {
    SpawnRun run;
    auto before = bench::resident_kib().first;
    auto start = Clock::now();
    for (int i = 0; i < count; ++i) run.spawn_one();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    state.counters["rss_per_component_kib"] =
        static_cast<double>(bench::resident_kib().first - before) / count;
    state.counters["spawn_p50_us"] = static_cast<double>(percentile(run.samples, 0.50)) / 1000;
    state.counters["spawn_p99_us"] = static_cast<double>(percentile(run.samples, 0.99)) / 1000;
    state.counters["spawns_per_s"] = count / seconds;
    state.counters["from_ready"] = static_cast<double>(run.bench.host->spawns_from_ready());
    state.PauseTiming();  // tearing 10,000 components down is not part of it
    run.bench.host->shutdown(0ms);
    state.ResumeTiming();
  }
}

// Bytes malloc has handed out and not had back, over every arena.
double heap_in_use() {
  struct mallinfo2 info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd);
}

// CAF's spawn: event-based actors that stay idle (a behavior, no message),
// spawned from the benchmark thread on a 2-thread scheduler (our 2 workers).
// Each spawn timed; the time (manual) is the spawn loop, so items/s is the
// spawn rate. Memory per actor once every actor has installed its behavior:
// RSS, as for components (after malloc_trim, which gives back the free pages
// earlier benchmarks left, so reusing them counts), and malloc's bytes in use.
void caf_spawn(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  caf::actor_system_config config;
  config.set("scheduler.max-threads", 2);
  caf::actor_system system{config};
  for (auto _ : state) {
    std::atomic<int> started{0};
    // Sized (and their pages touched) before the RSS baseline.
    std::vector<caf::actor> actors(count);
    std::vector<std::int64_t> samples(count);
    malloc_trim(0);
    auto before = bench::resident_kib().first;
    double heap_before = heap_in_use();
    auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
      auto spawned = Clock::now();
      actors[i] = system.spawn([&started](caf::event_based_actor*) -> caf::behavior {
        started.fetch_add(1, std::memory_order_relaxed);
        return {[](int) {}};
      });
      samples[i] =
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - spawned).count();
    }
    std::chrono::duration<double> elapsed = Clock::now() - start;
    while (started.load() < count) std::this_thread::yield();
    auto after = bench::resident_kib().first;
    double heap_after = heap_in_use();
    state.SetIterationTime(elapsed.count());
    state.counters["spawn_p50_us"] = static_cast<double>(percentile(samples, 0.50)) / 1000;
    state.counters["spawn_p99_us"] = static_cast<double>(percentile(samples, 0.99)) / 1000;
    state.counters["spawns_per_s"] = count / elapsed.count();
    state.counters["rss_per_actor_kib"] =
        (static_cast<double>(after) - static_cast<double>(before)) / count;
    state.counters["heap_per_actor_kib"] = (heap_after - heap_before) / 1024 / count;
    for (const caf::actor& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors.clear();
    system.await_all_actors_done();  // not timed: manual time
  }
  state.SetItemsProcessed(state.iterations() * count);
}

// Erlang's side of a workload: bench/erlang/runtime.erl (see its header) run
// once, in a child erl, in the benchmark's one iteration. Erlang measures
// itself: the benchmark's time is its `seconds` (manual time), items what it
// did in them, and each counter is copied from an Erlang field.
struct ErlangWorkload {
  std::string workload{};
  std::vector<std::int64_t> args{};
  int schedulers = 1;  // +S
  std::int64_t items = 0;
  std::vector<std::pair<std::string, std::string>> counters{};  // {counter, field}
  std::size_t process_limit = 0;                                // +P; 0: erl's default
};

// Skipped, with the reason, when Erlang is not there (it is optional); a run
// that fails stops the program, as every other failure does.
void erlang_peer(benchmark::State& state, const ErlangWorkload& w) {
  std::vector<std::string> args;
  for (std::int64_t a : w.args) args.push_back(std::to_string(a));
  for (auto _ : state) {
    auto result = bench::run_erlang_workload("runtime", w.workload, args, w.schedulers,
                                             WASMHIVE_ERLANG_BEAM_DIR, w.process_limit);
    if (!result && result.unavailable) {
      state.SkipWithError(("erlang peer skipped: " + result.error).c_str());
      break;
    }
    if (!result) die("erlang " + w.workload + ": " + result.error);
    auto seconds = result.number("seconds");
    if (!seconds || *seconds <= 0) die("erlang " + w.workload + ": no seconds in " + result.line);
    state.SetIterationTime(*seconds);
    for (const auto& [counter, field] : w.counters) {
      auto value = result.number(field);
      if (!value) die("erlang " + w.workload + ": no " + field + " in " + result.line);
      state.counters[counter] = *value;
    }
  }
  state.SetItemsProcessed(state.iterations() * w.items);
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  if (!bench::initialize(argc, argv, smoke)) return 1;
  auto fixed = [smoke](benchmark::internal::Benchmark* b, int iterations) {
    b->Iterations(smoke ? 1 : iterations)->Unit(benchmark::kMillisecond)->UseRealTime();
  };
  // Erlang runs each workload once, repeating inside (its own sizes, tiny in
  // a smoke run: erl itself starts in about 0.2 s).
  auto erlang = [](const char* name, const ErlangWorkload& workload) {
    benchmark::RegisterBenchmark(
        name, [workload](benchmark::State& state) { erlang_peer(state, workload); })
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond)
        ->UseManualTime();
  };
  const std::int64_t rally_rounds = smoke ? 200 : kRallyRounds, rallies = smoke ? 2 : 20;
  const std::int64_t fan_rounds = smoke ? 2 : kFanRounds, fans = smoke ? 1 : 5;
  const std::int64_t round_trips = smoke ? 200 : kRoundTrips, chains = smoke ? 1 : 5;
  const std::int64_t outstanding = smoke ? 200 : kOutstanding, bursts = smoke ? 1 : 5;
  const std::int64_t spawns = smoke ? 100 : 10000;

  fixed(benchmark::RegisterBenchmark("ping_pong/wasm/1_worker", wasm_ping_pong, 1, 1), 20);
  fixed(benchmark::RegisterBenchmark("ping_pong/native/1_worker", native_ping_pong), 20);
  fixed(benchmark::RegisterBenchmark("ping_pong/caf/1_thread", caf_ping_pong), 20);
  erlang("ping_pong/erlang/1_scheduler",
         {.workload = "ping_pong",
          .args = {rally_rounds, rallies},
          .schedulers = 1,
          .items = 2 * rally_rounds * rallies,
          .counters = {{"median_msgs_per_s", "median_msgs_per_s"}}});
  fixed(benchmark::RegisterBenchmark("pairs/wasm/2_pairs_1_worker", wasm_ping_pong, 1, 2), 10);
  fixed(benchmark::RegisterBenchmark("pairs/wasm/2_pairs_2_workers", wasm_ping_pong, 2, 2), 10);
  fixed(benchmark::RegisterBenchmark("fan_out_in/wasm/100_receivers", fan_out_in), 5);
  fixed(benchmark::RegisterBenchmark("fan_out_in/caf/100_receivers", caf_fan_out_in), 5);
  erlang("fan_out_in/erlang/100_receivers", {.workload = "fan_out_in",
                                             .args = {kFanReceivers, fan_rounds, fans},
                                             .schedulers = 2,
                                             .items = 2 * kFanReceivers * fan_rounds * fans});
  fixed(benchmark::RegisterBenchmark("requests/wasm/round_trip", wasm_request_round_trip), 5);
  fixed(benchmark::RegisterBenchmark("requests/caf/round_trip", caf_request_round_trip), 5);
  erlang("requests/erlang/round_trip", {.workload = "round_trip",
                                        .args = {round_trips, chains},
                                        .schedulers = 1,
                                        .items = round_trips * chains,
                                        .counters = {{"round_trip_us", "mean_us"},
                                                     {"p50_us", "p50_us"},
                                                     {"p99_us", "p99_us"},
                                                     {"p999_us", "p999_us"},
                                                     {"clock_ns", "clock_ns"}}});
  fixed(benchmark::RegisterBenchmark("requests/wasm/20000_outstanding", wasm_requests_outstanding),
        5);
  fixed(benchmark::RegisterBenchmark("requests/caf/20000_outstanding", caf_requests_outstanding),
        5);
  erlang("requests/erlang/20000_outstanding", {.workload = "outstanding",
                                               .args = {outstanding, bursts},
                                               .schedulers = 1,
                                               .items = outstanding * bursts});
  benchmark::RegisterBenchmark("request_latency/host_to_wasm", host_request_latency)
      ->Iterations(smoke ? 100 : 20000)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  fixed(benchmark::RegisterBenchmark("spawn/wasm/burst", spawn_burst, true)->Arg(smoke ? 2 : 50),
        1);
  fixed(benchmark::RegisterBenchmark("spawn/wasm/burst_no_wait", spawn_burst, false)
            ->Arg(smoke ? 2 : 50),
        1);
  fixed(benchmark::RegisterBenchmark("spawn/wasm/sustained", spawn_sustained)
            ->Arg(smoke ? 100 : 10000),
        1);
  benchmark::RegisterBenchmark("spawn/caf", caf_spawn)
      ->Arg(spawns)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
  erlang("spawn/erlang", {.workload = "spawn",
                          .args = {spawns},
                          .schedulers = 2,
                          .items = spawns,
                          .counters = {{"spawn_p50_us", "spawn_p50_us"},
                                       {"spawn_p99_us", "spawn_p99_us"},
                                       {"spawns_per_s", "spawns_per_s"},
                                       {"memory_per_process_bytes", "memory_per_process_bytes"},
                                       {"process_bytes", "process_bytes"},
                                       {"rss_per_process_kib", "rss_per_process_kib"},
                                       {"clock_ns", "clock_ns"}},
                          .process_limit = static_cast<std::size_t>(spawns) + 65536});
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
