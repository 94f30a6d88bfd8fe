// Errors as values: every module boundary returns Result<T> instead of throwing.
// An Error carries a code a caller can branch on and a message a human can read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wasmhive {

enum class Errc : std::uint8_t {
  invalid_module,    // malformed or unsupported wasm bytes
  link_error,        // an import the host does not provide, or with another signature
  missing_export,    // a required export is absent or has the wrong type
  abi_mismatch,      // the module targets another guest ABI version
  untrusted_module,  // unsigned, tampered with, or signed by a key the host does not trust
  limit_exceeded,    // a configured limit (memory, size) does not allow this
  invalid_argument,  // the caller passed something unusable
  not_found,
  already_exists,
  busy,         // a bounded queue is full
  unavailable,  // stopped, or the host is shutting down
  timeout,
  // A guest call ended abnormally. Every trap_*, out_of_fuel and deadline_exceeded
  // is a "trap".
  trap_unreachable,
  trap_memory_out_of_bounds,
  trap_divide_by_zero,
  trap_integer_overflow,
  trap_stack_overflow,
  trap_indirect_call,  // bad table index or signature mismatch in call_indirect
  trap_host,           // a host function failed in a way that must stop the guest
  trap_other,
  out_of_fuel,        // spent its fuel budget (engine/fuel_meter.h)
  deadline_exceeded,  // the call ran past its deadline and was interrupted
  interrupted,        // the call was interrupted on request (not by its deadline)
  storage_failed,     // the data directory or database cannot be used, or a commit failed
  unhealthy,          // the component's health export kept answering unhealthy
  internal,
};

std::string_view to_string(Errc code);

// True for every code that means "the guest call ended abnormally".
constexpr bool is_trap(Errc code) {
  return code >= Errc::trap_unreachable && code <= Errc::interrupted;
}

struct Error {
  Errc code;
  std::string message;

  // "code: message", for logs.
  std::string describe() const;
};

}  // namespace wasmhive
