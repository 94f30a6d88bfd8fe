#include "observe/listen_address.h"

#include <algorithm>
#include <charconv>

namespace wasmhive::observe {
namespace {

Error malformed(std::string_view text, std::string_view why) {
  return {Errc::invalid_argument, "metrics address '" + std::string(text) + "' " +
                                      std::string(why) +
                                      " (expected HOST:PORT, e.g. 127.0.0.1:9464)"};
}

bool host_characters(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
  });
}

}  // namespace

Result<ListenAddress> ListenAddress::parse(std::string_view text) {
  if (text.starts_with('[') || std::count(text.begin(), text.end(), ':') > 1)
    return malformed(text, "is IPv6, which the HTTP server (Debian's civetweb) does not support");
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return malformed(text, "has no port");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.empty()) return malformed(text, "has no host");
  if (host.size() > 253 || !host_characters(host))
    return malformed(text, "has a host that is not an address or a name");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return malformed(text, "has a port that is not a number from 0 to 65535");
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace wasmhive::observe
