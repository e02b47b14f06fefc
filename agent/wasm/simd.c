/* SIMD (v128) lane operations, kept out of the interpreter's hot loop. */
#include <math.h>
#include <string.h>

#include "endian-private.h"
#include "engine-private.h"
#include "ops-private.h"
#include "simd-private.h"

typedef union {
  uint8_t u8[16];
  int8_t i8[16];
  uint16_t u16[8];
  int16_t i16[8];
  uint32_t u32[4];
  int32_t i32[4];
  uint64_t u64[2];
  int64_t i64[2];
  float f32[4];
  double f64[2];
} v128;

/* A v128 is held as one 128-bit number in the host's byte order, so that
 * every lane shape reads the same bits: lane I of a shape is element I
 * on a little-endian host and is counted from the other end on a
 * big-endian one. AT(V, F, I) is lane I (by WebAssembly lane number) of
 * V seen as lanes F. Slots hold the low half first as numbers, and
 * memory and v128.const hold the 16 bytes little-endian. */
#if LE_HOST_BIG
#define AT(v, f, i) (v).f[sizeof (v).f / sizeof (v).f[0] - 1 - (i)]
#else
#define AT(v, f, i) (v).f[i]
#endif

static v128 of_slots(const uint64_t *s)
{
  v128 v;
  AT(v, u64, 0) = s[0];
  AT(v, u64, 1) = s[1];
  return v;
}

static void to_slots(uint64_t *s, const v128 *v)
{
  s[0] = AT(*v, u64, 0);
  s[1] = AT(*v, u64, 1);
}

static v128 of_le(const void *p)
{
  v128 v;
  AT(v, u64, 0) = le_get64(p);
  AT(v, u64, 1) = le_get64((const uint8_t *)p + 8);
  return v;
}

static void to_le(uint8_t *p, const v128 *v)
{
  le_put64(p, AT(*v, u64, 0));
  le_put64(p + 8, AT(*v, u64, 1));
}

