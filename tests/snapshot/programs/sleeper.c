/* Sleeping: rounds of a little work and a 60 ms sleep, so snapshots land
 * inside sleeps. The monotonic clock must never go back and each sleep
 * must last at least what was asked, also across a snapshot. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10;
  uint64_t prev = now_ns(), h = 7;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < 20000; i++) h = h * 31 + (uint64_t)i;
    uint64_t t0 = now_ns();
    usleep(60000);
    uint64_t t1 = now_ns();
    printf("round %d hash %llu monotonic %s slept %s\n", r,
           (unsigned long long)h, t0 >= prev ? "ok" : "BACKWARDS",
           t1 - t0 >= 60000000ull ? "enough" : "SHORT");
    prev = t1;
  }
  return 0;
}
