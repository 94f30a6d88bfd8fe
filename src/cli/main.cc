// wasmhive: run, check and inspect WebAssembly component apps.
//
// Exit codes: 0 success (also after a clean stop on SIGINT/SIGTERM), 1 runtime
// failure (a component failed to start, a --send or --request failed, the root
// supervision group gave up), 2 usage error, 3 invalid manifest or module,
// 4 unusable data directory or database (missing, not writable, corrupt, or
// written by a newer wasmhive).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "abi/abi.h"
#include "abi/loader.h"
#include "abi/metadata.h"
#include "cli/exit_codes.h"
#include "cli/lattice_command.h"
#include "cli/manifest.h"
#include "cli/sign_command.h"
#include "host/host.h"
#include "observe/metrics_server.h"
#include "util/file.h"
#include "util/text.h"
#include "util/trace.h"

namespace wasmhive::cli {
namespace {

using namespace std::chrono_literals;

// SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread,
// so a signal during load or run always leads to a clean, reported stop. A
// second signal hurries that stop (see set_hurry). The root group giving up
// stops the run the same way, as a failure.
class StopSignal {
 public:
  StopSignal() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR2);                   // our own wake-up at exit
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any thread starts: all inherit it
    waiter_ = std::thread([this] { wait_for_signals(); });
  }
  ~StopSignal() {
    pthread_kill(waiter_.native_handle(), SIGUSR2);
    waiter_.join();
  }
  bool received() {
    std::lock_guard lock(mutex_);
    return received_ != 0;
  }
  const char* name() {
    std::lock_guard lock(mutex_);
    return received_ == SIGINT ? "SIGINT" : "SIGTERM";
  }
  // What a second signal does (called on the signal thread).
  void set_hurry(std::function<void()> hurry) {
    std::lock_guard lock(mutex_);
    hurry_ = std::move(hurry);
    if (signals_ > 1 && hurry_) hurry_();
  }
  // Stops the run as a failure, with `why` (from any thread).
  void escalate(std::string why) {
    std::lock_guard lock(mutex_);
    if (escalation_.empty()) escalation_ = std::move(why);
    changed_.notify_all();
  }
  std::string escalation() {
    std::lock_guard lock(mutex_);
    return escalation_;
  }
  // Waits for a signal, an escalation or `timeout`; true if either came.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return received_ != 0 || !escalation_.empty(); });
  }

 private:
  void wait_for_signals() {
    while (true) {
      int signal = 0;
      sigwait(&set_, &signal);
      if (signal == SIGUSR2) return;
      std::lock_guard lock(mutex_);
      if (++signals_ == 1) received_ = signal;
      if (signals_ == 2) {
        std::fprintf(stderr, "wasmhive: second signal: stopping now\n");
        if (hurry_) hurry_();
      }
      changed_.notify_all();
    }
  }

  sigset_t set_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int received_ = 0;
  int signals_ = 0;
  std::string escalation_;
  std::function<void()> hurry_;
  std::thread waiter_;
};

