/* WASI host functions called directly, over plain memory standing in for
 * an instance's linear memory: the sandbox (.., absolute paths, symlinks
 * out), descriptor calls, pausable stdin and sleeps, and save/restore
 * with hostile bytes. Links agent/wasi alone: the host contract's engine
 * side is provided here. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fake-instance.h"
#include "wasi.h"

/* Puts STR at 0x1000 and returns its length. */
static uint32_t path(const char *s) {
  memcpy(mem + 0x1000, s, strlen(s));
  return (uint32_t)strlen(s);
}

#define PRE 3  /* the preopen's descriptor */
#define ENOTCAPABLE 76
#define WENOENT 44
#define WEBADF 8
#define WEXIST 20
#define WELOOP 32

/* path_open of S beneath the preopen; the new fd or -errno. */
static int open_path(wasi_ctx *ctx, const char *s, uint32_t oflags,
                     uint64_t rights, uint32_t lookup) {
  uint32_t n = path(s);
  int e = call(ctx, "path_open", 9, A(PRE), A(lookup), A(0x1000), A(n),
               A(oflags), A(rights), A(rights), A(0), A(0x2000));
  return e ? -e : (int)ld32(0x2000);
}

/* ---- an in-memory stdin ---- */

typedef struct {
  const char *data;
  size_t len, pos;
  bool hold;      /* nothing yet: -EAGAIN */
} fake_in;

static long fake_read(void *c, void *buf, size_t len, int timeout_ms) {
  fake_in *f = c;
  if (f->hold) {
    struct timespec ts = {0, (long)timeout_ms * 1000000L};
    nanosleep(&ts, NULL);
    return -EAGAIN;
  }
  size_t k = f->len - f->pos < len ? f->len - f->pos : len;
  memcpy(buf, f->data + f->pos, k);
  f->pos += k;
  return (long)k;
}

static char out_buf[4096];
static size_t out_len;
static long fake_write(void *c, const void *buf, size_t len) {
  (void)c;
  if (out_len + len > sizeof out_buf) return -ENOSPC;
  memcpy(out_buf + out_len, buf, len);
  out_len += len;
  return (long)len;
}