bool wasm_simd_info_of(uint32_t sub, wasm_simd_info *in)
{
  memset(in, 0, sizeof *in);
  in->kind = SIMD_BIN;
  switch (sub) {
  case 0: in->kind = SIMD_LOAD; in->size = 16; in->align = 4; return true;
  case 1: case 2: case 3: case 4: case 5: case 6:
    in->kind = SIMD_LOAD; in->size = 8; in->align = 3; return true;
  case 7: case 8: case 9: case 10:
    in->kind = SIMD_LOAD; in->align = (uint8_t)(sub - 7);
    in->size = (uint8_t)(1u << in->align); return true;
  case 11: in->kind = SIMD_STORE; in->size = 16; in->align = 4; return true;
  case 12: in->kind = SIMD_CONST; return true;
  case 13: in->kind = SIMD_SHUFFLE; return true;
  case 14: return true;
  case 15: case 16: case 17:
    in->kind = SIMD_SPLAT; in->scalar = WASM_TYPE_I32; return true;
  case 18: in->kind = SIMD_SPLAT; in->scalar = WASM_TYPE_I64; return true;
  case 19: in->kind = SIMD_SPLAT; in->scalar = WASM_TYPE_F32; return true;
  case 20: in->kind = SIMD_SPLAT; in->scalar = WASM_TYPE_F64; return true;
  case 21: case 22: in->kind = SIMD_EXTRACT; in->scalar = WASM_TYPE_I32;
    in->lanes = 16; return true;
  case 23: in->kind = SIMD_REPLACE; in->scalar = WASM_TYPE_I32;
    in->lanes = 16; return true;
  case 24: case 25: in->kind = SIMD_EXTRACT; in->scalar = WASM_TYPE_I32;
    in->lanes = 8; return true;
  case 26: in->kind = SIMD_REPLACE; in->scalar = WASM_TYPE_I32;
    in->lanes = 8; return true;
  case 27: in->kind = SIMD_EXTRACT; in->scalar = WASM_TYPE_I32;
    in->lanes = 4; return true;
  case 28: in->kind = SIMD_REPLACE; in->scalar = WASM_TYPE_I32;
    in->lanes = 4; return true;
  case 29: in->kind = SIMD_EXTRACT; in->scalar = WASM_TYPE_I64;
    in->lanes = 2; return true;
  case 30: in->kind = SIMD_REPLACE; in->scalar = WASM_TYPE_I64;
    in->lanes = 2; return true;
  case 31: in->kind = SIMD_EXTRACT; in->scalar = WASM_TYPE_F32;
    in->lanes = 4; return true;
  case 32: in->kind = SIMD_REPLACE; in->scalar = WASM_TYPE_F32;
    in->lanes = 4; return true;
  case 33: in->kind = SIMD_EXTRACT; in->scalar = WASM_TYPE_F64;
    in->lanes = 2; return true;
  case 34: in->kind = SIMD_REPLACE; in->scalar = WASM_TYPE_F64;
    in->lanes = 2; return true;
  case 77: in->kind = SIMD_UN; return true;
  case 82: in->kind = SIMD_TER; return true;
  case 83: in->kind = SIMD_TEST; return true;
  case 84: case 85: case 86: case 87:
    in->kind = SIMD_LOAD_LANE; in->align = (uint8_t)(sub - 84);
    in->size = (uint8_t)(1u << in->align); in->lanes = (uint8_t)(16 / in->size);
    return true;
  case 88: case 89: case 90: case 91:
    in->kind = SIMD_STORE_LANE; in->align = (uint8_t)(sub - 88);
    in->size = (uint8_t)(1u << in->align); in->lanes = (uint8_t)(16 / in->size);
    return true;
  case 92: in->kind = SIMD_LOAD; in->size = 4; in->align = 2; return true;
  case 93: in->kind = SIMD_LOAD; in->size = 8; in->align = 3; return true;
  case 94: case 95: case 96: case 97: case 98:
  case 103: case 104: case 105: case 106:
  case 116: case 117: case 122:
  case 124: case 125: case 126: case 127: case 128: case 129:
  case 135: case 136: case 137: case 138: case 148:
  case 160: case 161: case 167: case 168: case 169: case 170:
  case 192: case 193: case 199: case 200: case 201: case 202:
  case 224: case 225: case 227: case 236: case 237: case 239:
  case 248: case 249: case 250: case 251: case 252: case 253: case 254:
  case 255:
    in->kind = SIMD_UN; return true;
  case 99: case 100: case 131: case 132: case 163: case 164: case 195:
  case 196:
    in->kind = SIMD_TEST; return true;
  case 107: case 108: case 109: case 139: case 140: case 141:
  case 171: case 172: case 173: case 203: case 204: case 205:
    in->kind = SIMD_SHIFT; return true;
  case 154: case 162: case 165: case 166: case 175: case 176: case 178:
  case 179: case 180: case 187: case 194: case 197: case 198: case 207:
  case 208: case 210: case 211: case 212: case 226: case 238:
    return false;
  default:
    return sub >= 35 && sub <= 255;
  }
}

static int8_t sat8(int v) { return v < -128 ? -128 : v > 127 ? 127 : (int8_t)v; }
static uint8_t satu8(int v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }
static int16_t sat16(int v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : (int16_t)v; }
static uint16_t satu16(int v) { return v < 0 ? 0 : v > 65535 ? 65535 : (uint16_t)v; }

static float fround(float (*fn)(float), float a)
{
  return isnan(a) ? a + a : fn(a);
}

static double dround(double (*fn)(double), double a)
{
  return isnan(a) ? a + a : fn(a);
}

static int32_t sat_i32(double x)
{
  if (isnan(x))
    return 0;
  if (x <= -2147483648.0)
    return INT32_MIN;
  if (x >= 2147483647.0)
    return INT32_MAX;
  return (int32_t)x;
}

static uint32_t sat_u32(double x)
{
  if (isnan(x) || x <= 0)
    return 0;
  if (x >= 4294967295.0)
    return UINT32_MAX;
  return (uint32_t)x;
}

