#include "util/wasm_sections.h"

#include <algorithm>
#include <iterator>

namespace wasmhive {
namespace {

constexpr std::uint8_t kHeader[kWasmHeaderSize] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

// An unsigned LEB128 u32 at `pos`, which it advances; nullopt if malformed.
std::optional<std::uint32_t> read_u32(std::span<const std::uint8_t> bytes, std::size_t& pos) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 35 && pos < bytes.size(); shift += 7) {
    std::uint8_t b = bytes[pos++];
    value |= std::uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) {
      if (value > UINT32_MAX) return std::nullopt;
      return static_cast<std::uint32_t>(value);
    }
  }
  return std::nullopt;
}

// Fills in a custom section's name and payload; false if malformed.
bool read_custom(std::span<const std::uint8_t> contents, WasmSection& section) {
  std::size_t pos = 0;
  auto length = read_u32(contents, pos);
  if (!length || *length > contents.size() - pos) return false;
  section.custom_name = {reinterpret_cast<const char*>(contents.data() + pos), *length};
  section.custom_payload = contents.subspan(pos + *length);
  return true;
}

}  // namespace

std::optional<std::vector<WasmSection>> read_sections(std::span<const std::uint8_t> wasm) {
  if (wasm.size() < kWasmHeaderSize ||
      !std::equal(std::begin(kHeader), std::end(kHeader), wasm.begin()))
    return std::nullopt;
  std::vector<WasmSection> sections;
  std::size_t pos = kWasmHeaderSize;
  while (pos < wasm.size()) {
    WasmSection section{.id = wasm[pos], .begin = pos};
    ++pos;
    auto size = read_u32(wasm, pos);
    if (!size || *size > wasm.size() - pos) return std::nullopt;
    auto contents = wasm.subspan(pos, *size);
    pos += *size;
    section.end = pos;
    if (section.id == kCustomSectionId && !read_custom(contents, section)) return std::nullopt;
    sections.push_back(section);
  }
  return sections;
}

void append_leb_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  do {
    std::uint8_t b = value & 0x7f;
    value >>= 7;
    out.push_back(value ? (b | 0x80) : b);
  } while (value);
}

std::vector<std::uint8_t> encode_custom_section(std::string_view name,
                                                std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> contents;
  append_leb_u32(contents, static_cast<std::uint32_t>(name.size()));
  contents.insert(contents.end(), name.begin(), name.end());
  contents.insert(contents.end(), payload.begin(), payload.end());
  std::vector<std::uint8_t> section{kCustomSectionId};
  append_leb_u32(section, static_cast<std::uint32_t>(contents.size()));
  section.insert(section.end(), contents.begin(), contents.end());
  return section;
}

}  // namespace wasmhive
