// One component's storage as its calls see it: committed state in the Store,
// overlaid by the writes of its current worker turn (calls that returned 0,
// not yet committed) and of the call in progress. Reads see the component's
// own writes; a failed call's writes vanish; a turn's writes reach the Store
// together (take_turn, then Store::commit). Keys are the component's own:
// every component has its own namespace, named after it.
//
// Used on the component's worker only: not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.h"

namespace wasmhive::storage {

struct StorageLimits {
  std::uint64_t quota_bytes = 1 << 20;  // keys and values together
  std::uint64_t quota_keys = 10'000;
};

// Fixed by the host (docs/abi.md): a key is 1..kMaxKeyBytes bytes, a value
// 0..kMaxValueBytes.
inline constexpr std::size_t kMaxKeyBytes = 512;
inline constexpr std::size_t kMaxValueBytes = 256 << 10;

enum class Outcome {
  ok,
  not_found,
  invalid,  // empty key
  too_big,  // key or value over its size limit
  quota,    // the write would pass the byte or key quota
  failed,   // the store failed (I/O): nothing changed
};

class ComponentStorage {
 public:
  ComponentStorage(Store& store, std::string component, StorageLimits limits);

  Outcome get(std::string_view key, std::optional<std::string>& value);
  Outcome size(std::string_view key, std::uint64_t& bytes);
  Outcome set(std::string_view key, std::string_view value);
  Outcome erase(std::string_view key);
  // Up to `limit` keys starting with `prefix` that sort after `after`, in order.
  Outcome keys(std::string_view prefix, std::string_view after, std::size_t limit,
               std::vector<std::string>& out);
  Outcome usage(Usage& out);
  const StorageLimits& limits() const { return limits_; }

  // The call in progress ends: its writes join the turn's (kept), or vanish.
  void end_call(bool keep);
  // True while writes wait for a commit (of this call or this turn).
  bool dirty() const { return !turn_.empty() || !call_.empty(); }
  // The turn's writes, in key order, ready for Store::commit; the overlay is
  // empty afterwards. After a failed commit, forget_usage() re-reads usage.
  std::vector<Write> take_turn();
  void forget_usage() { committed_.reset(); }
  // Usage in the Store, if read yet (between turns, nothing else is pending).
  const std::optional<Usage>& committed_usage() const { return committed_; }

 private:
  using Overlay = std::map<std::string, std::optional<std::string>, std::less<>>;
  // The value's length as the call sees it, or nothing when absent.
  struct Delta {
    std::int64_t bytes = 0;
    std::int64_t keys = 0;
  };
  Outcome visible_size(std::string_view key, std::optional<std::uint64_t>& bytes);
  Outcome current_usage(Usage& out);
  void overlay_keys(const Overlay& overlay, std::string_view prefix, std::string_view after,
                    std::map<std::string, bool, std::less<>>& merged) const;

  Store& store_;
  const std::string component_;
  const StorageLimits limits_;
  Overlay turn_;                    // writes of calls that returned 0, not yet committed
  Overlay call_;                    // writes of the call in progress
  std::optional<Usage> committed_;  // the Store's, read once
  Delta turn_delta_, call_delta_;   // what the overlays change of it
};

}  // namespace wasmhive::storage
