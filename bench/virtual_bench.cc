// A fixed workload, not a timed test: N distinct virtual components on one
// host, each sent one message that changes its state (the visitor guest adds
// one to a plain variable), with at most `max_active` alive at once, so most
// of them are activated, then deactivated with their memory hibernated. Beside
// it, in the same run, Erlang spawning N processes that each handle one
// message (bench/erlang/million.erl).
//
//   virtual_bench [--components N] [--max-active M] [--no-hibernate] [--markdown FILE] [--smoke]
//
// Prints the figures; with --markdown writes them as a section of
// docs/benchmarks.md (bench/run.sh does).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "erlang_peer.h"
#include "host/host.h"
#include "support.h"

namespace wasmhive::bench {
namespace {

using namespace std::chrono_literals;

struct Options {
  std::size_t components = 1'000'000;
  std::size_t max_active = 20'000;
  actor::Hibernation hibernate = actor::Hibernation::memory;
  std::string markdown;
};

struct Figures {
  double seconds = 0;
  std::size_t handled = 0, activations = 0, deactivations = 0, hibernated = 0;
  std::size_t hibernated_bytes = 0, most_active = 0, retries = 0, reused = 0;
  std::size_t rss_before_kib = 0, rss_after_kib = 0, peak_kib = 0;
  std::chrono::nanoseconds p50{}, p99{}, max{}, wait_p50{}, wait_p99{};
};

host::TemplateStatus template_status(const host::Host& host) {
  return host.templates().front();
}

Figures run_virtual(const Options& options) {
  auto host =
      must(host::Host::create({.workers = 2, .max_queued_bytes = std::size_t{1} << 30}), "host");
  actor::TemplateSpec spec{.pattern = "user/*"};
  spec.component.wasm = std::string(WASMHIVE_GUEST_DIR) + "/visitor.wasm";
  spec.component.config["storage"] = "off";
  spec.component.limits.mailbox_capacity = 16;
  spec.max_active = options.max_active;
  spec.max_waiting = 20'000;  // past it the sender is told busy and retries
  spec.idle_timeout = 600s;   // instances leave to make room, as least recently used
  spec.hibernate = options.hibernate;
  must(host->add_template(spec), "add_template");

  Figures f;
  const std::vector<std::uint8_t> hit = {'h', 'i', 't'};
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < options.components; ++i) {
    if (i == options.max_active) {
      // All room taken, nothing hibernated yet: what follows is what the
      // hibernated names add.
      while (template_status(*host).handled < i) std::this_thread::sleep_for(1ms);
      f.rss_before_kib = resident_kib().first;
    }
    std::string name = "user/" + std::to_string(i);
    for (;;) {
      auto sent = host->send(name, hit);
      if (sent) break;
      if (sent.error().code != Errc::busy) die("send " + name + ": " + sent.error().describe());
      ++f.retries;  // activations waiting at max_waiting: let the workers catch up
      std::this_thread::sleep_for(50us);
    }
    if (i % 4096 == 0) f.most_active = std::max(f.most_active, template_status(*host).active);
  }
  for (;;) {
    auto t = template_status(*host);
    f.most_active = std::max(f.most_active, t.active);
    if (t.handled >= options.components) break;
    std::this_thread::sleep_for(1ms);
  }
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto t = template_status(*host);
  f.handled = t.handled;
  f.activations = t.activations;
  f.deactivations = t.deactivations;
  f.hibernated = t.hibernated;
  f.hibernated_bytes = t.hibernated_bytes;
  f.reused = t.reused;
  f.p50 = t.activation_p50;
  f.p99 = t.activation_p99;
  f.max = t.activation_max;
  f.wait_p50 = t.wait_p50;
  f.wait_p99 = t.wait_p99;
  std::tie(f.rss_after_kib, f.peak_kib) = resident_kib();
  // Every send refused as busy is a dead letter, then sent again.
  if (host->dead_letters().count() != f.retries) {
    auto counts = host->dead_letters().counts();
    die(std::to_string(host->dead_letters().count() - f.retries) +
        " dead letters besides the retried sends: messages were lost; the most: " +
        std::to_string(counts.front().count) + " x " + counts.front().reason);
  }
  return f;
}

double us(std::chrono::nanoseconds ns) {
  return static_cast<double>(ns.count()) / 1000.0;
}

std::string verdict(bool met) {
  return met ? "met" : "**not met**";
}

std::string report(const Options& options, const Figures& f,
                   const std::optional<ErlangResult>& transient,
                   const std::optional<ErlangResult>& resident) {
  // What stays per hibernated component besides its compressed state: the
  // growth of resident memory from the moment max_active names were active
  // to the end, less the states' own bytes, spread over the hibernated names.
  // An upper bound: it also counts whatever else the host kept meanwhile
  // (V8 heap, pages malloc holds, the dead-letter table of retried sends).
  double per_hibernated = f.hibernated ? (static_cast<double>(f.rss_after_kib) * 1024.0 -
                                          static_cast<double>(f.rss_before_kib) * 1024.0 -
                                          static_cast<double>(f.hibernated_bytes)) /
                                             static_cast<double>(f.hibernated)
                                       : 0;
  double state_avg =
      f.hibernated ? static_cast<double>(f.hibernated_bytes) / static_cast<double>(f.hibernated)
                   : 0;
  double rate = static_cast<double>(f.handled) / f.seconds;
  std::ostringstream out;
  char line[2048];
  // A macro, not a lambda, so that the compiler checks each format string.
#define row(...)                                   \
  do {                                             \
    std::snprintf(line, sizeof line, __VA_ARGS__); \
    out << line << "\n";                           \
  } while (0)
  row("### %zu components, at most %zu active\n", options.components, options.max_active);
  row("Each of %zu distinct names (`user/0` ... ) is sent one message that changes its state; "
      "at most %zu instances alive at once (`max_active`), the rest deactivated least recently "
      "used first, their memory hibernated (`hibernate = \"memory\"`, zstd). 2 workers, one "
      "sending thread. Erlang: `bench/erlang/million.erl`, same run, 2 schedulers.\n",
      options.components, options.max_active);
  row("| figure | wasmhive | Erlang (processes end) | Erlang (all stay alive) |");
  row("|---|---|---|---|");
  auto erl = [](const std::optional<ErlangResult>& r, auto get) {
    return r ? get(*r) : std::string("n/a");
  };
  auto fmt = [](double v, const char* unit) {
    char b[64];
    std::snprintf(b, sizeof b, "%.0f%s", v, unit);
    return std::string(b);
  };
  row("| handled / sent | %zu / %zu | %s | %s |", f.handled, options.components,
      erl(transient, [](auto& r) { return std::to_string(r.n) + " / " + std::to_string(r.n); })
          .c_str(),
      erl(resident, [](auto& r) {
        return std::to_string(r.n) + " / " + std::to_string(r.n);
      }).c_str());
  row("| wall time | %.1f s | %s | %s |", f.seconds,
      erl(transient, [&](auto& r) { return fmt(r.seconds * 1000, " ms"); }).c_str(),
      erl(resident, [&](auto& r) { return fmt(r.seconds * 1000, " ms"); }).c_str());
  row("| components (processes) per second | %.0f | %s | %s |", rate,
      erl(transient, [&](auto& r) { return fmt(r.msgs_per_s, ""); }).c_str(),
      erl(resident, [&](auto& r) { return fmt(r.msgs_per_s, ""); }).c_str());
  row("| peak resident memory | %.0f MiB | %s | %s |", static_cast<double>(f.peak_kib) / 1024.0,
      erl(transient,
          [&](auto& r) { return fmt(static_cast<double>(r.peak_rss_kib) / 1024.0, " MiB"); })
          .c_str(),
      erl(resident, [&](auto& r) {
        return fmt(static_cast<double>(r.peak_rss_kib) / 1024.0, " MiB");
      }).c_str());
  row("| activation (spawn to handled) p50 / p99 | %.0f / %.0f µs | %s | %s |", us(f.p50),
      us(f.p99),
      erl(transient,
          [&](auto& r) { return fmt(r.handled_p50_us, "") + " / " + fmt(r.handled_p99_us, " µs"); })
          .c_str(),
      erl(resident, [&](auto& r) {
        return fmt(r.handled_p50_us, "") + " / " + fmt(r.handled_p99_us, " µs");
      }).c_str());
  row("| memory per idle component | %.0f B + %.0f B state | - | %s |", per_hibernated, state_avg,
      erl(resident, [&](auto& r) {
        return fmt(static_cast<double>(r.process_bytes), " B");
      }).c_str());
  out << "\n";
  row("Activation is measured on the worker, from taking up the activation (instantiate, init, "
      "restore) to the instance being ready; Erlang's column is from spawn to the message "
      "handled, which includes waiting in its run queue. Waiting for room and for the worker "
      "(first message to activation start): p50 %.0f µs, p99 %.0f µs. Activation max %.0f µs. "
      "Most instances alive at once: %zu. Activations that reused a pooled instance: %zu. Sends "
      "retried at `max_waiting`: %zu. Hibernated at the end: %zu names, %.1f MiB of compressed "
      "state.\n",
      us(f.wait_p50), us(f.wait_p99), us(f.max), f.most_active, f.reused, f.retries, f.hibernated,
      static_cast<double>(f.hibernated_bytes) / 1048576.0);
  row("| goal | measured | |");
  row("|---|---|---|");
  row("| all %zu handled, none lost | %zu handled, no dead letter but the retried sends | %s |",
      options.components, f.handled, verdict(f.handled == options.components).c_str());
  row("| at most %zu active | most seen %zu | %s |", options.max_active, f.most_active,
      verdict(f.most_active <= options.max_active).c_str());
  row("| peak resident memory ≤ 3 GiB | %.2f GiB | %s |",
      static_cast<double>(f.peak_kib) / 1048576.0, verdict(f.peak_kib <= 3 * 1048576).c_str());
  row("| activation p50 ≤ 100 µs | %.0f µs | %s |", us(f.p50), verdict(f.p50 <= 100us).c_str());
  row("| activation p99 ≤ 2 ms | %.0f µs | %s |", us(f.p99), verdict(f.p99 <= 2ms).c_str());
  row("| ≤ 1 KiB per hibernated component plus its state | %.0f B + %.0f B | %s |", per_hibernated,
      state_avg, verdict(per_hibernated <= 1024).c_str());
#undef row
  return out.str();
}

Options parse(int argc, char** argv, bool& smoke) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--smoke")
      smoke = true;
    else if (arg == "--components")
      options.components = std::stoul(value());
    else if (arg == "--max-active")
      options.max_active = std::stoul(value());
    else if (arg == "--no-hibernate")
      options.hibernate = actor::Hibernation::none;
    else if (arg == "--markdown")
      options.markdown = value();
    else
      die("unknown argument " + std::string(arg));
  }
  if (smoke) {
    options.components = 2000;
    options.max_active = 100;
  }
  return options;
}

}  // namespace
}  // namespace wasmhive::bench

int main(int argc, char** argv) {
  using namespace wasmhive::bench;
  bool smoke = false;
  Options options = parse(argc, argv, smoke);
  Figures figures = run_virtual(options);
  std::optional<ErlangResult> transient, resident;
  if (!smoke) {
    transient = run_erlang_million(options.components, WASMHIVE_ERLANG_BEAM_DIR,
                                   ErlangMode::transient, options.max_active);
    resident = run_erlang_million(options.components, WASMHIVE_ERLANG_BEAM_DIR,
                                  ErlangMode::resident, options.max_active);
  }
  std::string text = report(options, figures, transient, resident);
  std::fputs(text.c_str(), stdout);
  if (!options.markdown.empty()) std::ofstream(options.markdown) << text;
  if (figures.handled != options.components) return 1;
  return 0;
}