#define LANES(n, expr) for (int i = 0; i < (n); i++) { expr; }
/* X as the result's lane type F; lane i of the result, as lanes F, is
 * EXPR (wrapped to the lane type). */
#define AS(f, x) ((__typeof__(AT(r, f, 0)))(x))
#define SET(f, expr) AT(r, f, i) = AS(f, expr)
#define CMP(n, f, op) LANES(n, AT(r, f, i) = (AT(A, f, i) op AT(B, f, i)) ? -1 : 0)
#define CMPU(n, f, g, op) LANES(n, AT(r, g, i) = (AT(A, f, i) op AT(B, f, i)) ? -1 : 0)
#define ALL_TRUE(n, f)                                                  \
  {                                                                     \
    int ok = 1;                                                         \
    LANES(n, ok &= AT(A, f, i) != 0);                                        \
    d[0] = (uint32_t)ok;                                                \
    return;                                                             \
  }
#define BITMASK(n, f, top)                                              \
  {                                                                     \
    uint32_t m = 0;                                                     \
    LANES(n, m |= (uint32_t)(AT(A, f, i) >> (top)) << i);                    \
    d[0] = m;                                                           \
    return;                                                             \
  }

/* The integer lane shapes share their layout of sub-opcodes from BASE
 * (i8x16 96, i16x8 128, i32x4 160, i64x2 192): N lanes, signed S and
 * unsigned U lanes of BITS bits; the wider shapes' ops that take the
 * next narrower lanes as NS, NU. */
#define INT_LANE_OPS(base, n, s, u, bits)                               \
  case base: LANES(n, SET(u, AT(A, s, i) < 0 ? 0 - AT(A, u, i) : AT(A, u, i))); break; \
  case base + 1: LANES(n, SET(u, 0 - AT(A, u, i))); break;                   \
  case base + 3: ALL_TRUE(n, u)                                         \
  case base + 4: BITMASK(n, u, (bits) - 1)                              \
  case base + 11: LANES(n, SET(u, AT(A, u, i) << (b[0] & ((bits) - 1)))); break; \
  case base + 12: LANES(n, SET(s, AT(A, s, i) >> (b[0] & ((bits) - 1)))); break; \
  case base + 13: LANES(n, SET(u, AT(A, u, i) >> (b[0] & ((bits) - 1)))); break; \
  case base + 14: LANES(n, SET(u, AT(A, u, i) + AT(B, u, i))); break;             \
  case base + 17: LANES(n, SET(u, AT(A, u, i) - AT(B, u, i))); break;
#define SAT_OPS(base, n, s, u, sat, satu)                               \
  case base + 15: LANES(n, AT(r, s, i) = sat(AT(A, s, i) + AT(B, s, i))); break;       \
  case base + 16: LANES(n, AT(r, u, i) = satu(AT(A, u, i) + AT(B, u, i))); break;      \
  case base + 18: LANES(n, AT(r, s, i) = sat(AT(A, s, i) - AT(B, s, i))); break;       \
  case base + 19: LANES(n, AT(r, u, i) = satu(AT(A, u, i) - AT(B, u, i))); break;
#define NARROW_OPS(base, n, s, u, ws, sat, satu)                        \
  case base + 5:                                                        \
    LANES(n, AT(r, s, i) = sat(AT(A, ws, i));                           \
             AT(r, s, i + (n)) = sat(AT(B, ws, i)));                    \
    break;                                                              \
  case base + 6:                                                        \
    LANES(n, AT(r, u, i) = satu(AT(A, ws, i));                          \
             AT(r, u, i + (n)) = satu(AT(B, ws, i)));                   \
    break;
