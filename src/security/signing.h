// Signed components: who may load what. A module is signed with an Ed25519
// key (libsodium); its signature travels inside it, as the custom section
// kSignatureSection, which must be the module's last section and covers every
// byte before it (docs/security.md, "Signed components"). A host given a
// TrustPolicy loads only what it allows, and names every module by the
// SHA-256 of its bytes as read.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wasmhive::security {

inline constexpr std::string_view kSignatureSection = "wasmhive.signature";
// Payload of the section: a format version byte, then the signer's public
// key, then the signature.
inline constexpr std::uint8_t kSignatureVersion = 1;
inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64;
inline constexpr std::size_t kSignatureBytes = 64;

struct PublicKey {
  std::array<std::uint8_t, kPublicKeyBytes> bytes{};

  // 64 lowercase hex digits, as keygen writes it.
  std::string hex() const;
  // Errors: invalid_argument (not 64 hex digits).
  static Result<PublicKey> parse(std::string_view hex);
  bool operator==(const PublicKey&) const = default;
};

// A signing key. Its secret half is wiped when it goes.
class KeyPair {
 public:
  static KeyPair generate();
  // The text keygen writes to a secret key file: 128 hex digits. Errors:
  // invalid_argument (anything else, or a secret whose public half does not
  // match it).
  static Result<KeyPair> parse_secret(std::string_view text);
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  KeyPair(KeyPair&& other) noexcept;
  ~KeyPair();

  const PublicKey& public_key() const { return public_; }
  std::string secret_hex() const;
  std::array<std::uint8_t, kSignatureBytes> sign(std::span<const std::uint8_t> module) const;

 private:
  KeyPair() = default;
  PublicKey public_;
  std::array<std::uint8_t, kSecretKeyBytes> secret_{};
};

// The module signed by `key`: its bytes without any signature it had, then a
// new signature section. Errors: invalid_module (not a wasm binary, or its
// sections' framing is malformed).
Result<std::vector<std::uint8_t>> sign_module(std::span<const std::uint8_t> wasm,
                                              const KeyPair& key);

enum class SignatureState {
  unsigned_module,  // no signature section
  tampered,         // a signature that does not match the bytes, or misplaced, repeated, malformed
  valid,            // the signer's key signed exactly these bytes
};
std::string_view to_string(SignatureState state);

struct SignatureCheck {
  SignatureState state = SignatureState::unsigned_module;
  std::optional<PublicKey> signer{};  // valid: who signed
  std::string problem{};              // tampered: what is wrong
};

// Checks the signature a module carries. A module whose framing is malformed
// counts as tampered if it has any bytes that look like a signature, and as
// unsigned otherwise; loading reports the malformation itself.
SignatureCheck check_signature(std::span<const std::uint8_t> wasm);

// What a host loads. Without require_signed, unsigned modules load, and a
// signature a module carries must still be intact (tampered modules are
// always refused) but may be by any key.
struct TrustPolicy {
  bool require_signed = false;
  std::vector<PublicKey> trusted_keys{};
};

// Ok, or untrusted_module with a message that says which case it is:
// unsigned, tampered (and how), or signed by a key not trusted (naming it).
Result<void> check_trust(std::span<const std::uint8_t> wasm, const TrustPolicy& policy);

// A public key given as its 64 hex digits or as a file holding them (a
// relative path is taken from `base`), as manifests and `verify` take them.
// Errors name the file.
Result<PublicKey> read_public_key(std::string_view key_or_file, const std::filesystem::path& base);

// Lowercase hex of the SHA-256 of `bytes`: the name of a module's bytes in
// inspect, logs and audit records (sha256sum prints the same).
std::string sha256_hex(std::span<const std::uint8_t> bytes);

}  // namespace wasmhive::security
