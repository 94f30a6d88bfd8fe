// Binds every ABI v1 import to a ComponentApi: reads (ptr, len) arguments from
// the caller's memory with bounds checks (kErrFault when outside), copies
// results back into guest buffers (kErrRange when too small), and never traps.
#pragma once

#include "abi/component_api.h"
#include "engine/host_function.h"

namespace wasmhive::abi {

// The host functions of ABI v1, one per entry of imports(). Instantiate with the
// component's ComponentApi as host context; the engine refuses any other.
const engine::HostFunctions& host_functions();

}  // namespace wasmhive::abi
