/* Instances: linking, allocation, segment initialization, calls, the
 * host-function contract (wasm-host.h) and the execution-state API that
 * snapshots use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance-private.h"
#include "size-check.h"

#define DEFAULT_FRAMES 16384u
#define DEFAULT_SLOTS (1u << 20)

static void *xcalloc(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    abort();
  return p;
}

void wasm_trapf(wasm_instance *inst, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(inst->trap, sizeof inst->trap, fmt, ap);
  va_end(ap);
}

/* ---- host contract ---- */

uint8_t *wasm_host_memory(wasm_instance *inst, uint64_t *size)
{
  if (!inst->mems || !inst->mems[0]) {
    *size = 0;
    return NULL;
  }
  *size = inst->mems[0]->pages * WASM_PAGE_SIZE;
  return inst->mems[0]->data;
}

bool wasm_host_range_ok(wasm_instance *inst, uint64_t ptr, uint64_t len)
{
  uint64_t size;
  wasm_host_memory(inst, &size);
  return ptr <= size && len <= size - ptr;
}

void wasm_host_trap(wasm_instance *inst, const char *message)
{
  snprintf(inst->trap, sizeof inst->trap, "%s", message);
}

void wasm_host_exit(wasm_instance *inst, int status)
{
  inst->exit_status = status;
}

bool wasm_pause_requested(wasm_instance *inst)
{
  return atomic_load(&inst->pause_requested) != 0;
}

/* ---- references ---- */

uint64_t wasm_elem_item_ref(wasm_instance *inst, const wasm_const_expr *e);

uint64_t wasm_elem_item_ref(wasm_instance *inst, const wasm_const_expr *e)
{
  switch (e->op) {
  case 0xd2:
    return (uint64_t)(uintptr_t)inst->funcs[e->v[0]];
  case 0x23:
    return inst->globals[e->v[0]]->v[0];
  default:
    return 0;
  }
}

static void eval_const(wasm_instance *inst, const wasm_const_expr *e,
                       uint64_t out[2])
{
  out[0] = e->v[0];
  out[1] = e->v[1];
  if (e->op == 0x23) {
    out[0] = inst->globals[e->v[0]]->v[0];
    out[1] = inst->globals[e->v[0]]->v[1];
  } else if (e->op == 0xd2) {
    out[0] = (uint64_t)(uintptr_t)inst->funcs[e->v[0]];
  } else if (e->op == 0xd0) {
    out[0] = 0;
  }
}

uint64_t wasm_ref_to_portable(const wasm_instance *inst, uint8_t type,
                              uint64_t ref)
{
  if (type != WASM_TYPE_FUNCREF || ref == 0)
    return ref;
  const wasm_func *f = (const wasm_func *)(uintptr_t)ref;
  if (f->inst == inst && f->def && inst->funcs[f->index] == f)
    return (uint64_t)f->index + 1;
  for (uint32_t i = 0; i < inst->nfuncs; i++)
    if (inst->funcs[i] == f)
      return (uint64_t)i + 1;
  return UINT64_MAX; /* not in this instance: cannot be saved */
}

bool wasm_ref_from_portable(const wasm_instance *inst, uint8_t type,
                            uint64_t v, uint64_t *ref)
{
  if (type != WASM_TYPE_FUNCREF || v == 0) {
    *ref = v;
    return true;
  }
  if (v > inst->nfuncs)
    return false;
  *ref = (uint64_t)(uintptr_t)inst->funcs[v - 1];
  return true;
}

/* ---- instantiation ---- */

static bool limits_match(uint64_t min, uint64_t max, bool has_max,
                         uint64_t imin, uint64_t imax, bool ihas_max)
{
  if (min < imin)
    return false;
  if (ihas_max) {
    if (!has_max || max > imax)
      return false;
  }
  return true;
}

wasm_func *wasm_host_func_new(const wasm_functype *type, wasm_host_fn fn,
                              void *ctx)
{
  wasm_func *f = xcalloc(1, sizeof *f);
  f->type = type;
  f->host = fn;
  f->host_ctx = ctx;
  return f;
}

