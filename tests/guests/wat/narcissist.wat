;; Sends every message it gets straight back to itself: a component stuck in a
;; self-send loop, to show its worker stays fair to its neighbours.
(module
  (import "wasmhive" "self_id" (func $self_id (param i32 i32) (result i32)))
  (import "wasmhive" "send" (func $send (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmhive_abi_v1"))
  (func (export "handle_message") (param i32 i32) (result i32)
    (local $len i32)
    (local.set $len (call $self_id (i32.const 0) (i32.const 256)))
    (drop (call $send (i32.const 0) (local.get $len) (i32.const 0) (local.get $len)))
    (i32.const 0)))
