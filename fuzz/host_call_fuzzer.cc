// libFuzzer target: the host side of every ABI v1 import with arbitrary
// arguments and guest memory. Each call must return a value >= 0 or one of the
// documented error codes, and never touch memory outside the guest's.
#include <cstdint>
#include <cstring>
#include <vector>

#include "abi/host_bindings.h"
#include "null_api.h"

using namespace wasmhive;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kArgs = engine::kMaxHostFunctionParams;
  constexpr std::size_t kHeader = 1 + kArgs * sizeof(std::int64_t);
  if (size < kHeader) return 0;
  const auto& functions = abi::host_functions().all();
  const engine::HostFunction& function = functions[data[0] % functions.size()];
  std::int64_t args[kArgs];
  std::memcpy(args, data + 1, sizeof args);
  // The rest is the guest's linear memory, in a buffer of exactly that size so
  // ASan catches any access past it.
  std::vector<std::uint8_t> memory(data + kHeader, data + size);
  static fuzzing::NullApi api;
  engine::Caller caller(engine::GuestMemory(memory.data(), memory.size()), api);
  auto result =
      function.callback(caller, std::span<const std::int64_t>(args, function.type.params.size()));
  if (!result) __builtin_trap();  // imports report failures as codes, never as traps
  bool i64_result = function.type.results == std::vector{engine::ValType::i64};
  if (!i64_result && *result < abi::kErrIo) __builtin_trap();
  return 0;
}
