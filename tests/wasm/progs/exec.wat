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
  (func (export "count") (result i32) (global.get $count))
  ;; byte order (test_byte_order): memory is little-endian on every host
  ;; and v128 lanes are numbered from the low end
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load16s") (param i32) (result i32) (i32.load16_s (local.get 0)))
  (func (export "v128store") (param i32)
    (v128.store (local.get 0)
      (v128.const i32x4 0x03020100 0x07060504 0x0b0a0908 0x0f0e0d0c)))
  ;; lane 1 of the 16-bit lanes of memory at the address
  (func (export "lane16") (param i32) (result i32)
    (i16x8.extract_lane_u 1 (v128.load (local.get 0))))
  ;; the bytes 0..15 as i64 lane 1, and reversed by a shuffle as i32 lane 0
  (func (export "lane64") (result i64)
    (i64x2.extract_lane 1 (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)))
  (func (export "shuffle") (result i32)
    (i32x4.extract_lane 0
      (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0
        (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
        (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)))))
