// Erlang as the peer of the virtual-component benchmark: runs
// bench/erlang/million.erl (N processes, one state-changing message each) in
// a child `erl`, in the same invocation as our own run, so both figures come
// from the same machine at the same moment. The Erlang side measures itself
// and prints one `erlang key=value ...` line; this header only starts it and
// parses that line. Erlang is optional: without erl or its compiled module the
// benchmark still runs, and reports wasmhive alone.
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

namespace erlang_detail {

// One argument for /bin/sh, single-quoted: popen runs a shell, and the
// directory is a path that may hold spaces or quotes.
inline std::string shell_quote(std::string_view word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

using Fields = std::map<std::string, std::string, std::less<>>;

// `erlang k=v k=v ...` into its pairs; nullopt if the line has no such shape.
inline std::optional<Fields> split_fields(std::string_view line) {
  constexpr std::string_view kTag = "erlang ";
  if (!line.starts_with(kTag)) return std::nullopt;
  Fields fields;
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

// The whole value as a number (from_chars: no locale, no trailing junk).
template <class T>
bool number(const Fields& fields, std::string_view key, T& out) {
  auto it = fields.find(key);
  if (it == fields.end()) return false;
  const std::string& text = it->second;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

inline std::optional<ErlangResult> parse(const Fields& f) {
  ErlangResult r;
  auto mode = f.find("mode");
  if (mode == f.end()) return std::nullopt;
  r.mode = mode->second;
  bool ok =
      number(f, "n", r.n) && number(f, "window", r.window) &&
      number(f, "schedulers", r.schedulers) && number(f, "seconds", r.seconds) &&
      number(f, "msgs_per_s", r.msgs_per_s) &&
      number(f, "peak_memory_bytes", r.peak_memory_bytes) &&
      number(f, "baseline_memory_bytes", r.baseline_memory_bytes) &&
      number(f, "peak_processes", r.peak_processes) && number(f, "peak_rss_kib", r.peak_rss_kib) &&
      number(f, "baseline_rss_kib", r.baseline_rss_kib) &&
      number(f, "process_bytes", r.process_bytes) && number(f, "spawn_p50_us", r.spawn_p50_us) &&
      number(f, "spawn_p99_us", r.spawn_p99_us) && number(f, "handled_p50_us", r.handled_p50_us) &&
      number(f, "handled_p99_us", r.handled_p99_us);
  if (!ok) return std::nullopt;
  return r;
}

}  // namespace erlang_detail

// Runs million.erl from beam_dir (the build's WASMHIVE_ERLANG_BEAM_DIR, empty
// when CMake found no erlc) for n processes, at most max_active messages
// awaiting acknowledgement at once. Blocks until erl exits: about 2 s for a
// million transient processes, 5 s resident, here. nullopt, with the reason
// on stderr, when Erlang cannot run or its output is not the expected line;
// erl's own diagnostics go to stderr as they are.
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
  if (beam_dir.empty()) return fail("built without erlc (install erlang-base and reconfigure)");
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::path(beam_dir) / "million.beam", error))
    return fail(beam_dir + "/million.beam not found (build the erlang_million target)");

  const char* mode_name = mode == ErlangMode::resident ? "resident" : "transient";
  // ERL_CRASH_DUMP_SECONDS=0: a VM that dies holding a million processes
  // would otherwise write a crash dump of them into the working directory.
  // -noinput: no shell, no reading our stdin. Every other word is a number or
  // a fixed word; the directory is quoted.
  std::string command = "ERL_CRASH_DUMP_SECONDS=0 erl -noinput +P " + std::to_string(n + 65536) +
                        " -pa " + erlang_detail::shell_quote(beam_dir) + " -run million main " +
                        std::to_string(n) + " " + mode_name + " " + std::to_string(max_active);
  std::fflush(nullptr);  // ours before erl's, where the two share a stream
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return fail("cannot start /bin/sh for erl");
  std::string output;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    output.append(buffer, got);
  int status = pclose(pipe);
  if (status == -1) return fail("cannot wait for erl");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return fail("erl not found on PATH");
  if (WIFSIGNALED(status)) return fail("erl killed by signal " + std::to_string(WTERMSIG(status)));
  if (WEXITSTATUS(status) != 0)
    return fail("erl exited with " + std::to_string(WEXITSTATUS(status)) + ": " + command);

  // The result is the line tagged `erlang`; anything else erl printed is not.
  for (std::size_t start = 0; start < output.size();) {
    std::size_t end = std::min(output.find('\n', start), output.size());
    std::string_view line(output.data() + start, end - start);
    start = end + 1;
    auto fields = erlang_detail::split_fields(line);
    if (!fields) continue;
    auto result = erlang_detail::parse(*fields);
    if (!result) return fail("unparseable result line: " + std::string(line));
    if (result->n != n || result->mode != mode_name)
      return fail("result is for another run: " + std::string(line));
    return result;
  }
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return fail("no result line in erl's output: " + output);
}

}  // namespace wasmhive::bench
