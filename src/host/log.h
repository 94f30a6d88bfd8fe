// The host's log: lifecycle events, guest log lines, denials. Every message is
// escaped as it is formatted (util/text.h), so no guest text can forge a line,
// and lines are written by a LineWriter, so logging never waits for stderr.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "abi/abi.h"
#include "util/clock.h"
#include "util/line_writer.h"
#include "util/rate_limiter.h"
#include "util/trace.h"

namespace wasmhive::host {

// `level`: trace, debug, info, warn, error, critical or off. `format`: "text"
// ("12:00:00.123 info    message") or "json" (one object per line). A line
// about a message (messaging/traced_log.h) also says which: in text a
// " trace=<16 hex digits>" suffix, in JSON "trace_id", "message_id" and
// "cause_id" (16 hex digits each) before "msg".
std::shared_ptr<spdlog::logger> make_logger(const std::string& level, const std::string& format,
                                            std::shared_ptr<LineWriter> writer);

// Guest log lines, as "[component] line", at most kLinesPerSecond per component
// on average (bursts of kBurst), each at most kMaxLineBytes: a guest cannot
// flood the log. Thread-safe.
class GuestLog {
 public:
  static constexpr double kLinesPerSecond = 100;
  static constexpr double kBurst = 100;
  // Longer lines are cut there, with a note of how much was cut.
  static constexpr std::size_t kMaxLineBytes = 4096;

  GuestLog(std::shared_ptr<spdlog::logger> logger, Clock& clock)
      : logger_(std::move(logger)), clock_(clock) {}

  // kOk, or kErrLimit past the component's rate when `limited`. `trace`: the
  // message the component handles (untraced: none).
  std::int32_t log(std::string_view component, abi::LogLevel level, std::string_view line,
                   bool limited, const Trace& trace = {});
  // One line for each component whose lines were held back since the last call.
  void summarize();
  void forget(std::string_view component) { limiter_.forget(component); }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  Clock& clock_;
  RateLimiter limiter_{kLinesPerSecond, kBurst};
};

}  // namespace wasmhive::host
