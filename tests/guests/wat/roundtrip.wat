;; Engine basics without the ABI: an export call, an import call with bytes from
;; memory, and i64 values both ways.
(module
  (import "test" "consume" (func $consume (param i32 i32) (result i32)))
  (import "test" "produce" (func $produce (param i32 i32) (result i32)))
  (import "test" "twice" (func $twice (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello, host")
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "nop"))
  (func (export "send_greeting") (result i32) (call $consume (i32.const 100) (i32.const 11)))
  (func (export "consume_at") (param i32 i32) (result i32) (call $consume (local.get 0) (local.get 1)))
  ;; Asks the host to write into [200, 200+len) and returns the byte sum of what it wrote.
  (func (export "fetch_and_sum") (param $len i32) (result i32)
    (local $i i32) (local $sum i32) (local $n i32)
    (local.set $n (call $produce (i32.const 200) (local.get $len)))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (local.get $n))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u (i32.add (i32.const 200) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (local.get $sum))
  (func (export "twice_plus_one") (param i64) (result i64)
    (i64.add (call $twice (local.get 0)) (i64.const 1)))
  ;; Calls the import n times: the guest->host crossing cost, measured by bench/.
  (func (export "call_import_n") (param $n i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (drop (call $twice (i64.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))))
