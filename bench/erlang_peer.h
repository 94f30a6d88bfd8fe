// Erlang as the peer of the benchmarks: runs a module of bench/erlang/ in a
// child `erl`, in the same invocation as our own run, so both figures come
// from the same machine at the same moment. million.erl is the peer of the
// virtual-component benchmark (N processes, one state-changing message each),
// runtime.erl of the messaging benchmarks (ping-pong, fan-out/fan-in,
// requests, spawn). The Erlang side measures itself and prints one
// `erlang key=value ...` line; this header only starts it and parses that
// line. Erlang is optional: without erl or its compiled modules the
// benchmarks still run, and report wasmhive alone.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wasmhive::bench {

// transient: a process ends once it has handled its message (the analogue of
// a component deactivated when idle); resident: all N stay alive until the end
// (what a million live processes cost in memory).
enum class ErlangMode { transient, resident };

// The fields million.erl prints; see its header for how each is measured.
struct ErlangResult {
  std::size_t n = 0;
  std::string mode;
  std::size_t window = 0;  // messages awaiting acknowledgement at most
  int schedulers = 0;      // emulator threads running processes (one per core)
  double seconds = 0;      // first spawn to last acknowledgement
  double msgs_per_s = 0;
  std::int64_t peak_memory_bytes = 0;  // erlang:memory(total), sampled
  std::int64_t baseline_memory_bytes = 0;
  std::int64_t peak_processes = 0;  // erlang:system_info(process_count), sampled
  std::int64_t peak_rss_kib = 0;    // the VM's VmHWM
  std::int64_t baseline_rss_kib = 0;
  std::int64_t process_bytes = 0;                 // one idle process after its message
  double spawn_p50_us = 0, spawn_p99_us = 0;      // the driver's spawn + send
  double handled_p50_us = 0, handled_p99_us = 0;  // spawn until handled
};

using ErlangFieldMap = std::map<std::string, std::string, std::less<>>;

// The key=value pairs of the line an Erlang peer printed, or why there is none
// (erl missing, not built, failed, or printed no such line).
struct ErlangFields {
  ErlangFieldMap fields{};
  std::string line{};        // the result line as printed
  std::string error{};       // empty when `fields` holds the result line
  bool unavailable = false;  // the error is that Erlang is not there (optional),
                             // not that it ran and failed

  explicit operator bool() const { return error.empty(); }

  // The whole value as a number (from_chars: no locale, no trailing junk);
  // false when the key is missing or its value is not one number.
  template <class T>
  bool number(std::string_view key, T& out) const {
    auto it = fields.find(key);
    if (it == fields.end()) return false;
    const std::string& text = it->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size();
  }
  std::optional<double> number(std::string_view key) const {
    double value = 0;
    if (!number(key, value)) return std::nullopt;
    return value;
  }
  std::string text(std::string_view key) const {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  }
};

namespace erlang_detail {

// One argument for /bin/sh, single-quoted: popen runs a shell, and the
// directory is a path that may hold spaces or quotes.
inline std::string shell_quote(std::string_view word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// `erlang k=v k=v ...` into its pairs; nullopt if the line has no such shape.
inline std::optional<ErlangFieldMap> split_fields(std::string_view line) {
  constexpr std::string_view kTag = "erlang ";
  if (!line.starts_with(kTag)) return std::nullopt;
  ErlangFieldMap fields;
  line.remove_prefix(kTag.size());
  while (!line.empty()) {
    std::size_t end = std::min(line.find(' '), line.size());
    std::string_view pair = line.substr(0, end);
    line.remove_prefix(std::min(end + 1, line.size()));
    if (pair.empty()) continue;
    std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    fields.emplace(std::string(pair.substr(0, equals)), std::string(pair.substr(equals + 1)));
  }
  return fields;
}

inline ErlangFields failed(std::string why) {
  return {.fields = {}, .line = {}, .error = std::move(why), .unavailable = false};
}
inline ErlangFields unavailable(std::string why) {
  return {.fields = {}, .line = {}, .error = std::move(why), .unavailable = true};
}

// Runs `erl -noinput <emulator_flags> -pa <beam_dir> -run <module> main
// <args...>` from beam_dir (the build's WASMHIVE_ERLANG_BEAM_DIR, empty when
// CMake found no erlc) and returns the fields of the first line it prints
// tagged `erlang`. Blocks until erl exits. erl's own diagnostics go to stderr
// as they are. emulator_flags are the caller's fixed words (+S 1:1, +P n);
// every argument is quoted.
inline ErlangFields run(const std::string& module, const std::vector<std::string>& args,
                        const std::string& emulator_flags, const std::string& beam_dir) {
  if (beam_dir.empty())
    return unavailable("built without erlc (install erlang-base and reconfigure)");
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::path(beam_dir) / (module + ".beam"), error))
    return unavailable(beam_dir + "/" + module + ".beam not found (build the erlang_peers target)");

