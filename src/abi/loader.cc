#include "abi/loader.h"

#include "abi/abi.h"
#include "abi/host_bindings.h"
#include "abi/refusing_api.h"
#include "util/file.h"

namespace wasmhive::abi {

Result<std::shared_ptr<const engine::Module>> load_module(engine::Engine& engine,
                                                          std::span<const std::uint8_t> wasm,
                                                          engine::CompileOptions options) {
  // The static checks are cheap and give the clearest message; run them before V8 compiles.
  auto info = engine::read_module_info(wasm);
  if (!info) return info.error();
  if (auto valid = validate(*info); !valid) return valid.error();
  return engine.compile(wasm, options);
}

Result<std::shared_ptr<const engine::Module>> load_module_file(engine::Engine& engine,
                                                               const std::filesystem::path& path,
                                                               engine::CompileOptions options) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  auto module = load_module(engine, *bytes, options);
  if (!module)
    return Error{module.error().code, path.filename().string() + ": " + module.error().message};
  return module;
}

Result<void> check_instantiation(engine::Engine& engine,
                                 std::shared_ptr<const engine::Module> module) {
  RefusingApi context;
  auto instance = engine.instantiate(std::move(module), host_functions(), context);
  if (!instance) return instance.error();
  return {};
}

}  // namespace wasmhive::abi
