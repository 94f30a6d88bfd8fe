// The embedding API speaks Result<T>; the router speaks ABI codes (the same
// results a guest gets). These turn the one into the other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "abi/abi.h"
#include "util/result.h"

namespace wasmhive::host {

inline Result<void> to_result(std::int32_t code, std::string_view target) {
  std::string name(target);
  switch (code) {
    case abi::kOk:
      return {};
    case abi::kErrNotFound:
      return make_error(Errc::not_found, "no running component '" + name + "'");
    case abi::kErrBusy:
      return make_error(Errc::busy, "mailbox of '" + name + "' is full");
    case abi::kErrTooBig:
      return make_error(Errc::limit_exceeded, "payload or name too large for '" + name + "'");
    default:
      return make_error(Errc::invalid_argument, "cannot send to '" + name + "'");
  }
}

// A count, or the Host API error for an ABI code.
inline Result<std::size_t> to_count(std::int32_t result, std::string_view what) {
  if (result >= 0) return static_cast<std::size_t>(result);
  if (result == abi::kErrTooBig) return make_error(Errc::limit_exceeded, "payload too large");
  return make_error(Errc::invalid_argument, "invalid " + std::string(what));
}

}  // namespace wasmhive::host
