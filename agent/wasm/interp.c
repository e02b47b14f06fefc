/* The interpreter: one computed-goto loop over the compiled code of
 * ops-private.h. pc, fp (the frame's slot 0), the memory base and size
 * and the fuel counter live in locals; a WebAssembly call pushes the
 * caller on the engine's frame stack and carries on in the same loop, so
 * the C stack never grows with WebAssembly recursion. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian-private.h"
#include "engine-private.h"
#include "ops-private.h"
#include "simd-private.h"
#include "size-check.h"

/* A slot's bits as a float of type F (the low half for f32) and back; a
 * NaN computed on a legacy-NaN host goes back as the canonical NAN. */
#define BITCASTS(F, U, get, put, nan)                                   \
  static inline F get(uint64_t s)                                       \
  {                                                                     \
    U u = (U)s;                                                         \
    F f;                                                                \
    memcpy(&f, &u, sizeof f);                                           \
    return f;                                                           \
  }                                                                     \
  static inline uint64_t put(F f)                                       \
  {                                                                     \
    U u;                                                                \
    memcpy(&u, &f, sizeof u);                                           \
    if (WASM_LEGACY_NAN && isnan(f))                                    \
      u = (nan);                                                        \
    return u;                                                           \
  }
BITCASTS(float, uint32_t, f32_of, of_f32, WASM_NAN32)
BITCASTS(double, uint64_t, f64_of, of_f64, WASM_NAN64)

#define ROTATES(T, bits)                                                \
  static inline T rotl##bits(T x, T n)                                  \
  {                                                                     \
    n &= bits - 1;                                                      \
    return n ? (x << n) | (x >> (bits - n)) : x;                        \
  }                                                                     \
  static inline T rotr##bits(T x, T n)                                  \
  {                                                                     \
    n &= bits - 1;                                                      \
    return n ? (x >> n) | (x << (bits - n)) : x;                        \
  }
ROTATES(uint32_t, 32)
ROTATES(uint64_t, 64)

/* ---- bulk memory and tables (not hot) ---- */

static const char *grow_memory(wasm_instance *inst, uint32_t delta,
                               uint32_t *result)
{
  wasm_memory *mem = inst->mems[0];
  uint64_t old = mem->pages;
  *result = UINT32_MAX;
  if (old + delta > mem->max_pages)
    return NULL;
  if (delta) {
    /* growth this host cannot address (65,536 pages on a 32-bit host)
     * fails like any refused allocation: memory.grow gives -1. The old
     * pages are backed, so OLD_BYTES fits. */
    size_t bytes, old_bytes = (size_t)old * WASM_PAGE_SIZE;
    if (!bytes_for_pages(old + delta, &bytes))
      return NULL;
    uint8_t *d;
    if (delta >= old) {
      /* a big step: fresh zero pages from calloc stay untouched (no RSS)
       * until the program writes them; the copy is at most DELTA pages */
      d = calloc(bytes, 1);
      if (!d)
        return NULL;
      memcpy(d, mem->data, old_bytes);
      free(mem->data);
    } else {
      d = realloc(mem->data, bytes);
      if (!d)
        return NULL;
      memset(d + old_bytes, 0, bytes - old_bytes);
    }
    mem->data = d;
    mem->pages = old + delta;
  }
  *result = (uint32_t)old;
  return NULL;
}

static uint32_t grow_table(wasm_table *t, uint64_t init, uint32_t delta)
{
  uint32_t old = t->size;
  size_t bytes;
  if ((uint64_t)old + delta > t->max)
    return UINT32_MAX;
  if ((uint64_t)old + delta > 10000000u)
    return UINT32_MAX;
  if (delta) {
    uint64_t *e = NULL;
    if (size_mul((uint64_t)old + delta, sizeof *e, &bytes))
      e = realloc(t->elems, bytes);
    if (!e)
      return UINT32_MAX;
    for (uint32_t i = 0; i < delta; i++)
      e[old + i] = init;
    t->elems = e;
    t->size = old + delta;
  }
  return old;
}

/* The run-time reference of a constant expression item (elements). */
uint64_t wasm_elem_item_ref(wasm_instance *inst, const wasm_const_expr *e);

/* Slot K of the op at PC, in frame FP. */
#define S(k) fp[pc[k]]

/* The bulk ops read their operands from the op's cells (PC) and the
 * frame (FP), as the ops of ops-private.h list them, and return a trap
 * message or NULL. */
static const char *table_init(wasm_instance *inst, const uint64_t *fp,
                              const uint32_t *pc)
{
  uint32_t seg = pc[2], d = (uint32_t)S(3), s = (uint32_t)S(4),
           n = (uint32_t)S(5);
  wasm_table *t = inst->tables[pc[1]];
  const wasm_elem_seg *es = &inst->module->elems[seg];
  uint32_t count = inst->elem_dropped[seg] ? 0 : es->count;
  if ((uint64_t)s + n > count || (uint64_t)d + n > t->size)
    return "out of bounds table access";
  for (uint32_t i = 0; i < n; i++)
    t->elems[d + i] = wasm_elem_item_ref(inst, &es->items[s + i]);
  return NULL;
}

static const char *table_copy(wasm_instance *inst, const uint64_t *fp,
                              const uint32_t *pc)
{
  uint32_t d = (uint32_t)S(3), s = (uint32_t)S(4), n = (uint32_t)S(5);
  wasm_table *td = inst->tables[pc[1]], *ts = inst->tables[pc[2]];
  if ((uint64_t)s + n > ts->size || (uint64_t)d + n > td->size)
    return "out of bounds table access";
  if (n)
    memmove(td->elems + d, ts->elems + s, (size_t)n * sizeof *td->elems);
  return NULL;
}

