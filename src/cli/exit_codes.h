// The exit codes of the wasmhive command (see its --help).
#pragma once

namespace wasmhive::cli {

enum Exit { kSuccess = 0, kRuntimeFailure = 1, kUsage = 2, kInvalid = 3, kDataError = 4 };

}  // namespace wasmhive::cli
