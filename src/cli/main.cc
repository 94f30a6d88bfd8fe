// wasmhive: run, check and inspect WebAssembly component apps.
//
// Exit codes: 0 success (also after a clean stop on SIGINT/SIGTERM), 1 runtime
// failure (a component failed to start, a request failed), 2 usage error,
// 3 invalid manifest or module.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "abi/abi.h"
#include "abi/loader.h"
#include "cli/manifest.h"
#include "host/host.h"
#include "util/file.h"

namespace wasmhive::cli {
namespace {

using namespace std::chrono_literals;

enum Exit { kSuccess = 0, kRuntimeFailure = 1, kUsage = 2, kInvalid = 3 };

// SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread,
// so a signal during load or run always leads to a clean, reported stop.
class StopSignal {
 public:
  StopSignal() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR2);                   // our own wake-up at exit
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any thread starts: all inherit it
    waiter_ = std::thread([this] {
      int signal = 0;
      sigwait(&set_, &signal);
      if (signal == SIGUSR2) return;
      std::lock_guard lock(mutex_);
      received_ = signal;
      changed_.notify_all();
    });
  }
  ~StopSignal() {
    pthread_kill(waiter_.native_handle(), SIGUSR2);
    waiter_.join();
  }
  bool received() {
    std::lock_guard lock(mutex_);
    return received_ != 0;
  }
  const char* name() { return received_ == SIGINT ? "SIGINT" : "SIGTERM"; }
  // Waits for a signal or `timeout`; true if a signal came.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return received_ != 0; });
  }

 private:
  sigset_t set_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int received_ = 0;
  std::thread waiter_;
};

struct RunOptions {
  std::string manifest;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string audit_file;
  bool audit_grants = false;
  std::vector<std::string> sends, requests;
  int request_timeout_ms = 5000;
  int drain_ms = 5000;
  bool until_idle = false;
};

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

// "NAME=PAYLOAD" → {NAME, PAYLOAD}.
std::optional<std::pair<std::string, std::string>> split_target(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  return std::pair{arg.substr(0, eq), arg.substr(eq + 1)};
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "wasmhive: %s\n", message.c_str());
  return code;
}

Result<std::unique_ptr<host::Host>> start_host(const Manifest& manifest, const RunOptions& options,
                                               StopSignal& stop) {
  host::HostConfig config{
      .workers = manifest.workers, .max_payload = manifest.max_payload, .root = manifest.root};
  config.log_level = options.log_level;
  config.log_format = options.log_format;
  config.audit_file = options.audit_file;
  config.audit_grants = options.audit_grants;
  config.on_message = [](const host::HostMessage& m) {
    std::printf("@host <- %.*s: %.*s\n", static_cast<int>(m.sender.size()), m.sender.data(),
                static_cast<int>(m.payload.size()),
                reinterpret_cast<const char*>(m.payload.data()));
  };
  auto host = host::Host::create(config);
  if (!host) return host.error();
  for (const auto& group : manifest.groups)
    if (auto added = (*host)->add_group(group.spec, group.parent); !added) return added.error();
  for (const auto& component : manifest.components) {
    if (stop.received())
      return make_error(Errc::interrupted,
                        std::string("stopped by ") + stop.name() + " while loading");
    if (auto spawned = (*host)->spawn(component.spec, component.group); !spawned)
      return spawned.error();
  }
  return host;
}

int inject(host::Host& host, const RunOptions& options) {
  for (const auto& arg : options.sends) {
    auto target = split_target(arg);
    if (auto sent = host.send(target->first, bytes_of(target->second), {.wait_for_room = 5s});
        !sent)
      return fail(kRuntimeFailure, "--send " + arg + ": " + sent.error().describe());
  }
  for (const auto& arg : options.requests) {
    auto target = split_target(arg);
    auto timeout = std::chrono::milliseconds(options.request_timeout_ms);
    auto future =
        host.request(target->first, bytes_of(target->second), timeout, {.wait_for_room = 5s});
    if (!future)
      return fail(kRuntimeFailure, "--request " + arg + ": " + future.error().describe());
    host::Reply reply = future->get();
    static const char* statuses[] = {"ok", "timeout", "target error", "unknown target", "denied"};
    std::printf("reply <- %s (%s): %.*s\n", target->first.c_str(), statuses[reply.status],
                static_cast<int>(reply.payload.size()),
                reinterpret_cast<const char*>(reply.payload.data()));
    if (reply.status != abi::kStatusOk) return kRuntimeFailure;
  }
  return kSuccess;
}