#define MINMAX_OPS(base, n, s, u)                                       \
  case base + 22:                                                       \
    LANES(n, AT(r, s, i) = AT(A, s, i) < AT(B, s, i) ? AT(A, s, i)      \
                                                     : AT(B, s, i));    \
    break;                                                              \
  case base + 23:                                                       \
    LANES(n, AT(r, u, i) = AT(A, u, i) < AT(B, u, i) ? AT(A, u, i)      \
                                                     : AT(B, u, i));    \
    break;                                                              \
  case base + 24:                                                       \
    LANES(n, AT(r, s, i) = AT(A, s, i) > AT(B, s, i) ? AT(A, s, i)      \
                                                     : AT(B, s, i));    \
    break;                                                              \
  case base + 25:                                                       \
    LANES(n, AT(r, u, i) = AT(A, u, i) > AT(B, u, i) ? AT(A, u, i)      \
                                                     : AT(B, u, i));    \
    break;
#define AVGR_OP(base, n, u)                                             \
  case base + 27: LANES(n, SET(u, (AT(A, u, i) + AT(B, u, i) + 1) >> 1)); break;
#define MUL_OP(base, n, u)                                              \
  case base + 21: LANES(n, SET(u, AT(A, u, i) * AT(B, u, i))); break;
/* extend and extmul, low and high halves: lanes NS/NU widened first */
#define WIDEN_OPS(base, n, s, u, ns, nu)                                \
  case base + 7: LANES(n, SET(s, AT(A, ns, i))); break;                      \
  case base + 8: LANES(n, SET(s, AT(A, ns, i + (n)))); break;                \
  case base + 9: LANES(n, SET(u, AT(A, nu, i))); break;                      \
  case base + 10: LANES(n, SET(u, AT(A, nu, i + (n)))); break;               \
  case base + 28: LANES(n, SET(s, AS(s, AT(A, ns, i)) * AT(B, ns, i))); break;     \
  case base + 29:                                                       \
    LANES(n, SET(s, AS(s, AT(A, ns, i + (n))) * AT(B, ns, i + (n))));             \
    break;                                                              \
  case base + 30: LANES(n, SET(u, AS(u, AT(A, nu, i)) * AT(B, nu, i))); break;     \
  case base + 31:                                                       \
    LANES(n, SET(u, AS(u, AT(A, nu, i + (n))) * AT(B, nu, i + (n))));             \
    break;
/* The ten integer comparisons (eq ne lt_s lt_u gt_s gt_u le_s le_u
 * ge_s ge_u) and the six of floats and i64x2 (eq ne lt gt le ge), lanes
 * F compared, lanes I set to all ones or zero. */
#define INT_CMP_OPS(base, n, s, u)                                      \
  case base: CMP(n, s, ==); break;                                      \
  case base + 1: CMP(n, s, !=); break;                                  \
  case base + 2: CMP(n, s, <); break;                                   \
  case base + 3: CMPU(n, u, s, <); break;                               \
  case base + 4: CMP(n, s, >); break;                                   \
  case base + 5: CMPU(n, u, s, >); break;                               \
  case base + 6: CMP(n, s, <=); break;                                  \
  case base + 7: CMPU(n, u, s, <=); break;                              \
  case base + 8: CMP(n, s, >=); break;                                  \
  case base + 9: CMPU(n, u, s, >=); break;
#define ORDERED_CMP_OPS(base, n, f, i_)                                 \
  case base: CMPU(n, f, i_, ==); break;                                 \
  case base + 1: CMPU(n, f, i_, !=); break;                             \
  case base + 2: CMPU(n, f, i_, <); break;                              \
  case base + 3: CMPU(n, f, i_, >); break;                              \
  case base + 4: CMPU(n, f, i_, <=); break;                             \
  case base + 5: CMPU(n, f, i_, >=); break;
/* f32x4 from 224, f64x2 from 236: N lanes F, their bits U with sign bit
 * SIGN; MIN, MAX and SQRT of the lane type */