static void test_sandbox(wasi_ctx *ctx, const char *root) {
  const uint64_t R = (1 << 1) | (1 << 14), W = 1 << 6;
  CHECK(open_path(ctx, "../etc/passwd", 0, R, 1) == -ENOTCAPABLE);
  CHECK(open_path(ctx, "sub/../../x", 0, R, 1) == -ENOTCAPABLE);
  CHECK(open_path(ctx, "/etc/passwd", 0, R, 1) == -ENOTCAPABLE);
  CHECK(open_path(ctx, "out", 0, R, 1) == -ENOTCAPABLE);       /* -> /etc */
  CHECK(open_path(ctx, "out/passwd", 0, R, 1) == -ENOTCAPABLE);
  CHECK(open_path(ctx, "up/x", 0, R, 1) == -ENOTCAPABLE);      /* -> .. */
  int fd = open_path(ctx, "hello.txt", 0, R, 1);
  CHECK(fd > PRE);
  if (fd > 0) CHECK(call(ctx, "fd_close", 1, A(fd)) == 0);
  /* Symlinks that stay inside are followed, with openat2 and with the walk
   * alike: in the middle, last, chained, through ".." that stays inside,
   * to a directory with a trailing "/"; one that climbs out through a
   * chain is refused, a loop is ELOOP, a dangling one creates inside. */
  static const char *inside[] = {"in-file", "in-dir/inner", "in-chain",
                                 "sub/back", "in-dir/../hello.txt",
                                 "in-dir/", "sub/deep/../../in-file"};
  for (size_t i = 0; i < sizeof inside / sizeof *inside; i++) {
    fd = open_path(ctx, inside[i], 0, R, 1);
    if (fd <= PRE) fprintf(stderr, "inside %s: %d\n", inside[i], fd);
    CHECK(fd > PRE);
    if (fd > 0) CHECK(call(ctx, "fd_close", 1, A(fd)) == 0);
  }
  CHECK(open_path(ctx, "in-file", 0, R, 0) == -WELOOP);  /* not followed */
  CHECK(open_path(ctx, "sub/esc", 0, R, 1) == -ENOTCAPABLE);  /* ../.. */
  CHECK(open_path(ctx, "sub/esc-chain", 0, R, 1) == -ENOTCAPABLE);
  CHECK(open_path(ctx, "loop", 0, R, 1) == -WELOOP);
  fd = open_path(ctx, "dangling", 1, R | W, 1);  /* -> made.txt */
  CHECK(fd > PRE);
  if (fd > 0) CHECK(call(ctx, "fd_close", 1, A(fd)) == 0);
  char made[700];
  snprintf(made, sizeof made, "%s/made.txt", root);
  CHECK(access(made, F_OK) == 0);
  /* Creating a symlink with an absolute target is refused. */
  memcpy(mem + 0x3000, "/etc", 4);
  uint32_t n = path("abs");
  CHECK(call(ctx, "path_symlink", 5, A(0x3000), A(4), A(PRE), A(0x1000),
             A(n)) == ENOTCAPABLE);
  /* mkdir / unlink / rename outside are refused. */
  n = path("../evil");
  CHECK(call(ctx, "path_create_directory", 3, A(PRE), A(0x1000), A(n)) ==
        ENOTCAPABLE);
  n = path("out/passwd");
  CHECK(call(ctx, "path_unlink_file", 3, A(PRE), A(0x1000), A(n)) ==
        ENOTCAPABLE);
  n = path("out/x");
  CHECK(call(ctx, "path_filestat_get", 5, A(PRE), A(1), A(0x1000), A(n),
             A(0x2000)) == ENOTCAPABLE);
  char evil[700];
  snprintf(evil, sizeof evil, "%s/../evil", root);
  struct stat st;
  CHECK(stat(evil, &st) < 0);
  /* Writing then reading a file inside works. */
  fd = open_path(ctx, "new.txt", 1 | 8, R | W, 1);
  CHECK(fd > 0);
  if (fd > 0) {
    memcpy(mem + 0x4000, "abcdef", 6);
    st32(0x5000, 0x4000);
    st32(0x5004, 6);
    CHECK(call(ctx, "fd_write", 4, A(fd), A(0x5000), A(1), A(0x5100)) == 0);
    CHECK(ld32(0x5100) == 6);
    st64(0x5200, 0);
    CHECK(call(ctx, "fd_seek", 4, A(fd), A(2), A(0), A(0x5200)) == 0);
    CHECK(ld64(0x5200) == 2);
    st32(0x5004, 3);
    CHECK(call(ctx, "fd_read", 4, A(fd), A(0x5000), A(1), A(0x5100)) == 0);
    CHECK(ld32(0x5100) == 3 && memcmp(mem + 0x4000, "cde", 3) == 0);
    CHECK(call(ctx, "fd_tell", 2, A(fd), A(0x5200)) == 0);
    CHECK(ld64(0x5200) == 5);
    CHECK(call(ctx, "fd_close", 1, A(fd)) == 0);
    CHECK(call(ctx, "fd_close", 1, A(fd)) == WEBADF);
  }
  CHECK(open_path(ctx, "new.txt", 1 | 4, R | W, 1) == -WEXIST);
  CHECK(open_path(ctx, "missing", 0, R, 1) == -WENOENT);
  /* Out-of-bounds guest pointers give EFAULT, never a crash. */
  CHECK(call(ctx, "fd_write", 4, A(1), A(MEM_SIZE - 4), A(1), A(0)) == 21);
  CHECK(call(ctx, "path_open", 9, A(PRE), A(0), A(MEM_SIZE - 1), A(10), A(0),
             A(R), A(R), A(0), A(0)) == 21);
}

