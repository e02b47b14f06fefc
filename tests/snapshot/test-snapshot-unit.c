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

#include "snaptest.h"

/* Pauses the instance once its first line is out: mid-run whatever the
 * interpreter's speed. */
static wasm_instance *pausing;

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
  snaptest_sink *out = arg;
  while (__atomic_load_n(&out->len, __ATOMIC_ACQUIRE) == 0 &&
         !__atomic_load_n(&run_over, __ATOMIC_ACQUIRE)) {
    struct timespec ts = {0, 100000L};
    nanosleep(&ts, NULL);
  }
  wasm_request_pause(pausing);
  return NULL;
}

/* Full restore of B; 0 if it got as far as a resumable instance, else -1
 * with ERR. OUT gets the output of the resumed run when FINISH. */
static int restore(const uint8_t *b, size_t len, bool finish,
                   snaptest_sink *out, int *status, char *err, size_t errlen) {
  wasm_snapshot *s = wasm_snapshot_read(b, len, err, errlen);
  if (!s) return -1;
  wasm_module *m = wasm_snapshot_load_module(s, NULL, err, errlen);
  if (!m) {
    wasm_snapshot_free(s);
    return -1;
  }
  snaptest_run run;
  int rc = snaptest_restore(&run, s, m, out, err, errlen);
  if (rc == 0 && finish) {
    wasm_result r = wasm_resume(run.inst);
    *status = r == WASM_EXITED ? wasm_exit_status(run.inst) : r == WASM_FINISHED
              ? 0 : -1;
  }
  snaptest_run_free(&run);
  wasm_module_free(m);
  wasm_snapshot_free(s);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PROG.wasm [--soft-crc]\n", argv[0]);
    return 2;
  }
  /* The table CRC must agree with the hardware one (and snaptest's
   * reference): run once each way. */
  if (argc > 2 && strcmp(argv[2], "--soft-crc") == 0)
    setenv("ARTS_SNAPSHOT_SOFT_CRC", "1", 1);
  uint8_t *wbytes;
  wasm_module *m = snaptest_load_program(argv[1], &wbytes);
  if (!m) return 1;
  char err[512];

  /* The reference: an uninterrupted run. */
  snaptest_sink ref = {0};
  const char *args[] = {"integers", "20"};
  snaptest_run run;
  wasm_instance *inst = snaptest_start(&run, m, 2, args, &ref);
  CHECK(inst != NULL);
  if (!inst) return 1;
  wasm_result r = wasm_invoke(inst, "_start", NULL, 0);
  CHECK(r == WASM_EXITED && wasm_exit_status(inst) == 3);
  if (r != WASM_EXITED) {
    fprintf(stderr, "the reference run did not exit: %s\n",
            r == WASM_TRAPPED ? wasm_trap_message(inst) : "?");
    return 1;
  }
  snaptest_run_free(&run);

  /* The same, paused after 150 ms and snapshotted. */
  snaptest_sink first = {0};
  inst = snaptest_start(&run, m, 2, args, &first);
  pthread_t th;
  pausing = inst;
  pthread_create(&th, NULL, pause_after, &first);
  r = wasm_invoke(inst, "_start", NULL, 0);
  __atomic_store_n(&run_over, 1, __ATOMIC_RELEASE);
  pthread_join(th, NULL);
  CHECK(r == WASM_PAUSED);
  if (r != WASM_PAUSED) return 1;
  uint8_t *host, *snap;
  size_t hlen, len;
  CHECK(wasi_save(run.w, &host, &hlen, err, sizeof err) == 0);
  CHECK(wasm_snapshot_write(inst, "wasi_snapshot_preview1", host, hlen, &snap,
                            &len, err, sizeof err) == 0);
  free(host);
  snaptest_run_free(&run);
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
    snaptest_sink idle = {0};
    snaptest_run r0, r1 = {0};
    wasm_instance *i0 = snaptest_start(&r0, m, 2, args, &idle);
    uint8_t *h0, *s0;
    size_t h0len, s0len;
    CHECK(wasi_save(r0.w, &h0, &h0len, err, sizeof err) == 0);
    CHECK(wasm_snapshot_write(i0, "wasi_snapshot_preview1", h0, h0len, &s0,
                              &s0len, err, sizeof err) == 0);
    snaptest_run_free(&r0);
    free(h0);
    wasm_snapshot *ss = wasm_snapshot_read(s0, s0len, err, sizeof err);
    CHECK(ss != NULL);
    wasm_module *m0 = ss ? wasm_snapshot_load_module(ss, NULL, err,
                                                     sizeof err) : NULL;
    wasm_instance *i1 = m0 && snaptest_restore(&r1, ss, m0, &idle, err,
                                               sizeof err) == 0 ? r1.inst
                                                                : NULL;
    CHECK(i1 != NULL);
    if (i1) {
      CHECK(wasm_invoke(i1, "_start", NULL, 0) == WASM_EXITED &&
            wasm_exit_status(i1) == 3);
      CHECK(idle.len == ref.len && memcmp(idle.buf, ref.buf, ref.len) == 0);
    }
    snaptest_run_free(&r1);
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
  snaptest_reseal(b, len + 16);  /* even with a valid checksum over the junk */
  CHECK(restore(b, len + 16, false, NULL, NULL, err, sizeof err) < 0);
  printf("oversized: \"%s\"\n", err);

  /* Well-sealed but wrong content. */
  memcpy(b, snap, len);
  b[8] = 2;
  snaptest_reseal(b, len);
  CHECK(restore(b, len, false, NULL, NULL, err, sizeof err) < 0 &&
        strstr(err, "version"));
  printf("version: \"%s\"\n", err);

  size_t plen, at;
  memcpy(b, snap, len);
  at = section(b, len, 1, &plen);
  b[at + 5] ^= 1;  /* module hash */
  snaptest_reseal(b, len);
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
    snaptest_reseal(b, len);
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
    snaptest_reseal(b, len);
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
      snaptest_reseal(b, len);
      CHECK(restore(b, len, false, NULL, NULL, err, sizeof err) < 0);
      printf("memory run: \"%s\"\n", err);
    }
  }

  free(b);
  free(snap);
  free(ref.buf);
  free(first.buf);
  return snaptest_end(m, wbytes);
}
