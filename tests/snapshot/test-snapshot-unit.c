/* Snapshot format: a round trip in one process (pause a real WASI
 * program, snapshot, restore into a fresh instance, finish with the same
 * output and status), then hostile snapshots: truncated, bit-flipped,
 * oversized, and well-checksummed ones with a wrong version, module hash,
 * pc, global type or memory run. Each must be refused with a clear error
 * before anything runs.
 *
 * usage: test-snapshot-unit PROG.wasm [--soft-crc]
 * (PROG is the integers program: it exits 3) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapshot.h"
#include "wasi.h"

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
  __FILE__, __LINE__, #c); failures++; } } while (0)

/* Pauses the instance once its first line is out: mid-run whatever the
 * interpreter's speed. */
static wasm_instance *pausing;
static size_t printed;

typedef struct {
  char *buf;
  size_t len, cap;
} sink;

static long sink_write(void *c, const void *b, size_t n) {
  sink *s = c;
  if (s->len + n > s->cap) {
    s->cap = (s->len + n) * 2;
    s->buf = realloc(s->buf, s->cap);
  }
  memcpy(s->buf + s->len, b, n);
  s->len += n;
  __atomic_store_n(&printed, printed + n, __ATOMIC_RELEASE);
  return (long)n;
}

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*len);
  if (fread(b, 1, *len, f) != *len) *len = 0;
  fclose(f);
  return b;
}

/* The reference CRC-32C, bit by bit, to re-seal edited snapshots. */
static uint32_t crc32_ref(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78u ^ (c >> 1) : c >> 1;
  }
  return ~c;
}

