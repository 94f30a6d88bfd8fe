// The wasm engine interface: compile modules, instantiate them with host
// functions, call exports under a deadline. This is the only door to V8; nothing
// outside src/engine includes a V8 header.
//
// Threading: an Engine and its Instances belong to the thread that created the
// Engine (one isolate, one thread), and Instances must be destroyed before their
// Engine. Modules are immutable and may be shared by every Engine in the
// process. Engine::interrupt() is the one call any thread may make.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/host_function.h"
#include "engine/module_info.h"
#include "util/result.h"

namespace wasmhive::engine {

// 16 MiB: room for clang (2 pages at start) and Rust (17 pages) guests.
inline constexpr std::uint32_t kDefaultMemoryMaxPages = 256;

struct CompileOptions {
  // The most linear memory any instance of the module may have; memory.grow
  // past it returns -1 inside the guest.
  std::uint32_t memory_max_pages = kDefaultMemoryMaxPages;
  // Compile the module rewritten by meter_fuel (engine/fuel_meter.h), so that
  // CallOptions::fuel bounds its calls. The module's own bytes are compiled
  // (and checked by V8) first; binaryen reads only what V8 accepted.
  bool meter_fuel = false;
};

// A compiled module. Immutable; share it freely between engines and threads.
class Module {
 public:
  virtual ~Module() = default;
  // Describes the module as compiled (after the memory cap was applied).
  virtual const ModuleInfo& info() const = 0;
};

// A resolved function export, cheaper to call than a lookup by name.
struct ExportFunction {
  std::uint32_t index = 0;
};

struct CallOptions {
  // Wall-clock budget for this call; past it the call is interrupted and fails
  // with Errc::deadline_exceeded. No value: no deadline.
  std::optional<std::chrono::nanoseconds> timeout{};
  // Fuel budget for this call, for a module rewritten by meter_fuel
  // (engine/fuel_meter.h; ignored for any other module). Spending it fails
  // the call with Errc::out_of_fuel, at the same instruction on every
  // machine. No value: INT64_MAX, in effect unmetered. A call made from a
  // host function while another call of the instance runs (calls nest) draws
  // on the outer call's budget instead: a guest cannot refill its fuel by
  // calling back in.
  std::optional<std::int64_t> fuel{};
};

// One instantiated module: its own linear memory, globals and tables.
class Instance {
 public:
  virtual ~Instance() = default;

  virtual const Module& module() const = 0;
  virtual Result<ExportFunction> find_function(std::string_view name) = 0;

  // Calls an export. i32 arguments are taken from the low 32 bits; the result
  // is the function's single i32/i64 result (sign-extended), or 0 if it has none.
  // A trap or deadline returns the matching Errc; the instance should then be
  // discarded (its state may be half-updated), the engine stays usable.
  virtual Result<std::int64_t> call(ExportFunction function, std::span<const std::int64_t> args,
                                    CallOptions options = {}) = 0;
  Result<std::int64_t> call(std::string_view name, std::span<const std::int64_t> args,
                            CallOptions options = {});

  // For a metered module (engine/fuel_meter.h): the fuel the latest
  // outermost call used so far, with the calls nested in it (its budget minus
  // the fuel left; past the budget when it ran out). nullopt for a module not
  // metered, or before the first call. Reads the guest's global through V8's
  // JS API (about 0.2 us), so ask when the figure is wanted, not per call.
  virtual std::optional<std::int64_t> fuel_used() = 0;

  // The instance's exported memory (empty if it exports none). Valid until the
  // next call into the instance.
  virtual GuestMemory memory() = 0;

  // Hibernation (src/hibernation) saves and restores what an instance holds
  // between calls. Exported globals are read and written as raw bits (i32
  // and f32 in the low 32 bits). Errors: not_found (no global export of that
  // name), invalid_argument (a v128 or reference global; set_global on an
  // immutable one).
  virtual Result<std::uint64_t> global(std::string_view export_name) = 0;
  virtual Result<void> set_global(std::string_view export_name, std::uint64_t bits) = 0;
  // Hands the instance's host function calls a new context from now on (an
  // instance reused for another component: actor/instance_pool.h). Errors:
  // invalid_argument (a context its host functions do not accept).
  virtual Result<void> rebind(HostContext& context) = 0;
  // Grows the exported memory to at least `pages` (it never shrinks). Errors:
  // not_found (no exported memory), limit_exceeded (past its maximum).
  virtual Result<void> grow_memory(std::uint32_t pages) = 0;
};

// Content-addressed store of compiled modules, shared by engines: the same bytes
// with the same options compile once per process.
class ModuleCache {
 public:
  // `bytes` as compiled (memory capped), and whether it was metered.
  std::shared_ptr<const Module> find(std::span<const std::uint8_t> bytes, bool metered) const;
  // What Engine::compile(wasm, options) would return from this cache, if it
  // holds it; null otherwise. Any thread, no engine needed.
  std::shared_ptr<const Module> find_compiled(std::span<const std::uint8_t> wasm,
                                              const CompileOptions& options) const;
  // Returns the cached module if another thread stored the same bytes first.
  std::shared_ptr<const Module> insert(std::span<const std::uint8_t> bytes, bool metered,
                                       std::shared_ptr<const Module> module);
  std::size_t size() const;
  // Forgets every module; instances and engines keep what they use alive.
  void clear();

 private:
  struct Entry {
    std::vector<std::uint8_t> bytes;  // compared on lookup: no trust in the hash alone
    bool metered = false;
    std::shared_ptr<const Module> module;
  };
  mutable std::mutex mutex_;
  std::unordered_multimap<std::uint64_t, Entry> entries_;
};

struct EngineOptions {
  // Shared between engines so each module compiles once; null: a private cache.
  std::shared_ptr<ModuleCache> cache;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Reads, caps and compiles `wasm`, or returns the cached module for the same
  // bytes. Errors: invalid_module, limit_exceeded.
  virtual Result<std::shared_ptr<const Module>> compile(std::span<const std::uint8_t> wasm,
                                                        CompileOptions options = {}) = 0;

  // Creates an instance whose imports are bound to `host`; both `host` and
  // `context` must outlive it. `context` is handed to every host function call
  // (see Caller). Errors: link_error (naming the import), invalid_module,
  // invalid_argument (a context `host` does not accept).
  virtual Result<std::unique_ptr<Instance>> instantiate(std::shared_ptr<const Module> module,
                                                        const HostFunctions& host,
                                                        HostContext& context) = 0;
  // For host functions that keep no per-instance state.
  Result<std::unique_ptr<Instance>> instantiate(std::shared_ptr<const Module> module,
                                                const HostFunctions& host) {
    static HostContext none;  // stateless: sharing it between threads is harmless
    return instantiate(std::move(module), host, none);
  }

  // Interrupts the call running on this engine, if any (Errc::interrupted).
  // Safe from any thread.
  virtual void interrupt() = 0;

  // Declares that this thread runs only this engine from now on (a worker), so
  // the engine stays entered instead of entering V8 for every call. Another
  // engine must not be used on this thread afterwards.
  virtual void dedicate_thread() = 0;
};

// The V8 engine. Creates one isolate, owned by the calling thread.
Result<std::unique_ptr<Engine>> create_engine(EngineOptions options = {});

}  // namespace wasmhive::engine
