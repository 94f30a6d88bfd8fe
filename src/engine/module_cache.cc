#include <algorithm>
#include <functional>
#include <string_view>

#include "engine/engine.h"
#include "engine/module_info.h"

namespace wasmhive::engine {
namespace {

std::uint64_t hash_bytes(std::span<const std::uint8_t> bytes) {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

std::shared_ptr<const Module> ModuleCache::find(std::span<const std::uint8_t> bytes,
                                                bool metered) const {
  std::lock_guard lock(mutex_);
  auto [first, last] = entries_.equal_range(hash_bytes(bytes));
  for (auto it = first; it != last; ++it)
    if (it->second.metered == metered && std::ranges::equal(it->second.bytes, bytes))
      return it->second.module;
  return nullptr;
}

std::shared_ptr<const Module> ModuleCache::find_compiled(std::span<const std::uint8_t> wasm,
                                                         const CompileOptions& options) const {
  auto capped = cap_memory(wasm, options.memory_max_pages);  // as Engine::compile keys it
  if (!capped) return nullptr;
  return find(*capped, options.meter_fuel);
}

std::shared_ptr<const Module> ModuleCache::insert(std::span<const std::uint8_t> bytes, bool metered,
                                                  std::shared_ptr<const Module> module) {
  std::uint64_t key = hash_bytes(bytes);
  std::lock_guard lock(mutex_);
  auto [first, last] = entries_.equal_range(key);
  for (auto it = first; it != last; ++it)
    if (it->second.metered == metered && std::ranges::equal(it->second.bytes, bytes))
      return it->second.module;
  entries_.emplace(key, Entry{{bytes.begin(), bytes.end()}, metered, module});
  return module;
}

void ModuleCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::size_t ModuleCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

Result<std::int64_t> Instance::call(std::string_view name, std::span<const std::int64_t> args,
                                    CallOptions options) {
  auto function = find_function(name);
  if (!function) return function.error();
  return call(*function, args, options);
}

}  // namespace wasmhive::engine
