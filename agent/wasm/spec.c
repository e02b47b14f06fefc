/* `arts-wasm spec FILE.json`: runs one wast2json output (commands and
 * the .wasm files next to it) against the engine, the way wabt's
 * spectest-interp does, and ends with "N passed, M failed, K skipped". */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian-private.h"
#include "instance-private.h"
#include "spec.h"

/* ---- a small JSON reader ---- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jv {
  jtype t;
  char *s;              /* J_STR, J_NUM text */
  size_t len;           /* of S (strings may hold NULs) */
  struct jv **items;    /* J_ARR values, J_OBJ values */
  char **keys;          /* J_OBJ */
  size_t n;
} jv;

static void jfree(jv *v)
{
  if (!v)
    return;
  for (size_t i = 0; i < v->n; i++) {
    jfree(v->items[i]);
    if (v->keys)
      free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->s);
  free(v);
}

typedef struct {
  const char *p, *end;
  bool bad;
} jrd;

static void jws(jrd *r)
{
  while (r->p < r->end && isspace((unsigned char)*r->p))
    r->p++;
}

static char *jstring(jrd *r, size_t *outlen)
{
  *outlen = 0;
  if (r->p >= r->end || *r->p != '"') {
    r->bad = true;
    return NULL;
  }
  r->p++;
  size_t cap = 16, n = 0;
  char *s = malloc(cap);
  while (r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if (c == '\\' && r->p < r->end) {
      char e = *r->p++;
      switch (e) {
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case 'r': c = '\r'; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'u': {
        unsigned cp = 0;
        for (int k = 0; k < 4 && r->p < r->end; k++)
          cp = cp * 16 + (unsigned)(isdigit((unsigned char)*r->p)
                                        ? *r->p - '0'
                                        : (tolower((unsigned char)*r->p) - 'a' + 10)),
          r->p++;
        /* names in the suite are ASCII or raw UTF-8; encode as UTF-8 */
        char buf[4];
        int len = 0;
        if (cp < 0x80) {
          buf[len++] = (char)cp;
        } else if (cp < 0x800) {
          buf[len++] = (char)(0xc0 | cp >> 6);
          buf[len++] = (char)(0x80 | (cp & 0x3f));
        } else {
          buf[len++] = (char)(0xe0 | cp >> 12);
          buf[len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
          buf[len++] = (char)(0x80 | (cp & 0x3f));
        }
        for (int k = 0; k < len; k++) {
          if (n + 2 > cap)
            s = realloc(s, cap *= 2);
          s[n++] = buf[k];
        }
        continue;
      }
      default: c = e;
      }
    }
    if (n + 2 > cap)
      s = realloc(s, cap *= 2);
    s[n++] = c;
  }
  if (r->p >= r->end)
    r->bad = true;
  else
    r->p++;
  s[n] = '\0';
  *outlen = n;
  return s;
}

static jv *jparse(jrd *r)
{
  jws(r);
  if (r->p >= r->end) {
    r->bad = true;
    return NULL;
  }
  jv *v = calloc(1, sizeof *v);
  char c = *r->p;
  if (c == '{' || c == '[') {
    bool obj = c == '{';
    v->t = obj ? J_OBJ : J_ARR;
    r->p++;
    size_t cap = 0;
    jws(r);
    if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
      r->p++;
      return v;
    }
    while (!r->bad) {
      if (v->n == cap) {
        cap = cap ? cap * 2 : 8;
        v->items = realloc(v->items, cap * sizeof *v->items);
        if (obj)
          v->keys = realloc(v->keys, cap * sizeof *v->keys);
      }
      if (obj) {
        jws(r);
        size_t klen;
        v->keys[v->n] = jstring(r, &klen);
        jws(r);
        if (r->p >= r->end || *r->p != ':') {
          r->bad = true;
          free(v->keys[v->n]);
          break;
        }
        r->p++;
      }
      v->items[v->n] = jparse(r);
      v->n++;
      jws(r);
      if (r->p < r->end && *r->p == ',') {
        r->p++;
        continue;
      }
      if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
        r->p++;
        break;
      }
      r->bad = true;
    }
    return v;
  }
  if (c == '"') {
    v->t = J_STR;
    v->s = jstring(r, &v->len);
    return v;
  }
  const char *start = r->p;
  while (r->p < r->end && (isalnum((unsigned char)*r->p) || *r->p == '-' ||
                           *r->p == '+' || *r->p == '.'))
    r->p++;
  size_t len = (size_t)(r->p - start);
  v->s = strndup(start, len);
  v->len = len;
  if (strcmp(v->s, "null") == 0)
    v->t = J_NULL;
  else if (strcmp(v->s, "true") == 0 || strcmp(v->s, "false") == 0)
    v->t = J_BOOL;
  else
    v->t = J_NUM;
  if (!len)
    r->bad = true;
  return v;
}

