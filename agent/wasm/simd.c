/* SIMD (v128) lane operations, kept out of the interpreter's hot loop. */
#include <math.h>
#include <string.h>

#include "engine-private.h"
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

static float fminw(float a, float b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? a : b;
  return a < b ? a : b;
}

static float fmaxw(float a, float b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? b : a;
  return a > b ? a : b;
}

static double dminw(double a, double b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? a : b;
  return a < b ? a : b;
}

static double dmaxw(double a, double b)
{
  if (isnan(a) || isnan(b))
    return a + b;
  if (a == 0 && b == 0)
    return signbit(a) ? b : a;
  return a > b ? a : b;
}

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
#define CMP(n, f, op) LANES(n, r.f[i] = (A.f[i] op B.f[i]) ? -1 : 0)
#define CMPU(n, f, g, op) LANES(n, r.g[i] = (A.f[i] op B.f[i]) ? -1 : 0)

void wasm_simd_exec(uint32_t sub, uint64_t *d, const uint64_t *a,
                    const uint64_t *b, const uint64_t *c, const uint32_t *imm)
{
  v128 A, B, C, r;
  memcpy(&A, a, 16);
  memcpy(&B, b, 16);
  memcpy(&C, c, 16);
  memset(&r, 0, sizeof r);
  uint32_t lane = imm[0];
  switch (sub) {
  case 12: memcpy(&r, imm, 16); break;
  case 13: {
    uint8_t idx[16];
    memcpy(idx, imm, 16);
    LANES(16, r.u8[i] = idx[i] < 16 ? A.u8[idx[i]] : B.u8[idx[i] - 16]);
    break;
  }
  case 14: LANES(16, r.u8[i] = B.u8[i] < 16 ? A.u8[B.u8[i]] : 0); break;
  case 15: LANES(16, r.u8[i] = (uint8_t)a[0]); break;
  case 16: LANES(8, r.u16[i] = (uint16_t)a[0]); break;
  case 17: case 19: LANES(4, r.u32[i] = (uint32_t)a[0]); break;
  case 18: case 20: LANES(2, r.u64[i] = a[0]); break;
  case 21: d[0] = (uint32_t)(int32_t)A.i8[lane]; return;
  case 22: d[0] = A.u8[lane]; return;
  case 23: r = A; r.u8[lane] = (uint8_t)b[0]; break;
  case 24: d[0] = (uint32_t)(int32_t)A.i16[lane]; return;
  case 25: d[0] = A.u16[lane]; return;
  case 26: r = A; r.u16[lane] = (uint16_t)b[0]; break;
  case 27: case 31: d[0] = A.u32[lane]; return;
  case 28: case 32: r = A; r.u32[lane] = (uint32_t)b[0]; break;
  case 29: case 33: d[0] = A.u64[lane]; return;
  case 30: case 34: r = A; r.u64[lane] = b[0]; break;
  case 35: CMP(16, i8, ==); break;
  case 36: CMP(16, i8, !=); break;
  case 37: CMP(16, i8, <); break;
  case 38: CMPU(16, u8, i8, <); break;
  case 39: CMP(16, i8, >); break;
  case 40: CMPU(16, u8, i8, >); break;
  case 41: CMP(16, i8, <=); break;
  case 42: CMPU(16, u8, i8, <=); break;
  case 43: CMP(16, i8, >=); break;
  case 44: CMPU(16, u8, i8, >=); break;
  case 45: CMP(8, i16, ==); break;
  case 46: CMP(8, i16, !=); break;
  case 47: CMP(8, i16, <); break;
  case 48: CMPU(8, u16, i16, <); break;
  case 49: CMP(8, i16, >); break;
  case 50: CMPU(8, u16, i16, >); break;
  case 51: CMP(8, i16, <=); break;
  case 52: CMPU(8, u16, i16, <=); break;
  case 53: CMP(8, i16, >=); break;
  case 54: CMPU(8, u16, i16, >=); break;
  case 55: CMP(4, i32, ==); break;
  case 56: CMP(4, i32, !=); break;
  case 57: CMP(4, i32, <); break;
  case 58: CMPU(4, u32, i32, <); break;
  case 59: CMP(4, i32, >); break;
  case 60: CMPU(4, u32, i32, >); break;
  case 61: CMP(4, i32, <=); break;
  case 62: CMPU(4, u32, i32, <=); break;
  case 63: CMP(4, i32, >=); break;
  case 64: CMPU(4, u32, i32, >=); break;
  case 65: CMPU(4, f32, i32, ==); break;
  case 66: CMPU(4, f32, i32, !=); break;
  case 67: CMPU(4, f32, i32, <); break;
  case 68: CMPU(4, f32, i32, >); break;
  case 69: CMPU(4, f32, i32, <=); break;
  case 70: CMPU(4, f32, i32, >=); break;
  case 71: CMPU(2, f64, i64, ==); break;
  case 72: CMPU(2, f64, i64, !=); break;
  case 73: CMPU(2, f64, i64, <); break;
  case 74: CMPU(2, f64, i64, >); break;
  case 75: CMPU(2, f64, i64, <=); break;
  case 76: CMPU(2, f64, i64, >=); break;
  case 77: LANES(2, r.u64[i] = ~A.u64[i]); break;
  case 78: LANES(2, r.u64[i] = A.u64[i] & B.u64[i]); break;
  case 79: LANES(2, r.u64[i] = A.u64[i] & ~B.u64[i]); break;
  case 80: LANES(2, r.u64[i] = A.u64[i] | B.u64[i]); break;
  case 81: LANES(2, r.u64[i] = A.u64[i] ^ B.u64[i]); break;
  case 82: LANES(2, r.u64[i] = (A.u64[i] & C.u64[i]) | (B.u64[i] & ~C.u64[i]));
    break;
  case 83: d[0] = (A.u64[0] | A.u64[1]) != 0; return;
  case 94: LANES(2, r.f32[i] = (float)A.f64[i]); break;
  case 95: LANES(2, r.f64[i] = (double)A.f32[i]); break;
  case 96: LANES(16, r.u8[i] = (uint8_t)(A.i8[i] < 0 ? -A.i8[i] : A.i8[i]));
    break;
  case 97: LANES(16, r.u8[i] = (uint8_t)-A.u8[i]); break;
  case 98: LANES(16, r.u8[i] = (uint8_t)__builtin_popcount(A.u8[i])); break;
  case 99: {
    int ok = 1;
    LANES(16, ok &= A.u8[i] != 0);
    d[0] = (uint32_t)ok;
    return;
  }
  case 100: {
    uint32_t m = 0;
    LANES(16, m |= (uint32_t)(A.u8[i] >> 7) << i);
    d[0] = m;
    return;
  }
  case 101:
    LANES(8, r.i8[i] = sat8(A.i16[i]); r.i8[i + 8] = sat8(B.i16[i]));
    break;
  case 102:
    LANES(8, r.u8[i] = satu8(A.i16[i]); r.u8[i + 8] = satu8(B.i16[i]));
    break;
  case 103: LANES(4, r.f32[i] = fround(ceilf, A.f32[i])); break;
  case 104: LANES(4, r.f32[i] = fround(floorf, A.f32[i])); break;
  case 105: LANES(4, r.f32[i] = fround(truncf, A.f32[i])); break;
  case 106: LANES(4, r.f32[i] = fround(nearbyintf, A.f32[i])); break;
  case 107: LANES(16, r.u8[i] = (uint8_t)(A.u8[i] << (b[0] & 7))); break;
  case 108: LANES(16, r.i8[i] = (int8_t)(A.i8[i] >> (b[0] & 7))); break;
  case 109: LANES(16, r.u8[i] = (uint8_t)(A.u8[i] >> (b[0] & 7))); break;
  case 110: LANES(16, r.u8[i] = (uint8_t)(A.u8[i] + B.u8[i])); break;
  case 111: LANES(16, r.i8[i] = sat8(A.i8[i] + B.i8[i])); break;
  case 112: LANES(16, r.u8[i] = satu8(A.u8[i] + B.u8[i])); break;
  case 113: LANES(16, r.u8[i] = (uint8_t)(A.u8[i] - B.u8[i])); break;
  case 114: LANES(16, r.i8[i] = sat8(A.i8[i] - B.i8[i])); break;
  case 115: LANES(16, r.u8[i] = satu8(A.u8[i] - B.u8[i])); break;
  case 116: LANES(2, r.f64[i] = dround(ceil, A.f64[i])); break;
  case 117: LANES(2, r.f64[i] = dround(floor, A.f64[i])); break;
  case 118: LANES(16, r.i8[i] = A.i8[i] < B.i8[i] ? A.i8[i] : B.i8[i]); break;
  case 119: LANES(16, r.u8[i] = A.u8[i] < B.u8[i] ? A.u8[i] : B.u8[i]); break;
  case 120: LANES(16, r.i8[i] = A.i8[i] > B.i8[i] ? A.i8[i] : B.i8[i]); break;
  case 121: LANES(16, r.u8[i] = A.u8[i] > B.u8[i] ? A.u8[i] : B.u8[i]); break;
  case 122: LANES(2, r.f64[i] = dround(trunc, A.f64[i])); break;
  case 123: LANES(16, r.u8[i] = (uint8_t)((A.u8[i] + B.u8[i] + 1) >> 1)); break;
  case 124: LANES(8, r.i16[i] = (int16_t)(A.i8[2 * i] + A.i8[2 * i + 1])); break;
  case 125: LANES(8, r.u16[i] = (uint16_t)(A.u8[2 * i] + A.u8[2 * i + 1])); break;
  case 126: LANES(4, r.i32[i] = A.i16[2 * i] + A.i16[2 * i + 1]); break;
  case 127: LANES(4, r.u32[i] = (uint32_t)A.u16[2 * i] + A.u16[2 * i + 1]); break;
  case 128: LANES(8, r.u16[i] = (uint16_t)(A.i16[i] < 0 ? -A.i16[i] : A.i16[i]));
    break;
  case 129: LANES(8, r.u16[i] = (uint16_t)-A.u16[i]); break;
  case 130: LANES(8, r.i16[i] = sat16((A.i16[i] * B.i16[i] + 0x4000) >> 15));
    break;
  case 131: {
    int ok = 1;
    LANES(8, ok &= A.u16[i] != 0);
    d[0] = (uint32_t)ok;
    return;
  }
  case 132: {
    uint32_t m = 0;
    LANES(8, m |= (uint32_t)(A.u16[i] >> 15) << i);
    d[0] = m;
    return;
  }
  case 133:
    LANES(4, r.i16[i] = sat16(A.i32[i]); r.i16[i + 4] = sat16(B.i32[i]));
    break;
  case 134:
    LANES(4, r.u16[i] = satu16(A.i32[i]); r.u16[i + 4] = satu16(B.i32[i]));
    break;
  case 135: LANES(8, r.i16[i] = A.i8[i]); break;
  case 136: LANES(8, r.i16[i] = A.i8[i + 8]); break;
  case 137: LANES(8, r.u16[i] = A.u8[i]); break;
  case 138: LANES(8, r.u16[i] = A.u8[i + 8]); break;
  case 139: LANES(8, r.u16[i] = (uint16_t)(A.u16[i] << (b[0] & 15))); break;
  case 140: LANES(8, r.i16[i] = (int16_t)(A.i16[i] >> (b[0] & 15))); break;
  case 141: LANES(8, r.u16[i] = (uint16_t)(A.u16[i] >> (b[0] & 15))); break;
  case 142: LANES(8, r.u16[i] = (uint16_t)(A.u16[i] + B.u16[i])); break;
  case 143: LANES(8, r.i16[i] = sat16(A.i16[i] + B.i16[i])); break;
  case 144: LANES(8, r.u16[i] = satu16(A.u16[i] + B.u16[i])); break;
  case 145: LANES(8, r.u16[i] = (uint16_t)(A.u16[i] - B.u16[i])); break;
  case 146: LANES(8, r.i16[i] = sat16(A.i16[i] - B.i16[i])); break;
  case 147: LANES(8, r.u16[i] = satu16(A.u16[i] - B.u16[i])); break;
  case 148: LANES(2, r.f64[i] = dround(nearbyint, A.f64[i])); break;
  case 149: LANES(8, r.u16[i] = (uint16_t)(A.u16[i] * B.u16[i])); break;
  case 150: LANES(8, r.i16[i] = A.i16[i] < B.i16[i] ? A.i16[i] : B.i16[i]); break;
  case 151: LANES(8, r.u16[i] = A.u16[i] < B.u16[i] ? A.u16[i] : B.u16[i]); break;
  case 152: LANES(8, r.i16[i] = A.i16[i] > B.i16[i] ? A.i16[i] : B.i16[i]); break;
  case 153: LANES(8, r.u16[i] = A.u16[i] > B.u16[i] ? A.u16[i] : B.u16[i]); break;
  case 155: LANES(8, r.u16[i] = (uint16_t)((A.u16[i] + B.u16[i] + 1) >> 1)); break;
  case 156: LANES(8, r.i16[i] = (int16_t)(A.i8[i] * B.i8[i])); break;
  case 157: LANES(8, r.i16[i] = (int16_t)(A.i8[i + 8] * B.i8[i + 8])); break;
  case 158: LANES(8, r.u16[i] = (uint16_t)(A.u8[i] * B.u8[i])); break;
  case 159: LANES(8, r.u16[i] = (uint16_t)(A.u8[i + 8] * B.u8[i + 8])); break;
  case 160: LANES(4, r.u32[i] = A.i32[i] < 0 ? 0u - A.u32[i] : A.u32[i]); break;
  case 161: LANES(4, r.u32[i] = 0u - A.u32[i]); break;
  case 163: {
    int ok = 1;
    LANES(4, ok &= A.u32[i] != 0);
    d[0] = (uint32_t)ok;
    return;
  }
  case 164: {
    uint32_t m = 0;
    LANES(4, m |= (A.u32[i] >> 31) << i);
    d[0] = m;
    return;
  }
  case 167: LANES(4, r.i32[i] = A.i16[i]); break;
  case 168: LANES(4, r.i32[i] = A.i16[i + 4]); break;
  case 169: LANES(4, r.u32[i] = A.u16[i]); break;
  case 170: LANES(4, r.u32[i] = A.u16[i + 4]); break;
  case 171: LANES(4, r.u32[i] = A.u32[i] << (b[0] & 31)); break;
  case 172: LANES(4, r.i32[i] = A.i32[i] >> (b[0] & 31)); break;
  case 173: LANES(4, r.u32[i] = A.u32[i] >> (b[0] & 31)); break;
  case 174: LANES(4, r.u32[i] = A.u32[i] + B.u32[i]); break;
  case 177: LANES(4, r.u32[i] = A.u32[i] - B.u32[i]); break;
  case 181: LANES(4, r.u32[i] = A.u32[i] * B.u32[i]); break;
  case 182: LANES(4, r.i32[i] = A.i32[i] < B.i32[i] ? A.i32[i] : B.i32[i]); break;
  case 183: LANES(4, r.u32[i] = A.u32[i] < B.u32[i] ? A.u32[i] : B.u32[i]); break;
  case 184: LANES(4, r.i32[i] = A.i32[i] > B.i32[i] ? A.i32[i] : B.i32[i]); break;
  case 185: LANES(4, r.u32[i] = A.u32[i] > B.u32[i] ? A.u32[i] : B.u32[i]); break;
  case 186:
    LANES(4, r.u32[i] = (uint32_t)(A.i16[2 * i] * B.i16[2 * i]) +
                        (uint32_t)(A.i16[2 * i + 1] * B.i16[2 * i + 1]));
    break;
  case 188: LANES(4, r.i32[i] = A.i16[i] * B.i16[i]); break;
  case 189: LANES(4, r.i32[i] = A.i16[i + 4] * B.i16[i + 4]); break;
  case 190: LANES(4, r.u32[i] = (uint32_t)A.u16[i] * B.u16[i]); break;
  case 191: LANES(4, r.u32[i] = (uint32_t)A.u16[i + 4] * B.u16[i + 4]); break;
  case 192: LANES(2, r.u64[i] = A.i64[i] < 0 ? 0ull - A.u64[i] : A.u64[i]); break;
  case 193: LANES(2, r.u64[i] = 0ull - A.u64[i]); break;
  case 195: d[0] = A.u64[0] != 0 && A.u64[1] != 0; return;
  case 196: d[0] = (uint32_t)((A.u64[0] >> 63) | (A.u64[1] >> 63) << 1); return;
  case 199: LANES(2, r.i64[i] = A.i32[i]); break;
  case 200: LANES(2, r.i64[i] = A.i32[i + 2]); break;
  case 201: LANES(2, r.u64[i] = A.u32[i]); break;
  case 202: LANES(2, r.u64[i] = A.u32[i + 2]); break;
  case 203: LANES(2, r.u64[i] = A.u64[i] << (b[0] & 63)); break;
  case 204: LANES(2, r.i64[i] = A.i64[i] >> (b[0] & 63)); break;
  case 205: LANES(2, r.u64[i] = A.u64[i] >> (b[0] & 63)); break;
  case 206: LANES(2, r.u64[i] = A.u64[i] + B.u64[i]); break;
  case 209: LANES(2, r.u64[i] = A.u64[i] - B.u64[i]); break;
  case 213: LANES(2, r.u64[i] = A.u64[i] * B.u64[i]); break;
  case 214: CMP(2, i64, ==); break;
  case 215: CMP(2, i64, !=); break;
  case 216: CMP(2, i64, <); break;
  case 217: CMP(2, i64, >); break;
  case 218: CMP(2, i64, <=); break;
  case 219: CMP(2, i64, >=); break;
  case 220: LANES(2, r.i64[i] = (int64_t)A.i32[i] * B.i32[i]); break;
  case 221: LANES(2, r.i64[i] = (int64_t)A.i32[i + 2] * B.i32[i + 2]); break;
  case 222: LANES(2, r.u64[i] = (uint64_t)A.u32[i] * B.u32[i]); break;
  case 223: LANES(2, r.u64[i] = (uint64_t)A.u32[i + 2] * B.u32[i + 2]); break;
  case 224: LANES(4, r.u32[i] = A.u32[i] & 0x7fffffffu); break;
  case 225: LANES(4, r.u32[i] = A.u32[i] ^ 0x80000000u); break;
  case 227: LANES(4, r.f32[i] = sqrtf(A.f32[i])); break;
  case 228: LANES(4, r.f32[i] = A.f32[i] + B.f32[i]); break;
  case 229: LANES(4, r.f32[i] = A.f32[i] - B.f32[i]); break;
  case 230: LANES(4, r.f32[i] = A.f32[i] * B.f32[i]); break;
  case 231: LANES(4, r.f32[i] = A.f32[i] / B.f32[i]); break;
  case 232: LANES(4, r.f32[i] = fminw(A.f32[i], B.f32[i])); break;
  case 233: LANES(4, r.f32[i] = fmaxw(A.f32[i], B.f32[i])); break;
  case 234: LANES(4, r.f32[i] = B.f32[i] < A.f32[i] ? B.f32[i] : A.f32[i]); break;
  case 235: LANES(4, r.f32[i] = A.f32[i] < B.f32[i] ? B.f32[i] : A.f32[i]); break;
  case 236: LANES(2, r.u64[i] = A.u64[i] & 0x7fffffffffffffffull); break;
  case 237: LANES(2, r.u64[i] = A.u64[i] ^ 0x8000000000000000ull); break;
  case 239: LANES(2, r.f64[i] = sqrt(A.f64[i])); break;
  case 240: LANES(2, r.f64[i] = A.f64[i] + B.f64[i]); break;
  case 241: LANES(2, r.f64[i] = A.f64[i] - B.f64[i]); break;
  case 242: LANES(2, r.f64[i] = A.f64[i] * B.f64[i]); break;
  case 243: LANES(2, r.f64[i] = A.f64[i] / B.f64[i]); break;
  case 244: LANES(2, r.f64[i] = dminw(A.f64[i], B.f64[i])); break;
  case 245: LANES(2, r.f64[i] = dmaxw(A.f64[i], B.f64[i])); break;
  case 246: LANES(2, r.f64[i] = B.f64[i] < A.f64[i] ? B.f64[i] : A.f64[i]); break;
  case 247: LANES(2, r.f64[i] = A.f64[i] < B.f64[i] ? B.f64[i] : A.f64[i]); break;
  case 248: LANES(4, r.i32[i] = sat_i32(A.f32[i])); break;
  case 249: LANES(4, r.u32[i] = sat_u32(A.f32[i])); break;
  case 250: LANES(4, r.f32[i] = (float)A.i32[i]); break;
  case 251: LANES(4, r.f32[i] = (float)A.u32[i]); break;
  case 252: LANES(2, r.i32[i] = sat_i32(A.f64[i])); break;
  case 253: LANES(2, r.u32[i] = sat_u32(A.f64[i])); break;
  case 254: LANES(2, r.f64[i] = (double)A.i32[i]); break;
  case 255: LANES(2, r.f64[i] = (double)A.u32[i]); break;
  default: break;
  }
  memcpy(d, &r, 16);
}

