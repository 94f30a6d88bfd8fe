// libFuzzer target: arbitrary bytes as a guest's linear memory holding an
// outbox (docs/abi.md §2), as a hostile guest could leave it. Any crash,
// sanitizer report or hang is a finding; so is a record handed to the API
// that does not lie inside the bytes the outbox says it used, or an outbox
// not emptied after a drain. Errors are the expected outcome.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "abi/outbox.h"
#include "null_api.h"

namespace {

using namespace wasmhive;

// Checks every view it is handed lies in the fuzzed memory.
class BoundedApi final : public fuzzing::NullApi {
 public:
  BoundedApi(const std::uint8_t* begin, const std::uint8_t* end) : begin_(begin), end_(end) {}
  std::int32_t send(std::string_view target, abi::Bytes payload) override {
    check(target), check(payload);
    return target.size() % 2 ? abi::kErrNotFound : abi::kOk;  // some refused
  }
  std::int32_t reply(abi::Bytes payload) override {
    check(payload);
    return abi::kOk;
  }
  std::int32_t publish(std::string_view topic, abi::Bytes payload) override {
    check(topic), check(payload);
    return 0;
  }

 private:
  void check(std::string_view text) const {
    check(abi::Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  void check(abi::Bytes bytes) const {
    if (bytes.empty()) return;
    if (bytes.data() < begin_ || bytes.data() + bytes.size() > end_) std::abort();
  }
  const std::uint8_t* begin_;
  const std::uint8_t* end_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first 8 bytes choose what the guest announced; the rest is memory.
  if (size < 8) return 0;
  std::uint64_t announced;
  std::memcpy(&announced, data, sizeof announced);
  std::vector<std::uint8_t> memory(data + 8, data + size);
  engine::GuestMemory guest(memory.data(), memory.size());
  auto outbox = abi::Outbox::locate(guest, static_cast<std::int64_t>(announced));
  if (!outbox) return 0;
  BoundedApi api(memory.data(), memory.data() + memory.size());
  (void)outbox->drain(guest, api);
  // Emptied, whatever it held: a second drain sends nothing.
  auto address = static_cast<std::uint32_t>(announced);
  std::uint32_t used;
  std::memcpy(&used, memory.data() + address, sizeof used);
  if (used != 0) std::abort();
  return 0;
}