  // ERL_CRASH_DUMP_SECONDS=0: a VM that dies holding a million processes
  // would otherwise write a crash dump of them into the working directory.
  // -noinput: no shell, no reading our stdin.
  std::string command = "ERL_CRASH_DUMP_SECONDS=0 erl -noinput " + emulator_flags + " -pa " +
                        shell_quote(beam_dir) + " -run " + shell_quote(module) + " main";
  for (const std::string& arg : args) command += " " + shell_quote(arg);
  std::fflush(nullptr);  // ours before erl's, where the two share a stream
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return failed("cannot start /bin/sh for erl");
  std::string output;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    output.append(buffer, got);
  int status = pclose(pipe);
  if (status == -1) return failed("cannot wait for erl");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return unavailable("erl not found on PATH");
  if (WIFSIGNALED(status))
    return failed("erl killed by signal " + std::to_string(WTERMSIG(status)));
  if (WEXITSTATUS(status) != 0)
    return failed("erl exited with " + std::to_string(WEXITSTATUS(status)) + ": " + command);

  // The result is the line tagged `erlang`; anything else erl printed is not.
  for (std::size_t start = 0; start < output.size();) {
    std::size_t end = std::min(output.find('\n', start), output.size());
    std::string_view line(output.data() + start, end - start);
    start = end + 1;
    if (!line.starts_with("erlang ")) continue;
    auto fields = split_fields(line);
    if (!fields) return failed("unparseable result line: " + std::string(line));
    return {
        .fields = std::move(*fields), .line = std::string(line), .error = {}, .unavailable = false};
  }
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return failed("no result line in erl's output: " + output);
}

inline std::optional<ErlangResult> parse(const ErlangFields& f) {
  ErlangResult r;
  r.mode = f.text("mode");
  if (r.mode.empty()) return std::nullopt;
  bool ok =
      f.number("n", r.n) && f.number("window", r.window) && f.number("schedulers", r.schedulers) &&
      f.number("seconds", r.seconds) && f.number("msgs_per_s", r.msgs_per_s) &&
      f.number("peak_memory_bytes", r.peak_memory_bytes) &&
      f.number("baseline_memory_bytes", r.baseline_memory_bytes) &&
      f.number("peak_processes", r.peak_processes) && f.number("peak_rss_kib", r.peak_rss_kib) &&
      f.number("baseline_rss_kib", r.baseline_rss_kib) &&
      f.number("process_bytes", r.process_bytes) && f.number("spawn_p50_us", r.spawn_p50_us) &&
      f.number("spawn_p99_us", r.spawn_p99_us) && f.number("handled_p50_us", r.handled_p50_us) &&
      f.number("handled_p99_us", r.handled_p99_us);
  if (!ok) return std::nullopt;
  return r;
}

}  // namespace erlang_detail

// Runs one workload of an Erlang module that takes `main <workload> <args>`
// (runtime.erl; see its header for the workloads and their fields) on
// `schedulers` scheduler threads (+S n:n; 0 for erl's default, one per core),
// with room for process_limit processes (+P; 0 for erl's default, 262,144).
// The fields of its result line, checked to be that workload's; otherwise the
// error says why (the caller decides whether to print it).
inline ErlangFields run_erlang_workload(const std::string& module, const std::string& workload,
                                        const std::vector<std::string>& args, int schedulers,
                                        const std::string& beam_dir,
                                        std::size_t process_limit = 0) {
  std::string flags;
  if (schedulers > 0)
    flags += "+S " + std::to_string(schedulers) + ":" + std::to_string(schedulers);
  if (process_limit > 0) flags += " +P " + std::to_string(process_limit);
  std::vector<std::string> words{workload};
  words.insert(words.end(), args.begin(), args.end());
  ErlangFields result = erlang_detail::run(module, words, flags, beam_dir);
  if (result && result.text("workload") != workload)
    return erlang_detail::failed(module + " " + workload +
                                 " printed another workload's result: " + result.text("workload"));
  return result;
}

// Runs million.erl for n processes, at most max_active messages awaiting
// acknowledgement at once. Blocks until erl exits: about 2 s for a million
// transient processes, 5 s resident, here. nullopt, with the reason on
// stderr, when Erlang cannot run or its output is not the expected line.
inline std::optional<ErlangResult> run_erlang_million(std::size_t n, const std::string& beam_dir,
                                                      ErlangMode mode = ErlangMode::transient,
                                                      std::size_t max_active = 20000) {
  auto fail = [](const std::string& why) -> std::optional<ErlangResult> {
    std::fprintf(stderr, "erlang peer skipped: %s\n", why.c_str());
    return std::nullopt;
  };
  // Erlang's process limit (+P) tops out at 134,217,727; n + 65,536 leaves the
  // VM room for its own processes and the probe million.erl spawns.
  constexpr std::size_t kMaxN = 100'000'000;
  if (n == 0 || n > kMaxN) return fail("n must be 1.." + std::to_string(kMaxN));
  if (max_active == 0) return fail("max_active must be positive");
  const char* mode_name = mode == ErlangMode::resident ? "resident" : "transient";
  ErlangFields fields =
      erlang_detail::run("million", {std::to_string(n), mode_name, std::to_string(max_active)},
                         "+P " + std::to_string(n + 65536), beam_dir);
  if (!fields) return fail(fields.error);
  auto result = erlang_detail::parse(fields);
  if (!result) return fail("unparseable result line: " + fields.line);
  if (result->n != n || result->mode != mode_name)
    return fail("result is for another run: " + fields.line);
  return result;
}

}  // namespace wasmhive::bench