static void reseal(uint8_t *b, size_t len) {
  uint32_t c = crc32_ref(b, len - 4);
  for (int i = 0; i < 4; i++) b[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

/* Offset of section TAG's payload (sections are tag + 5-byte length). */
static size_t section(const uint8_t *b, size_t len, int tag, size_t *plen) {
  size_t at = 9;
  while (at + 6 <= len) {
    uint32_t n = 0;
    for (int i = 0; i < 5; i++) n |= (uint32_t)(b[at + 1 + i] & 0x7f) << (7 * i);
    if (b[at] == tag) {
      *plen = n;
      return at + 6;
    }
    at += 6 + n;
  }
  return 0;
}

static int run_over;  /* the run ended first: stop waiting */
static void *pause_after(void *arg) {
  (void)arg;
  while (__atomic_load_n(&printed, __ATOMIC_ACQUIRE) == 0 &&
         !__atomic_load_n(&run_over, __ATOMIC_ACQUIRE)) {
    struct timespec ts = {0, 100000L};
    nanosleep(&ts, NULL);
  }
  wasm_request_pause(pausing);
  return NULL;
}

/* Full restore of B; 0 if it got as far as a resumable instance, else -1
 * with ERR. OUT gets the output of the resumed run when RUN. */
static int restore(const uint8_t *b, size_t len, bool run, sink *out,
                   int *status, char *err, size_t errlen) {
  wasm_snapshot *s = wasm_snapshot_read(b, len, err, errlen);
  if (!s) return -1;
  wasm_module *m = wasm_snapshot_load_module(s, NULL, err, errlen);
  if (!m) {
    wasm_snapshot_free(s);
    return -1;
  }
  size_t hlen;
  const char *hname;
  const uint8_t *h = wasm_snapshot_host_state(s, &hname, &hlen);
  wasi_stream so = {out, NULL, sink_write};
  wasi_config cfg = {.stdio = {NULL, &so, &so}};
  wasi_ctx *w = wasi_restore(h, hlen, &cfg, err, errlen);
  wasm_instance *inst = NULL;
  size_t nf;
  const wasm_host_func *f = wasi_host_funcs(&nf);
  if (w) inst = wasm_snapshot_instantiate(s, m, f, nf, w, NULL, err, errlen);
  int rc = inst ? 0 : -1;
  if (inst && run) {
    wasm_result r = wasm_resume(inst);
    *status = r == WASM_EXITED ? wasm_exit_status(inst) : r == WASM_FINISHED
              ? 0 : -1;
  }
  wasm_instance_free(inst);
  wasi_free(w);
  wasm_module_free(m);
  wasm_snapshot_free(s);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PROG.wasm [--soft-crc]\n", argv[0]);
    return 2;
  }
  /* The table CRC must agree with the hardware one (and the reference
   * below): run once each way. */
  if (argc > 2 && strcmp(argv[2], "--soft-crc") == 0)
    setenv("ARTS_SNAPSHOT_SOFT_CRC", "1", 1);
  size_t wlen;
  uint8_t *wbytes = read_all(argv[1], &wlen);
  char err[512];
  if (!wbytes || !wlen) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  wasm_module *m = wasm_module_load(wbytes, wlen, NULL, err, sizeof err);
  if (!m) {
    fprintf(stderr, "load: %s\n", err);
    return 1;
  }
  size_t nf;
  const wasm_host_func *funcs = wasi_host_funcs(&nf);

  /* The reference: an uninterrupted run. */
  sink ref = {0};
  wasi_stream rs = {&ref, NULL, sink_write};
  const char *args[] = {"integers", "20"};
  wasi_config cfg = {.argc = 2, .argv = args, .stdio = {NULL, &rs, &rs}};
  wasi_ctx *w = wasi_new(&cfg, err, sizeof err);
  wasm_instance *inst = wasm_instantiate(m, funcs, nf, w, NULL, err,
                                         sizeof err);
  CHECK(inst != NULL);
  if (!inst) return 1;
  wasm_result r = wasm_invoke(inst, "_start", NULL, 0);
  CHECK(r == WASM_EXITED && wasm_exit_status(inst) == 3);
  if (r != WASM_EXITED) {
    fprintf(stderr, "the reference run did not exit: %s\n",
            r == WASM_TRAPPED ? wasm_trap_message(inst) : "?");
    return 1;
  }
  wasm_instance_free(inst);
  wasi_free(w);

  /* The same, paused after 150 ms and snapshotted. */
  sink first = {0};
  wasi_stream fs = {&first, NULL, sink_write};
  cfg.stdio[1] = cfg.stdio[2] = &fs;
  w = wasi_new(&cfg, err, sizeof err);
  inst = wasm_instantiate(m, funcs, nf, w, NULL, err, sizeof err);
  pthread_t th;
  pausing = inst;
  printed = 0;
  pthread_create(&th, NULL, pause_after, NULL);
  r = wasm_invoke(inst, "_start", NULL, 0);
  __atomic_store_n(&run_over, 1, __ATOMIC_RELEASE);
  pthread_join(th, NULL);
  CHECK(r == WASM_PAUSED);
  if (r != WASM_PAUSED) return 1;
  uint8_t *host, *snap;
  size_t hlen, len;
  CHECK(wasi_save(w, &host, &hlen, err, sizeof err) == 0);
  CHECK(wasm_snapshot_write(inst, "wasi_snapshot_preview1", host, hlen, &snap,
                            &len, err, sizeof err) == 0);
  free(host);
  wasm_instance_free(inst);
  wasi_free(w);
  printf("snapshot: %zu bytes, %zu bytes of output before it\n", len,
         first.len);

  /* Round trip: the rest of the output, and status 3. */
  int status = -2;
  CHECK(restore(snap, len, true, &first, &status, err, sizeof err) == 0);
  CHECK(status == 3);
  CHECK(first.len == ref.len && memcmp(first.buf, ref.buf, ref.len) == 0);

  /* An idle instance (instantiated, nothing called yet) snapshots with no
   * frames and restores to one that runs from _start. */
  {
    sink idle = {0};
    wasi_stream is = {&idle, NULL, sink_write};
    cfg.stdio[1] = cfg.stdio[2] = &is;
    wasi_ctx *w0 = wasi_new(&cfg, err, sizeof err);
    wasm_instance *i0 = wasm_instantiate(m, funcs, nf, w0, NULL, err,
                                         sizeof err);
    uint8_t *h0, *s0;
    size_t h0len, s0len;
    CHECK(wasi_save(w0, &h0, &h0len, err, sizeof err) == 0);
    CHECK(wasm_snapshot_write(i0, "wasi_snapshot_preview1", h0, h0len, &s0,
                              &s0len, err, sizeof err) == 0);
    wasm_instance_free(i0);
    wasi_free(w0);
    free(h0);
    wasm_snapshot *ss = wasm_snapshot_read(s0, s0len, err, sizeof err);
    CHECK(ss != NULL);
    wasm_module *m0 = ss ? wasm_snapshot_load_module(ss, NULL, err,
                                                     sizeof err) : NULL;
    size_t hl;
    const uint8_t *hs = ss ? wasm_snapshot_host_state(ss, NULL, &hl) : NULL;
    wasi_ctx *w1 = hs ? wasi_restore(hs, hl, &cfg, err, sizeof err) : NULL;
    wasm_instance *i1 = w1 && m0 ? wasm_snapshot_instantiate(
        ss, m0, funcs, nf, w1, NULL, err, sizeof err) : NULL;
    CHECK(i1 != NULL);
    if (i1) {
      CHECK(wasm_invoke(i1, "_start", NULL, 0) == WASM_EXITED &&
            wasm_exit_status(i1) == 3);
      CHECK(idle.len == ref.len && memcmp(idle.buf, ref.buf, ref.len) == 0);
    }
    wasm_instance_free(i1);
    wasi_free(w1);
    wasm_module_free(m0);
    wasm_snapshot_free(ss);
    free(s0);
    free(idle.buf);
  }

  /* Truncated anywhere: refused. */
  int refused = 0, tried = 0;
  for (size_t cut = 0; cut < len; cut += cut < 256 ? 1 : len / 97 + 1) {
    tried++;
    if (restore(snap, cut, false, NULL, NULL, err, sizeof err) < 0) refused++;
  }
  CHECK(refused == tried);
  printf("truncated: %d/%d refused, e.g. \"%s\"\n", refused, tried, err);

  /* Bit flips: the checksum catches every one. */
  uint8_t *b = malloc(len + 16);
  srand(1);
  refused = 0;
  for (int i = 0; i < 300; i++) {
    memcpy(b, snap, len);
    b[(size_t)rand() % len] ^= (uint8_t)(1u << (rand() % 8));
    if (restore(b, len, false, NULL, NULL, err, sizeof err) < 0) refused++;
  }
  CHECK(refused == 300);
  printf("bit flips: %d/300 refused, e.g. \"%s\"\n", refused, err);

  /* Oversized: extra bytes after the checksum. */
  memcpy(b, snap, len);
  memset(b + len, 0, 16);
  CHECK(restore(b, len + 16, false, NULL, NULL, err, sizeof err) < 0);
  reseal(b, len + 16);  /* even with a valid checksum over the junk */
  CHECK(restore(b, len + 16, false, NULL, NULL, err, sizeof err) < 0);
  printf("oversized: \"%s\"\n", err);

  /* Well-sealed but wrong content. */
  memcpy(b, snap, len);
  b[8] = 2;
  reseal(b, len);
  CHECK(restore(b, len, false, NULL, NULL, err, sizeof err) < 0 &&
        strstr(err, "version"));
  printf("version: \"%s\"\n", err);

  size_t plen, at;
  memcpy(b, snap, len);
  at = section(b, len, 1, &plen);
  b[at + 5] ^= 1;  /* module hash */
  reseal(b, len);
  CHECK(restore(b, len, false, NULL, NULL, err, sizeof err) < 0 &&
        strstr(err, "hash"));
  printf("module hash: \"%s\"\n", err);

  memcpy(b, snap, len);
  at = section(b, len, 7, &plen);  /* frames: count, func, pc, ... */
  CHECK(at > 0);
  {
    size_t p = at;
    while (b[p] & 0x80) p++;      /* frame count */
    p++;
    while (b[p] & 0x80) p++;      /* func of frame 0 */
    p++;
    b[p] ^= 1;                    /* pc of frame 0, same length */
    reseal(b, len);
    CHECK(restore(b, len, false, NULL, NULL, err, sizeof err) < 0);
    printf("frame pc: \"%s\"\n", err);
  }

  memcpy(b, snap, len);
  at = section(b, len, 4, &plen);  /* globals: count, type, value */
  {
    size_t p = at;
    while (b[p] & 0x80) p++;
    p++;
    CHECK(b[p] == 0x7f);
    b[p] = 0x7e;                  /* i32 -> i64 */
    reseal(b, len);
    CHECK(restore(b, len, false, NULL, NULL, err, sizeof err) < 0 &&
          strstr(err, "global"));
    printf("global type: \"%s\"\n", err);
  }

  memcpy(b, snap, len);
  at = section(b, len, 3, &plen);  /* memory: nmems, pages, nruns, gap.. */
  {
    size_t p = at + 1;
    while (b[p] & 0x80) p++;      /* pages */
    p++;
    while (b[p] & 0x80) p++;      /* nruns */
    p++;
    if (!(b[p] & 0x80)) {
      b[p] = 0x7f;                /* first gap: past the end */
      reseal(b, len);
      CHECK(restore(b, len, false, NULL, NULL, err, sizeof err) < 0);
      printf("memory run: \"%s\"\n", err);
    }
  }

  free(b);
  free(snap);
  free(ref.buf);
  free(first.buf);
  wasm_module_free(m);
  free(wbytes);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
