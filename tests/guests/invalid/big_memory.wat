;; Asks for 64 MiB at start: over the default 16 MiB cap.
(module (memory (export "memory") 1024) (func (export "wasmhive_abi_v1"))
  (func (export "handle_message") (param i32 i32) (result i32) (i32.const 0)))
