/* Shared scaffolding for the engine benchmarks. Each program defines
 * `static uint64_t bench(unsigned scale)` and gets either a main() that
 * prints the checksum (native and wasm32-wasi builds), or, with
 * BENCH_NO_LIBC, an exported run() for import-free modules (wabt's
 * wasm-interp has no WASI). SCALE multiplies the work. */
#pragma once
#include <stdint.h>

#ifndef SCALE
#define SCALE 10
#endif

static uint64_t bench(unsigned scale);

#ifdef BENCH_NO_LIBC
__attribute__((export_name("run"))) uint64_t run(void) { return bench(SCALE); }
#else
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : SCALE;
  printf("%llu\n", (unsigned long long)bench(scale));
  return 0;
}
#endif
