/* Pre-copy: a memory image taken at a pause, the program run on (chunks
 * changed, zeros written over filled ones, memory grown), a delta
 * snapshot at a second pause, and a restore from image + delta in a fresh
 * instance that must be the source's state byte for byte and finish with
 * the output of an unmigrated run. Then the refusals: a delta without its
 * image, another image, damaged images, a full snapshot given an image,
 * an image used twice.
 *
 * usage: test-precopy PRECOPY.wasm [MIB] [--soft-crc]
 * (the precopy program: it fills MIB MiB, default 8; times are printed,
 * not asserted) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snaptest.h"

#define HOST "wasi_snapshot_preview1"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* main returned 0 (_start finishes) or called exit(0). */
static bool ended_ok(wasm_instance *inst, wasm_result r) {
  return r == WASM_FINISHED || (r == WASM_EXITED && wasm_exit_status(inst) == 0);
}

/* The pieces of a restore that outlive wasm_snapshot_instantiate. */
typedef struct {
  wasm_snapshot *s;
  wasm_module *m;
  snaptest_run run;
} restored;

static void restored_free(restored *r) {
  snaptest_run_free(&r->run);
  wasm_module_free(r->m);
  wasm_snapshot_free(r->s);
  memset(r, 0, sizeof *r);
}

/* Reads SNAP and instantiates it, after giving it IMG when not NULL
 * (IMG is the snapshot's after that, even on failure). 0 or -1 + ERR. */
static int restore(const uint8_t *snap, size_t len, wasm_memimage *img,
                   snaptest_sink *out, restored *r, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  r->s = wasm_snapshot_read(snap, len, err, errlen);
  if (!r->s) {
    wasm_memimage_free(img);
    return -1;
  }
  if (img && wasm_snapshot_use_image(r->s, img, err, errlen) < 0) {
    wasm_memimage_free(img);
    return -1;
  }
  r->m = wasm_snapshot_load_module(r->s, NULL, err, errlen);
  if (!r->m) return -1;
  return snaptest_restore(&r->run, r->s, r->m, out, err, errlen);
}

/* Every byte of a small image flipped, then every prefix: refused (the
 * checksum), never a crash. Then flipped and re-sealed: refused by a
 * bound or accepted as a well-formed image, never a crash. */
static void damaged_images(const uint8_t *img, size_t len) {
  uint8_t *b = malloc(len);
  char err[256];
  int refused = 0, accepted = 0;
  for (size_t i = 0; i < len; i++) {
    memcpy(b, img, len);
    b[i] ^= 0xff;
    wasm_memimage *m = wasm_memimage_read(b, len, err, sizeof err);
    if (m) wasm_memimage_free(m);
    else refused++;
  }
  CHECK(refused == (int)len);
  printf("image bytes flipped: %d/%zu refused, e.g. \"%s\"\n", refused, len,
         err);
  refused = 0;
  for (size_t cut = 0; cut < len; cut++) {
    wasm_memimage *m = wasm_memimage_read(img, cut, err, sizeof err);
    if (m) wasm_memimage_free(m);
    else refused++;
  }
  CHECK(refused == (int)len);
  printf("image truncated: %d/%zu refused, e.g. \"%s\"\n", refused, len, err);
  /* Re-sealed: only the structure stands between the bytes and memory.
   * The header and run headers are where the bounds are; chunk bytes are
   * data (every value is a valid image), so only the first ones count. */
  refused = 0;
  size_t n = len < 256 ? len - 4 : 256;
  for (size_t i = 0; i < n; i++) {
    memcpy(b, img, len);
    b[i] ^= 0xff;
    snaptest_reseal(b, len);
    wasm_memimage *m = wasm_memimage_read(b, len, err, sizeof err);
    if (m) {
      accepted++;
      CHECK(wasm_memimage_pages(m) <= 65536);
      wasm_memimage_free(m);
    } else {
      refused++;
    }
  }
  CHECK(refused + accepted == (int)n && refused > 0);
  printf("image bytes flipped and re-sealed: %d refused, %d accepted as "
         "another image, e.g. \"%s\"\n", refused, accepted, err);
  free(b);
}

/* A module without memory: its image has 0 pages, its delta no chunks,
 * and the delta still wants its image. */
