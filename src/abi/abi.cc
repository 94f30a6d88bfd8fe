#include "abi/abi.h"

#include <string>
#include <vector>

#include "abi/metadata.h"
#include "engine/host_function.h"

namespace wasmhive::abi {
namespace {

using engine::ExternKind;
using engine::FuncType;
constexpr auto i32 = engine::ValType::i32;
constexpr auto i64 = engine::ValType::i64;

const std::vector<FunctionSpec>& export_specs() {
  static const std::vector<FunctionSpec> specs = {
      {"handle_message", FuncType{{i32, i32}, {i32}}, true},
      {"init", FuncType{{}, {i32}}, false},
      {"handle_callback", FuncType{{i64, i32, i32}, {i32}}, false},
      {"shutdown", FuncType{{}, {}}, false},
      {"health", FuncType{{}, {i32}}, false},
      {"wasmhive_inbox", FuncType{{}, {i64}}, false},
      {"wasmhive_outbox", FuncType{{}, {i64}}, false},
  };
  return specs;
}

}  // namespace

std::string_view error_name(std::int32_t code) {
  static constexpr std::string_view kNames[] = {"ok",     "invalid", "fault",       "not_found",
                                                "denied", "busy",    "too_big",     "range",
                                                "state",  "limit",   "unsupported", "io"};
  if (code > 0 || -code >= static_cast<std::int32_t>(std::size(kNames))) return "unknown";
  return kNames[-code];
}

namespace {

Result<void> check_version(const engine::ModuleInfo& info) {
  for (const auto& exp : info.exports) {
    if (exp.name == kVersionMarker) return {};
    if (exp.name.starts_with(kVersionMarkerPrefix))
      return make_error(Errc::abi_mismatch, "module targets wasmhive ABI v" +
                                                exp.name.substr(kVersionMarkerPrefix.size()) +
                                                "; this host implements v" +
                                                std::to_string(kVersion));
  }
  return make_error(Errc::abi_mismatch,
                    "module does not declare a wasmhive ABI version (export a "
                    "function named '" +
                        std::string(kVersionMarker) + "')");
}

Result<void> check_exports(const engine::ModuleInfo& info) {
  const auto* memory = info.find_export(kMemoryExport);
  if (!memory || memory->kind != ExternKind::memory)
    return make_error(Errc::missing_export, "module must export its linear memory as 'memory'");
  for (const auto& spec : export_specs()) {
    const auto* exp = info.find_export(spec.name);
    if (!exp) {
      if (spec.required)
        return make_error(Errc::missing_export, "module must export function '" +
                                                    std::string(spec.name) + "' " +
                                                    spec.type.to_string());
      continue;
    }
    if (exp->kind != ExternKind::function || exp->type != spec.type)
      return make_error(
          Errc::missing_export,
          "export '" + std::string(spec.name) + "' must be " + spec.type.to_string() + ", found " +
              (exp->kind == ExternKind::function ? exp->type.to_string()
                                                 : std::string(to_string(exp->kind))));
  }
  return {};
}

Result<void> check_imports(const engine::ModuleInfo& info) {
  return engine::check_imports(
      info,
      [](std::string_view module, std::string_view name) -> const FuncType* {
        if (module != kImportModule) return nullptr;
        for (const auto& spec : imports())
          if (spec.name == name) return &spec.type;
        return nullptr;
      },
      "wasmhive ABI v1");
}

}  // namespace

std::span<const FunctionSpec> exports() {
  return export_specs();
}

Result<void> validate(const engine::ModuleInfo& info) {
  if (auto r = check_version(info); !r) return r;
  if (info.has_start_function)
    return make_error(Errc::invalid_module,
                      "module has a start function; wasmhive runs 'init' instead");
  if (auto r = check_exports(info); !r) return r;
  if (auto r = check_imports(info); !r) return r;
  if (auto metadata = read_metadata(info); !metadata) return metadata.error();
  return {};
}

}  // namespace wasmhive::abi
