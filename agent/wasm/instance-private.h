/* Instantiation against arbitrary externs (other instances' exports, the
 * spec-test host module), used by the spec runner; wasm_instantiate()
 * is the host-function-only front door built on it. */
#pragma once
#include "engine-private.h"

typedef struct {
  uint8_t kind;                 /* WASM_EXTERN_* */
  union {
    wasm_func *func;
    wasm_table *table;
    wasm_memory *mem;
    wasm_global *global;
  } u;
} wasm_extern;

enum { WASM_INST_OK, WASM_INST_UNLINKABLE, WASM_INST_TRAPPED };

/* IMPORTS: one extern per module import, in order. On failure sets *WHY
 * and ERR and returns NULL (UNLINKABLE) or the instance (TRAPPED: a trap
 * in segment initialization or the start function leaves its effects on
 * imported tables, which may now hold this instance's functions, so the
 * caller keeps it alive). */
wasm_instance *wasm_instantiate_externs(const wasm_module *m,
                                        const wasm_extern *imports,
                                        void *host_ctx,
                                        const wasm_limits *limits, int *why,
                                        char *err, size_t errlen);
/* The extern an instance exports as NAME (LEN bytes), FALSE if none. */
bool wasm_export_extern(wasm_instance *inst, const char *name, size_t len,
                        wasm_extern *out);
/* A host function object (owned by the caller, free()d by it). */
wasm_func *wasm_host_func_new(const wasm_functype *type, wasm_host_fn fn,
                              void *ctx);
/* wasm_export_func() for a name of LEN bytes (names may hold NULs). */
int64_t wasm_export_func_n(const wasm_instance *inst, const char *name,
                           size_t len);