// Idle: no queued message, no outstanding request, nothing waiting to restart,
// and no message handled for a while.
bool wait_until_idle(host::Host& host, StopSignal& stop) {
  std::uint64_t last_handled = ~0ull;
  int quiet = 0;
  while (!stop.wait_for(20ms)) {
    std::uint64_t handled = 0;
    bool busy = host.outstanding_requests() > 0;
    for (const auto& s : host.statuses()) {
      handled += s.handled + s.failures;
      busy |= s.mailbox_size > 0 || s.state == actor::ComponentState::restarting;
    }
    quiet = (!busy && handled == last_handled) ? quiet + 1 : 0;
    last_handled = handled;
    if (quiet >= 10) return true;  // 200 ms of calm
  }
  return false;
}

int report_shutdown(host::Host& host, int drain_ms) {
  auto report = host.shutdown(std::chrono::milliseconds(drain_ms));
  std::printf("stopped: %zu message(s) left undelivered, %llu dead letter(s) in all\n",
              report.undelivered, static_cast<unsigned long long>(host.dead_letters().count()));
  for (const auto& [name, left] : report.per_component)
    if (left) std::printf("  %s: %zu undelivered\n", name.c_str(), left);
  return kSuccess;
}

int run(const RunOptions& options) {
  for (const auto& arg : options.sends)
    if (!split_target(arg)) return fail(kUsage, "--send takes NAME=PAYLOAD, got '" + arg + "'");
  for (const auto& arg : options.requests)
    if (!split_target(arg)) return fail(kUsage, "--request takes NAME=PAYLOAD, got '" + arg + "'");
  auto manifest = load_manifest(options.manifest);
  if (!manifest) return fail(kInvalid, manifest.error().message);
  StopSignal stop;
  auto host = start_host(*manifest, options, stop);
  if (!host) {
    if (host.error().code == Errc::interrupted)
      return std::printf("%s\n", host.error().message.c_str()), kSuccess;
    return fail(kRuntimeFailure, host.error().message);
  }
  if (int rc = inject(**host, options); rc != kSuccess) {
    report_shutdown(**host, options.drain_ms);
    return rc;
  }
  if (options.until_idle)
    wait_until_idle(**host, stop);
  else
    stop.wait_for(std::chrono::hours(24 * 365));
  if (stop.received()) std::printf("%s: stopping\n", stop.name());
  return report_shutdown(**host, options.drain_ms);
}

int check(const std::string& path) {
  auto manifest = load_manifest(path);
  if (!manifest) return fail(kInvalid, manifest.error().message);
  auto engine = engine::create_engine();
  if (!engine) return fail(kRuntimeFailure, engine.error().describe());
  int rc = kSuccess;
  for (const auto& c : manifest->components) {
    auto module = abi::load_module_file(**engine, c.spec.wasm,
                                        {.memory_max_pages = c.spec.limits.memory_max_pages});
    if (module) {
      std::printf("ok   %s (%s)\n", c.spec.name.c_str(), c.spec.wasm.filename().c_str());
    } else {
      std::printf("FAIL %s: %s\n", c.spec.name.c_str(), module.error().describe().c_str());
      rc = kInvalid;
    }
  }
  if (rc == kSuccess)
    std::printf("%s: %zu component(s), %zu group(s): valid\n", manifest->path.filename().c_str(),
                manifest->components.size(), manifest->groups.size());
  return rc;
}

