;; Valid ABI v1, but its outbox (1 MiB at 0, inside its 20 pages) is larger
;; than an outbox may be.
(module (memory (export "memory") 20) (func (export "wasmhive_abi_v1"))
  (func (export "wasmhive_outbox") (result i64) (i64.const 0x0010000000000000))
  (func (export "handle_message") (param i32 i32) (result i32) (i32.const 0)))
