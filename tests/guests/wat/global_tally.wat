;; Keeps its count in mutable globals, not in memory (as AssemblyScript keeps
;; top-level variables): every message adds one to $count (i32) and its
;; payload length to $bytes (i64); a request is answered with the count as 4
;; bytes and the byte sum as 8, little endian. For hibernation of globals.
(module
  (import "wasmhive" "reply" (func $reply (param i32 i32) (result i32)))
  (import "wasmhive" "msg_kind" (func $msg_kind (result i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (global $bytes (mut i64) (i64.const 0))
  (func (export "wasmhive_abi_v1"))
  (func (export "handle_message") (param $sender_len i32) (param $len i32) (result i32)
    ;; kind 1: a request
    (if (i32.eq (call $msg_kind) (i32.const 1))
      (then
        (i32.store (i32.const 0) (global.get $count))
        (i64.store (i32.const 4) (global.get $bytes))
        (return (call $reply (i32.const 0) (i32.const 12)))))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.set $bytes (i64.add (global.get $bytes) (i64.extend_i32_u (local.get $len))))
    (i32.const 0)))