static int link_imports(wasm_instance *inst, const wasm_extern *imports,
                        char *err, size_t errlen)
{
  const wasm_module *m = inst->module;
  uint32_t fi = 0, ti = 0, mi = 0, gi = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *im = &m->imports[i];
    const wasm_extern *ex = &imports[i];
    if (ex->kind != im->kind) {
      snprintf(err, errlen, "incompatible import type for %s.%s", im->module,
               im->name);
      return -1;
    }
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
      if (!wasm_functype_equal(ex->u.func->type, &m->types[im->type])) {
        snprintf(err, errlen, "incompatible import type for %s.%s "
                 "(function signature)", im->module, im->name);
        return -1;
      }
      inst->funcs[fi++] = ex->u.func;
      break;
    case WASM_EXTERN_TABLE: {
      const wasm_table *t = ex->u.table;
      if (t->elemtype != im->table.elemtype ||
          !limits_match(t->size, t->max, t->max != UINT32_MAX, im->table.min,
                        im->table.max, im->table.has_max)) {
        snprintf(err, errlen, "incompatible import type for %s.%s (table)",
                 im->module, im->name);
        return -1;
      }
      inst->tables[ti++] = ex->u.table;
      break;
    }
    case WASM_EXTERN_MEMORY: {
      const wasm_memory *mem = ex->u.mem;
      if (!limits_match(mem->pages, mem->declared_max, mem->has_max,
                        im->mem.min, im->mem.max, im->mem.has_max)) {
        snprintf(err, errlen, "incompatible import type for %s.%s (memory)",
                 im->module, im->name);
        return -1;
      }
      inst->mems[mi++] = ex->u.mem;
      break;
    }
    case WASM_EXTERN_GLOBAL:
      if (ex->u.global->type != im->global.valtype ||
          ex->u.global->mutable_ != im->global.mutable_) {
        snprintf(err, errlen, "incompatible import type for %s.%s (global)",
                 im->module, im->name);
        return -1;
      }
      inst->globals[gi++] = ex->u.global;
      break;
    }
  }
  return 0;
}

static int init_segments(wasm_instance *inst, char *err, size_t errlen)
{
  const wasm_module *m = inst->module;
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem_seg *e = &m->elems[i];
    if (e->mode == WASM_SEG_ACTIVE) {
      uint64_t off[2];
      eval_const(inst, &e->offset, off);
      wasm_table *t = inst->tables[e->table];
      if (!range_in((uint32_t)off[0], e->count, t->size)) {
        snprintf(err, errlen, "out of bounds table access");
        return -1;
      }
      for (uint32_t k = 0; k < e->count; k++)
        t->elems[(uint32_t)off[0] + k] = wasm_elem_item_ref(inst, &e->items[k]);
    }
    if (e->mode != WASM_SEG_PASSIVE)
      inst->elem_dropped[i] = true;
  }
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wasm_data_seg *d = &m->datas[i];
    if (d->mode != WASM_SEG_ACTIVE)
      continue;
    uint64_t off[2];
    eval_const(inst, &d->offset, off);
    wasm_memory *mem = inst->mems[0];
    if (!range_in((uint32_t)off[0], d->len, mem->pages * WASM_PAGE_SIZE)) {
      snprintf(err, errlen, "out of bounds memory access");
      return -1;
    }
    if (d->len)
      memcpy(mem->data + (uint32_t)off[0], m->bytes + d->at, d->len);
    inst->data_dropped[i] = true;
  }
  return 0;
}

