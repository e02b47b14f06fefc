/* A memory-bound kernel over 8 MiB: a random pointer chase (latency),
 * a streaming triad and a strided histogram. */
#include "bench.h"

#define WORDS (2u << 20)  /* 8 MiB of uint32_t */

static uint32_t a[WORDS];
static uint32_t hist[4096];

static uint64_t bench(unsigned scale) {
  /* A single random cycle through all words (Sattolo's shuffle). */
  uint32_t seed = 42;
  for (uint32_t i = 0; i < WORDS; i++) a[i] = i;
  for (uint32_t i = WORDS - 1; i > 0; i--) {
    seed = seed * 1664525u + 1013904223u;
    uint32_t j = seed % i;
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  uint64_t sum = 0;
  uint32_t p = 0;
  for (unsigned it = 0; it < scale * 3; it++) {
    for (uint32_t k = 0; k < (1u << 18); k++) p = a[p];
    sum += p;
    for (uint32_t i = 0; i + 2 < WORDS; i += 1) sum += a[i] ^ (a[i + 1] + 3 * a[i + 2]);
    for (uint32_t i = 0; i < WORDS; i += 61) hist[a[i] & 4095]++;
  }
  for (int i = 0; i < 4096; i++) sum += hist[i] * (uint64_t)i;
  return sum;
}
