#include "engine/fuel_meter.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "engine/binaryen_module.h"

namespace wasmhive::engine {
namespace {

using Expr = BinaryenExpressionRef;
using Exprs = std::vector<Expr>;

// How the pass sees into one kind of expression: its operands, in any order
// (only counted), null ones included.
using ChildrenOf = void (*)(Expr, Exprs&);

template <Expr (*... Get)(Expr)>
void fixed(Expr e, Exprs& out) {
  (out.push_back(Get(e)), ...);
}

template <BinaryenIndex (*Count)(Expr), Expr (*At)(Expr, BinaryenIndex)>
void listed(Expr e, Exprs& out) {
  for (BinaryenIndex i = 0, n = Count(e); i < n; ++i) out.push_back(At(e, i));
}

void call_indirect(Expr e, Exprs& out) {
  out.push_back(BinaryenCallIndirectGetTarget(e));
  listed<BinaryenCallIndirectGetNumOperands, BinaryenCallIndirectGetOperandAt>(e, out);
}

void try_children(Expr e, Exprs& out) {
  out.push_back(BinaryenTryGetBody(e));
  listed<BinaryenTryGetNumCatchBodies, BinaryenTryGetCatchBodyAt>(e, out);
}

struct Kind {
  BinaryenExpressionId (*id)();
  ChildrenOf children;
  int cost = 1;
};

// Every kind binaryen 108 reads (wasm-delegations.def) but the GC proposal's
// (call_ref, ref.test, ref.cast, br_on_*, rtt.*, struct.*, array.*), which
// its C API gives no access to and V8 10.2 does not run. If and Loop are
// handled by the walk itself: their arms and bodies are regions of their own.
const Kind kKinds[] = {
    {BinaryenNopId, fixed<>, 0},
    {BinaryenBlockId, listed<BinaryenBlockGetNumChildren, BinaryenBlockGetChildAt>, 0},
    {BinaryenBreakId, fixed<BinaryenBreakGetCondition, BinaryenBreakGetValue>},
    {BinaryenSwitchId, fixed<BinaryenSwitchGetCondition, BinaryenSwitchGetValue>},
    {BinaryenCallId, listed<BinaryenCallGetNumOperands, BinaryenCallGetOperandAt>},
    {BinaryenCallIndirectId, call_indirect},
    {BinaryenLocalGetId, fixed<>},
    {BinaryenLocalSetId, fixed<BinaryenLocalSetGetValue>},
    {BinaryenGlobalGetId, fixed<>},
    {BinaryenGlobalSetId, fixed<BinaryenGlobalSetGetValue>},
    {BinaryenLoadId, fixed<BinaryenLoadGetPtr>},
    {BinaryenStoreId, fixed<BinaryenStoreGetPtr, BinaryenStoreGetValue>},
    {BinaryenAtomicRMWId, fixed<BinaryenAtomicRMWGetPtr, BinaryenAtomicRMWGetValue>},
    {BinaryenAtomicCmpxchgId, fixed<BinaryenAtomicCmpxchgGetPtr, BinaryenAtomicCmpxchgGetExpected,
                                    BinaryenAtomicCmpxchgGetReplacement>},
    {BinaryenAtomicWaitId,
     fixed<BinaryenAtomicWaitGetPtr, BinaryenAtomicWaitGetExpected, BinaryenAtomicWaitGetTimeout>},
    {BinaryenAtomicNotifyId, fixed<BinaryenAtomicNotifyGetPtr, BinaryenAtomicNotifyGetNotifyCount>},
    {BinaryenAtomicFenceId, fixed<>},
    {BinaryenSIMDExtractId, fixed<BinaryenSIMDExtractGetVec>},
    {BinaryenSIMDReplaceId, fixed<BinaryenSIMDReplaceGetVec, BinaryenSIMDReplaceGetValue>},
    {BinaryenSIMDShuffleId, fixed<BinaryenSIMDShuffleGetLeft, BinaryenSIMDShuffleGetRight>},
    {BinaryenSIMDTernaryId,
     fixed<BinaryenSIMDTernaryGetA, BinaryenSIMDTernaryGetB, BinaryenSIMDTernaryGetC>},
    {BinaryenSIMDShiftId, fixed<BinaryenSIMDShiftGetVec, BinaryenSIMDShiftGetShift>},
    {BinaryenSIMDLoadId, fixed<BinaryenSIMDLoadGetPtr>},
    {BinaryenSIMDLoadStoreLaneId,
     fixed<BinaryenSIMDLoadStoreLaneGetPtr, BinaryenSIMDLoadStoreLaneGetVec>},
    {BinaryenMemoryInitId,
     fixed<BinaryenMemoryInitGetDest, BinaryenMemoryInitGetOffset, BinaryenMemoryInitGetSize>},
    {BinaryenDataDropId, fixed<>},
    {BinaryenMemoryCopyId,
     fixed<BinaryenMemoryCopyGetDest, BinaryenMemoryCopyGetSource, BinaryenMemoryCopyGetSize>},
    {BinaryenMemoryFillId,
     fixed<BinaryenMemoryFillGetDest, BinaryenMemoryFillGetValue, BinaryenMemoryFillGetSize>},
    {BinaryenConstId, fixed<>},
    {BinaryenUnaryId, fixed<BinaryenUnaryGetValue>},
    {BinaryenBinaryId, fixed<BinaryenBinaryGetLeft, BinaryenBinaryGetRight>},
    {BinaryenSelectId,
     fixed<BinaryenSelectGetIfTrue, BinaryenSelectGetIfFalse, BinaryenSelectGetCondition>},
    {BinaryenDropId, fixed<BinaryenDropGetValue>},
    {BinaryenReturnId, fixed<BinaryenReturnGetValue>},
    {BinaryenMemorySizeId, fixed<>},
    {BinaryenMemoryGrowId, fixed<BinaryenMemoryGrowGetDelta>},
    {BinaryenUnreachableId, fixed<>},
    {BinaryenPopId, fixed<>, 0},
    {BinaryenRefNullId, fixed<>},
    {BinaryenRefIsId, fixed<BinaryenRefIsGetValue>},
    {BinaryenRefFuncId, fixed<>},
    {BinaryenRefEqId, fixed<BinaryenRefEqGetLeft, BinaryenRefEqGetRight>},
    {BinaryenTableGetId, fixed<BinaryenTableGetGetIndex>},
    {BinaryenTableSetId, fixed<BinaryenTableSetGetIndex, BinaryenTableSetGetValue>},
    {BinaryenTableSizeId, fixed<>},
    {BinaryenTableGrowId, fixed<BinaryenTableGrowGetValue, BinaryenTableGrowGetDelta>},
    {BinaryenTryId, try_children},
    {BinaryenThrowId, listed<BinaryenThrowGetNumOperands, BinaryenThrowGetOperandAt>},
    {BinaryenRethrowId, fixed<>},
    {BinaryenTupleMakeId, listed<BinaryenTupleMakeGetNumOperands, BinaryenTupleMakeGetOperandAt>,
     0},
    {BinaryenTupleExtractId, fixed<BinaryenTupleExtractGetTuple>, 0},
    {BinaryenI31NewId, fixed<BinaryenI31NewGetValue>},
    {BinaryenI31GetId, fixed<BinaryenI31GetGetI31>},
    {BinaryenRefAsId, fixed<BinaryenRefAsGetValue>},
};

// kKinds by expression id, built once: ids are only known at run time.
const Kind* kind_of(BinaryenExpressionId id) {
  static const std::vector<const Kind*> by_id = [] {
    std::vector<const Kind*> table;
    for (const Kind& kind : kKinds) {
      BinaryenExpressionId kind_id = kind.id();
      if (kind_id >= table.size()) table.resize(kind_id + 1, nullptr);
      table[kind_id] = &kind;
    }
    return table;
  }();
  return id < by_id.size() ? by_id[id] : nullptr;
}

// Whether binaryen writes `type` as V8 10.2 reads it. Binaryen types ref.func
// as a typed, non-null function reference; stack-machine code around one can
// leave it scratch locals, blocks or selects of such types, which it then
// writes as typed references, a proposal V8 10.2 runs only behind a flag.
bool v8_readable(BinaryenType type) {
  static const BinaryenType kReadable[] = {
      BinaryenTypeNone(),   BinaryenTypeUnreachable(), BinaryenTypeInt32(),
      BinaryenTypeInt64(),  BinaryenTypeFloat32(),     BinaryenTypeFloat64(),
      BinaryenTypeVec128(), BinaryenTypeFuncref(),     BinaryenTypeExternref()};
  std::vector<BinaryenType> parts(BinaryenTypeArity(type));
  if (parts.size() > 1)
    BinaryenTypeExpand(type, parts.data());
  else
    parts.assign(1, type);
  return std::all_of(parts.begin(), parts.end(), [](BinaryenType part) {
    return std::find(std::begin(kReadable), std::end(kReadable), part) != std::end(kReadable);
  });
}

Error unreadable_types() {
  return make_error(Errc::invalid_module,
                    "fuel metering cannot keep the module's reference types: binaryen would "
                    "write typed function references, which V8 10.2 does not read");
}

// Where a region's charge goes: the expression that holds the region's root.
enum class Slot { function_body, loop_body, if_true, if_false };

struct Region {
  Slot slot;
  void* owner;  // the BinaryenFunctionRef or the Loop/If expression
  Expr root;
};

// A name no function or global of the module has.
std::string unique_name(BinaryenModuleRef module, const std::string& base) {
  std::string name = base;
  for (int i = 1;
       BinaryenGetFunction(module, name.c_str()) || BinaryenGetGlobal(module, name.c_str()); ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

class Meter {
 public:
  explicit Meter(BinaryenModuleRef module) : module_(module) {}

  Result<void> run();

 private:
  Result<std::uint64_t> region_cost(Expr root);
  Result<void> meter_function(BinaryenFunctionRef function);
  void wrap(const Region& region, std::uint64_t cost);
  Expr charge(std::uint64_t cost);
  Expr check();
  void add_globals();
  void add_fuel_calls();
  void add_fuel_call(BinaryenExportRef exp, const std::string& exported);

  BinaryenModuleRef module_;
  std::string fuel_, exhausted_, out_of_fuel_;
  // Regions found inside the region being costed: metered after it.
  std::vector<Region> pending_;
};

// Expressions whose type binaryen writes into the module.
bool writes_type(BinaryenExpressionId id) {
  static const BinaryenExpressionId kTyped[] = {BinaryenBlockId(), BinaryenLoopId(), BinaryenIfId(),
                                                BinaryenTryId(), BinaryenSelectId()};
  return std::find(std::begin(kTyped), std::end(kTyped), id) != std::end(kTyped);
}

Result<std::uint64_t> Meter::region_cost(Expr root) {
  static const BinaryenExpressionId loop = BinaryenLoopId(), if_ = BinaryenIfId();
  std::uint64_t cost = 0;
  Exprs stack{root};  // explicit: nesting may be deeper than the native stack
  while (!stack.empty()) {
    Expr e = stack.back();
    stack.pop_back();
    if (!e) continue;
    BinaryenExpressionId id = BinaryenExpressionGetId(e);
    if (writes_type(id) && !v8_readable(BinaryenExpressionGetType(e))) return unreadable_types();
    if (id == loop) {
      cost += 1;
      pending_.push_back({Slot::loop_body, e, BinaryenLoopGetBody(e)});
    } else if (id == if_) {
      cost += 1;
      stack.push_back(BinaryenIfGetCondition(e));
      pending_.push_back({Slot::if_true, e, BinaryenIfGetIfTrue(e)});
      if (Expr arm = BinaryenIfGetIfFalse(e)) pending_.push_back({Slot::if_false, e, arm});
    } else if (const Kind* kind = kind_of(id)) {
      cost += static_cast<std::uint64_t>(kind->cost);
      kind->children(e, stack);
    } else {
      return make_error(Errc::invalid_module,
                        "fuel metering does not support the module's GC instructions");
    }
  }
  return cost;
}

Result<void> Meter::meter_function(BinaryenFunctionRef function) {
  Expr body = BinaryenFunctionGetBody(function);
  if (!body) return {};  // imported
  for (BinaryenIndex i = 0; i < BinaryenFunctionGetNumVars(function); ++i)
    if (!v8_readable(BinaryenFunctionGetVar(function, i))) return unreadable_types();
  pending_.push_back({Slot::function_body, function, body});
  while (!pending_.empty()) {
    Region region = pending_.back();
    pending_.pop_back();
    auto cost = region_cost(region.root);
    if (!cost) return cost.error();
    wrap(region, *cost);
  }
  return {};
}

Expr Meter::charge(std::uint64_t cost) {
  Expr left = BinaryenGlobalGet(module_, fuel_.c_str(), BinaryenTypeInt64());
  Expr amount = BinaryenConst(module_, BinaryenLiteralInt64(static_cast<std::int64_t>(cost)));
  return BinaryenGlobalSet(module_, fuel_.c_str(),
                           BinaryenBinary(module_, BinaryenSubInt64(), left, amount));
}

Expr Meter::check() {
  Expr left = BinaryenGlobalGet(module_, fuel_.c_str(), BinaryenTypeInt64());
  Expr zero = BinaryenConst(module_, BinaryenLiteralInt64(0));
  Expr spent = BinaryenBinary(module_, BinaryenLtSInt64(), left, zero);
  // The trap is a call, not inline code: a few bytes at every check instead
  // of a dozen.
  Expr stop = BinaryenCall(module_, out_of_fuel_.c_str(), nullptr, 0, BinaryenTypeNone());
  return BinaryenIf(module_, spent, stop, nullptr);
}

// The type of the block that replaces a region's root: its holder's, as the
// module declared it. Not the root's own: binaryen refines that (ref.func is a
// typed, non-null reference), and a block of a refined type is written with a
// type V8 10.2 cannot read. Unreachable holders take the root's.
BinaryenType region_type(const Region& region) {
  BinaryenType type =
      region.slot == Slot::function_body
          ? BinaryenFunctionGetResults(static_cast<BinaryenFunctionRef>(region.owner))
          : BinaryenExpressionGetType(static_cast<Expr>(region.owner));
  return type == BinaryenTypeUnreachable() ? BinaryenTypeAuto() : type;
}

// Replaces the region's root by a block [charge, (check,) root].
void Meter::wrap(const Region& region, std::uint64_t cost) {
  if (cost == 0) return;
  bool checked = region.slot == Slot::function_body || region.slot == Slot::loop_body;
  Expr children[] = {charge(cost), checked ? check() : region.root, region.root};
  Expr block = BinaryenBlock(module_, nullptr, children, checked ? 3 : 2, region_type(region));
  switch (region.slot) {
    case Slot::function_body:
      BinaryenFunctionSetBody(static_cast<BinaryenFunctionRef>(region.owner), block);
      break;
    case Slot::loop_body:
      BinaryenLoopSetBody(static_cast<Expr>(region.owner), block);
      break;
    case Slot::if_true:
      BinaryenIfSetIfTrue(static_cast<Expr>(region.owner), block);
      break;
    case Slot::if_false:
      BinaryenIfSetIfFalse(static_cast<Expr>(region.owner), block);
      break;
  }
}

void Meter::add_globals() {
  fuel_ = unique_name(module_, "wasmhive$fuel");
  BinaryenAddGlobal(module_, fuel_.c_str(), BinaryenTypeInt64(), true,
                    BinaryenConst(module_, BinaryenLiteralInt64(INT64_MAX)));
  BinaryenAddGlobalExport(module_, fuel_.c_str(), std::string(kFuelGlobalExport).c_str());
  exhausted_ = unique_name(module_, "wasmhive$fuel_exhausted");
  BinaryenAddGlobal(module_, exhausted_.c_str(), BinaryenTypeInt32(), true,
                    BinaryenConst(module_, BinaryenLiteralInt32(0)));
  BinaryenAddGlobalExport(module_, exhausted_.c_str(), std::string(kFuelExhaustedExport).c_str());
  out_of_fuel_ = unique_name(module_, "wasmhive$out_of_fuel");
  Expr body[] = {BinaryenGlobalSet(module_, exhausted_.c_str(),
                                   BinaryenConst(module_, BinaryenLiteralInt32(1))),
                 BinaryenUnreachable(module_)};
  BinaryenAddFunction(module_, out_of_fuel_.c_str(), BinaryenTypeNone(), BinaryenTypeNone(),
                      nullptr, 0, BinaryenBlock(module_, nullptr, body, 2, BinaryenTypeAuto()));
}

std::vector<BinaryenType> expand(BinaryenType type) {
  std::vector<BinaryenType> types(BinaryenTypeArity(type));
  if (!types.empty()) BinaryenTypeExpand(type, types.data());
  return types;
}

// (high << 32) | low, from the wrapper's first two parameters.
Expr budget(BinaryenModuleRef module) {
  auto half = [&](BinaryenIndex index) {
    return BinaryenUnary(module, BinaryenExtendUInt32(),
                         BinaryenLocalGet(module, index, BinaryenTypeInt32()));
  };
  Expr high = BinaryenBinary(module, BinaryenShlInt64(), half(0),
                             BinaryenConst(module, BinaryenLiteralInt64(32)));
  return BinaryenBinary(module, BinaryenOrInt64(), high, half(1));
}

void Meter::add_fuel_call(BinaryenExportRef exp, const std::string& exported) {
  const char* target = BinaryenExportGetValue(exp);
  BinaryenFunctionRef function = BinaryenGetFunction(module_, target);
  std::vector<BinaryenType> params = expand(BinaryenFunctionGetParams(function));
  BinaryenType results = BinaryenFunctionGetResults(function);
  Exprs args;
  for (BinaryenIndex i = 0; i < params.size(); ++i)
    args.push_back(BinaryenLocalGet(module_, i + 2, params[i]));
  Expr body[] = {
      BinaryenGlobalSet(module_, fuel_.c_str(), budget(module_)),
      BinaryenGlobalSet(module_, exhausted_.c_str(),
                        BinaryenConst(module_, BinaryenLiteralInt32(0))),
      BinaryenCall(module_, target, args.data(), static_cast<BinaryenIndex>(args.size()), results)};
  params.insert(params.begin(), {BinaryenTypeInt32(), BinaryenTypeInt32()});
  std::string name = unique_name(module_, "wasmhive$fuel_call$" + std::string(target));
  BinaryenAddFunction(module_, name.c_str(),
                      BinaryenTypeCreate(params.data(), static_cast<BinaryenIndex>(params.size())),
                      results, nullptr, 0, BinaryenBlock(module_, nullptr, body, 3, results));
  BinaryenAddFunctionExport(module_, name.c_str(), fuel_call_export(exported).c_str());
}

void Meter::add_fuel_calls() {
  std::vector<std::pair<BinaryenExportRef, std::string>> functions;
  for (BinaryenIndex i = 0; i < BinaryenGetNumExports(module_); ++i) {
    BinaryenExportRef exp = BinaryenGetExportByIndex(module_, i);
    if (BinaryenExportGetKind(exp) == BinaryenExternalFunction())
      functions.emplace_back(exp, BinaryenExportGetName(exp));
  }
  for (const auto& [exp, name] : functions) add_fuel_call(exp, name);
}

Result<void> Meter::run() {
  for (BinaryenIndex i = 0; i < BinaryenGetNumExports(module_); ++i) {
    std::string_view name = BinaryenExportGetName(BinaryenGetExportByIndex(module_, i));
    if (name.starts_with(kFuelExportPrefix))
      return make_error(Errc::invalid_module, "export '" + std::string(name) +
                                                  "' uses the prefix reserved for fuel metering");
  }
  BinaryenIndex functions = BinaryenGetNumFunctions(module_);  // before adding ours
  add_globals();
  for (BinaryenIndex i = 0; i < functions; ++i)
    if (auto metered = meter_function(BinaryenGetFunctionByIndex(module_, i)); !metered)
      return metered;
  add_fuel_calls();
  return {};
}

}  // namespace

Result<std::vector<std::uint8_t>> meter_fuel(std::span<const std::uint8_t> wasm) {
  auto module = IrModule::read(wasm);
  if (!module) return module.error();
  if (auto metered = Meter(module->get()).run(); !metered) return metered.error();
  if (!module->validates())
    return make_error(Errc::invalid_module, "module does not validate after fuel metering");
  return module->write();
}

bool is_fuel_metered(const ModuleInfo& info) {
  const ExportInfo* fuel = info.find_export(kFuelGlobalExport);
  return fuel && fuel->global && fuel->global->type == ValType::i64 && fuel->global->mutable_;
}

}  // namespace wasmhive::engine
