/* Sizes at their limits, on 32-bit and 64-bit hosts alike: a memory of
 * 65,536 pages (4 GiB, which a 32-bit size_t cannot hold), memory.grow to
 * 65,535 and 65,536 pages, data and element segments ending exactly at
 * the end, one past it, and wrapping 32 bits, tables near 2^32.
 *
 * A memory the host cannot back must be refused cleanly: instantiation
 * fails with "out of memory for N pages", memory.grow returns -1. On a
 * 32-bit host that is always the outcome for 4 GiB; on a 64-bit host the
 * memory may be allocated (calloc maps it lazily), and then every access
 * up to the last byte must work and one past it trap. Nothing here writes
 * more than a few bytes of a large memory.
 *
 * usage: test-wasm-limits [--seeds DIR]   (the modules are built here;
 * with --seeds each is also written to DIR/limits-NN.wasm, the decoder
 * fuzzer's boundary seeds in tests/wasm/corpus) */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modbuild.h"
#include "wasm.h"
#include "wasmtest.h"

#define PAGE 65536ull
/* must refuse 4 GiB: a 32-bit host, or ASan told to (modbuild.h) */
#define refuse_4gib (sizeof(size_t) == 4 || mb_small_heap)

static const char *seed_dir;

static void write_seed(const mb_buf *b)
{
  static int n;
  char path[4096];
  snprintf(path, sizeof path, "%s/limits-%02d.wasm", seed_dir, n++);
  FILE *f = fopen(path, "wb");
  CHECK(f && fwrite(b->b, 1, b->n, f) == b->n && fclose(f) == 0, "%s",
        path);
}

static wasm_module *load(const mb_spec *spec)
{
  mb_buf b;
  char err[256];
  mb_module(spec, &b);
  if (seed_dir)
    write_seed(&b);
  wasm_module *m = wasm_module_load(b.b, b.n, NULL, err, sizeof err);
  CHECK(m, "module refused: %s", err);
  return m;
}

/* F(A, B) on INST: its i32 result (or 0), the outcome in *R. */
static uint32_t call(wasm_instance *inst, const char *f, uint64_t a,
                     uint64_t b, wasm_result *r)
{
  uint64_t args[2] = {a, b}, res = 0;
  size_t n = strcmp(f, "size") == 0 || strcmp(f, "tsize") == 0 ? 0
             : strcmp(f, "store8") == 0 || strcmp(f, "store32") == 0 ||
               strcmp(f, "fill") == 0 ? 2 : 1;
  *r = wasm_invoke(inst, f, args, n);
  if (*r == WASM_FINISHED)
    wasm_results(inst, &res, 1);
  return (uint32_t)res;
}

static uint32_t ok_call(wasm_instance *inst, const char *f, uint64_t a,
                        uint64_t b)
{
  wasm_result r;
  uint32_t v = call(inst, f, a, b, &r);
  CHECK(r == WASM_FINISHED, "%s(%#llx, %#llx): %s", f, (unsigned long long)a,
        (unsigned long long)b, wasm_trap_message(inst));
  return v;
}

static void oob_call(wasm_instance *inst, const char *f, uint64_t a,
                     uint64_t b, const char *trap)
{
  wasm_result r;
  call(inst, f, a, b, &r);
  CHECK(r == WASM_TRAPPED && strcmp(wasm_trap_message(inst), trap) == 0,
        "%s(%#llx, %#llx): %d %s, not \"%s\"", f, (unsigned long long)a,
        (unsigned long long)b, r, wasm_trap_message(inst), trap);
}

/* A memory of PAGES pages, now in use: its first byte past 2 GiB (when
 * there is one) and its last byte work, one past the end traps. */
