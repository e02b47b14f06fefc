/* The engine's side of the host contract, for tests that link agent/wasi
 * without the engine and never call a host function. */
#include "wasm-host.h"

uint8_t *wasm_host_memory(wasm_instance *inst, uint64_t *size) {
  (void)inst;
  *size = 0;
  return NULL;
}
bool wasm_host_range_ok(wasm_instance *inst, uint64_t p, uint64_t n) {
  (void)inst; (void)p; (void)n;
  return false;
}
void wasm_host_trap(wasm_instance *inst, const char *m) { (void)inst; (void)m; }
void wasm_host_exit(wasm_instance *inst, int s) { (void)inst; (void)s; }
bool wasm_pause_requested(wasm_instance *inst) { (void)inst; return false; }