static const char *table_fill(wasm_instance *inst, const uint64_t *fp,
                              const uint32_t *pc)
{
  uint32_t i = (uint32_t)S(2), n = (uint32_t)S(4);
  uint64_t v = S(3);
  wasm_table *t = inst->tables[pc[1]];
  if ((uint64_t)i + n > t->size)
    return "out of bounds table access";
  for (uint32_t k = 0; k < n; k++)
    t->elems[i + k] = v;
  return NULL;
}

static const char *memory_init(wasm_instance *inst, const uint64_t *fp,
                               const uint32_t *pc)
{
  uint32_t seg = pc[1], d = (uint32_t)S(2), s = (uint32_t)S(3),
           n = (uint32_t)S(4);
  wasm_memory *mem = inst->mems[0];
  const wasm_data_seg *ds = &inst->module->datas[seg];
  uint32_t len = inst->data_dropped[seg] ? 0 : ds->len;
  if ((uint64_t)s + n > len ||
      (uint64_t)d + n > mem->pages * WASM_PAGE_SIZE)
    return "out of bounds memory access";
  if (n)
    memcpy(mem->data + d, inst->module->bytes + ds->at + s, n);
  return NULL;
}

/* Direct threading: an op cell holds its handler's offset from op_bad,
 * filled in by wasm_interp_thread_op() after compiling. */
#define NEXT() goto *(void *)((char *)&&op_bad + (int32_t)*pc)
static int32_t thread_offsets[OP_COUNT];
#define TRAP(msg) do { trap_msg = (msg); goto trap; } while (0)

#define LOAD_INST()                                                     \
  do {                                                                  \
    memobj = inst->mems ? inst->mems[0] : NULL;                         \
    globals = inst->globals;                                            \
  } while (0)
#define RELOAD_MEM()                                                    \
  do {                                                                  \
    if (memobj) {                                                       \
      mem = memobj->data;                                               \
      memsize = memobj->pages * WASM_PAGE_SIZE;                         \
    } else {                                                            \
      mem = NULL;                                                       \
      memsize = 0;                                                      \
    }                                                                   \
  } while (0)

#define PAUSE_CHECK()                                                   \
  do {                                                                  \
    if (__builtin_expect(                                               \
          atomic_load_explicit(pflag, memory_order_relaxed), 0))        \
      goto pause;                                                       \
  } while (0)
/* Charges N instructions (N is read again to give them back). */
#define CHARGE(n)                                                       \
  do {                                                                  \
    if (__builtin_expect((fuel -= (n)) < 0, 0)) {                       \
      fuel += (n);                                                      \
      TRAP("out of fuel");                                              \
    }                                                                   \
  } while (0)
/* Conditional branches: ... target refund; a taken branch gives back the
 * fuel its block charged for the instructions it skips. AT is the index
 * of the target cell, LEN the op's length. */
#define BRANCH_IF(cond, at, len)                                        \
  do {                                                                  \
    if (cond) {                                                         \
      fuel += pc[(at) + 1];                                             \
      pc = code + pc[at];                                               \
    } else {                                                            \
      pc += (len);                                                      \
    }                                                                   \
    NEXT();                                                             \
  } while (0)
/* A bulk op's handler: its helper returns a trap message or NULL. */
#define BULK(name, len)                                                 \
  op_##name: {                                                          \
    const char *e_ = name(inst, fp, pc);                                \
    if (e_)                                                             \
      TRAP(e_);                                                         \
    pc += (len);                                                        \
    NEXT();                                                             \
  }

/* Memory accesses. The address is fp[a] + offset, or for OP_MEMX
 * (u32)(fp[a] + imm) + offset (a folded i32.add); K is a's cell. */
#define ADDR(k) ((uint64_t)(uint32_t)S(k) + pc[3])
#define ADDRX(k) ((uint64_t)(uint32_t)((uint32_t)S(k) + pc[4]) + pc[3])
#define EA(addr, size)                                                  \
  ({                                                                    \
    uint64_t ea_ = (addr);                                              \
    if (__builtin_expect(ea_ + (size) > memsize, 0))                    \
      TRAP("out of bounds memory access");                              \
    mem + ea_;                                                          \
  })
#define LOAD_AT(label, addr, len, T, conv)                              \
  label: {                                                              \
    T v_ = (T)le_getn(EA(addr(2), sizeof(T)), sizeof(T));               \
    S(1) = conv(v_);                                                    \
    pc += (len);                                                        \
    NEXT();                                                             \
  }
#define STORE_AT(label, addr, len, T)                                   \
  label: {                                                              \
    uint8_t *p_ = EA(addr(1), sizeof(T));                               \
    le_putn(p_, (T)S(2), sizeof(T));                                    \
    pc += (len);                                                        \
    NEXT();                                                             \
  }
#define LOAD(op, T, conv) LOAD_AT(op_##op, ADDR, 4, T, conv)
#define STORE(op, T) STORE_AT(op_##op, ADDR, 4, T)
#define LOADX(op, T, conv) LOAD_AT(op_memx_##op, ADDRX, 5, T, conv)
#define STOREX(op, T) STORE_AT(op_memx_##op, ADDRX, 5, T)

