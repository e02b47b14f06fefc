/* Integer work: a sieve, a 64-bit mixing hash and Collatz lengths, with a
 * progress line every round; ends with exit status 3 to check that a
 * resumed run reports the program's status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 33);
}

static unsigned sieve(unsigned n) {
  static unsigned char comp[200001];
  memset(comp, 0, n + 1);
  unsigned count = 0;
  for (unsigned i = 2; i <= n; i++) {
    if (comp[i]) continue;
    count++;
    for (unsigned j = i * 2; j <= n; j += i) comp[j] = 1;
  }
  return count;
}

static unsigned collatz(uint64_t n) {
  unsigned steps = 0;
  while (n != 1) {
    n = n & 1 ? 3 * n + 1 : n / 2;
    steps++;
  }
  return steps;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  uint64_t h = 1;
  for (int r = 0; r < rounds; r++) {
    unsigned primes = sieve(50000 + (unsigned)r * 1000);
    unsigned best = 0;
    for (uint64_t n = 1; n < 3000; n++) {
      unsigned c = collatz(n + (uint64_t)r * 3000);
      if (c > best) best = c;
      h = mix(h ^ c);
    }
    int32_t s = (int32_t)h;
    printf("round %d primes %u collatz %u hash %016llx div %d rem %d\n", r,
           primes, best, (unsigned long long)h, s / 7, s % 7);
  }
  return 3;
}
