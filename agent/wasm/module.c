/* Decoding and validating a module's sections (function bodies are
 * validated and compiled by compile.c). */
#include <stdlib.h>
#include <string.h>

#include "decode-private.h"
#include "engine-private.h"
#include "sha256.h"

static void *xcalloc(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    abort();
  return p;
}

static bool is_valtype(uint8_t t)
{
  return t == WASM_TYPE_I32 || t == WASM_TYPE_I64 || t == WASM_TYPE_F32 ||
         t == WASM_TYPE_F64 || t == WASM_TYPE_V128 ||
         t == WASM_TYPE_FUNCREF || t == WASM_TYPE_EXTERNREF;
}

static bool is_reftype(uint8_t t)
{
  return t == WASM_TYPE_FUNCREF || t == WASM_TYPE_EXTERNREF;
}

static bool utf8_ok(const uint8_t *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return false;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

static char *read_name(wasm_rd *r, uint32_t *len)
{
  uint32_t n = wasm_rd_u32(r);
  if (len)
    *len = n;
  const uint8_t *s;
  if (!wasm_rd_ok(r) || !wasm_rd_bytes(r, n, &s))
    return NULL;
  if (!utf8_ok(s, n)) {
    wasm_rd_fail_at(r, s, "malformed UTF-8 encoding");
    return NULL;
  }
  char *out = xcalloc(n + 1, 1);
  memcpy(out, s, n);
  return out;
}

static uint8_t read_valtype(wasm_rd *r)
{
  const uint8_t *at = r->p;
  uint8_t t = wasm_rd_u8(r);
  if (wasm_rd_ok(r) && !is_valtype(t))
    wasm_rd_fail_at(r, at, "malformed value type 0x%02x", t);
  return t;
}

static uint8_t read_reftype(wasm_rd *r)
{
  const uint8_t *at = r->p;
  uint8_t t = wasm_rd_u8(r);
  if (wasm_rd_ok(r) && !is_reftype(t))
    wasm_rd_fail_at(r, at, "malformed reference type 0x%02x", t);
  return t;
}

/* Limits; MAXBITS 32 for both tables and memories of wasm32. */
static void read_limits(wasm_rd *r, bool *has_max, uint32_t *min,
                        uint32_t *max)
{
  const uint8_t *at = r->p;
  uint8_t flags = wasm_rd_u8(r);
  if (wasm_rd_ok(r) && flags > 1) {
    wasm_rd_fail_at(r, at, "integer too large (limits flags)");
    return;
  }
  *has_max = flags == 1;
  *min = wasm_rd_u32(r);
  *max = *has_max ? wasm_rd_u32(r) : UINT32_MAX;
}

static void read_tabletype(wasm_rd *r, wasm_tabletype *t)
{
  t->elemtype = read_reftype(r);
  const uint8_t *at = r->p;
  read_limits(r, &t->has_max, &t->min, &t->max);
  if (wasm_rd_ok(r) && t->has_max && t->max < t->min)
    wasm_rd_fail_at(r, at, "size minimum must not be greater than maximum");
}

static void read_memtype(wasm_rd *r, wasm_memtype *t)
{
  const uint8_t *at = r->p;
  read_limits(r, &t->has_max, &t->min, &t->max);
  if (!wasm_rd_ok(r))
    return;
  if (t->min > WASM_MAX_PAGES || (t->has_max && t->max > WASM_MAX_PAGES))
    wasm_rd_fail_at(r, at, "memory size must be at most 65536 pages (4GiB)");
  else if (t->has_max && t->max < t->min)
    wasm_rd_fail_at(r, at, "size minimum must not be greater than maximum");
}

static void read_globaltype(wasm_rd *r, wasm_globaltype *g)
{
  g->valtype = read_valtype(r);
  const uint8_t *at = r->p;
  uint8_t m = wasm_rd_u8(r);
  if (wasm_rd_ok(r) && m > 1)
    wasm_rd_fail_at(r, at, "malformed mutability");
  g->mutable_ = m == 1;
}

/* A constant expression of type WANT (0: any, returned in e->type).
 * NGLOBALS_VISIBLE: how many globals global.get may name. */
static void read_const_expr(wasm_rd *r, wasm_module *m, wasm_const_expr *e,
                            uint8_t want, uint32_t nglobals_visible)
{
  const uint8_t *at = r->p;
  uint8_t op = wasm_rd_u8(r);
  memset(e, 0, sizeof *e);
  e->op = op;
  switch (op) {
  case 0x41:
    e->type = WASM_TYPE_I32;
    e->v[0] = (uint32_t)wasm_rd_sleb(r, 32);
    break;
  case 0x42:
    e->type = WASM_TYPE_I64;
    e->v[0] = (uint64_t)wasm_rd_sleb(r, 64);
    break;
  case 0x43:
    e->type = WASM_TYPE_F32;
    e->v[0] = wasm_rd_fixed32(r);
    break;
  case 0x44:
    e->type = WASM_TYPE_F64;
    e->v[0] = wasm_rd_fixed64(r);
    break;
  case 0xfd: {
    uint32_t sub = wasm_rd_u32(r);
    if (wasm_rd_ok(r) && sub != 12) {
      wasm_rd_fail_at(r, at, "constant expression required");
      return;
    }
    e->type = WASM_TYPE_V128;
    e->v[0] = wasm_rd_fixed64(r);
    e->v[1] = wasm_rd_fixed64(r);
    break;
  }
  case 0xd0:
    e->type = read_reftype(r);
    break;
  case 0xd2: {
    const uint8_t *ix = r->p;
    e->type = WASM_TYPE_FUNCREF;
    e->v[0] = wasm_rd_u32(r);
    if (wasm_rd_ok(r) && e->v[0] >= m->nfuncs) {
      wasm_rd_fail_at(r, ix, "unknown function %u", (unsigned)e->v[0]);
      return;
    }
    if (wasm_rd_ok(r))
      m->func_declared[e->v[0]] = true;
    break;
  }
  case 0x23: {
    const uint8_t *ix = r->p;
    e->v[0] = wasm_rd_u32(r);
    if (!wasm_rd_ok(r))
      return;
    if (e->v[0] >= nglobals_visible) {
      wasm_rd_fail_at(r, ix, "unknown global %u", (unsigned)e->v[0]);
      return;
    }
    if (m->globals[e->v[0]].mutable_) {
      wasm_rd_fail_at(r, ix, "constant expression required");
      return;
    }
    e->type = m->globals[e->v[0]].valtype;
    break;
  }
  case 0x0b:
    if (wasm_rd_ok(r))
      wasm_rd_fail_at(r, at, "type mismatch (empty constant expression)");
    return;
  default:
    if (wasm_rd_ok(r))
      wasm_rd_fail_at(r, at, "constant expression required");
    return;
  }
  if (!wasm_rd_ok(r))
    return;
  const uint8_t *endat = r->p;
  uint8_t end = wasm_rd_u8(r);
  if (!wasm_rd_ok(r))
    return;
  if (end != 0x0b) {
    if (end == 0x41 || end == 0x42 || end == 0x43 || end == 0x44 ||
        end == 0xd0 || end == 0xd2 || end == 0x23)
      wasm_rd_fail_at(r, endat, "type mismatch");
    else
      wasm_rd_fail_at(r, endat, "constant expression required");
    return;
  }
  if (want && e->type != want)
    wasm_rd_fail_at(r, at, "type mismatch");
}

static void functype_slots(wasm_functype *t)
{
  t->param_slots = t->result_slots = 0;
  for (uint32_t i = 0; i < t->nparams; i++)
    t->param_slots += t->params[i] == WASM_TYPE_V128 ? 2 : 1;
  for (uint32_t i = 0; i < t->nresults; i++)
    t->result_slots += t->results[i] == WASM_TYPE_V128 ? 2 : 1;
}

static void sec_type(wasm_rd *r, wasm_module *m)
{
  uint32_t n = wasm_rd_u32(r);
  if (!wasm_rd_ok(r))
    return;
  if (n > (size_t)(r->end - r->p)) {
    wasm_rd_fail(r, "unexpected end (type count)");
    return;
  }
  m->types = xcalloc(n, sizeof *m->types);
  /* every type byte of the section fits in a pool of the section's size */
  m->typepool = xcalloc((size_t)(r->end - r->p), 1);
  size_t used = 0;
  for (uint32_t i = 0; i < n && wasm_rd_ok(r); i++) {
    const uint8_t *at = r->p;
    uint8_t form = wasm_rd_u8(r);
    if (wasm_rd_ok(r) && form != 0x60) {
      wasm_rd_fail_at(r, at, "malformed function type 0x%02x", form);
      return;
    }
    wasm_functype *t = &m->types[i];
    for (int pass = 0; pass < 2; pass++) {
      uint32_t c = wasm_rd_u32(r);
      if (!wasm_rd_ok(r))
        return;
      if (c > (size_t)(r->end - r->p)) {
        wasm_rd_fail(r, "unexpected end");
        return;
      }
      uint8_t *dst = m->typepool + used;
      for (uint32_t k = 0; k < c && wasm_rd_ok(r); k++)
        dst[k] = read_valtype(r);
      used += c;
      if (pass == 0) {
        t->nparams = c;
        t->params = dst;
      } else {
        t->nresults = c;
        t->results = dst;
      }
    }
    functype_slots(t);
    m->ntypes = i + 1;
  }
}

static void sec_import(wasm_rd *r, wasm_module *m)
{
  uint32_t n = wasm_rd_u32(r);
  if (!wasm_rd_ok(r))
    return;
  if (n > (size_t)(r->end - r->p)) {
    wasm_rd_fail(r, "unexpected end (import count)");
    return;
  }
  m->imports = xcalloc(n, sizeof *m->imports);
  for (uint32_t i = 0; i < n && wasm_rd_ok(r); i++) {
    wasm_import *im = &m->imports[i];
    m->nimports = i + 1;
    im->module = read_name(r, &im->module_len);
    im->name = read_name(r, &im->name_len);
    const uint8_t *at = r->p;
    im->kind = wasm_rd_u8(r);
    if (!wasm_rd_ok(r))
      return;
    switch (im->kind) {
    case WASM_EXTERN_FUNC: {
      const uint8_t *ix = r->p;
      im->type = wasm_rd_u32(r);
      if (wasm_rd_ok(r) && im->type >= m->ntypes)
        wasm_rd_fail_at(r, ix, "unknown type %u", im->type);
      m->nfunc_imports++;
      break;
    }
    case WASM_EXTERN_TABLE:
      read_tabletype(r, &im->table);
      m->ntable_imports++;
      break;
    case WASM_EXTERN_MEMORY:
      read_memtype(r, &im->mem);
      m->nmem_imports++;
      break;
    case WASM_EXTERN_GLOBAL:
      read_globaltype(r, &im->global);
      m->nglobal_imports++;
      break;
    default:
      wasm_rd_fail_at(r, at, "malformed import kind %u", im->kind);
    }
  }
}

/* After the import section: the index spaces start with the imports. */
static void index_imports(wasm_module *m, uint32_t nfuncdefs,
                          uint32_t ntabledefs, uint32_t nmemdefs,
                          uint32_t nglobaldefs)
{
  m->nfuncs = m->nfunc_imports + nfuncdefs;
  m->ntables = m->ntable_imports + ntabledefs;
  m->nmems = m->nmem_imports + nmemdefs;
  m->nglobals = m->nglobal_imports + nglobaldefs;
  m->func_type = xcalloc(m->nfuncs, sizeof *m->func_type);
  m->func_declared = xcalloc(m->nfuncs, sizeof *m->func_declared);
  m->tables = xcalloc(m->ntables, sizeof *m->tables);
  m->mems = xcalloc(m->nmems, sizeof *m->mems);
  m->globals = xcalloc(m->nglobals, sizeof *m->globals);
  m->global_init = xcalloc(m->nglobals, sizeof *m->global_init);
  uint32_t f = 0, t = 0, me = 0, g = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    wasm_import *im = &m->imports[i];
    switch (im->kind) {
    case WASM_EXTERN_FUNC: m->func_type[f++] = im->type; break;
    case WASM_EXTERN_TABLE: m->tables[t++] = im->table; break;
    case WASM_EXTERN_MEMORY: m->mems[me++] = im->mem; break;
    case WASM_EXTERN_GLOBAL: m->globals[g++] = im->global; break;
    }
  }
}