#define U32(x) ((uint64_t)(uint32_t)(x))
#define ID(x) (x)
/* The loads and stores: wasm op, memory type, conversion to a slot. */
#define MEM_OPS(LD, ST)                                                 \
  LD(0x28, uint32_t, U32) LD(0x29, uint64_t, ID)                        \
  LD(0x2a, uint32_t, U32) LD(0x2b, uint64_t, ID)                        \
  LD(0x2c, int8_t, U32) LD(0x2d, uint8_t, U32)                          \
  LD(0x2e, int16_t, U32) LD(0x2f, uint16_t, U32)                        \
  LD(0x30, int8_t, (uint64_t)(int64_t)) LD(0x31, uint8_t, (uint64_t))   \
  LD(0x32, int16_t, (uint64_t)(int64_t)) LD(0x33, uint16_t, (uint64_t)) \
  LD(0x34, int32_t, (uint64_t)(int64_t)) LD(0x35, uint32_t, (uint64_t)) \
  ST(0x36, uint32_t) ST(0x37, uint64_t) ST(0x38, uint32_t)              \
  ST(0x39, uint64_t) ST(0x3a, uint8_t) ST(0x3b, uint16_t)               \
  ST(0x3c, uint8_t) ST(0x3d, uint16_t) ST(0x3e, uint32_t)

/* LABEL(op_, 0x46) is op_0x46 also when the opcode comes from a macro. */
#define PASTE(a, b) a##b
#define LABEL(prefix, op) PASTE(prefix, op)

/* Value ops: a from slot 2 read by GET, b (unused by unary ops) from
 * BVAL, the result EXPR written to slot 1 by PUT; LEN cells. */
#define VALUE_OP(label, T, get, bval, put, expr, len)                   \
  label: {                                                              \
    T a = get(S(2)), b = (bval);                                        \
    (void)b;                                                            \
    S(1) = put(expr);                                                   \
    pc += (len);                                                        \
    NEXT();                                                             \
  }
#define UN(op, T, get, put, expr)                                       \
  VALUE_OP(LABEL(op_, op), T, get, 0, put, expr, 3)
#define I32_UN(op, expr) UN(op, uint32_t, (uint32_t), U32, expr)
#define I64_UN(op, expr) UN(op, uint64_t, ID, ID, expr)
#define F32_UN(op, expr) UN(op, float, f32_of, of_f32, expr)
#define F64_UN(op, expr) UN(op, double, f64_of, of_f64, expr)
#define I32_BIN(op, expr)                                               \
  VALUE_OP(LABEL(op_, op), uint32_t, (uint32_t), (uint32_t)S(3), U32, expr, 4)
#define I64_BIN(op, expr)                                               \
  VALUE_OP(LABEL(op_, op), uint64_t, ID, S(3), ID, expr, 4)
#define F32_BIN(op, expr)                                               \
  VALUE_OP(LABEL(op_, op), float, f32_of, f32_of(S(3)), of_f32, expr, 4)
#define F64_BIN(op, expr)                                               \
  VALUE_OP(LABEL(op_, op), double, f64_of, f64_of(S(3)), of_f64, expr, 4)
#define F32_CMP(op, expr)                                               \
  VALUE_OP(LABEL(op_, op), float, f32_of, f32_of(S(3)), U32, expr, 4)
#define F64_CMP(op, expr)                                               \
  VALUE_OP(LABEL(op_, op), double, f64_of, f64_of(S(3)), U32, expr, 4)
/* The same with a constant right operand (OP_I32_IMM, OP_I64_IMM; the
 * i64 one sign-extended from 32 bits). */
#define I32_IMM(op, expr)                                               \
  VALUE_OP(LABEL(op_i32_imm_, op), uint32_t, (uint32_t), pc[3], U32, expr, 4)
#define I64_IMM(op, expr)                                               \
  VALUE_OP(LABEL(op_i64_imm_, op), uint64_t, ID,                        \
           (uint64_t)(int64_t)(int32_t)pc[3], ID, expr, 4)
#define I32_IMM_LABEL(op, expr)                                         \
  [OP_I32_IMM + op - 0x46] = &&LABEL(op_i32_imm_, op),
#define I64_IMM_LABEL(op, expr)                                         \
  [OP_I64_IMM + op - 0x51] = &&LABEL(op_i64_imm_, op),

/* The numeric ops that exist in both widths, one row each: the opcodes
 * (COL picks one: W32 or W64) and one expression of a and b for both.
 * SGN(x) is x as signed, MASK(x) the mask of a shift count, SIGN_BIT(x)
 * its top bit, and CLZ, CTZ, POPCNT, ROTL, ROTR, FMIN, FMAX, LIBM pick the
 * function of x's width. Each table is expanded once per width, where
 * the opcode order puts it. */
#define W32(op32, op64) op32
#define W64(op32, op64) op64
#define SGN(x) _Generic((x), uint32_t: (int32_t)(x), uint64_t: (int64_t)(x))
#define MASK(x) ((int)sizeof(x) * 8 - 1)
#define SIGN_BIT(x) ((__typeof__(x))1 << MASK(x))
#define BY_WIDTH(x, f32, f64) _Generic((x), uint32_t: f32(x), uint64_t: f64(x))
#define CLZ(x) BY_WIDTH(x, __builtin_clz, __builtin_clzll)
#define CTZ(x) BY_WIDTH(x, __builtin_ctz, __builtin_ctzll)
#define POPCNT(x) BY_WIDTH(x, __builtin_popcount, __builtin_popcountll)
#define ROTL(x, n) _Generic((x), uint32_t: rotl32, uint64_t: rotl64)(x, n)
#define ROTR(x, n) _Generic((x), uint32_t: rotr32, uint64_t: rotr64)(x, n)
#define FMIN(x, y) _Generic((x), float: fmin32, double: fmin64)(x, y)
#define FMAX(x, y) _Generic((x), float: fmax32, double: fmax64)(x, y)
#define LIBM(fn, x) _Generic((x), float: fn##f, double: fn)(x)

