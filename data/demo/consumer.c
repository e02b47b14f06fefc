/* Demo: reads messages from a channel, one read per message, and prints
 * each one on a line; says so when a number is missing or repeated.
 * Usage: consumer [CHANNEL [COUNT]] (defaults: demo/numbers, 0 = forever).
 * Start it with `--channel CHANNEL:r`. The wait is a poll() on the channel
 * and a 5 s timeout, as an event loop would do it. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *ch = argc > 1 ? argv[1] : "demo/numbers";
  long count = argc > 2 ? atol(argv[2]) : 0;
  char path[256];
  snprintf(path, sizeof path, "/ch/%s", ch);
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    perror(path);
    return 1;
  }
  long expect = 1, got = 0, bad = 0;
  while (count == 0 || got < count) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, 5000);
    if (r < 0) {
      perror("poll");
      return 1;
    }
    if (r == 0) {
      printf("idle\n");
      continue;
    }
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) continue;  /* EAGAIN: taken by nobody else, but be calm */
    buf[n] = 0;
    long v = atol(buf);
    if (v != expect) {
      printf("%s %ld (expected %ld)\n", v < expect ? "repeated" : "missing",
             v, expect);
      bad++;
    }
    printf("%ld\n", v);
    expect = v + 1;
    got++;
  }
  printf("received %ld, %ld out of order\n", got, bad);
  return bad != 0;
}
