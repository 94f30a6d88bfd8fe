// Guest ABI v1: the contract between wasmhive and a component, as data. The host
// binds implementations to these import names; docs/abi.md explains each one.
// This header must not depend on how messages are delivered.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/module_info.h"
#include "util/result.h"

namespace wasmhive::abi {

inline constexpr int kVersion = 1;
inline constexpr std::string_view kImportModule = "wasmhive";
// A module declares the ABI it targets by exporting a function with this name
// (any signature; it is never called). Other versions: "wasmhive_abi_v<N>".
inline constexpr std::string_view kVersionMarker = "wasmhive_abi_v1";
inline constexpr std::string_view kVersionMarkerPrefix = "wasmhive_abi_v";
inline constexpr std::string_view kMemoryExport = "memory";

// Negative results of host imports. Stable numbers: guests compare against them.
enum ErrorCode : std::int32_t {
  kOk = 0,
  kErrInvalid = -1,       // malformed argument (bad name, bad level, empty target)
  kErrFault = -2,         // a (ptr, len) outside the caller's linear memory
  kErrNotFound = -3,      // no such component, topic or request
  kErrDenied = -4,        // the component's capabilities do not allow this
  kErrBusy = -5,          // the target's mailbox is full
  kErrTooBig = -6,        // payload or name over its size limit
  kErrRange = -7,         // destination buffer smaller than the data
  kErrState = -8,         // not valid now (no current message, nothing to reply to)
  kErrLimit = -9,         // a per-component quota is used up (requests, subscriptions)
  kErrUnsupported = -10,  // this host does not offer the feature
  kErrIo = -11,           // the host's storage failed (I/O): nothing changed; may pass
};

// The code's name as docs/abi.md spells it ("not_found" for kErrNotFound),
// "unknown" for any other number.
std::string_view error_name(std::int32_t code);

// `status` argument of handle_callback.
enum CallbackStatus : std::int32_t {
  kStatusOk = 0,             // payload is the reply
  kStatusTimeout = 1,        // no reply before the deadline
  kStatusTargetError = 2,    // the target trapped or failed while handling the request
  kStatusUnknownTarget = 3,  // no such target, or it stopped
  kStatusDenied = 4,         // the requester may not message the target
};

// What msg_kind() returns for the message being handled.
enum MessageKind : std::int32_t {
  kKindSend = 0,
  kKindRequest = 1,   // reply() answers it
  kKindPublish = 2,   // msg_topic() names the topic
  kKindCallback = 3,  // inside handle_callback
  kKindTimer = 4,     // a send_after timer fired; the sender is the component itself
};

// What storage_usage() reports.
enum UsageField : std::int32_t {
  kUsageBytes = 0,       // bytes its keys and values hold
  kUsageKeys = 1,        // keys it holds
  kUsageQuotaBytes = 2,  // the byte quota
  kUsageQuotaKeys = 3,   // the key quota
};

// What an outbox record asks for (docs/abi.md §2, the outbox).
enum OutboxOp : std::uint32_t {
  kOutboxSend = 0,     // name: the target
  kOutboxReply = 1,    // name: empty; answers the request being handled
  kOutboxPublish = 2,  // name: the topic
};

enum LogLevel : std::int32_t { kTrace = 0, kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };

struct FunctionSpec {
  std::string_view name;
  engine::FuncType type;
  bool required = false;  // exports only
};

// Every host import of ABI v1, in module kImportModule. Read from the same
// table as the bindings (host_bindings.cc), so each import has exactly one.
std::span<const FunctionSpec> imports();
// Every export the host calls; `required` ones must be present.
std::span<const FunctionSpec> exports();

// Checks a module against ABI v1 without running it: version marker, memory
// export, required exports and their types, imports limited to ABI v1, no start
// function, well-formed metadata if any (abi/metadata.h). Errors: abi_mismatch,
// missing_export, link_error, invalid_module.
Result<void> validate(const engine::ModuleInfo& info);

}  // namespace wasmhive::abi