int inspect(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return fail(kInvalid, bytes.error().message);
  std::printf("module:  %s (%zu bytes)\n", path.c_str(), bytes->size());
  auto info = engine::read_module_info(*bytes);
  if (!info) return std::printf("loads:   no: %s\n", info.error().describe().c_str()), kInvalid;
  std::string abi = "none declared";
  for (const auto& e : info->exports)
    if (e.name.starts_with(abi::kVersionMarkerPrefix))
      abi = "v" + e.name.substr(abi::kVersionMarkerPrefix.size());
  std::printf("abi:     %s\n", abi.c_str());
  if (info->memory)
    std::printf(
        "memory:  %u page(s) at start, maximum %s (the host caps it, 256 pages by default)\n",
        info->memory->min_pages,
        info->memory->max_pages ? (std::to_string(*info->memory->max_pages) + " pages").c_str()
                                : "none");
  std::printf("exports:\n");
  for (const auto& e : info->exports)
    std::printf("  %-24s %s %s\n", e.name.c_str(), std::string(to_string(e.kind)).c_str(),
                e.kind == engine::ExternKind::function ? e.type.to_string().c_str() : "");
  std::printf("imports:\n");
  for (const auto& i : info->imports)
    std::printf("  %-24s %s %s\n", (i.module + "." + i.name).c_str(),
                std::string(to_string(i.kind)).c_str(),
                i.kind == engine::ExternKind::function ? i.type.to_string().c_str() : "");
  auto engine = engine::create_engine();
  if (!engine) return fail(kRuntimeFailure, engine.error().describe());
  auto module = abi::load_module(**engine, *bytes);
  if (!module) return std::printf("loads:   no: %s\n", module.error().describe().c_str()), kInvalid;
  std::printf("loads:   yes\n");
  return kSuccess;
}

}  // namespace
}  // namespace wasmhive::cli

int main(int argc, char** argv) {
  using namespace wasmhive::cli;
  CLI::App app{
      "wasmhive: runs sandboxed WebAssembly components as supervised actors.\n"
      "Exit codes: 0 success (also after a clean stop on SIGINT/SIGTERM), 1 runtime failure,\n"
      "2 usage error, 3 invalid manifest or module."};
  app.require_subcommand(1);
  RunOptions options;
  auto* run_cmd =
      app.add_subcommand("run",
                         "Start every component of an app manifest and run until SIGINT/SIGTERM "
                         "(or --until-idle); then drain, stop and report.");
  run_cmd->add_option("manifest", options.manifest, "The app manifest (TOML); see docs/manifest.md")
      ->required();
  run_cmd->add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  run_cmd->add_option("--log-format", options.log_format, "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  run_cmd->add_option("--audit-file", options.audit_file,
                      "Append capability decisions to this file as JSON lines (denials always)");
  run_cmd->add_flag("--audit-grants", options.audit_grants, "Audit granted capability checks too");
  run_cmd->add_option("--send", options.sends,
                      "Send PAYLOAD to component NAME at start (NAME=PAYLOAD, repeatable)");
  run_cmd->add_option(
      "--request", options.requests,
      "Request NAME with PAYLOAD after the sends and print the reply (NAME=PAYLOAD, repeatable)");
  run_cmd
      ->add_option("--request-timeout-ms", options.request_timeout_ms, "Timeout of each --request")
      ->capture_default_str();
  run_cmd->add_option("--drain-ms", options.drain_ms, "How long stopping may drain mailboxes")
      ->capture_default_str();
  run_cmd->add_flag(
      "--until-idle", options.until_idle,
      "Stop once nothing is queued, pending or restarting and nothing ran for 200 ms");
  std::string path;
  auto* check_cmd = app.add_subcommand(
      "check", "Validate a manifest and every module it names, without running them");
  check_cmd->add_option("manifest", path, "The app manifest (TOML)")->required();
  auto* inspect_cmd = app.add_subcommand(
      "inspect", "Show a module's exports, imports, memory, ABI version and whether it loads");
  inspect_cmd->add_option("module", path, "A .wasm file")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kUsage;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // interleave with the log on stderr
  if (*run_cmd) return run(options);
  if (*check_cmd) return check(path);
  return inspect(path);
}