/* Section ids in their required order (custom sections excepted). */
static int section_rank(uint8_t id)
{
  static const int rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return id <= 12 ? rank[id] : -1;
}

typedef struct {
  const uint8_t *at, *end;  /* section body */
} wasm_section;

static int decode(wasm_module *m, const wasm_load_options *opt, char *err,
                  size_t errlen)
{
  wasm_rd rd = {.base = m->bytes, .p = m->bytes, .end = m->bytes + m->len,
                .err = err, .errlen = errlen};
  wasm_rd *r = &rd;
  const uint8_t *b;
  if (!wasm_rd_bytes(r, 4, &b) || memcmp(b, "\0asm", 4) != 0) {
    rd.failed = false;
    wasm_rd_fail_at(r, m->bytes, "magic header not detected");
    return -1;
  }
  if (!wasm_rd_bytes(r, 4, &b) || memcmp(b, "\1\0\0\0", 4) != 0) {
    rd.failed = false;
    wasm_rd_fail_at(r, m->bytes + 4, "unknown binary version");
    return -1;
  }
  wasm_section secs[13] = {{0}};
  int last_rank = 0;
  while (r->p < r->end && wasm_rd_ok(r)) {
    const uint8_t *at = r->p;
    uint8_t id = wasm_rd_u8(r);
    uint32_t size = wasm_rd_u32(r);
    if (!wasm_rd_ok(r))
      break;
    if (size > (size_t)(r->end - r->p)) {
      wasm_rd_fail(r, "length out of bounds (section size)");
      break;
    }
    const uint8_t *body = r->p;
    r->p += size;
    if (id == 0) {
      wasm_rd sub = *r;
      sub.p = body;
      sub.end = body + size;
      char *name = read_name(&sub, NULL);
      free(name);
      if (!wasm_rd_ok(&sub)) {
        *r = sub;
        break;
      }
      continue;
    }
    int rank = section_rank(id);
    if (rank < 0) {
      wasm_rd_fail_at(r, at, "malformed section id %u", id);
      break;
    }
    if (rank <= last_rank) {
      wasm_rd_fail_at(r, at, "unexpected content after last section "
                      "(section %u out of order or repeated)", id);
      break;
    }
    last_rank = rank;
    secs[id].at = body;
    secs[id].end = body + size;
  }
  if (!wasm_rd_ok(r))
    return -1;

  /* Decode sections in order, each with its own bounded reader. */
  uint32_t nfuncdefs = 0, ntabledefs = 0, nmemdefs = 0, nglobaldefs = 0;
  uint32_t *fdef_types = NULL;
  wasm_tabletype *tdefs = NULL;
  wasm_memtype *mdefs = NULL;
  wasm_rd s;
#define OPEN(id) (s = *r, s.p = secs[id].at, s.end = secs[id].end, secs[id].at)
#define CLOSE()                                                         \
  do {                                                                  \
    if (wasm_rd_ok(&s) && s.p != s.end)                                 \
      wasm_rd_fail(&s, "section size mismatch");                        \
    if (!wasm_rd_ok(&s)) {                                              \
      free(fdef_types);                                                 \
      free(tdefs);                                                      \
      free(mdefs);                                                      \
      return -1;                                                        \
    }                                                                   \
  } while (0)

  if (OPEN(1)) {
    sec_type(&s, m);
    CLOSE();
  }
  if (OPEN(2)) {
    sec_import(&s, m);
    CLOSE();
  }
  const uint8_t *fsec_at = NULL;
  if (OPEN(3)) {
    fsec_at = s.p;
    nfuncdefs = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s) && nfuncdefs > (size_t)(s.end - s.p))
      wasm_rd_fail(&s, "unexpected end (function count)");
    if (wasm_rd_ok(&s)) {
      fdef_types = xcalloc(nfuncdefs, sizeof *fdef_types);
      for (uint32_t i = 0; i < nfuncdefs && wasm_rd_ok(&s); i++) {
        const uint8_t *ix = s.p;
        fdef_types[i] = wasm_rd_u32(&s);
        if (wasm_rd_ok(&s) && fdef_types[i] >= m->ntypes)
          wasm_rd_fail_at(&s, ix, "unknown type %u", fdef_types[i]);
      }
    }
    CLOSE();
  }
  if (OPEN(4)) {
    ntabledefs = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s) && ntabledefs > (size_t)(s.end - s.p))
      wasm_rd_fail(&s, "unexpected end (table count)");
    if (wasm_rd_ok(&s)) {
      tdefs = xcalloc(ntabledefs, sizeof *tdefs);
      for (uint32_t i = 0; i < ntabledefs && wasm_rd_ok(&s); i++)
        read_tabletype(&s, &tdefs[i]);
    }
    CLOSE();
  }
  if (OPEN(5)) {
    nmemdefs = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s) && nmemdefs > (size_t)(s.end - s.p))
      wasm_rd_fail(&s, "unexpected end (memory count)");
    if (wasm_rd_ok(&s)) {
      mdefs = xcalloc(nmemdefs, sizeof *mdefs);
      for (uint32_t i = 0; i < nmemdefs && wasm_rd_ok(&s); i++)
        read_memtype(&s, &mdefs[i]);
    }
    CLOSE();
  }
  /* Globals are read twice: count first, so the index spaces exist. */
  if (OPEN(6)) {
    wasm_rd g = s;
    nglobaldefs = wasm_rd_u32(&g);
    if (wasm_rd_ok(&g) && nglobaldefs > (size_t)(g.end - g.p)) {
      wasm_rd_fail(&g, "unexpected end (global count)");
    }
    if (!wasm_rd_ok(&g)) {
      *r = g;
      free(tdefs);
      free(mdefs);
      free(fdef_types);
      return -1;
    }
  }
  index_imports(m, nfuncdefs, ntabledefs, nmemdefs, nglobaldefs);
  for (uint32_t i = 0; i < nfuncdefs; i++)
    m->func_type[m->nfunc_imports + i] = fdef_types[i];
  for (uint32_t i = 0; i < ntabledefs; i++)
    m->tables[m->ntable_imports + i] = tdefs[i];
  for (uint32_t i = 0; i < nmemdefs; i++)
    m->mems[m->nmem_imports + i] = mdefs[i];
  free(tdefs);
  free(mdefs);
  tdefs = NULL;
  mdefs = NULL;
  if (m->nmems > 1) {
    free(fdef_types);
    rd.failed = false;
    wasm_rd_fail_at(r, secs[5].at ? secs[5].at : m->bytes, "multiple memories");
    return -1;
  }
  if (OPEN(6)) {
    wasm_rd_u32(&s);
    for (uint32_t i = 0; i < nglobaldefs && wasm_rd_ok(&s); i++) {
      uint32_t gi = m->nglobal_imports + i;
      read_globaltype(&s, &m->globals[gi]);
      if (wasm_rd_ok(&s))
        read_const_expr(&s, m, &m->global_init[gi], m->globals[gi].valtype,
                        m->nglobal_imports);
    }
    CLOSE();
  }
  if (OPEN(7)) {
    uint32_t n = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s) && n > (size_t)(s.end - s.p))
      wasm_rd_fail(&s, "unexpected end (export count)");
    if (wasm_rd_ok(&s))
      m->exports = xcalloc(n, sizeof *m->exports);
    for (uint32_t i = 0; i < n && wasm_rd_ok(&s); i++) {
      wasm_export *e = &m->exports[i];
      const uint8_t *at = s.p;
      e->name = read_name(&s, &e->name_len);
      m->nexports = i + 1;
      e->kind = wasm_rd_u8(&s);
      const uint8_t *ix = s.p;
      e->index = wasm_rd_u32(&s);
      if (!wasm_rd_ok(&s))
        break;
      uint32_t lim = 0;
      switch (e->kind) {
      case WASM_EXTERN_FUNC: lim = m->nfuncs; break;
      case WASM_EXTERN_TABLE: lim = m->ntables; break;
      case WASM_EXTERN_MEMORY: lim = m->nmems; break;
      case WASM_EXTERN_GLOBAL: lim = m->nglobals; break;
      default:
        wasm_rd_fail_at(&s, ix - 1, "malformed export kind %u", e->kind);
        continue;
      }
      if (e->index >= lim) {
        static const char *what[] = {"function", "table", "memory", "global"};
        wasm_rd_fail_at(&s, ix, "unknown %s %u", what[e->kind], e->index);
        break;
      }
      if (e->kind == WASM_EXTERN_FUNC)
        m->func_declared[e->index] = true;
      for (uint32_t k = 0; k < i; k++)
        if (e->name && m->exports[k].name_len == e->name_len &&
            memcmp(m->exports[k].name, e->name, e->name_len) == 0) {
          wasm_rd_fail_at(&s, at, "duplicate export name \"%s\"", e->name);
          break;
        }
    }
    CLOSE();
  }
  m->start = -1;
  if (OPEN(8)) {
    const uint8_t *ix = s.p;
    uint32_t f = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s)) {
      if (f >= m->nfuncs)
        wasm_rd_fail_at(&s, ix, "unknown function %u", f);
      else if (m->types[m->func_type[f]].nparams ||
               m->types[m->func_type[f]].nresults)
        wasm_rd_fail_at(&s, ix, "start function must be [] -> []");
      m->start = f;
    }
    CLOSE();
  }
  if (OPEN(9)) {
    uint32_t n = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s) && n > (size_t)(s.end - s.p))
      wasm_rd_fail(&s, "unexpected end (element count)");
    if (wasm_rd_ok(&s))
      m->elems = xcalloc(n, sizeof *m->elems);
    for (uint32_t i = 0; i < n && wasm_rd_ok(&s); i++) {
      wasm_elem_seg *e = &m->elems[i];
      m->nelems = i + 1;
      const uint8_t *at = s.p;
      uint32_t flags = wasm_rd_u32(&s);
      if (!wasm_rd_ok(&s))
        break;
      if (flags > 7) {
        wasm_rd_fail_at(&s, at, "malformed elements segment kind %u", flags);
        break;
      }
      e->elemtype = WASM_TYPE_FUNCREF;
      if (flags & 1)
        e->mode = (flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
      else
        e->mode = WASM_SEG_ACTIVE;
      if (e->mode == WASM_SEG_ACTIVE) {
        const uint8_t *ix = s.p;
        if (flags & 2)
          e->table = wasm_rd_u32(&s);
        if (wasm_rd_ok(&s) && e->table >= m->ntables) {
          wasm_rd_fail_at(&s, ix, "unknown table %u", e->table);
          break;
        }
        read_const_expr(&s, m, &e->offset, WASM_TYPE_I32, m->nglobal_imports);
      }
      bool exprs = flags & 4;
      if (flags & 3) {
        const uint8_t *kat = s.p;
        if (exprs) {
          e->elemtype = read_reftype(&s);
        } else {
          uint8_t kind = wasm_rd_u8(&s);
          if (wasm_rd_ok(&s) && kind != 0)
            wasm_rd_fail_at(&s, kat, "malformed element kind %u", kind);
        }
      }
      e->count = wasm_rd_u32(&s);
      if (!wasm_rd_ok(&s))
        break;
      if (e->count > (size_t)(s.end - s.p)) {
        wasm_rd_fail(&s, "unexpected end (element segment)");
        break;
      }
      e->items = xcalloc(e->count, sizeof *e->items);
      for (uint32_t k = 0; k < e->count && wasm_rd_ok(&s); k++) {
        if (exprs) {
          read_const_expr(&s, m, &e->items[k], e->elemtype,
                          m->nglobal_imports);
        } else {
          const uint8_t *ix = s.p;
          uint32_t f = wasm_rd_u32(&s);
          if (wasm_rd_ok(&s) && f >= m->nfuncs)
            wasm_rd_fail_at(&s, ix, "unknown function %u", f);
          else if (wasm_rd_ok(&s))
            m->func_declared[f] = true;
          e->items[k].op = 0xd2;
          e->items[k].type = WASM_TYPE_FUNCREF;
          e->items[k].v[0] = f;
        }
      }
      if (wasm_rd_ok(&s) && e->mode == WASM_SEG_ACTIVE &&
          m->tables[e->table].elemtype != e->elemtype)
        wasm_rd_fail_at(&s, at, "type mismatch (element segment type)");
    }
    CLOSE();
  }
  uint32_t datacount = 0;
  if (OPEN(12)) {
    datacount = wasm_rd_u32(&s);
    m->has_datacount = true;
    CLOSE();
  }
  /* Code: bodies located now, compiled after the data section is known. */
  uint32_t ncodes = 0;
  m->funcs = xcalloc(nfuncdefs, sizeof *m->funcs);
  if (OPEN(10)) {
    const uint8_t *cat = s.p;
    ncodes = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s) && ncodes != nfuncdefs)
      wasm_rd_fail_at(&s, cat, "function and code section have inconsistent "
                      "lengths");
    for (uint32_t i = 0; i < ncodes && wasm_rd_ok(&s); i++) {
      uint32_t size = wasm_rd_u32(&s);
      const uint8_t *body;
      if (!wasm_rd_ok(&s) || !wasm_rd_bytes(&s, size, &body))
        break;
      wasm_funcdef *f = &m->funcs[i];
      f->type = fdef_types[i];
      f->body_at = (uint32_t)(body - m->bytes);
      f->body_len = size;
    }
    CLOSE();
  }
  if (nfuncdefs != ncodes) {
    free(fdef_types);
    rd.failed = false;
    wasm_rd_fail_at(r, fsec_at ? fsec_at : m->bytes,
                    "function and code section have inconsistent lengths");
    return -1;
  }
  free(fdef_types);
  fdef_types = NULL;
  if (OPEN(11)) {
    const uint8_t *cat = s.p;
    uint32_t n = wasm_rd_u32(&s);
    if (wasm_rd_ok(&s) && m->has_datacount && n != datacount)
      wasm_rd_fail_at(&s, cat, "data count and data section have "
                      "inconsistent lengths");
    if (wasm_rd_ok(&s) && n > (size_t)(s.end - s.p))
      wasm_rd_fail(&s, "unexpected end (data count)");
    if (wasm_rd_ok(&s))
      m->datas = xcalloc(n, sizeof *m->datas);
    for (uint32_t i = 0; i < n && wasm_rd_ok(&s); i++) {
      wasm_data_seg *d = &m->datas[i];
      m->ndatas = i + 1;
      const uint8_t *at = s.p;
      uint32_t flags = wasm_rd_u32(&s);
      if (!wasm_rd_ok(&s))
        break;
      if (flags > 2) {
        wasm_rd_fail_at(&s, at, "malformed data segment kind %u", flags);
        break;
      }
      d->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
      if (flags == 2)
        d->memory = wasm_rd_u32(&s);
      if (d->mode == WASM_SEG_ACTIVE) {
        if (wasm_rd_ok(&s) && d->memory >= m->nmems) {
          wasm_rd_fail_at(&s, at, "unknown memory %u", d->memory);
          break;
        }
        read_const_expr(&s, m, &d->offset, WASM_TYPE_I32, m->nglobal_imports);
      }
      d->len = wasm_rd_u32(&s);
      const uint8_t *bytes;
      if (!wasm_rd_ok(&s) || !wasm_rd_bytes(&s, d->len, &bytes))
        break;
      d->at = (uint32_t)(bytes - m->bytes);
    }
    CLOSE();
  } else if (m->has_datacount && datacount != 0) {
    rd.failed = false;
    wasm_rd_fail_at(r, secs[12].at, "data count and data section have "
                    "inconsistent lengths");
    return -1;
  }
