// The V8 implementation of engine.h, on the V8 10.2 inside Debian's libnode.
#include <v8.h>

#include <array>
#include <bit>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "engine/call_guard.h"
#include "engine/engine.h"
#include "engine/fuel_meter.h"
#include "engine/v8_platform.h"

namespace wasmhive::engine {
namespace {

v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view s) {
  return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(s.size()))
      .ToLocalChecked();
}

std::string exception_text(v8::Isolate* isolate, const v8::TryCatch& caught) {
  if (!caught.HasCaught() || caught.Exception().IsEmpty()) return "unknown error";
  v8::String::Utf8Value text(isolate, caught.Exception());
  return *text ? std::string(*text, text.length()) : std::string("unprintable error");
}

// Wasm traps reach us only as V8 RuntimeError messages (V8 gives them no code),
// so these are told apart by text. Host function failures are not: call_host
// records them for the running call, and call() reports that record.
Errc classify_trap(std::string_view message) {
  auto has = [&](std::string_view part) { return message.find(part) != std::string_view::npos; };
  if (has("unreachable")) return Errc::trap_unreachable;
  if (has("memory access out of bounds")) return Errc::trap_memory_out_of_bounds;
  if (has("divide by zero") || has("remainder by zero")) return Errc::trap_divide_by_zero;
  if (has("unrepresentable")) return Errc::trap_integer_overflow;
  if (has("Maximum call stack size exceeded")) return Errc::trap_stack_overflow;
  if (has("table index is out of bounds") || has("null function") || has("signature mismatch"))
    return Errc::trap_indirect_call;
  return Errc::trap_other;
}

// The isolate data slot that holds its V8Engine.
constexpr std::uint32_t kEngineSlot = 0;

class V8Module final : public Module {
 public:
  V8Module(ModuleInfo info, v8::CompiledWasmModule compiled)
      : info_(std::move(info)), compiled_(std::move(compiled)) {}
  const ModuleInfo& info() const override { return info_; }
  const v8::CompiledWasmModule& compiled() const { return compiled_; }

 private:
  ModuleInfo info_;
  v8::CompiledWasmModule compiled_;
};

class V8Engine;

class V8Instance final : public Instance {
 public:
  V8Instance(V8Engine& engine, std::shared_ptr<const V8Module> module, const HostFunctions& host,
             HostContext& context)
      : engine_(engine),
        module_(std::move(module)),
        host_(host),
        context_(&context),
        metered_(is_fuel_metered(module_->info())) {}

  const Module& module() const override { return *module_; }
  Result<ExportFunction> find_function(std::string_view name) override;
  Result<std::int64_t> call(ExportFunction function, std::span<const std::int64_t> args,
                            CallOptions options) override;
  using Instance::call;
  GuestMemory memory() override;
  Result<void> rebind(HostContext& context) override;
  Result<std::uint64_t> global(std::string_view export_name) override;
  Result<void> set_global(std::string_view export_name, std::uint64_t bits) override;
  Result<void> grow_memory(std::uint32_t pages) override;
  std::optional<std::int64_t> fuel_used() override;

 private:
  friend class V8Engine;

  struct Export {
    std::string name;
    FuncType type;
    v8::Global<v8::Function> function;
    // Metered modules: the same function under a budget (fuel_call_export).
    v8::Global<v8::Function> fuel_call;
  };
  // How one call runs: the function, and for a metered outermost call the
  // budget that goes ahead of its arguments.
  struct Target {
    v8::Local<v8::Function> function;
    std::optional<std::int64_t> budget;
  };

  static void call_host(const v8::FunctionCallbackInfo<v8::Value>& info);
  GuestMemory memory_in_scope();
  v8::Local<v8::Function> function_export(v8::Local<v8::Context> context, std::string_view name);
  Target target_of(const Export& target, const CallOptions& options);
  Error call_failure(const Export& target, Errc code, std::string message);
  Result<GlobalType> global_type(std::string_view export_name) const;
  Result<v8::Local<v8::Object>> global_object(v8::Local<v8::Context> context,
                                              std::string_view export_name);

