// Log lines about a message carry its trace context (util/trace.h) as fields
// of their own: JSON lines get "trace_id", "message_id" and "cause_id", text
// lines a "trace=" suffix (host/log.cc formats both).
//
// spdlog's lines have no place for such fields, so a traced line carries its
// context in the line's logger name (log_msg::logger_name), which none of
// our patterns prints: "trace:" and 48 hex digits, written and read only here.
// A guest's text is the line's message, never its name: it cannot forge them.
#pragma once

#include <spdlog/logger.h>

#include <optional>
#include <string_view>
#include <utility>

#include "util/trace.h"

namespace wasmhive::messaging {

// Writes `text` at `level` about a message whose trace is `trace` (an
// untraced one: a plain line).
void log_traced(spdlog::logger& logger, spdlog::level::level_enum level, const Trace& trace,
                std::string_view text);

template <class... Args>
void log_traced_format(spdlog::logger& logger, spdlog::level::level_enum level, const Trace& trace,
                       spdlog::format_string_t<Args...> format, Args&&... args) {
  if (!logger.should_log(level)) return;
  log_traced(logger, level, trace, fmt::format(format, std::forward<Args>(args)...));
}

// The trace a line was written with by log_traced; none for any other line.
std::optional<Trace> trace_of_line(spdlog::string_view_t logger_name);

}  // namespace wasmhive::messaging
