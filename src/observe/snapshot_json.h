// A host's snapshot as one JSON document: what the dashboard polls at
// /api/snapshot. Every string is escaped (names, reasons and targets may be
// a guest's bytes); the page shows them as text, never as markup.
#pragma once

#include <string>
#include <vector>

#include "host/snapshot.h"
#include "observe/rate_history.h"

namespace wasmhive::observe {

std::string to_json(const host::Snapshot& snapshot, const std::vector<RateHistory::Point>& rates);

}  // namespace wasmhive::observe
