/* SHA-256 (FIPS 180-4), for module and snapshot identity. */
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[8];
  uint64_t len;
  uint8_t buf[64];
  size_t nbuf;
} wasm_sha256_ctx;

void wasm_sha256_init(wasm_sha256_ctx *c);
void wasm_sha256_update(wasm_sha256_ctx *c, const void *data, size_t len);
void wasm_sha256_final(wasm_sha256_ctx *c, uint8_t out[32]);
/* One call: OUT = SHA-256(DATA). */
void wasm_sha256(const void *data, size_t len, uint8_t out[32]);
