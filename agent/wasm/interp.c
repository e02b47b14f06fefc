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

#include "engine-private.h"
#include "ops-private.h"
#include "simd-private.h"

static inline float f32_of(uint64_t s)
{
  uint32_t u = (uint32_t)s;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static inline uint64_t of_f32(float f)
{
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static inline double f64_of(uint64_t s)
{
  double d;
  memcpy(&d, &s, 8);
  return d;
}

static inline uint64_t of_f64(double d)
{
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}

/* WebAssembly min/max: NaN wins, -0 < +0. */
static inline float fmin32(float a, float b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? a : b;
  return a < b ? a : b;
}

static inline float fmax32(float a, float b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? b : a;
  return a > b ? a : b;
}

static inline double fmin64(double a, double b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? a : b;
  return a < b ? a : b;
}

static inline double fmax64(double a, double b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? b : a;
  return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t x, uint32_t n)
{
  n &= 31;
  return n ? (x << n) | (x >> (32 - n)) : x;
}

static inline uint32_t rotr32(uint32_t x, uint32_t n)
{
  n &= 31;
  return n ? (x >> n) | (x << (32 - n)) : x;
}

static inline uint64_t rotl64(uint64_t x, uint64_t n)
{
  n &= 63;
  return n ? (x << n) | (x >> (64 - n)) : x;
}

static inline uint64_t rotr64(uint64_t x, uint64_t n)
{
  n &= 63;
  return n ? (x >> n) | (x << (64 - n)) : x;
}

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
    uint64_t bytes = (old + delta) * WASM_PAGE_SIZE;
    uint8_t *d;
    if (delta >= old) {
      /* a big step: fresh zero pages from calloc stay untouched (no RSS)
       * until the program writes them; the copy is at most DELTA pages */
      d = calloc(bytes, 1);
      if (!d)
        return NULL;
      memcpy(d, mem->data, old * WASM_PAGE_SIZE);
      free(mem->data);
    } else {
      d = realloc(mem->data, bytes);
      if (!d)
        return NULL;
      memset(d + old * WASM_PAGE_SIZE, 0, (uint64_t)delta * WASM_PAGE_SIZE);
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
  if ((uint64_t)old + delta > t->max)
    return UINT32_MAX;
  if ((uint64_t)old + delta > 10000000u)
    return UINT32_MAX;
  if (delta) {
    uint64_t *e = realloc(t->elems, ((size_t)old + delta) * sizeof *e);
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

static const char *table_init(wasm_instance *inst, uint32_t tab, uint32_t seg,
                              uint32_t d, uint32_t s, uint32_t n)
{
  wasm_table *t = inst->tables[tab];
  const wasm_elem_seg *es = &inst->module->elems[seg];
  uint32_t count = inst->elem_dropped[seg] ? 0 : es->count;
  if ((uint64_t)s + n > count || (uint64_t)d + n > t->size)
    return "out of bounds table access";
  for (uint32_t i = 0; i < n; i++)
    t->elems[d + i] = wasm_elem_item_ref(inst, &es->items[s + i]);
  return NULL;
}

static const char *table_copy(wasm_instance *inst, uint32_t dt, uint32_t st,
                              uint32_t d, uint32_t s, uint32_t n)
{
  wasm_table *td = inst->tables[dt], *ts = inst->tables[st];
  if ((uint64_t)s + n > ts->size || (uint64_t)d + n > td->size)
    return "out of bounds table access";
  if (n)
    memmove(td->elems + d, ts->elems + s, (size_t)n * sizeof *td->elems);
  return NULL;
}

static const char *table_fill(wasm_instance *inst, uint32_t tab, uint32_t i,
                              uint64_t v, uint32_t n)
{
  wasm_table *t = inst->tables[tab];
  if ((uint64_t)i + n > t->size)
    return "out of bounds table access";
  for (uint32_t k = 0; k < n; k++)
    t->elems[i + k] = v;
  return NULL;
}

static const char *memory_init(wasm_instance *inst, uint32_t seg, uint32_t d,
                               uint32_t s, uint32_t n)
{
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
#define S(k) fp[pc[k]]

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

#define EA(size)                                                        \
  ({                                                                    \
    uint64_t ea_ = (uint64_t)(uint32_t)S(2) + pc[3];                    \
    if (__builtin_expect(ea_ + (size) > memsize, 0))                    \
      TRAP("out of bounds memory access");                              \
    mem + ea_;                                                          \
  })

#define LOAD(op, T, conv)                                               \
  op_##op: {                                                            \
    T v_;                                                               \
    memcpy(&v_, EA(sizeof(T)), sizeof(T));                              \
    S(1) = conv(v_);                                                    \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define STORE(op, T)                                                    \
  op_##op: {                                                            \
    uint64_t ea_ = (uint64_t)(uint32_t)S(1) + pc[3];                    \
    if (__builtin_expect(ea_ + sizeof(T) > memsize, 0))                 \
      TRAP("out of bounds memory access");                              \
    T v_ = (T)S(2);                                                     \
    memcpy(mem + ea_, &v_, sizeof(T));                                  \
    pc += 4;                                                            \
    NEXT();                                                             \
  }

/* The same with the address (u32)(fp[a] + imm) (a folded i32.add). */
#define EAX(size)                                                       \
  ({                                                                    \
    uint64_t ea_ = (uint64_t)(uint32_t)((uint32_t)S(2) + pc[4]) + pc[3]; \
    if (__builtin_expect(ea_ + (size) > memsize, 0))                    \
      TRAP("out of bounds memory access");                              \
    mem + ea_;                                                          \
  })
#define LOADX(op, T, conv)                                              \
  op_memx_##op: {                                                       \
    T v_;                                                               \
    memcpy(&v_, EAX(sizeof(T)), sizeof(T));                             \
    S(1) = conv(v_);                                                    \
    pc += 5;                                                            \
    NEXT();                                                             \
  }
#define STOREX(op, T)                                                   \
  op_memx_##op: {                                                       \
    uint64_t ea_ = (uint64_t)(uint32_t)((uint32_t)S(1) + pc[4]) + pc[3]; \
    if (__builtin_expect(ea_ + sizeof(T) > memsize, 0))                 \
      TRAP("out of bounds memory access");                              \
    T v_ = (T)S(2);                                                     \
    memcpy(mem + ea_, &v_, sizeof(T));                                  \
    pc += 5;                                                            \
    NEXT();                                                             \
  }

#define U32(x) ((uint64_t)(uint32_t)(x))
#define I32_BIN(op, expr)                                               \
  op_##op: {                                                            \
    uint32_t a = (uint32_t)S(2), b = (uint32_t)S(3);                    \
    (void)a; (void)b;                                                   \
    S(1) = (uint32_t)(expr);                                            \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define I64_BIN(op, expr)                                               \
  op_##op: {                                                            \
    uint64_t a = S(2), b = S(3);                                        \
    S(1) = (uint64_t)(expr);                                            \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define I32_UN(op, expr)                                                \
  op_##op: {                                                            \
    uint32_t a = (uint32_t)S(2);                                        \
    S(1) = (uint32_t)(expr);                                            \
    pc += 3;                                                            \
    NEXT();                                                             \
  }
#define I64_UN(op, expr)                                                \
  op_##op: {                                                            \
    uint64_t a = S(2);                                                  \
    S(1) = (uint64_t)(expr);                                            \
    pc += 3;                                                            \
    NEXT();                                                             \
  }
