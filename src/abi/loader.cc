#include "abi/loader.h"

#include "abi/abi.h"
#include "abi/host_bindings.h"
#include "util/file.h"

namespace wasmhive::abi {
namespace {

// A context whose every call is refused: nothing runs during the check, but
// the imports need one to bind to.
class RefusingApi final : public ComponentApi {
 public:
  const CurrentMessage* current_message() const override { return nullptr; }
  std::string_view self_id() const override { return {}; }
  std::int32_t send(std::string_view, Bytes) override { return kErrUnsupported; }
  std::int64_t request(std::string_view, Bytes, std::int64_t) override { return kErrUnsupported; }
  std::int32_t reply(Bytes) override { return kErrUnsupported; }
  std::int32_t cancel(std::int64_t) override { return kErrUnsupported; }
  std::int32_t broadcast(std::string_view, Bytes) override { return kErrUnsupported; }
  std::int32_t publish(std::string_view, Bytes) override { return kErrUnsupported; }
  std::int32_t subscribe(std::string_view) override { return kErrUnsupported; }
  std::int32_t unsubscribe(std::string_view) override { return kErrUnsupported; }
  std::int32_t log(LogLevel, std::string_view) override { return kErrUnsupported; }
  std::int64_t now_ms() override { return kErrUnsupported; }
  std::int64_t monotonic_ns() override { return kErrUnsupported; }
  void undeliverable(OutboxOp, std::string_view, std::size_t, std::int32_t) override {}
};

}  // namespace

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
