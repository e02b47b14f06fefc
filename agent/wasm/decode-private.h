/* A bounds-checked reader over module bytes, shared by the section
 * decoder (module.c) and the function compiler (compile.c). Every read
 * fails softly: it records the first error with its byte offset and
 * returns 0, and callers check wasm_rd_ok() at convenient points. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const uint8_t *base;  /* module start: offsets are reported from here */
  const uint8_t *p, *end;
  char *err;
  size_t errlen;
  bool failed;
} wasm_rd;

static inline bool wasm_rd_ok(const wasm_rd *r) { return !r->failed; }

__attribute__((format(printf, 3, 4)))
static inline void wasm_rd_fail_at(wasm_rd *r, const uint8_t *at,
                                   const char *fmt, ...)
{
  if (r->failed)
    return;
  r->failed = true;
  int n = snprintf(r->err, r->errlen, "offset 0x%zx: ",
                   (size_t)(at - r->base));
  if (n < 0 || (size_t)n >= r->errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

#define wasm_rd_fail(r, ...) wasm_rd_fail_at((r), (r)->p, __VA_ARGS__)

static inline uint8_t wasm_rd_u8(wasm_rd *r)
{
  if (r->p >= r->end) {
    wasm_rd_fail(r, "unexpected end");
    return 0;
  }
  return *r->p++;
}

/* LEB128 of at most BITS bits; SIGNED: sign-extended to 64. */
static inline uint64_t wasm_rd_leb(wasm_rd *r, unsigned bits, bool sgn)
{
  uint64_t v = 0;
  const uint8_t *start = r->p;
  unsigned maxbytes = (bits + 6) / 7;
  for (unsigned shift = 0;; shift += 7) {
    if (r->p >= r->end) {
      wasm_rd_fail(r, "unexpected end");
      return 0;
    }
    uint8_t b = *r->p++;
    if (shift / 7 == maxbytes - 1) {
      if (b & 0x80) {
        wasm_rd_fail_at(r, start, "integer representation too long");
        return 0;
      }
      /* the unused high bits must be zero (unsigned) or all equal the
       * sign bit (signed) */
      unsigned used = bits - shift;   /* 1..7 */
      int8_t sb = (int8_t)(b << 1) >> 1; /* sign-extend 7 bits */
      int8_t top = (int8_t)(sb >> (used - 1));
      if (sgn ? top != 0 && top != -1 : used < 7 && (b >> used) != 0) {
        wasm_rd_fail_at(r, start, "integer too large");
        return 0;
      }
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (sgn && shift + 7 < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << (shift + 7);
      return v;
    }
  }
}

static inline uint64_t wasm_rd_uleb(wasm_rd *r, unsigned bits)
{
  return wasm_rd_leb(r, bits, false);
}

static inline int64_t wasm_rd_sleb(wasm_rd *r, unsigned bits)
{
  return (int64_t)wasm_rd_leb(r, bits, true);
}

static inline uint32_t wasm_rd_u32(wasm_rd *r)
{
  return (uint32_t)wasm_rd_uleb(r, 32);
}

static inline bool wasm_rd_bytes(wasm_rd *r, size_t n, const uint8_t **out)
{
  if ((size_t)(r->end - r->p) < n) {
    wasm_rd_fail(r, "unexpected end");
    *out = r->p;
    return false;
  }
  *out = r->p;
  r->p += n;
  return true;
}

static inline uint32_t wasm_rd_fixed32(wasm_rd *r)
{
  const uint8_t *b;
  if (!wasm_rd_bytes(r, 4, &b))
    return 0;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

static inline uint64_t wasm_rd_fixed64(wasm_rd *r)
{
  uint64_t lo = wasm_rd_fixed32(r);
  return lo | (uint64_t)wasm_rd_fixed32(r) << 32;
}
