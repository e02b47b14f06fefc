/* A small module builder for the size-limit tests (tests/wasm and
 * tests/snapshot): one memory, one funcref table, optional active data and
 * element segments at chosen offsets, and these exports:
 *
 *   store8(a, v)  store32(a, v)  load8(a) -> i32  grow(n) -> i32
 *   size() -> i32  fill(d, n) (memory.fill with 1)  tgrow(n) -> i32
 *   tsize() -> i32  spin() (loops until paused)
 *
 * Static functions in a header: each test program includes it once.
 *
 * Under AddressSanitizer a 4 GiB block is not cheap (its shadow is
 * written, a realloc copies it: gigabytes of RSS), so these programs
 * tell ASan to refuse blocks over 1 GiB with NULL: the tests then expect
 * the refusals (mb_small_heap), as on a 32-bit host. */
#ifndef MODBUILD_H
#define MODBUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define MB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MB_ASAN 1
#endif
#endif
#ifdef MB_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
  return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}
static const bool mb_small_heap = true;
#else
static const bool mb_small_heap = false;
#endif

typedef struct {
  uint8_t b[1024];
  size_t n;
} mb_buf;

typedef struct {
  uint64_t mem_min;
  int64_t mem_max;              /* -1: none */
  uint64_t table_min;
  int64_t table_max;            /* -1: none */
  bool data;                    /* an active data segment */
  uint32_t data_off, data_len;  /* at most 16 bytes (0x5a each) */
  bool elem;                    /* an active element segment (function 0) */
  uint32_t elem_off, elem_count;
} mb_spec;

static void mb_u8(mb_buf *m, uint8_t v)
{
  m->b[m->n++] = v;
}

static void mb_uleb(mb_buf *m, uint64_t v)
{
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    mb_u8(m, b | (v ? 0x80 : 0));
  } while (v);
}

static void mb_sleb(mb_buf *m, int64_t v)
{
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
      mb_u8(m, b);
      return;
    }
    mb_u8(m, b | 0x80);
  }
}

static void mb_raw(mb_buf *m, const void *p, size_t n)
{
  memcpy(m->b + m->n, p, n);
  m->n += n;
}

static void mb_section(mb_buf *m, uint8_t id, const mb_buf *payload)
{
  mb_u8(m, id);
  mb_uleb(m, payload->n);
  mb_raw(m, payload->b, payload->n);
}

static void mb_name(mb_buf *m, const char *s)
{
  mb_uleb(m, strlen(s));
  mb_raw(m, s, strlen(s));
}

static void mb_limits(mb_buf *m, uint64_t min, int64_t max)
{
  mb_u8(m, max < 0 ? 0 : 1);
  mb_uleb(m, min);
  if (max >= 0)
    mb_uleb(m, (uint64_t)max);
}

/* The module of SPEC into OUT. */
static void mb_module(const mb_spec *spec, mb_buf *out)
{
  static const char *const names[] = {"store8", "store32", "load8", "grow",
                                      "size", "fill", "tgrow", "tsize",
                                      "spin"};
  /* types: 0 (i32 i32)->(), 1 (i32)->i32, 2 ()->i32, 3 ()->() */
  static const uint8_t types[] = {4, 0x60, 2, 0x7f, 0x7f, 0,
                                  0x60, 1, 0x7f, 1, 0x7f,
                                  0x60, 0, 1, 0x7f,
                                  0x60, 0, 0};
  static const uint8_t functypes[] = {0, 0, 1, 1, 2, 0, 1, 2, 3};
  /* bodies without the locals vector and the final end */
  static const uint8_t bodies[][12] = {
    {7, 0x20, 0, 0x20, 1, 0x3a, 0, 0},            /* store8 */
    {7, 0x20, 0, 0x20, 1, 0x36, 2, 0},            /* store32 */
    {5, 0x20, 0, 0x2d, 0, 0},                     /* load8 */
    {4, 0x20, 0, 0x40, 0},                        /* grow */
    {2, 0x3f, 0},                                 /* size */
    {9, 0x20, 0, 0x41, 1, 0x20, 1, 0xfc, 11, 0},  /* fill */
    {7, 0xd0, 0x70, 0x20, 0, 0xfc, 15, 0},        /* tgrow */
    {3, 0xfc, 16, 0},                             /* tsize */
    {5, 0x03, 0x40, 0x0c, 0, 0x0b},               /* spin: loop br 0 */
  };
  const size_t nf = sizeof functypes;
  mb_buf s;
  out->n = 0;
  mb_raw(out, "\0asm\1\0\0\0", 8);

  s.n = 0;
  mb_raw(&s, types, sizeof types);
  mb_section(out, 1, &s);

  s.n = 0;
  mb_uleb(&s, nf);
  mb_raw(&s, functypes, nf);
  mb_section(out, 3, &s);

  s.n = 0;
  mb_u8(&s, 1);
  mb_u8(&s, 0x70);
  mb_limits(&s, spec->table_min, spec->table_max);
  mb_section(out, 4, &s);

  s.n = 0;
  mb_u8(&s, 1);
  mb_limits(&s, spec->mem_min, spec->mem_max);
  mb_section(out, 5, &s);

  s.n = 0;
  mb_uleb(&s, nf);
  for (size_t i = 0; i < nf; i++) {
    mb_name(&s, names[i]);
    mb_u8(&s, 0);
    mb_uleb(&s, i);
  }
  mb_section(out, 7, &s);

  if (spec->elem) {
    s.n = 0;
    mb_u8(&s, 1);
    mb_u8(&s, 0);
    mb_u8(&s, 0x41);
    mb_sleb(&s, (int32_t)spec->elem_off);
    mb_u8(&s, 0x0b);
    mb_uleb(&s, spec->elem_count);
    for (uint32_t i = 0; i < spec->elem_count; i++)
      mb_u8(&s, 0);
    mb_section(out, 9, &s);
  }

  s.n = 0;
  mb_uleb(&s, nf);
  for (size_t i = 0; i < nf; i++) {
    mb_uleb(&s, bodies[i][0] + 2u);     /* locals vector, body, end */
    mb_u8(&s, 0);
    mb_raw(&s, bodies[i] + 1, bodies[i][0]);
    mb_u8(&s, 0x0b);
  }
  mb_section(out, 10, &s);

  if (spec->data) {
    s.n = 0;
    mb_u8(&s, 1);
    mb_u8(&s, 0);
    mb_u8(&s, 0x41);
    mb_sleb(&s, (int32_t)spec->data_off);
    mb_u8(&s, 0x0b);
    mb_uleb(&s, spec->data_len);
    for (uint32_t i = 0; i < spec->data_len; i++)
      mb_u8(&s, 0x5a);
    mb_section(out, 11, &s);
  }
}

#endif
