// A fixed workload, not a timed test: two hosts of a lattice on one NATS
// server (started here, on loopback), beside raw libnats on the same server
// in the same run (bench/nats_baseline.h):
//   - round trip: a component on one host requests an echo component on the
//     other, one request at a time, timed in the guest from the request to its
//     callback (the burster guest's chain), against natsConnection_Request to
//     an echoing subscriber;
//   - throughput: the host application sends 64-byte messages to a component
//     on the other host, timed until that component has handled the last,
//     against 64-byte publications counted by a subscriber.
// Both hosts and both raw connections live in this process: the same cores,
// the same libnats.
//
//   lattice_bench [--round-trips N] [--messages M] [--markdown FILE] [--smoke]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "host/host.h"
#include "nats_baseline.h"
#include "support.h"
#include "support/nats_server.h"

namespace wasmhive::bench {
namespace {

using namespace std::chrono_literals;

struct Options {
  std::size_t round_trips = 20'000;
  std::size_t messages = 1'000'000;
  std::string markdown;
};

struct Figures {
  // Raw round trips two ways: libnats' default batching holds each write for
  // a millisecond; "asap" writes at once. The faster is the baseline.
  double batched_p50_us = 0, batched_p99_us = 0;
  double raw_p50_us = 0, raw_p99_us = 0, p50_us = 0, p99_us = 0;
  double raw_rate = 0, rate = 0;
  std::size_t refused = 0;
};

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

// What components tell "@host", one line at a time.
class Lines {
 public:
  void add(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
    changed_.notify_all();
  }
  std::string wait_for(const std::string& prefix) {
    std::unique_lock lock(mutex_);
    std::string found;
    if (!changed_.wait_for(lock, 300s, [&] {
          for (const auto& line : lines_)
            if (line.rfind(prefix, 0) == 0) return found = line, true;
          return false;
        }))
      die("no '" + prefix + "' from the components");
    lines_.clear();
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

std::unique_ptr<host::Host> make_host(const std::string& url, const std::string& id, Lines& lines) {
  host::HostConfig config{.workers = 1};
  config.on_message = [&lines](const host::HostMessage& m) {
    lines.add({m.payload.begin(), m.payload.end()});
  };
  config.lattice = lattice::LatticeConfig{.url = url, .name = "bench", .host_id = id};
  return must(host::Host::create(std::move(config)), "a lattice host");
}

actor::ComponentSpec spec(const std::string& name, const std::string& guest) {
  actor::ComponentSpec s;
  s.name = name;
  s.wasm = std::string(WASMHIVE_GUEST_DIR) + "/" + guest + ".wasm";
  s.capabilities.send = {"*"};
  s.capabilities.clock = true;  // the burster times its round trips
  return s;
}

Figures run(const Options& options) {
  testing::NatsServer server;
  Figures f;
  auto batched = raw_request_reply(server.url(), 1, options.round_trips);
  auto asap = raw_request_reply(server.url(), 1, options.round_trips, NatsSend::asap);
  f.batched_p50_us = percentile(batched.micros, 0.5);
  f.batched_p99_us = percentile(batched.micros, 0.99);
  f.raw_p50_us = percentile(asap.micros, 0.5);
  f.raw_p99_us = percentile(asap.micros, 0.99);
  f.raw_rate = raw_publish_throughput(server.url(), 64, options.messages);

  Lines lines;
  auto a = make_host(server.url(), "a", lines);
  auto b = make_host(server.url(), "b", lines);
  must(a->spawn(spec("a/burster", "burster")), "a/burster");
  must(b->spawn(spec("b/echo", "echo")), "b/echo");
  auto recorder = spec("b/recorder", "recorder");
  recorder.limits.mailbox_capacity = options.messages;  // the sender does not wait
  recorder.limits.mailbox_bytes = options.messages * 256;
  must(b->spawn(recorder), "b/recorder");
  // Until a has heard of b's components (a heartbeat after they started).
  auto deadline = std::chrono::steady_clock::now() + 10s;
  auto sees_b = [&] {
    auto peers = a->lattice_status()->peers;
    return peers.size() == 1 && peers[0].components.size() == 2;
  };
  while (!sees_b()) {
    if (std::chrono::steady_clock::now() > deadline) die("host a does not see b's components");
    std::this_thread::sleep_for(1ms);
  }

  // One request at a time from the host application, after 100 untimed ones.
  std::vector<double> trips;
  auto one = bytes_of("x");
  for (std::size_t i = 0; i < options.round_trips + 100; ++i) {
    auto sent = std::chrono::steady_clock::now();
    auto reply = must(a->request("b/echo", one, 10s), "a request").get();
    if (reply.status != abi::kStatusOk) die("a request to b/echo failed");
    if (i >= 100)
      trips.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - sent)
              .count());
  }
  f.p50_us = percentile(trips, 0.5);
  f.p99_us = percentile(trips, 0.99);

