/* Deep and branching recursion: a linear recursion thousands of frames
 * deep (so snapshots hold long call stacks), Ackermann and a recursive
 * Fibonacci. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned long long deep(unsigned n,
                                                         unsigned long long a) {
  if (n == 0) return a;
  unsigned long long r = deep(n - 1, a * 6364136223846793005ull + n);
  return r ^ (r >> 7) ^ n;
}

__attribute__((noinline)) static unsigned ack(unsigned m, unsigned n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

__attribute__((noinline)) static unsigned fib(unsigned n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 12;
  for (int r = 0; r < rounds; r++) {
    unsigned long long d = 0;
    for (int k = 0; k < 20; k++) d ^= deep(3000 + (unsigned)r * 50, d + k);
    printf("round %d deep %016llx ack %u fib %u\n", r, d, ack(2, 500 + r),
           fib(22 + r % 3));
  }
  return 0;
}