  V8Engine& engine_;
  std::shared_ptr<const V8Module> module_;
  const HostFunctions& host_;
  HostContext* context_;  // never null
  // The failure record of the export call running now. Calls nest when a host
  // function calls back in, so each call owns its record; null between calls.
  std::optional<Error>* host_failure_ = nullptr;
  const bool metered_;
  // The budget of the latest outermost call of a metered module.
  std::optional<std::int64_t> budget_;
  v8::Global<v8::Object> exports_;
  v8::Global<v8::WasmMemoryObject> memory_;
  std::vector<Export> functions_;
};

class V8Engine final : public Engine {
 public:
  explicit V8Engine(EngineOptions options)
      : cache_(options.cache ? std::move(options.cache) : std::make_shared<ModuleCache>()),
        guard_([this] { isolate_->TerminateExecution(); }) {
    V8Platform::get().engine_created();
    allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator_.get();
    isolate_ = v8::Isolate::New(params);
    isolate_->SetData(kEngineSlot, this);  // host function callbacks find their engine
    // Guests never queue microtasks; the default (auto) policy would still run
    // a microtask checkpoint after every top-level call.
    isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
    v8::Isolate::Scope isolate_scope(isolate_);
    v8::HandleScope handles(isolate_);
    auto context = v8::Context::New(isolate_);
    context_.Reset(isolate_, context);
    v8::Context::Scope context_scope(context);
    auto wasm =
        context->Global()->Get(context, v8_string(isolate_, "WebAssembly")).ToLocalChecked();
    auto ctor =
        wasm.As<v8::Object>()->Get(context, v8_string(isolate_, "Instance")).ToLocalChecked();
    instance_ctor_.Reset(isolate_, ctor.As<v8::Function>());
  }

  ~V8Engine() override {
    if (dedicated_) {
      {
        v8::HandleScope handles(isolate_);
        context_.Get(isolate_)->Exit();
      }
      isolate_->Exit();
    }
    per_isolate_modules_.clear();
    shared_hosts_.clear();
    instance_ctor_.Reset();
    context_.Reset();
    isolate_->Dispose();
    V8Platform::get().engine_destroyed();
  }

  Result<std::shared_ptr<const Module>> compile(std::span<const std::uint8_t> wasm,
                                                CompileOptions options) override;
  Result<std::unique_ptr<Instance>> instantiate(std::shared_ptr<const Module> module,
                                                const HostFunctions& host,
                                                HostContext& context) override;
  using Engine::instantiate;
  void interrupt() override { guard_.interrupt(); }
  void dedicate_thread() override {
    if (dedicated_) return;
    isolate_->Enter();
    v8::HandleScope handles(isolate_);
    context_.Get(isolate_)->Enter();  // stays entered after the handle scope closes
    dedicated_ = true;
  }
  bool dedicated() const { return dedicated_; }

  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  CallGuard& guard() { return guard_; }
  // The instance whose export call runs now (calls nest): whom a host
  // function called from wasm serves. Null between calls.
  V8Instance* running() const { return running_; }
  V8Instance* run(V8Instance* instance) { return std::exchange(running_, instance); }

 private:
  // Compiles exactly `bytes` (no cap, no cache).
  Result<std::shared_ptr<const Module>> compile_bytes(std::span<const std::uint8_t> bytes);
  // The V8 function for `function` of `host`, made once per engine and
  // shared by every instance linked with `host`: a function per import per
  // instance cost about 5 KiB of V8 heap per instance.
  v8::Local<v8::Function> host_function(const HostFunctions& host, const HostFunction& function);
  Result<v8::Local<v8::WasmModuleObject>> module_object(const V8Module& module);
  Result<void> bind_imports(V8Instance& instance, const HostFunctions& host,
                            v8::Local<v8::Object> imports);

  struct PerIsolateModule {
    std::weak_ptr<const V8Module> module;
    v8::Global<v8::WasmModuleObject> object;
  };

