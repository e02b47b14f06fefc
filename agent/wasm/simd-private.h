/* SIMD (v128): what the compiler needs to know of each 0xfd op, and the
 * two out-of-line executors the interpreter calls (one generic op for all
 * lane arithmetic, one for memory accesses). v128 values are two slots. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

enum {
  SIMD_BIN,        /* v v -> v */
  SIMD_UN,         /* v -> v */
  SIMD_TER,        /* v v v -> v */
  SIMD_SHIFT,      /* v i32 -> v */
  SIMD_SPLAT,      /* scalar -> v */
  SIMD_EXTRACT,    /* v -> scalar, lane */
  SIMD_REPLACE,    /* v scalar -> v, lane */
  SIMD_TEST,       /* v -> i32 */
  SIMD_CONST,      /* -> v, 16 bytes */
  SIMD_SHUFFLE,    /* v v -> v, 16 lane bytes */
  SIMD_LOAD,       /* i32 -> v, memarg */
  SIMD_STORE,      /* i32 v -> , memarg */
  SIMD_LOAD_LANE,  /* i32 v -> v, memarg lane */
  SIMD_STORE_LANE, /* i32 v -> , memarg lane */
};

typedef struct {
  uint8_t kind;
  uint8_t scalar;     /* SPLAT/EXTRACT/REPLACE: the scalar value type */
  uint8_t lanes;      /* lane count for lane immediates */
  uint8_t size;       /* memory ops: bytes accessed */
  uint8_t align;      /* memory ops: natural alignment (log2) */
} wasm_simd_info;

/* FALSE for an unknown sub-opcode. */
bool wasm_simd_info_of(uint32_t sub, wasm_simd_info *info);
/* Lane arithmetic: D (2 slots, or 1 for a scalar result) from A, B, C;
 * IMM: lane index, or the 16 immediate bytes as 4 little-endian words. */
void wasm_simd_exec(uint32_t sub, uint64_t *d, const uint64_t *a,
                    const uint64_t *b, const uint64_t *c, const uint32_t *imm);
/* A memory op at P (already bounds-checked for info.size bytes): loads
 * into D, stores V; LANE for the lane ops. */
void wasm_simd_mem(uint32_t sub, uint8_t *p, uint64_t *d, const uint64_t *v,
                   uint32_t lane);