wasm_instance *wasm_instantiate_externs(const wasm_module *m,
                                        const wasm_extern *imports,
                                        void *host_ctx,
                                        const wasm_limits *limits, int *why,
                                        char *err, size_t errlen)
{
  *why = WASM_INST_OK;
  wasm_instance *inst = xcalloc(1, sizeof *inst);
  inst->module = m;
  inst->host_ctx = host_ctx;
  if (limits)
    inst->limits = *limits;
  if (!inst->limits.max_frames)
    inst->limits.max_frames = DEFAULT_FRAMES;
  if (!inst->limits.max_stack_slots)
    inst->limits.max_stack_slots = DEFAULT_SLOTS;
  inst->fuel_limit = inst->limits.fuel;
  inst->nfuncs = m->nfuncs;
  inst->funcs = xcalloc(m->nfuncs, sizeof *inst->funcs);
  inst->mems = xcalloc(m->nmems, sizeof *inst->mems);
  inst->tables = xcalloc(m->ntables, sizeof *inst->tables);
  inst->globals = xcalloc(m->nglobals, sizeof *inst->globals);
  inst->data_dropped = xcalloc(m->ndatas, 1);
  inst->elem_dropped = xcalloc(m->nelems, 1);
  if (link_imports(inst, imports, err, errlen) < 0) {
    *why = WASM_INST_UNLINKABLE;
    wasm_instance_free(inst);
    return NULL;
  }
  /* own functions */
  uint32_t ndef = m->nfuncs - m->nfunc_imports;
  inst->own_funcs = xcalloc(ndef, sizeof *inst->own_funcs);
  for (uint32_t i = 0; i < ndef; i++) {
    wasm_func *f = &inst->own_funcs[i];
    f->inst = inst;
    f->index = m->nfunc_imports + i;
    f->def = &m->funcs[i];
    f->type = &m->types[m->funcs[i].type];
    inst->funcs[f->index] = f;
  }
  /* own memory */
  uint64_t limit_pages = WASM_MAX_PAGES;
  if (inst->limits.max_memory)
    limit_pages = inst->limits.max_memory / WASM_PAGE_SIZE;
  if (m->nmems > m->nmem_imports) {
    const wasm_memtype *mt = &m->mems[m->nmem_imports];
    if (mt->min > limit_pages) {
      snprintf(err, errlen, "memory of %u pages exceeds the limit of %llu "
               "bytes", mt->min, (unsigned long long)inst->limits.max_memory);
      *why = WASM_INST_UNLINKABLE;
      wasm_instance_free(inst);
      return NULL;
    }
    wasm_memory *mem = inst->own_mem = xcalloc(1, sizeof *mem);
    mem->pages = mt->min;
    mem->has_max = mt->has_max;
    mem->declared_max = mt->max;
    mem->max_pages = mt->has_max ? mt->max : WASM_MAX_PAGES;
    if (mem->max_pages > limit_pages)
      mem->max_pages = limit_pages;
    /* a memory this host cannot address in one block (65,536 pages on
     * a 32-bit host) is refused, never allocated short */
    size_t bytes;
    if (!bytes_for_pages(mem->pages, &bytes) ||
        !(mem->data = calloc(bytes ? bytes : 1, 1))) {
      snprintf(err, errlen, "out of memory for %llu pages",
               (unsigned long long)mem->pages);
      *why = WASM_INST_UNLINKABLE;
      wasm_instance_free(inst);
      return NULL;
    }
    inst->mems[m->nmem_imports] = mem;
  }
  /* own tables */
  uint32_t ntd = m->ntables - m->ntable_imports;
  inst->own_tables = xcalloc(ntd, sizeof *inst->own_tables);
  for (uint32_t i = 0; i < ntd; i++) {
    const wasm_tabletype *tt = &m->tables[m->ntable_imports + i];
    wasm_table *t = &inst->own_tables[i];
    t->elemtype = tt->elemtype;
    t->size = tt->min;
    t->max = tt->has_max ? tt->max : UINT32_MAX;
    size_t tbytes;
    if (t->size > 10000000u) {
      snprintf(err, errlen, "table too large");
      *why = WASM_INST_UNLINKABLE;
      wasm_instance_free(inst);
      return NULL;
    }
    if (!size_mul(t->size ? t->size : 1, sizeof *t->elems, &tbytes) ||
        !(t->elems = calloc(tbytes, 1))) {
      snprintf(err, errlen, "out of memory for a table of %u elements",
               t->size);
      *why = WASM_INST_UNLINKABLE;
      wasm_instance_free(inst);
      return NULL;
    }
    inst->tables[m->ntable_imports + i] = t;
  }
  /* own globals */
  uint32_t ngd = m->nglobals - m->nglobal_imports;
  inst->own_globals = xcalloc(ngd, sizeof *inst->own_globals);
  for (uint32_t i = 0; i < ngd; i++) {
    uint32_t gi = m->nglobal_imports + i;
    wasm_global *g = &inst->own_globals[i];
    g->type = m->globals[gi].valtype;
    g->mutable_ = m->globals[gi].mutable_;
    eval_const(inst, &m->global_init[gi], g->v);
    inst->globals[gi] = g;
  }
  if (init_segments(inst, err, errlen) < 0) {
    *why = WASM_INST_TRAPPED;
    return inst;
  }
  if (m->start >= 0) {
    wasm_result r = wasm_call(inst, (uint32_t)m->start, NULL, 0);
    if (r != WASM_FINISHED) {
      snprintf(err, errlen, "%s", r == WASM_TRAPPED ? inst->trap
                                  : r == WASM_EXITED ? "exit in start function"
                                                     : "paused in start function");
      *why = WASM_INST_TRAPPED;
      return inst;
    }
  }
  return inst;
}