/* The integer ones have an immediate form too. */
#define INT_CMP_OPS(X, COL)                                             \
  X(COL(0x46, 0x51), a == b) X(COL(0x47, 0x52), a != b)                 \
  X(COL(0x48, 0x53), SGN(a) < SGN(b)) X(COL(0x49, 0x54), a < b)         \
  X(COL(0x4a, 0x55), SGN(a) > SGN(b)) X(COL(0x4b, 0x56), a > b)         \
  X(COL(0x4c, 0x57), SGN(a) <= SGN(b)) X(COL(0x4d, 0x58), a <= b)       \
  X(COL(0x4e, 0x59), SGN(a) >= SGN(b)) X(COL(0x4f, 0x5a), a >= b)
#define INT_ARITH_OPS(X, COL)                                           \
  X(COL(0x6a, 0x7c), a + b) X(COL(0x6b, 0x7d), a - b)                   \
  X(COL(0x6c, 0x7e), a * b)
#define INT_BIT_OPS(X, COL)                                             \
  X(COL(0x71, 0x83), a & b) X(COL(0x72, 0x84), a | b)                   \
  X(COL(0x73, 0x85), a ^ b) X(COL(0x74, 0x86), a << (b & MASK(a)))      \
  X(COL(0x75, 0x87), SGN(a) >> (b & MASK(a)))                           \
  X(COL(0x76, 0x88), a >> (b & MASK(a)))                                \
  X(COL(0x77, 0x89), ROTL(a, b)) X(COL(0x78, 0x8a), ROTR(a, b))
#define INT_IMM_OPS(X, COL)                                             \
  INT_CMP_OPS(X, COL) INT_ARITH_OPS(X, COL) INT_BIT_OPS(X, COL)
#define FLOAT_CMP_OPS(X, COL)                                           \
  X(COL(0x5b, 0x61), a == b) X(COL(0x5c, 0x62), a != b)                 \
  X(COL(0x5d, 0x63), a < b) X(COL(0x5e, 0x64), a > b)                   \
  X(COL(0x5f, 0x65), a <= b) X(COL(0x60, 0x66), a >= b)
/* Division and remainder: a zero divisor traps, and so does the
 * overflowing INT_MIN / -1 (OVF); rem_s by -1 is 0 (C's % would trap). */
#define INT_DIV_OPS(X, COL)                                             \
  X(COL(0x6d, 0x7f), a == SIGN_BIT(a) && SGN(b) == -1, SGN(a) / SGN(b)) \
  X(COL(0x6e, 0x80), 0, a / b)                                          \
  X(COL(0x6f, 0x81), 0, SGN(b) == -1 ? 0 : SGN(a) % SGN(b))             \
  X(COL(0x70, 0x82), 0, a % b)
/* i32 0x67..0x78, i64 0x79..0x8a */
#define INT_OPS(UN_, BIN, DIV, COL)                                     \
  UN_(COL(0x67, 0x79), a ? CLZ(a) : MASK(a) + 1)                        \
  UN_(COL(0x68, 0x7a), a ? CTZ(a) : MASK(a) + 1)                        \
  UN_(COL(0x69, 0x7b), POPCNT(a))                                       \
  INT_ARITH_OPS(BIN, COL)                                               \
  INT_DIV_OPS(DIV, COL)                                                 \
  INT_BIT_OPS(BIN, COL)
/* f32 0x8b..0x98, f64 0x99..0xa6; abs, neg and copysign work on the
 * bits (I_UN, I_BIN), so NaN payloads pass unchanged */
#define FLOAT_OPS(I_UN, F_UN, F_BIN, I_BIN, COL)                        \
  I_UN(COL(0x8b, 0x99), a & ~SIGN_BIT(a))                               \
  I_UN(COL(0x8c, 0x9a), a ^ SIGN_BIT(a))                                \
  F_UN(COL(0x8d, 0x9b), isnan(a) ? a + a : LIBM(ceil, a))               \
  F_UN(COL(0x8e, 0x9c), isnan(a) ? a + a : LIBM(floor, a))              \
  F_UN(COL(0x8f, 0x9d), isnan(a) ? a + a : LIBM(trunc, a))              \
  F_UN(COL(0x90, 0x9e), isnan(a) ? a + a : LIBM(nearbyint, a))          \
  F_UN(COL(0x91, 0x9f), LIBM(sqrt, a))                                  \
  F_BIN(COL(0x92, 0xa0), a + b)                                         \
  F_BIN(COL(0x93, 0xa1), a - b)                                         \
  F_BIN(COL(0x94, 0xa2), a * b)                                         \
  F_BIN(COL(0x95, 0xa3), a / b)                                         \
  F_BIN(COL(0x96, 0xa4), FMIN(a, b))                                    \
  F_BIN(COL(0x97, 0xa5), FMAX(a, b))                                    \
  I_BIN(COL(0x98, 0xa6), (a & ~SIGN_BIT(a)) | (b & SIGN_BIT(b)))
/* int to float conversions: the source type and its getter */
#define TO_FLOAT_OPS(X, COL)                                            \
  X(COL(0xb2, 0xb7), int32_t, (int32_t))                                \
  X(COL(0xb3, 0xb8), uint32_t, (uint32_t))                              \
  X(COL(0xb4, 0xb9), int64_t, (int64_t))                                \
  X(COL(0xb5, 0xba), uint64_t, (uint64_t))
#define TO_F32(op, T, get) UN(op, T, get, of_f32, (float)a)
#define TO_F64(op, T, get) UN(op, T, get, of_f64, (double)a)

