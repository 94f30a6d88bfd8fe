// The HTTP server of `wasmhive run --metrics HOST:PORT` (civetweb): the
// Prometheus page at /metrics, the live dashboard at /, and what the
// dashboard polls at /api/snapshot. Only GET of these paths is served (405
// for another method, 404 for another path, one request per connection), on
// threads of its own: a request reads a snapshot and never waits for a
// worker. No authentication: bind it to loopback, or put it behind a proxy
// that has some (docs/security.md).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "host/snapshot.h"
#include "observe/listen_address.h"
#include "observe/rate_history.h"
#include "util/result.h"

struct mg_context;
struct mg_connection;

namespace wasmhive::observe {

class MetricsServer {
 public:
  using Source = std::function<host::Snapshot()>;
  struct Options {
    // How often the message rate is sampled (for the rate gauge and the chart).
    std::chrono::milliseconds sample_every{1000};
    std::size_t threads = 4;  // connections served at once; more wait their turn
    // A request must arrive whole within this, however slowly it trickles.
    std::chrono::milliseconds request_timeout{5000};
  };

  // Listens before returning. Errors: unavailable (the address is in use, is
  // not this machine's, or its name does not resolve), naming the address and
  // the system's reason; invalid_argument for an IPv6 address (Debian's
  // civetweb is built without IPv6).
  static Result<std::unique_ptr<MetricsServer>> start(const ListenAddress& address, Source source,
                                                      Options options);
  static Result<std::unique_ptr<MetricsServer>> start(const ListenAddress& address, Source source) {
    return start(address, std::move(source), Options{});
  }
  // Stops listening and ends the requests under way (within about a second,
  // however slow their clients).
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Where it listens, with the port it picked for port 0.
  const ListenAddress& address() const { return address_; }
  std::string url() const { return "http://" + address_.to_string() + "/"; }

 private:
  MetricsServer(ListenAddress address, Source source, Options options);
  static int serve(mg_connection* connection, void* self);
  void sample_rates();
  std::optional<double> recent_rate();
  std::string metrics_page();
  std::string snapshot_document();

  ListenAddress address_;
  const Source source_;
  const Options options_;
  mg_context* server_ = nullptr;  // civetweb's; stopped by the destructor
  std::mutex mutex_;
  std::condition_variable stop_sampling_;
  bool stopping_ = false;
  RateHistory rates_;  // guarded by mutex_
  std::thread sampling_;
};

}  // namespace wasmhive::observe
