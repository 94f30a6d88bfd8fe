;; Its wasmhive_outbox sends "announcing" to @host by import (any import may be
;; called from any export), then clears its outbox header (which a data segment
;; left non-zero) and announces it: 64 bytes at 1024. Every message traps.
;; While wasmhive_outbox runs the instance has no outbox yet: a host that used
;; the previous instance's (at the same address, 0xffffffff there) would refuse
;; every restart as a malformed outbox.
(module
  (import "wasmhive" "send" (func $send (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "@hostannouncing")
  (data (i32.const 1024) "\ff\ff\ff\ff")
  (func (export "wasmhive_abi_v1"))
  (func (export "wasmhive_outbox") (result i64)
    (drop (call $send (i32.const 0) (i32.const 5) (i32.const 5) (i32.const 10)))
    (i32.store (i32.const 1024) (i32.const 0))
    (i64.or (i64.const 0x0000004000000000) (i64.const 1024)))
  (func (export "handle_message") (param i32 i32) (result i32) unreachable))