void wasm_simd_mem(uint32_t sub, uint8_t *p, uint64_t *d, const uint64_t *v,
                   uint32_t lane)
{
  v128 r, V;
  memset(&r, 0, sizeof r);
  memcpy(&V, v, 16);
  switch (sub) {
  case 0: memcpy(&r, p, 16); break;
  case 1: LANES(8, r.i16[i] = (int8_t)p[i]); break;
  case 2: LANES(8, r.u16[i] = p[i]); break;
  case 3: LANES(4, int16_t x; memcpy(&x, p + 2 * i, 2); r.i32[i] = x); break;
  case 4: LANES(4, uint16_t x; memcpy(&x, p + 2 * i, 2); r.u32[i] = x); break;
  case 5: LANES(2, int32_t x; memcpy(&x, p + 4 * i, 4); r.i64[i] = x); break;
  case 6: LANES(2, uint32_t x; memcpy(&x, p + 4 * i, 4); r.u64[i] = x); break;
  case 7: LANES(16, r.u8[i] = p[0]); break;
  case 8: LANES(8, memcpy(&r.u16[i], p, 2)); break;
  case 9: LANES(4, memcpy(&r.u32[i], p, 4)); break;
  case 10: LANES(2, memcpy(&r.u64[i], p, 8)); break;
  case 11: memcpy(p, &V, 16); return;
  case 84: r = V; r.u8[lane] = p[0]; break;
  case 85: r = V; memcpy(&r.u16[lane], p, 2); break;
  case 86: r = V; memcpy(&r.u32[lane], p, 4); break;
  case 87: r = V; memcpy(&r.u64[lane], p, 8); break;
  case 88: p[0] = V.u8[lane]; return;
  case 89: memcpy(p, &V.u16[lane], 2); return;
  case 90: memcpy(p, &V.u32[lane], 4); return;
  case 91: memcpy(p, &V.u64[lane], 8); return;
  case 92: memcpy(&r.u32[0], p, 4); break;
  case 93: memcpy(&r.u64[0], p, 8); break;
  default: break;
  }
  memcpy(d, &r, 16);
}