#define DIV_OP(op, T, put, ovf, expr)                                   \
  LABEL(op_, op): {                                                     \
    T a = (T)S(2), b = (T)S(3);                                         \
    if (b == 0)                                                         \
      TRAP("integer divide by zero");                                   \
    if (ovf)                                                            \
      TRAP("integer overflow");                                         \
    S(1) = put(expr);                                                   \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define I32_DIV(op, ovf, expr) DIV_OP(op, uint32_t, U32, ovf, expr)
#define I64_DIV(op, ovf, expr) DIV_OP(op, uint64_t, ID, ovf, expr)

/* Fused i32 compare-and-branch, with b from a slot (a b target refund)
 * or an immediate (a imm target refund). */
#define BR_CMP_OPS(X)                                                   \
  X(EQ, uint32_t, a == b) X(NE, uint32_t, a != b)                       \
  X(LT_S, int32_t, a < b) X(LT_U, uint32_t, a < b)                      \
  X(GT_S, int32_t, a > b) X(GT_U, uint32_t, a > b)                      \
  X(LE_S, int32_t, a <= b) X(LE_U, uint32_t, a <= b)                    \
  X(GE_S, int32_t, a >= b) X(GE_U, uint32_t, a >= b)
#define BR_CMP(name, T, cond)                                           \
  op_br_i32_##name: {                                                   \
    T a = (T)S(1), b = (T)S(2);                                         \
    BRANCH_IF(cond, 3, 5);                                              \
  }
#define BR_IMM(name, T, cond)                                           \
  op_br_imm_##name: {                                                   \
    T a = (T)S(1), b = (T)pc[2];                                        \
    BRANCH_IF(cond, 3, 5);                                              \
  }
#define BR_CMP_LABELS(name, ...)                                        \
  [OP_BR_I32_##name] = &&op_br_i32_##name,                              \
  [OP_BR_I32_IMM + OP_BR_I32_##name - OP_BR_I32_EQ] = &&op_br_imm_##name,

/* Float-to-int truncation: 0xa8..0xb1 trap on NaN and out-of-range
 * values, their saturating twins 0xfc 0..7 clamp them; one table of
 * ranges serves both. A row: wasm op, 0xfc sub-op, source type and
 * getter, "A is not below the lowest int", "A is below the highest int +
 * 1" (written per source type, so no rounding slips in), the conversion
 * of an A in range, and the saturated results below and above. */
#define F2I_OPS(X)                                                      \
  X(0xa8, 0, float, f32_of, a >= -2147483648.0f, a < 2147483648.0f,    \
    (uint32_t)(int32_t), (uint32_t)INT32_MIN, (uint32_t)INT32_MAX)      \
  X(0xa9, 1, float, f32_of, a > -1.0f, a < 4294967296.0f,              \
    (uint32_t), 0, UINT32_MAX)                                          \
  X(0xaa, 2, double, f64_of, a > -2147483649.0, a < 2147483648.0,      \
    (uint32_t)(int32_t), (uint32_t)INT32_MIN, (uint32_t)INT32_MAX)      \
  X(0xab, 3, double, f64_of, a > -1.0, a < 4294967296.0,               \
    (uint32_t), 0, UINT32_MAX)                                          \
  X(0xae, 4, float, f32_of, a >= -9223372036854775808.0f,              \
    a < 9223372036854775808.0f,                                         \
    (uint64_t)(int64_t), (uint64_t)INT64_MIN, (uint64_t)INT64_MAX)      \
  X(0xaf, 5, float, f32_of, a > -1.0f, a < 18446744073709551616.0f,    \
    (uint64_t), 0, UINT64_MAX)                                          \
  X(0xb0, 6, double, f64_of, a >= -9223372036854775808.0,              \
    a < 9223372036854775808.0,                                          \
    (uint64_t)(int64_t), (uint64_t)INT64_MIN, (uint64_t)INT64_MAX)      \
  X(0xb1, 7, double, f64_of, a > -1.0, a < 18446744073709551616.0,     \
    (uint64_t), 0, UINT64_MAX)
#define TRUNC(op, k, T, get, above_min, below_max, conv, lo, hi)        \
  op_##op: {                                                            \
    T a = get(S(2));                                                    \
    if (isnan(a))                                                       \
      TRAP("invalid conversion to integer");                            \
    if (!((above_min) && (below_max)))                                  \
      TRAP("integer overflow");                                         \
    S(1) = conv(a);                                                     \
    pc += 3;                                                            \
    NEXT();                                                             \
  }
#define TRUNC_SAT(op, k, T, get, above_min, below_max, conv, lo, hi)    \
  op_trunc_sat_##k: {                                                   \
    T a = get(S(2));                                                    \
    S(1) = isnan(a) ? 0 : !(above_min) ? lo : !(below_max) ? hi : conv(a); \
    pc += 3;                                                            \
    NEXT();                                                             \
  }
#define TRUNC_SAT_LABEL(op, k, ...) [OP_TRUNC_SAT + k] = &&op_trunc_sat_##k,

/* Label names op_0xNN for wasm-numbered ops. */
#define L(n) [n] = &&LABEL(op_, n)
#define NUM_LABEL(op, ...) L(op),
#define MEM_LABEL(op, ...) L(op),
#define MEMX_LABEL(op, ...) [OP_MEMX + op - 0x28] = &&op_memx_##op,