  std::shared_ptr<ModuleCache> cache_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Function> instance_ctor_;
  // A module compiled elsewhere becomes a module object here once (FromCompiledModule).
  std::unordered_map<const V8Module*, PerIsolateModule> per_isolate_modules_;
  // Per set of host functions (keyed by its identity, held weakly so a set
  // freed since is not mistaken for one made at its address): a copy of each
  // function it provides, which the V8 function's data points to, and that
  // V8 function.
  struct SharedHostFunction {
    std::unique_ptr<const HostFunction> function;
    v8::Global<v8::Function> callback;
  };
  struct SharedHost {
    std::weak_ptr<const void> alive;
    std::unordered_map<std::string, SharedHostFunction> functions;  // by module.name
  };
  std::unordered_map<const void*, SharedHost> shared_hosts_;
  V8Instance* running_ = nullptr;
  CallGuard guard_;
  bool dedicated_ = false;
};

// Enters the isolate and context for one engine operation, unless the engine
// has its thread to itself and stays entered (dedicate_thread). Engines sharing
// a thread may interleave, so then nothing stays entered between operations.
class EngineScope {
 public:
  explicit EngineScope(const V8Engine& engine) {
    if (!engine.dedicated()) isolate_scope_.emplace(engine.isolate());
    handles_.emplace(engine.isolate());
    context_ = engine.context();
    if (!engine.dedicated()) context_scope_.emplace(context_);
  }
  v8::Local<v8::Context> context() const { return context_; }

 private:
  std::optional<v8::Isolate::Scope> isolate_scope_;
  std::optional<v8::HandleScope> handles_;
  v8::Local<v8::Context> context_;
  std::optional<v8::Context::Scope> context_scope_;
};

Result<std::shared_ptr<const Module>> V8Engine::compile(std::span<const std::uint8_t> wasm,
                                                        CompileOptions options) {
  auto capped = cap_memory(wasm, options.memory_max_pages);
  if (!capped) return capped.error();
  if (auto cached = cache_->find(*capped, options.meter_fuel)) return cached;
  std::vector<std::uint8_t> metered;
  if (options.meter_fuel) {
    // Binaryen exits the process on some bytes V8 refuses: it reads only
    // bytes V8 compiled (the capped ones: cap_memory re-encodes the section).
    auto plain = compile(wasm, {.memory_max_pages = options.memory_max_pages});
    if (!plain) return plain.error();
    auto rewritten = meter_fuel(*capped);
    if (!rewritten) return rewritten.error();
    metered = std::move(*rewritten);
  }
  auto module = compile_bytes(options.meter_fuel ? metered : *capped);
  if (!module && options.meter_fuel)  // its offsets are the rewrite's, not the module's
    return make_error(Errc::invalid_module,
                      "fuel metering cannot rewrite this module into one V8 compiles (typed "
                      "function references, for one, are not supported): " +
                          module.error().message);
  if (!module) return module.error();
  return cache_->insert(*capped, options.meter_fuel, std::move(*module));
}

Result<std::shared_ptr<const Module>> V8Engine::compile_bytes(std::span<const std::uint8_t> bytes) {
  auto info = read_module_info(bytes);
  if (!info) return info.error();
  EngineScope scope(*this);
  v8::TryCatch caught(isolate_);
  auto compiled = v8::WasmModuleObject::Compile(
      isolate_, v8::MemorySpan<const std::uint8_t>(bytes.data(), bytes.size()));
  if (compiled.IsEmpty()) return make_error(Errc::invalid_module, exception_text(isolate_, caught));
  auto object = compiled.ToLocalChecked();
  std::erase_if(per_isolate_modules_, [](const auto& e) { return e.second.module.expired(); });
  auto module = std::make_shared<V8Module>(std::move(*info), object->GetCompiledModule());
  per_isolate_modules_[module.get()] = {module, v8::Global<v8::WasmModuleObject>(isolate_, object)};
  return std::shared_ptr<const Module>(std::move(module));
}

Result<v8::Local<v8::WasmModuleObject>> V8Engine::module_object(const V8Module& module) {
  auto it = per_isolate_modules_.find(&module);
  if (it != per_isolate_modules_.end() && !it->second.module.expired())
    return it->second.object.Get(isolate_);
  // Drop entries of modules freed since, so a reused address cannot alias.
  std::erase_if(per_isolate_modules_, [](const auto& e) { return e.second.module.expired(); });
  auto object = v8::WasmModuleObject::FromCompiledModule(isolate_, module.compiled());
  if (object.IsEmpty())
    return make_error(Errc::internal, "module cannot be shared with this engine");
  return object.ToLocalChecked();
}

