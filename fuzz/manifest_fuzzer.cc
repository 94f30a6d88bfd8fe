// libFuzzer target: arbitrary bytes as an app manifest, through everything
// `wasmhive check` does with one short of compiling modules: TOML parsing, every
// key, type, range, name, glob and reference check, and the stat of each wasm
// path (which rarely exists; that is just one more error). Any crash, sanitizer
// report, leak, hang or escaping exception is a finding; errors are the
// expected outcome.
#include <cstdint>
#include <string_view>

#include "cli/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Inputs over the limit never reach the parser in load_manifest either.
  if (size > wasmhive::cli::kMaxManifestBytes) return 0;
  auto manifest = wasmhive::cli::parse_manifest(text, "fuzz.toml");
  if (!manifest && manifest.error().message.empty()) __builtin_trap();  // errors must say what
  return 0;
}