wasm_result wasm_interp_run(wasm_instance *root)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
  static void *const labels[OP_COUNT] = {
    [0 ... OP_COUNT - 1] = &&op_bad,
    [OP_UNREACHABLE] = &&op_unreachable, [OP_BR] = &&op_br,
    [OP_BR_IF] = &&op_br_if, [OP_BR_UNLESS] = &&op_br_unless,
    [OP_BR_TABLE] = &&op_br_table, [OP_RET] = &&op_ret,
    [OP_CALL] = &&op_call, [OP_CALL_INDIRECT] = &&op_call_indirect,
    [OP_LOOP] = &&op_loop, [OP_FUEL] = &&op_fuel, [OP_COPY] = &&op_copy,
    [OP_COPY128] = &&op_copy128, [OP_SELECT] = &&op_select,
    [OP_SELECT128] = &&op_select128, [OP_CONST32] = &&op_const32,
    [OP_CONST64] = &&op_const64, [OP_CONST128] = &&op_const128,
    [OP_GLOBAL_GET] = &&op_global_get, [OP_GLOBAL_SET] = &&op_global_set,
    [OP_GLOBAL_GET128] = &&op_global_get128,
    [OP_GLOBAL_SET128] = &&op_global_set128,
    [OP_REF_FUNC] = &&op_ref_func, [OP_I32_WRAP] = &&op_i32_wrap,
    MEM_OPS(MEM_LABEL, MEM_LABEL)
    [OP_MEMORY_SIZE] = &&op_memory_size, [OP_MEMORY_GROW] = &&op_memory_grow,
    L(0x45), L(0x50), L(0xac), L(0xb6), L(0xbb),
    L(0xc0), L(0xc1), L(0xc2), L(0xc3), L(0xc4),
    INT_CMP_OPS(NUM_LABEL, W32) INT_CMP_OPS(NUM_LABEL, W64)
    FLOAT_CMP_OPS(NUM_LABEL, W32) FLOAT_CMP_OPS(NUM_LABEL, W64)
    INT_OPS(NUM_LABEL, NUM_LABEL, NUM_LABEL, W32)
    INT_OPS(NUM_LABEL, NUM_LABEL, NUM_LABEL, W64)
    FLOAT_OPS(NUM_LABEL, NUM_LABEL, NUM_LABEL, NUM_LABEL, W32)
    FLOAT_OPS(NUM_LABEL, NUM_LABEL, NUM_LABEL, NUM_LABEL, W64)
    TO_FLOAT_OPS(NUM_LABEL, W32) TO_FLOAT_OPS(NUM_LABEL, W64)
    F2I_OPS(NUM_LABEL)
    F2I_OPS(TRUNC_SAT_LABEL)
    [OP_MEMORY_INIT] = &&op_memory_init, [OP_DATA_DROP] = &&op_data_drop,
    [OP_MEMORY_COPY] = &&op_memory_copy, [OP_MEMORY_FILL] = &&op_memory_fill,
    [OP_TABLE_INIT] = &&op_table_init, [OP_ELEM_DROP] = &&op_elem_drop,
    [OP_TABLE_COPY] = &&op_table_copy, [OP_TABLE_GROW] = &&op_table_grow,
    [OP_TABLE_SIZE] = &&op_table_size, [OP_TABLE_FILL] = &&op_table_fill,
    [OP_TABLE_GET] = &&op_table_get, [OP_TABLE_SET] = &&op_table_set,
    [OP_REF_IS_NULL] = &&op_ref_is_null,
    [OP_SIMD] = &&op_simd, [OP_SIMD_MEM] = &&op_simd_mem,
    MEM_OPS(MEMX_LABEL, MEMX_LABEL)
    INT_IMM_OPS(I32_IMM_LABEL, W32)
    INT_IMM_OPS(I64_IMM_LABEL, W64)
    [OP_BR_I32_EQZ] = &&op_br_i32_eqz,
    BR_CMP_OPS(BR_CMP_LABELS)
  };
#pragma GCC diagnostic pop

  if (!root) {
    /* called once, before any code is compiled */
    for (int k = 0; k < OP_COUNT; k++)
      thread_offsets[k] = (int32_t)((char *)labels[k] - (char *)&&op_bad);
    return WASM_FINISHED;
  }
  wasm_exec *ex = &root->exec;
  atomic_int *pflag = &root->pause_requested;
  const wasm_func *fn = ex->cur.func;
  const uint32_t *pc = ex->cur.pc;
  const uint32_t *code = fn->def->code;
  uint64_t *fp = ex->cur.fp;
  uint64_t *stack_end = ex->stack + ex->stack_slots;
  wasm_instance *inst = fn->inst;
  wasm_memory *memobj;
  wasm_global **globals;
  uint8_t *mem;
  uint64_t memsize;
  const char *trap_msg = NULL;
  uint64_t budget = root->fuel_limit == 0 ? UINT64_MAX
                    : root->fuel_used >= root->fuel_limit
                        ? 0
                        : root->fuel_limit - root->fuel_used;
  int64_t fuel_start = budget > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)budget;
  /* Refunds of taken branches may lift FUEL above FUEL_START (a resumed
   * run refunds what the paused one charged), hence the headroom. */
  int64_t fuel = fuel_start;
  const wasm_func *callee;
  uint64_t *nfp;
  uint32_t call_len;
  wasm_instance *hinst;

  ex->paused = false;
  LOAD_INST();
  RELOAD_MEM();
  NEXT();

op_bad:
  TRAP("invalid internal op");
op_unreachable:
  TRAP("unreachable");
op_br:
  pc = code + pc[1];
  NEXT();
op_br_if:
  BRANCH_IF((uint32_t)S(1), 2, 4);
op_br_unless:
  BRANCH_IF(!(uint32_t)S(1), 2, 4);
op_br_table: {
  uint32_t i = (uint32_t)S(1), n = pc[2];
  pc = code + pc[3 + (i < n ? i : n)];
  NEXT();
}
op_loop:
  PAUSE_CHECK();
  CHARGE(pc[1]);
  pc += 2;
  NEXT();