Result<void> V8Engine::bind_imports(V8Instance& instance, const HostFunctions& host,
                                    v8::Local<v8::Object> imports) {
  auto context = this->context();
  for (const auto& import : instance.module().info().imports) {
    const HostFunction* function = host.find(import.module, import.name);
    auto callback = host_function(host, *function);

    auto module_key = v8_string(isolate_, import.module);
    auto ns = imports->Get(context, module_key).ToLocalChecked();
    if (!ns->IsObject()) {
      ns = v8::Object::New(isolate_);
      imports->Set(context, module_key, ns).Check();
    }
    ns.As<v8::Object>()->Set(context, v8_string(isolate_, import.name), callback).Check();
  }
  return {};
}

v8::Local<v8::Function> V8Engine::host_function(const HostFunctions& host,
                                                const HostFunction& function) {
  auto identity = host.identity();
  const void* key = identity.lock().get();  // alive: `host` is
  auto shared = shared_hosts_.find(key);
  if (shared == shared_hosts_.end() || shared->second.alive.expired()) {
    // New, or what is kept is a freed set's: drop every freed set's.
    std::erase_if(shared_hosts_, [](const auto& e) { return e.second.alive.expired(); });
    shared = shared_hosts_.emplace(key, SharedHost{identity, {}}).first;
  }
  auto& functions = shared->second.functions;
  std::string name = function.module + "." + function.name;
  auto it = functions.find(name);
  if (it == functions.end()) {
    auto copy = std::make_unique<const HostFunction>(function);
    auto data = v8::External::New(isolate_, const_cast<HostFunction*>(copy.get()));
    auto callback = v8::Function::New(context(), &V8Instance::call_host, data).ToLocalChecked();
    it = functions
             .emplace(std::move(name), SharedHostFunction{std::move(copy), v8::Global<v8::Function>(
                                                                               isolate_, callback)})
             .first;
  }
  return it->second.callback.Get(isolate_);
}

Result<std::unique_ptr<Instance>> V8Engine::instantiate(std::shared_ptr<const Module> module,
                                                        const HostFunctions& host,
                                                        HostContext& host_context) {
  auto v8_module = std::dynamic_pointer_cast<const V8Module>(module);
  if (!v8_module) return make_error(Errc::invalid_argument, "module was not compiled by V8");
  if (auto linked = check_imports(v8_module->info(), host); !linked) return linked.error();
  if (!host.accepts(host_context))
    return make_error(Errc::invalid_argument, "the host functions need another host context");

  EngineScope scope(*this);
  auto context = scope.context();
  auto object = module_object(*v8_module);
  if (!object) return object.error();
  auto instance = std::make_unique<V8Instance>(*this, v8_module, host, host_context);
  auto imports = v8::Object::New(isolate_);
  if (auto bound = bind_imports(*instance, host, imports); !bound) return bound.error();

  v8::TryCatch caught(isolate_);
  v8::Local<v8::Value> args[] = {*object, imports};
  auto created = instance_ctor_.Get(isolate_)->NewInstance(context, 2, args);
  if (created.IsEmpty())
    return make_error(Errc::invalid_module,
                      "instantiation failed: " + exception_text(isolate_, caught));
  auto exports = created.ToLocalChecked()->Get(context, v8_string(isolate_, "exports"));
  auto exports_object = exports.ToLocalChecked().As<v8::Object>();
  instance->exports_.Reset(isolate_, exports_object);
  for (const auto& exp : v8_module->info().exports) {
    if (exp.kind != ExternKind::memory) continue;
    auto memory = exports_object->Get(context, v8_string(isolate_, exp.name)).ToLocalChecked();
    if (memory->IsWasmMemoryObject())
      instance->memory_.Reset(isolate_, memory.As<v8::WasmMemoryObject>());
    break;
  }
  return std::unique_ptr<Instance>(std::move(instance));
}

