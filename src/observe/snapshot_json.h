// A host's snapshot as one JSON document: what the dashboard polls at
// /api/snapshot. Every string is escaped (names, reasons and targets may be
// a guest's bytes); the page shows them as text, never as markup.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/snapshot.h"
#include "observe/rate_history.h"

namespace wasmhive::observe {

// `rates`: the message rate's history; `messages_per_second`: its recent
// value, as /metrics gives it (RateHistory::per_second).
std::string to_json(const host::Snapshot& snapshot, const std::vector<RateHistory::Point>& rates,
                    std::optional<double> messages_per_second);

}  // namespace wasmhive::observe
