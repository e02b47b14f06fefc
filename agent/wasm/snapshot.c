/* Snapshot dump and undump, in the manner of Lua's ldump.c/lundump.c: a
 * writer that walks the instance and emits sections, a reader that parses
 * them back checking every count against the bytes that remain, then a
 * restore that checks every value against the module before the instance
 * runs. The byte layout is in docs/snapshot-format.md; keep them in step.
 *
 * Everything is little-endian or LEB128, so the format does not depend on
 * the host's word size or byte order. */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endian-private.h"
#include "engine-private.h"
#include "sha256.h"
#include "size-check.h"

#define MAGIC "ARTSSNAP"
#define IMAGE_MAGIC "ARTSMIMG"
#define IMAGE_VERSION 1
#define CHUNK 4096u                       /* memory is saved in 4 KiB chunks */
#define CHUNKS_PER_PAGE (WASM_PAGE_SIZE / CHUNK)

enum {
  SEC_END = 0, SEC_MODULE, SEC_STATE, SEC_MEMORY, SEC_GLOBALS, SEC_TABLES,
  SEC_SEGMENTS, SEC_FRAMES, SEC_HOST,
  SEC_MEMORY_DELTA,             /* in SEC_MEMORY's place: chunks changed */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- CRC-32C (Castagnoli) ----
 * The checksum runs over every byte twice per migration (write and read),
 * so it uses the CPU's crc32 instruction where there is one (x86 SSE4.2,
 * ARMv8 CRC) and a slice-by-8 table elsewhere; both give the same value. */

#define CRC32C_POLY 0x82f63b78u

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? CRC32C_POLY ^ (c >> 1) : c >> 1;
    crc_table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
                        crc_table[0][crc_table[t - 1][i] & 0xff];
}

static uint32_t crc_soft(uint32_t c, const uint8_t *p, size_t n) {
  pthread_once(&crc_once, crc_init);
  while (n >= 8) {
    uint32_t a = c ^ le_get32(p);
    c = crc_table[7][a & 0xff] ^ crc_table[6][(a >> 8) & 0xff] ^
        crc_table[5][(a >> 16) & 0xff] ^ crc_table[4][a >> 24] ^
        crc_table[3][p[4]] ^ crc_table[2][p[5]] ^ crc_table[1][p[6]] ^
        crc_table[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n--) c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC_HW 1
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t c,
                                                         const uint8_t *p,
                                                         size_t n) {
  uint64_t c64 = c;
  while (n >= 8) {
    c64 = __builtin_ia32_crc32di(c64, le_get64(p));  /* bytes in order */
    p += 8;
    n -= 8;
  }
  c = (uint32_t)c64;
  while (n--) c = __builtin_ia32_crc32qi(c, *p++);
  return c;
}
static bool crc_hw_ok(void) {
  static int ok = -1;  /* a benign race: every thread computes the same */
  if (ok < 0)
    ok = __builtin_cpu_supports("sse4.2") && !getenv("ARTS_SNAPSHOT_SOFT_CRC");
  return ok == 1;
}
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#define CRC_HW 1
#include <arm_acle.h>
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n) {
  while (n >= 8) {
    c = __crc32cd(c, le_get64(p));  /* the bytes in order on any host */
    p += 8;
    n -= 8;
  }
  while (n--) c = __crc32cb(c, *p++);
  return c;
}
static bool crc_hw_ok(void) {
  static int ok = -1;
  if (ok < 0) ok = !getenv("ARTS_SNAPSHOT_SOFT_CRC");
  return ok == 1;
}
#endif

static uint32_t crc32_of(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
#ifdef CRC_HW
  if (crc_hw_ok())
    return crc_hw(c, p, n) ^ 0xffffffffu;
#endif
  return crc_soft(c, p, n) ^ 0xffffffffu;
}

/* ---- dump ---- */

typedef struct {
  uint8_t *buf;
  size_t len, cap;
  bool oom;
} dump_state;

static bool reserve(dump_state *d, size_t n) {
  if (d->oom) return false;
  size_t need;
  if (!size_add(d->len, n, &need)) return !(d->oom = true);
  if (need <= d->cap) return true;
  size_t cap = d->cap ? d->cap : 4096;
  while (cap < need) cap = cap > SIZE_CHECK_MAX / 2 ? need : cap * 2;
  uint8_t *b = realloc(d->buf, cap);
  if (!b) return !(d->oom = true);
  d->buf = b;
  d->cap = cap;
  return true;
}

static void dump_bytes(dump_state *d, const void *p, size_t n) {
  if (n && reserve(d, n)) {
    memcpy(d->buf + d->len, p, n);
    d->len += n;
  }
}

static void dump_u8(dump_state *d, uint8_t v) { dump_bytes(d, &v, 1); }

static void dump_var(dump_state *d, uint64_t v) {
  if (!reserve(d, 10)) return;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    d->buf[d->len++] = b | (v ? 0x80 : 0);
  } while (v);
}

static void dump_u64le(dump_state *d, uint64_t v) {
  uint8_t b[8];
  le_put64(b, v);
  dump_bytes(d, b, 8);
}

/* A section: tag, then its length as a fixed 5-byte LEB128 patched at the
 * end, so sections are written in one pass. */
static size_t section_begin(dump_state *d, uint8_t tag) {
  dump_u8(d, tag);
  size_t at = d->len;
  dump_bytes(d, "\x80\x80\x80\x80\x00", 5);
  return at;
}

