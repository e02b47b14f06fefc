/* A test program for the agent's module tests; one mode per run:
 *   count N MS   print 0..N-1, one line each, sleeping MS ms between
 *                (N = 0: forever)
 *   spin         an endless loop with no calls and no output
 *   sleep S      one long sleep, then "woke"
 *   echo         copy stdin lines back as "echo: LINE"; at EOF print
 *                "eof" and exit 3
 *   trap         print "about to trap", then hit unreachable
 *   exit N       print "bye" on stderr, exit with status N
 *   grow MIB     grow the heap by MIB MiB (touching it), print "grown",
 *                then count forever every 10 ms
 *   hold MIB     the same without touching it (linear memory of that size,
 *                all zero) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

static int count(long n, long ms)
{
  for (long i = 0; n == 0 || i < n; i++) {
    printf("%ld\n", i);
    if (ms)
      nap(ms);
  }
  return 0;
}

int main(int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "count";

  if (strcmp(mode, "count") == 0)
    return count(argc > 2 ? atol(argv[2]) : 10, argc > 3 ? atol(argv[3]) : 0);
  if (strcmp(mode, "spin") == 0) {
    volatile unsigned long x = 0;
    for (;;)
      x++;
  }
  if (strcmp(mode, "sleep") == 0) {
    sleep(argc > 2 ? (unsigned)atoi(argv[2]) : 3600);
    puts("woke");
    return 0;
  }
  if (strcmp(mode, "echo") == 0) {
    char line[256];
    while (fgets(line, sizeof line, stdin))
      printf("echo: %s", line);
    puts("eof");
    return 3;
  }
  if (strcmp(mode, "trap") == 0) {
    puts("about to trap");
    fflush(stdout);
    __builtin_trap();
  }
  if (strcmp(mode, "exit") == 0) {
    fputs("bye\n", stderr);
    return argc > 2 ? atoi(argv[2]) : 0;
  }
  if (strcmp(mode, "grow") == 0 || strcmp(mode, "hold") == 0) {
    size_t n = (size_t)(argc > 2 ? atol(argv[2]) : 1) << 20;
    /* volatile: clang would elide an allocation nobody reads. */
    char *volatile p = malloc(n);
    if (!p)
      return 1;
    memset(p, mode[0] == 'g', n);
    printf("grown %d\n", p[n - 1]);
    return count(0, 10);
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}
