/* Channel round trips between two modules.
 *   pingpong pong N          echoes N messages from bench/ping to bench/pong
 *   pingpong ping N SIZE W   sends N messages of SIZE bytes on bench/ping;
 *                            first one at a time (latency), then with W in
 *                            flight (throughput); prints the figures.
 * The pong side must echo 2 N messages. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int open_or_die(const char *path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) {
    perror(path);
    exit(1);
  }
  return fd;
}

static void pong(long n) {
  int in = open_or_die("/ch/bench/ping", O_RDONLY);
  int out = open_or_die("/ch/bench/pong", O_WRONLY);
  static char buf[65536];
  for (long i = 0; i < n; i++) {
    ssize_t k = read(in, buf, sizeof buf);
    if (k < 0 || write(out, buf, (size_t)k) != k) {
      perror("pong");
      exit(1);
    }
  }
}

static void ping(long n, size_t size, long window) {
  int out = open_or_die("/ch/bench/ping", O_WRONLY);
  int in = open_or_die("/ch/bench/pong", O_RDONLY);
  char *buf = calloc(1, size + 1);
  double *lat = calloc((size_t)n, sizeof(double));
  memset(buf, 'x', size);
  for (long i = 0; i < n; i++) {
    double t0 = now_us();
    if (write(out, buf, size) != (ssize_t)size ||
        read(in, buf, size + 1) != (ssize_t)size) {
      perror("ping");
      exit(1);
    }
    lat[i] = now_us() - t0;
  }
  qsort(lat, (size_t)n, sizeof(double), cmp);
  printf("latency_us median %.0f p90 %.0f p99 %.0f (n=%ld, %zu bytes)\n",
         lat[n / 2], lat[n * 9 / 10], lat[n * 99 / 100], n, size);
  double t0 = now_us();
  long sent = 0, got = 0;
  while (sent < n && sent < window) {
    if (write(out, buf, size) != (ssize_t)size) exit(1);
    sent++;
  }
  while (got < n) {
    if (read(in, buf, size + 1) != (ssize_t)size) exit(1);
    got++;
    if (sent < n) {
      if (write(out, buf, size) != (ssize_t)size) exit(1);
      sent++;
    }
  }
  double s = (now_us() - t0) / 1e6;
  printf("throughput msgs_per_s %.0f bytes_per_s %.0f (window %ld)\n",
         (double)n / s, (double)n * (double)size / s, window);
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "pong")) {
    pong(atol(argv[2]));
    return 0;
  }
  if (argc >= 5 && !strcmp(argv[1], "ping")) {
    ping(atol(argv[2]), (size_t)atol(argv[3]), atol(argv[4]));
    return 0;
  }
  fprintf(stderr, "usage: pingpong pong N | ping N SIZE WINDOW\n");
  return 2;
}
