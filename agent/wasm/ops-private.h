/* The compiled code: 32-bit cells, an op cell followed by its operands.
 * Operands are frame slot numbers (relative to the frame's slot 0, the
 * first local), immediates and branch targets (cell offsets from the
 * start of the function's code). The numbering is part of the portable
 * layout only through cell counts: code is rebuilt from the module bytes
 * on every load, never stored.
 *
 * Loads, stores and the numeric ops keep their wasm opcode numbers. */
#pragma once
#include <math.h>

enum {
  OP_UNREACHABLE = 0x00,  /* */
  OP_BR = 0x01,           /* target */
  OP_BR_IF = 0x02,        /* cond target */
  OP_BR_UNLESS = 0x03,    /* cond target */
  OP_BR_TABLE = 0x04,     /* idx n t0..tn */
  OP_RET = 0x05,          /* results already in slots 0.. */
  OP_CALL = 0x06,         /* func base */
  OP_CALL_INDIRECT = 0x07,/* type table base idx */
  OP_LOOP = 0x08,         /* fuel: pause point, charges the loop's block */
  OP_FUEL = 0x09,         /* n */
  OP_COPY = 0x0a,         /* d a */
  OP_COPY128 = 0x0b,      /* d a */
  OP_SELECT = 0x0c,       /* d c a b */
  OP_SELECT128 = 0x0d,    /* d c a b */
  OP_CONST32 = 0x0e,      /* d imm */
  OP_CONST64 = 0x0f,      /* d lo hi */
  OP_CONST128 = 0x10,     /* d w0 w1 w2 w3 */
  OP_GLOBAL_GET = 0x11,   /* d idx */
  OP_GLOBAL_SET = 0x12,   /* idx a */
  OP_GLOBAL_GET128 = 0x13,
  OP_GLOBAL_SET128 = 0x14,
  OP_REF_FUNC = 0x15,     /* d func */
  OP_I32_WRAP = 0x16,     /* d a  (also i64.extend_i32_u: zero upper) */
  /* 0x28..0x3e: loads (d addr offset) and stores (addr value offset) */
  OP_MEMORY_SIZE = 0x3f,  /* d */
  OP_MEMORY_GROW = 0x40,  /* d a */
  /* 0x45..0xc4: numeric ops, unary (d a) and binary (d a b) */
  OP_TRUNC_SAT = 0xc5,    /* +0..7 as 0xfc 0..7: d a */
  OP_MEMORY_INIT = 0xd0,  /* seg d s n */
  OP_DATA_DROP = 0xd1,    /* seg */
  OP_MEMORY_COPY = 0xd2,  /* d s n */
  OP_MEMORY_FILL = 0xd3,  /* d val n */
  OP_TABLE_INIT = 0xd4,   /* table seg d s n */
  OP_ELEM_DROP = 0xd5,    /* seg */
  OP_TABLE_COPY = 0xd6,   /* dtable stable d s n */
  OP_TABLE_GROW = 0xd7,   /* d table val n */
  OP_TABLE_SIZE = 0xd8,   /* d table */
  OP_TABLE_FILL = 0xd9,   /* table i val n */
  OP_TABLE_GET = 0xda,    /* d table i */
  OP_TABLE_SET = 0xdb,    /* table i val */
  OP_REF_IS_NULL = 0xdc,  /* d a */
  /* superinstructions */
  OP_BR_I32_EQZ = 0xe0,   /* a target: branch if a == 0 */
  OP_BR_I32_EQ,           /* a b target: branch if the comparison holds */
  OP_BR_I32_NE,
  OP_BR_I32_LT_S,
  OP_BR_I32_LT_U,
  OP_BR_I32_GT_S,
  OP_BR_I32_GT_U,
  OP_BR_I32_LE_S,
  OP_BR_I32_LE_U,
  OP_BR_I32_GE_S,
  OP_BR_I32_GE_U,
  OP_BR_I32_IMM = 0xf0,   /* +(OP_BR_I32_xx - OP_BR_I32_EQ): a imm target */
  /* binary ops with a constant right operand: d a imm */
  OP_I32_IMM = 0x100,     /* + (wasm op - 0x46), for 0x46..0x78 */
  OP_I64_IMM = 0x140,     /* + (wasm op - 0x51), for 0x51..0x8a; imm is
                             sign-extended from 32 bits */
  /* loads and stores whose address is (u32)(a + imm): + (wasm op - 0x28);
   * loads: d a offset imm, stores: a v offset imm */
  OP_MEMX = 0x180,
  OP_SIMD = 0x1c0,        /* sub d a b c imm0..imm3: lane arithmetic */
  OP_SIMD_MEM = 0x1c1,    /* sub d addr offset lane v size */
  OP_COUNT = 0x200,
};

/* A WebAssembly NaN is quiet when its top fraction bit is set (IEEE
 * 754-2008). MIPS before NaN2008 (mips-linux-gnu's default ABI) has it the
 * other way round: its FPU answers an invalid operation with 0x7fbfffff
 * and passes a NaN with that bit clear on unchanged, neither of them an
 * arithmetic NaN. There the float results that come from the FPU are
 * made canonical NaNs (WASM_NAN32, WASM_NAN64); on every other host
 * WASM_LEGACY_NAN is 0 and the test compiles away. */
#if defined(__mips__) && !defined(__mips_nan2008)
#define WASM_LEGACY_NAN 1
#else
#define WASM_LEGACY_NAN 0
#endif
#define WASM_NAN32 0x7fc00000u
#define WASM_NAN64 0x7ff8000000000000ull

/* WebAssembly min and max, for the scalar ops and the SIMD lanes: NaN
 * wins, -0 < +0. */
#define WASM_MINMAX_FNS(T, min, max)                                    \
  static inline T min(T a, T b)                                         \
  {                                                                     \
    if (isnan(a) || isnan(b))                                           \
      return a + b;                                                     \
    return a == 0 && b == 0 ? (signbit(a) ? a : b) : a < b ? a : b;     \
  }                                                                     \
  static inline T max(T a, T b)                                         \
  {                                                                     \
    if (isnan(a) || isnan(b))                                           \
      return a + b;                                                     \
    return a == 0 && b == 0 ? (signbit(a) ? b : a) : a > b ? a : b;     \
  }
WASM_MINMAX_FNS(float, fmin32, fmax32)
WASM_MINMAX_FNS(double, fmin64, fmax64)
