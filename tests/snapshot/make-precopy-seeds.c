/* Writes the pre-copy fuzzer's seeds (fuzz-corpus-precopy/): the tiny
 * program paused after its first line (memory image) and after its
 * second (delta snapshot), as u32le image length + image + snapshot.
 * Seeds: the matching pair, the pair with the image of the second pause
 * (CRC mismatch), the image alone, the delta alone.
 *
 * usage: make-precopy-seeds TINY.wasm OUTDIR
 * (tiny.wasm: clang --target=wasm32-wasi -O2 -nostartfiles
 *  -Wl,--strip-all programs/tiny.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "wasi.h"

static wasm_instance *pausing;

static long pause_on_line(void *c, const void *b, size_t n) {
  (void)c;
  if (memchr(b, '\n', n)) wasm_request_pause(pausing);
  return (long)n;
}

static int seed(const char *dir, const char *name, const uint8_t *img,
                size_t ilen, const uint8_t *snap, size_t slen) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  uint8_t n[4] = {(uint8_t)ilen, (uint8_t)(ilen >> 8), (uint8_t)(ilen >> 16),
                  (uint8_t)(ilen >> 24)};
  fwrite(n, 1, 4, f);
  if (ilen) fwrite(img, 1, ilen, f);
  if (slen) fwrite(snap, 1, slen, f);
  return fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s TINY.wasm OUTDIR\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 1;
  static uint8_t wasm[1 << 20];
  size_t wlen = fread(wasm, 1, sizeof wasm, f);
  fclose(f);
  char err[512];
  wasm_module *m = wasm_module_load(wasm, wlen, NULL, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  wasi_stream out = {NULL, NULL, pause_on_line};
  wasi_config cfg = {.stdio = {NULL, &out, &out}};
  wasi_ctx *w = wasi_new(&cfg, err, sizeof err);
  size_t nf;
  const wasm_host_func *funcs = wasi_host_funcs(&nf);
  wasm_instance *inst = wasm_instantiate(m, funcs, nf, w, NULL, err,
                                         sizeof err);
  pausing = inst;
  uint8_t *img, *img2, *delta, *host;
  size_t ilen, ilen2, dlen, hlen;
  if (!inst || wasm_invoke(inst, "_start", NULL, 0) != WASM_PAUSED ||
      wasm_memimage_write(inst, &img, &ilen, err, sizeof err) < 0 ||
      wasm_resume(inst) != WASM_PAUSED ||
      wasi_save(w, &host, &hlen, err, sizeof err) < 0 ||
      wasm_snapshot_write_delta(inst, "wasi_snapshot_preview1", host, hlen,
                                img, ilen, &delta, &dlen, err,
                                sizeof err) < 0 ||
      wasm_memimage_write(inst, &img2, &ilen2, err, sizeof err) < 0) {
    fprintf(stderr, "cannot make the seeds: %s\n", err);
    return 1;
  }
  if (seed(argv[2], "pair.bin", img, ilen, delta, dlen) < 0 ||
      seed(argv[2], "wrong-image.bin", img2, ilen2, delta, dlen) < 0 ||
      seed(argv[2], "image-only.bin", img, ilen, NULL, 0) < 0 ||
      seed(argv[2], "delta-only.bin", NULL, 0, delta, dlen) < 0) {
    perror(argv[2]);
    return 1;
  }
  printf("image %zu bytes, delta %zu bytes\n", ilen, dlen);
  free(img);
  free(img2);
  free(delta);
  free(host);
  wasm_instance_free(inst);
  wasi_free(w);
  wasm_module_free(m);
  return 0;
}
