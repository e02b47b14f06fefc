/* Decoder and validator under hostile bytes: a valid module, then every
 * truncation, every single-bit flip, oversized sizes and counts, and
 * hand-made invalid bodies, each refused with "offset 0x..: reason" (or,
 * for flips that still decode, run safely under a fuel limit).
 *
 * usage: test-wasm-decode SMALL.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"
#include "wasmtest.h"

static bool has_offset(const char *err)
{
  return strncmp(err, "offset 0x", 9) == 0 && strchr(err, ':');
}

/* Loads BYTES, expecting failure with REASON in the message. */
static void expect_error(const uint8_t *bytes, size_t len, const char *reason,
                         const char *what)
{
  char err[256];
  wasm_module *m = wasm_module_load(bytes, len, NULL, err, sizeof err);
  CHECK(!m, "%s: loaded", what);
  if (m) {
    wasm_module_free(m);
    return;
  }
  CHECK(has_offset(err), "%s: no offset in \"%s\"", what, err);
  CHECK(strstr(err, reason), "%s: \"%s\" lacks \"%s\"", what, err, reason);
}

static void test_valid(const uint8_t *bytes, size_t len)
{
  char err[256];
  wasm_module *m = wasm_module_load(bytes, len, NULL, err, sizeof err);
  CHECK(m, "small module refused: %s", err);
  if (!m)
    return;
  wasm_instance *inst = wasm_instantiate(m, NULL, 0, NULL, NULL, err,
                                         sizeof err);
  CHECK(inst, "instantiate: %s", err);
  if (inst) {
    uint64_t arg = 35, res = 0;
    CHECK(wasm_invoke(inst, "f", &arg, 1) == WASM_FINISHED, "f");
    wasm_results(inst, &res, 1);
    CHECK(res == 42, "f(35) = %llu", (unsigned long long)res);
    arg = 0;
    CHECK(wasm_invoke(inst, "call", &arg, 1) == WASM_FINISHED, "call");
    wasm_results(inst, &res, 1);
    CHECK(res == 7, "call(0) = %llu", (unsigned long long)res);
    arg = 16;
    CHECK(wasm_invoke(inst, "load", &arg, 1) == WASM_FINISHED, "load");
    wasm_results(inst, &res, 1);
    CHECK(res == 42, "load(16) = %llu", (unsigned long long)res);
    arg = 65535;
    CHECK(wasm_invoke(inst, "load", &arg, 1) == WASM_TRAPPED, "load oob");
    CHECK(strstr(wasm_trap_message(inst), "out of bounds"), "trap: %s",
          wasm_trap_message(inst));
    CHECK(wasm_invoke(inst, "nope", NULL, 0) == WASM_TRAPPED, "no export");
    wasm_instance_free(inst);
  }
  wasm_module_free(m);
}

/* Is N the end of a section of BYTES (so the prefix is a whole module)? */
static bool section_boundary(const uint8_t *bytes, size_t len, size_t n)
{
  size_t p = 8;
  while (p < len) {
    if (p == n)
      return true;
    p++; /* id */
    uint32_t size = 0;
    for (int shift = 0; p < len; shift += 7) {
      uint8_t b = bytes[p++];
      size |= (uint32_t)(b & 0x7f) << shift;
      if (!(b & 0x80))
        break;
    }
    p += size;
  }
  return n == 8;
}

static void test_truncations(const uint8_t *bytes, size_t len)
{
  for (size_t n = 0; n < len; n++) {
    char err[256] = "";
    wasm_module *m = wasm_module_load(bytes, n, NULL, err, sizeof err);
    if (section_boundary(bytes, len, n)) {
      /* whole sections: a module, valid or not */
      CHECK(m || has_offset(err), "%zu bytes: \"%s\"", n, err);
    } else {
      CHECK(!m, "truncated to %zu bytes loaded", n);
      CHECK(has_offset(err), "truncated to %zu: \"%s\"", n, err);
    }
    wasm_module_free(m);
  }
}

/* Every single-bit flip: refused with an offset, or valid and safe to run. */
static void test_bit_flips(const uint8_t *bytes, size_t len)
{
  uint8_t *b = malloc(len);
  unsigned loaded = 0;
  for (size_t i = 0; i < len; i++)
    for (int bit = 0; bit < 8; bit++) {
      memcpy(b, bytes, len);
      b[i] ^= (uint8_t)(1u << bit);
      char err[256] = "";
      wasm_module *m = wasm_module_load(b, len, NULL, err, sizeof err);
      if (!m) {
        CHECK(has_offset(err), "flip %zu.%d: \"%s\"", i, bit, err);
        continue;
      }
      loaded++;
      wasm_limits lim = {.fuel = 100000, .max_memory = 1 << 20};
      wasm_instance *inst = wasm_instantiate(m, NULL, 0, NULL, &lim, err,
                                             sizeof err);
      if (inst) {
        uint64_t arg = 3;
        const char *names[] = {"f", "call", "load"};
        for (int k = 0; k < 3; k++) {
          uint32_t np;
          int64_t fi = wasm_export_func(inst, names[k]);
          if (fi < 0 || !wasm_func_signature(inst, (uint32_t)fi, &np, NULL,
                                             NULL, NULL) || np != 1)
            continue;
          wasm_result r = wasm_call(inst, (uint32_t)fi, &arg, 1);
          CHECK(r == WASM_FINISHED || r == WASM_TRAPPED, "flip %zu.%d run",
                i, bit);
        }
        wasm_instance_free(inst);
      }
      wasm_module_free(m);
    }
  free(b);
  printf("bit flips: %zu tried, %u still valid\n", len * 8, loaded);
}

