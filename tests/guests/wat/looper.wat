;; Never returns from handle_message (or spin); add() proves the engine still works.
(module
  (memory (export "memory") 1)
  (func (export "wasmhive_abi_v1"))
  (func $spin (export "spin") (loop $forever (br $forever)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "handle_message") (param i32 i32) (result i32) (call $spin) (i32.const 0)))