#define F32_BIN(op, expr)                                               \
  op_##op: {                                                            \
    float a = f32_of(S(2)), b = f32_of(S(3));                           \
    S(1) = of_f32(expr);                                                \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define F64_BIN(op, expr)                                               \
  op_##op: {                                                            \
    double a = f64_of(S(2)), b = f64_of(S(3));                          \
    S(1) = of_f64(expr);                                                \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define F32_CMP(op, expr)                                               \
  op_##op: {                                                            \
    float a = f32_of(S(2)), b = f32_of(S(3));                           \
    S(1) = (expr) ? 1 : 0;                                              \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define F64_CMP(op, expr)                                               \
  op_##op: {                                                            \
    double a = f64_of(S(2)), b = f64_of(S(3));                          \
    S(1) = (expr) ? 1 : 0;                                              \
    pc += 4;                                                            \
    NEXT();                                                             \
  }
#define UN(op, T, get, put, expr)                                       \
  op_##op: {                                                            \
    T a = get(S(2));                                                    \
    S(1) = put(expr);                                                   \
    pc += 3;                                                            \
    NEXT();                                                             \
  }
#define ID(x) (x)
#define BR_CMP(op, T, cond)                                             \
  op_##op: {                                                            \
    T a = (T)S(1), b = (T)S(2);                                         \
    if (cond) {                                                         \
      fuel += pc[4];                                                    \
      pc = code + pc[3];                                                \
    } else {                                                            \
      pc += 5;                                                          \
    }                                                                   \
    NEXT();                                                             \
  }

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
#define L(n) [n] = &&op_##n

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
    L(0x28), L(0x29), L(0x2a), L(0x2b), L(0x2c), L(0x2d), L(0x2e), L(0x2f),
    L(0x30), L(0x31), L(0x32), L(0x33), L(0x34), L(0x35), L(0x36), L(0x37),
    L(0x38), L(0x39), L(0x3a), L(0x3b), L(0x3c), L(0x3d), L(0x3e),
    [OP_MEMORY_SIZE] = &&op_memory_size, [OP_MEMORY_GROW] = &&op_memory_grow,
    L(0x45), L(0x46), L(0x47), L(0x48), L(0x49), L(0x4a), L(0x4b), L(0x4c),
    L(0x4d), L(0x4e), L(0x4f), L(0x50), L(0x51), L(0x52), L(0x53), L(0x54),
    L(0x55), L(0x56), L(0x57), L(0x58), L(0x59), L(0x5a), L(0x5b), L(0x5c),
    L(0x5d), L(0x5e), L(0x5f), L(0x60), L(0x61), L(0x62), L(0x63), L(0x64),
    L(0x65), L(0x66), L(0x67), L(0x68), L(0x69), L(0x6a), L(0x6b), L(0x6c),
    L(0x6d), L(0x6e), L(0x6f), L(0x70), L(0x71), L(0x72), L(0x73), L(0x74),
    L(0x75), L(0x76), L(0x77), L(0x78), L(0x79), L(0x7a), L(0x7b), L(0x7c),
    L(0x7d), L(0x7e), L(0x7f), L(0x80), L(0x81), L(0x82), L(0x83), L(0x84),
    L(0x85), L(0x86), L(0x87), L(0x88), L(0x89), L(0x8a), L(0x8b), L(0x8c),
    L(0x8d), L(0x8e), L(0x8f), L(0x90), L(0x91), L(0x92), L(0x93), L(0x94),
    L(0x95), L(0x96), L(0x97), L(0x98), L(0x99), L(0x9a), L(0x9b), L(0x9c),
    L(0x9d), L(0x9e), L(0x9f), L(0xa0), L(0xa1), L(0xa2), L(0xa3), L(0xa4),
    L(0xa5), L(0xa6), L(0xa8), L(0xa9), L(0xaa), L(0xab), L(0xac),
    L(0xae), L(0xaf), L(0xb0), L(0xb1), L(0xb2), L(0xb3), L(0xb4),
    L(0xb5), L(0xb6), L(0xb7), L(0xb8), L(0xb9), L(0xba), L(0xbb),
    L(0xc0), L(0xc1), L(0xc2), L(0xc3), L(0xc4),
    F2I_OPS(TRUNC_SAT_LABEL)
    [OP_MEMORY_INIT] = &&op_memory_init, [OP_DATA_DROP] = &&op_data_drop,
    [OP_MEMORY_COPY] = &&op_memory_copy, [OP_MEMORY_FILL] = &&op_memory_fill,
    [OP_TABLE_INIT] = &&op_table_init, [OP_ELEM_DROP] = &&op_elem_drop,
    [OP_TABLE_COPY] = &&op_table_copy, [OP_TABLE_GROW] = &&op_table_grow,
    [OP_TABLE_SIZE] = &&op_table_size, [OP_TABLE_FILL] = &&op_table_fill,
    [OP_TABLE_GET] = &&op_table_get, [OP_TABLE_SET] = &&op_table_set,
    [OP_REF_IS_NULL] = &&op_ref_is_null,
    [OP_SIMD] = &&op_simd, [OP_SIMD_MEM] = &&op_simd_mem,
    [OP_MEMX + 0x28 - 0x28] = &&op_memx_0x28,
    [OP_MEMX + 0x29 - 0x28] = &&op_memx_0x29,
    [OP_MEMX + 0x2a - 0x28] = &&op_memx_0x2a,
    [OP_MEMX + 0x2b - 0x28] = &&op_memx_0x2b,
    [OP_MEMX + 0x2c - 0x28] = &&op_memx_0x2c,
    [OP_MEMX + 0x2d - 0x28] = &&op_memx_0x2d,
    [OP_MEMX + 0x2e - 0x28] = &&op_memx_0x2e,
    [OP_MEMX + 0x2f - 0x28] = &&op_memx_0x2f,
    [OP_MEMX + 0x30 - 0x28] = &&op_memx_0x30,
    [OP_MEMX + 0x31 - 0x28] = &&op_memx_0x31,
    [OP_MEMX + 0x32 - 0x28] = &&op_memx_0x32,
    [OP_MEMX + 0x33 - 0x28] = &&op_memx_0x33,
    [OP_MEMX + 0x34 - 0x28] = &&op_memx_0x34,
    [OP_MEMX + 0x35 - 0x28] = &&op_memx_0x35,
    [OP_MEMX + 0x36 - 0x28] = &&op_memx_0x36,
    [OP_MEMX + 0x37 - 0x28] = &&op_memx_0x37,
    [OP_MEMX + 0x38 - 0x28] = &&op_memx_0x38,
    [OP_MEMX + 0x39 - 0x28] = &&op_memx_0x39,
    [OP_MEMX + 0x3a - 0x28] = &&op_memx_0x3a,
    [OP_MEMX + 0x3b - 0x28] = &&op_memx_0x3b,
    [OP_MEMX + 0x3c - 0x28] = &&op_memx_0x3c,
    [OP_MEMX + 0x3d - 0x28] = &&op_memx_0x3d,
    [OP_MEMX + 0x3e - 0x28] = &&op_memx_0x3e,
    [OP_I32_IMM + 0x46 - 0x46] = &&op_i32_imm_46,
    [OP_I32_IMM + 0x47 - 0x46] = &&op_i32_imm_47,
    [OP_I32_IMM + 0x48 - 0x46] = &&op_i32_imm_48,
    [OP_I32_IMM + 0x49 - 0x46] = &&op_i32_imm_49,
    [OP_I32_IMM + 0x4a - 0x46] = &&op_i32_imm_4a,
    [OP_I32_IMM + 0x4b - 0x46] = &&op_i32_imm_4b,
    [OP_I32_IMM + 0x4c - 0x46] = &&op_i32_imm_4c,
    [OP_I32_IMM + 0x4d - 0x46] = &&op_i32_imm_4d,
    [OP_I32_IMM + 0x4e - 0x46] = &&op_i32_imm_4e,
    [OP_I32_IMM + 0x4f - 0x46] = &&op_i32_imm_4f,
    [OP_I32_IMM + 0x6a - 0x46] = &&op_i32_imm_6a,
    [OP_I32_IMM + 0x6b - 0x46] = &&op_i32_imm_6b,
    [OP_I32_IMM + 0x6c - 0x46] = &&op_i32_imm_6c,
    [OP_I32_IMM + 0x71 - 0x46] = &&op_i32_imm_71,
    [OP_I32_IMM + 0x72 - 0x46] = &&op_i32_imm_72,
    [OP_I32_IMM + 0x73 - 0x46] = &&op_i32_imm_73,
    [OP_I32_IMM + 0x74 - 0x46] = &&op_i32_imm_74,
    [OP_I32_IMM + 0x75 - 0x46] = &&op_i32_imm_75,
    [OP_I32_IMM + 0x76 - 0x46] = &&op_i32_imm_76,
    [OP_I32_IMM + 0x77 - 0x46] = &&op_i32_imm_77,
    [OP_I32_IMM + 0x78 - 0x46] = &&op_i32_imm_78,
    [OP_I64_IMM + 0x51 - 0x51] = &&op_i64_imm_51,
    [OP_I64_IMM + 0x52 - 0x51] = &&op_i64_imm_52,
    [OP_I64_IMM + 0x53 - 0x51] = &&op_i64_imm_53,
    [OP_I64_IMM + 0x54 - 0x51] = &&op_i64_imm_54,
    [OP_I64_IMM + 0x55 - 0x51] = &&op_i64_imm_55,
    [OP_I64_IMM + 0x56 - 0x51] = &&op_i64_imm_56,
    [OP_I64_IMM + 0x57 - 0x51] = &&op_i64_imm_57,
    [OP_I64_IMM + 0x58 - 0x51] = &&op_i64_imm_58,
    [OP_I64_IMM + 0x59 - 0x51] = &&op_i64_imm_59,
    [OP_I64_IMM + 0x5a - 0x51] = &&op_i64_imm_5a,
    [OP_I64_IMM + 0x7c - 0x51] = &&op_i64_imm_7c,
    [OP_I64_IMM + 0x7d - 0x51] = &&op_i64_imm_7d,
    [OP_I64_IMM + 0x7e - 0x51] = &&op_i64_imm_7e,
    [OP_I64_IMM + 0x83 - 0x51] = &&op_i64_imm_83,
    [OP_I64_IMM + 0x84 - 0x51] = &&op_i64_imm_84,
    [OP_I64_IMM + 0x85 - 0x51] = &&op_i64_imm_85,
    [OP_I64_IMM + 0x86 - 0x51] = &&op_i64_imm_86,
    [OP_I64_IMM + 0x87 - 0x51] = &&op_i64_imm_87,
    [OP_I64_IMM + 0x88 - 0x51] = &&op_i64_imm_88,
    [OP_I64_IMM + 0x89 - 0x51] = &&op_i64_imm_89,
    [OP_I64_IMM + 0x8a - 0x51] = &&op_i64_imm_8a,
    [OP_BR_I32_IMM + 0] = &&op_br_imm_eq,
    [OP_BR_I32_IMM + 1] = &&op_br_imm_ne,
    [OP_BR_I32_IMM + 2] = &&op_br_imm_lt_s,
    [OP_BR_I32_IMM + 3] = &&op_br_imm_lt_u,
    [OP_BR_I32_IMM + 4] = &&op_br_imm_gt_s,
    [OP_BR_I32_IMM + 5] = &&op_br_imm_gt_u,
    [OP_BR_I32_IMM + 6] = &&op_br_imm_le_s,
    [OP_BR_I32_IMM + 7] = &&op_br_imm_le_u,
    [OP_BR_I32_IMM + 8] = &&op_br_imm_ge_s,
    [OP_BR_I32_IMM + 9] = &&op_br_imm_ge_u,
    [OP_BR_I32_EQZ] = &&op_br_i32_eqz, [OP_BR_I32_EQ] = &&op_br_i32_eq,
    [OP_BR_I32_NE] = &&op_br_i32_ne, [OP_BR_I32_LT_S] = &&op_br_i32_lt_s,
    [OP_BR_I32_LT_U] = &&op_br_i32_lt_u, [OP_BR_I32_GT_S] = &&op_br_i32_gt_s,
    [OP_BR_I32_GT_U] = &&op_br_i32_gt_u, [OP_BR_I32_LE_S] = &&op_br_i32_le_s,
    [OP_BR_I32_LE_U] = &&op_br_i32_le_u, [OP_BR_I32_GE_S] = &&op_br_i32_ge_s,
    [OP_BR_I32_GE_U] = &&op_br_i32_ge_u,
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
/* conditional branches: ... target refund; a taken branch gives back the
 * fuel its block charged for the instructions it skips */
