// hello: the smallest wasmhive host. Loads a C component, hands it a request
// through the ABI v1 bindings, prints its reply and log line, then shows that a
// runaway guest is cut at its deadline while the engine carries on.
#include <cstdio>
#include <string>

#include "abi/host_bindings.h"
#include "abi/loader.h"

namespace {

using namespace wasmhive;

// A one-component host: the message being handled, and what the guest answered.
class HelloHost : public abi::ComponentApi {
 public:
  HelloHost(std::string self, std::string sender, std::string payload)
      : self_(std::move(self)), sender_(std::move(sender)), payload_(std::move(payload)) {
    message_ = {
        abi::kKindRequest,
        sender_,
        {},
        abi::Bytes(reinterpret_cast<const std::uint8_t*>(payload_.data()), payload_.size())};
  }
  const abi::CurrentMessage* current_message() const override { return &message_; }
  std::string_view self_id() const override { return self_; }
  std::int32_t reply(abi::Bytes payload) override {
    std::printf("reply  <- %s: %.*s\n", self_.c_str(), static_cast<int>(payload.size()),
                reinterpret_cast<const char*>(payload.data()));
    return abi::kOk;
  }
  std::int32_t log(abi::LogLevel, std::string_view line) override {
    std::printf("log    <- %s: %.*s\n", self_.c_str(), static_cast<int>(line.size()), line.data());
    return abi::kOk;
  }
  // Messaging comes with the runtime; this host answers "unsupported".
  std::int32_t send(std::string_view, abi::Bytes) override { return abi::kErrUnsupported; }
  std::int64_t request(std::string_view, abi::Bytes, std::int64_t) override {
    return abi::kErrUnsupported;
  }
  std::int32_t cancel(std::int64_t) override { return abi::kErrUnsupported; }
  std::int32_t broadcast(std::string_view, abi::Bytes) override { return abi::kErrUnsupported; }
  std::int32_t publish(std::string_view, abi::Bytes) override { return abi::kErrUnsupported; }
  std::int32_t subscribe(std::string_view) override { return abi::kErrUnsupported; }
  std::int32_t unsubscribe(std::string_view) override { return abi::kErrUnsupported; }
  std::int64_t now_ms() override { return 0; }

 private:
  std::string self_, sender_, payload_;
  abi::CurrentMessage message_;
};

int fail(const Error& error) {
  std::fprintf(stderr, "error: %s\n", error.describe().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: hello <hello.wasm> <looper.wasm>\n");
    return 2;
  }
  auto engine = engine::create_engine();
  if (!engine) return fail(engine.error());

  auto module = abi::load_module_file(**engine, argv[1]);
  if (!module) return fail(module.error());
  HelloHost host("demo/hello", "@host", "wasm world");
  auto instance = (*engine)->instantiate(*module, abi::host_functions(), &host);
  if (!instance) return fail(instance.error());
  std::printf("request -> demo/hello: wasm world\n");
  std::int64_t args[] = {5, 10};  // sender_len ("@host"), payload_len
  auto handled = (*instance)->call("handle_message", args);
  if (!handled) return fail(handled.error());

  auto looper = abi::load_module_file(**engine, argv[2]);
  if (!looper) return fail(looper.error());
  auto runaway = (*engine)->instantiate(*looper, abi::host_functions(), &host);
  if (!runaway) return fail(runaway.error());
  std::printf("call   -> demo/looper: handle_message (loops forever, deadline 100 ms)\n");
  auto cut = (*runaway)->call("handle_message", args, {.timeout = std::chrono::milliseconds(100)});
  if (cut) return fail(Error{Errc::internal, "the looper returned"});
  std::printf("error  <- demo/looper: %s\n", cut.error().describe().c_str());

  handled = (*instance)->call("handle_message", args);
  if (!handled) return fail(handled.error());
  std::printf("demo finished: the engine kept serving after the runaway call\n");
  return 0;
}
