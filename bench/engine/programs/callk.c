/* A call-heavy kernel: recursive Fibonacci, Ackermann and a recursive
 * tree build and walk; nothing inlined away. */
#include "bench.h"

#define NOINLINE __attribute__((noinline))

NOINLINE static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

NOINLINE static uint32_t ack(uint32_t m, uint32_t n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

NOINLINE static uint64_t tree(uint32_t depth, uint64_t seed) {
  if (depth == 0) return seed * 2654435761u;
  return tree(depth - 1, seed * 3 + 1) ^ (tree(depth - 1, seed * 5 + 2) >> 1);
}

static uint64_t bench(unsigned scale) {
  uint64_t s = 0;
  for (unsigned it = 0; it < scale; it++) {
    s += fib(32 + it % 2);
    s += ack(2, 400 + it);  /* deeper overflows wasm-interp's call stack */
    s ^= tree(19, it);
  }
  return s;
}
