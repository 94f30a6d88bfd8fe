// Signed modules (security/signing.h): each refusal case, with a real guest.
#include "security/signing.h"

#include <gtest/gtest.h>

#include "support/guests.h"
#include "util/wasm_sections.h"

namespace wasmhive::security {
namespace {

using testing::guest_bytes;

class SigningTest : public ::testing::Test {
 protected:
  std::vector<std::uint8_t> module = guest_bytes("relay");
  KeyPair key = KeyPair::generate();
  KeyPair other = KeyPair::generate();
  TrustPolicy trusting{.require_signed = true, .trusted_keys = {key.public_key()}};
};

TEST_F(SigningTest, SignedModuleVerifiesAndNamesItsSigner) {
  auto signed_module = sign_module(module, key).value();
  SignatureCheck check = check_signature(signed_module);
  EXPECT_EQ(check.state, SignatureState::valid);
  ASSERT_TRUE(check.signer);
  EXPECT_EQ(*check.signer, key.public_key());
  EXPECT_TRUE(check_trust(signed_module, trusting));
  // Only a section was added: the module's own bytes come first, unchanged.
  ASSERT_GT(signed_module.size(), module.size());
  EXPECT_TRUE(std::equal(module.begin(), module.end(), signed_module.begin()));
}

TEST_F(SigningTest, UnsignedModuleIsRefusedWhenSignaturesAreRequired) {
  auto trust = check_trust(module, trusting);
  ASSERT_FALSE(trust);
  EXPECT_EQ(trust.error().code, Errc::untrusted_module);
  EXPECT_NE(trust.error().message.find("unsigned"), std::string::npos) << trust.error().message;
  EXPECT_TRUE(check_trust(module, TrustPolicy{}));
}

TEST_F(SigningTest, ModuleSignedByAnUnknownKeyIsRefusedNamingTheKey) {
  auto signed_module = sign_module(module, other).value();
  auto trust = check_trust(signed_module, trusting);
  ASSERT_FALSE(trust);
  EXPECT_EQ(trust.error().code, Errc::untrusted_module);
  EXPECT_NE(trust.error().message.find("unknown key"), std::string::npos);
  EXPECT_NE(trust.error().message.find(other.public_key().hex()), std::string::npos);
  // Without require_signed any intact signature will do.
  EXPECT_TRUE(check_trust(signed_module, TrustPolicy{}));
}

TEST_F(SigningTest, EveryFlippedByteBeforeTheSignatureIsTampering) {
  auto signed_module = sign_module(module, key).value();
  auto sections = read_sections(signed_module).value();
  std::size_t signature_at = sections.back().begin;
  // Every 97th byte (and the last signed one) of the signed part, one at a time.
  for (std::size_t at = kWasmHeaderSize; at < signature_at; at += at + 97 < signature_at ? 97 : 1) {
    auto copy = signed_module;
    copy[at] ^= 0x01;
    SignatureCheck check = check_signature(copy);
    // A flip in a section's framing may also make it unreadable; both are refusals.
    EXPECT_EQ(check.state, SignatureState::tampered) << "byte " << at;
    auto trust = check_trust(copy, TrustPolicy{});
    ASSERT_FALSE(trust) << "byte " << at;
    EXPECT_NE(trust.error().message.find("tampered"), std::string::npos);
    if (at + 97 >= signature_at && at + 1 < signature_at) at = signature_at - 2;
  }
}

TEST_F(SigningTest, ForgedSignatureOrSignerIsTampering) {
  auto signed_module = sign_module(module, key).value();
  auto sections = read_sections(signed_module).value();
  std::size_t payload_at = signed_module.size() - (1 + kPublicKeyBytes + kSignatureBytes);
  auto forged_signature = signed_module;
  forged_signature.back() ^= 0x80;
  EXPECT_EQ(check_signature(forged_signature).state, SignatureState::tampered);
  // Claiming a trusted signer for a signature someone else made.
  auto other_signed = sign_module(module, other).value();
  std::copy(key.public_key().bytes.begin(), key.public_key().bytes.end(),
            other_signed.begin() + static_cast<std::ptrdiff_t>(payload_at) + 1);
  auto trust = check_trust(other_signed, trusting);
  ASSERT_FALSE(trust);
  EXPECT_NE(trust.error().message.find("does not match"), std::string::npos);
}

TEST_F(SigningTest, SectionsAddedAfterTheSignatureAreTampering) {
  auto signed_module = sign_module(module, key).value();
  std::vector<std::uint8_t> extra{1, 2, 3};
  auto appended = encode_custom_section("note", extra);
  signed_module.insert(signed_module.end(), appended.begin(), appended.end());
  SignatureCheck check = check_signature(signed_module);
  EXPECT_EQ(check.state, SignatureState::tampered);
  EXPECT_NE(check.problem.find("after its signature"), std::string::npos);
}

TEST_F(SigningTest, ResigningReplacesTheSignature) {
  auto once = sign_module(module, other).value();
  auto twice = sign_module(once, key).value();
  EXPECT_EQ(twice.size(), once.size());
  EXPECT_EQ(check_signature(twice).signer, key.public_key());
  auto sections = read_sections(twice).value();
  EXPECT_EQ(std::count_if(sections.begin(), sections.end(),
                          [](const WasmSection& s) { return s.custom_name == kSignatureSection; }),
            1);
}

TEST_F(SigningTest, MalformedSignatureSectionIsTampering) {
  std::vector<std::uint8_t> short_payload{kSignatureVersion, 1, 2, 3};
  auto section = encode_custom_section(kSignatureSection, short_payload);
  auto copy = module;
  copy.insert(copy.end(), section.begin(), section.end());
  EXPECT_EQ(check_signature(copy).state, SignatureState::tampered);
  EXPECT_FALSE(check_trust(copy, TrustPolicy{}));
}

TEST_F(SigningTest, NotAModuleCannotBeSigned) {
  std::vector<std::uint8_t> junk{'n', 'o', 't', ' ', 'w', 'a', 's', 'm'};
  auto signed_module = sign_module(junk, key);
  ASSERT_FALSE(signed_module);
  EXPECT_EQ(signed_module.error().code, Errc::invalid_module);
  EXPECT_EQ(check_signature(junk).state, SignatureState::unsigned_module);
}

TEST_F(SigningTest, KeysRoundTripThroughTheirText) {
  auto parsed = KeyPair::parse_secret(key.secret_hex() + "\n").value();
  EXPECT_EQ(parsed.public_key(), key.public_key());
  EXPECT_EQ(PublicKey::parse(key.public_key().hex()).value(), key.public_key());
  EXPECT_FALSE(PublicKey::parse("abc"));
  EXPECT_FALSE(PublicKey::parse(std::string(64, 'g')));
  EXPECT_FALSE(KeyPair::parse_secret(std::string(128, '0')));  // halves disagree
  // Signatures made with the parsed key verify as the original's.
  auto signed_module = sign_module(module, parsed).value();
  EXPECT_TRUE(check_trust(signed_module, trusting));
}

TEST(ModuleDigest, IsTheSha256OfTheBytes) {
  std::vector<std::uint8_t> abc{'a', 'b', 'c'};
  EXPECT_EQ(sha256_hex(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace wasmhive::security
