/* Heap churn: thousands of malloc/realloc/free of pseudo-random sizes,
 * the live set checked after every round. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

static uint32_t rng = 12345;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  unsigned char *slot[SLOTS] = {0};
  size_t size[SLOTS] = {0};
  for (int r = 0; r < rounds; r++) {
    for (int op = 0; op < 20000; op++) {
      unsigned i = next() % SLOTS;
      if (slot[i] && next() % 3 == 0) {
        free(slot[i]);
        slot[i] = NULL;
        size[i] = 0;
      } else {
        size_t n = 1 + next() % (next() % 8 ? 256 : 65536);
        unsigned char *p = realloc(slot[i], n);
        if (!p) return 1;
        if (n > size[i]) memset(p + size[i], (int)(i & 0xff), n - size[i]);
        slot[i] = p;
        size[i] = n;
      }
    }
    uint64_t sum = 0, live = 0;
    for (unsigned i = 0; i < SLOTS; i++) {
      if (!slot[i]) continue;
      live += size[i];
      for (size_t k = 0; k < size[i]; k += 61) sum += slot[i][k] ^ k;
    }
    printf("round %d live %llu sum %llu\n", r, (unsigned long long)live,
           (unsigned long long)sum);
  }
  return 0;
}
