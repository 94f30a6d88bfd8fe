// Where the metrics server listens: "HOST:PORT", as `--metrics` takes it.
// IPv4 only: the HTTP server (Debian's civetweb) is built without IPv6.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wasmhive::observe {

struct ListenAddress {
  std::string host;    // an IPv4 address, or a name such as localhost
  std::uint16_t port;  // 0: any free port, picked when the server starts

  // "127.0.0.1:9464", "localhost:0". Errors: invalid_argument, naming what
  // is wrong (an IPv6 address among them).
  static Result<ListenAddress> parse(std::string_view text);
  // As parse() accepts it.
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

}  // namespace wasmhive::observe