static void test_stdio_pause(wasi_ctx *ctx, fake_in *in) {
  /* stdin with nothing yet: the call gives way to a pause, reading
   * nothing, and is complete once redone with data. */
  in->hold = true;
  pause_flag = true;
  st32(0x6000, 0x7000);
  st32(0x6004, 100);
  call(ctx, "fd_read", 4, A(0), A(0x6000), A(1), A(0x6100));
  CHECK(last_status == WASM_HOST_PAUSE);
  CHECK(wasi_stream_offset(ctx, 0) == 0);
  pause_flag = false;
  in->hold = false;
  CHECK(call(ctx, "fd_read", 4, A(0), A(0x6000), A(1), A(0x6100)) == 0);
  CHECK(last_status == WASM_HOST_OK);
  CHECK(ld32(0x6100) == 6 && memcmp(mem + 0x7000, "hello\n", 6) == 0);
  CHECK(wasi_stream_offset(ctx, 0) == 6);
  /* stdout goes to the stream and is counted. */
  memcpy(mem + 0x7000, "out!", 4);
  st32(0x6004, 4);
  CHECK(call(ctx, "fd_write", 4, A(1), A(0x6000), A(1), A(0x6100)) == 0);
  CHECK(out_len == 4 && memcmp(out_buf, "out!", 4) == 0);
  CHECK(wasi_stream_offset(ctx, 1) == 4);
  /* fdstat of a stream: a character device without seek/tell. */
  CHECK(call(ctx, "fd_fdstat_get", 2, A(1), A(0x6200)) == 0);
  CHECK(mem[0x6200] == 2 && (ld64(0x6208) & ((1 << 2) | (1 << 5))) == 0);
}

/* poll_oneoff on stdin and a clock: the clock fires when stdin is quiet,
 * stdin when it has bytes (with their count), and the bytes are then read
 * by fd_read, not lost. */
static void test_poll(wasi_ctx *ctx, fake_in *in) {
  uint32_t sub = 0xa000;
  memset(mem + sub, 0, 96);
  st64(sub, 1);                  /* userdata 1: stdin */
  mem[sub + 8] = 1;              /* fd_read */
  st32(sub + 16, 0);
  st64(sub + 48, 2);             /* userdata 2: 30 ms on the monotonic clock */
  mem[sub + 56] = 0;
  st32(sub + 64, 1);
  st64(sub + 72, 30000000ull);
  in->hold = true;
  CHECK(call(ctx, "poll_oneoff", 4, A(sub), A(0xb000), A(2), A(0xb100)) == 0);
  CHECK(ld32(0xb100) == 1 && ld64(0xb000) == 2 && mem[0xb00a] == 0);
  in->hold = false;
  in->data = "xyz";
  in->len = 3;
  in->pos = 0;
  CHECK(call(ctx, "poll_oneoff", 4, A(sub), A(0xb000), A(2), A(0xb100)) == 0);
  CHECK(ld32(0xb100) >= 1 && ld64(0xb000) == 1 && ld64(0xb010) == 3);
  st32(0x6000, 0x7000);
  st32(0x6004, 100);
  CHECK(call(ctx, "fd_read", 4, A(0), A(0x6000), A(1), A(0x6100)) == 0);
  CHECK(ld32(0x6100) == 3 && memcmp(mem + 0x7000, "xyz", 3) == 0);
  /* An unknown clock and a bad descriptor are reported per event. */
  st32(sub + 64, 9);
  st32(sub + 16, 99);
  CHECK(call(ctx, "poll_oneoff", 4, A(sub), A(0xb000), A(2), A(0xb100)) == 0);
  CHECK(ld32(0xb100) == 2 && (ld32(0xb008) & 0xffff) == WEBADF &&
        mem[0xb028] == 28);
  CHECK(call(ctx, "poll_oneoff", 4, A(sub), A(0xb000), A(0), A(0xb100)) == 28);
}