static jv *jget(const jv *o, const char *key)
{
  if (!o || o->t != J_OBJ)
    return NULL;
  for (size_t i = 0; i < o->n; i++)
    if (o->keys[i] && strcmp(o->keys[i], key) == 0)
      return o->items[i];
  return NULL;
}

static const char *jstr(const jv *o, const char *key)
{
  jv *v = jget(o, key);
  return v && (v->t == J_STR || v->t == J_NUM) ? v->s : NULL;
}

/* For messages: never NULL. */
static const char *js(const jv *o, const char *key)
{
  const char *s = jstr(o, key);
  return s ? s : "?";
}

/* ---- the spectest host module ---- */

static wasm_host_status print_any(wasm_instance *inst, void *ctx,
                                  const uint64_t *args, uint64_t *results)
{
  return WASM_HOST_OK;
}

static uint8_t T_I32[] = {WASM_TYPE_I32}, T_I64[] = {WASM_TYPE_I64},
               T_F32[] = {WASM_TYPE_F32}, T_F64[] = {WASM_TYPE_F64},
               T_I32F32[] = {WASM_TYPE_I32, WASM_TYPE_F32},
               T_F64F64[] = {WASM_TYPE_F64, WASM_TYPE_F64};

static wasm_functype ft_print = {0, 0, NULL, NULL, 0, 0};
static wasm_functype ft_i32 = {1, 0, T_I32, NULL, 1, 0};
static wasm_functype ft_i64 = {1, 0, T_I64, NULL, 1, 0};
static wasm_functype ft_f32 = {1, 0, T_F32, NULL, 1, 0};
static wasm_functype ft_f64 = {1, 0, T_F64, NULL, 1, 0};
static wasm_functype ft_i32f32 = {2, 0, T_I32F32, NULL, 2, 0};
static wasm_functype ft_f64f64 = {2, 0, T_F64F64, NULL, 2, 0};

typedef struct {
  wasm_func funcs[7];
  wasm_global g_i32, g_i64, g_f32, g_f64;
  wasm_table table;
  wasm_memory memory;
} spectest;

static void spectest_init(spectest *st)
{
  static const char *names[7];
  (void)names;
  const wasm_functype *types[7] = {&ft_print, &ft_i32, &ft_i64, &ft_f32,
                                   &ft_f64, &ft_i32f32, &ft_f64f64};
  memset(st, 0, sizeof *st);
  for (int i = 0; i < 7; i++) {
    st->funcs[i].type = types[i];
    st->funcs[i].host = print_any;
  }
  st->g_i32 = (wasm_global){WASM_TYPE_I32, false, {666, 0}};
  st->g_i64 = (wasm_global){WASM_TYPE_I64, false, {666, 0}};
  float f = 666.6f;
  double d = 666.6;
  uint32_t fb;
  memcpy(&fb, &f, 4);
  st->g_f32 = (wasm_global){WASM_TYPE_F32, false, {fb, 0}};
  st->g_f64 = (wasm_global){WASM_TYPE_F64, false, {0, 0}};
  memcpy(&st->g_f64.v[0], &d, 8);
  st->table.elemtype = WASM_TYPE_FUNCREF;
  st->table.size = 10;
  st->table.max = 20;
  st->table.elems = calloc(10, sizeof(uint64_t));
  st->memory.pages = 1;
  st->memory.max_pages = 2;
  st->memory.has_max = true;
  st->memory.declared_max = 2;
  st->memory.data = calloc(WASM_PAGE_SIZE, 1);
}

