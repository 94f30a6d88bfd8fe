// Where the metrics server listens: "HOST:PORT", as `--metrics` takes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wasmhive::observe {

struct ListenAddress {
  std::string host;    // an IPv4 or IPv6 literal, or a name such as localhost
  std::uint16_t port;  // 0: any free port, picked when the server starts

  // "127.0.0.1:9464", "[::1]:9464", "localhost:0". Errors: invalid_argument,
  // naming what is wrong.
  static Result<ListenAddress> parse(std::string_view text);
  // As parse() accepts it (IPv6 hosts in brackets).
  std::string to_string() const;
};

}  // namespace wasmhive::observe