Result<void> V8Instance::rebind(HostContext& context) {
  if (!host_.accepts(context))
    return make_error(Errc::invalid_argument, "the host functions need another host context");
  context_ = &context;
  return {};
}

Result<ExportFunction> V8Instance::find_function(std::string_view name) {
  for (std::uint32_t i = 0; i < functions_.size(); ++i)
    if (functions_[i].name == name) return ExportFunction{i};
  const ExportInfo* exp = module_->info().find_export(name);
  if (!exp || exp->kind != ExternKind::function)
    return make_error(Errc::missing_export,
                      "module has no function export '" + std::string(name) + "'");

  EngineScope scope(engine_);
  v8::Isolate* isolate = engine_.isolate();
  auto function = function_export(scope.context(), name);
  if (function.IsEmpty())
    return make_error(Errc::missing_export, "export '" + std::string(name) + "' is not callable");
  Export added{std::string(name), exp->type, v8::Global<v8::Function>(isolate, function), {}};
  if (metered_) {
    auto fuel_call = function_export(scope.context(), fuel_call_export(name));
    if (fuel_call.IsEmpty())
      return make_error(Errc::missing_export,
                        "metered module has no fuel call for '" + std::string(name) + "'");
    added.fuel_call.Reset(isolate, fuel_call);
  }
  functions_.push_back(std::move(added));
  return ExportFunction{static_cast<std::uint32_t>(functions_.size() - 1)};
}

// The function exported as `name`; empty if there is none.
v8::Local<v8::Function> V8Instance::function_export(v8::Local<v8::Context> context,
                                                    std::string_view name) {
  v8::Local<v8::Value> value;
  if (!exports_.Get(engine_.isolate())
           ->Get(context, v8_string(engine_.isolate(), name))
           .ToLocal(&value) ||
      !value->IsFunction())
    return {};
  return value.As<v8::Function>();
}

// A metered module's outermost call goes through its fuel call, which sets the
// budget inside wasm: two Smi arguments cost far less than setting the fuel
// global through the JS API (a BigInt and an accessor call). Nested calls
// draw on the running call's fuel.
V8Instance::Target V8Instance::target_of(const Export& target, const CallOptions& options) {
  v8::Isolate* isolate = engine_.isolate();
  bool outermost = host_failure_ == nullptr;
  if (!metered_ || !outermost) return {target.function.Get(isolate), std::nullopt};
  return {target.fuel_call.Get(isolate),
          options.fuel.value_or(std::numeric_limits<std::int64_t>::max())};
}

// Converts between our int64 slots and the JS values the wasm JS API uses
// (Number for i32, BigInt for i64).
v8::Local<v8::Value> to_js(v8::Isolate* isolate, ValType type, std::int64_t value) {
  if (type == ValType::i64) return v8::BigInt::New(isolate, value);
  return v8::Integer::New(isolate, static_cast<std::int32_t>(value));
}

std::int64_t from_js(v8::Local<v8::Context> context, ValType type, v8::Local<v8::Value> value) {
  if (type == ValType::i64) return value->IsBigInt() ? value.As<v8::BigInt>()->Int64Value() : 0;
  if (value->IsInt32()) return value.As<v8::Int32>()->Value();
  return value->Int32Value(context).FromMaybe(0);
}

