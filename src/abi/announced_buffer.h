// A buffer a guest announces by an export that returns where it is: the
// address in the low 32 bits and the capacity of its data in the high 32, so
// announcing touches no guest page. The inbox and the outbox are announced so
// (docs/abi.md §2).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "engine/host_function.h"
#include "util/result.h"

namespace wasmhive::abi {

struct AnnouncedBuffer {
  std::uint32_t address = 0;
  std::uint32_t capacity = 0;  // bytes after the header
};

// Checks that the header and the capacity lie inside `memory` (which never
// shrinks, so they stay inside). `export_name` names the announcing export
// in the error.
inline Result<AnnouncedBuffer> locate_announced(const engine::GuestMemory& memory,
                                                std::int64_t announced, std::uint32_t header_size,
                                                std::string_view export_name) {
  auto address = static_cast<std::uint32_t>(announced);
  auto capacity = static_cast<std::uint32_t>(static_cast<std::uint64_t>(announced) >> 32);
  if (capacity > std::numeric_limits<std::uint32_t>::max() - header_size ||
      !memory.read(address, header_size + capacity))
    return make_error(Errc::invalid_argument,
                      std::string(export_name) + " announced " + std::to_string(capacity) +
                          " bytes at " + std::to_string(address) + ", which leave linear memory");
  return AnnouncedBuffer{address, capacity};
}

}  // namespace wasmhive::abi
