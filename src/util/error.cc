#include "util/error.h"

namespace wasmhive {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::invalid_module:
      return "invalid_module";
    case Errc::link_error:
      return "link_error";
    case Errc::missing_export:
      return "missing_export";
    case Errc::abi_mismatch:
      return "abi_mismatch";
    case Errc::untrusted_module:
      return "untrusted_module";
    case Errc::limit_exceeded:
      return "limit_exceeded";
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::not_found:
      return "not_found";
    case Errc::already_exists:
      return "already_exists";
    case Errc::busy:
      return "busy";
    case Errc::unavailable:
      return "unavailable";
    case Errc::timeout:
      return "timeout";
    case Errc::trap_unreachable:
      return "trap_unreachable";
    case Errc::trap_memory_out_of_bounds:
      return "trap_memory_out_of_bounds";
    case Errc::trap_divide_by_zero:
      return "trap_divide_by_zero";
    case Errc::trap_integer_overflow:
      return "trap_integer_overflow";
    case Errc::trap_stack_overflow:
      return "trap_stack_overflow";
    case Errc::trap_indirect_call:
      return "trap_indirect_call";
    case Errc::trap_host:
      return "trap_host";
    case Errc::trap_other:
      return "trap_other";
    case Errc::out_of_fuel:
      return "out_of_fuel";
    case Errc::deadline_exceeded:
      return "deadline_exceeded";
    case Errc::interrupted:
      return "interrupted";
    case Errc::storage_failed:
      return "storage_failed";
    case Errc::unhealthy:
      return "unhealthy";
    case Errc::internal:
      return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out(to_string(code));
  out += ": ";
  out += message;
  return out;
}

}  // namespace wasmhive
