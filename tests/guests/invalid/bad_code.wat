;; Well-formed sections, invalid code (type error): only the engine's compile catches it.
(module (memory (export "memory") 1) (func (export "wasmhive_abi_v1"))
  (func (export "handle_message") (param i32 i32) (result i32) (i64.const 0)))