static void check_memory(wasm_instance *inst, uint64_t pages)
{
  uint64_t end = pages * PAGE;
  CHECK(ok_call(inst, "size", 0, 0) == pages, "memory.size %u, want %llu",
        ok_call(inst, "size", 0, 0), (unsigned long long)pages);
  CHECK(wasm_memory_size(inst) == end, "memory size %llu",
        (unsigned long long)wasm_memory_size(inst));
  if (end > 0x80000000u) {
    ok_call(inst, "store8", 0x80000000u, 42);
    CHECK(ok_call(inst, "load8", 0x80000000u, 0) == 42, "byte at 2 GiB");
  }
  ok_call(inst, "store8", end - 1, 7);
  CHECK(ok_call(inst, "load8", end - 1, 0) == 7, "last byte");
  ok_call(inst, "fill", end - 1, 1);
  CHECK(ok_call(inst, "load8", end - 1, 0) == 1, "filled last byte");
  oob_call(inst, "store32", end - 3, 0, "out of bounds memory access");
  oob_call(inst, "fill", end - 1, 2, "out of bounds memory access");
  oob_call(inst, "fill", 0xffffffffu, 2, "out of bounds memory access");
  if (end < 0x100000000ull)
    oob_call(inst, "store8", end, 0, "out of bounds memory access");
}

/* Instantiates SPEC: the instance, or NULL with the error in ERR. */
static wasm_instance *inst_of(const mb_spec *spec, wasm_module **m, char *err,
                              size_t errlen)
{
  *m = load(spec);
  if (!*m)
    return NULL;
  wasm_instance *inst = wasm_instantiate(*m, NULL, 0, NULL, NULL, err, errlen);
  if (!inst)
    wasm_module_free(*m);
  return inst;
}

/* A module declaring 65,536 pages; with a data segment ending exactly at
 * 4 GiB, and one ending a byte past it. */
static void test_4gib(void)
{
  char err[256];
  wasm_module *m;
  mb_spec spec = {.mem_min = 65536, .mem_max = -1, .table_min = 1,
                  .table_max = -1, .data = true, .data_off = 0xfffffffc,
                  .data_len = 4};
  wasm_instance *inst = inst_of(&spec, &m, err, sizeof err);
  if (!inst) {
    CHECK(strcmp(err, "out of memory for 65536 pages") == 0, "4 GiB: %s",
          err);
    printf("65536 pages: refused (%s)\n", err);
  } else {
    CHECK(!refuse_4gib, "a 4 GiB memory on a 32-bit host");
    printf("65536 pages: allocated\n");
    CHECK(ok_call(inst, "load8", 0xffffffffu, 0) == 0x5a, "data at the end");
    check_memory(inst, 65536);
    CHECK(ok_call(inst, "grow", 1, 0) == UINT32_MAX, "grow past 4 GiB");
    CHECK(ok_call(inst, "grow", 0, 0) == 65536, "grow 0");
    wasm_instance_free(inst);
    wasm_module_free(m);
  }

  spec.data_off = 0xfffffffd;
  inst = inst_of(&spec, &m, err, sizeof err);
  CHECK(!inst, "data segment past 4 GiB accepted");
  CHECK(strcmp(err, "out of memory for 65536 pages") == 0 ||
        (!refuse_4gib && strcmp(err, "out of bounds memory access") == 0),
        "data past 4 GiB: %s", err);
  if (inst) {
    wasm_instance_free(inst);
    wasm_module_free(m);
  }
  /* one page short of 4 GiB: the same on a 32-bit host */
  spec.mem_min = 65535;
  spec.data = false;
  inst = inst_of(&spec, &m, err, sizeof err);
  if (!inst) {
    CHECK(strcmp(err, "out of memory for 65535 pages") == 0, "%s", err);
  } else {
    CHECK(!refuse_4gib, "a 4 GiB - 64 KiB memory on a 32-bit host");
    check_memory(inst, 65535);
    wasm_instance_free(inst);
    wasm_module_free(m);
  }
}

/* memory.grow from 1 page to 65,535 and to 65,536 pages: it works, or
 * returns -1 and leaves the memory as it was. */