Result<std::int64_t> V8Instance::call(ExportFunction function, std::span<const std::int64_t> args,
                                      CallOptions options) {
  if (function.index >= functions_.size())
    return make_error(Errc::invalid_argument, "unknown export handle");
  const Export& target = functions_[function.index];
  const auto& params = target.type.params;
  if (args.size() != params.size())
    return make_error(Errc::invalid_argument, "export '" + target.name + "' takes " +
                                                  std::to_string(params.size()) +
                                                  " arguments, got " + std::to_string(args.size()));
  // Only integer and float params exist in our exports; floats are not used by the ABI.
  if (params.size() > kMaxHostFunctionParams)
    return make_error(Errc::invalid_argument, "too many arguments");

  v8::Isolate* isolate = engine_.isolate();
  EngineScope scope(engine_);
  Target how = target_of(target, options);
  // A budget goes first, as its high and low 32 bits (always Smis).
  std::array<v8::Local<v8::Value>, kMaxHostFunctionParams + 2> argv;
  std::size_t argc = 0;
  if (how.budget) {
    auto bits = static_cast<std::uint64_t>(*how.budget);
    argv[argc++] = v8::Integer::New(isolate, static_cast<std::int32_t>(bits >> 32));
    argv[argc++] = v8::Integer::New(isolate, static_cast<std::int32_t>(bits & 0xffffffffu));
    budget_ = how.budget;
  }
  for (std::size_t i = 0; i < args.size(); ++i) argv[argc++] = to_js(isolate, params[i], args[i]);

  std::optional<CallGuard::Clock::time_point> deadline;
  if (options.timeout) deadline = CallGuard::Clock::now() + *options.timeout;
  v8::TryCatch caught(isolate);
  std::optional<Error> host_failure;
  std::optional<Error>* outer = std::exchange(host_failure_, &host_failure);
  V8Instance* outer_running = engine_.run(this);
  engine_.guard().begin(deadline);
  auto result = how.function->Call(scope.context(), v8::Undefined(isolate), static_cast<int>(argc),
                                   argv.data());
  CallGuard::Outcome outcome = engine_.guard().end();
  engine_.run(outer_running);
  host_failure_ = outer;
  if (outcome != CallGuard::Outcome::completed) isolate->CancelTerminateExecution();

  // First, and even if the guest caught the exception (wasm exception handling
  // can) and returned: the host said the guest must not continue.
  if (host_failure)
    return make_error(Errc::trap_host, "'" + target.name + "' trapped: " + host_failure->message);
  if (result.IsEmpty()) {
    if (outcome == CallGuard::Outcome::deadline_exceeded)
      return make_error(Errc::deadline_exceeded,
                        "call to '" + target.name + "' exceeded its deadline of " +
                            std::to_string(options.timeout->count() / 1000000) + " ms");
    if (outcome == CallGuard::Outcome::interrupted || caught.HasTerminated())
      return make_error(Errc::interrupted, "call to '" + target.name + "' was interrupted");
    std::string message = exception_text(isolate, caught);
    Errc code = classify_trap(message);
    return call_failure(target, code, std::move(message));
  }
  if (target.type.results.empty()) return std::int64_t{0};
  return from_js(scope.context(), target.type.results[0], result.ToLocalChecked());
}

// A trap of a metered module is out of fuel if the check that failed said so.
Error V8Instance::call_failure(const Export& target, Errc code, std::string message) {
  auto exhausted = metered_ && code == Errc::trap_unreachable
                       ? global(kFuelExhaustedExport)
                       : Result<std::uint64_t>(std::uint64_t{0});
  if (!exhausted || *exhausted != 1) return {code, "'" + target.name + "' trapped: " + message};
  std::string used = std::to_string(fuel_used().value_or(0));
  std::string budget = budget_ == std::numeric_limits<std::int64_t>::max()
                           ? std::string("unlimited")
                           : std::to_string(budget_.value_or(0));
  return {Errc::out_of_fuel,
          "'" + target.name + "' ran out of fuel: used " + used + " of budget " + budget};
}

std::optional<std::int64_t> V8Instance::fuel_used() {
  if (!metered_ || !budget_) return std::nullopt;
  auto left = global(kFuelGlobalExport);
  if (!left) return std::nullopt;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(*budget_) - *left);
}

GuestMemory V8Instance::memory_in_scope() {
  if (memory_.IsEmpty()) return {};
  auto buffer = memory_.Get(engine_.isolate())->Buffer();
  return GuestMemory(static_cast<std::uint8_t*>(buffer->Data()), buffer->ByteLength());
}

GuestMemory V8Instance::memory() {
  EngineScope scope(engine_);
  return memory_in_scope();
}

