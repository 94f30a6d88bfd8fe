// The host's log: lifecycle events, guest log lines, denials. Every message is
// escaped as it is formatted (util/text.h), so no guest text can forge a line,
// and lines are written by a LineWriter, so logging never waits for stderr.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "util/line_writer.h"

namespace wasmhive::host {

// `level`: trace, debug, info, warn, error, critical or off. `format`: "text"
// ("12:00:00.123 info    message") or "json" (one object per line).
std::shared_ptr<spdlog::logger> make_logger(const std::string& level, const std::string& format,
                                            std::shared_ptr<LineWriter> writer);

}  // namespace wasmhive::host