static void test_grow(void)
{
  char err[256];
  wasm_module *m;
  mb_spec spec = {.mem_min = 1, .mem_max = -1, .table_min = 1,
                  .table_max = -1};
  for (uint32_t to = 65535; to <= 65536; to++) {
    wasm_instance *inst = inst_of(&spec, &m, err, sizeof err);
    CHECK(inst, "instantiate: %s", err);
    if (!inst)
      continue;
    ok_call(inst, "store8", 65535, 9);
    uint32_t r = ok_call(inst, "grow", to - 1, 0);
    CHECK(ok_call(inst, "load8", 65535, 0) == 9, "old byte lost");
    if (r == UINT32_MAX) {
      printf("grow to %u pages: refused\n", to);
      check_memory(inst, 1);
      oob_call(inst, "store8", 0x80000000u, 0, "out of bounds memory access");
    } else {
      CHECK(!refuse_4gib, "grown to %u pages on a 32-bit host", to);
      CHECK(r == 1, "grow to %u pages gave %u", to, r);
      printf("grow to %u pages: allocated\n", to);
      check_memory(inst, to);
      if (to == 65535) {
        /* a step smaller than the memory: realloc instead of calloc */
        r = ok_call(inst, "grow", 1, 0);
        CHECK(r == 65535 || r == UINT32_MAX, "grow 1 from 65535: %u", r);
        if (r == 65535) {
          CHECK(ok_call(inst, "load8", 65535 * PAGE - 1, 0) == 1,
                "byte kept by the realloc");
          CHECK(ok_call(inst, "load8", 65535 * PAGE, 0) == 0, "new page");
          check_memory(inst, 65536);
        }
      }
      CHECK(ok_call(inst, "grow", 1, 0) == UINT32_MAX ||
            ok_call(inst, "size", 0, 0) < 65536, "grow past 65,536 pages");
    }
    /* larger than any 32-bit memory: refused everywhere */
    CHECK(ok_call(inst, "grow", 65536, 0) == UINT32_MAX, "grow 65536");
    CHECK(ok_call(inst, "grow", 0xffffffffu, 0) == UINT32_MAX, "grow -1");
    wasm_instance_free(inst);
    wasm_module_free(m);
  }
}

