#include "observe/metrics_server.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "observe/dashboard_page.h"
#include "observe/prometheus.h"
#include "observe/snapshot_json.h"

namespace wasmhive::observe {
namespace {

constexpr const char* kPaths[] = {"/", "/metrics", "/api/snapshot"};

// httplib says only that binding failed; binding a socket of our own to the
// same address tells why (the probe's socket is closed at once).
std::string why_not_listening(const ListenAddress& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  auto port = std::to_string(address.port);
  if (int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return gai_strerror(rc);
  std::string why = "cannot listen there";
  int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  if (fd >= 0) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, found->ai_addr, found->ai_addrlen) != 0) why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return why;
}

// Not httplib's default, which adds SO_REUSEPORT: with it a second server
// could share a port in use instead of being refused.
void reuse_address_only(int fd) {
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

void plain(httplib::Response& response, int status, const std::string& body) {
  response.status = status;
  response.set_content(body, "text/plain; charset=utf-8");
}

}  // namespace

MetricsServer::MetricsServer(ListenAddress address, Source source, Options options)
    : address_(std::move(address)),
      source_(std::move(source)),
      options_(options),
      server_(std::make_unique<httplib::Server>()) {}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& address,
                                                            Source source, Options options) {
  std::unique_ptr<MetricsServer> server(new MetricsServer(address, std::move(source), options));
  server->route();
  httplib::Server& http = *server->server_;
  bool bound = false;
  if (address.port == 0) {
    int port = http.bind_to_any_port(address.host);
    bound = port > 0;
    if (bound) server->address_.port = static_cast<std::uint16_t>(port);
  } else {
    bound = http.bind_to_port(address.host, address.port);
  }
  if (!bound)
    return Error{Errc::unavailable, "metrics: cannot listen on " + address.to_string() + ": " +
                                        why_not_listening(address)};
  server->serving_ = std::thread([&http] { http.listen_after_bind(); });
  // stop() is lost on a server not yet running: the destructor would wait forever.
  while (!http.is_running()) std::this_thread::yield();
  server->sampling_ = std::thread([s = server.get()] { s->sample_rates(); });
  return server;
}

MetricsServer::~MetricsServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_sampling_.notify_all();
  if (sampling_.joinable()) sampling_.join();
  server_->stop();
  if (serving_.joinable()) serving_.join();
}

void MetricsServer::route() {
  httplib::Server& http = *server_;
  http.set_socket_options(reuse_address_only);
  http.new_task_queue = [threads = options_.threads] { return new httplib::ThreadPool(threads); };
  // A request is a line and a few headers: no body, no slow trickle, no
  // connection kept forever.
  http.set_payload_max_length(0);
  http.set_read_timeout(std::chrono::seconds(5));
  http.set_write_timeout(std::chrono::seconds(5));
  http.set_keep_alive_timeout(2);
  http.set_keep_alive_max_count(100);
  http.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.method != "GET") {
      response.set_header("Allow", "GET");
      plain(response, 405, "only GET is served here\n");
      return httplib::Server::HandlerResponse::Handled;
    }
    // httplib leaves a GET's body unread: refused, the connection closes.
    auto length = request.get_header_value("Content-Length");
    if (request.has_header("Transfer-Encoding") || (!length.empty() && length != "0")) {
      response.set_header("Connection", "close");
      plain(response, 413, "a GET here carries no body\n");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (!response.body.empty()) return;
    if (response.status == 404) {
      std::string body = "not found; this server has";
      for (const char* path : kPaths) body += std::string(" ") + path;
      return plain(response, 404, body + "\n");
    }
    plain(response, response.status, "bad request: only GET, without a body\n");
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        plain(response, 500, "the snapshot could not be taken\n");
      });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_page(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Get("/api/snapshot", [this](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_content(snapshot_document(), "application/json");
  });
  http.Get("/", [](const httplib::Request&, httplib::Response& response) {
    // The page is ours, but it shows names and reasons that are not: it
    // loads nothing from elsewhere and may talk only to this server.
    response.set_header("Content-Security-Policy",
                        "default-src 'none'; script-src 'unsafe-inline'; style-src "
                        "'unsafe-inline'; connect-src 'self'; img-src data:");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_content(std::string(dashboard_page()), "text/html; charset=utf-8");
  });
}

void MetricsServer::sample_rates() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    std::optional<host::Snapshot> snapshot;
    try {
      snapshot = source_();
    } catch (const std::exception&) {
      // Out of memory, say: this sample is skipped, the next one is tried.
    }
    lock.lock();
    if (snapshot) rates_.add(snapshot->taken, snapshot->messages_handled());
    stop_sampling_.wait_for(lock, options_.sample_every, [this] { return stopping_; });
  }
}

std::string MetricsServer::metrics_page() {
  auto snapshot = source_();
  std::optional<double> rate;
  {
    std::lock_guard lock(mutex_);
    rate = rates_.per_second();
  }
  return to_prometheus(snapshot, rate);
}

std::string MetricsServer::snapshot_document() {
  auto snapshot = source_();
  std::vector<RateHistory::Point> rates;
  {
    std::lock_guard lock(mutex_);
    rates = rates_.series();
  }
  return to_json(snapshot, rates);
}

}  // namespace wasmhive::observe
