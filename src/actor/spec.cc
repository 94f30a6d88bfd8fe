#include "actor/spec.h"

#include <algorithm>

namespace wasmhive::actor {

std::chrono::milliseconds backoff_delay(const GroupSpec& group, int restart_number) {
  auto delay = group.backoff_initial;
  for (int i = 1; i < restart_number && delay < group.backoff_max; ++i) delay *= 2;
  return std::min(delay, group.backoff_max);
}

std::string_view to_string(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::permanent:
      return "permanent";
    case RestartPolicy::transient:
      return "transient";
    case RestartPolicy::temporary:
      return "temporary";
  }
  return "unknown";
}

std::string_view to_string(Hibernation hibernation) {
  switch (hibernation) {
    case Hibernation::none:
      return "none";
    case Hibernation::memory:
      return "memory";
    case Hibernation::database:
      return "database";
  }
  return "unknown";
}

std::string_view to_string(Strategy strategy) {
  switch (strategy) {
    case Strategy::one_for_one:
      return "one_for_one";
    case Strategy::one_for_all:
      return "one_for_all";
    case Strategy::rest_for_one:
      return "rest_for_one";
  }
  return "unknown";
}

}  // namespace wasmhive::actor