struct RunOptions {
  std::string manifest;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string audit_file;
  bool audit_grants = false;
  std::vector<std::string> sends, requests;
  std::int64_t request_timeout_ms = 5000;
  std::int64_t drain_ms = 5000;
  std::size_t dead_letter_rows = 20;
  bool until_idle = false;
  std::string data_dir;  // empty: the manifest's
  bool in_memory = false;
  LatticeOptions lattice;
  std::string metrics;  // HOST:PORT, or empty: no metrics server
};

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string_view text_of(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// One whole line on stdout (escaped already: it may carry a guest's bytes).
void print_line(const std::string& line) {
  // One write: lines printed from several threads (the host inbox) never mix.
  std::string whole = line + '\n';
  std::fwrite(whole.data(), 1, whole.size(), stdout);
}

// "NAME=PAYLOAD" → {NAME, PAYLOAD}.
std::optional<std::pair<std::string, std::string>> split_target(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  return std::pair{arg.substr(0, eq), arg.substr(eq + 1)};
}

// The app's database file: "<data dir>/<manifest name>.db". A data directory
// named by --data-dir or [host] data_dir must exist (a typo must not start the
// app afresh with empty state); the default one is created.
Result<std::filesystem::path> data_file(const Manifest& manifest, const RunOptions& options) {
  if (options.in_memory) return std::filesystem::path{};
  bool explicit_dir = !options.data_dir.empty() || manifest.data_dir_explicit;
  std::filesystem::path dir =
      options.data_dir.empty() ? manifest.data_dir : std::filesystem::absolute(options.data_dir);
  std::error_code ec;
  auto status = std::filesystem::status(dir, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    if (explicit_dir)
      return make_error(Errc::storage_failed, "data directory " + dir.string() +
                                                  " does not exist (create it, or pass "
                                                  "--in-memory to keep storage in memory)");
    if (!std::filesystem::create_directory(dir, ec))
      return make_error(Errc::storage_failed,
                        "cannot create data directory " + dir.string() + ": " + ec.message());
  } else if (status.type() != std::filesystem::file_type::directory) {
    return make_error(Errc::storage_failed, "data directory " + dir.string() +
                                                (ec ? ": " + ec.message() : " is not a directory"));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return make_error(Errc::storage_failed, "data directory " + dir.string() + " is not writable");
  return dir / (manifest.path.stem().string() + ".db");
}

Result<std::unique_ptr<host::Host>> make_host(const Manifest& manifest, const RunOptions& options,
                                              StopSignal& stop) {
  if (lattice_options_without_lattice(manifest.lattice, options.lattice))
    return make_error(Errc::invalid_argument,
                      "--lattice-name and --host-id need a lattice: --lattice URL or [lattice]");
  auto file = data_file(manifest, options);
  if (!file) return file.error();
  host::HostConfig config{.workers = manifest.workers,
                          .ready_instances = manifest.ready_instances,
                          .max_payload = manifest.max_payload,
                          .max_queued_bytes = manifest.max_queued_bytes,
                          .root = manifest.root};
  config.log_level = options.log_level;
  config.log_format = options.log_format;
  config.audit_file = options.audit_file;
  config.audit_grants = options.audit_grants;
  config.data_file = *file;
  config.durability = manifest.durability;
  config.lattice = lattice_config(manifest.lattice, options.lattice);
  config.trust = manifest.trust;
  if (config.lattice) {
    if (auto valid = lattice::validate(*config.lattice); !valid) return valid.error();
  }
  config.on_message = [](const host::HostMessage& m) {
    print_line("@host <- " + escape_text(m.sender) + ": " + escape_text(text_of(m.payload)));
  };
  config.on_event = [&stop](const actor::Event& event) {
    if (event.kind == actor::Event::Kind::escalated) stop.escalate(event.detail);
  };
  return host::Host::create(config);
}

// Starts the groups and components in file order. A signal stops the loading
// between two components; a second one interrupts an init still running.
Result<void> start_all(host::Host& host, const Manifest& manifest, StopSignal& stop) {
  for (const auto& group : manifest.groups)
    if (auto added = host.add_group(group.spec, group.parent); !added) return added.error();
  // Before any component starts: an init may send to a virtual component.
  for (const auto& entry : manifest.templates)
    if (auto added = host.add_template(entry.spec, entry.group); !added) return added.error();
  auto interrupted = [&] {
    return make_error(Errc::interrupted,
                      std::string("stopped by ") + stop.name() + " while loading");
  };
  for (const auto& component : manifest.components) {
    if (stop.received()) return interrupted();
    if (auto spawned = host.spawn(component.spec, component.group); !spawned)
      return stop.received() ? interrupted() : spawned.error();
  }
  return {};
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
    print_line("reply <- " + escape_text(target->first) + " (" + statuses[reply.status] +
               "): " + escape_text(text_of(reply.payload)));
    if (reply.status != abi::kStatusOk) return kRuntimeFailure;
  }
  return kSuccess;
}

// Idle: no queued message, no outstanding request, no pending timer, nothing
// waiting to restart, and no message handled for a while.
bool wait_until_idle(host::Host& host, StopSignal& stop) {
  std::uint64_t last_handled = ~0ull;
  int quiet = 0;
  while (!stop.wait_for(20ms)) {
    std::uint64_t handled = 0;
    bool busy = host.outstanding_requests() > 0;
    for (const auto& s : host.statuses()) {
      handled += s.handled + s.failures;
      busy |= s.busy || s.mailbox_size > 0 || s.timers > 0 ||
              s.state == actor::ComponentState::restarting;
    }
    for (const auto& t : host.templates()) {
      handled += t.handled + t.activations + t.activation_failures;
      busy |= t.waiting > 0 || t.busy > 0;
    }
    quiet = (!busy && handled == last_handled) ? quiet + 1 : 0;
    last_handled = handled;
    if (quiet >= 10) return true;  // 200 ms of calm
  }
  return false;
}

// The dead letters per (sender, target, reason), most first, `rows` of them
// (0: all); the rest summed. Each row names the trace of its latest letter,
// to find in the log.
void report_dead_letters(const host::Host& host, std::size_t rows) {
  auto counts = host.dead_letters().counts();
  const std::size_t kShown = rows ? rows : counts.size();
  if (counts.empty()) return;
  std::printf("dead letters (sender -> target: reason):\n");
  for (std::size_t i = 0; i < counts.size() && i < kShown; ++i) {
    const auto& c = counts[i];
    std::string row = "  " + std::to_string(c.count) + " x " + escape_text(c.sender) + " -> " +
                      escape_text(c.target) + ": " + escape_text(c.reason);
    if (c.latest.traced()) row += " [trace " + hex_id(c.latest.trace_id) + "]";
    print_line(row);
  }
  if (counts.size() > kShown)
    std::printf("  ... and %zu more (sender, target, reason) combinations\n",
                counts.size() - kShown);
}

// One line per template of virtual components: how its names came and went.
void report_templates(const host::Host& host) {
  auto us = [](std::chrono::nanoseconds ns) { return static_cast<double>(ns.count()) / 1000.0; };
  for (const auto& t : host.templates())
    std::printf(
        "template %s: %zu registered, %llu activation(s) (%llu failed), %llu deactivation(s), "
        "%zu active, %zu hibernated (%s); activation p50 %.0f us, p99 %.0f us%s\n",
        t.pattern.c_str(), t.registered, static_cast<unsigned long long>(t.activations),
        static_cast<unsigned long long>(t.activation_failures),
        static_cast<unsigned long long>(t.deactivations), t.active, t.hibernated,
        std::string(actor::to_string(t.hibernate)).c_str(), us(t.activation_p50),
        us(t.activation_p99), t.stopped ? " [stopped: restart intensity]" : "");
}

void report_lattice(const lattice::LatticeStatus& l) {
  std::printf(
      "lattice %s: host %s, %zu other host(s); %llu frame(s) sent, %llu received, %llu "
      "publication(s) sent, %llu received; %llu lost in transit, %llu unacknowledged by lost "
      "hosts, %llu request(s) answered unknown_target by a host loss, %llu refused by NATS, %llu "
      "malformed; %llu host(s) lost, %llu disconnection(s), %llu reconnection(s)\n",
      l.lattice.c_str(), l.host.c_str(), l.peers.size(),
      static_cast<unsigned long long>(l.frames_sent),
      static_cast<unsigned long long>(l.frames_received),
      static_cast<unsigned long long>(l.publications_sent),
      static_cast<unsigned long long>(l.publications_received),
      static_cast<unsigned long long>(l.lost_in_transit),
      static_cast<unsigned long long>(l.unacknowledged_at_loss),
      static_cast<unsigned long long>(l.requests_failed_by_loss),
      static_cast<unsigned long long>(l.dropped_by_nats),
      static_cast<unsigned long long>(l.malformed_frames),
      static_cast<unsigned long long>(l.hosts_lost),
      static_cast<unsigned long long>(l.disconnections),
      static_cast<unsigned long long>(l.reconnections));
}

void report_shutdown(host::Host& host, const RunOptions& options) {
  auto report = host.shutdown(std::chrono::milliseconds(options.drain_ms));
  report_templates(host);
  if (auto lattice = host.lattice_status()) report_lattice(*lattice);
  std::printf("stopped: %zu message(s) left undelivered, %llu dead letter(s) in all\n",
              report.undelivered, static_cast<unsigned long long>(host.dead_letters().count()));
  for (const auto& [name, left] : report.per_component)
    if (left) std::printf("  %s: %zu undelivered\n", name.c_str(), left);
  report_dead_letters(host, options.dead_letter_rows);
}

// Loads every module of the manifest, as `check` does: `run` starts nothing
// until all of them are known to load.
int validate_modules(const Manifest& manifest, bool print_ok) {
  auto engine = engine::create_engine();
  if (!engine) return fail(kRuntimeFailure, engine.error().describe());
  int rc = kSuccess;
  // Trusted first: an untrusted module's bytes go no further than the signature check.
  auto load = [&](const actor::ComponentSpec& spec) -> Result<void> {
    auto bytes = read_file(spec.wasm);
    if (!bytes) return bytes.error();
    if (auto trusted = security::check_trust(*bytes, manifest.trust); !trusted)
      return Error{trusted.error().code,
                   spec.wasm.filename().string() + ": " + trusted.error().message};
    auto module = abi::load_module(**engine, *bytes, actor::compile_options(spec.limits));
    if (!module)
      return Error{module.error().code,
                   spec.wasm.filename().string() + ": " + module.error().message};
    return abi::check_instantiation(**engine, *module);
  };
  auto validate = [&](const std::string& name, const actor::ComponentSpec& spec) {
    auto loaded = load(spec);
    if (!loaded) {
      // The message may quote the module's own names: guest bytes.
      std::printf("FAIL %s: %s\n", name.c_str(), escape_text(loaded.error().describe()).c_str());
      rc = kInvalid;
    } else if (print_ok) {
      std::printf("ok   %s (%s)\n", name.c_str(), spec.wasm.filename().c_str());
    }
  };
  for (const auto& t : manifest.templates) validate(t.spec.pattern, t.spec.component);
  for (const auto& c : manifest.components) validate(c.spec.name, c.spec);
  return rc;
}

int run(const RunOptions& options) {
  for (const auto& arg : options.sends)
    if (!split_target(arg)) return fail(kUsage, "--send takes NAME=PAYLOAD, got '" + arg + "'");
  for (const auto& arg : options.requests)
    if (!split_target(arg)) return fail(kUsage, "--request takes NAME=PAYLOAD, got '" + arg + "'");
  StopSignal stop;  // before any thread starts (the engine's too): all inherit the mask
  auto manifest = load_manifest(options.manifest);
  if (!manifest) return fail(kInvalid, manifest.error().message);
  if (int rc = validate_modules(*manifest, false); rc != kSuccess) return rc;
  auto host = make_host(*manifest, options, stop);
  if (!host)
    return fail(host.error().code == Errc::storage_failed     ? kDataError
                : host.error().code == Errc::invalid_argument ? kUsage
                                                              : kRuntimeFailure,
                host.error().message);
  stop.set_hurry([h = host->get()] { h->hurry_shutdown(); });
  // Serving before the components start, so that their start can be watched;
  // declared after the host, so it stops before the host goes.
  std::unique_ptr<observe::MetricsServer> metrics;
  if (!options.metrics.empty()) {
    auto served = observe::MetricsServer::start(*observe::ListenAddress::parse(options.metrics),
                                                [h = host->get()] { return h->snapshot(); });
    if (!served) {
      stop.set_hurry({});
      return fail(kRuntimeFailure, served.error().message);
    }
    metrics = std::move(*served);
    print_line("metrics: dashboard at " + metrics->url() + ", Prometheus at " + metrics->url() +
               "metrics");
    if (metrics->address().host == "0.0.0.0")
      print_line("metrics: listening on every address of this machine, without authentication");
    std::fflush(stdout);
  }
  if (auto started = start_all(**host, *manifest, stop); !started) {
    bool interrupted = started.error().code == Errc::interrupted;
    if (interrupted)
      std::printf("%s\n", started.error().message.c_str());
    else
      std::fprintf(stderr, "wasmhive: %s\n", escape_text(started.error().describe()).c_str());
    report_shutdown(**host, options);
    stop.set_hurry({});
    return interrupted ? kSuccess : kRuntimeFailure;
  }
  int rc = inject(**host, options);
  if (rc == kSuccess) {
    if (options.until_idle)
      wait_until_idle(**host, stop);
    else
      stop.wait_for(std::chrono::hours(24 * 365));
  }
  if (stop.received()) std::printf("%s: stopping\n", stop.name());
  if (auto why = stop.escalation(); !why.empty()) {
    std::fprintf(stderr, "wasmhive: the root supervision group gave up: %s\n", why.c_str());
    rc = kRuntimeFailure;
  }
  report_shutdown(**host, options);
  stop.set_hurry({});  // the host goes before the signal thread does
  return rc;
}

int check(const std::string& path) {
  auto manifest = load_manifest(path);
  if (!manifest) return fail(kInvalid, manifest.error().message);
  int rc = validate_modules(*manifest, true);
  if (rc == kSuccess)
    std::printf("%s: %zu component(s), %zu template(s), %zu group(s): valid\n",
                manifest->path.filename().c_str(), manifest->components.size(),
                manifest->templates.size(), manifest->groups.size());
  return rc;
}

// Prints the module's metadata (docs/abi.md §9), escaped: every value is the
// guest's text. Nothing when it has none; malformed metadata is left to the
// load check, which reports it.
void print_metadata(const engine::ModuleInfo& info) {
  auto metadata = abi::read_metadata(info);
  if (!metadata || !*metadata) return;
  const abi::Metadata& m = **metadata;
  auto field = [](const char* label, const std::string& value) {
    if (!value.empty()) std::printf("%-15s%s\n", label, escape_text(value).c_str());
  };
  std::printf("metadata:\n");
  field("  name:", m.name);
  field("  version:", m.version);
  field("  description:", m.description);
  std::string authors;
  for (const auto& author : m.authors) authors += (authors.empty() ? "" : ", ") + author;
  field("  authors:", authors);
  field("  license:", m.license);
}

int inspect(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return fail(kInvalid, bytes.error().message);
  std::printf("module:  %s (%zu bytes)\n", path.c_str(), bytes->size());
  std::printf("sha256:  %s\n", security::sha256_hex(*bytes).c_str());
  security::SignatureCheck signature = security::check_signature(*bytes);
  std::printf("signed:  %s%s%s\n", std::string(to_string(signature.state)).c_str(),
              signature.signer ? (", by " + signature.signer->hex()).c_str() : "",
              signature.problem.empty() ? "" : (": " + escape_text(signature.problem)).c_str());
  auto info = engine::read_module_info(*bytes);
  if (!info)
    return std::printf("loads:   no: %s\n", escape_text(info.error().describe()).c_str()), kInvalid;
  print_metadata(*info);
  std::string abi = "none declared";
  for (const auto& e : info->exports)
    if (e.name.starts_with(abi::kVersionMarkerPrefix))
      abi = "v" + e.name.substr(abi::kVersionMarkerPrefix.size());
  std::printf("abi:     %s\n", escape_text(abi).c_str());
  if (info->memory)
    std::printf(
        "memory:  %u page(s) at start, maximum %s (the host caps it, 256 pages by default)\n",
        info->memory->min_pages,
        info->memory->max_pages ? (std::to_string(*info->memory->max_pages) + " pages").c_str()
                                : "none");
  std::printf("exports:\n");
  for (const auto& e : info->exports)
    std::printf("  %-24s %s %s\n", escape_text(e.name).c_str(),
                std::string(to_string(e.kind)).c_str(),
                e.kind == engine::ExternKind::function ? e.type.to_string().c_str() : "");
  std::printf("imports:\n");
  for (const auto& i : info->imports)
    std::printf("  %-24s %s %s\n", escape_text(i.module + "." + i.name).c_str(),
                std::string(to_string(i.kind)).c_str(),
                i.kind == engine::ExternKind::function ? i.type.to_string().c_str() : "");
  auto engine = engine::create_engine();
  if (!engine) return fail(kRuntimeFailure, engine.error().describe());
  auto module = abi::load_module(**engine, *bytes);
  auto loaded = module ? abi::check_instantiation(**engine, *module) : Result<void>(module.error());
  if (!loaded)
    return std::printf("loads:   no: %s\n", escape_text(loaded.error().describe()).c_str()),
           kInvalid;
  std::printf("loads:   yes\n");
  return kSuccess;
}

}  // namespace
}  // namespace wasmhive::cli