/* Host functions: "iI:f" strings against a functype. */
static bool type_string_matches(const char *s, const wasm_functype *t)
{
  static const char letters[] = "iIfF";
  static const uint8_t types[] = {WASM_TYPE_I32, WASM_TYPE_I64, WASM_TYPE_F32,
                                  WASM_TYPE_F64};
  uint32_t k = 0;
  const uint8_t *want = t->params;
  uint32_t n = t->nparams;
  bool results = false;
  for (; *s; s++) {
    if (*s == ':') {
      if (results || k != n)
        return false;
      results = true;
      want = t->results;
      n = t->nresults;
      k = 0;
      continue;
    }
    const char *p = strchr(letters, *s);
    if (!p || k >= n || want[k] != types[p - letters])
      return false;
    k++;
  }
  return results && k == n;
}

wasm_instance *wasm_instantiate(const wasm_module *m,
                                const wasm_host_func *imports, size_t nimports,
                                void *host_ctx, const wasm_limits *limits,
                                char *err, size_t errlen)
{
  wasm_extern *ex = xcalloc(m->nimports, sizeof *ex);
  wasm_func *hosts = xcalloc(m->nimports, sizeof *hosts);
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *im = &m->imports[i];
    if (im->kind != WASM_EXTERN_FUNC) {
      snprintf(err, errlen, "unknown import %s.%s (only functions can be "
               "imported)", im->module, im->name);
      goto fail;
    }
    const wasm_host_func *h = NULL;
    for (size_t k = 0; k < nimports; k++)
      if (strcmp(imports[k].module, im->module) == 0 &&
          strcmp(imports[k].name, im->name) == 0)
        h = &imports[k];
    if (!h) {
      snprintf(err, errlen, "unknown import %s.%s", im->module, im->name);
      goto fail;
    }
    const wasm_functype *t = &m->types[im->type];
    if (!type_string_matches(h->type, t) || t->result_slots > 16) {
      snprintf(err, errlen, "incompatible import type for %s.%s", im->module,
               im->name);
      goto fail;
    }
    hosts[i].type = t;
    hosts[i].host = h->fn;
    hosts[i].host_ctx = host_ctx;
    ex[i].kind = WASM_EXTERN_FUNC;
    ex[i].u.func = &hosts[i];
  }
  int why;
  /* host functions run with the calling instance (their inst is NULL) */
  wasm_instance *inst = wasm_instantiate_externs(m, ex, host_ctx, limits,
                                                 &why, err, errlen);
  free(ex);
  if (inst && why != WASM_INST_OK) {
    wasm_instance_free(inst);
    inst = NULL;
  }
  if (!inst) {
    free(hosts);
    return NULL;
  }
  inst->own_hosts = hosts;
  return inst;
fail:
  free(ex);
  free(hosts);
  return NULL;
}

void wasm_instance_free(wasm_instance *inst)
{
  if (!inst)
    return;
  if (inst->own_mem)
    free(inst->own_mem->data);
  free(inst->own_mem);
  const wasm_module *m = inst->module;
  if (inst->own_tables)
    for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
      free(inst->own_tables[i].elems);
  free(inst->own_tables);
  free(inst->own_globals);
  free(inst->own_funcs);
  free(inst->own_hosts);
  free(inst->funcs);
  free(inst->mems);
  free(inst->tables);
  free(inst->globals);
  free(inst->data_dropped);
  free(inst->elem_dropped);
  free(inst->exec.stack);
  free(inst->exec.frames);
  free(inst);
}

