#include "fake-instance.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

uint8_t mem[MEM_SIZE];
bool pause_flag;
int exit_code = -1;
wasm_host_status last_status;
int failures;

uint8_t *wasm_host_memory(wasm_instance *inst, uint64_t *size) {
  (void)inst;
  *size = MEM_SIZE;
  return mem;
}
bool wasm_host_range_ok(wasm_instance *inst, uint64_t p, uint64_t n) {
  (void)inst;
  return p <= MEM_SIZE && n <= MEM_SIZE - p;
}
void wasm_host_trap(wasm_instance *inst, const char *m) { (void)inst; (void)m; }
void wasm_host_exit(wasm_instance *inst, int s) {
  (void)inst;
  exit_code = s;
}
bool wasm_pause_requested(wasm_instance *inst) {
  (void)inst;
  return pause_flag;
}

static const wasm_host_func *find(const char *name) {
  size_t n;
  const wasm_host_func *f = wasi_host_funcs(&n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(f[i].name, name) == 0) return &f[i];
  fprintf(stderr, "no host function %s\n", name);
  abort();
}

int call(wasi_ctx *ctx, const char *name, int n, ...) {
  uint64_t args[9] = {0}, res[1] = {0};
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) args[i] = va_arg(ap, uint64_t);
  va_end(ap);
  last_status = find(name)->fn(NULL, ctx, args, res);
  return (int)res[0];
}

uint32_t ld32(uint32_t p) {
  return (uint32_t)mem[p] | (uint32_t)mem[p + 1] << 8 |
         (uint32_t)mem[p + 2] << 16 | (uint32_t)mem[p + 3] << 24;
}
uint64_t ld64(uint32_t p) {
  return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}
void st32(uint32_t p, uint32_t v) {
  for (int i = 0; i < 4; i++) mem[p + i] = (uint8_t)(v >> (8 * i));
}
void st64(uint32_t p, uint64_t v) {
  for (int i = 0; i < 8; i++) mem[p + i] = (uint8_t)(v >> (8 * i));
}
