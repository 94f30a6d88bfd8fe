#include "security/signing.h"

#include <sodium.h>

#include <algorithm>

#include "util/error.h"
#include "util/file.h"
#include "util/wasm_sections.h"

namespace wasmhive::security {
namespace {

// Separates these signatures from anything else the same key might sign.
constexpr std::string_view kSignedContext = "wasmhive module signature v1";
constexpr std::size_t kSectionPayloadBytes = 1 + kPublicKeyBytes + kSignatureBytes;
// Key files are a line of hex: far below this.
constexpr std::size_t kMaxKeyFileBytes = 4096;

void ensure_sodium() {
  // Thread-safe and idempotent; fails only without a usable random source.
  [[maybe_unused]] static const int initialized = sodium_init();
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  return hex;
}

// Exactly `out.size()` bytes from `hex` (surrounding whitespace ignored).
bool from_hex(std::string_view hex, std::span<std::uint8_t> out) {
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.remove_suffix(1);
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front())))
    hex.remove_prefix(1);
  if (hex.size() != out.size() * 2) return false;
  std::size_t written = 0;
  const char* end = nullptr;
  return sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &written, &end) ==
             0 &&
         written == out.size() && end == hex.data() + hex.size();
}

// The state of Ed25519ph over the context and the signed bytes.
crypto_sign_state signing_state(std::span<const std::uint8_t> signed_bytes) {
  crypto_sign_state state;
  crypto_sign_init(&state);
  crypto_sign_update(&state, reinterpret_cast<const unsigned char*>(kSignedContext.data()),
                     kSignedContext.size() + 1);  // with its terminating zero
  crypto_sign_update(&state, signed_bytes.data(), signed_bytes.size());
  return state;
}

struct Located {
  std::vector<WasmSection> sections;
  const WasmSection* signature = nullptr;  // the first signature section, if any
  std::size_t count = 0;                   // signature sections
};

std::optional<Located> locate(std::span<const std::uint8_t> wasm) {
  auto sections = read_sections(wasm);
  if (!sections) return std::nullopt;
  Located found{std::move(*sections)};
  for (const auto& s : found.sections)
    if (s.id == kCustomSectionId && s.custom_name == kSignatureSection) {
      if (!found.signature) found.signature = &s;
      ++found.count;
    }
  return found;
}

SignatureCheck tampered(std::string problem) {
  return {.state = SignatureState::tampered, .problem = std::move(problem)};
}

}  // namespace

std::string PublicKey::hex() const {
  return to_hex(bytes);
}

Result<PublicKey> PublicKey::parse(std::string_view hex) {
  PublicKey key;
  if (!from_hex(hex, key.bytes))
    return make_error(Errc::invalid_argument,
                      "a public key is 64 hex digits (what wasmhive keygen writes to KEY.pub)");
  return key;
}

KeyPair KeyPair::generate() {
  ensure_sodium();
  KeyPair pair;
  crypto_sign_keypair(pair.public_.bytes.data(), pair.secret_.data());
  return pair;
}

Result<KeyPair> KeyPair::parse_secret(std::string_view text) {
  ensure_sodium();
  KeyPair pair;
  if (!from_hex(text, pair.secret_))
    return make_error(Errc::invalid_argument,
                      "a secret key is 128 hex digits (what wasmhive keygen writes to KEY.key)");
  crypto_sign_ed25519_sk_to_pk(pair.public_.bytes.data(), pair.secret_.data());
  // The secret's second half is its public key; a file edited by hand might
  // not agree with itself.
  std::array<std::uint8_t, crypto_sign_SEEDBYTES> seed{};
  crypto_sign_ed25519_sk_to_seed(seed.data(), pair.secret_.data());
  PublicKey derived;
  std::array<std::uint8_t, kSecretKeyBytes> rebuilt{};
  crypto_sign_seed_keypair(derived.bytes.data(), rebuilt.data(), seed.data());
  bool consistent = derived == pair.public_;
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(rebuilt.data(), rebuilt.size());
  if (!consistent)
    return make_error(Errc::invalid_argument, "the secret key's two halves do not match");
  return pair;
}

