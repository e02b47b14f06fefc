/* Snapshots and memory images at the size limits, on 32-bit and 64-bit
 * hosts alike: a snapshot whose memory is 65,536 pages (4 GiB, more than
 * a 32-bit size_t holds) with a chunk at the very end, one whose pages,
 * runs, gaps, table sizes or frame counts are memory64-sized (up to 2^64 -
 * 1), and memory images claiming the same.
 *
 * The sizes the format allows are restored, or refused with "out of
 * memory for N pages" where the host cannot back them (always so for 4
 * GiB on a 32-bit host); absurd ones are refused as bad snapshots before
 * anything is allocated. Engine only (no WASI): the snapshots are made
 * here from a built module, their sections replaced by hand.
 *
 * usage: test-snapshot-limits [--seeds DIR PRECOPY-DIR]
 * (with --seeds the snapshots are also written to DIR/limits-NN.snap and
 * the images, alone or with a delta, to PRECOPY-DIR/limits-NN.bin: the
 * fuzzers' boundary seeds in fuzz-corpus and fuzz-corpus-precopy) */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modbuild.h"
#include "snapshot.h"
#include "wasm.h"

static int failures;
#define CHECK(c, ...)                                                   \
  do {                                                                  \
    if (!(c)) {                                                         \
      failures++;                                                       \
      fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #c);   \
      fprintf(stderr, __VA_ARGS__);                                     \
      fputc('\n', stderr);                                              \
    }                                                                   \
  } while (0)

/* must refuse 4 GiB: a 32-bit host, or ASan told to (modbuild.h) */
#define refuse_4gib (sizeof(size_t) == 4 || mb_small_heap)
#define CHUNK 4096u

static uint32_t crc32c(const uint8_t *p, size_t n)
{
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++)
      c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
  }
  return ~c;
}

