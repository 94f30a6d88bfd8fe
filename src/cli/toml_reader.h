// Reading a TOML document while keeping the position of every mistake: the
// manifest reader's typed getters, each failing with "<file>:<line>:<col>:
// <what>" and keeping only the first error.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "cli/manifest.h"

namespace wasmhive::cli {

inline constexpr std::string_view kSizeExpected =
    "expected a size such as \"4MiB\", \"64KiB\" or a byte count";

// A byte count or a size string. Zero is refused either way: no limit is
// meaningfully zero, and "0" must not pass where 0 does not.
inline Result<std::uint64_t> size_value(const toml::node& node) {
  std::optional<std::uint64_t> bytes;
  if (auto number = node.value_exact<std::int64_t>(); number && *number >= 0) {
    bytes = static_cast<std::uint64_t>(*number);
  } else if (auto text = node.value_exact<std::string>()) {
    auto parsed = parse_size(*text);
    if (!parsed)
      return make_error(Errc::invalid_argument,
                        std::string(kSizeExpected) + "; " + parsed.error().message);
    bytes = *parsed;
  }
  if (!bytes) return make_error(Errc::invalid_argument, std::string(kSizeExpected));
  if (*bytes == 0) return make_error(Errc::invalid_argument, "must be greater than 0");
  return *bytes;
}

// Collects the first error with its position in the file.
class Reader {
 public:
  explicit Reader(std::filesystem::path path) : path_(std::move(path)) {}

  bool failed() const { return error_.has_value(); }
  Error error() const { return *error_; }

  void fail(const toml::source_region& where, const std::string& what) {
    if (error_) return;
    error_ = Error{Errc::invalid_argument, path_.filename().string() + ":" +
                                               std::to_string(where.begin.line) + ":" +
                                               std::to_string(where.begin.column) + ": " + what};
  }

  // Every key of `table` must be one of `allowed`.
  void known_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                  const std::string& where) {
    known_keys(table, std::vector<std::string_view>(allowed), where);
  }
  void known_keys(const toml::table& table, const std::vector<std::string_view>& allowed,
                  const std::string& where) {
    for (const auto& [key, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string list;
      for (auto k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(key.source(),
           "unknown key '" + std::string(key.str()) + "' in " + where + " (allowed: " + list + ")");
    }
  }

  template <class T>
  std::optional<T> get(const toml::table& table, std::string_view key, const std::string& where,
                       const char* expected) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (auto value = node->value_exact<T>()) return *value;
    fail(node->source(), where + "." + std::string(key) + ": expected " + expected);
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const toml::table& table, std::string_view key,
                                      const std::string& where, std::int64_t min,
                                      std::int64_t max) {
    auto value = get<std::int64_t>(table, key, where, "an integer");
    if (value && (*value < min || *value > max)) {
      fail(table.get(key)->source(), where + "." + std::string(key) + ": " +
                                         std::to_string(*value) + " is outside " +
                                         std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::uint64_t> size(const toml::table& table, std::string_view key,
                                    const std::string& where) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    auto bytes = size_value(*node);
    if (bytes) return *bytes;
    fail(node->source(), where + "." + std::string(key) + ": " + bytes.error().message);
    return std::nullopt;
  }

  template <class Enum>
  std::optional<Enum> choice(const toml::table& table, std::string_view key,
                             const std::string& where,
                             std::initializer_list<std::pair<std::string_view, Enum>> options) {
    auto text = get<std::string>(table, key, where, "a string");
    if (!text) return std::nullopt;
    std::string list;
    for (const auto& [name, value] : options) {
      if (name == *text) return value;
      list += (list.empty() ? "" : ", ") + std::string(name);
    }
    fail(table.get(key)->source(),
         where + "." + std::string(key) + ": '" + *text + "' is not one of " + list);
    return std::nullopt;
  }

 private:
  std::filesystem::path path_;
  std::optional<Error> error_;
};

}  // namespace wasmhive::cli
