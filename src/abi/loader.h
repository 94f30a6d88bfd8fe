// Turns module bytes into a compiled module that conforms to ABI v1, or a clear
// load-time error: malformed bytes, missing exports, unknown imports, another
// ABI version, memory over the cap.
#pragma once

#include <filesystem>
#include <memory>

#include "engine/engine.h"

namespace wasmhive::abi {

Result<std::shared_ptr<const engine::Module>> load_module(engine::Engine& engine,
                                                          std::span<const std::uint8_t> wasm,
                                                          engine::CompileOptions options = {});
Result<std::shared_ptr<const engine::Module>> load_module_file(engine::Engine& engine,
                                                               const std::filesystem::path& path,
                                                               engine::CompileOptions options = {});

// Instantiates the module once, runs none of its code, and throws the instance
// away: what only instantiation finds (a data segment outside memory, a table
// too small for its elements) is then an error before any component starts.
Result<void> check_instantiation(engine::Engine& engine,
                                 std::shared_ptr<const engine::Module> module);

}  // namespace wasmhive::abi
