// Component names: "namespace/name", printable ASCII, no spaces or newlines
// (broadcast separates names with '\n'), at most 255 bytes. A leading '@' is
// reserved for the host.
#pragma once

#include <string_view>

#include "util/result.h"

namespace wasmhive::messaging {

inline constexpr std::size_t kMaxNameLength = 255;

// True for a name a message may be addressed to.
bool is_valid_target(std::string_view name);
// The template a name may belong to, as the prefix before its last token
// ("user/42" -> "user/"); empty when none may: no '/', an empty last token,
// or a '*' in it (the pattern itself).
std::string_view template_key(std::string_view name);
// For names a component may be registered under (no reserved '@' prefix).
Result<void> validate_component_name(std::string_view name);

}  // namespace wasmhive::messaging