op_br_if:
  if ((uint32_t)S(1)) {
    fuel += pc[3];
    pc = code + pc[2];
  } else {
    pc += 4;
  }
  NEXT();
op_br_unless:
  if (!(uint32_t)S(1)) {
    fuel += pc[3];
    pc = code + pc[2];
  } else {
    pc += 4;
  }
  NEXT();
op_br_table: {
  uint32_t i = (uint32_t)S(1), n = pc[2];
  pc = code + pc[3 + (i < n ? i : n)];
  NEXT();
}
op_loop:
  if (__builtin_expect(atomic_load_explicit(pflag, memory_order_relaxed), 0))
    goto pause;
  if (__builtin_expect((fuel -= pc[1]) < 0, 0)) {
    fuel += pc[1];
    TRAP("out of fuel");
  }
  pc += 2;
  NEXT();
op_fuel:
  if (__builtin_expect((fuel -= pc[1]) < 0, 0)) {
    fuel += pc[1];
    TRAP("out of fuel");
  }
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

  LOAD(0x28, uint32_t, U32)
  LOAD(0x29, uint64_t, ID)
  LOAD(0x2a, uint32_t, U32)
  LOAD(0x2b, uint64_t, ID)
  LOAD(0x2c, int8_t, U32)
  LOAD(0x2d, uint8_t, U32)
  LOAD(0x2e, int16_t, U32)
  LOAD(0x2f, uint16_t, U32)
  LOAD(0x30, int8_t, (uint64_t)(int64_t))
  LOAD(0x31, uint8_t, (uint64_t))
  LOAD(0x32, int16_t, (uint64_t)(int64_t))
  LOAD(0x33, uint16_t, (uint64_t))
  LOAD(0x34, int32_t, (uint64_t)(int64_t))
  LOAD(0x35, uint32_t, (uint64_t))
  STORE(0x36, uint32_t)
  STORE(0x37, uint64_t)
  STORE(0x38, uint32_t)
  STORE(0x39, uint64_t)
  STORE(0x3a, uint8_t)
  STORE(0x3b, uint16_t)
  STORE(0x3c, uint8_t)
  STORE(0x3d, uint16_t)
  STORE(0x3e, uint32_t)

  LOADX(0x28, uint32_t, U32)
  LOADX(0x29, uint64_t, ID)
  LOADX(0x2a, uint32_t, U32)
  LOADX(0x2b, uint64_t, ID)
  LOADX(0x2c, int8_t, U32)
  LOADX(0x2d, uint8_t, U32)
  LOADX(0x2e, int16_t, U32)
  LOADX(0x2f, uint16_t, U32)
  LOADX(0x30, int8_t, (uint64_t)(int64_t))
  LOADX(0x31, uint8_t, (uint64_t))
  LOADX(0x32, int16_t, (uint64_t)(int64_t))
  LOADX(0x33, uint16_t, (uint64_t))
  LOADX(0x34, int32_t, (uint64_t)(int64_t))
  LOADX(0x35, uint32_t, (uint64_t))
  STOREX(0x36, uint32_t)
  STOREX(0x37, uint64_t)
  STOREX(0x38, uint32_t)
  STOREX(0x39, uint64_t)
  STOREX(0x3a, uint8_t)
  STOREX(0x3b, uint16_t)
  STOREX(0x3c, uint8_t)
  STOREX(0x3d, uint16_t)
  STOREX(0x3e, uint32_t)

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
  I32_BIN(0x46, a == b)
  I32_BIN(0x47, a != b)
  I32_BIN(0x48, (int32_t)a < (int32_t)b)
  I32_BIN(0x49, a < b)
  I32_BIN(0x4a, (int32_t)a > (int32_t)b)
  I32_BIN(0x4b, a > b)
  I32_BIN(0x4c, (int32_t)a <= (int32_t)b)
  I32_BIN(0x4d, a <= b)
  I32_BIN(0x4e, (int32_t)a >= (int32_t)b)
  I32_BIN(0x4f, a >= b)
  I64_UN(0x50, a == 0)
  I64_BIN(0x51, a == b)
  I64_BIN(0x52, a != b)
  I64_BIN(0x53, (int64_t)a < (int64_t)b)
  I64_BIN(0x54, a < b)
  I64_BIN(0x55, (int64_t)a > (int64_t)b)
  I64_BIN(0x56, a > b)
  I64_BIN(0x57, (int64_t)a <= (int64_t)b)
  I64_BIN(0x58, a <= b)
  I64_BIN(0x59, (int64_t)a >= (int64_t)b)
  I64_BIN(0x5a, a >= b)
  F32_CMP(0x5b, a == b)
  F32_CMP(0x5c, a != b)
  F32_CMP(0x5d, a < b)
  F32_CMP(0x5e, a > b)
  F32_CMP(0x5f, a <= b)
  F32_CMP(0x60, a >= b)
  F64_CMP(0x61, a == b)
  F64_CMP(0x62, a != b)
  F64_CMP(0x63, a < b)
  F64_CMP(0x64, a > b)
  F64_CMP(0x65, a <= b)
  F64_CMP(0x66, a >= b)
  I32_UN(0x67, a ? __builtin_clz(a) : 32)
  I32_UN(0x68, a ? __builtin_ctz(a) : 32)
  I32_UN(0x69, __builtin_popcount(a))
  I32_BIN(0x6a, a + b)
  I32_BIN(0x6b, a - b)
  I32_BIN(0x6c, a * b)
