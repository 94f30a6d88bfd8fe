// A plain HTTP/1.1 client for tests and benchmarks of the metrics server: one
// request per connection, sent as the exact bytes given (so a test can send a
// malformed one), the answer read until the server closes the connection, as
// that server does after every response.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasmhive::testing {

struct HttpResponse {
  int status = 0;
  std::string head;  // the status line and the headers
  std::string body;

  // The value of the first header `name` (any case); empty if absent.
  std::string header(std::string_view name) const {
    auto lower = [](std::string text) {
      std::transform(text.begin(), text.end(), text.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return text;
    };
    std::string all = lower(head), key = "\r\n" + lower(std::string(name)) + ":";
    auto at = all.find(key);
    if (at == std::string::npos) return {};
    auto from = head.find_first_not_of(' ', at + key.size());
    return head.substr(from, head.find("\r\n", from) - from);
  }
};

// A connected socket to 127.0.0.1:port, or -1.
inline int connect_loopback(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` and reads the answer; none if the connection failed, or
// the answer did not end within `timeout`, or was not HTTP.
inline std::optional<HttpResponse> http_exchange(
    std::uint16_t port, std::string_view request,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  int fd = connect_loopback(port);
  if (fd < 0) return std::nullopt;
  std::string answer;
  bool whole = send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(request.size());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (whole) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      whole = false;
      break;
    }
    char buffer[16384];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) whole = false;
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  auto end_of_head = answer.find("\r\n\r\n");
  if (!whole || !answer.starts_with("HTTP/1.") || end_of_head == std::string::npos ||
      answer.size() < 12)
    return std::nullopt;
  HttpResponse response;
  response.status = std::stoi(answer.substr(9, 3));
  response.head = answer.substr(0, end_of_head);
  response.body = answer.substr(end_of_head + 4);
  return response;
}

inline std::optional<HttpResponse> http_request(std::uint16_t port, std::string_view method,
                                                std::string_view path) {
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  return http_exchange(port, request);
}

inline std::optional<HttpResponse> http_get(std::uint16_t port, std::string_view path) {
  return http_request(port, "GET", path);
}

}  // namespace wasmhive::testing
