/* arts-wasm's run machinery, shared with its extensions (snapshot and
 * resume live in arts-wasm-snapshot.c and plug in through the hooks
 * below, set from a constructor). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasi.h"
#include "wasm.h"

#define ARTS_RUN_MAX 64

typedef struct {
  char *host, *guest;
} arts_run_dir;

typedef struct {
  arts_run_dir dirs[ARTS_RUN_MAX];
  size_t ndirs;
  const char *env[ARTS_RUN_MAX];
  size_t nenv;
  wasm_limits limits;
  /* for extensions: e.g. --snapshot-after-ms / --snapshot-file */
  long snapshot_after_ms;
  const char *snapshot_file;
  void *ext;
} arts_run_opts;

/* The whole file PATH (malloc'd), or NULL with errno. */
uint8_t *arts_wasm_read_file(const char *path, size_t *len);

/* Parses `run` options; returns the index of PROG.wasm in ARGV or -1. */
int arts_run_parse(arts_run_opts *o, int argc, char **argv);
void arts_run_opts_free(arts_run_opts *o);
/* The exit status for how a run ended (prints traps). */
int arts_run_status(wasm_instance *inst, wasi_ctx *wasi, wasm_result r);
/* Drives R (the result of starting or resuming) to the end through
 * arts_run_on_pause; returns the exit status. */
int arts_run_loop(arts_run_opts *o, wasm_instance *inst, wasi_ctx *wasi,
                  wasm_result r);

/* Hooks (NULL when unused). */
/* An option `run` does not know: TRUE if taken. */
extern bool (*arts_run_extra_option)(arts_run_opts *o, const char *name,
                                     const char *val);
/* After instantiation, before _start runs (e.g. start a pause timer);
 * < 0 aborts the run. */
extern int (*arts_run_on_start)(arts_run_opts *o, wasm_instance *inst,
                                wasi_ctx *wasi);
/* The instance paused: snapshot and set *DONE to an exit status to stop,
 * or return wasm_resume(inst). Without a hook, runs just resume. */
extern wasm_result (*arts_run_on_pause)(arts_run_opts *o, wasm_instance *inst,
                                        wasi_ctx *wasi, int *done);
/* The run is over, whichever way, before the instance is freed (e.g. stop
 * a pause timer that could still fire). */
extern void (*arts_run_on_end)(arts_run_opts *o, wasm_instance *inst);
/* A command main() does not know (e.g. "resume"): its exit status, or
 * -1 if not taken. */
extern int (*arts_wasm_extra_command)(const char *cmd, int argc, char **argv);