op_0x6d: {
  int32_t a = (int32_t)S(2), b = (int32_t)S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  if (a == INT32_MIN && b == -1)
    TRAP("integer overflow");
  S(1) = (uint32_t)(a / b);
  pc += 4;
  NEXT();
}
op_0x6e: {
  uint32_t a = (uint32_t)S(2), b = (uint32_t)S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  S(1) = a / b;
  pc += 4;
  NEXT();
}
op_0x6f: {
  int32_t a = (int32_t)S(2), b = (int32_t)S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  S(1) = b == -1 ? 0 : (uint32_t)(a % b);
  pc += 4;
  NEXT();
}
op_0x70: {
  uint32_t a = (uint32_t)S(2), b = (uint32_t)S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  S(1) = a % b;
  pc += 4;
  NEXT();
}
  I32_BIN(0x71, a & b)
  I32_BIN(0x72, a | b)
  I32_BIN(0x73, a ^ b)
  I32_BIN(0x74, a << (b & 31))
  I32_BIN(0x75, (uint32_t)((int32_t)a >> (b & 31)))
  I32_BIN(0x76, a >> (b & 31))
  I32_BIN(0x77, rotl32(a, b))
  I32_BIN(0x78, rotr32(a, b))
  I64_UN(0x79, a ? __builtin_clzll(a) : 64)
  I64_UN(0x7a, a ? __builtin_ctzll(a) : 64)
  I64_UN(0x7b, __builtin_popcountll(a))
  I64_BIN(0x7c, a + b)
  I64_BIN(0x7d, a - b)
  I64_BIN(0x7e, a * b)