// V8 has no C++ API for globals or for growing a memory, so these go through
// the wasm JS API: a global export is a WebAssembly.Global whose `value` is a
// Number (i32, f32, f64) or a BigInt (i64), and a memory grows by
// WebAssembly.Memory.prototype.grow. V8 canonicalises NaNs on their way
// through JS, reading and writing: a NaN global stays a NaN, but its sign and
// payload are lost.
bool is_numeric(ValType type) {
  return type == ValType::i32 || type == ValType::i64 || type == ValType::f32 ||
         type == ValType::f64;
}

v8::Local<v8::Value> global_to_js(v8::Isolate* isolate, ValType type, std::uint64_t bits) {
  auto low = static_cast<std::uint32_t>(bits);
  switch (type) {
    case ValType::i64:
      return v8::BigInt::New(isolate, std::bit_cast<std::int64_t>(bits));
    case ValType::f32:
      return v8::Number::New(isolate, std::bit_cast<float>(low));
    case ValType::f64:
      return v8::Number::New(isolate, std::bit_cast<double>(bits));
    default:
      return v8::Integer::New(isolate, std::bit_cast<std::int32_t>(low));
  }
}

std::optional<std::uint64_t> global_from_js(v8::Local<v8::Context> context, ValType type,
                                            v8::Local<v8::Value> value) {
  if (type == ValType::i64) {
    if (!value->IsBigInt()) return std::nullopt;
    return std::bit_cast<std::uint64_t>(value.As<v8::BigInt>()->Int64Value());
  }
  if (type == ValType::i32) {
    auto number = value->Int32Value(context);
    if (number.IsNothing()) return std::nullopt;
    return std::bit_cast<std::uint32_t>(number.FromJust());
  }
  auto number = value->NumberValue(context);
  if (number.IsNothing()) return std::nullopt;
  if (type == ValType::f32)
    return std::bit_cast<std::uint32_t>(static_cast<float>(number.FromJust()));
  return std::bit_cast<std::uint64_t>(number.FromJust());
}

Result<GlobalType> V8Instance::global_type(std::string_view export_name) const {
  const ExportInfo* exp = module_->info().find_export(export_name);
  if (!exp || !exp->global)
    return make_error(Errc::not_found,
                      "module has no global export '" + std::string(export_name) + "'");
  if (!is_numeric(exp->global->type))
    return make_error(Errc::invalid_argument, "global export '" + std::string(export_name) +
                                                  "' holds a v128 or a reference, not a number");
  return *exp->global;
}

Result<v8::Local<v8::Object>> V8Instance::global_object(v8::Local<v8::Context> context,
                                                        std::string_view export_name) {
  v8::Isolate* isolate = engine_.isolate();
  v8::Local<v8::Value> value;
  if (!exports_.Get(isolate)->Get(context, v8_string(isolate, export_name)).ToLocal(&value) ||
      !value->IsObject())
    return make_error(Errc::internal,
                      "export '" + std::string(export_name) + "' is not a WebAssembly.Global");
  return value.As<v8::Object>();
}

Result<std::uint64_t> V8Instance::global(std::string_view export_name) {
  auto type = global_type(export_name);
  if (!type) return type.error();
  v8::Isolate* isolate = engine_.isolate();
  EngineScope scope(engine_);
  v8::TryCatch caught(isolate);
  auto object = global_object(scope.context(), export_name);
  if (!object) return object.error();
  v8::Local<v8::Value> value;
  std::optional<std::uint64_t> bits;
  if ((*object)->Get(scope.context(), v8_string(isolate, "value")).ToLocal(&value))
    bits = global_from_js(scope.context(), type->type, value);
  if (!bits)
    return make_error(Errc::internal, "cannot read global '" + std::string(export_name) +
                                          "': " + exception_text(isolate, caught));
  return *bits;
}

Result<void> V8Instance::set_global(std::string_view export_name, std::uint64_t bits) {
  auto type = global_type(export_name);
  if (!type) return type.error();
  if (!type->mutable_)
    return make_error(Errc::invalid_argument,
                      "global export '" + std::string(export_name) + "' is immutable");
  v8::Isolate* isolate = engine_.isolate();
  EngineScope scope(engine_);
  v8::TryCatch caught(isolate);
  auto object = global_object(scope.context(), export_name);
  if (!object) return object.error();
  auto set = (*object)->Set(scope.context(), v8_string(isolate, "value"),
                            global_to_js(isolate, type->type, bits));
  if (set.IsNothing())
    return make_error(Errc::internal, "cannot write global '" + std::string(export_name) +
                                          "': " + exception_text(isolate, caught));
  return {};
}

