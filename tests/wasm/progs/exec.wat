;; Programs for test-exec.c: loops with calls (pause points), deep
;; recursion, memory growth.
(module
  (memory 1)
  (global $count (mut i32) (i32.const 0))
  (func $inc (param i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.add (local.get 0) (i32.const 1)))
  ;; sum of inc(i) for i < n, i.e. n(n+1)/2
  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (local.set $acc
          (i64.add (local.get $acc) (i64.extend_i32_u (call $inc (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $acc))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; fib again, recursing through the table (callers paused in call_indirect)
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $ifib)
  (func $ifib (export "ifib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add
        (call_indirect (type $t) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0))
        (call_indirect (type $t) (i32.sub (local.get $n) (i32.const 2)) (i32.const 0))))))
  (func $down (export "down") (param i32) (result i32)
    (call $down (i32.add (local.get 0) (i32.const 1))))
  (func (export "spin") (loop $l (br $l)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "count") (result i32) (global.get $count)))
