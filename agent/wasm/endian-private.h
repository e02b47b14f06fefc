/* Little-endian loads and stores, whatever the host's byte order.
 *
 * WebAssembly linear memory is little-endian on every host, and so are
 * the fixed-width fields of the snapshot, the memory image, the channel
 * wire format and the WASI structs a host call writes into guest memory.
 * Every such access goes through these helpers, so the byte order is
 * decided in one place. On a little-endian host each one is a plain
 * memcpy (one unaligned load or store: nothing to pay for); on a
 * big-endian host the same plus a byte swap. P needs no alignment.
 * Shared by the engine and agent/wasi (which includes from agent/wasm). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(__BYTE_ORDER__)
#error "endian-private.h needs __BYTE_ORDER__ (gcc or clang)"
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE_HOST_BIG 1
#define LE_SWAP16(x) __builtin_bswap16(x)
#define LE_SWAP32(x) __builtin_bswap32(x)
#define LE_SWAP64(x) __builtin_bswap64(x)
#elif __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LE_HOST_BIG 0
#define LE_SWAP16(x) (x)
#define LE_SWAP32(x) (x)
#define LE_SWAP64(x) (x)
#else
#error "endian-private.h: a mixed-endian host is not supported"
#endif

static inline uint16_t le_get16(const void *p)
{
  uint16_t v;
  memcpy(&v, p, 2);
  return LE_SWAP16(v);
}

static inline uint32_t le_get32(const void *p)
{
  uint32_t v;
  memcpy(&v, p, 4);
  return LE_SWAP32(v);
}

static inline uint64_t le_get64(const void *p)
{
  uint64_t v;
  memcpy(&v, p, 8);
  return LE_SWAP64(v);
}

static inline void le_put16(void *p, uint16_t v)
{
  v = LE_SWAP16(v);
  memcpy(p, &v, 2);
}

static inline void le_put32(void *p, uint32_t v)
{
  v = LE_SWAP32(v);
  memcpy(p, &v, 4);
}

static inline void le_put64(void *p, uint64_t v)
{
  v = LE_SWAP64(v);
  memcpy(p, &v, 8);
}

/* N bytes (1, 2, 4 or 8), zero-extended: for code generated per access
 * width (the interpreter's loads and stores, the spec runner's lanes),
 * where N is a constant and the switch folds away. */
static inline uint64_t le_getn(const void *p, size_t n)
{
  switch (n) {
  case 1: return *(const uint8_t *)p;
  case 2: return le_get16(p);
  case 4: return le_get32(p);
  default: return le_get64(p);
  }
}

/* The low N bytes of V (N as for le_getn). */
static inline void le_putn(void *p, uint64_t v, size_t n)
{
  switch (n) {
  case 1: *(uint8_t *)p = (uint8_t)v; break;
  case 2: le_put16(p, (uint16_t)v); break;
  case 4: le_put32(p, (uint32_t)v); break;
  default: le_put64(p, v); break;
  }
}