/* Guest sizes and pointers at the limits: ranges ending exactly at the
 * end of memory work, one byte more or a range wrapping 32 bits is
 * EFAULT, counts above the limits EINVAL; nothing wraps in size_t. */
static void test_sizes(wasi_ctx *ctx) {
  const uint32_t iov = 0x7000, nw = 0x7100;
  out_len = 0;
  mem[MEM_SIZE - 1] = 'z';
  st32(iov, MEM_SIZE - 1);       /* the last byte */
  st32(iov + 4, 1);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1), A(nw)) == 0);
  CHECK(ld32(nw) == 1 && out_len == 1 && out_buf[0] == 'z');
  st32(iov, MEM_SIZE);           /* empty, at the very end */
  st32(iov + 4, 0);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1), A(nw)) == 0);
  CHECK(ld32(nw) == 0);
  st32(iov, MEM_SIZE - 1);       /* one past the end */
  st32(iov + 4, 2);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1), A(nw)) == 21);
  st32(iov, 0xfffffff0u);        /* base + len wraps 32 bits */
  st32(iov + 4, 0x20);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1), A(nw)) == 21);
  st32(iov, 0x10);               /* len alone past the memory */
  st32(iov + 4, 0xffffffffu);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1), A(nw)) == 21);
  /* the iovec array itself: at the end, wrapping, too many entries */
  CHECK(call(ctx, "fd_write", 4, A(1), A(MEM_SIZE - 8), A(2), A(nw)) == 21);
  CHECK(call(ctx, "fd_write", 4, A(1), A(0xfffffff8u), A(2), A(nw)) == 21);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1025), A(nw)) == 28);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(0x20000000u), A(nw)) == 28);
  CHECK(call(ctx, "fd_read", 4, A(0), A(iov), A(0xffffffffu), A(nw)) == 28);
  /* results written at the last 4 bytes, and one byte later */
  st32(iov, 0x10);
  st32(iov + 4, 0);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1), A(MEM_SIZE - 4)) == 0);
  CHECK(call(ctx, "fd_write", 4, A(1), A(iov), A(1), A(MEM_SIZE - 3)) == 21);
  /* poll_oneoff: n * 48 and n * 32 must not wrap */
  CHECK(call(ctx, "poll_oneoff", 4, A(0x100), A(0x200), A(4097), A(nw)) == 28);
  CHECK(call(ctx, "poll_oneoff", 4, A(0x100), A(0x200),
             A(0x5555556u), A(nw)) == 28);      /* * 48 wraps to 16 */
  CHECK(call(ctx, "poll_oneoff", 4, A(MEM_SIZE - 47), A(0x200), A(1),
             A(nw)) == 21);
  /* args and environ: the pointer array and the strings at the end */
  CHECK(call(ctx, "args_get", 2, A(0xfffffffcu), A(0x300)) == 21);
  CHECK(call(ctx, "args_get", 2, A(0x200), A(MEM_SIZE - 3)) == 21);
  CHECK(call(ctx, "args_get", 2, A(0x200), A(0xffffffffu)) == 21);
  CHECK(call(ctx, "environ_get", 2, A(0x200), A(MEM_SIZE - 5)) == 21);
  CHECK(call(ctx, "environ_get", 2, A(0x200), A(MEM_SIZE - 6)) == 0);
  CHECK(strcmp((char *)mem + MEM_SIZE - 6, "K=v w") == 0);
  /* random_get: exactly to the end, one past, wrapping */
  CHECK(call(ctx, "random_get", 2, A(MEM_SIZE - 8), A(8)) == 0);
  CHECK(call(ctx, "random_get", 2, A(MEM_SIZE - 8), A(9)) == 21);
  CHECK(call(ctx, "random_get", 2, A(0xffffffffu), A(2)) == 21);
  CHECK(call(ctx, "random_get", 2, A(MEM_SIZE), A(0)) == 0);
}

