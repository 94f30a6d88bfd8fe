// The sections of a wasm binary as byte ranges, read from its framing alone
// (header, section ids and sizes, custom section names): what code that must
// find or add a custom section needs, without decoding anything else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace wasmhive {

inline constexpr std::size_t kWasmHeaderSize = 8;
inline constexpr std::uint8_t kCustomSectionId = 0;

struct WasmSection {
  std::uint8_t id = 0;
  std::size_t begin = 0;  // offset of the id byte
  std::size_t end = 0;    // one past its last byte
  // Custom sections: its name and the bytes after the name.
  std::string_view custom_name{};
  std::span<const std::uint8_t> custom_payload{};
};

// Every section in order; nullopt if `wasm` does not start with the wasm
// header (version 1) or a size or a custom section's name runs past its end.
std::optional<std::vector<WasmSection>> read_sections(std::span<const std::uint8_t> wasm);

// Appends `value` as an unsigned LEB128, as wasm writes sizes and indices.
void append_leb_u32(std::vector<std::uint8_t>& out, std::uint32_t value);

// A custom section `name` holding `payload`, framed (id, size, name), ready to
// append to a module.
std::vector<std::uint8_t> encode_custom_section(std::string_view name,
                                                std::span<const std::uint8_t> payload);

}  // namespace wasmhive