static bool section_end(dump_state *d, size_t at, char *err, size_t errlen) {
  if (d->oom) return false;
  uint64_t n = d->len - at - 5;
  if (n > 0xffffffffu) {
    set_err(err, errlen, "snapshot section larger than 4 GiB");
    return false;
  }
  for (int i = 0; i < 5; i++)
    d->buf[at + i] = (uint8_t)(((n >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
  return true;
}

/* Whether a 4 KiB chunk is all zero: 64 bytes at a time, leaving at the
 * first non-zero block (touched chunks rarely start with 64 zero bytes). */
static bool chunk_zero(const uint8_t *p) {
  /* any byte order: only whether a word is zero matters */
  const uint64_t *w = (const uint64_t *)p;
  for (size_t i = 0; i < CHUNK / 8; i += 8) {
    if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] |
        w[i + 6] | w[i + 7])
      return false;
  }
  return true;
}

/* The chunks of an image: NULL where the image is zero. Chunks at or past
 * N are zero too. */
typedef struct {
  const uint8_t **chunk;
  uint64_t n;
} image_chunks;

/* Whether chunk I of DATA must travel: against no image, when it is not
 * zero; against one, when it differs from the image's chunk. memcmp and
 * the 64-byte zero test leave at the first difference, so unchanged
 * memory is read once at memory speed and changed chunks cost little. */
static bool chunk_differs(const uint8_t *data, uint64_t i,
                          const image_chunks *img) {
  const uint8_t *p = data + i * CHUNK;
  if (img && i < img->n && img->chunk[i])
    return memcmp(p, img->chunk[i], CHUNK) != 0;
  return !chunk_zero(p);
}

static void dump_padded_var(dump_state *d, size_t at, uint64_t v) {
  for (int k = 0; k < 5; k++)
    d->buf[at + k] = (uint8_t)(((v >> (7 * k)) & 0x7f) | (k < 4 ? 0x80 : 0));
}

/* `var runs` then runs of the chunks of DATA (NCHUNKS of them) that
 * differ from IMG (NULL: that are not zero): (gap since the last run,
 * length, bytes). One pass over the memory, each chunk tested once: the
 * run count is patched in afterwards (a padded 5-byte LEB128, as section
 * lengths). */
static void dump_runs(dump_state *d, const uint8_t *data, uint64_t nchunks,
                      const image_chunks *img) {
  size_t count_at = d->len;
  dump_bytes(d, "\x80\x80\x80\x80\x00", 5);
  uint64_t i = 0, last = 0, nruns = 0;
  while (i < nchunks) {
    if (!chunk_differs(data, i, img)) { i++; continue; }
    uint64_t start = i++;
    while (i < nchunks && chunk_differs(data, i, img)) i++;
    dump_var(d, start - last);
    dump_var(d, i - start);
    dump_bytes(d, data + start * CHUNK, (size_t)((i - start) * CHUNK));
    last = i++;   /* chunk I (if any) was just found equal */
    nruns++;
  }
  if (!d->oom) dump_padded_var(d, count_at, nruns);
}

static const wasm_memory *memory0(const wasm_instance *inst) {
  return inst->module->nmems ? inst->mems[0] : NULL;
}

/* Section 3: the memory as it is. */
static void dump_memory(dump_state *d, const wasm_instance *inst) {
  const wasm_memory *mem = memory0(inst);
  dump_var(d, inst->module->nmems);
  if (!mem) return;
  dump_var(d, mem->pages);
  dump_runs(d, mem->data, mem->pages * CHUNKS_PER_PAGE, NULL);
}

static void dump_u32le(dump_state *d, uint32_t v) {
  uint8_t b[4];
  le_put32(b, v);
  dump_bytes(d, b, 4);
}

/* A memory image as the delta writer sees it: its pages, its trailer and
 * where each of its chunks is. */
typedef struct {
  uint64_t pages;
  uint32_t crc;
  image_chunks chunks;
} image_ref;

/* Section 9: the chunks that changed since IMG was taken. Memory only
 * grows, so an image larger than the memory is not this instance's. */
static bool dump_memory_delta(dump_state *d, const wasm_instance *inst,
                              const image_ref *img, char *err,
                              size_t errlen) {
  const wasm_memory *mem = memory0(inst);
  uint64_t pages = mem ? mem->pages : 0;
  if (img->pages > pages) {
    set_err(err, errlen, "the memory image has %llu pages, the memory %llu: "
            "not an image of this instance", (unsigned long long)img->pages,
            (unsigned long long)pages);
    return false;
  }
  dump_var(d, inst->module->nmems);
  dump_var(d, pages);
  dump_var(d, img->pages);
  dump_u32le(d, img->crc);
  dump_runs(d, mem ? mem->data : NULL, pages * CHUNKS_PER_PAGE, &img->chunks);
  return true;
}

static void dump_value(dump_state *d, const wasm_instance *inst, uint8_t type,
                       const uint64_t *v) {
  if (type == WASM_TYPE_V128) {
    dump_u64le(d, v[0]);
    dump_u64le(d, v[1]);
  } else if (type == WASM_TYPE_FUNCREF || type == WASM_TYPE_EXTERNREF) {
    dump_var(d, wasm_ref_to_portable(inst, type, v[0]));
  } else {
    dump_var(d, v[0]);
  }
}

static bool dump_frames(dump_state *d, const wasm_instance *inst, char *err,
                        size_t errlen) {
  uint32_t n = wasm_exec_frame_count(inst);
  dump_var(d, n);
  for (uint32_t i = 0; i < n; i++) {
    wasm_frame_info fi;
    if (!wasm_exec_frame(inst, i, &fi, NULL, NULL)) {
      set_err(err, errlen, "frame %u cannot be saved", i);
      return false;
    }
    size_t sbytes;
    uint64_t *slots = size_muladd(fi.nslots, 1, sizeof *slots, &sbytes)
                          ? malloc(sbytes) : NULL;
    if (!slots || !wasm_exec_frame(inst, i, &fi, slots, NULL)) {
      free(slots);
      set_err(err, errlen, "frame %u cannot be saved", i);
      return false;
    }
    dump_var(d, fi.func);
    dump_var(d, fi.wasm_pc);
    dump_var(d, fi.nslots);
    for (uint32_t k = 0; k < fi.nslots; k++) dump_var(d, slots[k]);
    free(slots);
  }
  return true;
}

/* The trailer of snapshots and images: CRC-32C of every byte before it. */
static bool dump_crc(dump_state *d) {
  if (d->oom) return false;
  dump_u32le(d, crc32_of(d->buf, d->len));
  return !d->oom;
}

/* The whole snapshot; its memory as a delta against IMG when not NULL. */
static bool dump_all(dump_state *d, const wasm_instance *inst,
                     const char *host_name, const uint8_t *host,
                     size_t host_len, const image_ref *img, char *err,
                     size_t errlen) {
  const wasm_module *m = inst->module;
  size_t at;
  dump_bytes(d, MAGIC, 8);
  dump_u8(d, WASM_SNAPSHOT_VERSION);

  at = section_begin(d, SEC_MODULE);
  dump_bytes(d, m->hash, 32);
  dump_bytes(d, m->bytes, m->len);
  if (!section_end(d, at, err, errlen)) return false;

  at = section_begin(d, SEC_STATE);
  dump_var(d, inst->fuel_used);
  dump_var(d, inst->fuel_limit);
  dump_var(d, inst->limits.fuel);
  dump_var(d, inst->limits.max_memory);
  dump_var(d, inst->limits.max_frames);
  dump_var(d, inst->limits.max_stack_slots);
  if (!section_end(d, at, err, errlen)) return false;

  if (img) {
    at = section_begin(d, SEC_MEMORY_DELTA);
    if (!dump_memory_delta(d, inst, img, err, errlen)) return false;
  } else {
    at = section_begin(d, SEC_MEMORY);
    dump_memory(d, inst);
  }
  if (!section_end(d, at, err, errlen)) return false;

  at = section_begin(d, SEC_GLOBALS);
  dump_var(d, m->nglobals);
  for (uint32_t i = 0; i < m->nglobals; i++) {
    const wasm_global *g = inst->globals[i];
    dump_u8(d, g->type);
    dump_value(d, inst, g->type, g->v);
  }
  if (!section_end(d, at, err, errlen)) return false;

  at = section_begin(d, SEC_TABLES);
  dump_var(d, m->ntables);
  for (uint32_t i = 0; i < m->ntables; i++) {
    const wasm_table *t = inst->tables[i];
    dump_u8(d, t->elemtype);
    dump_var(d, t->size);
    for (uint32_t k = 0; k < t->size; k++)
      dump_var(d, wasm_ref_to_portable(inst, t->elemtype, t->elems[k]));
  }
  if (!section_end(d, at, err, errlen)) return false;

  at = section_begin(d, SEC_SEGMENTS);
  dump_var(d, m->ndatas);
  for (uint32_t i = 0; i < m->ndatas; i++) dump_u8(d, inst->data_dropped[i]);
  dump_var(d, m->nelems);
  for (uint32_t i = 0; i < m->nelems; i++) dump_u8(d, inst->elem_dropped[i]);
  if (!section_end(d, at, err, errlen)) return false;

  at = section_begin(d, SEC_FRAMES);
  if (!dump_frames(d, inst, err, errlen)) return false;
  if (!section_end(d, at, err, errlen)) return false;

  at = section_begin(d, SEC_HOST);
  size_t nl = host_name ? strlen(host_name) : 0;
  dump_var(d, nl);
  dump_bytes(d, host_name, nl);
  dump_bytes(d, host, host_len);
  if (!section_end(d, at, err, errlen)) return false;

  dump_u8(d, SEC_END);
  dump_u8(d, 0);
  return dump_crc(d);
}

/* Snapshot into *OUT, its memory as a delta against IMG when not NULL. */
static int snapshot_write(const wasm_instance *inst, const char *host_name,
                          const uint8_t *host, size_t host_len,
                          const image_ref *img, uint8_t **out, size_t *outlen,
                          char *err, size_t errlen) {
  dump_state d = {0};
  const wasm_module *m = inst->module;
  uint64_t mem = m->nmems ? inst->mems[0]->pages * WASM_PAGE_SIZE : 0;
  /* A first guess that avoids most reallocations: module + an eighth of
   * the memory (at most 64 MiB) + the host state. */
  uint64_t guess = mem / 8 < (64u << 20) ? mem / 8 : (64u << 20);
  if (img) guess = 0;   /* a delta is small, or grows by doubling */
  reserve(&d, m->len + (size_t)guess + host_len + 65536);
  set_err(err, errlen, "out of memory writing a snapshot");
  if (!dump_all(&d, inst, host_name, host, host_len, img, err, errlen)) {
    free(d.buf);
    return -1;
  }
  *out = d.buf;
  *outlen = d.len;
  return 0;
}

int wasm_snapshot_write(const wasm_instance *inst, const char *host_name,
                        const uint8_t *host, size_t host_len, uint8_t **out,
                        size_t *outlen, char *err, size_t errlen) {
  return snapshot_write(inst, host_name, host, host_len, NULL, out, outlen,
                        err, errlen);
}

int wasm_snapshot_write_file(const wasm_instance *inst, const char *host_name,
                             const uint8_t *host, size_t host_len,
                             const char *path, char *err, size_t errlen) {
  uint8_t *buf;
  size_t len;
  if (wasm_snapshot_write(inst, host_name, host, host_len, &buf, &len, err,
                          errlen) < 0)
    return -1;
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 5);
  if (!tmp) {
    free(buf);
    set_err(err, errlen, "out of memory");
    return -1;
  }
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp", 5);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int rc = -1;
  if (fd < 0) {
    set_err(err, errlen, "%s: %s", tmp, strerror(errno));
    goto out;
  }
  for (size_t done = 0; done < len;) {
    ssize_t n = write(fd, buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      set_err(err, errlen, "%s: %s", tmp, strerror(errno));
      close(fd);
      unlink(tmp);
      goto out;
    }
    done += (size_t)n;
  }
  if (close(fd) < 0 || rename(tmp, path) < 0) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    unlink(tmp);
    goto out;
  }
  rc = 0;