Result<void> V8Instance::grow_memory(std::uint32_t pages) {
  if (memory_.IsEmpty()) return make_error(Errc::not_found, "the instance exports no memory");
  v8::Isolate* isolate = engine_.isolate();
  EngineScope scope(engine_);
  auto memory = memory_.Get(isolate);
  std::size_t current = memory->Buffer()->ByteLength() / kWasmPageSize;
  if (pages <= current) return {};
  v8::TryCatch caught(isolate);
  v8::Local<v8::Value> grow;
  if (!memory->Get(scope.context(), v8_string(isolate, "grow")).ToLocal(&grow) ||
      !grow->IsFunction())
    return make_error(Errc::internal, "the memory object has no grow method");
  v8::Local<v8::Value> delta = v8::Number::New(isolate, static_cast<double>(pages - current));
  // Past the maximum (the module's own, or the cap compile applied) V8 throws
  // a RangeError; the memory is then unchanged.
  if (grow.As<v8::Function>()->Call(scope.context(), memory, 1, &delta).IsEmpty())
    return make_error(Errc::limit_exceeded, "memory cannot grow from " + std::to_string(current) +
                                                " to " + std::to_string(pages) +
                                                " pages: " + exception_text(isolate, caught));
  return {};
}

// No C++ exception may cross into V8: one from a host function becomes its Error.
Result<std::int64_t> run_host(const HostFunction& function, Caller& caller,
                              std::span<const std::int64_t> args) {
  try {
    return function.callback(caller, args);
  } catch (const std::exception& e) {
    return make_error(Errc::internal, e.what());
  } catch (...) {
    return make_error(Errc::internal, "unknown exception");
  }
}

// The V8 callback behind every host function. A failure is recorded for the
// running call, which reports it, and thrown to unwind the guest.
void V8Instance::call_host(const v8::FunctionCallbackInfo<v8::Value>& info) {
  const auto& function = *static_cast<const HostFunction*>(info.Data().As<v8::External>()->Value());
  v8::Isolate* isolate = info.GetIsolate();
  auto* engine = static_cast<V8Engine*>(isolate->GetData(kEngineSlot));
  if (!engine->running()) {  // a start function: no export call, so no caller to serve
    isolate->ThrowException(v8::Exception::Error(
        v8_string(isolate, "host function " + function.module + "." + function.name +
                               " called outside an export call (from a start function)")));
    return;
  }
  V8Instance& instance = *engine->running();
  auto context = isolate->GetCurrentContext();

  std::array<std::int64_t, kMaxHostFunctionParams> args{};
  const auto& params = function.type.params;
  for (std::size_t i = 0; i < params.size(); ++i)
    args[i] = from_js(context, params[i], info[static_cast<int>(i)]);

  std::optional<Error>* recorded = instance.host_failure_;  // set by the running call
  // A guest may catch a failure (wasm exception handling), not go on using the host.
  Caller caller(instance.memory_in_scope(), *instance.context_);
  auto result = recorded && *recorded
                    ? make_error(Errc::trap_host, "refused after an earlier failure")
                    : run_host(function, caller, {args.data(), params.size()});
  if (!result) {
    std::string message = "host function " + function.module + "." + function.name +
                          " failed: " + result.error().message;
    if (recorded && !*recorded) *recorded = Error{Errc::trap_host, message};
    isolate->ThrowException(v8::Exception::Error(v8_string(isolate, message)));
    return;
  }
  if (!function.type.results.empty())
    info.GetReturnValue().Set(to_js(isolate, function.type.results[0], *result));
}

}  // namespace

Result<std::unique_ptr<Engine>> create_engine(EngineOptions options) {
  V8Platform::get();
  return std::unique_ptr<Engine>(std::make_unique<V8Engine>(std::move(options)));
}

}  // namespace wasmhive::engine