static void no_memory(void) {
  static const uint8_t wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type () -> () */
    0x03, 0x02, 0x01, 0x00,                         /* one function */
    0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,        /* exported as f */
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,             /* body: end */
  };
  char err[256];
  wasm_module *m = wasm_module_load(wasm, sizeof wasm, NULL, err, sizeof err);
  wasm_instance *inst = m ? wasm_instantiate(m, NULL, 0, NULL, NULL, err,
                                             sizeof err) : NULL;
  CHECK(inst != NULL);
  if (!inst) return;
  uint8_t *image, *delta;
  size_t ilen, dlen;
  CHECK(wasm_memimage_write(inst, &image, &ilen, err, sizeof err) == 0);
  CHECK(wasm_snapshot_write_delta(inst, "none", NULL, 0, image, ilen, &delta,
                                  &dlen, err, sizeof err) == 0);
  wasm_memimage *img = wasm_memimage_read(image, ilen, err, sizeof err);
  CHECK(img && wasm_memimage_pages(img) == 0);
  wasm_snapshot *s = wasm_snapshot_read(delta, dlen, err, sizeof err);
  CHECK(s && wasm_snapshot_needs_image(s));
  wasm_instance *r = s ? wasm_snapshot_instantiate(s, m, NULL, 0, NULL, NULL,
                                                   err, sizeof err) : NULL;
  CHECK(!r && strstr(err, "no image"));
  CHECK(s && img && wasm_snapshot_use_image(s, img, err, sizeof err) == 0);
  r = s ? wasm_snapshot_instantiate(s, m, NULL, 0, NULL, NULL, err,
                                    sizeof err) : NULL;
  CHECK(r && wasm_invoke(r, "f", NULL, 0) == WASM_FINISHED);
  printf("module without memory: image %zu bytes, delta %zu bytes\n", ilen,
         dlen);
  wasm_instance_free(r);
  wasm_snapshot_free(s);
  free(image);
  free(delta);
  wasm_instance_free(inst);
  wasm_module_free(m);
}

static size_t skip_var(const uint8_t *b, size_t p) {
  while (b[p] & 0x80) p++;
  return p + 1;
}

/* Every byte of the delta section's header (tag, length, memories,
 * pages, image pages, image CRC, run count, first run's gap and count),
 * flipped and re-sealed, then restored with the right image: refused,
 * never a crash (the ASan build runs this too). The chunk bytes after it
 * are data: any value is valid. */