op_fuel:
  CHARGE(pc[1]);
  pc += 2;
  NEXT();
op_copy:
  S(1) = S(2);
  pc += 3;
  NEXT();
op_copy128:
  fp[pc[1]] = fp[pc[2]];
  fp[pc[1] + 1] = fp[pc[2] + 1];
  pc += 3;
  NEXT();
op_select:
  S(1) = (uint32_t)S(2) ? S(3) : S(4);
  pc += 5;
  NEXT();
op_select128: {
  uint32_t from = (uint32_t)S(2) ? pc[3] : pc[4];
  uint64_t lo = fp[from], hi = fp[from + 1];
  fp[pc[1]] = lo;
  fp[pc[1] + 1] = hi;
  pc += 5;
  NEXT();
}
op_const32:
  S(1) = pc[2];
  pc += 3;
  NEXT();
op_const64:
  S(1) = (uint64_t)pc[2] | (uint64_t)pc[3] << 32;
  pc += 4;
  NEXT();
op_const128:
  fp[pc[1]] = (uint64_t)pc[2] | (uint64_t)pc[3] << 32;
  fp[pc[1] + 1] = (uint64_t)pc[4] | (uint64_t)pc[5] << 32;
  pc += 6;
  NEXT();
op_global_get:
  S(1) = globals[pc[2]]->v[0];
  pc += 3;
  NEXT();
op_global_set:
  globals[pc[1]]->v[0] = S(2);
  pc += 3;
  NEXT();
op_global_get128:
  fp[pc[1]] = globals[pc[2]]->v[0];
  fp[pc[1] + 1] = globals[pc[2]]->v[1];
  pc += 3;
  NEXT();
op_global_set128:
  globals[pc[1]]->v[0] = fp[pc[2]];
  globals[pc[1]]->v[1] = fp[pc[2] + 1];
  pc += 3;
  NEXT();
op_ref_func:
  S(1) = (uint64_t)(uintptr_t)inst->funcs[pc[2]];
  pc += 3;
  NEXT();
op_i32_wrap:
  S(1) = (uint32_t)S(2);
  pc += 3;
  NEXT();

  MEM_OPS(LOAD, STORE)
  MEM_OPS(LOADX, STOREX)

op_memory_size:
  S(1) = memsize / WASM_PAGE_SIZE;
  pc += 2;
  NEXT();
op_memory_grow: {
  uint32_t res;
  grow_memory(inst, (uint32_t)S(2), &res);
  S(1) = res;
  RELOAD_MEM();
  pc += 3;
  NEXT();
}

  I32_UN(0x45, a == 0)
  INT_CMP_OPS(I32_BIN, W32)
  I64_UN(0x50, a == 0)
  INT_CMP_OPS(I64_BIN, W64)
  FLOAT_CMP_OPS(F32_CMP, W32)
  FLOAT_CMP_OPS(F64_CMP, W64)
  INT_OPS(I32_UN, I32_BIN, I32_DIV, W32)
  INT_OPS(I64_UN, I64_BIN, I64_DIV, W64)
  FLOAT_OPS(I32_UN, F32_UN, F32_BIN, I32_BIN, W32)
  FLOAT_OPS(I64_UN, F64_UN, F64_BIN, I64_BIN, W64)
  F2I_OPS(TRUNC)
  I64_UN(0xac, (int64_t)(int32_t)a)
  TO_FLOAT_OPS(TO_F32, W32)
  UN(0xb6, double, f64_of, of_f32, (float)a)
  TO_FLOAT_OPS(TO_F64, W64)
  UN(0xbb, float, f32_of, of_f64, (double)a)
  I32_UN(0xc0, (int32_t)(int8_t)a)
  I32_UN(0xc1, (int32_t)(int16_t)a)
  I64_UN(0xc2, (int64_t)(int8_t)a)
  I64_UN(0xc3, (int64_t)(int16_t)a)
  I64_UN(0xc4, (int64_t)(int32_t)a)

  F2I_OPS(TRUNC_SAT)

  BULK(memory_init, 5)
op_data_drop:
  inst->data_dropped[pc[1]] = true;
  pc += 2;
  NEXT();
op_memory_copy: {
  uint64_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
  if (s + n > memsize || d + n > memsize)
    TRAP("out of bounds memory access");
  memmove(mem + d, mem + s, n);
  pc += 4;
  NEXT();
}
op_memory_fill: {
  uint64_t d = (uint32_t)S(1), n = (uint32_t)S(3);
  if (d + n > memsize)
    TRAP("out of bounds memory access");
  memset(mem + d, (uint8_t)S(2), n);
  pc += 4;
  NEXT();
}
  BULK(table_init, 6)
op_elem_drop:
  inst->elem_dropped[pc[1]] = true;
  pc += 2;
  NEXT();
  BULK(table_copy, 6)
op_table_grow:
  S(1) = grow_table(inst->tables[pc[2]], S(3), (uint32_t)S(4));
  pc += 5;
  NEXT();
op_table_size:
  S(1) = inst->tables[pc[2]]->size;
  pc += 3;
  NEXT();
  BULK(table_fill, 5)
op_table_get: {
  wasm_table *t = inst->tables[pc[2]];
  uint32_t i = (uint32_t)S(3);
  if (i >= t->size)
    TRAP("out of bounds table access");
  S(1) = t->elems[i];
  pc += 4;
  NEXT();
}
op_table_set: {
  wasm_table *t = inst->tables[pc[1]];
  uint32_t i = (uint32_t)S(2);
  if (i >= t->size)
    TRAP("out of bounds table access");
  t->elems[i] = S(3);
  pc += 4;
  NEXT();
}
op_simd:
  wasm_simd_exec(pc[1], &fp[pc[2]], &fp[pc[3]], &fp[pc[4]], &fp[pc[5]], pc + 6);
  pc += 10;
  NEXT();