static bool spectest_lookup(spectest *st, const char *name, wasm_extern *out)
{
  static const char *fnames[7] = {"print", "print_i32", "print_i64",
                                  "print_f32", "print_f64", "print_i32_f32",
                                  "print_f64_f64"};
  for (int i = 0; i < 7; i++)
    if (strcmp(name, fnames[i]) == 0) {
      out->kind = WASM_EXTERN_FUNC;
      out->u.func = &st->funcs[i];
      return true;
    }
  out->kind = WASM_EXTERN_GLOBAL;
  if (strcmp(name, "global_i32") == 0) {
    out->u.global = &st->g_i32;
    return true;
  }
  if (strcmp(name, "global_i64") == 0) {
    out->u.global = &st->g_i64;
    return true;
  }
  if (strcmp(name, "global_f32") == 0) {
    out->u.global = &st->g_f32;
    return true;
  }
  if (strcmp(name, "global_f64") == 0) {
    out->u.global = &st->g_f64;
    return true;
  }
  if (strcmp(name, "table") == 0) {
    out->kind = WASM_EXTERN_TABLE;
    out->u.table = &st->table;
    return true;
  }
  if (strcmp(name, "memory") == 0) {
    out->kind = WASM_EXTERN_MEMORY;
    out->u.mem = &st->memory;
    return true;
  }
  return false;
}

/* ---- the runner ---- */

typedef struct {
  char *name;           /* "$M" or registered "as" name */
  size_t len;
  wasm_instance *inst;
  wasm_module *mod;
  bool owned;
} named;

typedef struct {
  spectest st;
  named *names;
  size_t nnames;
  wasm_module **mods;
  wasm_instance **insts;
  size_t nmods;
  wasm_instance *cur;
  unsigned passed, failed, skipped;
  const char *file;
  bool verbose;
} runner;

static void add_name(runner *r, const char *name, size_t len,
                     wasm_instance *inst)
{
  r->names = realloc(r->names, (r->nnames + 1) * sizeof *r->names);
  r->names[r->nnames].name = malloc(len + 1);
  memcpy(r->names[r->nnames].name, name, len + 1);
  r->names[r->nnames].len = len;
  r->names[r->nnames].inst = inst;
  r->nnames++;
}

static wasm_instance *find_name(runner *r, const char *name, size_t len)
{
  for (size_t i = r->nnames; i-- > 0;)
    if (r->names[i].len == len && memcmp(r->names[i].name, name, len) == 0)
      return r->names[i].inst;
  return NULL;
}

static uint8_t *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap)
      buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  *len = n;
  return buf;
}

/* Loads and instantiates FILE. 0 ok, 1 malformed/invalid, 2 unlinkable,
 * 3 trapped during instantiation, 4 missing file. */
static int load_module(runner *r, const char *file, wasm_instance **out,
                       char *err, size_t errlen)
{
  size_t len;
  uint8_t *bytes = read_file(file, &len);
  if (!bytes) {
    snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
    return 4;
  }
  wasm_module *m = wasm_module_load(bytes, len, NULL, err, errlen);
  free(bytes);
  if (!m)
    return 1;
  wasm_extern *ex = calloc(m->nimports + 1, sizeof *ex);
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *im = &m->imports[i];
    bool found = false;
    if (im->module_len == 8 && strcmp(im->module, "spectest") == 0) {
      found = spectest_lookup(&r->st, im->name, &ex[i]);
    } else {
      wasm_instance *from = find_name(r, im->module, im->module_len);
      if (from)
        found = wasm_export_extern(from, im->name, im->name_len, &ex[i]);
    }
    if (!found) {
      snprintf(err, errlen, "unknown import %s.%s", im->module, im->name);
      free(ex);
      wasm_module_free(m);
      return 2;
    }
  }
  /* The runner keeps every instance of a file (const.wast has hundreds):
   * with the default 8 MiB stack each they do not fit the address space
   * of a 32-bit host. 64 Ki slots is far more than any test needs. */
  wasm_limits lim = {.max_stack_slots = sizeof(void *) < 8 ? 1u << 16 : 0};
  int why;
  wasm_instance *inst = wasm_instantiate_externs(m, ex, NULL, &lim, &why, err,
                                                 errlen);
  free(ex);
  /* modules stay alive: their functions may sit in shared tables */
  r->mods = realloc(r->mods, (r->nmods + 1) * sizeof *r->mods);
  r->insts = realloc(r->insts, (r->nmods + 1) * sizeof *r->insts);
  r->mods[r->nmods] = m;
  r->insts[r->nmods] = inst;
  r->nmods++;
  if (!inst)
    return 2;
  if (why == WASM_INST_TRAPPED)
    return 3;
  *out = inst;
  return 0;
}