/* Calls that need no files. */
static void test_misc(wasi_ctx *ctx) {
  CHECK(call(ctx, "args_sizes_get", 2, A(0x100), A(0x104)) == 0);
  CHECK(call(ctx, "args_get", 2, A(0x200), A(0x300)) == 0);
  CHECK(ld32(0x200) == 0x300 && strcmp((char *)mem + ld32(0x204), "arg one") == 0);
  CHECK(call(ctx, "args_get", 2, A(MEM_SIZE - 2), A(0x300)) == 21);
  CHECK(call(ctx, "environ_sizes_get", 2, A(0x100), A(0x104)) == 0);
  CHECK(ld32(0x100) == 1 && ld32(0x104) == 6);
  CHECK(call(ctx, "environ_get", 2, A(0x200), A(0x300)) == 0);
  CHECK(strcmp((char *)mem + 0x300, "K=v w") == 0);
  CHECK(call(ctx, "clock_time_get", 3, A(1), A(0), A(0x100)) == 0);
  uint64_t t1 = ld64(0x100);
  CHECK(call(ctx, "clock_time_get", 3, A(1), A(0), A(0x100)) == 0);
  CHECK(ld64(0x100) >= t1);
  CHECK(call(ctx, "clock_time_get", 3, A(0), A(0), A(0x100)) == 0);
  CHECK(ld64(0x100) > 1600000000ull * 1000000000ull);
  CHECK(call(ctx, "clock_time_get", 3, A(2), A(0), A(0x100)) == 0);
  CHECK(call(ctx, "clock_time_get", 3, A(7), A(0), A(0x100)) == 28);
  CHECK(call(ctx, "clock_res_get", 2, A(1), A(0x100)) == 0 && ld64(0x100) > 0);
  memset(mem + 0x400, 0, 64);
  CHECK(call(ctx, "random_get", 2, A(0x400), A(64)) == 0);
  int nz = 0;
  for (int i = 0; i < 64; i++) nz += mem[0x400 + i] != 0;
  CHECK(nz > 32);
  CHECK(call(ctx, "random_get", 2, A(MEM_SIZE - 8), A(64)) == 21);
  CHECK(call(ctx, "sched_yield", 0) == 0);
  CHECK(call(ctx, "sock_send", 5, A(0), A(0), A(0), A(0), A(0)) == 58);
  CHECK(call(ctx, "proc_raise", 1, A(9)) == 52);
  /* renumber: fd PRE+? does not exist */
  CHECK(call(ctx, "fd_renumber", 2, A(PRE), A(500)) == WEBADF);
}

/* A 200 ms sleep interrupted by a pause keeps its deadline across
 * save/restore: the restored context sleeps only what remained. */
