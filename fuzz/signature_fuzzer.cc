// libFuzzer target: arbitrary bytes as a module that may carry a signature
// (security/signing.h). Checking never crashes and never calls anything valid
// that is not; whatever can be signed then verifies as signed by that key, and
// one flipped byte before the signature makes it tampered.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "security/signing.h"
#include "util/wasm_sections.h"

using namespace wasmhive::security;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const KeyPair* key = new KeyPair(KeyPair::generate());  // for the whole run
  std::span<const std::uint8_t> bytes(data, size);
  SignatureCheck check = check_signature(bytes);
  if (check.state == SignatureState::valid && !check.signer) std::abort();
  (void)check_trust(bytes, {.require_signed = true, .trusted_keys = {key->public_key()}});
  auto signed_module = sign_module(bytes, *key);
  if (!signed_module) return 0;
  SignatureCheck resigned = check_signature(*signed_module);
  if (resigned.state != SignatureState::valid || resigned.signer != key->public_key()) std::abort();
  // The signed part is everything before the section just appended.
  std::size_t signed_length = wasmhive::read_sections(*signed_module)->back().begin;
  if (signed_length > 8) {
    auto copy = *signed_module;
    copy[8 + size % (signed_length - 8)] ^= 0x01;
    if (check_signature(copy).state == SignatureState::valid) std::abort();
  }
  return 0;
}
