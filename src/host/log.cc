#include "host/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <mutex>

#include "messaging/traced_log.h"
#include "util/text.h"

namespace wasmhive::host {
namespace {

// spdlog's %v, escaped for a text line, or escaped so and then made a JSON
// string: a JSON line's "msg" decodes to the text line's message, one line
// without control bytes, invalid UTF-8 and backslashes told apart as there.
class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  explicit EscapedMessage(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& out) override {
    std::string escaped;
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (json_)
      append_json_escaped(escaped, escape_text(text));
    else
      append_escaped(escaped, text);
    out.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessage>(json_);
  }

 private:
  bool json_;
};

// The trace of a line about a message (messaging/traced_log.h), as JSON
// fields before "msg" or as a text suffix; nothing for other lines.
class TraceFields final : public spdlog::custom_flag_formatter {
 public:
  explicit TraceFields(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& out) override {
    auto trace = messaging::trace_of_line(msg.logger_name);
    if (!trace) return;
    std::string fields;
    if (json_) {
      fields += R"("trace_id":")";
      append_hex_id(fields, trace->trace_id);
      fields += R"(","message_id":")";
      append_hex_id(fields, trace->message_id);
      fields += R"(","cause_id":")";
      append_hex_id(fields, trace->cause_id);
      fields += R"(",)";
    } else {
      fields += " trace=";
      append_hex_id(fields, trace->trace_id);
    }
    out.append(fields.data(), fields.data() + fields.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TraceFields>(json_);
  }

 private:
  bool json_;
};

// Formats on the caller's thread, writes on the LineWriter's.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LineSink(std::shared_ptr<LineWriter> writer) : writer_(std::move(writer)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    writer_->write(std::string(line.data(), line.size()));
  }
  void flush_() override { writer_->flush(); }

 private:
  std::shared_ptr<LineWriter> writer_;
};

spdlog::level::level_enum spdlog_level(abi::LogLevel level) {
  switch (level) {
    case abi::kTrace:
      return spdlog::level::trace;
    case abi::kDebug:
      return spdlog::level::debug;
    case abi::kInfo:
      return spdlog::level::info;
    case abi::kWarn:
      return spdlog::level::warn;
    case abi::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

std::int32_t GuestLog::log(std::string_view component, abi::LogLevel level, std::string_view line,
                           bool limited, const Trace& trace) {
  if (limited && !limiter_.allow(component, clock_.now())) return abi::kErrLimit;
  if (line.size() <= kMaxLineBytes) {
    messaging::log_traced_format(*logger_, spdlog_level(level), trace, "[{}] {}", component, line);
  } else {
    messaging::log_traced_format(*logger_, spdlog_level(level), trace,
                                 "[{}] {} [... {} more bytes cut]", component,
                                 line.substr(0, kMaxLineBytes), line.size() - kMaxLineBytes);
  }
  return abi::kOk;
}

void GuestLog::summarize() {
  for (const auto& [name, count] : limiter_.take_refused())
    logger_->warn("[{}] {} log line(s) suppressed: over {} lines per second", name, count,
                  kLinesPerSecond);
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& level, const std::string& format,
                                            std::shared_ptr<LineWriter> writer) {
  auto logger =
      std::make_shared<spdlog::logger>("wasmhive", std::make_shared<LineSink>(std::move(writer)));
  logger->set_level(spdlog::level::from_str(level));
  bool json = format == "json";
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<EscapedMessage>('*', json);
  formatter->add_flag<TraceFields>('&', json);
  formatter->set_pattern(json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%e","level":"%l",%&"msg":"%*"})"
                              : "%H:%M:%S.%e %-7l %*%&");
  logger->set_formatter(std::move(formatter));
  return logger;
}

}  // namespace wasmhive::host
