/* Memory growth: blocks of a few MiB allocated one after another (each
 * one grows linear memory), filled with a pattern, checked later. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCK (3u << 20)

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10;
  uint32_t *blocks[64];
  if (rounds > 64) rounds = 64;
  for (int r = 0; r < rounds; r++) {
    blocks[r] = malloc(BLOCK);
    if (!blocks[r]) {
      printf("out of memory at round %d\n", r);
      return 1;
    }
    uint32_t v = (uint32_t)r * 2654435761u;
    /* Touch every other page only: the rest stays zero, as in real
     * programs, and a snapshot skips it. */
    for (uint32_t i = 0; i < BLOCK / 4; i++) {
      if ((i / 1024) % 2) continue;
      v = v * 1664525u + 1013904223u;
      blocks[r][i] = v;
    }
    uint64_t sum = 0;
    for (int k = 0; k <= r; k++)
      for (uint32_t i = 0; i < BLOCK / 4; i += 97) sum += blocks[k][i];
    printf("round %d sum %llu\n", r, (unsigned long long)sum);
  }
  printf("memory %lu KiB\n", (unsigned long)(__builtin_wasm_memory_size(0) * 64));
  return 0;
}