static void damaged_delta_headers(const uint8_t *delta, size_t len,
                                  const uint8_t *image, size_t ilen) {
  size_t at = 9;
  while (at + 6 <= len && delta[at] != 9) {
    uint32_t n = 0;
    for (int i = 0; i < 5; i++)
      n |= (uint32_t)(delta[at + 1 + i] & 0x7f) << (7 * i);
    at += 6 + n;
  }
  CHECK(at + 64 < len);
  if (at + 64 >= len) return;
  size_t end = skip_var(delta, at + 6);           /* memories */
  end = skip_var(delta, skip_var(delta, end));    /* pages, image pages */
  end = skip_var(delta, end + 4);                 /* crc, runs */
  end = skip_var(delta, skip_var(delta, end));    /* gap, count */
  uint8_t *b = malloc(len);
  char err[512];
  int refused = 0;
  for (size_t i = at; i < end; i++) {
    memcpy(b, delta, len);
    b[i] ^= 0xff;
    snaptest_reseal(b, len);
    wasm_memimage *img = wasm_memimage_read(image, ilen, err, sizeof err);
    restored r;
    snaptest_sink out = {0};
    if (restore(b, len, img, &out, &r, err, sizeof err) < 0) refused++;
    restored_free(&r);
    free(out.buf);
  }
  CHECK(refused == (int)(end - at));
  printf("delta header bytes flipped and re-sealed: %d/%zu refused, e.g. "
         "\"%s\"\n", refused, end - at, err);
  free(b);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PRECOPY.wasm [MIB] [--soft-crc]\n", argv[0]);
    return 2;
  }
  const char *mib = "8";
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--soft-crc") == 0)  /* the table CRC, not SSE4.2 */
      setenv("ARTS_SNAPSHOT_SOFT_CRC", "1", 1);
    else
      mib = argv[i];
  }
  uint8_t *wbytes;
  wasm_module *m = snaptest_load_program(argv[1], &wbytes);
  if (!m) return 1;
  char err[512];
  const char *args[] = {"precopy", mib};

  /* The reference: an unmigrated run. */
  snaptest_sink ref = {0};
  snaptest_run run;
  wasm_instance *inst = snaptest_start(&run, m, 2, args, &ref);
  CHECK(inst && ended_ok(inst, wasm_invoke(inst, "_start", NULL, 0)));
  snaptest_run_free(&run);

  /* The source: paused after its first line for the image, after its
   * second for the delta. */
  snaptest_sink src = {0};
  inst = snaptest_start(&run, m, 2, args, &src);
  src.pause = inst;
  if (wasm_invoke(inst, "_start", NULL, 0) != WASM_PAUSED) {
    fprintf(stderr, "the source did not pause at its first line\n");
    return 1;
  }
  uint64_t image_mem = wasm_memory_size(inst);
  uint8_t *image, *full, *delta, *host;
  size_t image_len, full_len, delta_len, hlen;
  double t0 = now_ms();
  CHECK(wasm_memimage_write(inst, &image, &image_len, err, sizeof err) == 0);
  double t_image = now_ms() - t0;

  CHECK(wasm_resume(inst) == WASM_PAUSED);
  CHECK(wasm_memory_size(inst) > image_mem);  /* it grew in between */
  size_t prefix = src.len;
  CHECK(wasi_save(run.w, &host, &hlen, err, sizeof err) == 0);
  t0 = now_ms();
  CHECK(wasm_snapshot_write_delta(inst, HOST, host, hlen, image, image_len,
                                  &delta, &delta_len, err, sizeof err) == 0);
  double t_delta = now_ms() - t0;
  t0 = now_ms();
  CHECK(wasm_snapshot_write(inst, HOST, host, hlen, &full, &full_len, err,
                            sizeof err) == 0);
  double t_full = now_ms() - t0;
  /* A second image, of the memory as it is now: the wrong one below. */
  uint8_t *later;
  size_t later_len;
  CHECK(wasm_memimage_write(inst, &later, &later_len, err, sizeof err) == 0);

  /* The source goes on as if nothing happened. */
  src.pause = NULL;
  CHECK(ended_ok(inst, wasm_resume(inst)));
  CHECK(src.len == ref.len && memcmp(src.buf, ref.buf, ref.len) == 0);
  snaptest_run_free(&run);

  printf("memory %s MiB filled: image %zu bytes (%.1f ms), delta snapshot "
         "%zu bytes (%.1f ms), full snapshot %zu bytes (%.1f ms)\n", mib,
         image_len, t_image, delta_len, t_delta, full_len, t_full);
  /* A few dozen chunks changed out of thousands: the delta is a small
   * fraction of the full snapshot. */
  CHECK(delta_len * 8 < full_len);

  /* The target: image decoded ahead, delta restored over it. */
  t0 = now_ms();
  wasm_memimage *img = wasm_memimage_read(image, image_len, err, sizeof err);
  double t_read = now_ms() - t0;
  CHECK(img != NULL);
  if (!img) return 1;
  CHECK((uint64_t)wasm_memimage_pages(img) * 65536 == image_mem);
  snaptest_sink dst = {0};
  dst.buf = malloc(prefix);
  dst.cap = dst.len = prefix;
  memcpy(dst.buf, src.buf, prefix);
  restored r;
  t0 = now_ms();
  int rc = restore(delta, delta_len, img, &dst, &r, err, sizeof err);
  double t_restore = now_ms() - t0;
  CHECK(rc == 0);
  if (rc < 0) {
    fprintf(stderr, "restore: %s\n", err);
    return 1;
  }
  printf("image decoded in %.1f ms, delta restored in %.1f ms\n", t_read,
         t_restore);
  CHECK(wasm_snapshot_needs_image(r.s));
  wasm_snapshot_describe(r.s, stdout);

  /* Byte for byte the source's state: its full snapshot is the source's
   * (memory, globals, tables, frames, fuel). */
  uint8_t *again;
  size_t again_len;
  CHECK(wasm_snapshot_write(r.run.inst, HOST, host, hlen, &again, &again_len,
                            err, sizeof err) == 0);
  CHECK(again_len == full_len && memcmp(again, full, full_len) == 0);
  free(again);
  CHECK(ended_ok(r.run.inst, wasm_resume(r.run.inst)));
  CHECK(dst.len == ref.len && memcmp(dst.buf, ref.buf, ref.len) == 0);

  /* For comparison: the full snapshot's restore, to the same state. */
  restored rf;
  snaptest_sink fdst = {0};
  t0 = now_ms();
  CHECK(restore(full, full_len, NULL, &fdst, &rf, err, sizeof err) == 0);
  double t_full_restore = now_ms() - t0;
  printf("full snapshot restored in %.1f ms\n", t_full_restore);
  again = NULL;
  CHECK(rf.run.inst && wasm_snapshot_write(rf.run.inst, HOST, host, hlen,
                                           &again, &again_len, err,
                                           sizeof err) == 0 &&
        again_len == full_len && memcmp(again, full, full_len) == 0);
  free(again);
  restored_free(&rf);
  free(fdst.buf);

  /* The same snapshot cannot make a second instance: the image went to
   * the first. */
  size_t nf2;
  const wasm_host_func *f2 = wasi_host_funcs(&nf2);
  wasm_instance *twice = wasm_snapshot_instantiate(r.s, r.m, f2, nf2, r.run.w,
                                                   NULL, err, sizeof err);
  CHECK(!twice && strstr(err, "bad snapshot"));
  printf("instantiated twice: \"%s\"\n", err);
  wasm_instance_free(twice);
  restored_free(&r);

  /* A delta without its image. */
  CHECK(restore(delta, delta_len, NULL, &dst, &r, err, sizeof err) < 0 &&
        strstr(err, "bad snapshot") && strstr(err, "image"));
  printf("delta without image: \"%s\"\n", err);
  restored_free(&r);

  /* Another image: another CRC (same process, later), other pages (a
   * fresh instance's). Refused, and the image stays the caller's. */
  wasm_snapshot *ds = wasm_snapshot_read(delta, delta_len, err, sizeof err);
  CHECK(ds && wasm_snapshot_needs_image(ds));
  wasm_memimage *wrong = wasm_memimage_read(later, later_len, err,
                                            sizeof err);
  CHECK(wrong && wasm_snapshot_use_image(ds, wrong, err, sizeof err) < 0 &&
        strstr(err, "not the one"));
  printf("another image: \"%s\"\n", err);
  wasm_memimage_free(wrong);
  inst = snaptest_start(&run, m, 2, args, &src);
  uint8_t *fresh;
  size_t fresh_len;
  CHECK(wasm_memimage_write(inst, &fresh, &fresh_len, err, sizeof err) == 0);
  snaptest_run_free(&run);
  wrong = wasm_memimage_read(fresh, fresh_len, err, sizeof err);
  CHECK(wrong && (uint64_t)wasm_memimage_pages(wrong) * 65536 < image_mem);
  CHECK(wrong && wasm_snapshot_use_image(ds, wrong, err, sizeof err) < 0);
  wasm_memimage_free(wrong);
  /* The right one is still taken after the refusals, once only. */
  wasm_memimage *right = wasm_memimage_read(image, image_len, err,
                                            sizeof err);
  CHECK(right && wasm_snapshot_use_image(ds, right, err, sizeof err) == 0);
  wasm_memimage *dup = wasm_memimage_read(image, image_len, err, sizeof err);
  CHECK(dup && wasm_snapshot_use_image(ds, dup, err, sizeof err) < 0);
  wasm_memimage_free(dup);
  wasm_snapshot_free(ds);   /* frees RIGHT, never used */

  /* A full snapshot takes no image. */
  wasm_snapshot *fs = wasm_snapshot_read(full, full_len, err, sizeof err);
  CHECK(fs && !wasm_snapshot_needs_image(fs));
  wasm_memimage *extra = wasm_memimage_read(image, image_len, err,
                                            sizeof err);
  CHECK(extra && wasm_snapshot_use_image(fs, extra, err, sizeof err) < 0);
  printf("full snapshot + image: \"%s\"\n", err);
  wasm_memimage_free(extra);
  wasm_snapshot_free(fs);

  /* A delta whose recorded image is larger than its memory: refused at
   * read, even well sealed. Section 3's place holds tag 9, then len5,
   * memories, pages, image pages. */
  {
    uint8_t *b = malloc(delta_len);
    memcpy(b, delta, delta_len);
    size_t at = 9;
    while (at < delta_len && b[at] != 9) {
      uint32_t n = 0;
      for (int i = 0; i < 5; i++)
        n |= (uint32_t)(b[at + 1 + i] & 0x7f) << (7 * i);
      at += 6 + n;
    }
    CHECK(at < delta_len);
    size_t p = at + 6 + 1;             /* past tag, len5, memories */
    size_t pages_at = p;
    while (b[p] & 0x80) p++;           /* pages */
    p++;
    /* Same LEB128 length: image pages := pages + 1 is too much for one
     * byte in general, so set pages to 0 instead (image pages > 0). */
    for (size_t k = pages_at; k < p - 1; k++) b[k] = 0x80;
    b[p - 1] = 0;
    snaptest_reseal(b, delta_len);
    wasm_snapshot *bs = wasm_snapshot_read(b, delta_len, err, sizeof err);
    CHECK(!bs);
    printf("delta image larger than memory: \"%s\"\n", err);
    wasm_snapshot_free(bs);
    free(b);
  }

  /* Damaged images: the fresh instance's one is small. */
  damaged_images(fresh, fresh_len);
  damaged_delta_headers(delta, delta_len, image, image_len);
  no_memory();

  free(fresh);
  free(later);
  free(image);
  free(delta);
  free(full);
  free(host);
  free(ref.buf);
  free(src.buf);
  free(dst.buf);
  return snaptest_end(m, wbytes);
}
