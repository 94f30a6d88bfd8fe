;; Stubborn: every call into it loops forever, its shutdown export included:
;; only a deadline or an interrupt ends it.
(module
  (memory (export "memory") 1)
  (func (export "wasmhive_abi_v1"))
  (func $forever (loop $again (br $again)))
  (func (export "handle_message") (param i32 i32) (result i32) (call $forever) (i32.const 0))
  (func (export "shutdown") (call $forever)))