op_0x7f: {
  int64_t a = (int64_t)S(2), b = (int64_t)S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  if (a == INT64_MIN && b == -1)
    TRAP("integer overflow");
  S(1) = (uint64_t)(a / b);
  pc += 4;
  NEXT();
}
op_0x80: {
  uint64_t a = S(2), b = S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  S(1) = a / b;
  pc += 4;
  NEXT();
}
op_0x81: {
  int64_t a = (int64_t)S(2), b = (int64_t)S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  S(1) = b == -1 ? 0 : (uint64_t)(a % b);
  pc += 4;
  NEXT();
}
op_0x82: {
  uint64_t a = S(2), b = S(3);
  if (b == 0)
    TRAP("integer divide by zero");
  S(1) = a % b;
  pc += 4;
  NEXT();
}
  I64_BIN(0x83, a & b)
  I64_BIN(0x84, a | b)
  I64_BIN(0x85, a ^ b)
  I64_BIN(0x86, a << (b & 63))
  I64_BIN(0x87, (uint64_t)((int64_t)a >> (b & 63)))
  I64_BIN(0x88, a >> (b & 63))
  I64_BIN(0x89, rotl64(a, b))
  I64_BIN(0x8a, rotr64(a, b))
  /* abs, neg, copysign work on the bits: NaN payloads pass unchanged */
