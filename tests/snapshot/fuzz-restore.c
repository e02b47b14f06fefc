/* libFuzzer target: any bytes as a snapshot. The checksum is re-sealed
 * first, or nearly every mutation would stop there; then parse, module
 * load and hash check, WASI state restore, instantiate and apply, and —
 * when all of that accepts it — a short resumed run under small limits.
 * The run uses a fresh WASI context without preopens, so a mutated
 * snapshot cannot point host calls at real files. */
#include <stdlib.h>

#include "snaptest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *b = snaptest_sealed(data, size);
  if (!b) return 0;
  char err[512];
  wasm_snapshot *s = wasm_snapshot_read(b, size, err, sizeof err);
  free(b);
  if (!s) return 0;
  wasm_module *m = wasm_snapshot_load_module(s, NULL, err, sizeof err);
  if (m) {
    size_t hl;
    const uint8_t *h = wasm_snapshot_host_state(s, NULL, &hl);
    wasi_free(wasi_restore(h, hl, &snaptest_quiet, err, sizeof err));
    snaptest_fuzz_run(s, m, NULL);
    wasm_module_free(m);
  }
  wasm_snapshot_free(s);
  return 0;
}
