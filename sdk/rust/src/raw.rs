//! The host's functions exactly as docs/abi.md §4 declares them: pointers are
//! offsets in this module's memory, lengths are read as unsigned, and every
//! function returns a value `>= 0` or a negative error code (§5). Prefer the
//! safe wrappers of the crate root; these are here for what they do not cover.

#[link(wasm_import_module = "wasmhive")]
extern "C" {
    pub fn msg_sender(buf: *mut u8, cap: i32) -> i32;
    pub fn msg_payload(buf: *mut u8, cap: i32) -> i32;
    pub fn msg_topic(buf: *mut u8, cap: i32) -> i32;
    pub fn msg_kind() -> i32;
    pub fn self_id(buf: *mut u8, cap: i32) -> i32;
    pub fn send(target: *const u8, target_len: i32, payload: *const u8, payload_len: i32) -> i32;
    pub fn request(
        target: *const u8,
        target_len: i32,
        payload: *const u8,
        payload_len: i32,
        timeout_ms: i64,
    ) -> i64;
    pub fn reply(payload: *const u8, payload_len: i32) -> i32;
    pub fn cancel(correlation_id: i64) -> i32;
    pub fn broadcast(
        targets: *const u8,
        targets_len: i32,
        payload: *const u8,
        payload_len: i32,
    ) -> i32;
    pub fn publish(topic: *const u8, topic_len: i32, payload: *const u8, payload_len: i32) -> i32;
    pub fn subscribe(pattern: *const u8, pattern_len: i32) -> i32;
    pub fn unsubscribe(pattern: *const u8, pattern_len: i32) -> i32;
    pub fn log(level: i32, msg: *const u8, msg_len: i32) -> i32;
    pub fn now_ms() -> i64;
    pub fn monotonic_ns() -> i64;
    pub fn storage_get(key: *const u8, key_len: i32, buf: *mut u8, cap: i32) -> i32;
    pub fn storage_exists(key: *const u8, key_len: i32) -> i32;
    pub fn storage_set(key: *const u8, key_len: i32, value: *const u8, value_len: i32) -> i32;
    pub fn storage_delete(key: *const u8, key_len: i32) -> i32;
    pub fn storage_list(
        prefix: *const u8,
        prefix_len: i32,
        after: *const u8,
        after_len: i32,
        buf: *mut u8,
        cap: i32,
    ) -> i32;
    pub fn storage_usage(field: i32) -> i64;
    pub fn send_after(delay_ms: i64, payload: *const u8, payload_len: i32) -> i64;
    pub fn cancel_timer(id: i64) -> i32;
    pub fn config_get(key: *const u8, key_len: i32, buf: *mut u8, cap: i32) -> i32;
}
