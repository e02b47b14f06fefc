/* libFuzzer target: decode + validate + compile any bytes; what loads is
 * instantiated (import-free modules) and each exported function without
 * parameters is run under small fuel, memory and stack limits. */
#include <stddef.h>
#include <stdint.h>

#include "engine-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char err[256];
  wasm_module *m = wasm_module_load(data, size, NULL, err, sizeof err);
  if (!m)
    return 0;
  wasm_limits lim = {.fuel = 20000, .max_memory = 1 << 20,
                     .max_frames = 200, .max_stack_slots = 1 << 16};
  wasm_instance *inst = m->nimports ? NULL
                                    : wasm_instantiate(m, NULL, 0, NULL, &lim,
                                                       err, sizeof err);
  if (inst) {
    for (uint32_t i = 0; i < m->nexports; i++) {
      const wasm_export *e = &m->exports[i];
      uint32_t np;
      if (e->kind != WASM_EXTERN_FUNC ||
          !wasm_func_signature(inst, e->index, &np, NULL, NULL, NULL) || np)
        continue;
      wasm_set_fuel(inst, 20000);
      wasm_call(inst, e->index, NULL, 0);
    }
    wasm_instance_free(inst);
  }
  wasm_module_free(m);
  return 0;
}