const wasm_module *wasm_instance_module(const wasm_instance *inst)
{
  return inst->module;
}

void *wasm_instance_host_ctx(const wasm_instance *inst)
{
  return inst->host_ctx;
}

bool wasm_export_extern(wasm_instance *inst, const char *name, size_t len,
                        wasm_extern *out)
{
  const wasm_module *m = inst->module;
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wasm_export *e = &m->exports[i];
    if (e->name_len != len || memcmp(e->name, name, len) != 0)
      continue;
    out->kind = e->kind;
    switch (e->kind) {
    case WASM_EXTERN_FUNC: out->u.func = inst->funcs[e->index]; break;
    case WASM_EXTERN_TABLE: out->u.table = inst->tables[e->index]; break;
    case WASM_EXTERN_MEMORY: out->u.mem = inst->mems[e->index]; break;
    default: out->u.global = inst->globals[e->index]; break;
    }
    return true;
  }
  return false;
}

int64_t wasm_export_func_n(const wasm_instance *inst, const char *name,
                           size_t len)
{
  const wasm_module *m = inst->module;
  for (uint32_t i = 0; i < m->nexports; i++)
    if (m->exports[i].kind == WASM_EXTERN_FUNC &&
        m->exports[i].name_len == len &&
        memcmp(m->exports[i].name, name, len) == 0)
      return m->exports[i].index;
  return -1;
}

int64_t wasm_export_func(const wasm_instance *inst, const char *name)
{
  const wasm_module *m = inst->module;
  for (uint32_t i = 0; i < m->nexports; i++)
    if (m->exports[i].kind == WASM_EXTERN_FUNC &&
        strcmp(m->exports[i].name, name) == 0)
      return m->exports[i].index;
  return -1;
}

bool wasm_func_signature(const wasm_instance *inst, uint32_t func,
                         uint32_t *nparams, const uint8_t **params,
                         uint32_t *nresults, const uint8_t **results)
{
  if (func >= inst->nfuncs)
    return false;
  const wasm_functype *t = inst->funcs[func]->type;
  if (nparams)
    *nparams = t->nparams;
  if (params)
    *params = t->params;
  if (nresults)
    *nresults = t->nresults;
  if (results)
    *results = t->results;
  return true;
}

/* ---- running ---- */

static bool exec_alloc(wasm_instance *inst)
{
  wasm_exec *ex = &inst->exec;
  if (ex->stack)
    return true;
  ex->stack_slots = inst->limits.max_stack_slots;
  ex->max_frames = inst->limits.max_frames;
  size_t sbytes, fbytes;
  bool fits = size_mul(ex->stack_slots, sizeof *ex->stack, &sbytes) &&
              size_mul(ex->max_frames, sizeof *ex->frames, &fbytes);
  ex->stack = fits ? malloc(sbytes) : NULL;
  ex->frames = fits ? malloc(fbytes) : NULL;
  if (!ex->stack || !ex->frames) {
    free(ex->stack);
    free(ex->frames);
    ex->stack = NULL;
    ex->frames = NULL;
    return false;
  }
  return true;
}

void wasm_exec_reset(wasm_instance *inst)
{
  inst->exec.paused = false;
  inst->exec.nframes = 0;
}

