/* The spec-test runner behind `arts-wasm spec`. */
#pragma once
#include <stdbool.h>

/* Runs the wast2json file PATH (its .wasm files are found relative to the
 * current directory) and prints "N passed, M failed, K skipped". Returns
 * 0 when nothing failed, 1 when something did, 2 when PATH is unusable. */
int wasm_spec_run(const char *path, bool verbose);
