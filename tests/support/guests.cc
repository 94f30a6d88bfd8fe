#include "support/guests.h"

#include <gtest/gtest.h>

#include "util/file.h"

namespace wasmhive::testing {

std::string guest_path(const std::string& name) {
  return std::string(WASMHIVE_GUEST_DIR) + "/" + name + ".wasm";
}

std::vector<std::uint8_t> guest_bytes(const std::string& name) {
  auto bytes = read_file(guest_path(name));
  EXPECT_TRUE(bytes.ok()) << "guest " << name << " was not built";
  return bytes ? *bytes : std::vector<std::uint8_t>{};
}

std::vector<std::uint8_t> to_bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string to_string(abi::Bytes bytes) {
  return {bytes.begin(), bytes.end()};
}

void RecordingApi::set_message(abi::MessageKind kind, std::string sender, std::string payload,
                               std::string topic) {
  sender_ = std::move(sender);
  payload_ = std::move(payload);
  topic_ = std::move(topic);
  message_ = {kind, sender_, topic_,
              abi::Bytes(reinterpret_cast<const std::uint8_t*>(payload_.data()), payload_.size())};
  has_message_ = true;
}

const abi::CurrentMessage* RecordingApi::current_message() const {
  return has_message_ ? &message_ : nullptr;
}

std::int32_t RecordingApi::record(std::string function, std::string_view target, abi::Bytes payload,
                                  std::int64_t number) {
  calls.push_back({std::move(function), std::string(target), to_string(payload), number});
  return abi::kOk;
}

std::int32_t RecordingApi::send(std::string_view target, abi::Bytes payload) {
  return record("send", target, payload);
}
std::int64_t RecordingApi::request(std::string_view target, abi::Bytes payload,
                                   std::int64_t timeout_ms) {
  record("request", target, payload, timeout_ms);
  return next_correlation_id++;
}
std::int32_t RecordingApi::reply(abi::Bytes payload) {
  return record("reply", {}, payload);
}
std::int32_t RecordingApi::cancel(std::int64_t id) {
  return record("cancel", {}, {}, id);
}
std::int32_t RecordingApi::broadcast(std::string_view targets, abi::Bytes payload) {
  return record("broadcast", targets, payload);
}
std::int32_t RecordingApi::publish(std::string_view topic, abi::Bytes payload) {
  return record("publish", topic, payload);
}
std::int32_t RecordingApi::subscribe(std::string_view topic) {
  return record("subscribe", topic, {});
}
std::int32_t RecordingApi::unsubscribe(std::string_view topic) {
  return record("unsubscribe", topic, {});
}
std::int32_t RecordingApi::log(abi::LogLevel level, std::string_view message) {
  return record("log", {},
                abi::Bytes(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()),
                level);
}

}  // namespace wasmhive::testing
