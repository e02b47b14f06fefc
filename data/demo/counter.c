/* Demo program: counts, one line per tick.
 *
 *   counter [N [MS [MIB]]]
 *
 * prints "count 1" .. "count N" (N = 0: forever), MS milliseconds apart
 * (default 1000), holding MIB MiB of filled heap (default 0) so that a
 * migration has that much linear memory to move. Its output depends only on
 * its arguments: a run that was migrated prints exactly what an unmigrated
 * run prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void nap(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 0;
  long ms = argc > 2 ? atol(argv[2]) : 1000;
  long mib = argc > 3 ? atol(argv[3]) : 0;
  unsigned char *heap = NULL;
  unsigned long sum = 0;

  if (mib > 0) {
    heap = malloc((size_t)mib << 20);
    if (!heap) {
      fprintf(stderr, "counter: cannot hold %ld MiB\n", mib);
      return 1;
    }
    for (size_t i = 0; i < ((size_t)mib << 20); i++)
      heap[i] = (unsigned char)(i * 31 + 7);
  }
  for (long i = 1; n == 0 || i <= n; i++) {
    /* The heap is part of the state: a restore that lost it shows here. */
    if (heap)
      sum += heap[((size_t)i * 4099) % ((size_t)mib << 20)];
    if (heap)
      printf("count %ld (%lu)\n", i, sum);
    else
      printf("count %ld\n", i);
    fflush(stdout);
    if (ms > 0)
      nap(ms);
  }
  free(heap);
  return 0;
}
