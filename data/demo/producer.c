/* Demo: publishes the numbers 1, 2, 3... as messages on a channel, one
 * write per message. Usage: producer [CHANNEL [COUNT [INTERVAL_MS]]]
 * (defaults: demo/numbers, 0 = forever, 1000). Start it with
 * `--channel CHANNEL:w`: /ch/CHANNEL is all of the network it has. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *ch = argc > 1 ? argv[1] : "demo/numbers";
  long count = argc > 2 ? atol(argv[2]) : 0;
  long ms = argc > 3 ? atol(argv[3]) : 1000;
  char path[256];
  snprintf(path, sizeof path, "/ch/%s", ch);
  int fd = open(path, O_WRONLY);
  if (fd < 0) {
    perror(path);
    return 1;
  }
  for (long i = 1; count == 0 || i <= count; i++) {
    char msg[32];
    int len = snprintf(msg, sizeof msg, "%ld", i);
    if (write(fd, msg, (size_t)len) != len) {
      perror("write");
      return 1;
    }
    if (ms > 0) {
      struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  printf("sent %ld\n", count);
  return 0;
}