/* Data segments: ending at the end, one past, wrapping 32 bits. */
static void test_data(void)
{
  static const struct {
    uint32_t off, len;
    bool ok;
  } cases[] = {
    {65532, 4, true}, {65536, 0, true}, {65533, 4, false},
    {65536, 1, false}, {0xffffffff, 2, false}, {0xffffffff, 0, false},
    {0xfffffff0, 16, false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char err[256];
    wasm_module *m;
    mb_spec spec = {.mem_min = 1, .mem_max = -1, .table_min = 1,
                    .table_max = -1, .data = true, .data_off = cases[i].off,
                    .data_len = cases[i].len};
    wasm_instance *inst = inst_of(&spec, &m, err, sizeof err);
    if (cases[i].ok) {
      CHECK(inst, "data at %#x+%u refused: %s", cases[i].off, cases[i].len,
            err);
      if (inst && cases[i].len)
        CHECK(ok_call(inst, "load8", 65535, 0) == 0x5a, "data at the end");
    } else {
      CHECK(!inst && strcmp(err, "out of bounds memory access") == 0,
            "data at %#x+%u: %s", cases[i].off, cases[i].len,
            inst ? "accepted" : err);
    }
    if (inst) {
      wasm_instance_free(inst);
      wasm_module_free(m);
    }
  }
}

/* Tables: element segments at the limits, sizes near 2^32. */
static void test_tables(void)
{
  static const struct {
    uint32_t off, count;
    bool ok;
  } cases[] = {
    {8, 2, true}, {10, 0, true}, {9, 2, false}, {11, 0, false},
    {0xffffffff, 2, false}, {0xffffffff, 1, false},
  };
  char err[256];
  wasm_module *m;
  wasm_instance *inst;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    mb_spec spec = {.mem_min = 0, .mem_max = -1, .table_min = 10,
                    .table_max = -1, .elem = true, .elem_off = cases[i].off,
                    .elem_count = cases[i].count};
    inst = inst_of(&spec, &m, err, sizeof err);
    if (cases[i].ok)
      CHECK(inst, "elements at %#x+%u refused: %s", cases[i].off,
            cases[i].count, err);
    else
      CHECK(!inst && strcmp(err, "out of bounds table access") == 0,
            "elements at %#x+%u: %s", cases[i].off, cases[i].count,
            inst ? "accepted" : err);
    if (inst) {
      wasm_instance_free(inst);
      wasm_module_free(m);
    }
  }
  /* tables the engine will not hold (more than 10,000,000 elements) */
  static const uint64_t huge[] = {10000001, 0x80000000u, 0xffffffffu};
  for (size_t i = 0; i < sizeof huge / sizeof *huge; i++) {
    mb_spec spec = {.mem_min = 0, .mem_max = -1, .table_min = huge[i],
                    .table_max = -1};
    inst = inst_of(&spec, &m, err, sizeof err);
    CHECK(!inst && strcmp(err, "table too large") == 0, "table of %llu: %s",
          (unsigned long long)huge[i], inst ? "accepted" : err);
    if (inst) {
      wasm_instance_free(inst);
      wasm_module_free(m);
    }
  }
  /* table.grow near 2^32 gives -1 and changes nothing */
  mb_spec spec = {.mem_min = 0, .mem_max = -1, .table_min = 10,
                  .table_max = -1};
  inst = inst_of(&spec, &m, err, sizeof err);
  CHECK(inst, "instantiate: %s", err);
  if (!inst)
    return;
  CHECK(ok_call(inst, "tgrow", 0xffffffffu, 0) == UINT32_MAX, "tgrow -1");
  CHECK(ok_call(inst, "tgrow", 0xfffffff6u, 0) == UINT32_MAX, "tgrow to 2^32");
  CHECK(ok_call(inst, "tgrow", 10000000 - 9, 0) == UINT32_MAX,
        "tgrow past the engine's limit");
  CHECK(ok_call(inst, "tsize", 0, 0) == 10, "table size changed");
  CHECK(ok_call(inst, "tgrow", 5, 0) == 10, "tgrow 5");
  CHECK(ok_call(inst, "tsize", 0, 0) == 15, "table size after a grow");
  wasm_instance_free(inst);
  wasm_module_free(m);
}

/* A module whose limits say more than 4 GiB is invalid everywhere. */
static void test_decode(void)
{
  static const uint64_t pages[] = {65537, 0xffffffffu};
  for (size_t i = 0; i < 2; i++) {
    mb_spec spec = {.mem_min = pages[i], .mem_max = -1, .table_min = 0,
                    .table_max = -1};
    mb_buf b;
    char err[256];
    mb_module(&spec, &b);
    if (seed_dir)
      write_seed(&b);
    wasm_module *m = wasm_module_load(b.b, b.n, NULL, err, sizeof err);
    CHECK(!m && strstr(err, "memory size must be at most 65536 pages"),
          "memory of %llu pages: %s", (unsigned long long)pages[i],
          m ? "loaded" : err);
    if (m)
      wasm_module_free(m);
  }
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
    seed_dir = argv[2];
#ifdef M_PERTURB
  /* meson test sets MALLOC_PERTURB_, with which glibc's calloc clears
   * even a fresh mmap'd block: 4 GiB of writes. The engine counts on
   * calloc's untouched zero pages, as it has them outside tests. */
  mallopt(M_PERTURB, 0);
#endif
  printf("size_t is %zu bits\n", sizeof(size_t) * 8);
  test_decode();
  test_data();
  test_tables();
  test_grow();
  test_4gib();
  return wasmtest_verdict();
}