static void test_crafted(void)
{
  static const uint8_t bad_magic[] = {0, 'a', 's', 'n', 1, 0, 0, 0};
  expect_error(bad_magic, sizeof bad_magic, "magic", "bad magic");
  static const uint8_t bad_version[] = {0, 'a', 's', 'm', 2, 0, 0, 0};
  expect_error(bad_version, sizeof bad_version, "version", "bad version");
  /* a type section claiming 4 GiB */
  static const uint8_t huge_section[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                         1, 0xff, 0xff, 0xff, 0xff, 0x0f};
  expect_error(huge_section, sizeof huge_section, "length out of bounds",
               "huge section");
  /* a type section with 2^32-1 entries in 5 bytes */
  static const uint8_t huge_count[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                       1, 5, 0xff, 0xff, 0xff, 0xff, 0x0f};
  expect_error(huge_count, sizeof huge_count, "unexpected end", "huge count");
  /* an over-long LEB128 */
  static const uint8_t long_leb[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                     1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  expect_error(long_leb, sizeof long_leb, "integer", "long LEB");
  /* (func (result i32) i32.add) with nothing on the stack */
  static const uint8_t mismatch[] = {
    0, 'a', 's', 'm', 1, 0, 0, 0,
    1, 5, 1, 0x60, 0, 1, 0x7f,          /* type () -> i32 */
    3, 2, 1, 0,                         /* one function */
    10, 5, 1, 3, 0, 0x6a, 0x0b};        /* body: i32.add end */
  expect_error(mismatch, sizeof mismatch, "type mismatch", "type mismatch");
  /* sections out of order: function before type */
  static const uint8_t order[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                  3, 1, 0, 1, 1, 0};
  expect_error(order, sizeof order, "order", "section order");
  /* unknown local */
  static const uint8_t local[] = {
    0, 'a', 's', 'm', 1, 0, 0, 0,
    1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0,
    10, 6, 1, 4, 0, 0x20, 5, 0x0b};
  expect_error(local, sizeof local, "unknown local", "unknown local");
  /* 20000 values on the operand stack: refused (engine limit) instead of
   * compile time and metadata growing with depth x calls */
  {
    size_t nconst = 20000, blen = 1 + 2 * nconst + 1;
    uint8_t *deep = malloc(64 + blen);
    size_t n = 0;
    static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                   1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0};
    memcpy(deep, head, sizeof head);
    n = sizeof head;
    size_t seclen = 1 + 3 + blen; /* count, body size (3-byte LEB), body */
    deep[n++] = 10;
    deep[n++] = (uint8_t)(0x80 | (seclen & 0x7f));
    deep[n++] = (uint8_t)(0x80 | ((seclen >> 7) & 0x7f));
    deep[n++] = (uint8_t)(seclen >> 14);
    deep[n++] = 1;
    deep[n++] = (uint8_t)(0x80 | (blen & 0x7f));
    deep[n++] = (uint8_t)(0x80 | ((blen >> 7) & 0x7f));
    deep[n++] = (uint8_t)(blen >> 14);
    deep[n++] = 0; /* no locals */
    for (size_t k = 0; k < nconst; k++) {
      deep[n++] = 0x41;
      deep[n++] = 0;
    }
    deep[n++] = 0x0b;
    expect_error(deep, n, "engine limit", "deep stack");
    free(deep);
  }
  /* a custom section is skipped */
  static const uint8_t custom[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                   0, 4, 2, 'h', 'i', 0x99};
  char err[256];
  wasm_module *m = wasm_module_load(custom, sizeof custom, NULL, err,
                                    sizeof err);
  CHECK(m, "custom section: %s", err);
  wasm_module_free(m);
}

int main(int argc, char **argv)
{
  size_t len;
  uint8_t *bytes = wasmtest_program(argc, argv, "SMALL.wasm", &len);
  if (!bytes) return 2;
  test_valid(bytes, len);
  test_truncations(bytes, len);
  test_bit_flips(bytes, len);
  test_crafted();
  free(bytes);
  return wasmtest_verdict();
}