#undef OPEN
#undef CLOSE
  m->fuel = !(opt && opt->no_fuel);
  for (uint32_t i = 0; i < nfuncdefs; i++)
    if (wasm_compile_func(m, i, err, errlen) < 0)
      return -1;
  return 0;
}

void wasm_module_free(wasm_module *m)
{
  if (!m)
    return;
  for (uint32_t i = 0; i < m->nimports; i++) {
    free(m->imports[i].module);
    free(m->imports[i].name);
  }
  free(m->imports);
  for (uint32_t i = 0; i < m->nexports; i++)
    free(m->exports[i].name);
  free(m->exports);
  if (m->funcs) {
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
      free(m->funcs[i].local_types);
      free(m->funcs[i].code);
      free(m->funcs[i].pauses);
    }
  }
  free(m->funcs);
  for (uint32_t i = 0; i < m->nelems; i++)
    free(m->elems[i].items);
  free(m->elems);
  free(m->datas);
  free(m->types);
  free(m->typepool);
  free(m->func_type);
  free(m->func_declared);
  free(m->tables);
  free(m->mems);
  free(m->globals);
  free(m->global_init);
  free(m->pause_types);
  free(m->bytes);
  free(m);
}

wasm_module *wasm_module_load(const uint8_t *bytes, size_t len,
                              const wasm_load_options *opt,
                              char *err, size_t errlen)
{
  if (errlen)
    err[0] = '\0';
  if (len > UINT32_MAX) {
    snprintf(err, errlen, "offset 0x0: module too large");
    return NULL;
  }
  wasm_module *m = xcalloc(1, sizeof *m);
  m->bytes = malloc(len ? len : 1);
  if (!m->bytes) {
    free(m);
    snprintf(err, errlen, "offset 0x0: out of memory for %zu bytes", len);
    return NULL;
  }
  memcpy(m->bytes, bytes, len);
  m->len = len;
  if (decode(m, opt, err, errlen) < 0) {
    wasm_module_free(m);
    return NULL;
  }
  wasm_sha256(m->bytes, m->len, m->hash);
  return m;
}