/* A value from its JSON: slots (v128: 2). Returns slot count, or -1. */
static int parse_value(const jv *v, uint64_t *slots)
{
  const char *type = jstr(v, "type");
  jv *val = jget(v, "value");
  if (!type)
    return -1;
  if (strcmp(type, "v128") == 0) {
    const char *lt = jstr(v, "lane_type");
    if (!val || val->t != J_ARR || !lt)
      return -1;
    unsigned bits = strcmp(lt, "i8") == 0 ? 8 : strcmp(lt, "i16") == 0 ? 16
                    : (strcmp(lt, "i32") == 0 || strcmp(lt, "f32") == 0) ? 32
                                                                        : 64;
    uint8_t bytes[16] = {0};  /* the v128 as in memory: lanes little-endian */
    for (size_t i = 0; i < val->n && i * bits < 128; i++) {
      uint64_t x = strtoull(val->items[i]->s, NULL, 10);
      le_putn(bytes + i * bits / 8, x, bits / 8);
    }
    slots[0] = le_get64(bytes);
    slots[1] = le_get64(bytes + 8);
    return 2;
  }
  const char *s = val && val->t == J_STR ? val->s : NULL;
  if (strcmp(type, "externref") == 0 || strcmp(type, "funcref") == 0) {
    if (!s || strcmp(s, "null") == 0)
      slots[0] = 0;
    else
      slots[0] = strtoull(s, NULL, 10) + 1;
    return 1;
  }
  slots[0] = s ? strtoull(s, NULL, 10) : 0;
  return 1;
}

static bool is_canonical_f32(uint32_t b)
{
  return (b & 0x7fffffffu) == 0x7fc00000u;
}

static bool is_arith_f32(uint32_t b)
{
  return (b & 0x7fc00000u) == 0x7fc00000u;
}

static bool is_canonical_f64(uint64_t b)
{
  return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
}

