;; Functions whose fuel cost under engine/fuel_meter.h is known by hand (the
;; comments count it), plus code that runs forever without fuel.
(module
  (memory (export "memory") 1)
  (func (export "wasmhive_abi_v1"))
  (func (export "handle_message") (param i32 i32) (result i32) (i32.const 0))

  ;; 5: add, mul, local.get, two consts.
  (func (export "straight") (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.const 1)))

  ;; Function body 2 (loop, local.get; blocks are free), loop body 9 (br_if,
  ;; ge_u, 2 local.get, local.set, add, local.get, const, br) charged n + 1
  ;; times: 11 + 9n.
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i))

  ;; Body 2 (if, local.get), then 1, else 3.
  (func (export "branches") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.const 10))
      (else (i32.add (i32.const 1) (i32.const 2)))))

  (func (export "spin") (loop $forever (br $forever)))

  ;; 6 per call, and no base case.
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))

  ;; Traps by itself: not out of fuel. 1.
  (func (export "trap") (unreachable)))