out:
  free(tmp);
  free(buf);
  return rc;
}

/* ---- undump ---- */

typedef struct {
  uint64_t start, n;    /* in chunks */
  const uint8_t *bytes;
} mem_run;

typedef struct {
  uint8_t type;
  uint64_t v[2];
} saved_global;

typedef struct {
  uint8_t elemtype;
  uint32_t size;
  uint64_t *elems;      /* portable */
} saved_table;

struct wasm_snapshot {
  uint8_t *buf;
  size_t len;
  const uint8_t *hash;
  const uint8_t *module;
  size_t module_len;
  uint64_t fuel_used, fuel_limit;
  wasm_limits limits;
  uint32_t nmems;
  uint64_t pages;
  mem_run *runs;        /* non-zero chunks; in a delta, changed chunks */
  uint64_t nruns;
  bool delta;           /* memory is section 9, against this image: */
  uint64_t image_pages;
  uint32_t image_crc;
  wasm_memimage *image; /* given by wasm_snapshot_use_image */
  saved_global *globals;
  uint32_t nglobals;
  saved_table *tables;
  uint32_t ntables;
  uint8_t *data_dropped, *elem_dropped;
  uint32_t ndatas, nelems;
  wasm_frame_info *frames;
  uint64_t **slots;
  uint32_t nframes;
  const char *host_name_p;
  size_t host_name_len;
  char *host_name;
  const uint8_t *host;
  size_t host_len;
};

typedef struct {
  const uint8_t *p, *end;
  char *err;
  size_t errlen;
  bool bad;
  const char *where;
  const char *kind;     /* what the input is, in messages; NULL: snapshot */
} undump_state;

/* A decoded memory image. DATA is NULL once an instance took it over. */
struct wasm_memimage {
  uint8_t *data;        /* pages x 64 KiB */
  uint64_t pages;
  uint32_t crc;         /* the image's trailer */
};

static bool bad(undump_state *u, const char *what) {
  if (!u->bad)
    set_err(u->err, u->errlen, "%s: %s: %s",
            u->kind ? u->kind : "bad snapshot", u->where, what);
  u->bad = true;
  return false;
}

static uint8_t load_u8(undump_state *u) {
  if (u->bad) return 0;
  if (u->p >= u->end) return bad(u, "truncated"), 0;
  return *u->p++;
}

static uint64_t load_var(undump_state *u) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t b = load_u8(u);
    if (u->bad) return 0;
    if (shift == 63 && (b & 0x7e)) return bad(u, "varint overflows"), 0;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return bad(u, "varint too long"), 0;
}

/* A count of items that each take at least MIN_BYTES: bounded by what
 * remains, so hostile counts cannot make us allocate much. */
static uint64_t load_count(undump_state *u, uint64_t max, size_t min_bytes) {
  uint64_t n = load_var(u);
  if (u->bad) return 0;
  if (n > max || n > (uint64_t)(u->end - u->p) / min_bytes)
    return bad(u, "count out of bounds"), 0;
  return n;
}

