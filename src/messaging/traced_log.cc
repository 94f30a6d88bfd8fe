#include "messaging/traced_log.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/sink.h>

#include <string>

namespace wasmhive::messaging {
namespace {

constexpr std::string_view kPrefix = "trace:";
constexpr std::size_t kNameSize = kPrefix.size() + 3 * 16;

}  // namespace

void log_traced(spdlog::logger& logger, spdlog::level::level_enum level, const Trace& trace,
                std::string_view text) {
  if (!logger.should_log(level)) return;
  if (!trace.traced()) {
    logger.log(level, spdlog::string_view_t(text.data(), text.size()));
    return;
  }
  std::string name(kPrefix);
  name.reserve(kNameSize);
  for (std::uint64_t id : {trace.trace_id, trace.message_id, trace.cause_id})
    append_hex_id(name, id);
  // As spdlog::logger::log would, but under the line's own name; the logger's
  // level was checked above and each sink checks its own.
  spdlog::details::log_msg line(spdlog::source_loc{}, spdlog::string_view_t(name), level,
                                spdlog::string_view_t(text.data(), text.size()));
  for (auto& sink : logger.sinks())
    if (sink->should_log(level)) sink->log(line);
}

std::optional<Trace> trace_of_line(spdlog::string_view_t logger_name) {
  std::string_view name(logger_name.data(), logger_name.size());
  if (name.size() != kNameSize || !name.starts_with(kPrefix)) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  auto trace = parse_hex_id(name.substr(0, 16));
  auto message = parse_hex_id(name.substr(16, 16));
  auto cause = parse_hex_id(name.substr(32, 16));
  if (!trace || !message || !cause) return std::nullopt;
  return Trace{*trace, *message, *cause};
}

}  // namespace wasmhive::messaging
