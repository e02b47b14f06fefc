/* The WebAssembly engine: decode + validate a module, instantiate it
 * against host functions, run exported functions on an interpreter whose
 * whole execution state lives in heap structures the engine owns, so that
 * a running instance can be paused (from any thread), snapshotted and
 * resumed elsewhere. Plain C11: libc, libm and pthreads only.
 *
 * Values cross this API as 64-bit slots, as in wasm-host.h: i32 in the low
 * 32 bits (zero-extended), i64 as is, f32/f64 as their IEEE bits, a
 * reference as an opaque non-zero word (0 = null), v128 as two slots (low
 * half first). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm-host.h"

typedef struct wasm_module wasm_module;

/* Value types, with their binary-format codes. */
enum {
  WASM_TYPE_I32 = 0x7f,
  WASM_TYPE_I64 = 0x7e,
  WASM_TYPE_F32 = 0x7d,
  WASM_TYPE_F64 = 0x7c,
  WASM_TYPE_V128 = 0x7b,
  WASM_TYPE_FUNCREF = 0x70,
  WASM_TYPE_EXTERNREF = 0x6f,
};

/* How a run ended (or stopped). */
typedef enum {
  WASM_FINISHED, /* the invoked function returned; results are ready */
  WASM_TRAPPED,  /* wasm_trap_message() says why; the call stack is gone */
  WASM_EXITED,   /* a host function asked to exit (proc_exit) */
  WASM_PAUSED,   /* wasm_request_pause() was honoured; wasm_resume() goes on */
} wasm_result;

typedef struct {
  uint64_t fuel;            /* instructions the instance may run, 0 = no limit */
  uint64_t max_memory;      /* bytes of linear memory, 0 = 4 GiB */
  uint32_t max_frames;      /* call depth, 0 = 16384 */
  uint32_t max_stack_slots; /* value-stack slots, 0 = 1 Mi (8 MiB) */
} wasm_limits;

/* Load options. */
typedef struct {
  /* Compile without fuel counting: faster, and fuel limits are ignored
   * (wasm_fuel_used() stays 0). Pausing still works. */
  bool no_fuel;
} wasm_load_options;

/* Decodes, validates and compiles LEN bytes (copied; BYTES may be freed
 * afterwards). NULL on error, with "offset 0x1a3: reason" in ERR. */
wasm_module *wasm_module_load(const uint8_t *bytes, size_t len,
                              const wasm_load_options *opt,
                              char *err, size_t errlen);
void wasm_module_free(wasm_module *m);
/* SHA-256 of the module bytes (32 bytes). */
const uint8_t *wasm_module_hash(const wasm_module *m);

/* Instantiates M (which must outlive the instance): resolves every import
 * against IMPORTS by module and name (a missing one or a signature
 * mismatch is an error; only function imports are supported here),
 * allocates memory, tables and globals, applies the data and element
 * segments and runs the start function if any. HOST_CTX is passed to
 * every host function. LIMITS may be NULL. NULL on error with ERR. */
wasm_instance *wasm_instantiate(const wasm_module *m,
                                const wasm_host_func *imports, size_t nimports,
                                void *host_ctx, const wasm_limits *limits,
                                char *err, size_t errlen);
void wasm_instance_free(wasm_instance *inst);
const wasm_module *wasm_instance_module(const wasm_instance *inst);
void *wasm_instance_host_ctx(const wasm_instance *inst);

/* Exported function lookup: its function index, or -1. */
int64_t wasm_export_func(const wasm_instance *inst, const char *name);
/* Signature of function FUNC: counts and value types (may be NULL). */
bool wasm_func_signature(const wasm_instance *inst, uint32_t func,
                         uint32_t *nparams, const uint8_t **params,
                         uint32_t *nresults, const uint8_t **results);

/* Starts function FUNC with ARGS (NARGS slots) and runs it. Results can
 * be read with wasm_results() after WASM_FINISHED. */
wasm_result wasm_call(wasm_instance *inst, uint32_t func,
                      const uint64_t *args, size_t nargs);
/* wasm_call by export name; WASM_TRAPPED ("no such export") if absent. */
wasm_result wasm_invoke(wasm_instance *inst, const char *name,
                        const uint64_t *args, size_t nargs);
/* Continues a paused (or restored) instance. Clears the pause request. */
wasm_result wasm_resume(wasm_instance *inst);
/* The results of the last finished call: up to N slots; returns how many
 * slots the function returns. */
size_t wasm_results(const wasm_instance *inst, uint64_t *out, size_t n);

const char *wasm_trap_message(const wasm_instance *inst);
int wasm_exit_status(const wasm_instance *inst);

/* Asks INST to pause at its next call, loop back-edge or waiting host
 * call; safe from any thread and from signal handlers. */
void wasm_request_pause(wasm_instance *inst);
/* Called (on the requesting thread) by wasm_request_pause, to wake a
 * host call that waits on something else than a 10 ms poll. */
void wasm_set_pause_hook(wasm_instance *inst, void (*hook)(void *), void *ctx);
/* TRUE while the instance holds a paused call (wasm_resume() may go on). */
bool wasm_is_paused(const wasm_instance *inst);

/* Instructions executed so far (per basic block, exact at block ends). */
uint64_t wasm_fuel_used(const wasm_instance *inst);
/* Sets a new fuel budget counted from now (0 = no limit). */
void wasm_set_fuel(wasm_instance *inst, uint64_t fuel);
/* Current linear memory size in bytes (memory 0). */
uint64_t wasm_memory_size(const wasm_instance *inst);
