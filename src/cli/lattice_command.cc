#include "cli/lattice_command.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "cli/exit_codes.h"
#include "lattice/frame.h"
#include "lattice/membership.h"
#include "lattice/nats_link.h"
#include "util/text.h"

namespace wasmhive::cli {
namespace {

void from_env(std::string& field, const char* variable) {
  if (!field.empty()) return;
  if (const char* value = std::getenv(variable)) field = value;
}

}  // namespace

void add_lattice_options(CLI::App& command, LatticeOptions& options, bool for_run) {
  command.add_option(
      "--lattice", options.url,
      std::string(for_run ? "Join the lattice on this NATS server (nats://HOST:PORT, "
                            "or tls://...; overrides [lattice] url)"
                          : "The lattice's NATS server (nats://HOST:PORT, or "
                            "tls://...)") +
          ". Credentials: in the URL, in [lattice], or WASMHIVE_LATTICE_USER, "
          "WASMHIVE_LATTICE_PASSWORD, WASMHIVE_LATTICE_TOKEN");
  command.add_option("--lattice-name", options.name,
                     for_run ? "The lattice's name on that server (default: [lattice] name, or "
                               "\"default\")"
                             : "The lattice's name on that server (default: \"default\")");
  command.add_option("--tls-ca-file", options.tls_ca_file,
                     "Certificate authorities (PEM) to trust for a tls:// lattice URL (overrides "
                     "[lattice] tls_ca_file)");
  if (for_run)
    command.add_option("--host-id", options.host_id,
                       "This host's id in the lattice (default: [lattice] host_id, or "
                       "<hostname>-<pid>)");
}

std::optional<lattice::LatticeConfig> lattice_config(
    const std::optional<lattice::LatticeConfig>& manifest, const LatticeOptions& options) {
  if (!manifest && options.url.empty()) return std::nullopt;  // (see lattice_options_used)
  lattice::LatticeConfig config = manifest.value_or(lattice::LatticeConfig{});
  if (!options.url.empty()) config.url = options.url;
  if (!options.name.empty()) config.name = options.name;
  if (!options.host_id.empty()) config.host_id = options.host_id;
  if (!options.tls_ca_file.empty()) config.tls_ca_file = options.tls_ca_file;
  if (config.token.empty()) {
    from_env(config.user, "WASMHIVE_LATTICE_USER");
    from_env(config.password, "WASMHIVE_LATTICE_PASSWORD");
  }
  if (config.user.empty()) from_env(config.token, "WASMHIVE_LATTICE_TOKEN");
  return config;
}

bool lattice_options_without_lattice(const std::optional<lattice::LatticeConfig>& manifest,
                                     const LatticeOptions& options) {
  return !manifest && options.url.empty() && (!options.name.empty() || !options.host_id.empty());
}

int lattice_status(const LatticeStatusOptions& options) {
  auto config = lattice_config(std::nullopt, options.lattice);
  if (!config) {
    std::fprintf(stderr, "wasmhive: lattice status needs --lattice URL\n");
    return kUsage;
  }
  if (auto valid = lattice::validate(*config); !valid) {
    std::fprintf(stderr, "wasmhive: %s\n", valid.error().message.c_str());
    return kUsage;
  }
  auto link = lattice::NatsLink::connect({.url = config->url,
                                          .user = config->user,
                                          .password = config->password,
                                          .token = config->token,
                                          .tls_ca_file = config->tls_ca_file,
                                          .connection_name = "wasmhive lattice status"});
  if (!link) {
    std::fprintf(stderr, "wasmhive: %s\n", link.error().message.c_str());
    return kRuntimeFailure;
  }
  const std::string prefix = "wasmhive." + config->name + ".";
  std::mutex mutex;
  std::map<std::string, lattice::Heartbeat> hosts;
  auto sub = (*link)->subscribe(prefix + "heartbeat",
                                [&](std::string_view, std::span<const std::uint8_t> data) {
                                  auto beat = lattice::decode_heartbeat(data);
                                  if (!beat || beat->leaving) return;
                                  std::lock_guard lock(mutex);
                                  hosts[beat->host] = std::move(*beat);
                                });
  if (!sub || !(*link)->publish(prefix + "probe", {})) {
    std::fprintf(stderr, "wasmhive: cannot ask the lattice\n");
    return kRuntimeFailure;
  }
  // Every host answers a probe at once; the wait bounds how long a slow one gets.
  std::condition_variable never;
  std::unique_lock lock(mutex);
  never.wait_for(lock, std::chrono::milliseconds(options.wait_ms), [] { return false; });

  std::printf("lattice %s at %s: %zu host(s)\n", config->name.c_str(),
              lattice::redacted(config->url).c_str(), hosts.size());
  lattice::Membership membership("", std::chrono::hours(1));
  for (const auto& [host, beat] : hosts) {
    membership.hear(beat, {});
    std::printf("host %s: %zu component(s), %zu template(s), %llu virtual component(s) active\n",
                escape_text(host).c_str(), beat.names.size(), beat.templates.size(),
                static_cast<unsigned long long>(beat.active_virtual));
    auto names = beat.names;
    std::sort(names.begin(), names.end());
    for (const auto& name : names) std::printf("  component %s\n", escape_text(name).c_str());
    for (const auto& prefix_of : beat.templates)
      std::printf("  template  %s*\n", escape_text(prefix_of).c_str());
  }
  for (const auto& name : options.owners) {
    auto owner = membership.owner(name, false);
    std::printf("owner of %s: %s\n", escape_text(name).c_str(),
                owner ? ("host " + escape_text(*owner)).c_str() : "none");
  }
  return kSuccess;
}

}  // namespace wasmhive::cli
