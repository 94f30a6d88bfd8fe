// libFuzzer target: arbitrary bytes as the contents of a module's
// wasmhive_metadata section, through the parser that load checks run. Any
// crash, sanitizer report, leak or hang is a finding; so is an accepted text
// that breaks a rule of docs/abi.md §9 the checks below can see, or a refusal
// that does not name its line. Errors are the expected outcome.
#include <cstdint>
#include <string_view>

#include "abi/metadata.h"
#include "util/text.h"

namespace {

using namespace wasmhive::abi;

// Non-empty, within its limit, valid UTF-8, no C0, DEL or C1 control.
bool is_clean(std::string_view value, std::size_t max_bytes) {
  if (value.empty() || value.size() > max_bytes || !wasmhive::is_valid_utf8(value)) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < value.size() && static_cast<unsigned char>(value[i + 1]) < 0xa0)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto metadata = parse_metadata(text);
  if (!metadata) {
    const auto& message = metadata.error().message;
    bool too_big = size > kMaxMetadataBytes;
    if (!too_big && message.rfind("line ", 0) != 0) __builtin_trap();  // must name the line
    return 0;
  }
  if (size > kMaxMetadataBytes) __builtin_trap();
  auto check = [](std::string_view value, std::size_t max_bytes) {
    if (!value.empty() && !is_clean(value, max_bytes)) __builtin_trap();
  };
  check(metadata->name, kMaxMetadataValueBytes);
  check(metadata->version, kMaxMetadataValueBytes);
  check(metadata->description, kMaxDescriptionBytes);
  check(metadata->license, kMaxMetadataValueBytes);
  for (const auto& author : metadata->authors) {
    check(author, kMaxMetadataValueBytes);
    if (author.empty() || author.front() == ' ' || author.back() == ' ' ||
        author.find(',') != std::string::npos)
      __builtin_trap();
  }

  // The same text as a module's section reads the same.
  wasmhive::engine::ModuleInfo info;
  info.custom_sections.push_back({std::string(kMetadataSection), 0, {data, data + size}});
  auto read = read_metadata(info);
  if (!read || !*read || **read != *metadata) __builtin_trap();
  return 0;
}
