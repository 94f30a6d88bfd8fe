// What the engine needs to know about host functions (wasm imports), and the view
// of the calling guest a host function gets: its linear memory, bounds-checked.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/module_info.h"
#include "util/result.h"

namespace wasmhive::engine {

// The calling instance's linear memory. Valid only during the host call that
// received it: a guest cannot run (and so cannot grow memory) while a host
// function runs, so the view cannot go stale inside one call.
class GuestMemory {
 public:
  GuestMemory() = default;
  GuestMemory(std::uint8_t* base, std::size_t size) : base_(base), size_(size) {}

  std::size_t size() const { return size_; }

  // `ptr` and `len` are the guest's i32 values read as unsigned. Any range that
  // leaves memory or wraps around fails with Errc::invalid_argument.
  Result<std::span<const std::uint8_t>> read(std::uint32_t ptr, std::uint32_t len) const;
  Result<std::span<std::uint8_t>> span(std::uint32_t ptr, std::uint32_t len) const;
  Result<void> write(std::uint32_t ptr, std::span<const std::uint8_t> bytes) const;

 private:
  std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
};

// The embedder's per-instance state, handed to every host function the
// instance calls. A base class rather than void*, so reaching the real state is
// a downcast the compiler checks, and instantiate can verify it (see
// HostFunctions::require_context).
class HostContext {
 public:
  virtual ~HostContext() = default;
};

// Given to a host function: the caller's memory and the instance's context.
class Caller {
 public:
  Caller(GuestMemory memory, HostContext& context) : memory_(memory), context_(context) {}
  const GuestMemory& memory() const { return memory_; }
  // `T` is the type the functions declared with require_context<T>(); instantiate
  // refused any other, which is why the cast here needs no runtime check.
  template <std::derived_from<HostContext> T = HostContext>
  T& context() const {
    return static_cast<T&>(context_);
  }

 private:
  GuestMemory memory_;
  HostContext& context_;
};

// Arguments arrive as int64 (i32 values sign-extended). The return value is
// narrowed to the declared result type; it is ignored for functions without one.
// An Error return traps the guest with Errc::trap_host: reserve it for faults the
// guest must not continue past; ordinary failures are negative return codes.
using HostCallback = std::function<Result<std::int64_t>(Caller&, std::span<const std::int64_t>)>;

struct HostFunction {
  std::string module;
  std::string name;
  FuncType type;
  HostCallback callback;
};

inline constexpr std::size_t kMaxHostFunctionParams = 16;

// The host functions offered to modules. A module may import any subset; an
// import not found here (or with another type) is a link error naming it.
class HostFunctions {
 public:
  HostFunctions() = default;
  // A copy is another set: engines that keep something per set (V8's shared
  // import functions) must not mistake one for the other.
  HostFunctions(const HostFunctions& other)
      : functions_(other.functions_), accepts_(other.accepts_) {}
  HostFunctions& operator=(const HostFunctions& other) {
    functions_ = other.functions_;
    accepts_ = other.accepts_;
    identity_ = std::make_shared<const char>('\0');
    return *this;
  }

  // Fails if the name is taken, the type uses non-integer values or has too many params.
  Result<void> add(HostFunction function);
  const HostFunction* find(std::string_view module, std::string_view name) const;
  const std::vector<HostFunction>& all() const { return functions_; }

  // Declares that the functions use Caller::context<T>(): instantiate then
  // refuses a context of any other type, once per instance instead of per call.
  template <std::derived_from<HostContext> T>
  void require_context() {
    accepts_ = [](const HostContext& c) { return dynamic_cast<const T*>(&c) != nullptr; };
  }
  bool accepts(const HostContext& context) const { return !accepts_ || accepts_(context); }
  // Alive as long as this set: an engine that keeps something per set holds
  // it weakly, so a set made later at the same address is not taken for it.
  std::weak_ptr<const void> identity() const { return identity_; }

 private:
  std::vector<HostFunction> functions_;
  bool (*accepts_)(const HostContext&) = nullptr;
  std::shared_ptr<const void> identity_ = std::make_shared<const char>('\0');
};

// Every function import of `info` must be provided with exactly its type, and a
// module may import nothing but functions. `lookup` returns the provided type of
// an import, or null; `provider` names who provides them in the error message.
// Returns the first problem found (Errc::link_error).
using ImportLookup = std::function<const FuncType*(std::string_view module, std::string_view name)>;
Result<void> check_imports(const ModuleInfo& info, const ImportLookup& lookup,
                           std::string_view provider);
Result<void> check_imports(const ModuleInfo& info, const HostFunctions& host);

}  // namespace wasmhive::engine