const uint8_t *wasm_module_hash(const wasm_module *m)
{
  return m->hash;
}

/* memcmp, also for empty (possibly NULL) lists */
static bool types_eq(const uint8_t *a, const uint8_t *b, uint32_t n)
{
  return n == 0 || memcmp(a, b, n) == 0;
}

bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b)
{
  return a == b ||
         (a->nparams == b->nparams && a->nresults == b->nresults &&
          types_eq(a->params, b->params, a->nparams) &&
          types_eq(a->results, b->results, a->nresults));
}

const wasm_pause_point *wasm_pause_points(const wasm_module *m, uint32_t func,
                                          uint32_t *n)
{
  if (func < m->nfunc_imports || func >= m->nfuncs) {
    *n = 0;
    return NULL;
  }
  const wasm_funcdef *f = &m->funcs[func - m->nfunc_imports];
  *n = f->npauses;
  return f->pauses;
}

const wasm_pause_point *wasm_pause_find(const wasm_module *m, uint32_t func,
                                        uint32_t wasm_pc)
{
  uint32_t n;
  const wasm_pause_point *p = wasm_pause_points(m, func, &n);
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (p[mid].wasm_pc < wasm_pc)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && p[lo].wasm_pc == wasm_pc ? &p[lo] : NULL;
}
