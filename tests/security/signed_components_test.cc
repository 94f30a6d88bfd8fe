// Signed components end to end: a host with a trust policy spawns and
// activates only modules a trusted key signed, and names every module by its
// SHA-256 in its status, its start log line and its audit records.
#include <gtest/gtest.h>

#include "host/host.h"
#include "security/signing.h"
#include "support/host_helpers.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
using security::KeyPair;
using testing::guest_bytes;
using testing::guest_spec;

class SignedComponentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host::HostConfig config{.workers = 1, .on_event = events.sink()};
    config.trust = {.require_signed = true, .trusted_keys = {key.public_key()}};
    host = host::Host::create(std::move(config)).value();
  }

  actor::ComponentSpec relay(const std::string& name, std::vector<std::uint8_t> bytes) {
    auto spec = guest_spec(name, "relay");
    spec.wasm_bytes = std::move(bytes);
    return spec;
  }

  // The spawn's error, checked to be untrusted_module and to leave nothing behind.
  std::string refusal(const std::string& name, std::vector<std::uint8_t> bytes) {
    auto spawned = host->spawn(relay(name, std::move(bytes)));
    EXPECT_FALSE(spawned);
    if (spawned) return {};
    EXPECT_EQ(spawned.error().code, Errc::untrusted_module) << spawned.error().describe();
    EXPECT_FALSE(host->status(name));
    return spawned.error().message;
  }

  KeyPair key = KeyPair::generate();
  std::vector<std::uint8_t> unsigned_relay = guest_bytes("relay");
  std::vector<std::uint8_t> signed_relay = security::sign_module(unsigned_relay, key).value();
  testing::EventLog events;
  std::unique_ptr<host::Host> host;
};

TEST_F(SignedComponentsTest, ModuleSignedByATrustedKeyRunsAndIsNamedByItsDigest) {
  ASSERT_TRUE(host->spawn(relay("app/signed", signed_relay)));
  EXPECT_EQ(testing::ask_text(*host, "app/signed", "sub orders.>"), "0");
  std::string digest = security::sha256_hex(signed_relay);
  EXPECT_EQ(host->status("app/signed")->module_sha256, digest);
  auto all = events.all();
  auto started = std::find_if(all.begin(), all.end(), [](const actor::Event& e) {
    return e.kind == actor::Event::Kind::started && e.subject == "app/signed";
  });
  ASSERT_NE(started, all.end());
  EXPECT_NE(started->detail.find("sha256 " + digest), std::string::npos) << started->detail;
}

TEST_F(SignedComponentsTest, UnsignedModuleIsRefused) {
  std::string why = refusal("app/unsigned", unsigned_relay);
  EXPECT_NE(why.find("app/unsigned: unsigned module refused"), std::string::npos) << why;
}

TEST_F(SignedComponentsTest, TamperedModuleIsRefused) {
  auto tampered = signed_relay;
  tampered[tampered.size() / 2] ^= 0x01;  // inside the code, well before the signature
  std::string why = refusal("app/tampered", tampered);
  EXPECT_NE(why.find("tampered module refused"), std::string::npos) << why;
}

TEST_F(SignedComponentsTest, ModuleSignedByAnUnknownKeyIsRefusedNamingTheKey) {
  KeyPair stranger = KeyPair::generate();
  std::string why =
      refusal("app/stranger", security::sign_module(unsigned_relay, stranger).value());
  EXPECT_NE(why.find("unknown key"), std::string::npos) << why;
  EXPECT_NE(why.find(stranger.public_key().hex()), std::string::npos) << why;
}

TEST_F(SignedComponentsTest, TemplatesAreVettedToo) {
  actor::TemplateSpec unsigned_template{.pattern = "user/*",
                                        .component = relay("", unsigned_relay)};
  auto added = host->add_template(std::move(unsigned_template));
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, Errc::untrusted_module);
  actor::TemplateSpec signed_template{.pattern = "user/*", .component = relay("", signed_relay)};
  ASSERT_TRUE(host->add_template(std::move(signed_template)));
  EXPECT_EQ(testing::ask_text(*host, "user/ann", "sub orders.>"), "0");
  EXPECT_EQ(host->status("user/ann")->module_sha256, security::sha256_hex(signed_relay));
}

TEST_F(SignedComponentsTest, AuditRecordsNameTheModule) {
  auto spec = relay("app/narrow", signed_relay);
  spec.capabilities = {};  // may send nothing
  ASSERT_TRUE(host->spawn(std::move(spec)));
  EXPECT_EQ(std::stoll(testing::ask_text(*host, "app/narrow", "send app/narrow hello")), -4);
  auto records = host->audit_records();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().component, "app/narrow");
  EXPECT_EQ(records.back().module, security::sha256_hex(signed_relay));
  EXPECT_NE(records.back().to_json().find("\"module_sha256\":\"" + records.back().module + "\""),
            std::string::npos);
}

// Without a policy the host loads unsigned modules, but never a tampered one.
TEST(DefaultTrust, UnsignedLoadsTamperedDoesNot) {
  auto host = host::Host::create({.workers = 1}).value();
  auto bytes = guest_bytes("relay");
  auto spec = guest_spec("app/plain", "relay");
  spec.wasm_bytes = bytes;
  ASSERT_TRUE(host->spawn(std::move(spec)));
  auto tampered = security::sign_module(bytes, KeyPair::generate()).value();
  tampered[tampered.size() / 2] ^= 0x01;
  auto bad = guest_spec("app/tampered", "relay");
  bad.wasm_bytes = tampered;
  auto spawned = host->spawn(std::move(bad));
  ASSERT_FALSE(spawned);
  EXPECT_EQ(spawned.error().code, Errc::untrusted_module);
}

}  // namespace
}  // namespace wasmhive