#define FLOAT_LANE_OPS(base, n, f, u, sign, min, max, sqrt_)              \
  case base: LANES(n, AT(r, u, i) = AT(A, u, i) & ~(sign)); break;                \
  case base + 1: LANES(n, AT(r, u, i) = AT(A, u, i) ^ (sign)); break;             \
  case base + 3: LANES(n, AT(r, f, i) = sqrt_(AT(A, f, i))); break;               \
  case base + 4: LANES(n, AT(r, f, i) = AT(A, f, i) + AT(B, f, i)); break;             \
  case base + 5: LANES(n, AT(r, f, i) = AT(A, f, i) - AT(B, f, i)); break;             \
  case base + 6: LANES(n, AT(r, f, i) = AT(A, f, i) * AT(B, f, i)); break;             \
  case base + 7: LANES(n, AT(r, f, i) = AT(A, f, i) / AT(B, f, i)); break;             \
  case base + 8: LANES(n, AT(r, f, i) = min(AT(A, f, i), AT(B, f, i))); break;         \
  case base + 9: LANES(n, AT(r, f, i) = max(AT(A, f, i), AT(B, f, i))); break;         \
  case base + 10: /* pmin, pmax: the lanes' bits as they are */         \
    LANES(n, AT(r, f, i) = AT(B, f, i) < AT(A, f, i) ? AT(B, f, i)      \
                                                     : AT(A, f, i));    \
    break;                                                              \
  case base + 11:                                                       \
    LANES(n, AT(r, f, i) = AT(A, f, i) < AT(B, f, i) ? AT(B, f, i)      \
                                                     : AT(A, f, i));    \
    break;
/* i32x4 from f32x4 (248) or the two f64x2 lanes (252), saturating, and
 * back to floats F */
#define CONVERT_OPS(base, n, f)                                         \
  case base: LANES(n, AT(r, i32, i) = sat_i32(AT(A, f, i))); break;               \
  case base + 1: LANES(n, AT(r, u32, i) = sat_u32(AT(A, f, i))); break;           \
  case base + 2: LANES(n, SET(f, AT(A, i32, i))); break;                     \
  case base + 3: LANES(n, SET(f, AT(A, u32, i))); break;

/* On a legacy-NaN host (ops-private.h), the NaN lanes of the ops whose
 * float lanes come from the FPU (not abs, neg, pmin, pmax: bits) become
 * canonical NaNs. */
static void canonical_nans(uint32_t sub, v128 *r)
{
  if (sub == 94 || (sub >= 103 && sub <= 106) || (sub >= 227 && sub <= 233))
    LANES(4, if (isnan(r->f32[i])) r->u32[i] = WASM_NAN32);
  if (sub == 95 || sub == 116 || sub == 117 || sub == 122 || sub == 148 ||
      (sub >= 239 && sub <= 245))
    LANES(2, if (isnan(r->f64[i])) r->u64[i] = WASM_NAN64);
}

