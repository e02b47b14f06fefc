/* Pre-copy: fills a block of memory (MiB from argv[1], default 8), then
 * changes a few chunks, writes zeros over others and grows memory, then
 * checks it all. A line after each phase lets a test pause it there: the
 * memory image is taken after the first, the delta after the second. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t sum(const uint64_t *p, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

int main(int argc, char **argv) {
  size_t n = (size_t)(argc > 1 ? atoi(argv[1]) : 8) << 20;
  uint64_t *a = malloc(n);
  if (!a) return 1;
  uint64_t v = 88172645463325252ull;
  for (size_t i = 0; i < n / 8; i++) {
    v ^= v << 13;
    v ^= v >> 7;
    v ^= v << 17;
    a[i] = v;
  }
  printf("filled %zu MiB, sum %llu\n", n >> 20,
         (unsigned long long)sum(a, n / 8));
  fflush(stdout);

  /* A few scattered changes, zeros over filled chunks, a larger memory. */
  for (size_t i = 0; i < 16; i++) a[(i * 7919 * 512 + 3) % (n / 8)] ^= 0x5a;
  memset((char *)a + n / 2, 0, 64 << 10);
  uint64_t *b = malloc(256 << 10);
  if (!b) return 1;
  memset(b, 0x33, 256 << 10);
  printf("changed, sum %llu\n", (unsigned long long)sum(a, n / 8));
  fflush(stdout);

  a[n / 16] += 1;
  printf("end, sums %llu %llu\n", (unsigned long long)sum(a, n / 8),
         (unsigned long long)sum(b, (256 << 10) / 8));
  return 0;
}