op_0x8b:
  S(1) = (uint32_t)S(2) & 0x7fffffffu;
  pc += 3;
  NEXT();
op_0x8c:
  S(1) = (uint32_t)S(2) ^ 0x80000000u;
  pc += 3;
  NEXT();
  UN(0x8d, float, f32_of, of_f32, (isnan(a) ? a + a : ceilf(a)))
  UN(0x8e, float, f32_of, of_f32, (isnan(a) ? a + a : floorf(a)))
  UN(0x8f, float, f32_of, of_f32, (isnan(a) ? a + a : truncf(a)))
  UN(0x90, float, f32_of, of_f32, (isnan(a) ? a + a : nearbyintf(a)))
  UN(0x91, float, f32_of, of_f32, sqrtf(a))
  F32_BIN(0x92, a + b)
  F32_BIN(0x93, a - b)
  F32_BIN(0x94, a * b)
  F32_BIN(0x95, a / b)
  F32_BIN(0x96, fmin32(a, b))
  F32_BIN(0x97, fmax32(a, b))
op_0x98:
  S(1) = ((uint32_t)S(2) & 0x7fffffffu) | ((uint32_t)S(3) & 0x80000000u);
  pc += 4;
  NEXT();
op_0x99:
  S(1) = S(2) & 0x7fffffffffffffffull;
  pc += 3;
  NEXT();
op_0x9a:
  S(1) = S(2) ^ 0x8000000000000000ull;
  pc += 3;
  NEXT();
  UN(0x9b, double, f64_of, of_f64, (isnan(a) ? a + a : ceil(a)))
  UN(0x9c, double, f64_of, of_f64, (isnan(a) ? a + a : floor(a)))
  UN(0x9d, double, f64_of, of_f64, (isnan(a) ? a + a : trunc(a)))
  UN(0x9e, double, f64_of, of_f64, (isnan(a) ? a + a : nearbyint(a)))
  UN(0x9f, double, f64_of, of_f64, sqrt(a))
  F64_BIN(0xa0, a + b)
  F64_BIN(0xa1, a - b)
  F64_BIN(0xa2, a * b)
  F64_BIN(0xa3, a / b)
  F64_BIN(0xa4, fmin64(a, b))
  F64_BIN(0xa5, fmax64(a, b))
