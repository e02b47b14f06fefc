/* Channels as the guest sees them, through the real WASI host functions
 * over plain memory: /ch is a preopen, only listed channels open and only
 * in their modes, one write publishes one message, one read returns one
 * message (blocking, nonblocking, paused), poll_oneoff waits on a channel
 * and a clock, and descriptors and queues survive wasi_save/restore. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-instance.h"
#include "wasi-channel.h"
#include "wasi.h"

#define CHDIR 3  /* no other preopen: /ch is fd 3 */
#define R_READ (1ull << 1)
#define R_WRITE (1ull << 6)
#define WEACCES 2
#define WEAGAIN 6
#define WEBADF 8
#define WENOENT 44
#define WEMSGSIZE 35
#define WENOTDIR 54

static int open_ch(wasi_ctx *ctx, const char *s, uint64_t rights,
                   uint32_t fdflags) {
  uint32_t n = (uint32_t)strlen(s);
  memcpy(mem + 0x1000, s, n);
  int e = call(ctx, "path_open", 9, A(CHDIR), A(0), A(0x1000), A(n), A(0),
               A(rights), A(0), A(fdflags), A(0x2000));
  return e ? -e : (int)ld32(0x2000);
}

/* fd_write of S split over two iovecs (still one message). */
static int write_msg(wasi_ctx *ctx, int fd, const char *s) {
  size_t n = strlen(s), h = n / 2;
  memcpy(mem + 0x3000, s, n);
  st32(0x100, 0x3000); st32(0x104, (uint32_t)h);
  st32(0x108, 0x3000 + (uint32_t)h); st32(0x10c, (uint32_t)(n - h));
  return call(ctx, "fd_write", 4, A(fd), A(0x100), A(2), A(0x200));
}

/* fd_read into one buffer of CAP bytes at 0x4000; -errno or the length. */
static int read_msg(wasi_ctx *ctx, int fd, uint32_t cap) {
  st32(0x100, 0x4000); st32(0x104, cap);
  int e = call(ctx, "fd_read", 4, A(fd), A(0x100), A(1), A(0x200));
  if (last_status != WASM_HOST_OK) return -1000;
  return e ? -e : (int)ld32(0x200);
}

typedef struct {
  int n;
  char last[64];
  uint64_t seq;
} sent_log;

static int record(void *ctx, const char *name, const void *buf, size_t len,
                  const char *src, uint64_t seq) {
  (void)name; (void)src;
  sent_log *l = ctx;
  l->n++;
  snprintf(l->last, sizeof l->last, "%.*s", (int)len, (const char *)buf);
  l->seq = seq;
  return 0;
}

static wasi_ctx *make(sent_log *log) {
  wasi_channel_spec specs[] = {{"in", WASI_CH_READ}, {"out", WASI_CH_WRITE},
                               {"a/b", WASI_CH_READ | WASI_CH_WRITE}};
  wasi_channel_limits lim = {32, 4};
  char err[128];
  wasi_channels *set = wasi_channels_new("self", specs, 3, &lim, err,
                                         sizeof err);
  wasi_channel_backend b = {log, record};
  wasi_channels_set_backend(set, &b);
  wasi_config cfg = {0};
  cfg.channels = set;
  wasi_ctx *ctx = wasi_new(&cfg, err, sizeof err);
  if (!ctx) fprintf(stderr, "wasi_new: %s\n", err);
  return ctx;
}

static void test_open(void) {
  sent_log log = {0};
  wasi_ctx *ctx = make(&log);
  CHECK(call(ctx, "fd_prestat_get", 2, A(CHDIR), A(0x10)) == 0);
  CHECK(ld32(0x14) == 3);
  CHECK(call(ctx, "fd_prestat_dir_name", 3, A(CHDIR), A(0x20), A(3)) == 0);
  CHECK(!memcmp(mem + 0x20, "/ch", 3));
  CHECK(call(ctx, "fd_prestat_get", 2, A(4), A(0x10)) == WEBADF);
  CHECK(open_ch(ctx, "in", R_READ, 0) >= 0);
  CHECK(open_ch(ctx, "in", R_WRITE, 0) == -WEACCES);
  CHECK(open_ch(ctx, "out", R_READ, 0) == -WEACCES);
  CHECK(open_ch(ctx, "a/b", R_READ | R_WRITE, 0) >= 0);
  const char *refused[] = {"other", "../proc/control", "../../lab/proc/reg",
                           "a", "a/b/c", "/in", "in/", "#", "+", ".", ""};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    CHECK(open_ch(ctx, refused[i], R_READ, 0) == -WENOENT);
  /* Other path calls on /ch find no directory of files. */
  memcpy(mem + 0x1000, "x", 1);
  CHECK(call(ctx, "path_create_directory", 3, A(CHDIR), A(0x1000), A(1)) ==
        WENOTDIR);
  wasi_free(ctx);
}