static void seal(uint8_t *b, size_t len)
{
  uint32_t c = crc32c(b, len - 4);
  for (int i = 0; i < 4; i++)
    b[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

/* A growable byte buffer for payloads (a run holds 4 KiB). */
typedef struct {
  uint8_t *b;
  size_t n;
} buf;

static void put(buf *o, const void *p, size_t n)
{
  o->b = realloc(o->b, o->n + n);
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

static void put_var(buf *o, uint64_t v)
{
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    b |= v ? 0x80 : 0;
    put(o, &b, 1);
  } while (v);
}

static const char *seed_dir, *precopy_dir;

/* A seed file: u32le A_LEN, A, B when PRECOPY (the pre-copy fuzzer's
 * input: image, snapshot), else A alone. */
static void write_seed(bool precopy, const uint8_t *a, size_t alen,
                       const uint8_t *b, size_t blen)
{
  static int n;
  char path[4096];
  if (!seed_dir)
    return;
  snprintf(path, sizeof path, "%s/limits-%02d.%s",
           precopy ? precopy_dir : seed_dir, n++, precopy ? "bin" : "snap");
  FILE *f = fopen(path, "wb");
  uint8_t l[4] = {(uint8_t)alen, (uint8_t)(alen >> 8), (uint8_t)(alen >> 16),
                  (uint8_t)(alen >> 24)};
  bool ok = f && (!precopy || fwrite(l, 1, 4, f) == 4) &&
            fwrite(a, 1, alen, f) == alen &&
            (!blen || fwrite(b, 1, blen, f) == blen);
  CHECK((f ? fclose(f) == 0 : false) && ok, "%s", path);
}

/* SNAP (LEN bytes, sealed) with section TAG's payload replaced by
 * NEWTAG, PAYLOAD, resealed: malloc'd, its length in *OUTLEN. */
static uint8_t *replace_section(const uint8_t *snap, size_t len, int tag,
                                int newtag, const buf *payload,
                                size_t *outlen)
{
  buf o = {0};
  put(&o, snap, 9);
  size_t at = 9;
  while (at + 6 <= len && snap[at]) {
    uint32_t n = 0;
    for (int i = 0; i < 5; i++)
      n |= (uint32_t)(snap[at + 1 + i] & 0x7f) << (7 * i);
    if (snap[at] == tag) {
      uint8_t h[6] = {(uint8_t)newtag};
      for (int i = 0; i < 5; i++)
        h[1 + i] = (uint8_t)(((payload->n >> (7 * i)) & 0x7f) |
                             (i < 4 ? 0x80 : 0));
      put(&o, h, 6);
      put(&o, payload->b, payload->n);
    } else {
      put(&o, snap + at, 6 + n);
    }
    at += 6 + n;
  }
  put(&o, snap + at, len - at);    /* end marker and trailer */
  seal(o.b, o.n);
  *outlen = o.n;
  write_seed(false, o.b, o.n, NULL, 0);
  return o.b;
}

static wasm_module *mod;
static uint8_t *snap;           /* of an idle instance: 1 page, byte 9 */
static size_t snap_len;

/* Restores B: the instance, or NULL with ERR. */
static wasm_instance *restore(const uint8_t *b, size_t len, char *err,
                              size_t errlen)
{
  wasm_snapshot *s = wasm_snapshot_read(b, len, err, errlen);
  if (!s)
    return NULL;
  wasm_instance *inst = NULL;
  wasm_module *m = wasm_snapshot_load_module(s, NULL, err, errlen);
  if (m) {
    inst = wasm_snapshot_instantiate(s, m, NULL, 0, NULL, NULL, err, errlen);
    if (!inst)
      wasm_module_free(m);
  }
  wasm_snapshot_free(s);
  return inst;
}

static void free_restored(wasm_instance *inst)
{
  wasm_module *m = (wasm_module *)wasm_instance_module(inst);
  wasm_instance_free(inst);
  wasm_module_free(m);
}

static uint32_t load8(wasm_instance *inst, uint64_t addr)
{
  uint64_t r = 0;
  CHECK(wasm_invoke(inst, "load8", &addr, 1) == WASM_FINISHED,
        "load8(%#llx): %s", (unsigned long long)addr,
        wasm_trap_message(inst));
  wasm_results(inst, &r, 1);
  return (uint32_t)r;
}

/* Section 3 of a memory of PAGES with one run of one chunk at chunk
 * index AT whose last byte is 7. */
static void memory_payload(buf *p, uint64_t pages, uint64_t at)
{
  static uint8_t chunk[CHUNK];
  chunk[CHUNK - 1] = 7;
  put_var(p, 1);
  put_var(p, pages);
  put_var(p, 1);
  put_var(p, at);
  put_var(p, 1);
  put(p, chunk, CHUNK);
}

/* A snapshot of 65,536 pages with the last chunk saved. */
static void test_4gib(void)
{
  for (uint64_t pages = 65535; pages <= 65536; pages++) {
    buf p = {0};
    size_t len;
    char err[256];
    memory_payload(&p, pages, pages * 16 - 1);
    uint8_t *b = replace_section(snap, snap_len, 3, 3, &p, &len);
    wasm_instance *inst = restore(b, len, err, sizeof err);
    if (!inst) {
      char want[64];
      snprintf(want, sizeof want, "out of memory for %llu pages",
               (unsigned long long)pages);
      CHECK(strcmp(err, want) == 0, "%llu pages: %s",
            (unsigned long long)pages, err);
      printf("snapshot of %llu pages: refused (%s)\n",
             (unsigned long long)pages, err);
    } else {
      CHECK(!refuse_4gib, "%llu pages restored on a 32-bit host",
            (unsigned long long)pages);
      printf("snapshot of %llu pages: restored\n", (unsigned long long)pages);
      uint64_t end = pages * 65536;
      CHECK(wasm_memory_size(inst) == end, "memory size %llu",
            (unsigned long long)wasm_memory_size(inst));
      CHECK(load8(inst, end - 1) == 7, "last byte");
      CHECK(load8(inst, 0x80000000u) == 0, "byte at 2 GiB");
      CHECK(load8(inst, 65535) == 0, "byte of the instance's first page");
      free_restored(inst);
    }
    free(b);
    free(p.b);
  }
}

/* Memory sections (3, and 9 of a delta) with absurd numbers. */
static void test_absurd_memory(void)
{
  static const struct {
    int tag;
    uint64_t v[6];
    int n;
    const char *reason;
  } cases[] = {
    /* memories, pages, runs, gap, count */
    {3, {1, 65537, 0}, 3, "bad snapshot: memory: memory larger than 4 GiB"},
    {3, {1, 1ull << 40, 0}, 3, "bad snapshot: memory: memory larger than 4 GiB"},
    {3, {1, UINT64_MAX, 0}, 3, "bad snapshot: memory: memory larger than 4 GiB"},
    {3, {1, 65536, UINT64_MAX}, 3, "bad snapshot: memory: count out of bounds"},
    {3, {1, 65536, 1, 1ull << 63, 1}, 5,
     "bad snapshot: memory: memory run outside the memory"},
    {3, {1, 65536, 1, 1, UINT64_MAX}, 5,
     "bad snapshot: memory: memory run outside the memory"},
    {3, {1, 65536, 1, 65536 * 16, 1}, 5,
     "bad snapshot: memory: memory run outside the memory"},
    {3, {1, 65536, 1, 0, 1ull << 52}, 5,
     "bad snapshot: memory: memory run outside the memory"},
    {3, {1, 1, 1, 0, 17}, 5,
     "bad snapshot: memory: memory run outside the memory"},
    /* memories, pages, image pages (CRC and runs follow) */
    {9, {1, 1ull << 40, 1}, 3,
     "bad snapshot: memory delta: memory larger than 4 GiB"},
    {9, {1, 65536, UINT64_MAX}, 3,
     "bad snapshot: memory delta: the image is larger than the memory"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    buf p = {0};
    size_t len;
    char err[256];
    for (int k = 0; k < cases[i].n; k++)
      put_var(&p, cases[i].v[k]);
    if (cases[i].tag == 9)
      put(&p, "\0\0\0\0\0", 5);         /* CRC, no runs */
    if (cases[i].n == 5) {                /* the run's chunk */
      static const uint8_t zero[CHUNK];
      put(&p, zero, CHUNK);
    }
    uint8_t *b = replace_section(snap, snap_len, 3, cases[i].tag, &p, &len);
    wasm_snapshot *s = wasm_snapshot_read(b, len, err, sizeof err);
    CHECK(!s && strstr(err, cases[i].reason) == err, "case %zu: %s", i,
          s ? "accepted" : err);
    wasm_snapshot_free(s);
    free(b);
    free(p.b);
  }
}

/* Tables, segment flags and frames claiming up to 2^64 items. */
static void test_absurd_counts(void)
{
  static const struct {
    int tag;
    uint64_t v[5];
    int n;
    const char *reason;
  } cases[] = {
    {5, {1, 0x70, 1ull << 32}, 3, "bad snapshot: tables: count out of bounds"},
    {5, {1, 0x70, UINT32_MAX}, 3, "bad snapshot: tables: count out of bounds"},
    {5, {UINT64_MAX}, 1, "bad snapshot: tables: count out of bounds"},
    {6, {UINT64_MAX}, 1, "bad snapshot: segments: count out of bounds"},
    {6, {0, 1ull << 32}, 2, "bad snapshot: segments: count out of bounds"},
    {7, {1ull << 40}, 1, "bad snapshot: frames: count out of bounds"},
    {7, {1, 0, 0, UINT64_MAX}, 4, "bad snapshot: frames: count out of bounds"},
    {7, {1, 0, 0, 1ull << 29}, 4, "bad snapshot: frames: count out of bounds"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    buf p = {0};
    size_t len;
    char err[256];
    for (int k = 0; k < cases[i].n; k++)
      put_var(&p, cases[i].v[k]);
    uint8_t *b = replace_section(snap, snap_len, cases[i].tag, cases[i].tag,
                                 &p, &len);
    wasm_snapshot *s = wasm_snapshot_read(b, len, err, sizeof err);
    CHECK(!s && strstr(err, cases[i].reason) == err, "case %zu: %s", i,
          s ? "accepted" : err);
    wasm_snapshot_free(s);
    free(b);
    free(p.b);
  }
}

/* Memory images: magic, version, pages, runs, CRC. */
static uint8_t *image(const uint64_t *v, int n, bool chunk, size_t *len)
{
  buf o = {0};
  static uint8_t c[CHUNK];
  c[CHUNK - 1] = 7;
  put(&o, "ARTSMIMG\1", 9);
  for (int k = 0; k < n; k++)
    put_var(&o, v[k]);
  if (chunk)
    put(&o, c, CHUNK);
  put(&o, "\0\0\0\0", 4);
  seal(o.b, o.n);
  *len = o.n;
  write_seed(true, o.b, o.n, NULL, 0);
  return o.b;
}

static void test_images(void)
{
  size_t len;
  char err[256];
  /* pages, runs, gap, count: the last chunk of 4 GiB */
  const uint64_t big[] = {65536, 1, 65536 * 16 - 1, 1};
  uint8_t *b = image(big, 4, true, &len);
  wasm_memimage *img = wasm_memimage_read(b, len, err, sizeof err);
  if (!img) {
    CHECK(strcmp(err, sizeof(size_t) == 4
                 ? "bad memory image: header: memory larger than this "
                   "machine's address space"
                 : "out of memory for a memory image of 65536 pages") == 0,
          "4 GiB image: %s", err);
    printf("image of 65536 pages: refused (%s)\n", err);
  } else {
    CHECK(!refuse_4gib, "a 4 GiB image on a 32-bit host");
    CHECK(wasm_memimage_pages(img) == 65536, "pages %u",
          wasm_memimage_pages(img));
    printf("image of 65536 pages: decoded\n");
    wasm_memimage_free(img);
  }
  free(b);

  static const struct {
    uint64_t v[4];
    int n;
    const char *reason;
  } cases[] = {
    {{65537, 0}, 2, "bad memory image: header: memory larger than 4 GiB"},
    {{1ull << 48, 0}, 2, "bad memory image: header: memory larger than 4 GiB"},
    {{UINT64_MAX, 0}, 2, "bad memory image: header: memory larger than 4 GiB"},
    {{16, UINT64_MAX}, 2, "bad memory image: runs: count out of bounds"},
    {{16, 1, UINT64_MAX, 1}, 4,
     "bad memory image: runs: memory run outside the memory"},
    {{16, 1, 0, 1ull << 62}, 4,
     "bad memory image: runs: memory run outside the memory"},
    {{1, 1, 16, 1}, 4,
     "bad memory image: runs: memory run outside the memory"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    b = image(cases[i].v, cases[i].n, cases[i].n == 4, &len);
    img = wasm_memimage_read(b, len, err, sizeof err);
    CHECK(!img && strstr(err, cases[i].reason) == err, "image case %zu: %s",
          i, img ? "accepted" : err);
    wasm_memimage_free(img);
    free(b);
  }
}

/* A delta snapshot of 65,536 pages against an image of 65,536 pages
 * holding the last chunk: restored (the image's buffer adopted, 4 GiB) or
 * refused cleanly, as the image is. */
static void test_delta_4gib(void)
{
  size_t ilen, slen;
  char err[256];
  const uint64_t v[] = {65536, 1, 65536 * 16 - 1, 1};
  uint8_t *ib = image(v, 4, true, &ilen);
  buf p = {0};
  put_var(&p, 1);
  put_var(&p, 65536);
  put_var(&p, 65536);
  put(&p, ib + ilen - 4, 4);            /* the image's CRC */
  put_var(&p, 0);
  uint8_t *sb = replace_section(snap, snap_len, 3, 9, &p, &slen);
  write_seed(true, ib, ilen, sb, slen);
  wasm_memimage *img = wasm_memimage_read(ib, ilen, err, sizeof err);
  wasm_snapshot *s = wasm_snapshot_read(sb, slen, err, sizeof err);
  CHECK(s && wasm_snapshot_needs_image(s), "delta: %s", err);
  CHECK(img || refuse_4gib, "4 GiB image refused on a 64-bit host");
  if (img && s) {
    CHECK(wasm_snapshot_use_image(s, img, err, sizeof err) == 0, "%s", err);
    wasm_module *m = wasm_snapshot_load_module(s, NULL, err, sizeof err);
    CHECK(m, "%s", err);
    wasm_instance *inst = m ? wasm_snapshot_instantiate(s, m, NULL, 0, NULL,
                                                        NULL, err, sizeof err)
                            : NULL;
    CHECK(inst, "delta of 65536 pages: %s", err);
    if (inst) {
      printf("delta of 65536 pages: restored\n");
      CHECK(wasm_memory_size(inst) == 65536ull * 65536, "memory size");
      CHECK(load8(inst, 0xffffffffu) == 7, "last byte");
      wasm_instance_free(inst);
    }
    wasm_module_free(m);
  } else {
    wasm_memimage_free(img);
  }
  wasm_snapshot_free(s);
  free(sb);
  free(ib);
  free(p.b);
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "--seeds") == 0) {
    seed_dir = argv[2];
    precopy_dir = argv[3];
  }
#ifdef M_PERTURB
  /* meson test sets MALLOC_PERTURB_, with which glibc's calloc clears
   * even a fresh mmap'd block: 4 GiB of writes. The engine counts on
   * calloc's untouched zero pages, as it has them outside tests. */
  mallopt(M_PERTURB, 0);
#endif
  printf("size_t is %zu bits\n", sizeof(size_t) * 8);
  mb_spec spec = {.mem_min = 1, .mem_max = -1, .table_min = 1,
                  .table_max = -1};
  mb_buf mb;
  char err[256];
  mb_module(&spec, &mb);
  mod = wasm_module_load(mb.b, mb.n, NULL, err, sizeof err);
  if (!mod) {
    fprintf(stderr, "module: %s\n", err);
    return 1;
  }
  wasm_instance *inst = wasm_instantiate(mod, NULL, 0, NULL, NULL, err,
                                         sizeof err);
  if (!inst) {
    fprintf(stderr, "instantiate: %s\n", err);
    return 1;
  }
  uint64_t args[2] = {65535, 9};
  CHECK(wasm_invoke(inst, "store8", args, 2) == WASM_FINISHED, "store8");
  if (wasm_snapshot_write(inst, "none", NULL, 0, &snap, &snap_len, err,
                          sizeof err) < 0) {
    fprintf(stderr, "snapshot: %s\n", err);
    return 1;
  }
  wasm_instance_free(inst);
  /* the snapshot as made restores */
  inst = restore(snap, snap_len, err, sizeof err);
  CHECK(inst, "restore: %s", err);
  if (inst) {
    CHECK(load8(inst, 65535) == 9, "restored byte");
    free_restored(inst);
  }
  test_4gib();
  test_absurd_memory();
  test_absurd_counts();
  test_images();
  test_delta_4gib();
  free(snap);
  wasm_module_free(mod);
  printf("%s\n", failures ? "FAILED" : "ok");
  return failures != 0;
}