wasm_result wasm_call(wasm_instance *inst, uint32_t func,
                      const uint64_t *args, size_t nargs)
{
  wasm_exec *ex = &inst->exec;
  wasm_exec_reset(inst);
  ex->nresults = 0;
  if (func >= inst->nfuncs) {
    wasm_trapf(inst, "no such function %u", func);
    return WASM_TRAPPED;
  }
  if (!exec_alloc(inst)) {
    wasm_trapf(inst, "out of memory for the stack");
    return WASM_TRAPPED;
  }
  const wasm_func *f = inst->funcs[func];
  if (nargs != f->type->param_slots) {
    wasm_trapf(inst, "wrong number of arguments: %zu for %u", nargs,
               f->type->param_slots);
    return WASM_TRAPPED;
  }
  ex->entry = f;
  if (!f->def) {
    uint64_t res[16];
    wasm_instance *hi = f->inst ? f->inst : inst;
    wasm_host_status st = f->host(hi, f->host_ctx, args, res);
    switch (st) {
    case WASM_HOST_OK:
      memcpy(ex->stack, res, f->type->result_slots * sizeof *res);
      ex->nresults = f->type->result_slots;
      return WASM_FINISHED;
    case WASM_HOST_TRAP:
      if (hi != inst)
        memcpy(inst->trap, hi->trap, sizeof inst->trap);
      return WASM_TRAPPED;
    case WASM_HOST_EXIT:
      inst->exit_status = hi->exit_status;
      return WASM_EXITED;
    default:
      wasm_trapf(inst, "host function paused outside a call");
      return WASM_TRAPPED;
    }
  }
  const wasm_funcdef *d = f->def;
  if (d->frame_slots > ex->stack_slots) {
    wasm_trapf(inst, "call stack exhausted");
    return WASM_TRAPPED;
  }
  if (nargs)
    memcpy(ex->stack, args, nargs * sizeof *args);
  memset(ex->stack + d->param_slots, 0,
         (size_t)(d->local_slots - d->param_slots) * sizeof *ex->stack);
  ex->cur.func = f;
  ex->cur.pc = d->code;
  ex->cur.fp = ex->stack;
  return wasm_interp_run(inst);
}

wasm_result wasm_invoke(wasm_instance *inst, const char *name,
                        const uint64_t *args, size_t nargs)
{
  int64_t f = wasm_export_func(inst, name);
  if (f < 0) {
    wasm_trapf(inst, "no such export: %s", name);
    return WASM_TRAPPED;
  }
  return wasm_call(inst, (uint32_t)f, args, nargs);
}

wasm_result wasm_resume(wasm_instance *inst)
{
  atomic_store(&inst->pause_requested, 0);
  if (!inst->exec.paused) {
    wasm_trapf(inst, "nothing to resume");
    return WASM_TRAPPED;
  }
  return wasm_interp_run(inst);
}

size_t wasm_results(const wasm_instance *inst, uint64_t *out, size_t n)
{
  size_t have = inst->exec.nresults;
  if (out && inst->exec.stack)
    memcpy(out, inst->exec.stack, (n < have ? n : have) * sizeof *out);
  return have;
}

const char *wasm_trap_message(const wasm_instance *inst)
{
  return inst->trap;
}

int wasm_exit_status(const wasm_instance *inst)
{
  return inst->exit_status;
}

void wasm_request_pause(wasm_instance *inst)
{
  atomic_store(&inst->pause_requested, 1);
  if (inst->pause_hook)
    inst->pause_hook(inst->pause_hook_ctx);
}

void wasm_set_pause_hook(wasm_instance *inst, void (*hook)(void *), void *ctx)
{
  inst->pause_hook = hook;
  inst->pause_hook_ctx = ctx;
}

bool wasm_is_paused(const wasm_instance *inst)
{
  return inst->exec.paused;
}

uint64_t wasm_fuel_used(const wasm_instance *inst)
{
  return inst->fuel_used;
}

void wasm_set_fuel(wasm_instance *inst, uint64_t fuel)
{
  inst->fuel_limit = fuel ? inst->fuel_used + fuel : 0;
}

uint64_t wasm_memory_size(const wasm_instance *inst)
{
  if (!inst->mems || !inst->module->nmems || !inst->mems[0])
    return 0;
  return inst->mems[0]->pages * WASM_PAGE_SIZE;
}

bool wasm_memory_set_pages(wasm_instance *inst, uint64_t pages)
{
  if (!inst->module->nmems || !inst->mems[0])
    return pages == 0;
  wasm_memory *mem = inst->mems[0];
  size_t bytes;
  if (pages > mem->max_pages || pages > WASM_MAX_PAGES ||
      !bytes_for_pages(pages, &bytes))
    return false;
  uint8_t *d;
  if (pages > mem->pages) {
    /* calloc hands out fresh zero pages without touching them (mmap for
     * large sizes): a restore only writes the pages the snapshot holds;
     * the current pages are backed, so their size fits a size_t */
    d = calloc(bytes, 1);
    if (!d)
      return false;
    memcpy(d, mem->data, (size_t)mem->pages * WASM_PAGE_SIZE);
    free(mem->data);
  } else {
    d = realloc(mem->data, bytes ? bytes : 1);
    if (!d)
      return false;
  }
  mem->data = d;
  mem->pages = pages;
  return true;
}