  std::vector<std::uint8_t> payload(64, 'x');
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < options.messages; ++i)
    if (auto sent = a->send("b/recorder", payload); !sent) {
      if (f.refused++ == 0) std::fprintf(stderr, "refused: %s\n", sent.error().describe().c_str());
    }
  std::size_t expected = options.messages - f.refused;
  deadline = std::chrono::steady_clock::now() + 300s;
  while (b->status("b/recorder")->handled < expected) {
    if (std::chrono::steady_clock::now() > deadline) die("the messages did not all arrive");
    std::this_thread::sleep_for(100us);
  }
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.rate = static_cast<double>(expected) / elapsed;
  auto lost = b->lattice_status()->lost_in_transit;
  if (lost > 0) die(std::to_string(lost) + " frames lost in transit on loopback");
  return f;
}

std::string report(const Options& options, const Figures& f) {
  std::ostringstream out;
  char line[512];
  auto row = [&](const char* format, auto... values) {
    std::snprintf(line, sizeof line, format, values...);
    out << line << "\n";
  };
  auto verdict = [](bool met) { return std::string(met ? "met" : "**missed**"); };
  out << "## The lattice: two hosts over NATS, beside raw libnats\n\n"
      << "A fixed workload (`build/bench/lattice_bench`; `bench/run.sh` runs it): two hosts "
         "of one lattice and a `nats-server` on loopback, all on this machine, beside raw "
         "libnats on the same server in the same run. Round trip: the host application requests an "
         "echo component on the other host, one request at a time, timed from the request "
         "to its reply, against `natsConnection_Request` to an echoing "
         "subscriber (1-byte payloads), with libnats writing at once (`natsOptions_SetSendAsap`; "
         "its default batching holds each write for a millisecond, shown below). Throughput: the "
         "host application sends 64-byte "
         "messages to a component on the other host, until it has handled the last, against "
         "64-byte publications counted by a subscriber.\n\n";
  row("| %zu round trips, %zu messages | wasmhive | raw libnats | ratio | goal |",
      options.round_trips, options.messages);
  out << "|---|---|---|---|---|\n";
  row("| request → callback round trip, p50 | %.1f µs | %.1f µs | %.2f× | ≤ 1.25×: %s |", f.p50_us,
      f.raw_p50_us, f.p50_us / f.raw_p50_us, verdict(f.p50_us <= 1.25 * f.raw_p50_us).c_str());
  row("| request → callback round trip, p99 | %.1f µs | %.1f µs | %.2f× | ≤ 1.25×: %s |", f.p99_us,
      f.raw_p99_us, f.p99_us / f.raw_p99_us, verdict(f.p99_us <= 1.25 * f.raw_p99_us).c_str());
  row("| send throughput, 64 B | %.0f msg/s | %.0f msg/s | %.2f× | ≥ 0.8×: %s |", f.rate,
      f.raw_rate, f.rate / f.raw_rate, verdict(f.rate >= 0.8 * f.raw_rate).c_str());
  row("\nRaw libnats with its default batching: round trip p50 %.1f µs, p99 %.1f µs.",
      f.batched_p50_us, f.batched_p99_us);
  if (f.refused) row("\n%zu sends were refused by the sending host (NATS buffer full).", f.refused);
  out << "\n";
  return out.str();
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--smoke") {
      options.round_trips = 200;
      options.messages = 2000;
    } else if (arg == "--round-trips") {
      options.round_trips = std::stoul(value());
    } else if (arg == "--messages") {
      options.messages = std::stoul(value());
    } else if (arg == "--markdown") {
      options.markdown = value();
    } else {
      die("unknown argument " + std::string(arg));
    }
  }
  return options;
}

}  // namespace
}  // namespace wasmhive::bench

int main(int argc, char** argv) {
  using namespace wasmhive::bench;
  Options options = parse(argc, argv);
  std::string text = report(options, run(options));
  std::fputs(text.c_str(), stdout);
  if (!options.markdown.empty()) std::ofstream(options.markdown) << text;
  return 0;
}
