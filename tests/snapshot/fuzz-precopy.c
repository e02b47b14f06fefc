/* libFuzzer target for pre-copy input: a memory image and a delta
 * snapshot, as a migration target receives them. The input is
 * u32le image length, the image, then the snapshot; each part's checksum
 * is re-sealed first, or nearly every mutation would stop there. The
 * image is decoded, the snapshot read and given the image, and when all of
 * that accepts them, instantiated and run a little under small limits (a
 * fresh WASI context without preopens: no real files). A restored
 * instance must then round-trip: an image of it and a delta against that
 * image are accepted together. Seeds: make-precopy-seeds. */
#include <stdlib.h>

#include "snaptest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a restored instance writes must be read back as a matching pair. */
static void round_trip(const wasm_instance *inst) {
  char err[512];
  uint8_t *img, *delta;
  size_t ilen, dlen;
  if (wasm_memimage_write(inst, &img, &ilen, err, sizeof err) < 0) return;
  if (wasm_snapshot_write_delta(inst, "x", NULL, 0, img, ilen, &delta, &dlen,
                                err, sizeof err) == 0) {
    wasm_memimage *m = wasm_memimage_read(img, ilen, err, sizeof err);
    wasm_snapshot *s = wasm_snapshot_read(delta, dlen, err, sizeof err);
    if (!m || !s || !wasm_snapshot_needs_image(s) ||
        wasm_snapshot_use_image(s, m, err, sizeof err) < 0)
      abort();
    wasm_snapshot_free(s);
    free(delta);
  }
  free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  size_t ilen = (size_t)data[0] | (size_t)data[1] << 8 |
                (size_t)data[2] << 16 | (size_t)data[3] << 24;
  if (ilen > size - 4) ilen = size - 4;
  char err[512];
  uint8_t *ib = snaptest_sealed(data + 4, ilen);
  uint8_t *sb = snaptest_sealed(data + 4 + ilen, size - 4 - ilen);
  wasm_memimage *img = ib ? wasm_memimage_read(ib, ilen, err, sizeof err)
                          : NULL;
  wasm_snapshot *s = sb ? wasm_snapshot_read(sb, size - 4 - ilen, err,
                                             sizeof err) : NULL;
  free(ib);
  free(sb);
  if (img && wasm_memimage_pages(img) > 65536) abort();
  if (s && img && wasm_snapshot_use_image(s, img, err, sizeof err) == 0)
    img = NULL;  /* the snapshot's now */
  wasm_module *m = s ? wasm_snapshot_load_module(s, NULL, err, sizeof err)
                     : NULL;
  if (m) {
    snaptest_fuzz_run(s, m, round_trip);
    wasm_module_free(m);
  }
  wasm_snapshot_free(s);
  wasm_memimage_free(img);
  return 0;
}
