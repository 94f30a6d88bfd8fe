;; Traps on demand. handle_message traps with the kind named by the payload's
;; first byte: u=unreachable m=memory d=divide-by-zero o=integer-overflow
;; s=stack-overflow i=indirect-call; anything else returns 0. The trap_* exports
;; trap directly, for engine tests.
(module
  (import "wasmhive" "msg_payload" (func $msg_payload (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (type $void (func))
  (func (export "wasmhive_abi_v1"))
  (func $unreachable (export "trap_unreachable") unreachable)
  (func $memory (export "trap_memory") (drop (i32.load (i32.const 0x7ffffff0))))
  (func $divide (export "trap_divide") (drop (i32.div_u (i32.const 1) (i32.const 0))))
  (func $overflow (export "trap_overflow")
    (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func $recurse (export "trap_stack") (call $recurse))
  (func $indirect (export "trap_indirect") (call_indirect (type $void) (i32.const 5)))
  (func (export "ok") (result i32) (i32.const 7))
  (func (export "handle_message") (param $sender_len i32) (param $len i32) (result i32)
    (if (i32.eqz (local.get $len)) (then (return (i32.const 0))))
    (drop (call $msg_payload (i32.const 0) (i32.const 1)))
    (block $other
      (br_if 0 (i32.ne (i32.load8_u (i32.const 0)) (i32.const 117)))  ;; 'u'
      (call $unreachable))
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 109)) (then (call $memory)))    ;; 'm'
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 100)) (then (call $divide)))    ;; 'd'
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 111)) (then (call $overflow)))  ;; 'o'
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 115)) (then (call $recurse)))   ;; 's'
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 105)) (then (call $indirect)))  ;; 'i'
    (i32.const 0)))