void wasm_simd_exec(uint32_t sub, uint64_t *d, const uint64_t *a,
                    const uint64_t *b, const uint64_t *c, const uint32_t *imm)
{
  v128 A = of_slots(a), B = of_slots(b), C = of_slots(c), r;
  memset(&r, 0, sizeof r);
  uint32_t lane = imm[0];
  switch (sub) {
  case 12: LANES(4, AT(r, u32, i) = imm[i]); break;
  case 13: {
    uint8_t idx[16];  /* the immediate's bytes: cells hold them LE */
    LANES(16, idx[i] = (uint8_t)(imm[i / 4] >> (8 * (i % 4))));
    LANES(16, AT(r, u8, i) = idx[i] < 16 ? AT(A, u8, idx[i]) : AT(B, u8, idx[i] - 16));
    break;
  }
  case 14:
    LANES(16, AT(r, u8, i) = AT(B, u8, i) < 16 ? AT(A, u8, AT(B, u8, i)) : 0);
    break;
  case 15: LANES(16, AT(r, u8, i) = (uint8_t)a[0]); break;
  case 16: LANES(8, AT(r, u16, i) = (uint16_t)a[0]); break;
  case 17: case 19: LANES(4, AT(r, u32, i) = (uint32_t)a[0]); break;
  case 18: case 20: LANES(2, AT(r, u64, i) = a[0]); break;
  case 21: d[0] = (uint32_t)(int32_t)AT(A, i8, lane); return;
  case 22: d[0] = AT(A, u8, lane); return;
  case 23: r = A; AT(r, u8, lane) = (uint8_t)b[0]; break;
  case 24: d[0] = (uint32_t)(int32_t)AT(A, i16, lane); return;
  case 25: d[0] = AT(A, u16, lane); return;
  case 26: r = A; AT(r, u16, lane) = (uint16_t)b[0]; break;
  case 27: case 31: d[0] = AT(A, u32, lane); return;
  case 28: case 32: r = A; AT(r, u32, lane) = (uint32_t)b[0]; break;
  case 29: case 33: d[0] = AT(A, u64, lane); return;
  case 30: case 34: r = A; AT(r, u64, lane) = b[0]; break;
  INT_CMP_OPS(35, 16, i8, u8)
  INT_CMP_OPS(45, 8, i16, u16)
  INT_CMP_OPS(55, 4, i32, u32)
  ORDERED_CMP_OPS(65, 4, f32, i32)
  ORDERED_CMP_OPS(71, 2, f64, i64)
  ORDERED_CMP_OPS(214, 2, i64, i64)
  case 77: LANES(2, AT(r, u64, i) = ~AT(A, u64, i)); break;
  case 78: LANES(2, AT(r, u64, i) = AT(A, u64, i) & AT(B, u64, i)); break;
  case 79: LANES(2, AT(r, u64, i) = AT(A, u64, i) & ~AT(B, u64, i)); break;
  case 80: LANES(2, AT(r, u64, i) = AT(A, u64, i) | AT(B, u64, i)); break;
  case 81: LANES(2, AT(r, u64, i) = AT(A, u64, i) ^ AT(B, u64, i)); break;
  case 82:
    LANES(2, AT(r, u64, i) = (AT(A, u64, i) & AT(C, u64, i)) |
                            (AT(B, u64, i) & ~AT(C, u64, i)));
    break;
  case 83: d[0] = (AT(A, u64, 0) | AT(A, u64, 1)) != 0; return;
  case 94: LANES(2, AT(r, f32, i) = (float)AT(A, f64, i)); break;
  case 95: LANES(2, AT(r, f64, i) = (double)AT(A, f32, i)); break;
  INT_LANE_OPS(96, 16, i8, u8, 8)
  INT_LANE_OPS(128, 8, i16, u16, 16)
  INT_LANE_OPS(160, 4, i32, u32, 32)
  INT_LANE_OPS(192, 2, i64, u64, 64)
  SAT_OPS(96, 16, i8, u8, sat8, satu8)
  SAT_OPS(128, 8, i16, u16, sat16, satu16)
  NARROW_OPS(96, 8, i8, u8, i16, sat8, satu8)
  NARROW_OPS(128, 4, i16, u16, i32, sat16, satu16)
  MINMAX_OPS(96, 16, i8, u8)
  MINMAX_OPS(128, 8, i16, u16)
  MINMAX_OPS(160, 4, i32, u32)
  AVGR_OP(96, 16, u8)
  AVGR_OP(128, 8, u16)
  MUL_OP(128, 8, u16)
  MUL_OP(160, 4, u32)
  MUL_OP(192, 2, u64)
  WIDEN_OPS(128, 8, i16, u16, i8, u8)
  WIDEN_OPS(160, 4, i32, u32, i16, u16)
  WIDEN_OPS(192, 2, i64, u64, i32, u32)
  FLOAT_LANE_OPS(224, 4, f32, u32, 0x80000000u, fmin32, fmax32, sqrtf)
  FLOAT_LANE_OPS(236, 2, f64, u64, 0x8000000000000000ull, fmin64, fmax64,
                 sqrt)
  CONVERT_OPS(248, 4, f32)
  CONVERT_OPS(252, 2, f64)
  case 98: LANES(16, AT(r, u8, i) = (uint8_t)__builtin_popcount(AT(A, u8, i))); break;
  case 103: LANES(4, AT(r, f32, i) = fround(ceilf, AT(A, f32, i))); break;
  case 104: LANES(4, AT(r, f32, i) = fround(floorf, AT(A, f32, i))); break;
  case 105: LANES(4, AT(r, f32, i) = fround(truncf, AT(A, f32, i))); break;
  case 106: LANES(4, AT(r, f32, i) = fround(nearbyintf, AT(A, f32, i))); break;
  case 116: LANES(2, AT(r, f64, i) = dround(ceil, AT(A, f64, i))); break;
  case 117: LANES(2, AT(r, f64, i) = dround(floor, AT(A, f64, i))); break;
  case 122: LANES(2, AT(r, f64, i) = dround(trunc, AT(A, f64, i))); break;
  case 148: LANES(2, AT(r, f64, i) = dround(nearbyint, AT(A, f64, i))); break;
  case 124:
    LANES(8, AT(r, i16, i) = (int16_t)(AT(A, i8, 2 * i) + AT(A, i8, 2 * i + 1)));
    break;
  case 125:
    LANES(8, AT(r, u16, i) = (uint16_t)(AT(A, u8, 2 * i) + AT(A, u8, 2 * i + 1)));
    break;
  case 126: LANES(4, AT(r, i32, i) = AT(A, i16, 2 * i) + AT(A, i16, 2 * i + 1)); break;
  case 127:
    LANES(4, AT(r, u32, i) = (uint32_t)AT(A, u16, 2 * i) + AT(A, u16, 2 * i + 1));
    break;
  case 130:
    LANES(8, AT(r, i16, i) = sat16((AT(A, i16, i) * AT(B, i16, i) + 0x4000) >> 15));
    break;
  case 186:
    LANES(4, AT(r, u32, i) = (uint32_t)(AT(A, i16, 2 * i) * AT(B, i16, 2 * i)) +
                        (uint32_t)(AT(A, i16, 2 * i + 1) * AT(B, i16, 2 * i + 1)));
    break;
  default: break;
  }
  if (WASM_LEGACY_NAN)
    canonical_nans(sub, &r);
  to_slots(d, &r);
}

