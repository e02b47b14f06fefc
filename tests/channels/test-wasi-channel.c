/* The engine's channel core alone: modes, message boundaries, limits and
 * their counters, nonblocking and timed reads, a delivery from another
 * thread waking a reader, exactly-once bookkeeping by (publisher, seq),
 * and save/restore with queued messages, including hostile bytes. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasi-channel.h"

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
  __FILE__, __LINE__, #c); failures++; } } while (0)

/* A backend that records what was published. */
typedef struct {
  int n;
  char name[64], src[64], last[256];
  size_t len;
  uint64_t seq;
} sent_log;

static int record(void *ctx, const char *name, const void *buf, size_t len,
                  const char *src, uint64_t seq) {
  sent_log *l = ctx;
  l->n++;
  snprintf(l->name, sizeof l->name, "%s", name);
  snprintf(l->src, sizeof l->src, "%s", src);
  l->len = len < sizeof l->last ? len : sizeof l->last;
  memcpy(l->last, buf, l->len);
  l->seq = seq;
  return 0;
}

static wasi_channels *make(size_t msg_max, size_t queue_max) {
  wasi_channel_spec specs[] = {
    {"in", WASI_CH_READ}, {"out/x", WASI_CH_WRITE}, {"both", WASI_CH_READ |
                                                     WASI_CH_WRITE}};
  wasi_channel_limits lim = {msg_max, queue_max};
  char err[128];
  wasi_channels *s = wasi_channels_new("me", specs, 3, &lim, err, sizeof err);
  if (!s) fprintf(stderr, "new: %s\n", err);
  return s;
}

static void test_specs(void) {
  char err[128];
  const char *bad[] = {"", "/a", "a/", "a//b", "a/../b", "..", ".", "a+b",
                       "a#", "x y", "a/./b", "\xc3\xa9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    wasi_channel_spec s = {bad[i], WASI_CH_READ};
    CHECK(!wasi_channels_new("me", &s, 1, NULL, err, sizeof err));
  }
  char longname[130];
  memset(longname, 'a', 129);
  longname[129] = 0;
  wasi_channel_spec l = {longname, WASI_CH_READ};
  CHECK(!wasi_channels_new("me", &l, 1, NULL, err, sizeof err));
  longname[128] = 0;
  wasi_channels *ok = wasi_channels_new("me", &l, 1, NULL, err, sizeof err);
  CHECK(ok);
  wasi_channels_free(ok);
  wasi_channel_spec twice[] = {{"a", WASI_CH_READ}, {"a", WASI_CH_WRITE}};
  CHECK(!wasi_channels_new("me", twice, 2, NULL, err, sizeof err));
  wasi_channel_spec mode = {"a", 4};
  CHECK(!wasi_channels_new("me", &mode, 1, NULL, err, sizeof err));
  wasi_channel_spec dots = {"a.b/..c/d-_9", WASI_CH_READ};
  ok = wasi_channels_new("me", &dots, 1, NULL, err, sizeof err);
  CHECK(ok);
  wasi_channels_free(ok);
}

static void test_send(void) {
  wasi_channels *s = make(16, 4);
  sent_log log = {0};
  char buf[32] = "hello";
  CHECK(wasi_channel_send(s, 1, buf, 5) == -EIO);  /* no backend yet */
  wasi_channel_backend b = {&log, record};
  wasi_channels_set_backend(s, &b);
  CHECK(wasi_channel_send(s, 0, buf, 5) == -EBADF);  /* read-only */
  CHECK(wasi_channel_send(s, 1, buf, 5) == 0);
  CHECK(log.n == 1 && !strcmp(log.name, "out/x") && !strcmp(log.src, "me"));
  CHECK(log.len == 5 && !memcmp(log.last, "hello", 5));
  uint64_t first = log.seq;
  CHECK(wasi_channel_send(s, 2, buf, 0) == 0);  /* empty message is one */
  CHECK(log.n == 2 && log.seq > first && log.len == 0);
  CHECK(wasi_channel_send(s, 1, buf, 17) == -EMSGSIZE);
  CHECK(wasi_channel_send(s, 1, buf, 16) == 0);
  CHECK(wasi_channel_send(s, 7, buf, 1) == -EBADF);
  wasi_channel_stats st;
  wasi_channels_stats(s, 1, &st);
  CHECK(st.msgs_out == 2 && st.bytes_out == 21);
  wasi_channels_free(s);
}