KeyPair::KeyPair(KeyPair&& other) noexcept : public_(other.public_), secret_(other.secret_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

KeyPair::~KeyPair() {
  sodium_memzero(secret_.data(), secret_.size());
}

std::string KeyPair::secret_hex() const {
  return to_hex(secret_);
}

std::array<std::uint8_t, kSignatureBytes> KeyPair::sign(
    std::span<const std::uint8_t> module) const {
  ensure_sodium();
  crypto_sign_state state = signing_state(module);
  std::array<std::uint8_t, kSignatureBytes> signature{};
  crypto_sign_final_create(&state, signature.data(), nullptr, secret_.data());
  return signature;
}

Result<std::vector<std::uint8_t>> sign_module(std::span<const std::uint8_t> wasm,
                                              const KeyPair& key) {
  auto located = locate(wasm);
  if (!located)
    return make_error(Errc::invalid_module, "not a wasm module, or its sections are malformed");
  std::vector<std::uint8_t> out(wasm.begin(), wasm.begin() + kWasmHeaderSize);
  for (const auto& s : located->sections)
    if (s.id != kCustomSectionId || s.custom_name != kSignatureSection)
      out.insert(out.end(), wasm.begin() + s.begin, wasm.begin() + s.end);
  std::vector<std::uint8_t> payload{kSignatureVersion};
  payload.insert(payload.end(), key.public_key().bytes.begin(), key.public_key().bytes.end());
  auto signature = key.sign(out);
  payload.insert(payload.end(), signature.begin(), signature.end());
  auto section = encode_custom_section(kSignatureSection, payload);
  out.insert(out.end(), section.begin(), section.end());
  return out;
}

std::string_view to_string(SignatureState state) {
  switch (state) {
    case SignatureState::unsigned_module:
      return "unsigned";
    case SignatureState::tampered:
      return "tampered";
    case SignatureState::valid:
      return "valid";
  }
  return "?";
}

SignatureCheck check_signature(std::span<const std::uint8_t> wasm) {
  ensure_sodium();
  auto located = locate(wasm);
  if (!located) {
    auto name = std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(kSignatureSection.data()), kSignatureSection.size());
    bool mentions = std::search(wasm.begin(), wasm.end(), name.begin(), name.end()) != wasm.end();
    return mentions ? tampered("its sections are malformed") : SignatureCheck{};
  }
  if (!located->signature) return {};
  if (located->count > 1) return tampered("it has more than one signature section");
  const WasmSection& section = *located->signature;
  if (section.end != wasm.size()) return tampered("bytes were added after its signature section");
  auto payload = section.custom_payload;
  if (payload.size() != kSectionPayloadBytes || payload[0] != kSignatureVersion)
    return tampered("its signature section is malformed (expected version " +
                    std::to_string(kSignatureVersion) + ", " +
                    std::to_string(kSectionPayloadBytes) + " bytes)");
  PublicKey signer;
  std::copy_n(payload.begin() + 1, kPublicKeyBytes, signer.bytes.begin());
  crypto_sign_state state = signing_state(wasm.first(section.begin));
  // crypto_sign_final_verify takes a non-const signature pointer; it does not write it.
  std::array<std::uint8_t, kSignatureBytes> signature{};
  std::copy_n(payload.begin() + 1 + kPublicKeyBytes, kSignatureBytes, signature.begin());
  if (crypto_sign_final_verify(&state, signature.data(), signer.bytes.data()) != 0)
    return tampered("its signature does not match its bytes (signed by " + signer.hex() + ")");
  return {.state = SignatureState::valid, .signer = signer};
}

Result<void> check_trust(std::span<const std::uint8_t> wasm, const TrustPolicy& policy) {
  SignatureCheck check = check_signature(wasm);
  switch (check.state) {
    case SignatureState::unsigned_module:
      if (!policy.require_signed) return {};
      return make_error(Errc::untrusted_module,
                        "unsigned module refused: the host requires signed modules "
                        "(sign it with wasmhive sign)");
    case SignatureState::tampered:
      return make_error(Errc::untrusted_module, "tampered module refused: " + check.problem);
    case SignatureState::valid:
      break;
  }
  if (!policy.require_signed) return {};
  if (std::find(policy.trusted_keys.begin(), policy.trusted_keys.end(), *check.signer) !=
      policy.trusted_keys.end())
    return {};
  return make_error(Errc::untrusted_module,
                    "module signed by an unknown key refused: " + check.signer->hex() +
                        " is not among the host's trusted keys");
}

Result<PublicKey> read_public_key(std::string_view key_or_file, const std::filesystem::path& base) {
  bool hex_digits = key_or_file.size() == 2 * kPublicKeyBytes &&
                    key_or_file.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
  if (hex_digits) return PublicKey::parse(key_or_file);
  std::filesystem::path path(key_or_file);
  if (path.is_relative()) path = base / path;
  auto text = read_file(path, kMaxKeyFileBytes);
  if (!text) return text.error();
  auto key =
      PublicKey::parse(std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
  if (!key) return Error{key.error().code, path.string() + ": " + key.error().message};
  return key;
}

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  ensure_sodium();
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
  return to_hex(digest);
}

}  // namespace wasmhive::security
