// Untrusted text (guest log lines, payloads, names) made safe to print: nothing
// a guest writes can start a new log line, move the cursor or break a JSON
// document. Valid UTF-8 stays readable; everything else becomes an escape.
#pragma once

#include <string>
#include <string_view>

namespace wasmhive {

// For a terminal or a text log: control bytes as \n, \r, \t or \xNN, a
// backslash as \\, C1 controls and bytes that are not valid UTF-8 as \xNN.
void append_escaped(std::string& out, std::string_view text);
std::string escape_text(std::string_view text);

// The inside of a JSON string: '"' and '\' escaped, control characters as
// \u00NN, and bytes that are not valid UTF-8 as the six characters \\xNN, so
// the output is always valid JSON and valid UTF-8.
void append_json_escaped(std::string& out, std::string_view text);

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF). Control characters are valid UTF-8.
bool is_valid_utf8(std::string_view text);

}  // namespace wasmhive