op_0xa6:
  S(1) = (S(2) & 0x7fffffffffffffffull) | (S(3) & 0x8000000000000000ull);
  pc += 4;
  NEXT();
  F2I_OPS(TRUNC)
  I64_UN(0xac, (int64_t)(int32_t)a)
  UN(0xb2, int32_t, (int32_t), of_f32, (float)a)
  UN(0xb3, uint32_t, (uint32_t), of_f32, (float)a)
  UN(0xb4, int64_t, (int64_t), of_f32, (float)a)
  UN(0xb5, uint64_t, (uint64_t), of_f32, (float)a)
  UN(0xb6, double, f64_of, of_f32, (float)a)
  UN(0xb7, int32_t, (int32_t), of_f64, (double)a)
  UN(0xb8, uint32_t, (uint32_t), of_f64, (double)a)
  UN(0xb9, int64_t, (int64_t), of_f64, (double)a)
  UN(0xba, uint64_t, (uint64_t), of_f64, (double)a)
  UN(0xbb, float, f32_of, of_f64, (double)a)
  I32_UN(0xc0, (int32_t)(int8_t)a)
  I32_UN(0xc1, (int32_t)(int16_t)a)
  I64_UN(0xc2, (int64_t)(int8_t)a)
  I64_UN(0xc3, (int64_t)(int16_t)a)
  I64_UN(0xc4, (int64_t)(int32_t)a)

  F2I_OPS(TRUNC_SAT)

op_memory_init: {
  const char *e = memory_init(inst, pc[1], (uint32_t)S(2), (uint32_t)S(3),
                              (uint32_t)S(4));
  if (e)
    TRAP(e);
  pc += 5;
  NEXT();
}
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
op_table_init: {
  const char *e = table_init(inst, pc[1], pc[2], (uint32_t)S(3),
                             (uint32_t)S(4), (uint32_t)S(5));
  if (e)
    TRAP(e);
  pc += 6;
  NEXT();
}
op_elem_drop:
  inst->elem_dropped[pc[1]] = true;
  pc += 2;
  NEXT();
op_table_copy: {
  const char *e = table_copy(inst, pc[1], pc[2], (uint32_t)S(3),
                             (uint32_t)S(4), (uint32_t)S(5));
  if (e)
    TRAP(e);
  pc += 6;
  NEXT();
}
op_table_grow:
  S(1) = grow_table(inst->tables[pc[2]], S(3), (uint32_t)S(4));
  pc += 5;
  NEXT();
op_table_size:
  S(1) = inst->tables[pc[2]]->size;
  pc += 3;
  NEXT();
op_table_fill: {
  const char *e = table_fill(inst, pc[1], (uint32_t)S(2), S(3),
                             (uint32_t)S(4));
  if (e)
    TRAP(e);
  pc += 5;
  NEXT();
}
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
op_simd_mem: {
  uint64_t ea_ = (uint64_t)(uint32_t)fp[pc[3]] + pc[4];
  if (ea_ + pc[7] > memsize)
    TRAP("out of bounds memory access");
  wasm_simd_mem(pc[1], mem + ea_, &fp[pc[2]], &fp[pc[6]], pc[5]);
  pc += 8;
  NEXT();
}
op_ref_is_null:
  S(1) = S(2) == 0;
  pc += 3;
  NEXT();

