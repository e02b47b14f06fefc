/* Checked size arithmetic for numbers a guest, a snapshot or the network
 * chose. Every byte count, offset or element count that comes from such a
 * number goes through these before it reaches malloc, memcpy or a
 * pointer: on a 32-bit host a wasm32 memory of 65,536 pages is 2^32
 * bytes, which a size_t cannot hold, and a product that wraps would
 * allocate a small block that the program then writes past.
 *
 * The helpers take 64-bit operands (every count we decode fits) and give
 * a size_t no larger than SIZE_CHECK_MAX, or false. SIZE_CHECK_MAX is
 * PTRDIFF_MAX: glibc's malloc refuses anything larger, and differences of
 * pointers inside a block must be representable. On a 32-bit host that is
 * 2 GiB - 1 byte, so a linear memory there holds at most 32,767 pages
 * (and malloc will usually refuse far less); on a 64-bit host it is 2^63 -
 * 1, beyond any wasm32 memory, and the limit is what calloc gives.
 *
 * Header-only, libc only: used by the engine, WASI and the agent. */
#ifndef SIZE_CHECK_H
#define SIZE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIZE_CHECK_MAX ((size_t)PTRDIFF_MAX)
#define SIZE_CHECK_PAGE 65536u          /* a wasm page */

/* V as a size_t, if it is at most SIZE_CHECK_MAX. */
static inline bool size_from_u64(uint64_t v, size_t *out)
{
  if (v > (uint64_t)SIZE_CHECK_MAX)
    return false;
  *out = (size_t)v;
  return true;
}

/* A * B as a size_t. */
static inline bool size_mul(uint64_t a, uint64_t b, size_t *out)
{
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    return false;
  return size_from_u64(r, out);
}

/* A + B as a size_t. */
static inline bool size_add(uint64_t a, uint64_t b, size_t *out)
{
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r))
    return false;
  return size_from_u64(r, out);
}

/* (A + B) * C as a size_t: N items plus a spare one, of C bytes each. */
static inline bool size_muladd(uint64_t a, uint64_t b, uint64_t c,
                               size_t *out)
{
  uint64_t s;
  if (__builtin_add_overflow(a, b, &s))
    return false;
  return size_mul(s, c, out);
}

/* The bytes of a linear memory of PAGES 64 KiB pages, if this host can
 * address them in one block. */
static inline bool bytes_for_pages(uint64_t pages, size_t *out)
{
  return size_mul(pages, SIZE_CHECK_PAGE, out);
}

/* The most pages bytes_for_pages accepts on this host. */
static inline uint64_t size_max_pages(void)
{
  return (uint64_t)SIZE_CHECK_MAX / SIZE_CHECK_PAGE;
}

/* Is [OFF, OFF + LEN) inside a block of SIZE bytes? (No wrapping: OFF +
 * LEN is never computed.) */
static inline bool range_in(uint64_t off, uint64_t len, uint64_t size)
{
  return off <= size && len <= size - off;
}

#endif
