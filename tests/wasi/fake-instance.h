/* A fake instance for calling the WASI host functions directly: 1 MiB of
 * plain memory standing in for linear memory, a pause flag and the exit
 * status, behind the engine's side of the host contract (wasm-host.h);
 * and the CHECK these tests count failures with. The names are short and
 * unprefixed on purpose: they are the vocabulary of nearly every line of
 * the tests that link this (test-wasi-unit, test-wasi-guest). */
#ifndef FAKE_INSTANCE_H
#define FAKE_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wasi.h"

#define MEM_SIZE (1u << 20)
extern uint8_t mem[MEM_SIZE];
extern bool pause_flag;              /* wasm_pause_requested's answer */
extern int exit_code;                /* proc_exit's status; -1 before */
extern wasm_host_status last_status; /* of the last call() */

/* Calls host function NAME with N (up to 9) uint64_t arguments; returns
 * the WASI errno result. Aborts when there is no such function. */
int call(wasi_ctx *ctx, const char *name, int n, ...);
#define A(x) ((uint64_t)(x))

/* Little-endian loads and stores at P in mem. */
uint32_t ld32(uint32_t p);
uint64_t ld64(uint32_t p);
void st32(uint32_t p, uint32_t v);
void st64(uint32_t p, uint64_t v);

extern int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
  __FILE__, __LINE__, #c); failures++; } } while (0)

#endif
