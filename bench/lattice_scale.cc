// One host of the lattice scale run (bench/lattice_scale.sh starts one per
// network namespace): N hosts share the virtual components user/0 ...
// user/K-1, each name placed on exactly one of them, and every host requests
// every name, so each is reached from every host (K * N requests in all, of
// which (N-1)/N cross the network). Not a timed test and not part of CI.
//
//   lattice_scale --lattice URL --host-id ID --hosts N --names K [--window W]
//                 [--lattice-name NAME] [--max-active M] [--start S]
//
// --start: the first index requested (then on, wrapping to 0): hosts given
// different starts reach each name at different times, so most requests
// find it hibernated and restore it, instead of all hosts reaching it while
// it is still active from the first.
//
// Prints one line,
//   host ID: K names requested, OK ok, F failed, T s, R req/s, active A,
//   hibernated H, registered G
// (the last three: this host's share of the names), and details on stderr.
// Exits 0 only if every request was answered ok.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "host/host.h"
#include "support.h"

namespace wasmhive::bench {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kDoneTopic = "scale.done";
// Generous: a name's first request waits for its activation, behind every
// other activation queued on its host's worker.
constexpr auto kRequestTimeout = 60s;
constexpr auto kPeersTimeout = 60s;
// The slowest host decides when the others may leave.
constexpr auto kDoneTimeout = 600s;

struct Options {
  std::string url;
  std::string host_id;
  std::string lattice_name = "scale";
  std::size_t hosts = 0;
  std::size_t names = 0;
  std::size_t window = 256;
  // Per host: with K/N names each, most are hibernated at any time. Well
  // under the ~25,000 live instances V8 allows a process (vm.max_map_count).
  std::size_t max_active = 10'000;
  std::size_t start = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(arg) + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> std::size_t {
      std::string text = value();
      try {
        std::size_t used = 0;
        std::size_t n = std::stoul(text, &used);
        if (used == text.size()) return n;
      } catch (const std::exception&) {
      }
      die(std::string(arg) + " needs a number, not '" + text + "'");
    };
    if (arg == "--lattice")
      o.url = value();
    else if (arg == "--host-id")
      o.host_id = value();
    else if (arg == "--lattice-name")
      o.lattice_name = value();
    else if (arg == "--hosts")
      o.hosts = number();
    else if (arg == "--names")
      o.names = number();
    else if (arg == "--window")
      o.window = number();
    else if (arg == "--max-active")
      o.max_active = number();
    else if (arg == "--start")
      o.start = number();
    else
      die("unknown argument " + std::string(arg));
  }
  if (o.url.empty() || o.host_id.empty() || o.hosts == 0 || o.names == 0 || o.window == 0)
    die("usage: lattice_scale --lattice URL --host-id ID --hosts N --names K [--window W] "
        "[--lattice-name NAME] [--max-active M] [--start S]");
  return o;
}

// The "done <id>" publications heard from the other hosts.
class Dones {
 public:
  explicit Dones(std::string self) : self_("done " + std::move(self)) {}
  void add(std::string payload) {
    std::lock_guard lock(mutex_);
    if (payload == self_ || payload.rfind("done ", 0) != 0) return;
    if (seen_.insert(std::move(payload)).second) changed_.notify_all();
  }
  // Waits until `count` distinct others are seen or `timeout` passes.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return seen_.size() >= count; });
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }

 private:
  const std::string self_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> seen_;
};

std::string_view status_name(abi::CallbackStatus status) {
  switch (status) {
    case abi::kStatusOk:
      return "ok";
    case abi::kStatusTimeout:
      return "timeout";
    case abi::kStatusTargetError:
      return "target_error";
    case abi::kStatusUnknownTarget:
      return "unknown_target";
    case abi::kStatusDenied:
      return "denied";
  }
  return "other";
}

// Until every other host is heard and has the template: a name is placed by
// the live hosts that have the template, so a host that sent before seeing
// them all would place names on itself that belong elsewhere. The lattice
// offers no notification of a peer, hence the polling.
void await_peers(const host::Host& host, const Options& o, const std::string& pattern) {
  auto ready = [&] {
    auto status = host.lattice_status();
    std::size_t with_template = 0;
    for (const auto& peer : status->peers)
      if (std::ranges::find(peer.templates, pattern) != peer.templates.end()) ++with_template;
    return with_template;
  };
  auto deadline = std::chrono::steady_clock::now() + kPeersTimeout;
  std::size_t seen = 0;
  while ((seen = ready()) < o.hosts - 1) {
    if (std::chrono::steady_clock::now() > deadline)
      die("host " + o.host_id + ": only " + std::to_string(seen) + " of " +
          std::to_string(o.hosts - 1) + " other hosts with '" + pattern + "' seen in " +
          std::to_string(kPeersTimeout.count()) + " s");
    std::this_thread::sleep_for(20ms);
  }
}

struct Tally {
  std::size_t ok = 0;
  std::map<std::string, std::size_t> failed;  // by status or refusal
  std::size_t busy_retries = 0;

  std::size_t failures() const {
    std::size_t n = 0;
    for (const auto& [why, count] : failed) n += count;
    return n;
  }
};

void take(std::future<host::Reply>& future, Tally& tally) {
  host::Reply reply = future.get();
  std::string_view text(reinterpret_cast<const char*>(reply.payload.data()), reply.payload.size());
  if (reply.status != abi::kStatusOk)
    ++tally.failed[std::string(status_name(reply.status))];
  else if (text.rfind("mem=", 0) != 0)
    ++tally.failed["unexpected reply"];
  else
    ++tally.ok;
}

