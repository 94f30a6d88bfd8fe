// `wasmhive keygen`, `sign` and `verify`: Ed25519 keys for signed components
// (security/signing.h), as files a user keeps and a manifest names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "security/signing.h"

namespace CLI {
class App;
}

namespace wasmhive::cli {

struct SignOptions {
  std::string keygen_name;           // keygen: writes NAME.key and NAME.pub
  std::string module;                // sign, verify
  std::string key_file;              // sign: a secret key file
  std::string output;                // sign: where to write (default: in place)
  std::vector<std::string> trusted;  // verify: public keys or .pub files
};

// Adds the three subcommands to `app`; returns them (keygen, sign, verify).
struct SignCommands {
  CLI::App* keygen;
  CLI::App* sign;
  CLI::App* verify;
};
SignCommands add_sign_commands(CLI::App& app, SignOptions& options);

int keygen(const SignOptions& options);
int sign(const SignOptions& options);
int verify(const SignOptions& options);

}  // namespace wasmhive::cli
