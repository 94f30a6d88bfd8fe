;; Valid ABI v1, but its outbox (4 + 16 bytes at 65,520) runs past its one page.
(module (memory (export "memory") 1) (func (export "wasmhive_abi_v1"))
  (func (export "wasmhive_outbox") (result i64) (i64.const 0x100000fff0))
  (func (export "handle_message") (param i32 i32) (result i32) (i32.const 0)))
