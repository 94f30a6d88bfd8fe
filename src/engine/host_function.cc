#include "engine/host_function.h"

#include <algorithm>
#include <cstring>

namespace wasmhive::engine {
namespace {

bool is_integer(ValType type) {
  return type == ValType::i32 || type == ValType::i64;
}

std::string qualified(std::string_view module, std::string_view name) {
  std::string out(module);
  out += '.';
  out += name;
  return out;
}

}  // namespace

Result<std::span<std::uint8_t>> GuestMemory::span(std::uint32_t ptr, std::uint32_t len) const {
  // 64-bit arithmetic: ptr + len cannot wrap.
  if (std::uint64_t{ptr} + std::uint64_t{len} > size_)
    return make_error(Errc::invalid_argument,
                      "guest range [" + std::to_string(ptr) + ", +" + std::to_string(len) +
                          ") is outside linear memory of " + std::to_string(size_) + " bytes");
  return std::span<std::uint8_t>(base_ + ptr, len);
}

Result<std::span<const std::uint8_t>> GuestMemory::read(std::uint32_t ptr,
                                                        std::uint32_t len) const {
  auto bytes = span(ptr, len);
  if (!bytes) return bytes.error();
  return std::span<const std::uint8_t>(*bytes);
}

Result<void> GuestMemory::write(std::uint32_t ptr, std::span<const std::uint8_t> bytes) const {
  if (bytes.size() > UINT32_MAX) return make_error(Errc::invalid_argument, "write too large");
  auto target = span(ptr, static_cast<std::uint32_t>(bytes.size()));
  if (!target) return target.error();
  if (!bytes.empty()) std::memcpy(target->data(), bytes.data(), bytes.size());
  return {};
}

Result<void> HostFunctions::add(HostFunction function) {
  const std::string name = qualified(function.module, function.name);
  if (find(function.module, function.name))
    return make_error(Errc::invalid_argument, "host function " + name + " is defined twice");
  const auto& type = function.type;
  if (type.params.size() > kMaxHostFunctionParams || type.results.size() > 1 ||
      !std::all_of(type.params.begin(), type.params.end(), is_integer) ||
      !std::all_of(type.results.begin(), type.results.end(), is_integer))
    return make_error(Errc::invalid_argument,
                      "host function " + name + " has unsupported type " + type.to_string());
  if (!function.callback)
    return make_error(Errc::invalid_argument, "host function " + name + " has no callback");
  functions_.push_back(std::move(function));
  return {};
}

const HostFunction* HostFunctions::find(std::string_view module, std::string_view name) const {
  for (const auto& f : functions_)
    if (f.module == module && f.name == name) return &f;
  return nullptr;
}

Result<void> check_imports(const ModuleInfo& info, const ImportLookup& lookup,
                           std::string_view provider) {
  for (const auto& import : info.imports) {
    const std::string name = qualified(import.module, import.name);
    if (import.kind != ExternKind::function)
      return make_error(Errc::link_error, "module imports " + std::string(to_string(import.kind)) +
                                              " " + name + "; only functions can be imported");
    const FuncType* provided = lookup(import.module, import.name);
    if (!provided)
      return make_error(Errc::link_error, "module imports " + name + " " + import.type.to_string() +
                                              ", which " + std::string(provider) +
                                              " does not provide");
    if (*provided != import.type)
      return make_error(Errc::link_error,
                        "module imports " + name + " as " + import.type.to_string() + ", " +
                            std::string(provider) + " provides " + provided->to_string());
  }
  return {};
}

Result<void> check_imports(const ModuleInfo& info, const HostFunctions& host) {
  return check_imports(
      info,
      [&](std::string_view module, std::string_view name) -> const FuncType* {
        const HostFunction* f = host.find(module, name);
        return f ? &f->type : nullptr;
      },
      "this host");
}

}  // namespace wasmhive::engine