int main(int argc, char** argv) {
  using namespace wasmhive::cli;
  CLI::App app{
      "wasmhive: runs sandboxed WebAssembly components as supervised actors.\n"
      "Exit codes: 0 success (also after a clean stop on SIGINT/SIGTERM), 1 runtime failure\n"
      "(a component failed to start, a --send or --request failed, the root supervision group\n"
      "gave up), 2 usage error, 3 invalid manifest or module, 4 unusable data directory or\n"
      "database (missing, not writable, corrupt, or written by a newer wasmhive)."};
  app.require_subcommand(1);
  RunOptions options;
  auto* run_cmd =
      app.add_subcommand("run",
                         "Start every component of an app manifest (templates \"prefix/*\" "
                         "activate each matching name on its first message) and run until "
                         "SIGINT/SIGTERM (or --until-idle); then drain, stop and report, with "
                         "a line per template.");
  run_cmd->add_option("manifest", options.manifest, "The app manifest (TOML); see docs/manifest.md")
      ->required();
  run_cmd
      ->add_option("--log-level", options.log_level,
                   "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  run_cmd->add_option("--log-format", options.log_format, "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  run_cmd->add_option("--audit-file", options.audit_file,
                      "Append capability decisions to this file as JSON lines (denials always)");
  run_cmd->add_flag("--audit-grants", options.audit_grants, "Audit granted capability checks too");
  run_cmd->add_option("--send", options.sends,
                      "Send PAYLOAD to component NAME at start, activating it if it is a "
                      "template's (NAME=PAYLOAD, repeatable)");
  run_cmd->add_option(
      "--request", options.requests,
      "Request NAME with PAYLOAD after the sends and print the reply (NAME=PAYLOAD, repeatable)");
  run_cmd
      ->add_option("--request-timeout-ms", options.request_timeout_ms,
                   "Timeout of each --request (1..3600000)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}))
      ->capture_default_str();
  run_cmd
      ->add_option("--drain-ms", options.drain_ms,
                   "How long stopping may take (0..3600000): mailboxes drain and shutdown "
                   "exports run until then; calls still running are interrupted; a second "
                   "SIGINT/SIGTERM stops at once")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  run_cmd
      ->add_option("--dead-letters", options.dead_letter_rows,
                   "Rows of the dead-letter report at the end, most frequent first (0: all)")
      ->capture_default_str();
  auto* data_dir =
      run_cmd
          ->add_option("--data-dir", options.data_dir,
                       "Where component storage lives (overrides [host] data_dir; must exist). "
                       "Default: wasmhive-data/ beside the manifest, created if missing")
          ->check([](const std::string& dir) {
            return dir.empty() ? std::string("the data directory is empty") : std::string();
          });
  run_cmd
      ->add_flag("--in-memory", options.in_memory,
                 "Keep component storage in memory: nothing is read from or written to disk")
      ->excludes(data_dir);
  add_lattice_options(*run_cmd, options.lattice, true);
  run_cmd
      ->add_option("--metrics", options.metrics,
                   "Serve Prometheus metrics at http://HOST:PORT/metrics and a live dashboard "
                   "at http://HOST:PORT/ (IPv4; GET only, no authentication: keep it on "
                   "loopback; port 0 picks a free one, printed at start)")
      ->check([](const std::string& address) {
        auto parsed = wasmhive::observe::ListenAddress::parse(address);
        return parsed ? std::string() : parsed.error().message;
      });
  run_cmd->add_flag(
      "--until-idle", options.until_idle,
      "Stop once nothing is queued, pending (requests, timers), restarting or running and "
      "nothing ran for 200 ms");
  std::string path;
  auto* check_cmd = app.add_subcommand(
      "check", "Validate a manifest and every module it names, without running them");
  check_cmd->add_option("manifest", path, "The app manifest (TOML)")->required();
  auto* inspect_cmd = app.add_subcommand(
      "inspect",
      "Show a module's SHA-256, signature, metadata, exports, imports, memory, ABI version and "
      "whether it loads");
  inspect_cmd->add_option("module", path, "A .wasm file")->required();
  auto* lattice_cmd = app.add_subcommand("lattice", "Look at a lattice of hosts joined over NATS");
  lattice_cmd->require_subcommand(1);
  LatticeStatusOptions status_options;
  auto* status_cmd = lattice_cmd->add_subcommand(
      "status",
      "List the hosts of a lattice, the components and templates each owns, and who owns NAME "
      "(--owner)");
  add_lattice_options(*status_cmd, status_options.lattice, false);
  status_cmd->add_option("--owner", status_options.owners,
                         "Also say which host owns this component name (repeatable)");
  status_cmd
      ->add_option("--wait-ms", status_options.wait_ms,
                   "How long to listen for the hosts' answers (10..60000)")
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{60'000}))
      ->capture_default_str();
  SignOptions sign_options;
  SignCommands sign_cmds = add_sign_commands(app, sign_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kUsage;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // interleave with the log on stderr
  if (*run_cmd) return run(options);
  if (*check_cmd) return check(path);
  if (*lattice_cmd) return lattice_status(status_options);
  if (*sign_cmds.keygen) return keygen(sign_options);
  if (*sign_cmds.sign) return sign(sign_options);
  if (*sign_cmds.verify) return verify(sign_options);
  return inspect(path);
}