op_simd_mem:
  wasm_simd_mem(pc[1], EA((uint64_t)(uint32_t)fp[pc[3]] + pc[4], pc[7]),
                &fp[pc[2]], &fp[pc[6]], pc[5]);
  pc += 8;
  NEXT();
op_ref_is_null:
  S(1) = S(2) == 0;
  pc += 3;
  NEXT();

/* constant right operands */
  INT_IMM_OPS(I32_IMM, W32)
  INT_IMM_OPS(I64_IMM, W64)
  BR_CMP_OPS(BR_IMM)
op_br_i32_eqz:
  BRANCH_IF(!(uint32_t)S(1), 2, 4);
  BR_CMP_OPS(BR_CMP)

op_call:
  PAUSE_CHECK();
  callee = inst->funcs[pc[1]];
  nfp = fp + pc[2];
  call_len = 3;
  goto do_call;

op_call_indirect: {
  PAUSE_CHECK();
  wasm_table *t = inst->tables[pc[2]];
  uint32_t i = (uint32_t)S(4);
  if (i >= t->size)
    TRAP("undefined element");
  callee = (const wasm_func *)(uintptr_t)t->elems[i];
  if (!callee)
    TRAP("uninitialized element");
  if (!wasm_functype_equal(callee->type, &inst->module->types[pc[1]]))
    TRAP("indirect call type mismatch");
  nfp = fp + pc[3];
  call_len = 5;
  goto do_call;
}

do_call:
  if (callee->def) {
    const wasm_funcdef *d = callee->def;
    if (__builtin_expect(ex->nframes >= ex->max_frames ||
                         nfp + d->frame_slots > stack_end, 0))
      TRAP("call stack exhausted");
    wasm_frame *fr = &ex->frames[ex->nframes++];
    fr->func = fn;
    fr->pc = pc + call_len;
    fr->fp = fp;
    {
      /* most functions declare a few locals: no memset call for them */
      uint64_t *z = nfp + d->param_slots;
      uint32_t nz = d->local_slots - d->param_slots;
      switch (nz) {
      case 4: z[3] = 0; __attribute__((fallthrough));
      case 3: z[2] = 0; __attribute__((fallthrough));
      case 2: z[1] = 0; __attribute__((fallthrough));
      case 1: z[0] = 0; break;
      case 0: break;
      default: memset(z, 0, (size_t)nz * sizeof *z);
      }
    }
    fn = callee;
    fp = nfp;
    code = d->code;
    pc = code;
    /* the callee's entry block is charged here: one dispatch less */
    if ((int32_t)code[0] == (int32_t)((char *)&&op_fuel - (char *)&&op_bad)) {
      CHARGE(code[1]);
      pc = code + 2;
    }
    if (callee->inst != inst) {
      inst = callee->inst;
      LOAD_INST();
      RELOAD_MEM();
    }
    NEXT();
  } else {
    uint64_t res[16];
    wasm_host_status st;
    ex->cur.func = fn;
    ex->cur.pc = pc;
    ex->cur.fp = fp;
    hinst = callee->inst ? callee->inst : inst;
    st = callee->host(hinst, callee->host_ctx, nfp, res);
    switch (st) {
    case WASM_HOST_OK:
      memcpy(nfp, res, callee->type->result_slots * sizeof *res);
      RELOAD_MEM();
      pc += call_len;
      NEXT();
    case WASM_HOST_TRAP:
      if (hinst != root)
        memcpy(root->trap, hinst->trap, sizeof root->trap);
      trap_msg = NULL;
      goto trap;
    case WASM_HOST_EXIT:
      root->exit_status = hinst->exit_status;
      root->fuel_used += (uint64_t)(fuel_start - fuel);
      ex->nframes = 0;
      ex->paused = false;
      return WASM_EXITED;
    case WASM_HOST_PAUSE:
    default:
      goto pause;
    }
  }

op_ret:
  if (ex->nframes == 0) {
    /* the entry function returned: its results are in stack[0..] */
    ex->nresults = fn->type->result_slots;
    root->fuel_used += (uint64_t)(fuel_start - fuel);
    ex->paused = false;
    return WASM_FINISHED;
  }
  {
    wasm_frame *fr = &ex->frames[--ex->nframes];
    fn = fr->func;
    pc = fr->pc;
    fp = fr->fp;
    code = fn->def->code;
    if (fn->inst != inst) {
      inst = fn->inst;
      LOAD_INST();
    }
    RELOAD_MEM();
    NEXT();
  }

pause:
  ex->cur.func = fn;
  ex->cur.pc = pc;
  ex->cur.fp = fp;
  ex->paused = true;
  root->fuel_used += (uint64_t)(fuel_start - fuel);
  atomic_store(pflag, 0);
  return WASM_PAUSED;

trap:
  if (trap_msg)
    snprintf(root->trap, sizeof root->trap, "%s", trap_msg);
  root->fuel_used += (uint64_t)(fuel_start - fuel);
  ex->nframes = 0;
  ex->paused = false;
  return WASM_TRAPPED;
}

static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_init(void)
{
  wasm_interp_run(NULL);
}

uint32_t wasm_interp_thread_op(uint32_t op)
{
  pthread_once(&thread_once, thread_init);
  return op < OP_COUNT ? (uint32_t)thread_offsets[op] : 0; /* 0: op_bad */
}