static void test_sleep(wasi_ctx **pctx, const wasi_config *cfg) {
  wasi_ctx *ctx = *pctx;
  uint32_t sub = 0x8000;
  memset(mem + sub, 0, 48);
  st64(sub, 42);                /* userdata */
  mem[sub + 8] = 0;             /* clock */
  st32(sub + 16, 1);            /* monotonic */
  st64(sub + 24, 200000000ull); /* 200 ms, relative */
  pause_flag = true;
  call(ctx, "poll_oneoff", 4, A(sub), A(0x9000), A(1), A(0x9100));
  CHECK(last_status == WASM_HOST_PAUSE);
  pause_flag = false;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint8_t *buf;
  size_t len;
  char err[256];
  CHECK(wasi_save(ctx, &buf, &len, err, sizeof err) == 0);
  struct timespec ts = {0, 300000000};  /* "in transit": does not count */
  nanosleep(&ts, NULL);
  wasi_ctx *r = wasi_restore(buf, len, cfg, err, sizeof err);
  free(buf);
  CHECK(r != NULL);
  if (!r) {
    fprintf(stderr, "restore: %s\n", err);
    return;
  }
  wasi_free(ctx);
  *pctx = r;
  CHECK(call(r, "poll_oneoff", 4, A(sub), A(0x9000), A(1), A(0x9100)) == 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double took = (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  CHECK(ld32(0x9100) == 1 && ld64(0x9000) == 42);
  /* It had slept ~0 before the pause: ~200 ms remain, and the 300 ms
   * spent saved must not have been taken off. */
  CHECK(took > 0.45);
}

static void test_restore_files(wasi_ctx **pctx, const wasi_config *cfg) {
  const uint64_t R = (1 << 1) | (1 << 14), W = 1 << 6;
  wasi_ctx *ctx = *pctx;
  int fd = open_path(ctx, "kept.txt", 1 | 8, R | W, 1);
  CHECK(fd > 0);
  memcpy(mem + 0x4000, "0123456789", 10);
  st32(0x5000, 0x4000);
  st32(0x5004, 10);
  CHECK(call(ctx, "fd_write", 4, A(fd), A(0x5000), A(1), A(0x5100)) == 0);
  st64(0x5200, 0);
  CHECK(call(ctx, "fd_seek", 4, A(fd), A(4), A(0), A(0x5200)) == 0);
  /* A second file inside a directory that is then renamed: the
   * descriptor follows the new name through save/restore. */
  uint32_t n = path("dir1");
  CHECK(call(ctx, "path_create_directory", 3, A(PRE), A(0x1000), A(n)) == 0);
  int fd2 = open_path(ctx, "./dir1//x.txt", 1, R | W, 1);
  CHECK(fd2 > 0);
  memcpy(mem + 0x3000, "dir2", 4);
  n = path("dir1");
  CHECK(call(ctx, "path_rename", 6, A(PRE), A(0x1000), A(n), A(PRE),
             A(0x3000), A(4)) == 0);
  uint8_t *buf;
  size_t len;
  char err[256];
  CHECK(wasi_save(ctx, &buf, &len, err, sizeof err) == 0);
  CHECK(memmem(buf, len, "dir2/x.txt", 10) != NULL);
  wasi_ctx *r = wasi_restore(buf, len, cfg, err, sizeof err);
  CHECK(r != NULL);
  if (!r) fprintf(stderr, "restore: %s\n", err);
  if (r) {
    /* Output offsets continue (the wire's byte offsets after a move). */
    for (int k = 0; k < 3; k++)
      CHECK(wasi_stream_offset(r, k) == wasi_stream_offset(ctx, k));
    CHECK(wasi_stream_offset(r, 1) > 0);
    CHECK(call(r, "fd_filestat_get", 2, A(fd2), A(0x5400)) == 0);
    st32(0x5004, 3);
    CHECK(call(r, "fd_read", 4, A(fd), A(0x5000), A(1), A(0x5100)) == 0);
    CHECK(ld32(0x5100) == 3 && memcmp(mem + 0x4000, "456", 3) == 0);
    /* argv survived */
    CHECK(call(r, "args_sizes_get", 2, A(0x5300), A(0x5304)) == 0);
    CHECK(ld32(0x5300) == 2 && ld32(0x5304) == 13);
    wasi_free(r);
  }
  /* Hostile variants: every truncation and many bit flips are refused
   * cleanly or give a consistent context; none crashes. */
  int refused = 0;
  for (size_t cut = 0; cut < len; cut++) {
    wasi_ctx *x = wasi_restore(buf, cut, cfg, err, sizeof err);
    if (!x) refused++;
    wasi_free(x);
  }
  CHECK(refused == (int)len);
  for (size_t i = 0; i < len; i++)
    for (int bit = 0; bit < 8; bit++) {
      buf[i] ^= (uint8_t)(1 << bit);
      wasi_ctx *x = wasi_restore(buf, len, cfg, err, sizeof err);
      wasi_free(x);
      buf[i] ^= (uint8_t)(1 << bit);
    }
  /* A descriptor path that climbs out is refused with a message (a
   * well-formed state whose "kept.txt" became "../a.txt"). */
  uint8_t *k = memmem(buf, len, "kept.txt", 8);
  CHECK(k != NULL);
  if (k) {
    memcpy(k, "../a.txt", 8);
    wasi_ctx *x = wasi_restore(buf, len, cfg, err, sizeof err);
    CHECK(x == NULL && strstr(err, "leaves its preopen"));
    wasi_free(x);
    memcpy(k, "gone.txt", 8);
    x = wasi_restore(buf, len, cfg, err, sizeof err);
    CHECK(x == NULL && strstr(err, "cannot reopen"));
    wasi_free(x);
  }
  free(buf);
}

/* Run with --no-openat2 too: the component walk that stands in for
 * openat2 must pass the same checks. */
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--no-openat2") == 0)
    setenv("ARTS_WASI_NO_OPENAT2", "1", 1);
  char root[] = "/tmp/arts-wasi-unit-XXXXXX";
  CHECK(mkdtemp(root) != NULL);
  char p[600];
  snprintf(p, sizeof p, "%s/box", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/box/sub", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/box/hello.txt", root);
  FILE *f = fopen(p, "w");
  fputs("hi\n", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/box/out", root);
  CHECK(symlink("/etc", p) == 0);
  snprintf(p, sizeof p, "%s/box/up", root);
  CHECK(symlink("..", p) == 0);
  /* Symlinks that stay inside (and two that lead out through others). */
  static const char *links[][2] = {
    {"in-file", "hello.txt"}, {"in-dir", "sub"}, {"in-chain", "in-file"},
    {"sub/back", "../hello.txt"}, {"sub/esc", "../../x"},
    {"sub/esc-chain", "../up/x"}, {"loop", "loop"}, {"dangling", "made.txt"},
  };
  for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
    snprintf(p, sizeof p, "%s/box/%s", root, links[i][0]);
    CHECK(symlink(links[i][1], p) == 0);
  }
  snprintf(p, sizeof p, "%s/box/sub/deep", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/box/sub/inner", root);
  f = fopen(p, "w");
  fclose(f);
  snprintf(p, sizeof p, "%s/box", root);

  fake_in in = {"hello\n", 6, 0, false};
  wasi_stream sin = {&in, fake_read, NULL}, sout = {NULL, NULL, fake_write};
  const char *gargv[] = {"prog", "arg one"};
  wasi_preopen pre = {p, "/data"};
  const char *genv[] = {"K=v w"};
  wasi_config cfg = {.argc = 2, .argv = gargv, .envc = 1, .env = genv,
                     .npreopens = 1,
                     .preopens = &pre, .stdio = {&sin, &sout, &sout}};
  char err[256];
  wasi_ctx *ctx = wasi_new(&cfg, err, sizeof err);
  CHECK(ctx != NULL);
  if (!ctx) return 1;
  CHECK(call(ctx, "fd_prestat_get", 2, A(PRE), A(0x100)) == 0);
  CHECK(ld32(0x104) == 5);
  CHECK(call(ctx, "fd_prestat_dir_name", 3, A(PRE), A(0x200), A(5)) == 0);
  CHECK(memcmp(mem + 0x200, "/data", 5) == 0);
  CHECK(call(ctx, "fd_prestat_get", 2, A(PRE + 1), A(0x100)) == WEBADF);

  test_misc(ctx);
  test_sandbox(ctx, p);
  test_stdio_pause(ctx, &in);
  test_poll(ctx, &in);
  test_restore_files(&ctx, &cfg);
  test_sleep(&ctx, &cfg);
  test_sizes(ctx);   /* writes to stdout: after the checks of its offset */

  call(ctx, "proc_exit", 1, A(7));
  CHECK(last_status == WASM_HOST_EXIT && exit_code == 7);
  CHECK(wasi_exit_status(ctx) == 7);
  wasi_free(ctx);

  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  else printf("all checks passed\n");
  if (system(cmd) != 0) return 1;
  return failures ? 1 : 0;
}
