#include "observe/metrics_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "observe/dashboard_page.h"
#include "observe/prometheus.h"
#include "observe/snapshot_json.h"

namespace wasmhive::observe {
namespace {

// Everything a request can get: one page, or a refusal.
struct Response {
  int status = 200;
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string_view, std::string_view>> headers{};
};

Response plain(int status, std::string body) {
  return {.status = status, .body = std::move(body)};
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    default:
      return "Internal Server Error";
  }
}

// One response per connection: civetweb closes it after this (keep-alive is
// off), so no idle client holds a thread between requests.
// (A HEAD gets the head alone, as HTTP wants.)
void write_response(mg_connection* connection, const Response& response, bool head_only) {
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                     std::string(reason_phrase(response.status)) +
                     "\r\nContent-Type: " + std::string(response.content_type) +
                     "\r\nContent-Length: " + std::to_string(response.body.size()) +
                     "\r\nCache-Control: no-store\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers)
    head.append(name).append(": ").append(value).append("\r\n");
  head += "\r\n";
  mg_write(connection, head.data(), head.size());
  if (!head_only) mg_write(connection, response.body.data(), response.body.size());
}

// The address to listen on, as civetweb takes it: IPv4 digits (it resolves
// no names), or the system's reason why there is none.
Result<std::string> ipv4_of(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0)
    return Error{Errc::unavailable, gai_strerror(rc)};
  std::array<char, INET_ADDRSTRLEN> text{};
  auto* address = reinterpret_cast<sockaddr_in*>(found->ai_addr);
  inet_ntop(AF_INET, &address->sin_addr, text.data(), text.size());
  freeaddrinfo(found);
  return std::string(text.data());
}

// civetweb says only that it could not set up its port; binding a socket of
// our own to the same address tells why (the probe's socket is closed at
// once). Empty if the probe could bind.
std::string why_not_listening(const std::string& ipv4, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, ipv4.c_str(), &address.sin_addr);
  std::string why;  // none found: the caller says what civetweb said
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      why = std::strerror(errno);
    close(fd);
  }
  return why;
}

// civetweb's own messages (a client that sent garbage, say) would go to
// stderr; what a client does is not the host's log.
int quiet(const mg_connection*, const char*) {
  return 1;
}

}  // namespace

MetricsServer::MetricsServer(ListenAddress address, Source source, Options options)
    : address_(std::move(address)), source_(std::move(source)), options_(options) {}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& address,
                                                            Source source, Options options) {
  auto ipv4 = ipv4_of(address.host);
  if (!ipv4)
    return Error{Errc::unavailable,
                 "metrics: cannot listen on " + address.to_string() + ": " + ipv4.error().message};
  std::unique_ptr<MetricsServer> server(new MetricsServer(address, std::move(source), options));
  std::string ports = *ipv4 + ":" + std::to_string(address.port);
  std::string threads = std::to_string(options.threads);
  std::string timeout = std::to_string(options.request_timeout.count());
  const char* configuration[] = {"listening_ports", ports.c_str(), "num_threads", threads.c_str(),
                                 "request_timeout_ms", timeout.c_str(),
                                 // A request line and a few headers; more is refused.
                                 "max_request_size", "8192", "enable_keep_alive", "no", nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = quiet;
  mg_init_data init{
      .callbacks = &callbacks, .user_data = nullptr, .configuration_options = configuration};
  std::array<char, 256> why{};
  mg_error_data error{.code = nullptr, .text = why.data(), .text_buffer_size = why.size()};
  mg_init_library(0);
  server->server_ = mg_start2(&init, &error);
  if (!server->server_) {
    std::string reason = why_not_listening(*ipv4, address.port);
    if (reason.empty()) reason = why.data();
    return Error{Errc::unavailable,
                 "metrics: cannot listen on " + address.to_string() + ": " + reason};
  }
  mg_server_port bound{};
  if (mg_get_server_ports(server->server_, 1, &bound) == 1)
    server->address_ = {*ipv4, static_cast<std::uint16_t>(bound.port)};
  mg_set_request_handler(server->server_, "/", &MetricsServer::serve, server.get());
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
  if (server_) mg_stop(server_);
  mg_exit_library();
}

// Every request comes here (civetweb's threads); nothing may throw past it.
int MetricsServer::serve(mg_connection* connection, void* self) {
  const mg_request_info* request = mg_get_request_info(connection);
  auto& server = *static_cast<MetricsServer*>(self);
  Response response;
  try {
    std::string_view method = request->request_method ? request->request_method : "";
    std::string_view path = request->local_uri ? request->local_uri : "";
    if (method != "GET") {
      response = plain(405, "only GET is served here\n");
      response.headers.push_back({"Allow", "GET"});
    } else if (request->content_length > 0 || mg_get_header(connection, "Transfer-Encoding")) {
      response = plain(413, "a GET here carries no body\n");
    } else if (path == "/metrics") {
      response = {.content_type = "text/plain; version=0.0.4; charset=utf-8",
                  .body = server.metrics_page()};
    } else if (path == "/api/snapshot") {
      response = {.content_type = "application/json", .body = server.snapshot_document()};
    } else if (path == "/") {
      // The page is ours, but it shows names and reasons that are not: it
      // loads nothing from elsewhere and may talk only to this server.
      response = {.content_type = "text/html; charset=utf-8",
                  .body = std::string(dashboard_page()),
                  .headers = {{"Content-Security-Policy",
                               "default-src 'none'; script-src 'unsafe-inline'; style-src "
                               "'unsafe-inline'; connect-src 'self'; img-src data:"},
                              {"X-Content-Type-Options", "nosniff"}}};
    } else {
      response = plain(404, "not found; this server has / /metrics /api/snapshot\n");
    }
  } catch (const std::exception&) {
    response = plain(500, "the snapshot could not be taken\n");
  }
  write_response(connection, response,
                 request->request_method && std::string_view(request->request_method) == "HEAD");
  return response.status;
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

std::optional<double> MetricsServer::recent_rate() {
  std::lock_guard lock(mutex_);
  return rates_.per_second();
}

std::string MetricsServer::metrics_page() {
  return to_prometheus(source_(), recent_rate());
}

std::string MetricsServer::snapshot_document() {
  auto snapshot = source_();
  std::vector<RateHistory::Point> rates;
  {
    std::lock_guard lock(mutex_);
    rates = rates_.series();
  }
  return to_json(snapshot, rates, recent_rate());
}

}  // namespace wasmhive::observe