/* ---- execution state for snapshots ---- */

uint32_t wasm_exec_frame_count(const wasm_instance *inst)
{
  return inst->exec.paused ? inst->exec.nframes + 1 : 0;
}

/* The value types of a frame's slots: locals, then operand values. */
static void frame_types(const wasm_module *m, const wasm_funcdef *d,
                        const wasm_pause_point *p, uint32_t nslots,
                        uint8_t *types)
{
  uint32_t k = 0;
  for (uint32_t i = 0; i < d->nlocals && k < nslots; i++) {
    types[k++] = d->local_types[i];
    if (d->local_types[i] == WASM_TYPE_V128 && k < nslots)
      types[k++] = WASM_TYPE_V128;
  }
  for (uint32_t i = 0; i < p->nvalues && k < nslots; i++) {
    uint8_t t = m->pause_types[p->types + i];
    types[k++] = t;
    if (t == WASM_TYPE_V128 && k < nslots)
      types[k++] = t;
  }
}

bool wasm_exec_frame_layout(const wasm_module *m, uint32_t func,
                            uint32_t wasm_pc, bool top, uint32_t *nslots,
                            uint8_t *types)
{
  const wasm_pause_point *p = wasm_pause_find(m, func, wasm_pc);
  if (!p)
    return false;
  const wasm_funcdef *d = &m->funcs[func - m->nfunc_imports];
  uint32_t n = d->local_slots + p->height;
  if (!top) {
    if (p->kind == WASM_PAUSE_LOOP)
      return false;
    n -= m->types[p->callee_type].param_slots;
    /* call_indirect's table index is consumed by the call too */
    if (p->kind == WASM_PAUSE_CALL_INDIRECT)
      n -= 1;
  }
  *nslots = n;
  if (types)
    frame_types(m, d, p, n, types);
  return true;
}

bool wasm_exec_frame(const wasm_instance *inst, uint32_t i,
                     wasm_frame_info *info, uint64_t *slots, uint8_t *types)
{
  const wasm_exec *ex = &inst->exec;
  uint32_t n = wasm_exec_frame_count(inst);
  if (i >= n)
    return false;
  bool top = i == n - 1;
  const wasm_frame *fr = top ? &ex->cur : &ex->frames[i];
  const wasm_func *f = fr->func;
  if (f->inst != inst || !f->def)
    return false;
  const wasm_funcdef *d = f->def;
  uint32_t off = (uint32_t)(fr->pc - d->code);
  const wasm_pause_point *p = NULL;
  for (uint32_t k = 0; k < d->npauses; k++)
    if ((top ? d->pauses[k].code_pc : d->pauses[k].code_next) == off &&
        (top || d->pauses[k].kind != WASM_PAUSE_LOOP)) {
      p = &d->pauses[k];
      break;
    }
  if (!p)
    return false;
  info->func = f->index;
  info->wasm_pc = p->wasm_pc;
  if (top) {
    info->nslots = d->local_slots + p->height;
  } else {
    const wasm_frame *next = i + 1 == n - 1 ? &ex->cur : &ex->frames[i + 1];
    info->nslots = (uint32_t)(next->fp - fr->fp);
  }
  uint8_t *tbuf = types;
  if (slots && !tbuf)
    tbuf = xcalloc(info->nslots, 1);
  if (tbuf)
    frame_types(inst->module, d, p, info->nslots, tbuf);
  bool ok = true;
  if (slots) {
    for (uint32_t k = 0; k < info->nslots; k++) {
      uint64_t v = fr->fp[k];
      if (tbuf[k] == WASM_TYPE_FUNCREF) {
        v = wasm_ref_to_portable(inst, WASM_TYPE_FUNCREF, v);
        if (v == UINT64_MAX)
          ok = false;
      }
      slots[k] = v;
    }
  }
  if (tbuf != types)
    free(tbuf);
  return ok;
}

