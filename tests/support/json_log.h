// Reading the host's JSON log (host/log.h) in tests: each line's level, its
// message and, for a line about a message, its trace. Not a JSON parser: it
// reads the fields the host writes, where the host writes them.
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "util/trace.h"

namespace wasmhive::testing {

struct LogLine {
  std::string level{};
  std::string msg{};  // as written: JSON-escaped
  std::optional<Trace> trace{};
  std::string raw{};
};

// The text of a string field that cannot hold a quote (level, ids).
inline std::optional<std::string_view> plain_field(std::string_view line, std::string_view key) {
  std::string opening = "\"" + std::string(key) + "\":\"";
  auto at = line.find(opening);
  if (at == std::string_view::npos) return std::nullopt;
  at += opening.size();
  auto end = line.find('"', at);
  if (end == std::string_view::npos) return std::nullopt;
  return line.substr(at, end - at);
}

// One line of the JSON log; none for anything else (a text line, a CLI line).
inline std::optional<LogLine> parse_log_line(std::string_view line) {
  constexpr std::string_view kMsg = "\"msg\":\"";
  if (!line.starts_with("{\"time\":\"") || !line.ends_with("\"}")) return std::nullopt;
  LogLine out{.raw = std::string(line)};
  auto level = plain_field(line, "level");
  auto msg = line.find(kMsg);
  if (!level || msg == std::string_view::npos) return std::nullopt;
  out.level = std::string(*level);
  // Everything before "msg" is the host's own; the message is the rest.
  std::string_view head = line.substr(0, msg);
  out.msg = std::string(line.substr(msg + kMsg.size(), line.size() - 2 - msg - kMsg.size()));
  auto trace = plain_field(head, "trace_id");
  auto message = plain_field(head, "message_id");
  auto cause = plain_field(head, "cause_id");
  if (trace && message && cause) {
    auto t = parse_hex_id(*trace), m = parse_hex_id(*message), c = parse_hex_id(*cause);
    if (!t || !m || !c) return std::nullopt;
    out.trace = Trace{*t, *m, *c};
  }
  return out;
}

inline std::vector<LogLine> parse_log(std::string_view text) {
  std::vector<LogLine> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);)
    if (auto parsed = parse_log_line(line)) lines.push_back(std::move(*parsed));
  return lines;
}

inline std::vector<LogLine> read_log(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_log(text.str());
}

}  // namespace wasmhive::testing
