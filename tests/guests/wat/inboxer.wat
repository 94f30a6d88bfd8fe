;; Reports what the inbox held for each request: its 20-byte header, then the
;; message bytes, read from the inbox when the host filled it and pulled by
;; import when it did not. The inbox is 16 bytes, so larger messages are pulled.
(module
  (import "wasmhive" "msg_sender" (func $msg_sender (param i32 i32) (result i32)))
  (import "wasmhive" "msg_payload" (func $msg_payload (param i32 i32) (result i32)))
  (import "wasmhive" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $inbox i32 (i32.const 1024))
  (global $report i32 (i32.const 4096))
  (func (export "wasmhive_abi_v1"))
  (func (export "wasmhive_inbox") (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.extend_i32_u (global.get $inbox))))
  (func $copy (param $to i32) (param $from i32) (param $n i32)
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $to) (i32.load8_u (local.get $from)))
        (local.set $to (i32.add (local.get $to) (i32.const 1)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each))))
  (func (export "handle_message") (param $sender_len i32) (param $payload_len i32) (result i32)
    (local $bytes i32) (local $n i32)
    (call $copy (global.get $report) (global.get $inbox) (i32.const 20))
    (if (i32.load (global.get $inbox))
      (then
        ;; filled: sender, topic and payload follow the header
        (local.set $bytes (i32.add (i32.load offset=8 (global.get $inbox))
                          (i32.add (i32.load offset=12 (global.get $inbox))
                                   (i32.load offset=16 (global.get $inbox)))))
        (call $copy (i32.add (global.get $report) (i32.const 20))
                    (i32.add (global.get $inbox) (i32.const 20)) (local.get $bytes)))
      (else
        (local.set $bytes (call $msg_sender (i32.add (global.get $report) (i32.const 20))
                                            (local.get $sender_len)))
        (local.set $n (call $msg_payload
                        (i32.add (global.get $report) (i32.add (i32.const 20) (local.get $bytes)))
                        (local.get $payload_len)))
        (local.set $bytes (i32.add (local.get $bytes) (local.get $n)))))
    (call $reply (global.get $report) (i32.add (i32.const 20) (local.get $bytes)))))
