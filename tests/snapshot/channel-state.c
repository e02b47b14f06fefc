/* channel-state: channel queues in a snapshot must read back on a host of
 * another byte order or word size (the "ARTSCHN1" state is little-endian
 * u64 fields and raw message bytes).
 *
 *   channel-state make FILE    a set of channels with queued messages,
 *                              publishers and counters, saved into FILE
 *   channel-state check FILE   FILE restored, saved again (must give the
 *                              same bytes), then drained
 *
 * Both print the restored state (stats, then each queued message's length
 * and checksum), so `make` on one host and `check` on another must print
 * the same lines; tests/snapshot/cross-endian.sh's hosts run it, e.g.
 *   x86$ channel-state make c.state > a.txt
 *   s390x$ channel-state check c.state > b.txt && cmp a.txt b.txt
 * Built against agent/wasi alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasi-channel.h"

static const wasi_channel_spec specs[] = {
  {"sensors/in", WASI_CH_READ},
  {"cmd", WASI_CH_READ | WASI_CH_WRITE},
  {"log/out", WASI_CH_WRITE},
};

static wasi_channels *make(char *err, size_t errlen) {
  wasi_channel_limits lim = {.msg_max = 4096, .queue_max = 64};
  wasi_channels *set = wasi_channels_new("module-7f3a", specs, 3, &lim, err,
                                         errlen);
  if (!set) return NULL;
  uint8_t buf[1000];
  for (int i = 0; i < 12; i++) {  /* lengths 0..990, bytes from i */
    size_t len = (size_t)(i * 90);
    for (size_t k = 0; k < len; k++) buf[k] = (uint8_t)(k * 7 + (size_t)i);
    wasi_channel_deliver(set, i % 3 ? "sensors/in" : "cmd",
                         i % 2 ? "pub-a" : "pub-b", 1000 + (uint64_t)i, buf,
                         len);
  }
  wasi_channel_deliver(set, "cmd", "pub-a", 1003, buf, 5);  /* a duplicate */
  char big[5000] = {0};
  wasi_channel_deliver(set, "cmd", "pub-c", 1, big, sizeof big);  /* dropped */
  wasi_channel_send(set, 2, "hello", 5);
  long n = wasi_channel_recv(set, 1, buf, 3, 0);  /* truncated */
  (void)n;
  return set;
}

static uint32_t checksum(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

/* Stats of every channel, then its queue drained, one line a message. */
static void drain(wasi_channels *set) {
  uint8_t buf[4096];
  for (size_t i = 0; i < wasi_channels_count(set); i++) {
    wasi_channel_stats s;
    wasi_channels_stats(set, i, &s);
    printf("%s mode %u in %llu/%llu out %llu/%llu dropped %llu truncated "
           "%llu queued %llu\n", wasi_channels_name(set, i),
           wasi_channels_mode(set, i), (unsigned long long)s.msgs_in,
           (unsigned long long)s.bytes_in, (unsigned long long)s.msgs_out,
           (unsigned long long)s.bytes_out, (unsigned long long)s.dropped,
           (unsigned long long)s.truncated, (unsigned long long)s.queued);
    if (!(wasi_channels_mode(set, i) & WASI_CH_READ)) continue;
    long n;
    while ((n = wasi_channel_recv(set, i, buf, sizeof buf, 0)) >= 0)
      printf("  %ld bytes %08x\n", n, checksum(buf, (size_t)n));
  }
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *b = malloc(1 << 20);
  *len = b ? fread(b, 1, 1 << 20, f) : 0;
  fclose(f);
  return b;
}

int main(int argc, char **argv) {
  char err[256];
  if (argc != 3 || (strcmp(argv[1], "make") && strcmp(argv[1], "check"))) {
    fprintf(stderr, "usage: channel-state make|check FILE\n");
    return 2;
  }
  uint8_t *saved = NULL, *again = NULL;
  size_t len = 0, len2 = 0;
  int rc = 1;
  wasi_channels *set = NULL;
  if (!strcmp(argv[1], "make")) {
    FILE *f;
    if (!(set = make(err, sizeof err)) ||
        wasi_channels_save(set, &saved, &len, err, sizeof err) < 0)
      goto fail;
    wasi_channels_free(set);
    set = NULL;
    if (!(f = fopen(argv[2], "wb")) || fwrite(saved, 1, len, f) != len ||
        fclose(f) != 0) {
      snprintf(err, sizeof err, "%s: cannot write", argv[2]);
      goto fail;
    }
  } else if (!(saved = read_file(argv[2], &len))) {
    snprintf(err, sizeof err, "%s: cannot read", argv[2]);
    goto fail;
  }
  if (!(set = wasi_channels_restore(saved, len, err, sizeof err)) ||
      wasi_channels_save(set, &again, &len2, err, sizeof err) < 0)
    goto fail;
  if (len2 != len || memcmp(again, saved, len) != 0) {
    snprintf(err, sizeof err, "saved again, the state differs");
    goto fail;
  }
  drain(set);
  rc = 0;
  goto out;
fail:
  fprintf(stderr, "channel-state: %s\n", err);
out:
  wasi_channels_free(set);
  free(saved);
  free(again);
  return rc;
}
