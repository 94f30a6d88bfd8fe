;; Valid ABI v1, but init never returns: spawning it must fail at its deadline.
(module (memory (export "memory") 1) (func (export "wasmhive_abi_v1"))
  (func (export "init") (result i32) (loop $forever (br $forever)) (i32.const 0))
  (func (export "handle_message") (param i32 i32) (result i32) (i32.const 0)))
