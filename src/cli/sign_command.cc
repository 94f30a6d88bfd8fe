#include "cli/sign_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/exit_codes.h"
#include "util/file.h"
#include "util/text.h"
#include "util/wasm_sections.h"

namespace wasmhive::cli {
namespace {

// Key files are a line of hex: far below this.
constexpr std::size_t kMaxKeyFileBytes = 4096;

std::vector<std::uint8_t> line_of(const std::string& text) {
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  bytes.push_back('\n');
  return bytes;
}

Result<std::string> read_text(const std::filesystem::path& path) {
  auto bytes = read_file(path, kMaxKeyFileBytes);
  if (!bytes) return bytes.error();
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

SignCommands add_sign_commands(CLI::App& app, SignOptions& options) {
  SignCommands commands{};
  commands.keygen = app.add_subcommand(
      "keygen",
      "Make an Ed25519 signing key: NAME.key (secret, mode 0600) and NAME.pub (its public "
      "key, for a manifest's [trust] trusted_keys); never overwrites either");
  commands.keygen->add_option("name", options.keygen_name, "Path and name of the two files")
      ->required();
  commands.sign = app.add_subcommand(
      "sign",
      "Sign a module: adds (or replaces) its wasmhive.signature custom section, which covers "
      "every byte before it");
  commands.sign->add_option("module", options.module, "A .wasm file")->required();
  commands.sign->add_option("--key", options.key_file, "The secret key file (from keygen)")
      ->required();
  commands.sign->add_option("-o,--output", options.output,
                            "Write the signed module here (default: replace the module file)");
  commands.verify = app.add_subcommand(
      "verify",
      "Check a module's signature and print its signer and SHA-256; with --trusted-key, also "
      "that a trusted key signed it. Exit code 0 if so, 3 if not");
  commands.verify->add_option("module", options.module, "A .wasm file")->required();
  commands.verify->add_option("--trusted-key", options.trusted,
                              "A public key (64 hex digits) or .pub file to trust (repeatable)");
  return commands;
}

int keygen(const SignOptions& options) {
  security::KeyPair key = security::KeyPair::generate();
  std::filesystem::path secret_path = options.keygen_name + ".key";
  std::filesystem::path public_path = options.keygen_name + ".pub";
  if (std::filesystem::exists(public_path))
    return fail(kUsage, public_path.string() + " exists already: not overwritten");
  std::string secret = key.secret_hex();
  std::vector<std::uint8_t> secret_line = line_of(secret);
  auto wrote = write_file(secret_path, secret_line, Overwrite::never, 0600);
  std::fill(secret.begin(), secret.end(), '\0');
  std::fill(secret_line.begin(), secret_line.end(), 0);
  if (!wrote) return fail(kUsage, wrote.error().message);
  if (auto ok = write_file(public_path, line_of(key.public_key().hex()), Overwrite::never); !ok)
    return fail(kUsage, ok.error().message);
  std::printf("secret key: %s (keep it private)\npublic key: %s\n  %s\n", secret_path.c_str(),
              public_path.c_str(), key.public_key().hex().c_str());
  return kSuccess;
}

int sign(const SignOptions& options) {
  auto secret = read_text(options.key_file);
  if (!secret) return fail(kUsage, secret.error().message);
  auto key = security::KeyPair::parse_secret(*secret);
  std::fill(secret->begin(), secret->end(), '\0');
  if (!key) return fail(kUsage, options.key_file + ": " + key.error().message);
  auto module = read_file(options.module);
  if (!module) return fail(kInvalid, module.error().message);
  if (auto before = security::check_signature(*module);
      before.state == security::SignatureState::tampered)
    std::fprintf(stderr, "wasmhive: note: %s had a signature that did not verify (%s); replaced\n",
                 escape_text(options.module).c_str(), escape_text(before.problem).c_str());
  auto signed_module = security::sign_module(*module, *key);
  if (!signed_module) return fail(kInvalid, options.module + ": " + signed_module.error().message);
  std::string output = options.output.empty() ? options.module : options.output;
  if (auto ok = write_file(output, *signed_module, Overwrite::replace); !ok)
    return fail(kRuntimeFailure, ok.error().message);
  std::printf("signed %s by %s\nsha256: %s\n", output.c_str(), key->public_key().hex().c_str(),
              security::sha256_hex(*signed_module).c_str());
  return kSuccess;
}

int verify(const SignOptions& options) {
  security::TrustPolicy policy{.require_signed = !options.trusted.empty()};
  for (const auto& trusted : options.trusted) {
    auto key = security::read_public_key(trusted, std::filesystem::current_path());
    if (!key) return fail(kUsage, key.error().message);
    policy.trusted_keys.push_back(*key);
  }
  auto module = read_file(options.module);
  if (!module) return fail(kInvalid, module.error().message);
  if (!read_sections(*module))
    return fail(kInvalid, options.module + ": not a wasm module, or its sections are malformed");
  security::SignatureCheck check = security::check_signature(*module);
  std::printf("module:    %s\nsha256:    %s\nsignature: %s", options.module.c_str(),
              security::sha256_hex(*module).c_str(), std::string(to_string(check.state)).c_str());
  if (check.signer) std::printf(", by %s", check.signer->hex().c_str());
  if (!check.problem.empty()) std::printf(": %s", escape_text(check.problem).c_str());
  std::printf("\n");
  bool ok = check.state == security::SignatureState::valid;
  if (!policy.trusted_keys.empty()) {
    auto trust = security::check_trust(*module, policy);
    std::printf("trusted:   %s\n", trust ? "yes" : escape_text(trust.error().message).c_str());
    ok = ok && trust;
  }
  return ok ? kSuccess : kInvalid;
}

}  // namespace wasmhive::cli
