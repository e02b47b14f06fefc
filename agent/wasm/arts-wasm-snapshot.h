/* arts-wasm's snapshot side: `run --snapshot-after-ms N --snapshot-file F`
 * and `resume`. */
#pragma once
#include "wasi.h"
#include "wasm.h"

/* Runs INST's "_start" (its WASI context is WASI); when AFTER_MS passes
 * first, pauses it, writes the snapshot to FILE and returns 0 without
 * finishing. Otherwise (the program ended first, no snapshot written)
 * returns what a plain run returns: the program's exit status, 0 when
 * _start returned, 134 after a trap (message on stderr). AFTER_MS < 0:
 * no snapshot, just that plain run. */
int arts_wasm_run_snapshot(wasm_instance *inst, wasi_ctx *wasi,
                           long after_ms, const char *file);

/* The exit code of a finished, exited or trapped run (see above). */
int arts_wasm_exit_code(wasm_instance *inst, wasm_result r);

/* `arts-wasm resume [--dir HOST::GUEST]... [--snapshot-after-ms N
 * --snapshot-file F] FILE`: ARGV[0] is "resume". Returns the exit code. */
int arts_wasm_resume_main(int argc, char **argv);
