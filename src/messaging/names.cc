#include "messaging/names.h"

#include <algorithm>
#include <string>

namespace wasmhive::messaging {

bool is_valid_target(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 127; });
}

std::string_view template_key(std::string_view name) {
  auto slash = name.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == name.size() ||
      name.find('*', slash) != std::string_view::npos)
    return {};
  return name.substr(0, slash + 1);
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
