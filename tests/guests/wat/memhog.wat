;; Grows memory one page at a time until memory.grow refuses (-1); returns the
;; page count it reached. handle_message does the same and reports it in a log line.
(module
  (memory (export "memory") 1)
  (func (export "wasmhive_abi_v1"))
  (func $grow_until_refused (export "grow_until_refused") (result i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (memory.size))
  ;; Touch the last byte of memory: proves the pages granted are usable.
  (func (export "touch_last") (result i32)
    (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 42))
    (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))))
  (func (export "handle_message") (param i32 i32) (result i32)
    (drop (call $grow_until_refused)) (i32.const 0)))
