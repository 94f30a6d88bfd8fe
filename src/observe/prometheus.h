// A host's snapshot in the Prometheus text exposition format (version 0.0.4),
// the page `wasmhive run --metrics` serves at /metrics. Every metric name and
// its meaning is listed in docs/metrics.md.
#pragma once

#include <optional>
#include <string>

#include "host/snapshot.h"

namespace wasmhive::observe {

// `messages_per_second`: the host's recent rate (see RateHistory), when known.
std::string to_prometheus(const host::Snapshot& snapshot,
                          std::optional<double> messages_per_second);

}  // namespace wasmhive::observe