static const uint8_t *load_bytes(undump_state *u, uint64_t n) {
  if (u->bad) return NULL;
  if (n > (uint64_t)(u->end - u->p)) return bad(u, "truncated"), NULL;
  const uint8_t *p = u->p;
  u->p += n;
  return p;
}

static uint64_t load_u64le(undump_state *u) {
  const uint8_t *b = load_bytes(u, 8);
  return b ? le_get64(b) : 0;
}

static uint32_t load_u32le(undump_state *u) {
  const uint8_t *b = load_bytes(u, 4);
  return b ? le_get32(b) : 0;
}

static void undump_state_sec(undump_state *u, wasm_snapshot *s) {
  s->fuel_used = load_var(u);
  s->fuel_limit = load_var(u);
  s->limits.fuel = load_var(u);
  s->limits.max_memory = load_var(u);
  uint64_t f = load_var(u), st = load_var(u);
  /* Bounded so a hostile snapshot cannot make the resumer allocate
   * gigabytes of stack before anything is checked. */
  if (f > (1u << 20) || st > (1u << 27)) bad(u, "stack limits out of range");
  s->limits.max_frames = (uint32_t)f;
  s->limits.max_stack_slots = (uint32_t)st;
}

/* `var runs` then the runs of a memory of NCHUNKS chunks (sections 3 and
 * 9, images): each within the memory, after the one before. NULL with U
 * bad, or an array of *NRUNS runs pointing into the input. */
static mem_run *load_runs(undump_state *u, uint64_t nchunks, uint64_t *nruns) {
  *nruns = load_count(u, nchunks, 2 + CHUNK);
  if (u->bad) return NULL;
  mem_run *runs = calloc(*nruns ? *nruns : 1, sizeof *runs);
  if (!runs) return bad(u, "out of memory"), NULL;
  uint64_t at = 0;
  for (uint64_t i = 0; i < *nruns; i++) {
    uint64_t gap = load_var(u), n = load_var(u);
    if (!u->bad && (n == 0 || gap > nchunks - at || n > nchunks - at - gap))
      bad(u, "memory run outside the memory");
    runs[i].start = at + gap;
    runs[i].n = n;
    runs[i].bytes = load_bytes(u, n * CHUNK);
    if (u->bad) {
      free(runs);
      *nruns = 0;
      return NULL;
    }
    at += gap + n;
  }
  return runs;
}

static void undump_memory(undump_state *u, wasm_snapshot *s) {
  s->nmems = (uint32_t)load_count(u, 1, 1);
  if (!s->nmems || u->bad) return;
  s->pages = load_var(u);
  if (s->pages > WASM_MAX_PAGES) {
    bad(u, "memory larger than 4 GiB");
    return;
  }
  s->runs = load_runs(u, s->pages * CHUNKS_PER_PAGE, &s->nruns);
}

/* Section 9: as section 3, plus the image the runs are against. */
static void undump_memory_delta(undump_state *u, wasm_snapshot *s) {
  s->delta = true;
  s->nmems = (uint32_t)load_count(u, 1, 1);
  s->pages = load_var(u);
  s->image_pages = load_var(u);
  s->image_crc = load_u32le(u);
  if (u->bad) return;
  if (s->pages > WASM_MAX_PAGES) {
    bad(u, "memory larger than 4 GiB");
    return;
  }
  if (s->image_pages > s->pages) {
    bad(u, "the image is larger than the memory (memory never shrinks)");
    return;
  }
  if (!s->nmems && s->pages) {
    bad(u, "pages without a memory");
    return;
  }
  s->runs = load_runs(u, s->pages * CHUNKS_PER_PAGE, &s->nruns);
}

static bool is_ref(uint8_t t) {
  return t == WASM_TYPE_FUNCREF || t == WASM_TYPE_EXTERNREF;
}

static bool is_valtype(uint8_t t) {
  return t == WASM_TYPE_I32 || t == WASM_TYPE_I64 || t == WASM_TYPE_F32 ||
         t == WASM_TYPE_F64 || t == WASM_TYPE_V128 || is_ref(t);
}

static void undump_globals(undump_state *u, wasm_snapshot *s) {
  s->nglobals = (uint32_t)load_count(u, 1000000, 2);
  if (u->bad) return;
  s->globals = calloc(s->nglobals + 1, sizeof *s->globals);
  if (!s->globals) {
    bad(u, "out of memory");
    return;
  }
  for (uint32_t i = 0; i < s->nglobals && !u->bad; i++) {
    saved_global *g = &s->globals[i];
    g->type = load_u8(u);
    if (!u->bad && !is_valtype(g->type)) {
      bad(u, "global of an unknown type");
      return;
    }
    if (g->type == WASM_TYPE_V128) {
      g->v[0] = load_u64le(u);
      g->v[1] = load_u64le(u);
    } else {
      g->v[0] = load_var(u);
    }
  }
}

static void undump_tables(undump_state *u, wasm_snapshot *s) {
  s->ntables = (uint32_t)load_count(u, 100000, 2);
  if (u->bad) return;
  s->tables = calloc(s->ntables + 1, sizeof *s->tables);
  if (!s->tables) {
    bad(u, "out of memory");
    return;
  }
  for (uint32_t i = 0; i < s->ntables && !u->bad; i++) {
    saved_table *t = &s->tables[i];
    t->elemtype = load_u8(u);
    if (!u->bad && !is_ref(t->elemtype)) {
      bad(u, "table of a non-reference type");
      return;
    }
    t->size = (uint32_t)load_count(u, UINT32_MAX, 1);
    if (u->bad) return;
    size_t tbytes;
    t->elems = size_muladd(t->size, 1, sizeof *t->elems, &tbytes)
                   ? malloc(tbytes) : NULL;
    if (!t->elems) {
      bad(u, "out of memory");
      return;
    }
    for (uint32_t k = 0; k < t->size; k++) t->elems[k] = load_var(u);
  }
}

static uint8_t *undump_flags(undump_state *u, uint32_t *n) {
  *n = (uint32_t)load_count(u, UINT32_MAX, 1);
  if (u->bad) return NULL;
  size_t fbytes;
  uint8_t *f = size_add(*n, 1, &fbytes) ? malloc(fbytes) : NULL;
  if (!f) return bad(u, "out of memory"), NULL;
  const uint8_t *b = load_bytes(u, *n);
  if (!b) {
    free(f);
    return NULL;
  }
  for (uint32_t i = 0; i < *n; i++) {
    if (b[i] > 1) {
      free(f);
      return bad(u, "segment flag not 0 or 1"), NULL;
    }
    f[i] = b[i];
  }
  return f;
}

