/* Demo program: sleeps and wakes.
 *
 *   sleeper [SECONDS [TIMES]]
 *
 * sleeps SECONDS (default 5), prints "woke up N", TIMES times (default 0:
 * forever). A sleeping module uses no CPU; it can be stopped or migrated in
 * the middle of its sleep, which goes on where it left off. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  long secs = argc > 1 ? atol(argv[1]) : 5;
  long times = argc > 2 ? atol(argv[2]) : 0;

  for (long i = 1; times == 0 || i <= times; i++) {
    sleep((unsigned)secs);
    printf("woke up %ld\n", i);
    fflush(stdout);
  }
  return 0;
}