static void test_recv(void) {
  wasi_channels *s = make(16, 3);
  char buf[32];
  CHECK(wasi_channel_recv(s, 0, buf, sizeof buf, 0) == -EAGAIN);
  CHECK(wasi_channel_recv(s, 1, buf, sizeof buf, 0) == -EBADF);  /* w only */
  CHECK(wasi_channel_deliver(s, "in", "p", 1, "one", 3) == 1);
  CHECK(wasi_channel_deliver(s, "in", "p", 2, "two!", 4) == 1);
  CHECK(wasi_channel_deliver(s, "in", "p", 3, "", 0) == 1);
  CHECK(wasi_channel_deliver(s, "in", "p", 4, "four", 4) == -1);  /* full */
  CHECK(wasi_channel_deliver(s, "in", "p", 5, buf, 17) == -1);  /* big */
  CHECK(wasi_channel_deliver(s, "out/x", "p", 1, "x", 1) == 0); /* w only */
  CHECK(wasi_channel_deliver(s, "nope", "p", 1, "x", 1) == 0);
  CHECK(wasi_channel_deliver(s, "in", "me", 9, "x", 1) == 0);  /* own */
  CHECK(wasi_channel_peek(s, 0) == 3);
  CHECK(wasi_channel_recv(s, 0, buf, sizeof buf, 0) == 3);
  CHECK(!memcmp(buf, "one", 3));
  CHECK(wasi_channel_recv(s, 0, buf, 2, 0) == 2);  /* truncated */
  CHECK(!memcmp(buf, "tw", 2));
  CHECK(wasi_channel_recv(s, 0, buf, sizeof buf, 0) == 0);  /* empty msg */
  CHECK(wasi_channel_recv(s, 0, buf, sizeof buf, 20) == -EAGAIN);
  wasi_channel_stats st;
  wasi_channels_stats(s, 0, &st);
  CHECK(st.msgs_in == 3 && st.bytes_in == 7 && st.dropped == 2);
  CHECK(st.truncated == 1 && st.queued == 0);
  wasi_channels_free(s);
}

static void test_flood(void) {
  wasi_channels *s = make(8, 1024);
  int queued = 0, dropped = 0;
  for (uint64_t i = 1; i <= 100000; i++) {
    int r = wasi_channel_deliver(s, "in", "p", i, "12345678", 8);
    if (r == 1) queued++;
    else if (r == -1) dropped++;
  }
  CHECK(queued == 1024 && dropped == 100000 - 1024);
  wasi_channel_stats st;
  wasi_channels_stats(s, 0, &st);
  CHECK(st.queued == 1024 && st.dropped == 100000 - 1024);
  wasi_channels_free(s);
}

static void test_dedup(void) {
  wasi_channels *s = make(16, 100);
  CHECK(wasi_channel_deliver(s, "in", "a", 5, "a5", 2) == 1);
  CHECK(wasi_channel_deliver(s, "in", "a", 5, "a5", 2) == 0);
  CHECK(wasi_channel_deliver(s, "in", "a", 3, "a3", 2) == 0);
  CHECK(wasi_channel_deliver(s, "in", "b", 1, "b1", 2) == 1);  /* own seqs */
  CHECK(wasi_channel_deliver(s, "both", "a", 1, "x", 1) == 1); /* per chan */
  CHECK(wasi_channel_deliver(s, "in", "a", 6, "a6", 2) == 1);
  CHECK(wasi_channel_deliver(s, "in", "bad id", 7, "x", 1) == 0);
  wasi_channel_stats st;
  wasi_channels_stats(s, 0, &st);
  CHECK(st.queued == 3);
  /* A wait on one channel is not woken by another's messages. */
  CHECK(!wasi_channel_wait(s, 1, 0));
  CHECK(!wasi_channel_wait_mask(s, 1u << 1, 20));
  CHECK(wasi_channel_wait_mask(s, 1u << 1 | 1u << 2, 0));
  CHECK(wasi_channel_wait(s, 2, 0) && wasi_channel_wait(s, SIZE_MAX, 0));
  wasi_channels_free(s);
}

typedef struct {
  wasi_channels *s;
  int n;
} feeder;