static void undump_frames(undump_state *u, wasm_snapshot *s) {
  s->nframes = (uint32_t)load_count(u, 1u << 24, 3);
  if (u->bad) return;
  s->frames = calloc(s->nframes + 1, sizeof *s->frames);
  s->slots = calloc(s->nframes + 1, sizeof *s->slots);
  if (!s->frames || !s->slots) {
    bad(u, "out of memory");
    return;
  }
  for (uint32_t i = 0; i < s->nframes && !u->bad; i++) {
    uint64_t func = load_var(u), pc = load_var(u);
    uint64_t n = load_count(u, UINT32_MAX, 1);
    if (u->bad) return;
    if (func > UINT32_MAX || pc > UINT32_MAX) {
      bad(u, "frame function or pc out of range");
      return;
    }
    s->frames[i].func = (uint32_t)func;
    s->frames[i].wasm_pc = (uint32_t)pc;
    s->frames[i].nslots = (uint32_t)n;
    size_t sbytes;
    s->slots[i] = size_muladd(n, 1, sizeof(uint64_t), &sbytes)
                      ? malloc(sbytes) : NULL;
    if (!s->slots[i]) {
      bad(u, "out of memory");
      return;
    }
    for (uint64_t k = 0; k < n; k++) s->slots[i][k] = load_var(u);
  }
}

static bool undump_section(undump_state *u, wasm_snapshot *s, uint8_t tag,
                           const uint8_t *end) {
  const uint8_t *outer = u->end;
  u->end = end;
  switch (tag) {
  case SEC_MODULE:
    u->where = "module";
    s->hash = load_bytes(u, 32);
    s->module_len = (size_t)(u->end - u->p);
    s->module = load_bytes(u, s->module_len);
    break;
  case SEC_STATE: u->where = "state"; undump_state_sec(u, s); break;
  case SEC_MEMORY: u->where = "memory"; undump_memory(u, s); break;
  case SEC_MEMORY_DELTA:
    u->where = "memory delta";
    undump_memory_delta(u, s);
    break;
  case SEC_GLOBALS: u->where = "globals"; undump_globals(u, s); break;
  case SEC_TABLES: u->where = "tables"; undump_tables(u, s); break;
  case SEC_SEGMENTS:
    u->where = "segments";
    s->data_dropped = undump_flags(u, &s->ndatas);
    if (!u->bad) s->elem_dropped = undump_flags(u, &s->nelems);
    break;
  case SEC_FRAMES: u->where = "frames"; undump_frames(u, s); break;
  case SEC_HOST: {
    u->where = "host state";
    uint64_t nl = load_count(u, 255, 1);
    s->host_name_p = (const char *)load_bytes(u, nl);
    s->host_name_len = (size_t)nl;
    s->host_len = (size_t)(u->end - u->p);
    s->host = load_bytes(u, s->host_len);
    break;
  }
  }
  if (!u->bad && u->p != end) bad(u, "section has trailing bytes");
  u->end = outer;
  return !u->bad;
}

static bool undump_all(undump_state *u, wasm_snapshot *s) {
  u->where = "header";
  const uint8_t *magic = load_bytes(u, 8);
  if (!magic || memcmp(magic, MAGIC, 8) != 0)
    return bad(u, "not an ARTS snapshot (magic)");
  uint8_t v = load_u8(u);
  if (!u->bad && v != WASM_SNAPSHOT_VERSION) {
    set_err(u->err, u->errlen,
            "snapshot format version %u is not supported (this engine "
            "reads version %u)", v, WASM_SNAPSHOT_VERSION);
    u->bad = true;
    return false;
  }
  for (uint8_t want = SEC_MODULE; want <= SEC_HOST; want++) {
    u->where = "section header";
    uint8_t tag = load_u8(u);
    uint64_t len = load_var(u);
    if (u->bad) return false;
    /* Section 9 (a delta) stands in section 3's place. */
    if (tag != want && !(want == SEC_MEMORY && tag == SEC_MEMORY_DELTA))
      return bad(u, "sections missing or out of order");
    if (len > (uint64_t)(u->end - u->p)) return bad(u, "section truncated");
    if (!undump_section(u, s, tag, u->p + len)) return false;
  }
  u->where = "end";
  if (load_u8(u) != SEC_END || load_u8(u) != 0 || u->bad)
    return bad(u, "missing end marker");
  if (u->p != u->end) return bad(u, "trailing bytes");
  return true;
}

void wasm_snapshot_free(wasm_snapshot *s) {
  if (!s) return;
  wasm_memimage_free(s->image);
  free(s->runs);
  free(s->globals);
  for (uint32_t i = 0; s->tables && i < s->ntables; i++)
    free(s->tables[i].elems);
  free(s->tables);
  free(s->data_dropped);
  free(s->elem_dropped);
  for (uint32_t i = 0; s->slots && i < s->nframes; i++) free(s->slots[i]);
  free(s->slots);
  free(s->frames);
  free(s->host_name);
  free(s->buf);
  free(s);
}

