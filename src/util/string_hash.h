// Hashing for maps keyed by std::string that are looked up by string_view
// (C++20 heterogeneous lookup): a lookup on a hot path then makes no copy.
//   std::unordered_map<std::string, V, StringHash, std::equal_to<>>
#pragma once

#include <functional>
#include <string_view>

namespace wasmhive {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

}  // namespace wasmhive