static bool is_arith_f64(uint64_t b)
{
  return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

/* Compares one result; *USED = slots consumed. */
static bool match_value(const jv *e, const uint64_t *got, int *used)
{
  const char *type = jstr(e, "type");
  jv *val = jget(e, "value");
  *used = 1;
  if (!type)
    return false;
  if (strcmp(type, "v128") == 0) {
    *used = 2;
    const char *lt = jstr(e, "lane_type");
    if (!val || val->t != J_ARR || !lt)
      return false;
    unsigned bits = strcmp(lt, "i8") == 0 ? 8 : strcmp(lt, "i16") == 0 ? 16
                    : (strcmp(lt, "i32") == 0 || strcmp(lt, "f32") == 0) ? 32
                                                                        : 64;
    bool isf = lt[0] == 'f';
    uint8_t bytes[16];
    le_put64(bytes, got[0]);
    le_put64(bytes + 8, got[1]);
    for (size_t i = 0; i < val->n && i * bits < 128; i++) {
      uint64_t lane = le_getn(bytes + i * bits / 8, bits / 8);
      const char *s = val->items[i]->s;
      if (isf && strncmp(s, "nan:", 4) == 0) {
        bool canon = strcmp(s, "nan:canonical") == 0;
        bool ok = bits == 32 ? (canon ? is_canonical_f32((uint32_t)lane)
                                      : is_arith_f32((uint32_t)lane))
                             : (canon ? is_canonical_f64(lane)
                                      : is_arith_f64(lane));
        if (!ok)
          return false;
        continue;
      }
      uint64_t want = strtoull(s, NULL, 10);
      if (bits < 64)
        want &= (1ull << bits) - 1;
      if (lane != want)
        return false;
    }
    return true;
  }
  const char *s = val && val->t == J_STR ? val->s : NULL;
  if (strcmp(type, "externref") == 0 || strcmp(type, "funcref") == 0) {
    if (!s)
      return got[0] != 0;   /* (ref.func) / (ref.extern): any non-null */
    if (strcmp(s, "null") == 0)
      return got[0] == 0;
    if (strcmp(type, "funcref") == 0)
      return got[0] != 0;
    return got[0] == strtoull(s, NULL, 10) + 1;
  }
  if (!s)
    return true;
  if (strcmp(type, "f32") == 0) {
    uint32_t b = (uint32_t)got[0];
    if (strcmp(s, "nan:canonical") == 0)
      return is_canonical_f32(b);
    if (strcmp(s, "nan:arithmetic") == 0)
      return is_arith_f32(b);
    return b == (uint32_t)strtoull(s, NULL, 10);
  }
  if (strcmp(type, "f64") == 0) {
    if (strcmp(s, "nan:canonical") == 0)
      return is_canonical_f64(got[0]);
    if (strcmp(s, "nan:arithmetic") == 0)
      return is_arith_f64(got[0]);
    return got[0] == strtoull(s, NULL, 10);
  }
  if (strcmp(type, "i32") == 0)
    return (uint32_t)got[0] == (uint32_t)strtoull(s, NULL, 10);
  return got[0] == strtoull(s, NULL, 10);
}

/* Runs an action; returns the engine's result (WASM_TRAPPED with a message
 * in MSG for a missing export too) and the result slots. */
static wasm_result do_action(runner *r, const jv *a, uint64_t *res,
                             size_t *nres, char *msg, size_t msglen)
{
  const char *type = jstr(a, "type");
  jv *modname = jget(a, "module");
  jv *fieldv = jget(a, "field");
  const char *field = fieldv ? fieldv->s : NULL;
  wasm_instance *inst = modname ? find_name(r, modname->s, modname->len)
                                : r->cur;
  *nres = 0;
  if (!inst || !field || !type) {
    snprintf(msg, msglen, "no module for action");
    return WASM_TRAPPED;
  }
  if (strcmp(type, "get") == 0) {
    wasm_extern ex;
    if (!wasm_export_extern(inst, field, fieldv->len, &ex) ||
        ex.kind != WASM_EXTERN_GLOBAL) {
      snprintf(msg, msglen, "no global %s", field);
      return WASM_TRAPPED;
    }
    res[0] = ex.u.global->v[0];
    res[1] = ex.u.global->v[1];
    *nres = ex.u.global->type == WASM_TYPE_V128 ? 2 : 1;
    return WASM_FINISHED;
  }
  jv *args = jget(a, "args");
  uint64_t argv[64];
  size_t nargs = 0;
  for (size_t i = 0; args && i < args->n && nargs < 62; i++) {
    int k = parse_value(args->items[i], argv + nargs);
    if (k < 0) {
      snprintf(msg, msglen, "bad argument");
      return WASM_TRAPPED;
    }
    nargs += (size_t)k;
  }
  int64_t fi = wasm_export_func_n(inst, field, fieldv->len);
  wasm_result rr;
  if (fi < 0) {
    snprintf(msg, msglen, "no function %s", field);
    return WASM_TRAPPED;
  }
  rr = wasm_call(inst, (uint32_t)fi, argv, nargs);
  if (rr == WASM_TRAPPED)
    snprintf(msg, msglen, "%s", wasm_trap_message(inst));
  if (rr == WASM_FINISHED)
    *nres = wasm_results(inst, res, 64);
  return rr;
}

static void result(runner *r, const jv *cmd, bool ok, const char *why)
{
  if (ok) {
    r->passed++;
    return;
  }
  r->failed++;
  const char *line = js(cmd, "line");
  fprintf(stderr, "%s:%s: %s: FAILED: %s\n", r->file, line ? line : "?",
          js(cmd, "type"), why);
}

static void run_command(runner *r, const jv *cmd)
{
  const char *type = js(cmd, "type");
  char err[512] = "";
  if (!type)
    return;
  if (strcmp(type, "module") == 0) {
    const char *file = jstr(cmd, "filename");
    const char *mt = jstr(cmd, "module_type");
    if (mt && strcmp(mt, "text") == 0) {
      r->skipped++;
      r->cur = NULL;
      return;
    }
    wasm_instance *inst = NULL;
    int rc = file ? load_module(r, file, &inst, err, sizeof err) : 4;
    if (rc != 0) {
      /* not an assertion, but the suite expects every module to load */
      r->failed++;
      fprintf(stderr, "%s:%s: module %s: FAILED: %s\n", r->file,
              js(cmd, "line"), file ? file : "?", err);
      r->cur = NULL;
      return;
    }
    r->cur = inst;
    jv *name = jget(cmd, "name");
    if (name)
      add_name(r, name->s, name->len, inst);
    return;
  }
  if (strcmp(type, "register") == 0) {
    jv *name = jget(cmd, "name");
    jv *as = jget(cmd, "as");
    wasm_instance *inst = name ? find_name(r, name->s, name->len) : r->cur;
    if (inst && as)
      add_name(r, as->s, as->len, inst);
    return;
  }
  if (strcmp(type, "assert_malformed") == 0 ||
      strcmp(type, "assert_invalid") == 0 ||
      strcmp(type, "assert_unlinkable") == 0 ||
      strcmp(type, "assert_uninstantiable") == 0) {
    const char *mt = jstr(cmd, "module_type");
    if (mt && strcmp(mt, "text") == 0) {
      r->skipped++;
      return;
    }
    const char *file = jstr(cmd, "filename");
    wasm_instance *inst = NULL;
    int rc = file ? load_module(r, file, &inst, err, sizeof err) : 4;
    int want = strcmp(type, "assert_unlinkable") == 0 ? 2
               : strcmp(type, "assert_uninstantiable") == 0 ? 3 : 1;
    char why[700];
    snprintf(why, sizeof why, "%s: expected %s, got rc %d (%s)", file,
             js(cmd, "text"), rc, err);
    result(r, cmd, rc == want, why);
    return;
  }
  const jv *action = jget(cmd, "action");
  if (!action)
    return;
  uint64_t res[64];
  size_t nres;
  char msg[300] = "";
  wasm_result rr = do_action(r, action, res, &nres, msg, sizeof msg);
  if (strcmp(type, "action") == 0) {
    if (rr == WASM_TRAPPED && strncmp(msg, "no ", 3) == 0)
      result(r, cmd, false, msg);
    return;
  }
  if (strcmp(type, "assert_trap") == 0 ||
      strcmp(type, "assert_exhaustion") == 0) {
    char why[400];
    snprintf(why, sizeof why, "expected trap \"%s\", got %s", js(cmd, "text"),
             rr == WASM_TRAPPED ? msg : "no trap");
    result(r, cmd, rr == WASM_TRAPPED, why);
    return;
  }
  if (strcmp(type, "assert_return") == 0) {
    if (rr != WASM_FINISHED) {
      char why[400];
      snprintf(why, sizeof why, "%s: trapped: %s", js(action, "field"), msg);
      result(r, cmd, false, why);
      return;
    }
    jv *exp = jget(cmd, "expected");
    size_t k = 0;
    bool ok = true;
    for (size_t i = 0; exp && i < exp->n; i++) {
      int used;
      if (k >= nres || !match_value(exp->items[i], res + k, &used))
        ok = false;
      else
        k += (size_t)used;
    }
    if (ok && k != nres)
      ok = false;
    char why[400];
    snprintf(why, sizeof why, "%s: wrong result (first slot 0x%llx)",
             js(action, "field"), nres ? (unsigned long long)res[0] : 0ull);
    result(r, cmd, ok, why);
    return;
  }
  r->skipped++;
}

int wasm_spec_run(const char *path, bool verbose)
{
  size_t len;
  char *text = (char *)read_file(path, &len);
  if (!text) {
    fprintf(stderr, "arts-wasm spec: cannot read %s: %s\n", path,
            strerror(errno));
    return 2;
  }
  jrd rd = {text, text + len, false};
  jv *root = jparse(&rd);
  free(text);
  jv *cmds = jget(root, "commands");
  if (rd.bad || !cmds || cmds->t != J_ARR) {
    fprintf(stderr, "arts-wasm spec: %s is not a wast2json file\n", path);
    jfree(root);
    return 2;
  }
  runner r = {0};
  r.file = path;
  r.verbose = verbose;
  spectest_init(&r.st);
  for (size_t i = 0; i < cmds->n; i++)
    run_command(&r, cmds->items[i]);
  printf("%u passed, %u failed, %u skipped\n", r.passed, r.failed, r.skipped);
  for (size_t i = r.nmods; i-- > 0;) {
    wasm_instance_free(r.insts[i]);
  }
  for (size_t i = 0; i < r.nmods; i++)
    wasm_module_free(r.mods[i]);
  for (size_t i = 0; i < r.nnames; i++)
    free(r.names[i].name);
  free(r.names);
  free(r.mods);
  free(r.insts);
  free(r.st.table.elems);
  free(r.st.memory.data);
  jfree(root);
  return r.failed ? 1 : 0;
}
