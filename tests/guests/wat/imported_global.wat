;; A global imported before the module's own, for global index spaces: the
;; imported one is index 0, then 1 "own" (mut i64), 2 (mut f32, not exported),
;; 3 immutable f64.
(module
  (import "env" "shared" (global $shared (mut i32)))
  (global $own (export "own") (mut i64) (i64.const 5))
  (global $hidden (mut f32) (f32.const 0.5))
  (global $fixed f64 (f64.const 3.0))
  (export "shared" (global $shared))
  (export "fixed" (global $fixed))
  (func (export "sum") (result i64)
    (i64.add (global.get $own) (i64.extend_i32_s (global.get $shared)))))