/* Parses BUF (taken over: freed on failure, kept by the snapshot). */
static wasm_snapshot *snapshot_parse(uint8_t *buf, size_t len, char *err,
                                     size_t errlen) {
  wasm_snapshot *s = calloc(1, sizeof *s);
  if (!s) {
    free(buf);
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  s->buf = buf;
  s->len = len;
  if (len < 8 + 1 + 2 + 4) {
    set_err(err, errlen, "bad snapshot: %zu bytes is too short", len);
    wasm_snapshot_free(s);
    return NULL;
  }
  if (memcmp(buf, MAGIC, 8) != 0) {
    set_err(err, errlen, "bad snapshot: not an ARTS snapshot (magic)");
    wasm_snapshot_free(s);
    return NULL;
  }
  uint32_t want = le_get32(buf + len - 4);
  if (crc32_of(buf, len - 4) != want) {
    set_err(err, errlen, "bad snapshot: checksum mismatch (damaged or "
            "truncated)");
    wasm_snapshot_free(s);
    return NULL;
  }
  undump_state u = {s->buf, s->buf + len - 4, err, errlen, false, ""};
  if (!undump_all(&u, s)) {
    wasm_snapshot_free(s);
    return NULL;
  }
  s->host_name = malloc(s->host_name_len + 1);
  if (!s->host_name) {
    wasm_snapshot_free(s);
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  memcpy(s->host_name, s->host_name_p, s->host_name_len);
  s->host_name[s->host_name_len] = 0;
  return s;
}

wasm_snapshot *wasm_snapshot_read(const uint8_t *buf, size_t len, char *err,
                                  size_t errlen) {
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) {
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  memcpy(copy, buf, len);
  return snapshot_parse(copy, len, err, errlen);
}

wasm_snapshot *wasm_snapshot_read_file(const char *path, char *err,
                                       size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, errlen, "%s", strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    set_err(err, errlen, "not a regular file");
    close(fd);
    return NULL;
  }
  size_t len;
  if (st.st_size < 0 || !size_from_u64((uint64_t)st.st_size, &len)) {
    set_err(err, errlen, "file too large for this machine");
    close(fd);
    return NULL;
  }
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) {
    close(fd);
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t n = read(fd, buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  close(fd);
  if (done != len) {
    set_err(err, errlen, "short read");
    free(buf);
    return NULL;
  }
  return snapshot_parse(buf, len, err, errlen);
}

const uint8_t *wasm_snapshot_module_bytes(const wasm_snapshot *s,
                                          size_t *len) {
  *len = s->module_len;
  return s->module;
}

const uint8_t *wasm_snapshot_host_state(const wasm_snapshot *s,
                                        const char **name, size_t *len) {
  if (name) *name = s->host_name;
  *len = s->host_len;
  return s->host;
}

void wasm_snapshot_describe(const wasm_snapshot *s, FILE *out) {
  fprintf(out, "format       version %u, %zu bytes\n", WASM_SNAPSHOT_VERSION,
          s->len);
  fprintf(out, "module       %zu bytes, sha256 ", s->module_len);
  for (int i = 0; i < 32; i++) fprintf(out, "%02x", s->hash[i]);
  uint64_t chunks = 0;
  for (uint64_t i = 0; i < s->nruns; i++) chunks += s->runs[i].n;
  if (s->delta)
    fprintf(out, "\nmemory       %u memory, %llu pages (%llu KiB), a delta "
            "against a memory image of %llu pages (CRC-32C %08x): %llu "
            "chunks (%llu KiB) changed, in %llu runs\n", s->nmems,
            (unsigned long long)s->pages, (unsigned long long)s->pages * 64,
            (unsigned long long)s->image_pages, s->image_crc,
            (unsigned long long)chunks,
            (unsigned long long)chunks * (CHUNK / 1024),
            (unsigned long long)s->nruns);
  else
    fprintf(out, "\nmemory       %u memory, %llu pages (%llu KiB), %llu KiB "
            "saved in %llu runs\n", s->nmems, (unsigned long long)s->pages,
            (unsigned long long)s->pages * 64,
            (unsigned long long)chunks * (CHUNK / 1024),
            (unsigned long long)s->nruns);
  fprintf(out, "globals      %u\ntables       %u\nsegments     %u data, "
          "%u element\n", s->nglobals, s->ntables, s->ndatas, s->nelems);
  fprintf(out, "fuel         %llu used, limit %llu\n",
          (unsigned long long)s->fuel_used,
          (unsigned long long)s->fuel_limit);
  fprintf(out, "limits       memory %llu bytes, %u frames, %u stack slots "
          "(0 = default)\n", (unsigned long long)s->limits.max_memory,
          s->limits.max_frames, s->limits.max_stack_slots);
  fprintf(out, "host state   \"%s\", %zu bytes\n", s->host_name, s->host_len);
  fprintf(out, "frames       %u%s\n", s->nframes,
          s->nframes ? " (bottom first)" : " (idle between calls)");
  for (uint32_t i = 0; i < s->nframes; i++)
    fprintf(out, "  #%-4u function %u, pc 0x%x, %u slots\n", i,
            s->frames[i].func, s->frames[i].wasm_pc, s->frames[i].nslots);
}

void wasm_snapshot_limits(const wasm_snapshot *s, wasm_limits *out) {
  *out = s->limits;
}

wasm_module *wasm_snapshot_load_module(const wasm_snapshot *s,
                                       const wasm_load_options *opt,
                                       char *err, size_t errlen) {
  char e[256];
  wasm_module *m = wasm_module_load(s->module, s->module_len, opt, e,
                                    sizeof e);
  if (!m) {
    set_err(err, errlen, "bad snapshot: its module does not load: %s", e);
    return NULL;
  }
  if (memcmp(wasm_module_hash(m), s->hash, 32) != 0) {
    set_err(err, errlen, "bad snapshot: module hash mismatch");
    wasm_module_free(m);
    return NULL;
  }
  return m;
}

/* ---- restore: check against the module, then apply ---- */

static int check_image(const wasm_snapshot *s, char *err, size_t errlen) {
  if (!s->image) {
    set_err(err, errlen, "bad snapshot: its memory is a delta against a "
            "memory image, and no image was given");
    return -1;
  }
  if (!s->image->data) {
    set_err(err, errlen, "bad snapshot: its memory image went to an "
            "instance made before");
    return -1;
  }
  return 0;
}

/* The last step of a delta restore, once everything else is checked and
 * applied: the image's buffer becomes the memory, grown with zeros, the
 * changed chunks written over it. Nothing fails after the buffer changes
 * hands, so a refused restore leaves the image to the snapshot intact. */
static int adopt_image(const wasm_snapshot *s, wasm_instance *inst,
                       char *err, size_t errlen) {
  wasm_memimage *img = s->image;
  if (!s->nmems) return 0;
  size_t have = (size_t)img->pages * WASM_PAGE_SIZE;  /* backed */
  size_t want;
  if (!bytes_for_pages(s->pages, &want)) {
    set_err(err, errlen, "out of memory for %llu pages: more than this "
            "machine's address space", (unsigned long long)s->pages);
    return -1;
  }
  if (want > have) {
    /* realloc moves large blocks by remapping them, not by copying */
    uint8_t *d = realloc(img->data, want);
    if (!d) {
      set_err(err, errlen, "out of memory for %llu pages",
              (unsigned long long)s->pages);
      return -1;
    }
    img->data = d;
    memset(d + have, 0, want - have);
  }
  for (uint64_t i = 0; i < s->nruns; i++)
    memcpy(img->data + (size_t)s->runs[i].start * CHUNK, s->runs[i].bytes,
           (size_t)s->runs[i].n * CHUNK);
  wasm_memory *mem = inst->mems[0];
  free(mem->data);
  mem->data = img->data;
  mem->pages = s->pages;
  img->data = NULL;
  return 0;
}

static int restore_memory(const wasm_snapshot *s, wasm_instance *inst,
                          char *err, size_t errlen) {
  const wasm_module *m = inst->module;
  if (s->nmems != m->nmems) {
    set_err(err, errlen, "bad snapshot: %u memories, the module has %u",
            s->nmems, m->nmems);
    return -1;
  }
  if (s->delta && check_image(s, err, errlen) < 0) return -1;
  if (!m->nmems) return 0;
  wasm_memory *mem = inst->mems[0];
  if (s->pages < m->mems[0].min || s->pages > mem->max_pages ||
      s->pages > WASM_MAX_PAGES) {
    set_err(err, errlen, "bad snapshot: memory of %llu pages is outside the "
            "module's or the instance's limits",
            (unsigned long long)s->pages);
    return -1;
  }
  if (s->delta) return 0;  /* the image is adopted last: adopt_image */
  /* A fresh zeroed block (calloc maps large ones lazily) instead of the
   * instantiated memory: nothing to clear, and untouched pages cost
   * nothing. The engine keeps memory in malloc'd blocks (it reallocs them
   * to grow), so the swap is safe. */
  /* a memory this host cannot address (65,536 pages on a 32-bit host)
   * is refused, never allocated short */
  size_t bytes;
  uint8_t *fresh = NULL;
  if (bytes_for_pages(s->pages, &bytes))
    fresh = calloc(bytes ? bytes : 1, 1);
  if (!fresh) {
    set_err(err, errlen, "out of memory for %llu pages",
            (unsigned long long)s->pages);
    return -1;
  }
  free(mem->data);
  mem->data = fresh;
  mem->pages = s->pages;
  /* the runs lie within the pages (load_runs), so their offsets fit */
  for (uint64_t i = 0; i < s->nruns; i++)
    memcpy(mem->data + (size_t)s->runs[i].start * CHUNK, s->runs[i].bytes,
           (size_t)s->runs[i].n * CHUNK);
  return 0;
}

static int restore_globals(const wasm_snapshot *s, wasm_instance *inst,
                           char *err, size_t errlen) {
  const wasm_module *m = inst->module;
  if (s->nglobals != m->nglobals) {
    set_err(err, errlen, "bad snapshot: %u globals, the module has %u",
            s->nglobals, m->nglobals);
    return -1;
  }
  for (uint32_t i = 0; i < m->nglobals; i++) {
    const saved_global *g = &s->globals[i];
    wasm_global *ig = inst->globals[i];
    uint64_t v[2] = {g->v[0], g->v[1]};
    if (g->type != ig->type) {
      set_err(err, errlen, "bad snapshot: global %u has the wrong type", i);
      return -1;
    }
    if (is_ref(g->type) &&
        !wasm_ref_from_portable(inst, g->type, g->v[0], &v[0])) {
      set_err(err, errlen, "bad snapshot: global %u holds a bad reference",
              i);
      return -1;
    }
    if ((g->type == WASM_TYPE_I32 || g->type == WASM_TYPE_F32) &&
        v[0] > 0xffffffffu) {
      set_err(err, errlen, "bad snapshot: global %u out of range", i);
      return -1;
    }
    if (!ig->mutable_ && (v[0] != ig->v[0] ||
                          (g->type == WASM_TYPE_V128 && v[1] != ig->v[1]))) {
      set_err(err, errlen, "bad snapshot: immutable global %u changed", i);
      return -1;
    }
    ig->v[0] = v[0];
    ig->v[1] = g->type == WASM_TYPE_V128 ? v[1] : 0;
  }
  return 0;
}

static int restore_tables(const wasm_snapshot *s, wasm_instance *inst,
                          char *err, size_t errlen) {
  const wasm_module *m = inst->module;
  if (s->ntables != m->ntables) {
    set_err(err, errlen, "bad snapshot: %u tables, the module has %u",
            s->ntables, m->ntables);
    return -1;
  }
  for (uint32_t i = 0; i < m->ntables; i++) {
    const saved_table *t = &s->tables[i];
    wasm_table *it = inst->tables[i];
    if (t->elemtype != it->elemtype || t->size < m->tables[i].min ||
        t->size > it->max) {
      set_err(err, errlen, "bad snapshot: table %u does not fit the module",
              i);
      return -1;
    }
    size_t ebytes;
    uint64_t *e = size_muladd(t->size, 1, sizeof *e, &ebytes)
                      ? malloc(ebytes) : NULL;
    if (!e) {
      set_err(err, errlen, "out of memory for a table of %u elements",
              t->size);
      return -1;
    }
    for (uint32_t k = 0; k < t->size; k++)
      if (!wasm_ref_from_portable(inst, t->elemtype, t->elems[k], &e[k])) {
        free(e);
        set_err(err, errlen, "bad snapshot: table %u element %u is not a "
                "valid reference", i, k);
        return -1;
      }
    free(it->elems);
    it->elems = e;
    it->size = t->size;
  }
  return 0;
}

static int restore_segments(const wasm_snapshot *s, wasm_instance *inst,
                            char *err, size_t errlen) {
  const wasm_module *m = inst->module;
  if (s->ndatas != m->ndatas || s->nelems != m->nelems) {
    set_err(err, errlen, "bad snapshot: segment counts differ from the "
            "module's");
    return -1;
  }
  for (uint32_t i = 0; i < m->ndatas; i++)
    inst->data_dropped[i] = s->data_dropped[i];
  for (uint32_t i = 0; i < m->nelems; i++)
    inst->elem_dropped[i] = s->elem_dropped[i];
  return 0;
}

wasm_instance *wasm_snapshot_instantiate(const wasm_snapshot *s,
                                         const wasm_module *m,
                                         const wasm_host_func *imports,
                                         size_t nimports, void *host_ctx,
                                         const wasm_limits *limits,
                                         char *err, size_t errlen) {
  if (memcmp(wasm_module_hash(m), s->hash, 32) != 0) {
    set_err(err, errlen, "bad snapshot: module hash mismatch");
    return NULL;
  }
  /* The start function ran before the snapshot was taken; running it
   * again would repeat its effects. Instantiate without it. */
  wasm_module *mm = (wasm_module *)m;
  int64_t start = mm->start;
  mm->start = -1;
  wasm_instance *inst = wasm_instantiate(m, imports, nimports, host_ctx,
                                         limits ? limits : &s->limits, err,
                                         errlen);
  mm->start = start;
  if (!inst) return NULL;
  if (restore_memory(s, inst, err, errlen) < 0 ||
      restore_globals(s, inst, err, errlen) < 0 ||
      restore_tables(s, inst, err, errlen) < 0 ||
      restore_segments(s, inst, err, errlen) < 0)
    goto fail;
  inst->fuel_used = s->fuel_used;
  inst->fuel_limit = s->fuel_limit;
  if (s->nframes) {
    char e[256];
    if (wasm_exec_restore(inst, s->frames, (const uint64_t *const *)s->slots,
                          s->nframes, e, sizeof e) < 0) {
      set_err(err, errlen, "bad snapshot: %s", e);
      goto fail;
    }
  }
  if (s->delta && adopt_image(s, inst, err, errlen) < 0) goto fail;
  return inst;
fail:
  wasm_instance_free(inst);
  return NULL;
}

/* ---- pre-copy: memory images and delta snapshots ----
 * The source sends an image of the memory while the module runs on; at
 * the final pause only the chunks that differ from it travel. Changes are
 * found by comparing contents, not by tracking writes: the interpreter's
 * stores cost nothing more, and writes from every path (WASI host calls,
 * bulk memory, a grow) are caught alike. */

int wasm_memimage_write(const wasm_instance *inst, uint8_t **out,
                        size_t *outlen, char *err, size_t errlen) {
  const wasm_memory *mem = memory0(inst);
  uint64_t pages = mem ? mem->pages : 0;
  uint64_t nchunks = pages * CHUNKS_PER_PAGE;
  dump_state d = {0};
  /* Room for the worst case at once: the buffer is only touched as far as
   * it is written, and a full memory is not copied again to grow it. Where
   * that much address space is refused, it grows as it goes. */
  size_t worst;
  if (!size_add(pages * WASM_PAGE_SIZE, nchunks * 4 + 64, &worst) ||
      !reserve(&d, worst))
    d.oom = false;
  dump_bytes(&d, IMAGE_MAGIC, 8);
  dump_u8(&d, IMAGE_VERSION);
  dump_var(&d, pages);
  if (mem) dump_runs(&d, mem->data, nchunks, NULL);
  else dump_var(&d, 0);
  if (!dump_crc(&d)) {
    free(d.buf);
    set_err(err, errlen, "out of memory writing a memory image");
    return -1;
  }
  *out = d.buf;
  *outlen = d.len;
  return 0;
}

/* Header, runs and trailer of the image in BUF: magic, then the CRC when
 * CHECK_CRC (an image made by this process is trusted not to be damaged,
 * and its checksum would cost a pass over 64 MiB at the final pause),
 * version and every bound. 0, or -1 with ERR. */
static int image_parse(const uint8_t *buf, size_t len, bool check_crc,
                       uint64_t *pages, uint32_t *crc, mem_run **runs,
                       uint64_t *nruns, char *err, size_t errlen) {
  if (len < 8 + 1 + 1 + 1 + 4) {
    set_err(err, errlen, "bad memory image: %zu bytes is too short", len);
    return -1;
  }
  if (memcmp(buf, IMAGE_MAGIC, 8) != 0) {
    set_err(err, errlen, "bad memory image: not an ARTS memory image "
            "(magic)");
    return -1;
  }
  *crc = le_get32(buf + len - 4);
  if (check_crc && crc32_of(buf, len - 4) != *crc) {
    set_err(err, errlen, "bad memory image: checksum mismatch (damaged or "
            "truncated)");
    return -1;
  }
  if (buf[8] != IMAGE_VERSION) {
    set_err(err, errlen, "memory image format version %u is not supported "
            "(this engine reads version %u)", buf[8], IMAGE_VERSION);
    return -1;
  }
  undump_state u = {buf + 9, buf + len - 4, err, errlen, false, "header",
                    "bad memory image"};
  *pages = load_var(&u);
  if (!u.bad && *pages > WASM_MAX_PAGES) bad(&u, "memory larger than 4 GiB");
  size_t bytes;
  if (!u.bad && !bytes_for_pages(*pages, &bytes))
    bad(&u, "memory larger than this machine's address space");
  u.where = "runs";
  *runs = u.bad ? NULL : load_runs(&u, *pages * CHUNKS_PER_PAGE, nruns);
  if (!u.bad && u.p != u.end) bad(&u, "trailing bytes");
  if (u.bad) {
    free(*runs);
    *runs = NULL;
    return -1;
  }
  return 0;
}

wasm_memimage *wasm_memimage_read(const uint8_t *buf, size_t len, char *err,
                                  size_t errlen) {
  uint64_t pages, nruns;
  uint32_t crc;
  mem_run *runs;
  if (image_parse(buf, len, true, &pages, &crc, &runs, &nruns, err,
                  errlen) < 0)
    return NULL;
  wasm_memimage *img = calloc(1, sizeof *img);
  /* calloc maps a large block lazily: the zero chunks cost nothing, and
   * the others are copied once, straight from the input. */
  size_t bytes = 1;
  uint8_t *data = NULL;
  if (!pages || bytes_for_pages(pages, &bytes))   /* checked by image_parse */
    data = calloc(bytes ? bytes : 1, 1);
  if (!img || !data) {
    free(img);
    free(data);
    free(runs);
    set_err(err, errlen, "out of memory for a memory image of %llu pages",
            (unsigned long long)pages);
    return NULL;
  }
  /* the runs lie within the pages (load_runs), so their offsets fit */
  for (uint64_t i = 0; i < nruns; i++)
    memcpy(data + (size_t)runs[i].start * CHUNK, runs[i].bytes,
           (size_t)runs[i].n * CHUNK);
  free(runs);
  img->data = data;
  img->pages = pages;
  img->crc = crc;
  return img;
}

uint32_t wasm_memimage_pages(const wasm_memimage *img) {
  return (uint32_t)img->pages;
}

void wasm_memimage_free(wasm_memimage *img) {
  if (!img) return;
  free(img->data);
  free(img);
}

int wasm_snapshot_write_delta(const wasm_instance *inst,
                              const char *host_name, const uint8_t *host,
                              size_t host_len, const uint8_t *image,
                              size_t image_len, uint8_t **out, size_t *outlen,
                              char *err, size_t errlen) {
  image_ref img = {0};
  mem_run *runs;
  uint64_t nruns;
  if (image_parse(image, image_len, false, &img.pages, &img.crc, &runs,
                  &nruns, err, errlen) < 0)
    return -1;
  /* Where each chunk of the image is, so the writer compares chunk I of
   * the memory with chunk I of the image without searching. */
  img.chunks.n = img.pages * CHUNKS_PER_PAGE;
  size_t ibytes;
  img.chunks.chunk = NULL;
  if (size_muladd(img.chunks.n, 1, sizeof *img.chunks.chunk, &ibytes))
    img.chunks.chunk = calloc(ibytes, 1);
  if (!img.chunks.chunk) {
    free(runs);
    set_err(err, errlen, "out of memory");
    return -1;
  }
  for (uint64_t i = 0; i < nruns; i++)
    for (uint64_t k = 0; k < runs[i].n; k++)
      img.chunks.chunk[runs[i].start + k] = runs[i].bytes + k * CHUNK;
  free(runs);
  int rc = snapshot_write(inst, host_name, host, host_len, &img, out, outlen,
                          err, errlen);
  free(img.chunks.chunk);
  return rc;
}

bool wasm_snapshot_needs_image(const wasm_snapshot *s) { return s->delta; }

int wasm_snapshot_use_image(wasm_snapshot *s, wasm_memimage *img, char *err,
                            size_t errlen) {
  if (!s->delta) {
    set_err(err, errlen, "the snapshot holds its whole memory: it takes no "
            "memory image");
    return -1;
  }
  if (s->image) {
    set_err(err, errlen, "the snapshot has its memory image already");
    return -1;
  }
  if (!img || img->pages != s->image_pages || img->crc != s->image_crc) {
    set_err(err, errlen, "bad snapshot: the memory image is not the one the "
            "delta was made against (the delta's: %llu pages, CRC-32C %08x)",
            (unsigned long long)s->image_pages, s->image_crc);
    return -1;
  }
  s->image = img;
  return 0;
}