/* constant right operands */
op_i32_imm_46: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a == b);
  pc += 4;
  NEXT();
}
op_i32_imm_47: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a != b);
  pc += 4;
  NEXT();
}
op_i32_imm_48: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)((int32_t)a < (int32_t)b);
  pc += 4;
  NEXT();
}
op_i32_imm_49: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a < b);
  pc += 4;
  NEXT();
}
op_i32_imm_4a: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)((int32_t)a > (int32_t)b);
  pc += 4;
  NEXT();
}
op_i32_imm_4b: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a > b);
  pc += 4;
  NEXT();
}
op_i32_imm_4c: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)((int32_t)a <= (int32_t)b);
  pc += 4;
  NEXT();
}
op_i32_imm_4d: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a <= b);
  pc += 4;
  NEXT();
}
op_i32_imm_4e: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)((int32_t)a >= (int32_t)b);
  pc += 4;
  NEXT();
}
op_i32_imm_4f: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a >= b);
  pc += 4;
  NEXT();
}
op_i32_imm_6a: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a + b);
  pc += 4;
  NEXT();
}
op_i32_imm_6b: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a - b);
  pc += 4;
  NEXT();
}
op_i32_imm_6c: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a * b);
  pc += 4;
  NEXT();
}
op_i32_imm_71: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a & b);
  pc += 4;
  NEXT();
}
op_i32_imm_72: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a | b);
  pc += 4;
  NEXT();
}
op_i32_imm_73: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a ^ b);
  pc += 4;
  NEXT();
}
op_i32_imm_74: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a << (b & 31));
  pc += 4;
  NEXT();
}
op_i32_imm_75: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)((uint32_t)((int32_t)a >> (b & 31)));
  pc += 4;
  NEXT();
}
op_i32_imm_76: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(a >> (b & 31));
  pc += 4;
  NEXT();
}
op_i32_imm_77: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(rotl32(a, b));
  pc += 4;
  NEXT();
}
op_i32_imm_78: {
  uint32_t a = (uint32_t)S(2), b = pc[3];
  S(1) = (uint32_t)(rotr32(a, b));
  pc += 4;
  NEXT();
}
op_i64_imm_51: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a == b);
  pc += 4;
  NEXT();
}
op_i64_imm_52: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a != b);
  pc += 4;
  NEXT();
}
op_i64_imm_53: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)((int64_t)a < (int64_t)b);
  pc += 4;
  NEXT();
}
op_i64_imm_54: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a < b);
  pc += 4;
  NEXT();
}
op_i64_imm_55: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)((int64_t)a > (int64_t)b);
  pc += 4;
  NEXT();
}
op_i64_imm_56: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a > b);
  pc += 4;
  NEXT();
}
op_i64_imm_57: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)((int64_t)a <= (int64_t)b);
  pc += 4;
  NEXT();
}
op_i64_imm_58: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a <= b);
  pc += 4;
  NEXT();
}
op_i64_imm_59: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)((int64_t)a >= (int64_t)b);
  pc += 4;
  NEXT();
}
op_i64_imm_5a: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a >= b);
  pc += 4;
  NEXT();
}
op_i64_imm_7c: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a + b);
  pc += 4;
  NEXT();
}
op_i64_imm_7d: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a - b);
  pc += 4;
  NEXT();
}
op_i64_imm_7e: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a * b);
  pc += 4;
  NEXT();
}
op_i64_imm_83: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a & b);
  pc += 4;
  NEXT();
}
op_i64_imm_84: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a | b);
  pc += 4;
  NEXT();
}
op_i64_imm_85: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a ^ b);
  pc += 4;
  NEXT();
}
op_i64_imm_86: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a << (b & 63));
  pc += 4;
  NEXT();
}
op_i64_imm_87: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)((uint64_t)((int64_t)a >> (b & 63)));
  pc += 4;
  NEXT();
}
op_i64_imm_88: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(a >> (b & 63));
  pc += 4;
  NEXT();
}
op_i64_imm_89: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(rotl64(a, b));
  pc += 4;
  NEXT();
}
op_i64_imm_8a: {
  uint64_t a = S(2), b = (uint64_t)(int64_t)(int32_t)pc[3];
  S(1) = (uint64_t)(rotr64(a, b));
  pc += 4;
  NEXT();
}
op_br_imm_eq: {
  uint32_t a = (uint32_t)S(1), b = (uint32_t)pc[2];
  if (a == b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_ne: {
  uint32_t a = (uint32_t)S(1), b = (uint32_t)pc[2];
  if (a != b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_lt_s: {
  int32_t a = (int32_t)S(1), b = (int32_t)pc[2];
  if (a < b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_lt_u: {
  uint32_t a = (uint32_t)S(1), b = (uint32_t)pc[2];
  if (a < b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_gt_s: {
  int32_t a = (int32_t)S(1), b = (int32_t)pc[2];
  if (a > b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_gt_u: {
  uint32_t a = (uint32_t)S(1), b = (uint32_t)pc[2];
  if (a > b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_le_s: {
  int32_t a = (int32_t)S(1), b = (int32_t)pc[2];
  if (a <= b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_le_u: {
  uint32_t a = (uint32_t)S(1), b = (uint32_t)pc[2];
  if (a <= b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_ge_s: {
  int32_t a = (int32_t)S(1), b = (int32_t)pc[2];
  if (a >= b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_imm_ge_u: {
  uint32_t a = (uint32_t)S(1), b = (uint32_t)pc[2];
  if (a >= b) {
    fuel += pc[4];
    pc = code + pc[3];
  } else {
    pc += 5;
  }
  NEXT();
}
op_br_i32_eqz:
  if (!(uint32_t)S(1)) {
    fuel += pc[3];
    pc = code + pc[2];
  } else {
    pc += 4;
  }
  NEXT();
  BR_CMP(br_i32_eq, uint32_t, a == b)
  BR_CMP(br_i32_ne, uint32_t, a != b)
  BR_CMP(br_i32_lt_s, int32_t, a < b)
  BR_CMP(br_i32_lt_u, uint32_t, a < b)
  BR_CMP(br_i32_gt_s, int32_t, a > b)
  BR_CMP(br_i32_gt_u, uint32_t, a > b)
  BR_CMP(br_i32_le_s, int32_t, a <= b)
  BR_CMP(br_i32_le_u, uint32_t, a <= b)
  BR_CMP(br_i32_ge_s, int32_t, a >= b)
  BR_CMP(br_i32_ge_u, uint32_t, a >= b)

op_call:
  if (__builtin_expect(atomic_load_explicit(pflag, memory_order_relaxed), 0))
    goto pause;
  callee = inst->funcs[pc[1]];
  nfp = fp + pc[2];
  call_len = 3;
  goto do_call;

op_call_indirect: {
  if (__builtin_expect(atomic_load_explicit(pflag, memory_order_relaxed), 0))
    goto pause;
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
      if (__builtin_expect((fuel -= code[1]) < 0, 0)) {
        fuel += code[1];
        TRAP("out of fuel");
      }
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
