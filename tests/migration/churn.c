/* Test program for pre-copy migration (tests/migration/test_precopy.py).
 *
 *   churn TICKS MS MIB   keeps rewriting a heap of MIB MiB while it runs:
 *                        every tick it rewrites some 4 KiB chunks, zeroes
 *                        others and now and then grows the heap, then
 *                        prints a sample of it; at the end, a hash of all
 *                        of it. A migration that lost a write, a zeroed
 *                        chunk or a grown page prints something else.
 *   churn echo MS        echoes stdin lines one per MS milliseconds, then
 *                        "eof": input that reached a runtime before the
 *                        program read it must follow it when it moves.
 * Its output depends only on its arguments and input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 4096
#define GROW_EVERY 40
#define GROW_BYTES (512 * 1024)
#define MAX_GROWN 64

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void nap(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static void fill(unsigned char *p, size_t n, uint64_t seed)
{
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = seed ^ (i * 0x2545f4914f6cdd1dull);
    memcpy(p + i, &v, 8);
  }
}

static int churn(long ticks, long ms, long mib)
{
  size_t size = (size_t)mib << 20, nchunks = size / CHUNK;
  unsigned char *heap = malloc(size), *grown[MAX_GROWN];
  int ngrown = 0;
  uint64_t h = 0xcbf29ce484222325ull;

  if (!heap || nchunks == 0) {
    fprintf(stderr, "churn: cannot hold %ld MiB\n", mib);
    return 1;
  }
  fill(heap, size, 1);
  for (long t = 1; t <= ticks; t++) {
    for (int k = 0; k < 16; k++) {
      size_t c = next() % nchunks;
      if (k % 4 == 0)
        memset(heap + c * CHUNK, 0, CHUNK);     /* became zero */
      else
        fill(heap + c * CHUNK, CHUNK, next());
    }
    if (t % GROW_EVERY == 0 && ngrown < MAX_GROWN) {
      grown[ngrown] = malloc(GROW_BYTES);        /* memory.grow */
      if (!grown[ngrown])
        return 1;
      fill(grown[ngrown++], GROW_BYTES, (uint64_t)t);
    }
    uint64_t sample = 0;
    for (int k = 0; k < 64; k++)
      sample += heap[next() % size];
    printf("tick %ld %llu\n", t, (unsigned long long)sample);
    fflush(stdout);
    if (ms > 0)
      nap(ms);
  }
  h = fnv(h, heap, size);
  for (int i = 0; i < ngrown; i++)
    h = fnv(h, grown[i], GROW_BYTES);
  printf("heap %016llx\n", (unsigned long long)h);
  return 0;
}

static int echo(long ms)
{
  char line[4096];

  while (fgets(line, sizeof line, stdin)) {
    printf("echo: %s", line);
    fflush(stdout);
    if (ms > 0)
      nap(ms);
  }
  printf("eof\n");
  return 0;
}

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "echo") == 0)
    return echo(argc > 2 ? atol(argv[2]) : 0);
  return churn(argc > 1 ? atol(argv[1]) : 100, argc > 2 ? atol(argv[2]) : 10,
               argc > 3 ? atol(argv[3]) : 8);
}