static void test_io(void) {
  sent_log log = {0};
  wasi_ctx *ctx = make(&log);
  wasi_channels *set = wasi_ctx_channels(ctx);
  int in = open_ch(ctx, "in", R_READ, 4 /* NONBLOCK */);
  int out = open_ch(ctx, "out", R_WRITE, 0);
  CHECK(write_msg(ctx, out, "hello world") == 0);
  CHECK(log.n == 1 && !strcmp(log.last, "hello world"));
  CHECK(ld32(0x200) == 11);
  char big[40];
  memset(big, 'x', 39);
  big[39] = 0;
  CHECK(write_msg(ctx, out, big) == WEMSGSIZE);
  CHECK(log.n == 1);
  CHECK(write_msg(ctx, in, "x") == WEBADF);
  CHECK(read_msg(ctx, out, 16) == -WEBADF);
  CHECK(read_msg(ctx, in, 16) == -WEAGAIN);
  wasi_channel_deliver(set, "in", "p", 1, "first", 5);
  wasi_channel_deliver(set, "in", "p", 2, "second", 6);
  CHECK(read_msg(ctx, in, 16) == 5 && !memcmp(mem + 0x4000, "first", 5));
  CHECK(read_msg(ctx, in, 3) == 3 && !memcmp(mem + 0x4000, "sec", 3));
  CHECK(read_msg(ctx, in, 16) == -WEAGAIN);  /* the rest was dropped */
  /* Blocking: a pause returns WASM_HOST_PAUSE with nothing consumed. */
  int bl = open_ch(ctx, "a/b", R_READ, 0);
  pause_flag = true;
  CHECK(read_msg(ctx, bl, 16) == -1000 && last_status == WASM_HOST_PAUSE);
  pause_flag = false;
  wasi_channel_deliver(set, "a/b", "p", 1, "z", 1);
  CHECK(read_msg(ctx, bl, 16) == 1 && mem[0x4000] == 'z');
  /* fd_fdstat_set_flags turns NONBLOCK off and on. */
  CHECK(call(ctx, "fd_fdstat_set_flags", 2, A(in), A(0)) == 0);
  pause_flag = true;
  CHECK(read_msg(ctx, in, 16) == -1000);
  pause_flag = false;
  wasi_free(ctx);
}

/* poll_oneoff on channel IN (read) and a relative clock of NS. */
static int poll2(wasi_ctx *ctx, int in, uint64_t ns, uint32_t *nev) {
  memset(mem + 0x5000, 0, 96);
  st64(0x5000, 111);  /* userdata */
  mem[0x5008] = 1;    /* fd_read */
  st32(0x5010, (uint32_t)in);
  st64(0x5030, 222);
  mem[0x5038] = 0;    /* clock */
  st32(0x5040, 1);    /* monotonic */
  st64(0x5048, ns);
  int e = call(ctx, "poll_oneoff", 4, A(0x5000), A(0x6000), A(2), A(0x7000));
  *nev = ld32(0x7000);
  return e;
}

static void test_poll(void) {
  sent_log log = {0};
  wasi_ctx *ctx = make(&log);
  wasi_channels *set = wasi_ctx_channels(ctx);
  int in = open_ch(ctx, "in", R_READ, 0);
  uint32_t nev;
  CHECK(poll2(ctx, in, 20000000, &nev) == 0);
  CHECK(nev == 1 && mem[0x6000] == 222);  /* the clock */
  wasi_channel_deliver(set, "in", "p", 1, "abcd", 4);
  CHECK(poll2(ctx, in, 5000000000ull, &nev) == 0);
  CHECK(nev == 1 && mem[0x6000] == 111 && ld32(0x6010) == 4);
  wasi_free(ctx);
}

static void test_save(void) {
  sent_log log = {0};
  wasi_ctx *ctx = make(&log);
  wasi_channels *set = wasi_ctx_channels(ctx);
  int in = open_ch(ctx, "in", R_READ, 4);
  int out = open_ch(ctx, "out", R_WRITE, 0);
  write_msg(ctx, out, "m1");
  wasi_channel_deliver(set, "in", "p", 7, "q7", 2);
  wasi_channel_deliver(set, "in", "p", 8, "q8", 2);
  uint8_t *bytes;
  size_t len;
  char err[128];
  CHECK(wasi_save(ctx, &bytes, &len, err, sizeof err) == 0);
  wasi_ctx *r = wasi_restore(bytes, len, NULL, err, sizeof err);
  CHECK(r);
  if (r) {
    wasi_channels *rs = wasi_ctx_channels(r);
    CHECK(rs && wasi_channels_count(rs) == 3);
    wasi_channel_backend b = {&log, record};
    wasi_channels_set_backend(rs, &b);
    CHECK(wasi_channel_deliver(rs, "in", "p", 8, "q8", 2) == 0);  /* dup */
    CHECK(wasi_channel_deliver(rs, "in", "p", 9, "q9", 2) == 1);
    CHECK(read_msg(r, in, 8) == 2 && !memcmp(mem + 0x4000, "q7", 2));
    CHECK(read_msg(r, in, 8) == 2 && !memcmp(mem + 0x4000, "q8", 2));
    CHECK(read_msg(r, in, 8) == 2 && !memcmp(mem + 0x4000, "q9", 2));
    CHECK(read_msg(r, in, 8) == -WEAGAIN);  /* NONBLOCK kept */
    uint64_t seq = log.seq;
    CHECK(write_msg(r, out, "m2") == 0 && log.seq == seq + 1);
    CHECK(call(r, "fd_prestat_get", 2, A(CHDIR), A(0x10)) == 0);
    wasi_free(r);
  }
  for (size_t cut = 0; cut < len; cut++) {
    wasi_ctx *x = wasi_restore(bytes, cut, NULL, err, sizeof err);
    if (x) {
      /* A cut just before the channel section is an older snapshot
       * without channels; then no channel descriptor may remain. */
      CHECK(!wasi_ctx_channels(x));
      wasi_free(x);
    }
  }
  for (size_t i = 0; i < len; i++) {
    bytes[i] ^= 0x41;
    wasi_free(wasi_restore(bytes, len, NULL, err, sizeof err));
    bytes[i] ^= 0x41;
  }
  free(bytes);
  wasi_free(ctx);
}

int main(void) {
  test_open();
  test_io();
  test_poll();
  test_save();
  if (failures) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
