// The dashboard: one self-contained HTML page (observe/dashboard.html, built
// into the binary), polling /api/snapshot.
#pragma once

#include <string_view>

namespace wasmhive::observe {

std::string_view dashboard_page();

}  // namespace wasmhive::observe