// Requests user/0 ... user/K-1 from this host (from user/<start>, wrapping),
// at most `window` outstanding.
// Futures are taken in the order sent: one slow answer holds the window back
// a little, which does not matter for a count.
Tally request_all(host::Host& host, const Options& o) {
  Tally tally;
  std::deque<std::future<host::Reply>> window;
  const std::vector<std::uint8_t> payload = {'g', 'e', 't'};
  for (std::size_t n = 0; n < o.names; ++n) {
    std::string name = "user/" + std::to_string((o.start + n) % o.names);
    for (;;) {
      if (window.size() >= o.window) {
        take(window.front(), tally);
        window.pop_front();
      }
      auto sent = host.request(name, payload, kRequestTimeout);
      if (sent) {
        window.push_back(std::move(*sent));
        break;
      }
      // Busy is back-pressure (a full mailbox, activation queue or outbox):
      // wait for an answer, then try again. Anything else is a failure.
      if (sent.error().code != Errc::busy) {
        ++tally.failed["refused: " + std::string(to_string(sent.error().code))];
        break;
      }
      ++tally.busy_retries;
      if (!window.empty()) {
        take(window.front(), tally);
        window.pop_front();
      } else {
        std::this_thread::sleep_for(1ms);  // nothing of ours to wait for
      }
    }
  }
  for (auto& future : window) take(future, tally);
  return tally;
}

int run(const Options& o) {
  const std::string pattern = "user/*";
  Dones dones(o.host_id);
  host::HostConfig config{.workers = 2};
  config.on_message = [&dones](const host::HostMessage& m) {
    if (m.kind == abi::kKindPublish && m.topic == kDoneTopic)
      dones.add({m.payload.begin(), m.payload.end()});
  };
  config.lattice = lattice::LatticeConfig{.url = o.url,
                                          .name = o.lattice_name,
                                          .host_id = o.host_id,
                                          .heartbeat_interval = 250ms,
                                          .host_timeout = 3s};
  auto host = must(host::Host::create(std::move(config)), "host");
  // Before the template: a peer that sees this host's template has also seen
  // (on the same NATS connection, earlier) its subscription.
  must(host->subscribe(kDoneTopic), "subscribe");

  actor::TemplateSpec spec{.pattern = pattern};
  spec.component.wasm = std::string(WASMHIVE_GUEST_DIR) + "/visitor.wasm";
  spec.component.config["storage"] = "off";  // no writes: a flood of activations
  // The visitor reads two keys to answer a request; without the grant each
  // read would be an audited denial (and a warning per component).
  spec.component.capabilities.storage = security::StorageAccess::read;
  // Call deadlines are wall-clock: with four hosts and a nats-server on two
  // cores, a 1 ms call can be preempted past the default 100 ms.
  spec.component.limits.call_timeout = 2s;
  spec.max_active = o.max_active;
  spec.idle_timeout = 600s;  // instances leave to make room, least recently used first
  spec.hibernate = actor::Hibernation::memory;
  must(host->add_template(spec), "add_template");

  await_peers(*host, o, pattern);

  auto start = std::chrono::steady_clock::now();
  Tally tally = request_all(*host, o);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // No host leaves while others may still be sending to it. A publication
  // goes out once; sent again each second, so a lost one does not strand a
  // peer (distinct payloads are counted).
  const std::string done = "done " + o.host_id;
  const std::vector<std::uint8_t> done_bytes(done.begin(), done.end());
  auto deadline = std::chrono::steady_clock::now() + kDoneTimeout;
  bool all_done = false;
  while (!all_done && std::chrono::steady_clock::now() < deadline) {
    must(host->publish(kDoneTopic, done_bytes), "publish");
    all_done = dones.wait_for(o.hosts - 1, 1s);
  }

  auto t = host->templates().front();
  std::printf(
      "host %s: %zu names requested, %zu ok, %zu failed, %.1f s, %.0f req/s, active %zu, "
      "hibernated %zu, registered %zu\n",
      o.host_id.c_str(), o.names, tally.ok, tally.failures(), seconds,
      static_cast<double>(o.names) / seconds, t.active, t.hibernated, t.registered);
  std::fflush(stdout);

  auto l = *host->lattice_status();
  std::fprintf(stderr,
               "host %s detail: peak resident %zu MiB; activations %lu (%lu failed), "
               "deactivations %lu, handled %lu, hibernated state %zu KiB; busy retries %zu; "
               "frames sent %lu, received %lu, lost in transit %lu; peers %zu; dead letters "
               "%lu; done from %zu of %zu others\n",
               o.host_id.c_str(), resident_kib().second / 1024, t.activations,
               t.activation_failures, t.deactivations, t.handled, t.hibernated_bytes / 1024,
               tally.busy_retries, l.frames_sent, l.frames_received, l.lost_in_transit,
               l.peers.size(), host->dead_letters().count(), dones.size(), o.hosts - 1);
  for (const auto& [why, count] : tally.failed)
    std::fprintf(stderr, "host %s: %zu failed: %s\n", o.host_id.c_str(), count, why.c_str());
  if (!all_done)
    std::fprintf(stderr, "host %s: heard done from only %zu of %zu other hosts in %ld s\n",
                 o.host_id.c_str(), dones.size(), o.hosts - 1,
                 static_cast<long>(kDoneTimeout.count()));
  return tally.ok == o.names && all_done ? 0 : 1;
}

}  // namespace
}  // namespace wasmhive::bench

int main(int argc, char** argv) {
  return wasmhive::bench::run(wasmhive::bench::parse(argc, argv));
}
