#include "abi/metadata.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "util/text.h"

namespace wasmhive::abi {
namespace {

// The engine keeps only the custom sections it is told the host reads.
constexpr bool engine_keeps_metadata() {
  for (std::string_view name : engine::kHostCustomSections)
    if (name == kMetadataSection) return true;
  return false;
}
static_assert(engine_keeps_metadata(), "engine::kHostCustomSections must list kMetadataSection");
static_assert(kMaxMetadataBytes <= engine::kMaxHostCustomSectionBytes);

Error line_error(std::size_t line, const std::string& why) {
  return make_error(Errc::invalid_module, "line " + std::to_string(line) + ": " + why);
}

bool is_key_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_valid_key(std::string_view key) {
  return !key.empty() && key.size() <= kMaxMetadataKeyBytes &&
         std::all_of(key.begin(), key.end(), is_key_byte);
}

// C0 controls, DEL and C1 controls (U+0080..U+009F, UTF-8 0xc2 0x80..0x9f).
// `text` is valid UTF-8, so a 0xc2 byte always starts a sequence.
bool has_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0)
      return true;
  }
  return false;
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

struct KnownKey {
  std::string_view key;
  std::size_t max_bytes;
};

constexpr KnownKey kKnownKeys[] = {
    {"name", kMaxMetadataValueBytes},      {"version", kMaxMetadataValueBytes},
    {"description", kMaxDescriptionBytes}, {"authors", kMaxMetadataValueBytes},
    {"license", kMaxMetadataValueBytes},
};

const KnownKey* find_known_key(std::string_view key) {
  for (const auto& known : kKnownKeys)
    if (known.key == key) return &known;
  return nullptr;
}

Result<void> set_field(Metadata& out, std::string_view key, std::string_view value,
                       std::size_t line) {
  if (key == "name")
    out.name = value;
  else if (key == "version")
    out.version = value;
  else if (key == "description")
    out.description = value;
  else if (key == "license")
    out.license = value;
  else if (key == "authors") {
    while (true) {
      std::size_t comma = value.find(',');
      std::string_view author = trim_spaces(value.substr(0, comma));
      if (author.empty()) return line_error(line, "'authors' has an empty entry");
      out.authors.emplace_back(author);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return {};
}

}  // namespace

Result<Metadata> parse_metadata(std::string_view text) {
  if (text.size() > kMaxMetadataBytes)
    return make_error(Errc::invalid_module, std::to_string(text.size()) +
                                                " bytes; metadata is at most " +
                                                std::to_string(kMaxMetadataBytes) + " bytes");
  Metadata out;
  std::vector<std::pair<std::string_view, std::size_t>> seen;  // key, line
  std::size_t line = 0;
  // A newline ends a line; after the last one there is no further (empty) line.
  for (std::size_t pos = 0; pos < text.size();) {
    ++line;
    std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view content = text.substr(pos, end - pos);
    pos = end + 1;
    if (content.ends_with('\r')) content.remove_suffix(1);
    if (content.empty()) continue;
    if (!is_valid_utf8(content)) return line_error(line, "not valid UTF-8");
    std::size_t equals = content.find('=');
    if (equals == std::string_view::npos) return line_error(line, "expected key=value");
    std::string_view key = content.substr(0, equals);
    std::string_view value = content.substr(equals + 1);
    if (!is_valid_key(key))
      return line_error(line, "a key is 1 to " + std::to_string(kMaxMetadataKeyBytes) +
                                  " bytes of a-z, 0-9, '_' and '-'");
    std::string quoted = "'" + std::string(key) + "'";
    for (const auto& [earlier, earlier_line] : seen)
      if (earlier == key)
        return line_error(
            line, quoted + " appears twice (first on line " + std::to_string(earlier_line) + ")");
    seen.emplace_back(key, line);
    if (has_control_character(value))
      return line_error(line, "the value of " + quoted + " contains a control character");
    const KnownKey* known = find_known_key(key);
    if (!known) continue;  // a key of a later version: ignored
    if (value.empty()) return line_error(line, "the value of " + quoted + " is empty");
    if (value.size() > known->max_bytes)
      return line_error(line, "the value of " + quoted + " is " + std::to_string(value.size()) +
                                  " bytes; at most " + std::to_string(known->max_bytes));
    if (auto set = set_field(out, key, value, line); !set) return set.error();
  }
  return out;
}

Result<std::optional<Metadata>> read_metadata(const engine::ModuleInfo& info) {
  const engine::CustomSection* section = info.find_custom_section(kMetadataSection);
  if (!section) return std::optional<Metadata>();
  std::string_view text(reinterpret_cast<const char*>(section->bytes.data()),
                        section->bytes.size());
  auto metadata = parse_metadata(text);
  if (!metadata)
    return make_error(Errc::invalid_module, "custom section '" + std::string(kMetadataSection) +
                                                "' at byte " + std::to_string(section->offset) +
                                                ": " + metadata.error().message);
  return std::optional<Metadata>(std::move(*metadata));
}

}  // namespace wasmhive::abi
