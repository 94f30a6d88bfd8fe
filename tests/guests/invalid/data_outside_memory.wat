;; Valid to compile, but its data segment lies past its one page of memory:
;; only instantiation finds that out.
(module
  (memory (export "memory") 1)
  (data (i32.const 70000) "out of bounds")
  (func (export "wasmhive_abi_v1"))
  (func (export "handle_message") (param i32 i32) (result i32) (i32.const 0)))