static void *feed(void *arg) {
  feeder *f = arg;
  for (int i = 1; i <= f->n; i++) {
    char m[16];
    int len = snprintf(m, sizeof m, "%d", i);
    while (wasi_channel_deliver(f->s, "in", "p", (uint64_t)i, m,
                                (size_t)len) != 1)
      usleep(100);  /* never taken: the queue is large enough */
    if (i % 100 == 0) usleep(1000);
  }
  return NULL;
}

static void test_threads(void) {
  wasi_channels *s = make(16, 1000000);
  feeder f = {s, 5000};
  pthread_t t;
  pthread_create(&t, NULL, feed, &f);
  int next = 1, bad = 0;
  while (next <= f.n) {
    char buf[16];
    if (!wasi_channel_wait(s, SIZE_MAX, 10)) continue;
    long r = wasi_channel_recv(s, 0, buf, sizeof buf - 1, 0);
    if (r < 0) continue;
    buf[r] = 0;
    if (atoi(buf) != next) bad++;
    next++;
  }
  pthread_join(t, NULL);
  CHECK(bad == 0);
  wasi_channels_free(s);
}

static void test_save_restore(void) {
  wasi_channels *s = make(16, 10);
  sent_log log = {0};
  wasi_channel_backend b = {&log, record};
  wasi_channels_set_backend(s, &b);
  wasi_channel_send(s, 1, "x", 1);
  wasi_channel_send(s, 1, "y", 1);
  wasi_channel_deliver(s, "in", "a", 10, "m10", 3);
  wasi_channel_deliver(s, "in", "a", 11, "m11", 3);
  wasi_channel_deliver(s, "both", "b", 4, "b4", 2);
  char err[128];
  uint8_t *bytes;
  size_t len;
  CHECK(wasi_channels_save(s, &bytes, &len, err, sizeof err) == 0);
  uint64_t seq_before = log.seq;
  wasi_channels *r = wasi_channels_restore(bytes, len, err, sizeof err);
  CHECK(r);
  if (r) {
    CHECK(wasi_channels_count(r) == 3 && wasi_channels_find(r, "out/x") == 1);
    CHECK(wasi_channels_mode(r, 2) == (WASI_CH_READ | WASI_CH_WRITE));
    /* What the target buffered while the module moved: the snapshot
     * already holds 10 and 11 from a, 4 from b. */
    CHECK(wasi_channel_deliver(r, "in", "a", 11, "m11", 3) == 0);
    CHECK(wasi_channel_deliver(r, "in", "a", 12, "m12", 3) == 1);
    CHECK(wasi_channel_deliver(r, "both", "b", 4, "b4", 2) == 0);
    char buf[8];
    const char *want[] = {"m10", "m11", "m12"};
    for (int i = 0; i < 3; i++) {
      long n = wasi_channel_recv(r, 0, buf, sizeof buf, 0);
      CHECK(n == 3 && !memcmp(buf, want[i], 3));
    }
    CHECK(wasi_channel_recv(r, 0, buf, sizeof buf, 0) == -EAGAIN);
    wasi_channel_stats st;
    wasi_channels_stats(r, 0, &st);
    CHECK(st.msgs_in == 3 && st.bytes_in == 9);
    wasi_channels_set_backend(r, &b);
    wasi_channel_send(r, 1, "z", 1);
    CHECK(log.seq == seq_before + 1);  /* the sequence goes on */
    wasi_channels_free(r);
  }
  /* Every truncation and every single flipped byte is refused or yields
   * a consistent set; none may crash (run under ASan). */
  for (size_t cut = 0; cut < len; cut++)
    CHECK(!wasi_channels_restore(bytes, cut, err, sizeof err));
  for (size_t i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      bytes[i] ^= (uint8_t)(1u << bit);
      wasi_channels *x = wasi_channels_restore(bytes, len, err, sizeof err);
      wasi_channels_free(x);
      bytes[i] ^= (uint8_t)(1u << bit);
    }
  }
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, bytes, len);
  longer[len] = 0;
  CHECK(!wasi_channels_restore(longer, len + 1, err, sizeof err));
  free(longer);
  free(bytes);
  wasi_channels_free(s);
}

int main(void) {
  test_specs();
  test_send();
  test_recv();
  test_flood();
  test_dedup();
  test_threads();
  test_save_restore();
  if (failures) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
