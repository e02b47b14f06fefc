/* The contract between the engine and the host functions it imports
 * (agent/wasi/ today, channels tomorrow). Plain C: no GLib here.
 *
 * A host function sees its arguments and writes its results as 64-bit
 * slots (i32 in the low 32 bits, zero-extended; f32/f64 as their bits).
 * It must never block for long: a call that waits (sleep, input) waits in
 * slices of at most 10 ms and returns WASM_HOST_PAUSE as soon as
 * wasm_pause_requested() is true. The engine then leaves the pc on the
 * call instruction, so the call is made again, from the start, when the
 * instance resumes -- here or in another process after a snapshot. Such a
 * call therefore has no effect before it returns WASM_HOST_OK. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wasm_instance wasm_instance;

typedef enum {
  WASM_HOST_OK,      /* results written */
  WASM_HOST_TRAP,    /* wasm_host_trap() said why */
  WASM_HOST_EXIT,    /* wasm_host_exit() gave the status (proc_exit) */
  WASM_HOST_PAUSE,   /* interrupted by a pause: redo this call on resume */
} wasm_host_status;

typedef wasm_host_status (*wasm_host_fn)(wasm_instance *inst, void *ctx,
                                         const uint64_t *args,
                                         uint64_t *results);

/* One importable function. TYPE spells the signature: parameter letters,
 * ':', result letters, with i = i32, I = i64, f = f32, F = f64;
 * "iiii:i" is (i32 i32 i32 i32) -> i32, ":" is () -> (). */
typedef struct {
  const char *module;     /* "wasi_snapshot_preview1" */
  const char *name;       /* "fd_write" */
  const char *type;
  wasm_host_fn fn;
} wasm_host_func;

/* Linear memory 0 of INST: its bytes and size (NULL, 0 when it has none).
 * The pointer is valid until the instance runs again (memory.grow moves
 * it). */
uint8_t *wasm_host_memory(wasm_instance *inst, uint64_t *size);
/* TRUE when [ptr, ptr+len) lies inside memory 0. */
bool wasm_host_range_ok(wasm_instance *inst, uint64_t ptr, uint64_t len);
/* Sets the trap message (copied) for WASM_HOST_TRAP. */
void wasm_host_trap(wasm_instance *inst, const char *message);
/* Sets the exit status for WASM_HOST_EXIT. */
void wasm_host_exit(wasm_instance *inst, int status);
/* TRUE once another thread asked this instance to pause. */
bool wasm_pause_requested(wasm_instance *inst);
