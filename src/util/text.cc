#include "util/text.h"

#include <cstdint>

namespace wasmhive {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, std::string_view prefix, unsigned char byte) {
  out += prefix;
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

// Length of the well-formed UTF-8 sequence starting at text[0] (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0 if there is none.
std::size_t utf8_sequence(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (length == 0 || lead > 0xf4 || lead == 0xc0 || lead == 0xc1 || text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i)
    if ((byte(i) & 0xc0) != 0x80) return 0;
  unsigned char second = byte(1);
  if (lead == 0xe0 && second < 0xa0) return 0;  // overlong
  if (lead == 0xed && second > 0x9f) return 0;  // surrogate
  if (lead == 0xf0 && second < 0x90) return 0;  // overlong
  if (lead == 0xf4 && second > 0x8f) return 0;  // past U+10FFFF
  return length;
}

// U+0080..U+009F: C1 controls, which some terminals obey (CSI is U+009B).
bool is_c1_control(std::string_view sequence) {
  return sequence.size() == 2 && static_cast<unsigned char>(sequence[0]) == 0xc2 &&
         static_cast<unsigned char>(sequence[1]) < 0xa0;
}

// Walks `text`, passing printable ASCII and valid UTF-8 to `keep` and every
// other byte to `escape`.
template <class Keep, class Escape>
void walk(std::string_view text, Keep keep, Escape escape) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f)
        escape(c);
      else
        keep(text.substr(i, 1));
      ++i;
      continue;
    }
    std::size_t length = utf8_sequence(text.substr(i));
    if (length == 0 || is_c1_control(text.substr(i, length))) {
      escape(c);
      ++i;
      continue;
    }
    keep(text.substr(i, length));
    i += length;
  }
}

}  // namespace

void append_escaped(std::string& out, std::string_view text) {
  walk(
      text,
      [&](std::string_view kept) {
        if (kept == "\\") out += '\\';
        out += kept;
      },
      [&](unsigned char byte) {
        switch (byte) {
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          default:
            append_hex_byte(out, "\\x", byte);
        }
      });
}

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text);
  return out;
}

void append_json_escaped(std::string& out, std::string_view text) {
  walk(
      text,
      [&](std::string_view kept) {
        if (kept == "\"" || kept == "\\") out += '\\';
        out += kept;
      },
      [&](unsigned char byte) {
        if (byte < 0x20 || byte == 0x7f)
          append_hex_byte(out, "\\u00", byte);
        else
          append_hex_byte(out, "\\\\x", byte);
      });
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = utf8_sequence(text.substr(i));
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace wasmhive