void wasm_simd_mem(uint32_t sub, uint8_t *p, uint64_t *d, const uint64_t *v,
                   uint32_t lane)
{
  v128 r, V = of_slots(v);
  memset(&r, 0, sizeof r);
  switch (sub) {
  case 0: r = of_le(p); break;
  case 1: LANES(8, AT(r, i16, i) = (int8_t)p[i]); break;
  case 2: LANES(8, AT(r, u16, i) = p[i]); break;
  case 3: LANES(4, AT(r, i32, i) = (int16_t)le_get16(p + 2 * i)); break;
  case 4: LANES(4, AT(r, u32, i) = le_get16(p + 2 * i)); break;
  case 5: LANES(2, AT(r, i64, i) = (int32_t)le_get32(p + 4 * i)); break;
  case 6: LANES(2, AT(r, u64, i) = le_get32(p + 4 * i)); break;
  case 7: LANES(16, AT(r, u8, i) = p[0]); break;
  case 8: LANES(8, AT(r, u16, i) = le_get16(p)); break;
  case 9: LANES(4, AT(r, u32, i) = le_get32(p)); break;
  case 10: LANES(2, AT(r, u64, i) = le_get64(p)); break;
  case 11: to_le(p, &V); return;
  case 84: r = V; AT(r, u8, lane) = p[0]; break;
  case 85: r = V; AT(r, u16, lane) = le_get16(p); break;
  case 86: r = V; AT(r, u32, lane) = le_get32(p); break;
  case 87: r = V; AT(r, u64, lane) = le_get64(p); break;
  case 88: p[0] = AT(V, u8, lane); return;
  case 89: le_put16(p, AT(V, u16, lane)); return;
  case 90: le_put32(p, AT(V, u32, lane)); return;
  case 91: le_put64(p, AT(V, u64, lane)); return;
  case 92: AT(r, u32, 0) = le_get32(p); break;
  case 93: AT(r, u64, 0) = le_get64(p); break;
  default: break;
  }
  to_slots(d, &r);
}
