/* libFuzzer target: any bytes as a snapshot. The checksum is re-sealed
 * first, or nearly every mutation would stop there; then parse, module
 * load and hash check, WASI state restore, instantiate and apply, and —
 * when all of that accepts it — a short resumed run under small limits.
 * The run uses a fresh WASI context without preopens, so a mutated
 * snapshot cannot point host calls at real files. */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "wasi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t crc32_bits(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78u ^ (c >> 1) : c >> 1;
  }
  return ~c;
}

static long discard(void *c, const void *b, size_t n) {
  (void)c;
  (void)b;
  return (long)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  uint8_t *b = malloc(size);
  memcpy(b, data, size);
  uint32_t c = crc32_bits(b, size - 4);
  for (int i = 0; i < 4; i++) b[size - 4 + i] = (uint8_t)(c >> (8 * i));
  char err[512];
  wasm_snapshot *s = wasm_snapshot_read(b, size, err, sizeof err);
  free(b);
  if (!s) return 0;
  wasm_module *m = wasm_snapshot_load_module(s, NULL, err, sizeof err);
  wasi_stream out = {NULL, NULL, discard};
  wasi_config cfg = {.stdio = {NULL, &out, &out}};
  if (m) {
    size_t hl;
    const uint8_t *h = wasm_snapshot_host_state(s, NULL, &hl);
    wasi_free(wasi_restore(h, hl, &cfg, err, sizeof err));
    wasi_ctx *w = wasi_new(&cfg, err, sizeof err);
    size_t nf;
    const wasm_host_func *f = wasi_host_funcs(&nf);
    wasm_limits lim = {.max_memory = 16 << 20, .max_frames = 500,
                       .max_stack_slots = 1 << 16};
    wasm_instance *inst = wasm_snapshot_instantiate(s, m, f, nf, w, &lim, err,
                                                    sizeof err);
    if (inst) {
      wasm_set_fuel(inst, 20000);
      wasm_resume(inst);
      wasm_instance_free(inst);
    }
    wasi_free(w);
    wasm_module_free(m);
  }
  wasm_snapshot_free(s);
  return 0;
}
