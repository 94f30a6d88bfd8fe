;; Globals of every kind, for reading and writing them from the host
;; (Instance::global, set_global), growing memory (grow_memory) and exporting
;; the unexported ones (hibernation::export_mutable_globals). No imports, so
;; tests instantiate it with no host functions. Global indices:
;;   0 $counter (mut i32), not exported   4 "f64" (mut f64)
;;   1 "i32" (mut i32)                    5 "const" i32, immutable
;;   2 "i64" (mut i64)                    6 "v128" (mut v128)
;;   3 "f32" (mut f32)                    7 "ref" (mut funcref)
(module
  (global $counter (mut i32) (i32.const 0))
  (global $i32 (export "i32") (mut i32) (i32.const -7))
  (global $i64 (export "i64") (mut i64) (i64.const -8000000000))
  (global $f32 (export "f32") (mut f32) (f32.const 1.5))
  (global $f64 (export "f64") (mut f64) (f64.const -2.25))
  (global (export "const") i32 (i32.const 42))
  (global (export "v128") (mut v128) (v128.const i32x4 1 2 3 4))
  (global (export "ref") (mut funcref) (ref.null func))
  (memory (export "memory") 1 4)
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
  ;; The globals as the guest sees them, floats as their bit patterns.
  (func (export "get_i32") (result i32) (global.get $i32))
  (func (export "get_i64") (result i64) (global.get $i64))
  (func (export "get_f32_bits") (result i32) (i32.reinterpret_f32 (global.get $f32)))
  (func (export "get_f64_bits") (result i64) (i64.reinterpret_f64 (global.get $f64)))
  (func (export "set_i32") (param i32) (global.set $i32 (local.get 0)))
  (func (export "set_i64") (param i64) (global.set $i64 (local.get 0)))
  (func (export "set_f32_bits") (param i32) (global.set $f32 (f32.reinterpret_i32 (local.get 0))))
  (func (export "set_f64_bits") (param i64) (global.set $f64 (f64.reinterpret_i64 (local.get 0))))
  (func (export "pages") (result i32) (memory.size))
  ;; Writes and reads back the last byte of memory: the pages are usable.
  (func (export "touch_last") (result i32)
    (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 42))
    (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))))
