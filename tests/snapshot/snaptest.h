/* What the snapshot tests and fuzzers share: a check counter, an output
 * sink, program loading, the CRC-32C that re-seals edited snapshots and
 * memory images (so a mutation is judged past the checksum), starting or
 * restoring a run into a sink, and the fuzzers' short quiet run. */
#ifndef SNAPTEST_H
#define SNAPTEST_H

#include <stdio.h>

#include "snapshot.h"
#include "wasi.h"

extern int snaptest_failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
  __FILE__, __LINE__, #c); snaptest_failures++; } } while (0)

/* A wasi_stream target that keeps all output. LEN is stored atomically,
 * so another thread may wait for the first bytes. */
typedef struct {
  char *buf;
  size_t len, cap;
  wasm_instance *pause;   /* paused after each line when set */
} snaptest_sink;

long snaptest_sink_write(void *c, const void *b, size_t n);

/* No preopens, output discarded: what a mutated snapshot may run with, as
 * it cannot point host calls at real files. */
extern const wasi_config snaptest_quiet;

/* The whole file (malloc'd), or NULL; *LEN is 0 when it could not be read. */
uint8_t *snaptest_read_all(const char *path, size_t *len);
/* PATH's module, its bytes (kept for the module's life) in *BYTES; NULL
 * after saying why on stderr. */
wasm_module *snaptest_load_program(const char *path, uint8_t **bytes);
/* Frees what snaptest_load_program gave, reports the checks: main's exit
 * status. */
int snaptest_end(wasm_module *m, uint8_t *bytes);

/* The reference CRC-32C, bit by bit. */
uint32_t snaptest_crc32(const uint8_t *p, size_t n);
/* Rewrites the 4-byte trailer of B to the checksum of what precedes it. */
void snaptest_reseal(uint8_t *b, size_t len);
/* A resealed malloc'd copy of N bytes, or NULL when too short for a
 * trailer. */
uint8_t *snaptest_sealed(const uint8_t *p, size_t n);

/* A program instance whose stdout and stderr go to a sink. The stream
 * lives here: a run stays where it is while its context does. */
typedef struct {
  wasi_stream out;
  wasi_ctx *w;
  wasm_instance *inst;
} snaptest_run;

/* A fresh instance of M with ARGC ARGV into RUN: RUN->inst, or NULL. */
wasm_instance *snaptest_start(snaptest_run *run, wasm_module *m, size_t argc,
                              const char *const *argv, snaptest_sink *out);
/* S's host state restored and S (of module M) instantiated into RUN:
 * 0, or -1 with ERR. */
int snaptest_restore(snaptest_run *run, wasm_snapshot *s, wasm_module *m,
                     snaptest_sink *out, char *err, size_t errlen);
/* Frees the instance and context; RUN is zeroed. */
void snaptest_run_free(snaptest_run *run);

/* Instantiates snapshot S under the fuzzers' small limits, with a fresh
 * snaptest_quiet WASI context; when accepted, hands it to CHECK (unless
 * NULL) and runs it a little. */
void snaptest_fuzz_run(wasm_snapshot *s, wasm_module *m,
                       void (*check)(const wasm_instance *inst));

#endif
