#include "messaging/names.h"

#include <algorithm>
#include <string>

namespace wasmhive::messaging {

bool is_valid_target(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 127; });
}

Result<void> validate_component_name(std::string_view name) {
  if (!is_valid_target(name))
    return make_error(Errc::invalid_argument,
                      "invalid component name '" + std::string(name) +
                          "': use 1-255 printable ASCII characters without spaces");
  if (name.front() == '@')
    return make_error(Errc::invalid_argument,
                      "invalid component name '" + std::string(name) + "': '@' is reserved");
  return {};
}

}  // namespace wasmhive::messaging