int wasm_exec_restore(wasm_instance *inst, const wasm_frame_info *frames,
                      const uint64_t *const *slots, uint32_t n,
                      char *err, size_t errlen)
{
  const wasm_module *m = inst->module;
  if (!exec_alloc(inst)) {
    snprintf(err, errlen, "out of memory for the stack");
    return -1;
  }
  wasm_exec *ex = &inst->exec;
  if (n == 0 || n > ex->max_frames) {
    snprintf(err, errlen, "bad frame count %u", n);
    return -1;
  }
  uint64_t fp = 0;
  const wasm_pause_point **pp = xcalloc(n, sizeof *pp);
  uint8_t *types = NULL;
  int rc = -1;
  for (uint32_t i = 0; i < n; i++) {
    const wasm_frame_info *fi = &frames[i];
    bool top = i == n - 1;
    if (fi->func < m->nfunc_imports || fi->func >= m->nfuncs) {
      snprintf(err, errlen, "frame %u: bad function %u", i, fi->func);
      goto out;
    }
    const wasm_pause_point *p = wasm_pause_find(m, fi->func, fi->wasm_pc);
    if (!p) {
      snprintf(err, errlen, "frame %u: no pause point at function %u "
               "offset %u", i, fi->func, fi->wasm_pc);
      goto out;
    }
    if (!top) {
      const wasm_frame_info *nx = &frames[i + 1];
      if (p->kind == WASM_PAUSE_LOOP ||
          (p->kind == WASM_PAUSE_CALL && p->callee != nx->func) ||
          nx->func >= m->nfuncs ||
          !wasm_functype_equal(&m->types[p->callee_type],
                               &m->types[m->func_type[nx->func]])) {
        snprintf(err, errlen, "frame %u: does not call frame %u's function",
                 i, i + 1);
        goto out;
      }
    }
    uint32_t want = 0;
    free(types);
    types = NULL;
    if (!wasm_exec_frame_layout(m, fi->func, fi->wasm_pc, top, &want, NULL) ||
        fi->nslots != want) {
      snprintf(err, errlen, "frame %u: %u slots, expected %u", i,
               fi->nslots, want);
      goto out;
    }
    types = xcalloc(want, 1);
    wasm_exec_frame_layout(m, fi->func, fi->wasm_pc, top, &want, types);
    for (uint32_t k = 0; k < want; k++) {
      uint64_t v = slots[i][k], ref;
      if ((types[k] == WASM_TYPE_I32 || types[k] == WASM_TYPE_F32) &&
          (v >> 32)) {
        snprintf(err, errlen, "frame %u slot %u: bad 32-bit value", i, k);
        goto out;
      }
      if (types[k] == WASM_TYPE_FUNCREF &&
          !wasm_ref_from_portable(inst, types[k], v, &ref)) {
        snprintf(err, errlen, "frame %u slot %u: bad function reference",
                 i, k);
        goto out;
      }
    }
    const wasm_funcdef *d = &m->funcs[fi->func - m->nfunc_imports];
    if (fp + (top ? d->frame_slots : want) > ex->stack_slots) {
      snprintf(err, errlen, "frame %u: value stack limit exceeded", i);
      goto out;
    }
    pp[i] = p;
    fp += want;
  }
  /* all checked: build */
  fp = 0;
  for (uint32_t i = 0; i < n; i++) {
    const wasm_frame_info *fi = &frames[i];
    bool top = i == n - 1;
    const wasm_func *f = inst->funcs[fi->func];
    free(types);
    types = xcalloc(fi->nslots + 1, 1);
    wasm_exec_frame_layout(m, fi->func, fi->wasm_pc, top, &(uint32_t){0},
                           types);
    for (uint32_t k = 0; k < fi->nslots; k++) {
      uint64_t v = slots[i][k];
      if (types[k] == WASM_TYPE_FUNCREF)
        wasm_ref_from_portable(inst, types[k], v, &v);
      ex->stack[fp + k] = v;
    }
    wasm_frame *fr = top ? &ex->cur : &ex->frames[i];
    fr->func = f;
    fr->fp = ex->stack + fp;
    fr->pc = f->def->code + (top ? pp[i]->code_pc : pp[i]->code_next);
    fp += fi->nslots;
  }
  ex->nframes = n - 1;
  ex->entry = inst->funcs[frames[0].func];
  ex->paused = true;
  ex->nresults = 0;
  rc = 0;
out:
  free(types);
  free(pp);
  return rc;
}
