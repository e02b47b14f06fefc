/* Validates a function body and compiles it, in one pass, to the
 * register-style code of ops-private.h.
 *
 * Every operand-stack position has a fixed frame slot (locals first, then
 * the stack), so ops name their operand and result slots directly and the
 * interpreter never moves a stack pointer. local.get is lazy: it pushes an
 * entry that still reads the local's slot, and a copy is emitted only when
 * the local is about to change, a block boundary, call or branch needs the
 * value in its own slot ("materializing"). At pause points (calls, loop
 * headers) every entry is materialized, so a paused frame is exactly its
 * locals plus its operand slots. */
#include <stdlib.h>
#include <string.h>

#include "decode-private.h"
#include "endian-private.h"
#include "engine-private.h"
#include "ops-private.h"
#include "simd-private.h"
#include "size-check.h"

#define MAX_LOCAL_SLOTS 100000u
#define MAX_PAUSE_TYPES (64u << 20)
/* Scans of the operand stack (materializing) make compile time grow with
 * its depth; real code stays far below this. */
#define MAX_STACK_VALUES 16384u

typedef struct {
  uint8_t type;         /* 0: unknown (polymorphic stack) */
  uint32_t pos;         /* its own slot */
  uint32_t slot;        /* where it is now: POS, or a local's slot */
  bool k;               /* a constant not yet written anywhere: KV */
  uint64_t kv;
} vent;

enum { C_FUNC, C_BLOCK, C_LOOP, C_IF, C_ELSE };

typedef struct {
  uint8_t kind;
  bool unreachable;     /* validation: rest of the block is dead */
  bool dead;            /* emission: the whole block is dead */
  uint32_t height;      /* vstack entries below the block's params */
  uint32_t base_slot;   /* slot of its first param / result */
  uint32_t nparams, nresults;
  const uint8_t *params, *results;
  uint32_t loop_pc;     /* C_LOOP: the LOOP op */
  uint32_t patch;       /* forward branch cells to patch, chained */
  uint32_t else_patch;  /* C_IF: the BR_UNLESS target cell */
  bool branched;        /* some branch targets the end */
} ctl;

#define NO_PATCH UINT32_MAX

typedef struct {
  wasm_module *m;
  wasm_funcdef *f;
  wasm_rd *r;
  const uint8_t *body;
  uint32_t *local_slot; /* per local */
  uint32_t *code;
  uint32_t ncode, capcode;
  vent *vs;
  uint32_t nvs, capvs;
  /* entries below PENDING_FROM are in their own slots, entries below
   * LAZY_FROM read no local: materializing scans only above them */
  uint32_t pending_from, lazy_from;
  ctl *cs;
  uint32_t ncs, capcs;
  uint32_t cur_slot, max_slot;
  uint32_t *ops;        /* cells where ops start (for threading) */
  uint32_t nops, capops;
  int64_t last_op;      /* cell of the last emitted op */
  int64_t last_dst;     /* cell of its destination operand, or -1 */
  int last_kind;        /* 1: a fusable i32 comparison */
  int64_t fuel_cell;
  /* conditional branches inside the current fuel block: their taken path
   * gives back what the block charged for the instructions after them */
  uint32_t refunds[8];
  uint32_t nrefunds;
  wasm_pause_point *pp;
  uint32_t npp, cappp;
} cc;

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t size)
{
  if (need <= *cap)
    return p;
  uint64_t n = *cap ? *cap : 16;
  while (n < need)
    n *= 2;
  if (n > UINT32_MAX)
    n = UINT32_MAX;
  size_t bytes;
  if (!size_mul(n, size, &bytes) || !(p = realloc(p, bytes)))
    abort();
  *cap = (uint32_t)n;
  return p;
}

static inline uint32_t slots_of(uint8_t t)
{
  return t == WASM_TYPE_V128 ? 2 : 1;
}

static inline ctl *top(cc *c)
{
  return &c->cs[c->ncs - 1];
}

static inline bool live(cc *c)
{
  ctl *t = top(c);
  return !t->dead && !t->unreachable;
}

/* ---- emission ---- */

static void emit(cc *c, uint32_t v)
{
  c->code = grow(c->code, &c->capcode, c->ncode + 1, sizeof *c->code);
  c->code[c->ncode++] = v;
}

static uint32_t emit_op(cc *c, uint32_t op)
{
  c->ops = grow(c->ops, &c->capops, c->nops + 1, sizeof *c->ops);
  c->ops[c->nops++] = c->ncode;
  c->last_op = c->ncode;
  c->last_dst = -1;
  c->last_kind = 0;
  emit(c, op);
  return (uint32_t)c->last_op;
}

/* Drops the code from cell AT on (a peephole rewriting the last op). */
static void truncate_to(cc *c, uint32_t at)
{
  c->ncode = at;
  while (c->nops && c->ops[c->nops - 1] >= at)
    c->nops--;
}

/* An op whose first operand is its destination D. */
static void emit_dst_op(cc *c, uint32_t op, uint32_t d)
{
  emit_op(c, op);
  c->last_dst = c->ncode;
  emit(c, d);
}

/* A label here: nothing emitted before may be rewritten. */
static void label_here(cc *c)
{
  c->last_op = -1;
  c->last_dst = -1;
  c->last_kind = 0;
}

static void fuel_start(cc *c)
{
  c->fuel_cell = -1;
  c->nrefunds = 0;
  if (!c->m->fuel || !live(c))
    return;
  emit_op(c, OP_FUEL);
  c->fuel_cell = c->ncode;
  emit(c, 0);
  label_here(c);
}

/* After a conditional branch whose refund operand is at CELL: the
 * fall-through goes on in the same fuel block. */
static void fuel_after_branch(cc *c, uint32_t cell)
{
  if (c->fuel_cell < 0 || c->nrefunds == 8) {
    fuel_start(c);
    return;
  }
  c->refunds[c->nrefunds++] = cell;
}

static void copy(cc *c, uint8_t type, uint32_t d, uint32_t s)
{
  if (d == s)
    return;
  emit_op(c, type == WASM_TYPE_V128 ? OP_COPY128 : OP_COPY);
  emit(c, d);
  emit(c, s);
}

/* ---- the operand stack ---- */

static void err_type(cc *c, const uint8_t *at)
{
  wasm_rd_fail_at(c->r, at, "type mismatch");
}

static vent *push(cc *c, uint8_t type)
{
  if (c->nvs >= MAX_STACK_VALUES && !c->r->failed)
    wasm_rd_fail(c->r, "operand stack deeper than %u values (engine limit)",
                 MAX_STACK_VALUES);
  c->vs = grow(c->vs, &c->capvs, c->nvs + 1, sizeof *c->vs);
  /* the caller may still turn the new entry into a pending one */
  if (c->pending_from > c->nvs)
    c->pending_from = c->nvs;
  if (c->lazy_from > c->nvs)
    c->lazy_from = c->nvs;
  vent *e = &c->vs[c->nvs++];
  e->type = type;
  e->pos = e->slot = c->cur_slot;
  e->k = false;
  c->cur_slot += slots_of(type);
  if (c->cur_slot + 2 > c->max_slot)
    c->max_slot = c->cur_slot + 2;
  return e;
}

/* Pops a value that may still be a pending constant. */
static vent pop_keep(cc *c, uint8_t want, const uint8_t *at)
{
  ctl *t = top(c);
  vent e = {0, c->cur_slot, c->cur_slot};
  if (c->nvs == t->height) {
    if (!t->unreachable)
      err_type(c, at);
    return e;
  }
  e = c->vs[--c->nvs];
  c->cur_slot = e.pos;
  if (want && e.type && e.type != want)
    err_type(c, at);
  return e;
}

/* Writes a pending constant to slot D. */
static void emit_const(cc *c, const vent *e, uint32_t d)
{
  if (e->type == WASM_TYPE_I32 || e->type == WASM_TYPE_F32) {
    emit_dst_op(c, OP_CONST32, d);
    emit(c, (uint32_t)e->kv);
  } else {
    emit_dst_op(c, OP_CONST64, d);
    emit(c, (uint32_t)e->kv);
    emit(c, (uint32_t)(e->kv >> 32));
  }
}

/* Puts E's value into its own slot. */
static void materialize_vent(cc *c, vent *e)
{
  if (e->k) {
    if (live(c))
      emit_const(c, e, e->pos);
    e->k = false;
    e->slot = e->pos;
  }
}

/* Pops a value, its constant (if pending) written to its slot. */
static vent pop(cc *c, uint8_t want, const uint8_t *at)
{
  vent e = pop_keep(c, want, at);
  materialize_vent(c, &e);
  return e;
}

/* Copies E's value to slot D. */
static void copy_ent(cc *c, const vent *e, uint8_t type, uint32_t d)
{
  if (e->k)
    emit_const(c, e, d);
  else
    copy(c, type, d, e->slot);
}

static void materialize(cc *c, uint32_t i)
{
  vent *e = &c->vs[i];
  if (e->k) {
    materialize_vent(c, e);
    return;
  }
  if (e->slot != e->pos) {
    if (live(c))
      copy(c, e->type, e->pos, e->slot);
    e->slot = e->pos;
  }
}

static void materialize_all(cc *c)
{
  for (uint32_t i = c->pending_from; i < c->nvs; i++)
    materialize(c, i);
  c->pending_from = c->lazy_from = c->nvs;
}

static void materialize_local(cc *c, uint32_t slot)
{
  uint32_t lowest = c->nvs;
  for (uint32_t i = c->lazy_from; i < c->nvs; i++) {
    vent *e = &c->vs[i];
    if (e->k || e->slot == e->pos)
      continue;
    if (e->slot == slot)
      materialize(c, i);
    else if (i < lowest)
      lowest = i;
  }
  c->lazy_from = lowest;
}

/* ---- control ---- */

static uint32_t label_arity(const ctl *l, const uint8_t **types)
{
  if (l->kind == C_LOOP) {
    *types = l->params;
    return l->nparams;
  }
  *types = l->results;
  return l->nresults;
}

/* Checks the top N values against TYPES (without popping). */
static void check_top(cc *c, const uint8_t *types, uint32_t n,
                      const uint8_t *at)
{
  ctl *t = top(c);
  for (uint32_t k = 0; k < n; k++) {
    uint32_t depth = n - 1 - k;
    if (c->nvs - t->height <= depth) {
      if (!t->unreachable)
        err_type(c, at);
      continue;
    }
    uint8_t have = c->vs[c->nvs - 1 - depth].type;
    if (have && have != types[k])
      err_type(c, at);
  }
}

static void copies_to(cc *c, const uint8_t *types, uint32_t n, uint32_t d);

/* Does branching to L need copies (values not already in L's slots)? */
static bool branch_needs_copies(cc *c, const ctl *l)
{
  const uint8_t *types;
  uint32_t n = label_arity(l, &types);
  if (c->r->failed || c->nvs < n)
    return false;
  uint32_t d = l->base_slot;
  for (uint32_t k = 0; k < n; k++) {
    const vent *e = &c->vs[c->nvs - n + k];
    if (e->k || e->slot != d)
      return true;
    d += slots_of(types[k]);
  }
  return false;
}

static void branch_copies(cc *c, const ctl *l)
{
  const uint8_t *types;
  uint32_t n = label_arity(l, &types);
  copies_to(c, types, n, l->base_slot);
}

/* Copies the top N values (TYPES) to the slots from D on. */
static void copies_to(cc *c, const uint8_t *types, uint32_t n, uint32_t d)
{
  if (c->r->failed || c->nvs < n)
    return;
  for (uint32_t k = 0; k < n; k++) {
    const vent *e = &c->vs[c->nvs - n + k];
    copy_ent(c, e, types[k], d);
    d += slots_of(types[k]);
  }
}

/* Copies the function's results to slots 0.. and returns. */
static void emit_return(cc *c)
{
  const wasm_functype *ft = &c->m->types[c->f->type];
  uint32_t n = ft->nresults;
  if (c->r->failed || c->nvs < n)
    return;
  /* A lazy local inside the result area would be overwritten first. */
  for (uint32_t k = 0; k < n; k++) {
    vent *e = &c->vs[c->nvs - n + k];
    if (!e->k && e->slot != e->pos && e->slot < ft->result_slots)
      materialize(c, c->nvs - n + k);
  }
  /* a single result just computed into its own slot: compute it into
   * slot 0 instead (the frame's locals are dead now) */
  const vent *t = n == 1 ? &c->vs[c->nvs - 1] : NULL;
  if (t && !t->k && t->slot == t->pos && c->last_dst >= 0 &&
      c->code[c->last_dst] == t->pos && ft->results[0] != WASM_TYPE_V128) {
    c->code[c->last_dst] = 0;
    emit_op(c, OP_RET);
    return;
  }
  uint32_t d = 0;
  for (uint32_t k = 0; k < n; k++) {
    const vent *e = &c->vs[c->nvs - n + k];
    copy_ent(c, e, ft->results[k], d);
    d += slots_of(ft->results[k]);
  }
  emit_op(c, OP_RET);
}

/* Emits a jump to label L (the op's target operand is emitted here). */
static void emit_target(cc *c, ctl *l)
{
  if (l->kind == C_LOOP) {
    emit(c, l->loop_pc);
  } else {
    emit(c, l->patch);
    l->patch = c->ncode - 1;
    l->branched = true;
  }
}

static void patch_chain(cc *c, uint32_t head, uint32_t target)
{
  while (head != NO_PATCH) {
    uint32_t next = c->code[head];
    c->code[head] = target;
    head = next;
  }
}

static void emit_br(cc *c, uint32_t depth)
{
  ctl *l = &c->cs[c->ncs - 1 - depth];
  if (l->kind == C_FUNC) {
    emit_return(c);
    return;
  }
  branch_copies(c, l);
  emit_op(c, OP_BR);
  emit_target(c, l);
}

/* One-type result lists, by type code (ctl frames move on realloc). */
static const uint8_t single_type[256] = {
  [WASM_TYPE_I32] = WASM_TYPE_I32, [WASM_TYPE_I64] = WASM_TYPE_I64,
  [WASM_TYPE_F32] = WASM_TYPE_F32, [WASM_TYPE_F64] = WASM_TYPE_F64,
  [WASM_TYPE_V128] = WASM_TYPE_V128, [WASM_TYPE_FUNCREF] = WASM_TYPE_FUNCREF,
  [WASM_TYPE_EXTERNREF] = WASM_TYPE_EXTERNREF,
};

static inline bool is_valtype(uint8_t t)
{
  return single_type[t] != 0;
}

/* Reads a block type. */
static bool block_type(cc *c, ctl *b)
{
  wasm_rd *r = c->r;
  const uint8_t *at = r->p;
  if (r->p < r->end && *r->p == 0x40) {
    r->p++;
    return true;
  }
  if (r->p < r->end) {
    uint8_t t = *r->p;
    if (is_valtype(t)) {
      r->p++;
      b->results = &single_type[t];
      b->nresults = 1;
      return true;
    }
  }
  int64_t idx = wasm_rd_sleb(r, 33);
  if (!wasm_rd_ok(r))
    return false;
  if (idx < 0 || (uint64_t)idx >= c->m->ntypes) {
    wasm_rd_fail_at(r, at, idx < 0 ? "malformed value type" : "unknown type");
    return false;
  }
  const wasm_functype *ft = &c->m->types[idx];
  b->params = ft->params;
  b->nparams = ft->nparams;
  b->results = ft->results;
  b->nresults = ft->nresults;
  return true;
}

static void push_ctl(cc *c, uint8_t kind, ctl *b, const uint8_t *at)
{
  /* pop params (checked), then re-push them in the block */
  for (uint32_t k = b->nparams; k-- > 0;)
    pop(c, b->params[k], at);
  bool dead = !live(c);
  uint32_t height = c->nvs;
  uint32_t base = c->cur_slot;
  c->cs = grow(c->cs, &c->capcs, c->ncs + 1, sizeof *c->cs);
  ctl *n = &c->cs[c->ncs++];
  *n = *b;
  n->kind = kind;
  n->unreachable = false;
  n->dead = dead;
  n->height = height;
  n->base_slot = base;
  n->patch = NO_PATCH;
  n->else_patch = NO_PATCH;
  n->branched = false;
  for (uint32_t k = 0; k < b->nparams; k++)
    push(c, b->params[k]);
}

static void set_unreachable(cc *c)
{
  ctl *t = top(c);
  c->nvs = t->height;
  c->cur_slot = t->base_slot;
  t->unreachable = true;
}

/* ---- pause points ---- */

static void add_pause(cc *c, uint8_t kind, uint32_t code_pc,
                      const uint8_t *ins, uint32_t nvalues, uint32_t height,
                      uint32_t callee_type, uint32_t callee)
{
  wasm_module *m = c->m;
  /* every pause point records the whole operand stack's types: a hostile
   * module (deep stack, many calls) could make that quadratic */
  if (m->npause_types + nvalues > MAX_PAUSE_TYPES) {
    wasm_rd_fail_at(c->r, ins, "too complex: pause-point metadata over "
                    "%u MiB", MAX_PAUSE_TYPES >> 20);
    return;
  }
  c->pp = grow(c->pp, &c->cappp, c->npp + 1, sizeof *c->pp);
  wasm_pause_point *p = &c->pp[c->npp++];
  p->kind = kind;
  p->code_pc = code_pc;
  p->code_next = c->ncode;
  p->wasm_pc = (uint32_t)(ins - c->body);
  p->height = height;
  p->nvalues = nvalues;
  p->callee_type = callee_type;
  p->callee = callee;
  p->types = (uint32_t)m->npause_types;
  uint8_t *pool = realloc(m->pause_types, m->npause_types + nvalues + 1);
  if (!pool)
    abort();
  m->pause_types = pool;
  for (uint32_t k = 0; k < nvalues; k++)
    pool[m->npause_types + k] = c->vs[k].type;
  m->npause_types += nvalues;
}

/* ---- memory ---- */

/* The address A was just computed by an i32.add of a constant (the last op
 * emitted, into A's own slot): drop that op and return its operand and
 * constant, for a load/store that adds them itself (wrapping at 32 bits,
 * as the add did). */
static bool take_addr_add(cc *c, const vent *a, uint32_t *src, uint32_t *imm)
{
  if (c->last_op < 0 || c->last_dst != c->last_op + 1 || a->slot != a->pos ||
      c->code[c->last_op] != OP_I32_IMM + 0x6a - 0x46 ||
      c->code[c->last_dst] != a->pos || c->ncode != c->last_op + 4)
    return false;
  *src = c->code[c->last_op + 2];
  *imm = c->code[c->last_op + 3];
  truncate_to(c, (uint32_t)c->last_op);
  return true;
}

static uint32_t memarg(cc *c, uint32_t natural_log2, const uint8_t *at)
{
  wasm_rd *r = c->r;
  uint32_t align = wasm_rd_u32(r);
  uint32_t offset = wasm_rd_u32(r);
  if (!wasm_rd_ok(r))
    return 0;
  if (c->m->nmems == 0)
    wasm_rd_fail_at(r, at, "unknown memory 0");
  else if (align > natural_log2)
    wasm_rd_fail_at(r, at, "alignment must not be larger than natural");
  return offset;
}

/* Numeric signatures: operand type(s) and result type per opcode. */
typedef struct {
  uint8_t a, b, res;    /* b = 0: unary */
} sig;

static sig numeric_sig(uint8_t op)
{
  const uint8_t I = WASM_TYPE_I32, L = WASM_TYPE_I64, F = WASM_TYPE_F32,
                D = WASM_TYPE_F64;
  if (op == 0x45) return (sig){I, 0, I};
  if (op <= 0x4f) return (sig){I, I, I};
  if (op == 0x50) return (sig){L, 0, I};
  if (op <= 0x5a) return (sig){L, L, I};
  if (op <= 0x60) return (sig){F, F, I};
  if (op <= 0x66) return (sig){D, D, I};
  if (op <= 0x69) return (sig){I, 0, I};
  if (op <= 0x78) return (sig){I, I, I};
  if (op <= 0x7b) return (sig){L, 0, L};
  if (op <= 0x8a) return (sig){L, L, L};
  if (op <= 0x91) return (sig){F, 0, F};
  if (op <= 0x98) return (sig){F, F, F};
  if (op <= 0x9f) return (sig){D, 0, D};
  if (op <= 0xa6) return (sig){D, D, D};
  switch (op) {
  case 0xa7: return (sig){L, 0, I};
  case 0xa8: case 0xa9: return (sig){F, 0, I};
  case 0xaa: case 0xab: return (sig){D, 0, I};
  case 0xac: case 0xad: return (sig){I, 0, L};
  case 0xae: case 0xaf: return (sig){F, 0, L};
  case 0xb0: case 0xb1: return (sig){D, 0, L};
  case 0xb2: case 0xb3: return (sig){I, 0, F};
  case 0xb4: case 0xb5: return (sig){L, 0, F};
  case 0xb6: return (sig){D, 0, F};
  case 0xb7: case 0xb8: return (sig){I, 0, D};
  case 0xb9: case 0xba: return (sig){L, 0, D};
  case 0xbb: return (sig){F, 0, D};
  case 0xbc: return (sig){F, 0, I};
  case 0xbd: return (sig){D, 0, L};
  case 0xbe: return (sig){I, 0, F};
  case 0xbf: return (sig){L, 0, D};
  case 0xc0: case 0xc1: return (sig){I, 0, I};
  default: return (sig){L, 0, L}; /* 0xc2..0xc4 */
  }
}

static bool commutative(uint8_t op)
{
  switch (op) {
  case 0x46: case 0x47: case 0x6a: case 0x6c: case 0x71: case 0x72: case 0x73:
  case 0x51: case 0x52: case 0x7c: case 0x7e: case 0x83: case 0x84: case 0x85:
    return true;
  default:
    return false;
  }
}

/* The op computing OP with constant right operand V, or 0. */
static uint32_t imm_variant(uint8_t op, uint64_t v)
{
  if ((op >= 0x46 && op <= 0x4f) || (op >= 0x6a && op <= 0x6c) ||
      (op >= 0x71 && op <= 0x78))
    return OP_I32_IMM + op - 0x46;
  if (((op >= 0x51 && op <= 0x5a) || (op >= 0x7c && op <= 0x7e) ||
       (op >= 0x83 && op <= 0x8a)) &&
      (int64_t)v == (int64_t)(int32_t)v)
    return OP_I64_IMM + op - 0x51;
  return 0;
}

/* Fused compare-and-branch: the op that branches when the comparison at
 * LAST_OP holds (INVERT: when it does not), or 0. */
static uint32_t fused_branch(uint32_t cmp, bool invert)
{
  /* OP_BR_I32_EQ.. follow the comparisons' order (eq ne lt_s lt_u gt_s
   * gt_u le_s le_u ge_s ge_u); this is the one that holds when the
   * comparison K does not */
  static const uint8_t negated[] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
  if (cmp < 0x46 || cmp > 0x4f)
    return 0;
  return OP_BR_I32_EQ + (invert ? negated[cmp - 0x46] : cmp - 0x46);
}

/* Emits a conditional jump on COND (already popped): taken when COND is
 * non-zero (or zero with INVERT). The target and fuel-refund operands
 * end it; returns the target's cell. A comparison just computed into
 * COND is fused into the jump. */
static uint32_t emit_cond_jump(cc *c, const vent *cond, bool invert)
{
  if (c->last_kind == 2 && c->last_op >= 0 && cond->slot == cond->pos &&
      c->last_dst == c->last_op + 1 && c->code[c->last_dst] == cond->pos) {
    uint32_t cmp = c->code[c->last_op] - OP_I32_IMM + 0x46;
    uint32_t a = c->code[c->last_op + 2], imm = c->code[c->last_op + 3];
    truncate_to(c, (uint32_t)c->last_op);
    emit_op(c, fused_branch(cmp, invert) - OP_BR_I32_EQ + OP_BR_I32_IMM);
    emit(c, a);
    emit(c, imm);
    emit(c, NO_PATCH);
    emit(c, 0);
    return c->ncode - 2;
  }
  if (c->last_kind == 1 && c->last_op >= 0 && cond->slot == cond->pos &&
      c->last_dst == c->last_op + 1 &&
      c->code[c->last_dst] == cond->pos) {
    uint32_t cmp = c->code[c->last_op];
    uint32_t a = c->code[c->last_op + 2];
    if (cmp == 0x45) {  /* i32.eqz */
      truncate_to(c, (uint32_t)c->last_op);
      emit_op(c, invert ? OP_BR_IF : OP_BR_I32_EQZ);
      emit(c, a);
    } else {
      uint32_t b = c->code[c->last_op + 3];
      truncate_to(c, (uint32_t)c->last_op);
      emit_op(c, fused_branch(cmp, invert));
      emit(c, a);
      emit(c, b);
    }
  } else {
    emit_op(c, invert ? OP_BR_UNLESS : OP_BR_IF);
    emit(c, cond->slot);
  }
  emit(c, NO_PATCH);
  emit(c, 0);         /* fuel refund, for the taken path */
  return c->ncode - 2;
}

/* ---- immediates and the common shapes of ops ---- */

/* Fails unless IDX < COUNT: "unknown WHAT IDX" at the instruction. */
static bool check_index(cc *c, const uint8_t *ins, uint32_t idx,
                        uint32_t count, const char *what)
{
  if (idx < count)
    return true;
  wasm_rd_fail_at(c->r, ins, "unknown %s %u", what, idx);
  return false;
}

/* Reads an index immediate into *IDX and checks it against COUNT. */
static bool read_index(cc *c, const uint8_t *ins, uint32_t count,
                       const char *what, uint32_t *idx)
{
  *idx = wasm_rd_u32(c->r);
  return wasm_rd_ok(c->r) && check_index(c, ins, *idx, count, what);
}

/* The memory index of a memory op: N zero bytes (an error names the
 * first), and memory 0 must exist. */
static bool memory_zero(cc *c, const uint8_t *ins, int n)
{
  wasm_rd *r = c->r;
  const uint8_t *at = r->p;
  uint8_t z = wasm_rd_u8(r);
  if (n == 2 && wasm_rd_ok(r) && z == 0)
    z = wasm_rd_u8(r);
  if (!wasm_rd_ok(r))
    return false;
  if (z != 0) {
    wasm_rd_fail_at(r, at, "zero byte expected");
    return false;
  }
  if (c->m->nmems == 0) {
    wasm_rd_fail_at(r, ins, "unknown memory 0");
    return false;
  }
  return true;
}

/* A data segment index: only with a data count section. */
static bool check_data(cc *c, const uint8_t *ins, uint32_t seg)
{
  if (!c->m->has_datacount) {
    wasm_rd_fail_at(c->r, ins, "data count section required");
    return false;
  }
  return check_index(c, ins, seg, c->m->ndatas, "data segment");
}

/* Pushes a constant that is written only where it is used. */
static void push_const(cc *c, uint8_t type, uint64_t v)
{
  vent *e = push(c, type);
  e->k = true;
  e->kv = v;
}

static const uint8_t i32s[] = {WASM_TYPE_I32, WASM_TYPE_I32, WASM_TYPE_I32};

/* The shape of most ops: pops N (at most 3) operands typed TYPES (the
 * last on top), pushes a result typed RES unless 0 and, when live, emits
 * OP (the result's slot first), the immediates IMM[0..NIMM) and the
 * operands' slots. */
static void stack_op(cc *c, const uint8_t *ins, uint32_t op, uint8_t res,
                     const uint8_t *types, uint32_t n, const uint32_t *imm,
                     uint32_t nimm)
{
  vent v[3];
  for (uint32_t k = n; k-- > 0;)
    v[k] = pop(c, types[k], ins);
  vent *e = res ? push(c, res) : NULL;
  if (!live(c))
    return;
  if (e)
    emit_dst_op(c, op, e->pos);
  else
    emit_op(c, op);
  for (uint32_t k = 0; k < nimm; k++)
    emit(c, imm[k]);
  for (uint32_t k = 0; k < n; k++)
    emit(c, v[k].slot);
}

/* table.init and table.copy: elements of type FROM into a table of type
 * TO, by three i32 operands. */
static void table_op(cc *c, const uint8_t *ins, uint32_t op, uint8_t to,
                     uint8_t from, uint32_t imm0, uint32_t imm1)
{
  if (to != from) {
    err_type(c, ins);
    return;
  }
  stack_op(c, ins, op, 0, i32s, 3, (const uint32_t[]){imm0, imm1}, 2);
}

/* A call whose immediates IMM[0..NIMM) are valid. The values below the
 * arguments are materialized (a paused frame is its locals and operand
 * slots), the arguments popped; the op names the immediates, the frame
 * base and, for call_indirect, the index slot; then come the pause point
 * and the callee's results. */
static void emit_call(cc *c, const uint8_t *ins, const wasm_functype *ct,
                      bool indirect, const uint32_t *imm, uint32_t nimm,
                      uint32_t callee_type, uint32_t callee)
{
  vent idx = {0};
  if (indirect)
    idx = pop(c, WASM_TYPE_I32, ins);
  check_top(c, ct->params, ct->nparams, ins);
  if (!wasm_rd_ok(c->r))
    return;
  if (indirect) {
    /* the index stays where it is: materialize the rest */
    push(c, WASM_TYPE_I32);
    c->vs[c->nvs - 1] = idx;
  }
  materialize_all(c);
  uint32_t nvalues = c->nvs, height = c->cur_slot - c->f->local_slots;
  if (indirect)
    idx = pop(c, WASM_TYPE_I32, ins);
  for (uint32_t k = ct->nparams; k-- > 0;)
    pop(c, ct->params[k], ins);
  if (live(c)) {
    uint32_t pc = emit_op(c, indirect ? OP_CALL_INDIRECT : OP_CALL);
    for (uint32_t k = 0; k < nimm; k++)
      emit(c, imm[k]);
    emit(c, c->cur_slot);
    if (indirect)
      emit(c, idx.slot);
    add_pause(c, indirect ? WASM_PAUSE_CALL_INDIRECT : WASM_PAUSE_CALL, pc,
              ins, nvalues, height, callee_type, callee);
    label_here(c);
  }
  for (uint32_t k = 0; k < ct->nresults; k++)
    push(c, ct->results[k]);
}

/* At else and end: the block's results and nothing else above its base
 * (fewer only on a polymorphic stack). */
static void check_block_end(cc *c, const ctl *t, const uint8_t *ins)
{
  check_top(c, t->results, t->nresults, ins);
  if (c->nvs - t->height > t->nresults ||
      (c->nvs - t->height != t->nresults && !t->unreachable))
    err_type(c, ins);
}

/* ---- the body ---- */

static int compile(cc *c)
{
  wasm_module *m = c->m;
  wasm_funcdef *f = c->f;
  wasm_rd *r = c->r;
  const wasm_functype *ft = &m->types[f->type];

  /* locals */
  uint32_t ngroups = wasm_rd_u32(r);
  if (!wasm_rd_ok(r))
    return -1;
  uint64_t total = ft->nparams;
  const uint8_t *save = r->p;
  for (uint32_t g = 0; g < ngroups && wasm_rd_ok(r); g++) {
    const uint8_t *at = r->p;
    uint32_t n = wasm_rd_u32(r);
    const uint8_t *tat = r->p;
    uint8_t t = wasm_rd_u8(r);
    if (!wasm_rd_ok(r))
      return -1;
    total += n;
    if (total > UINT32_MAX) {
      wasm_rd_fail_at(r, at, "too many locals");
      return -1;
    }
    if (!is_valtype(t)) {
      wasm_rd_fail_at(r, tat, "malformed value type 0x%02x", t);
      return -1;
    }
  }
  if (total > MAX_LOCAL_SLOTS) {
    wasm_rd_fail_at(r, save, "too many locals");
    return -1;
  }
  f->nlocals = (uint32_t)total;
  f->local_types = calloc(total + 1, 1);
  c->local_slot = calloc(total + 1, sizeof *c->local_slot);
  if (!f->local_types || !c->local_slot)
    abort();
  uint32_t li = 0, slot = 0;
  for (uint32_t k = 0; k < ft->nparams; k++, li++) {
    f->local_types[li] = ft->params[k];
    c->local_slot[li] = slot;
    slot += slots_of(ft->params[k]);
  }
  f->param_slots = slot;
  r->p = save;
  for (uint32_t g = 0; g < ngroups; g++) {
    uint32_t n = wasm_rd_u32(r);
    uint8_t t = wasm_rd_u8(r);
    for (uint32_t k = 0; k < n; k++, li++) {
      f->local_types[li] = t;
      c->local_slot[li] = slot;
      slot += slots_of(t);
    }
  }
  f->local_slots = slot;
  c->cur_slot = c->max_slot = slot;

  ctl fb = {0};
  fb.results = ft->results;
  fb.nresults = ft->nresults;
  c->cs = grow(c->cs, &c->capcs, 1, sizeof *c->cs);
  c->ncs = 1;
  c->cs[0] = fb;
  c->cs[0].kind = C_FUNC;
  c->cs[0].base_slot = f->local_slots;
  c->cs[0].patch = NO_PATCH;
  c->last_op = c->last_dst = -1;
  fuel_start(c);

  while (wasm_rd_ok(r)) {
    if (c->ncs == 0) {
      if (r->p != r->end)
        wasm_rd_fail(r, "section size mismatch (operators after end)");
      break;
    }
    if (r->p >= r->end) {
      wasm_rd_fail(r, "unexpected end of section or function");
      break;
    }
    const uint8_t *ins = r->p;
    uint8_t op = wasm_rd_u8(r);
    if (c->fuel_cell >= 0 && live(c)) {
      c->code[c->fuel_cell]++;
      for (uint32_t k = 0; k < c->nrefunds; k++)
        c->code[c->refunds[k]]++;
    }

    switch (op) {
    case 0x00: /* unreachable */
      if (live(c))
        emit_op(c, OP_UNREACHABLE);
      set_unreachable(c);
      break;
    case 0x01: /* nop */
      break;
    case 0x02: /* block */
    case 0x03: /* loop */
    case 0x04: { /* if */
      ctl b = {0};
      if (!block_type(c, &b))
        break;
      vent cond = {0};
      if (op == 0x04)
        cond = pop(c, WASM_TYPE_I32, ins);
      /* outer values must sit in their own slots before any branch */
      if (live(c))
        materialize_all(c);
      uint32_t loop_pc = c->ncode;
      if (op == 0x03 && live(c)) {
        /* params' types for the pause point come from the vstack */
        emit_op(c, OP_LOOP);
        emit(c, 0);
        label_here(c);
        add_pause(c, WASM_PAUSE_LOOP, loop_pc, ins, c->nvs,
                  c->cur_slot - f->local_slots, 0, 0);
      }
      uint32_t else_cell = NO_PATCH;
      if (op == 0x04 && live(c))
        else_cell = emit_cond_jump(c, &cond, true);
      push_ctl(c, op == 0x02 ? C_BLOCK : op == 0x03 ? C_LOOP : C_IF, &b, ins);
      top(c)->loop_pc = loop_pc;
      top(c)->else_patch = else_cell;
      if (op == 0x03) {
        c->fuel_cell = -1;
        c->nrefunds = 0;
        if (m->fuel && live(c))
          c->fuel_cell = loop_pc + 1;
      } else if (op == 0x04) {
        if (else_cell != NO_PATCH)
          fuel_after_branch(c, else_cell + 1);
        else
          fuel_start(c);
      }
      break;
    }
    case 0x05: { /* else */
      ctl *t = top(c);
      if (t->kind != C_IF) {
        wasm_rd_fail_at(r, ins, "else without if");
        break;
      }
      check_block_end(c, t, ins);
      if (live(c)) {
        copies_to(c, t->results, t->nresults, t->base_slot);
        emit_op(c, OP_BR);
        emit_target(c, t);
      }
      if (!t->dead && t->else_patch != NO_PATCH)
        patch_chain(c, t->else_patch, c->ncode);
      t->else_patch = NO_PATCH;
      t->kind = C_ELSE;
      c->nvs = t->height;
      c->cur_slot = t->base_slot;
      t->unreachable = false;
      for (uint32_t k = 0; k < t->nparams; k++)
        push(c, t->params[k]);
      label_here(c);
      fuel_start(c);
      break;
    }
    case 0x0b: { /* end */
      ctl *t = top(c);
      check_block_end(c, t, ins);
      if (!wasm_rd_ok(r))
        break;
      if (t->kind == C_IF) {
        /* no else: the params must be the results */
        if (t->nparams != t->nresults ||
            (t->nparams && memcmp(t->params, t->results, t->nparams) != 0)) {
          err_type(c, ins);
          break;
        }
      }
      if (t->kind == C_FUNC) {
        if (live(c))
          emit_return(c);
        c->ncs = 0;
        break;
      }
      bool was_live = live(c);
      if (was_live)
        copies_to(c, t->results, t->nresults, t->base_slot);
      bool target = t->branched || t->else_patch != NO_PATCH;
      if (!t->dead) {
        patch_chain(c, t->patch, c->ncode);
        if (t->else_patch != NO_PATCH)
          patch_chain(c, t->else_patch, c->ncode);
      }
      ctl done = *t;
      c->ncs--;
      c->nvs = done.height;
      c->cur_slot = done.base_slot;
      for (uint32_t k = 0; k < done.nresults; k++)
        push(c, done.results[k]);
      if (target || !was_live) {
        label_here(c);
        fuel_start(c);
      }
      break;
    }
    case 0x0c:   /* br */
    case 0x0d: { /* br_if */
      uint32_t depth = wasm_rd_u32(r);
      if (!wasm_rd_ok(r))
        break;
      if (depth >= c->ncs) {
        wasm_rd_fail_at(r, ins, "unknown label");
        break;
      }
      vent cond = {0};
      if (op == 0x0d)
        cond = pop(c, WASM_TYPE_I32, ins);
      ctl *l = &c->cs[c->ncs - 1 - depth];
      const uint8_t *types;
      uint32_t n = label_arity(l, &types);
      check_top(c, types, n, ins);
      if (!wasm_rd_ok(r))
        break;
      if (op == 0x0c) {
        if (live(c))
          emit_br(c, depth);
        set_unreachable(c);
        break;
      }
      if (live(c)) {
        if (l->kind != C_FUNC && !branch_needs_copies(c, l)) {
          emit_cond_jump(c, &cond, false);
          c->ncode -= 2;
          emit_target(c, l);
          emit(c, 0);
          fuel_after_branch(c, c->ncode - 1);
        } else {
          uint32_t skip = emit_cond_jump(c, &cond, true);
          emit_br(c, depth);
          c->code[skip] = c->ncode;
          label_here(c);
          fuel_start(c);
        }
      }
      /* br_if leaves the values typed as the label's (which, on a
       * polymorphic stack, materializes them) */
      if (top(c)->unreachable) {
        for (uint32_t k = n; k-- > 0;)
          pop(c, types[k], ins);
        for (uint32_t k = 0; k < n; k++)
          push(c, types[k]);
      }
      break;
    }
    case 0x0e: { /* br_table */
      uint32_t n = wasm_rd_u32(r);
      if (!wasm_rd_ok(r))
        break;
      if (n > (size_t)(r->end - r->p)) {
        wasm_rd_fail(r, "unexpected end");
        break;
      }
      size_t dbytes;
      uint32_t *depths = NULL;
      if (size_muladd(n, 1, sizeof *depths, &dbytes))
        depths = malloc(dbytes);
      if (!depths)
        abort();
      for (uint32_t k = 0; k <= n && wasm_rd_ok(r); k++) {
        depths[k] = wasm_rd_u32(r);
        if (wasm_rd_ok(r) && depths[k] >= c->ncs)
          wasm_rd_fail_at(r, ins, "unknown label");
      }
      vent idx = pop(c, WASM_TYPE_I32, ins);
      if (wasm_rd_ok(r)) {
        const uint8_t *dtypes;
        uint32_t arity = label_arity(&c->cs[c->ncs - 1 - depths[n]], &dtypes);
        for (uint32_t k = 0; k <= n && wasm_rd_ok(r); k++) {
          const uint8_t *types;
          uint32_t a = label_arity(&c->cs[c->ncs - 1 - depths[k]], &types);
          if (a != arity) {
            wasm_rd_fail_at(r, ins, "type mismatch (br_table arity)");
            break;
          }
          check_top(c, types, a, ins);
        }
      }
      if (wasm_rd_ok(r) && live(c)) {
        emit_op(c, OP_BR_TABLE);
        emit(c, idx.slot);
        emit(c, n);
        uint32_t table = c->ncode;
        for (uint32_t k = 0; k <= n; k++)
          emit(c, NO_PATCH);
        for (uint32_t k = 0; k <= n; k++) {
          ctl *l = &c->cs[c->ncs - 1 - depths[k]];
          if (l->kind == C_FUNC || branch_needs_copies(c, l)) {
            c->code[table + k] = c->ncode;
            emit_br(c, depths[k]);
          } else if (l->kind == C_LOOP) {
            c->code[table + k] = l->loop_pc;
          } else {
            c->code[table + k] = l->patch;
            l->patch = table + k;
            l->branched = true;
          }
        }
      }
      free(depths);
      set_unreachable(c);
      break;
    }
    case 0x0f: /* return */
      check_top(c, ft->results, ft->nresults, ins);
      if (wasm_rd_ok(r) && live(c))
        emit_return(c);
      set_unreachable(c);
      break;
    case 0x10: { /* call */
      uint32_t fi;
      if (!read_index(c, ins, m->nfuncs, "function", &fi))
        break;
      emit_call(c, ins, &m->types[m->func_type[fi]], false,
                (const uint32_t[]){fi}, 1, m->func_type[fi], fi);
      break;
    }
    case 0x11: { /* call_indirect */
      uint32_t ti = wasm_rd_u32(r);
      uint32_t tab = wasm_rd_u32(r);
      if (!wasm_rd_ok(r) || !check_index(c, ins, ti, m->ntypes, "type") ||
          !check_index(c, ins, tab, m->ntables, "table"))
        break;
      if (m->tables[tab].elemtype != WASM_TYPE_FUNCREF) {
        wasm_rd_fail_at(r, ins, "type mismatch (call_indirect table)");
        break;
      }
      emit_call(c, ins, &m->types[ti], true, (const uint32_t[]){ti, tab}, 2,
                ti, 0);
      break;
    }
    case 0x1a: /* drop */
      pop_keep(c, 0, ins);
      break;
    case 0x1b:   /* select */
    case 0x1c: { /* select t */
      uint8_t want = 0;
      if (op == 0x1c) {
        uint32_t n = wasm_rd_u32(r);
        if (!wasm_rd_ok(r))
          break;
        if (n != 1) {
          wasm_rd_fail_at(r, ins, "invalid result arity");
          break;
        }
        const uint8_t *tat = r->p;
        want = wasm_rd_u8(r);
        if (wasm_rd_ok(r) && !is_valtype(want)) {
          wasm_rd_fail_at(r, tat, "malformed value type");
          break;
        }
      }
      vent cnd = pop(c, WASM_TYPE_I32, ins);
      vent b = pop(c, want, ins);
      vent a = pop(c, want, ins);
      uint8_t t = want;
      if (!t) {
        if (a.type && b.type && a.type != b.type) {
          err_type(c, ins);
          break;
        }
        t = a.type ? a.type : b.type;
        if (t == WASM_TYPE_FUNCREF || t == WASM_TYPE_EXTERNREF) {
          err_type(c, ins);
          break;
        }
      }
      vent *res = push(c, t);
      if (live(c)) {
        emit_dst_op(c, t == WASM_TYPE_V128 ? OP_SELECT128 : OP_SELECT,
                    res->pos);
        emit(c, cnd.slot);
        emit(c, a.slot);
        emit(c, b.slot);
        if (t == WASM_TYPE_V128)
          c->last_dst = -1;
      }
      break;
    }
    case 0x20:   /* local.get */
    case 0x21:   /* local.set */
    case 0x22: { /* local.tee */
      uint32_t x;
      if (!read_index(c, ins, f->nlocals, "local", &x))
        break;
      uint8_t t = f->local_types[x];
      uint32_t ls = c->local_slot[x];
      if (op == 0x20) {
        vent *e = push(c, t);
        e->slot = ls;
        break;
      }
      vent v = pop(c, t, ins);
      if (!wasm_rd_ok(r))
        break;
      if (live(c)) {
        materialize_local(c, ls);
        /* the value was just computed into its own slot: compute it into
         * the local instead */
        if (c->last_dst >= 0 && v.slot == v.pos &&
            c->code[c->last_dst] == v.pos && v.pos >= f->local_slots &&
            t != WASM_TYPE_V128) {
          c->code[c->last_dst] = ls;
          c->last_dst = -1;
          c->last_kind = 0;
        } else {
          copy(c, t, ls, v.slot);
        }
      }
      if (op == 0x22) {
        vent *e = push(c, t);
        e->slot = ls;
      }
      break;
    }
    case 0x23:   /* global.get */
    case 0x24: { /* global.set */
      uint32_t g;
      if (!read_index(c, ins, m->nglobals, "global", &g))
        break;
      uint8_t t = m->globals[g].valtype;
      bool wide = t == WASM_TYPE_V128;
      if (op == 0x23) {
        stack_op(c, ins, wide ? OP_GLOBAL_GET128 : OP_GLOBAL_GET, t, NULL, 0,
                 &g, 1);
        if (wide && live(c))
          c->last_dst = -1;
      } else if (!m->globals[g].mutable_) {
        wasm_rd_fail_at(r, ins, "global is immutable");
      } else {
        stack_op(c, ins, wide ? OP_GLOBAL_SET128 : OP_GLOBAL_SET, 0, &t, 1,
                 &g, 1);
      }
      break;
    }
    case 0x25:   /* table.get */
    case 0x26: { /* table.set */
      uint32_t tab;
      if (!read_index(c, ins, m->ntables, "table", &tab))
        break;
      uint8_t et = m->tables[tab].elemtype;
      if (op == 0x25)
        stack_op(c, ins, OP_TABLE_GET, et, i32s, 1, &tab, 1);
      else
        stack_op(c, ins, OP_TABLE_SET, 0, (const uint8_t[]){WASM_TYPE_I32, et},
                 2, &tab, 1);
      break;
    }
    case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d:
    case 0x2e: case 0x2f: case 0x30: case 0x31: case 0x32: case 0x33:
    case 0x34: case 0x35: { /* loads */
      static const uint8_t lg[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2};
      static const uint8_t ty[] = {
        WASM_TYPE_I32, WASM_TYPE_I64, WASM_TYPE_F32, WASM_TYPE_F64,
        WASM_TYPE_I32, WASM_TYPE_I32, WASM_TYPE_I32, WASM_TYPE_I32,
        WASM_TYPE_I64, WASM_TYPE_I64, WASM_TYPE_I64, WASM_TYPE_I64,
        WASM_TYPE_I64, WASM_TYPE_I64};
      uint32_t off = memarg(c, lg[op - 0x28], ins);
      vent a = pop(c, WASM_TYPE_I32, ins);
      vent *e = push(c, ty[op - 0x28]);
      if (wasm_rd_ok(r) && live(c)) {
        uint32_t src, imm;
        if (take_addr_add(c, &a, &src, &imm)) {
          emit_dst_op(c, OP_MEMX + op - 0x28, e->pos);
          emit(c, src);
          emit(c, off);
          emit(c, imm);
        } else {
          emit_dst_op(c, op, e->pos);
          emit(c, a.slot);
          emit(c, off);
        }
      }
      break;
    }
    case 0x36: case 0x37: case 0x38: case 0x39: case 0x3a: case 0x3b:
    case 0x3c: case 0x3d: case 0x3e: { /* stores */
      static const uint8_t lg[] = {2, 3, 2, 3, 0, 1, 0, 1, 2};
      static const uint8_t ty[] = {
        WASM_TYPE_I32, WASM_TYPE_I64, WASM_TYPE_F32, WASM_TYPE_F64,
        WASM_TYPE_I32, WASM_TYPE_I32, WASM_TYPE_I64, WASM_TYPE_I64,
        WASM_TYPE_I64};
      uint32_t off = memarg(c, lg[op - 0x36], ins);
      vent v = pop_keep(c, ty[op - 0x36], ins);
      vent a = pop(c, WASM_TYPE_I32, ins);
      if (!live(c))
        break;
      uint32_t src, imm;
      bool fuse = take_addr_add(c, &a, &src, &imm);
      materialize_vent(c, &v);
      if (wasm_rd_ok(r)) {
        if (fuse) {
          emit_op(c, OP_MEMX + op - 0x28);
          emit(c, src);
          emit(c, v.slot);
          emit(c, off);
          emit(c, imm);
        } else {
          emit_op(c, op);
          emit(c, a.slot);
          emit(c, v.slot);
          emit(c, off);
        }
      }
      break;
    }
    case 0x3f:   /* memory.size */
    case 0x40:   /* memory.grow */
      if (memory_zero(c, ins, 1))
        stack_op(c, ins, op, WASM_TYPE_I32, i32s, op == 0x40, NULL, 0);
      break;
    case 0x41: /* i32.const */
      push_const(c, WASM_TYPE_I32, (uint32_t)wasm_rd_sleb(r, 32));
      break;
    case 0x42: /* i64.const */
      push_const(c, WASM_TYPE_I64, (uint64_t)wasm_rd_sleb(r, 64));
      break;
    case 0x43: /* f32.const */
      push_const(c, WASM_TYPE_F32, wasm_rd_fixed32(r));
      break;
    case 0x44: /* f64.const */
      push_const(c, WASM_TYPE_F64, wasm_rd_fixed64(r));
      break;
    case 0xd0: { /* ref.null */
      const uint8_t *tat = r->p;
      uint8_t t = wasm_rd_u8(r);
      if (!wasm_rd_ok(r))
        break;
      if (t != WASM_TYPE_FUNCREF && t != WASM_TYPE_EXTERNREF) {
        wasm_rd_fail_at(r, tat, "malformed reference type");
        break;
      }
      push_const(c, t, 0);
      break;
    }
    case 0xd1: { /* ref.is_null */
      vent a = pop(c, 0, ins);
      if (a.type && a.type != WASM_TYPE_FUNCREF &&
          a.type != WASM_TYPE_EXTERNREF) {
        err_type(c, ins);
        break;
      }
      vent *e = push(c, WASM_TYPE_I32);
      if (live(c)) {
        emit_dst_op(c, OP_REF_IS_NULL, e->pos);
        emit(c, a.slot);
      }
      break;
    }
    case 0xd2: { /* ref.func */
      uint32_t fi;
      if (!read_index(c, ins, m->nfuncs, "function", &fi))
        break;
      if (!m->func_declared[fi]) {
        wasm_rd_fail_at(r, ins, "undeclared function reference");
        break;
      }
      stack_op(c, ins, OP_REF_FUNC, WASM_TYPE_FUNCREF, NULL, 0, &fi, 1);
      break;
    }
    case 0xfc: { /* prefixed */
      uint32_t sub = wasm_rd_u32(r);
      if (!wasm_rd_ok(r))
        break;
      if (sub <= 7) {
        static const uint8_t from[] = {
          WASM_TYPE_F32, WASM_TYPE_F32, WASM_TYPE_F64, WASM_TYPE_F64,
          WASM_TYPE_F32, WASM_TYPE_F32, WASM_TYPE_F64, WASM_TYPE_F64};
        stack_op(c, ins, OP_TRUNC_SAT + sub,
                 sub < 4 ? WASM_TYPE_I32 : WASM_TYPE_I64, &from[sub], 1, NULL,
                 0);
        break;
      }
      switch (sub) {
      case 8: { /* memory.init */
        uint32_t seg = wasm_rd_u32(r);
        if (memory_zero(c, ins, 1) && check_data(c, ins, seg))
          stack_op(c, ins, OP_MEMORY_INIT, 0, i32s, 3, &seg, 1);
        break;
      }
      case 9: { /* data.drop */
        uint32_t seg = wasm_rd_u32(r);
        if (wasm_rd_ok(r) && check_data(c, ins, seg))
          stack_op(c, ins, OP_DATA_DROP, 0, NULL, 0, &seg, 1);
        break;
      }
      case 10:   /* memory.copy */
      case 11:   /* memory.fill */
        if (memory_zero(c, ins, sub == 10 ? 2 : 1))
          stack_op(c, ins, sub == 10 ? OP_MEMORY_COPY : OP_MEMORY_FILL, 0,
                   i32s, 3, NULL, 0);
        break;
      case 12: { /* table.init */
        uint32_t seg = wasm_rd_u32(r);
        uint32_t tab = wasm_rd_u32(r);
        if (!wasm_rd_ok(r) || !check_index(c, ins, tab, m->ntables, "table") ||
            !check_index(c, ins, seg, m->nelems, "elem segment"))
          break;
        table_op(c, ins, OP_TABLE_INIT, m->tables[tab].elemtype,
                 m->elems[seg].elemtype, tab, seg);
        break;
      }
      case 13: { /* elem.drop */
        uint32_t seg;
        if (read_index(c, ins, m->nelems, "elem segment", &seg))
          stack_op(c, ins, OP_ELEM_DROP, 0, NULL, 0, &seg, 1);
        break;
      }
      case 14: { /* table.copy */
        uint32_t dt = wasm_rd_u32(r);
        uint32_t st = wasm_rd_u32(r);
        if (!wasm_rd_ok(r))
          break;
        if (dt >= m->ntables || st >= m->ntables) {
          wasm_rd_fail_at(r, ins, "unknown table");
          break;
        }
        table_op(c, ins, OP_TABLE_COPY, m->tables[dt].elemtype,
                 m->tables[st].elemtype, dt, st);
        break;
      }
      case 15:   /* table.grow */
      case 16:   /* table.size */
      case 17: { /* table.fill */
        uint32_t tab;
        if (!read_index(c, ins, m->ntables, "table", &tab))
          break;
        uint8_t et = m->tables[tab].elemtype;
        if (sub == 16) {
          stack_op(c, ins, OP_TABLE_SIZE, WASM_TYPE_I32, NULL, 0, &tab, 1);
        } else if (sub == 15) {
          stack_op(c, ins, OP_TABLE_GROW, WASM_TYPE_I32,
                   (const uint8_t[]){et, WASM_TYPE_I32}, 2, &tab, 1);
          if (live(c))
            c->last_dst = -1;
        } else {
          stack_op(c, ins, OP_TABLE_FILL, 0,
                   (const uint8_t[]){WASM_TYPE_I32, et, WASM_TYPE_I32}, 3,
                   &tab, 1);
        }
        break;
      }
      default:
        wasm_rd_fail_at(r, ins, "illegal opcode 0xfc %u", sub);
      }
      break;
    }
    case 0xfd: { /* SIMD */
      uint32_t sub = wasm_rd_u32(r);
      wasm_simd_info in;
      if (!wasm_rd_ok(r))
        break;
      if (!wasm_simd_info_of(sub, &in)) {
        wasm_rd_fail_at(r, ins, "illegal opcode 0xfd %u", sub);
        break;
      }
      const uint8_t V = WASM_TYPE_V128, I = WASM_TYPE_I32;
      uint32_t imm[4] = {0, 0, 0, 0}, off = 0;
      bool mem = in.kind == SIMD_LOAD || in.kind == SIMD_STORE ||
                 in.kind == SIMD_LOAD_LANE || in.kind == SIMD_STORE_LANE;
      if (mem)
        off = memarg(c, in.align, ins);
      if (in.kind == SIMD_LOAD_LANE || in.kind == SIMD_STORE_LANE ||
          in.kind == SIMD_EXTRACT || in.kind == SIMD_REPLACE) {
        imm[0] = wasm_rd_u8(r);
        if (wasm_rd_ok(r) && imm[0] >= in.lanes) {
          wasm_rd_fail_at(r, ins, "invalid lane index");
          break;
        }
      }
      if (in.kind == SIMD_CONST || in.kind == SIMD_SHUFFLE) {
        const uint8_t *b16;
        if (!wasm_rd_bytes(r, 16, &b16))
          break;
        for (int k = 0; k < 4; k++)  /* cells are numbers: read LE words */
          imm[k] = le_get32(b16 + 4 * k);
        if (in.kind == SIMD_SHUFFLE)
          for (int k = 0; k < 16; k++)
            if (b16[k] >= 32) {
              wasm_rd_fail_at(r, ins, "invalid lane index");
              break;
            }
      }
      if (!wasm_rd_ok(r))
        break;
      /* operand types (0: none), popped c, b, a; the result's type */
      uint8_t ta = 0, tb = 0, tc = 0, res = V;
      switch (in.kind) {
      case SIMD_BIN: case SIMD_SHUFFLE: ta = tb = V; break;
      case SIMD_UN: ta = V; break;
      case SIMD_TER: ta = tb = tc = V; break;
      case SIMD_SHIFT: ta = V; tb = I; break;
      case SIMD_SPLAT: ta = in.scalar; break;
      case SIMD_EXTRACT: ta = V; res = in.scalar; break;
      case SIMD_REPLACE: ta = V; tb = in.scalar; break;
      case SIMD_TEST: ta = V; res = I; break;
      case SIMD_CONST: break;
      case SIMD_LOAD: ta = I; break;
      case SIMD_LOAD_LANE: ta = I; tb = V; break;
      default: ta = I; tb = V; res = 0; break; /* stores */
      }
      vent a = {0}, b = {0}, cc3 = {0};
      if (tc)
        cc3 = pop(c, tc, ins);
      if (tb)
        b = pop(c, tb, ins);
      if (ta)
        a = pop(c, ta, ins);
      uint32_t d = 0;
      if (res)
        d = push(c, res)->pos;
      if (!live(c) || !wasm_rd_ok(r))
        break;
      if (in.kind == SIMD_CONST) {
        emit_op(c, OP_CONST128);
        emit(c, d);
        for (int k = 0; k < 4; k++)
          emit(c, imm[k]);
      } else if (mem) {
        emit_op(c, OP_SIMD_MEM);
        emit(c, sub);
        emit(c, d);
        emit(c, a.slot);
        emit(c, off);
        emit(c, imm[0]);
        emit(c, b.slot);
        emit(c, in.size);
      } else {
        emit_op(c, OP_SIMD);
        emit(c, sub);
        emit(c, d);
        emit(c, a.slot);
        emit(c, b.slot);
        emit(c, cc3.slot);
        for (int k = 0; k < 4; k++)
          emit(c, imm[k]);
      }
      break;
    }
    default:
      if (op >= 0x45 && op <= 0xc4) {
        sig s = numeric_sig(op);
        vent b = {0}, a;
        if (s.b)
          b = pop_keep(c, s.b, ins);
        a = pop_keep(c, s.a, ins);
        if (op >= 0xbc && op <= 0xbf) {
          /* reinterpret: the bits stay, only the type changes */
          vent *e = push(c, s.res);
          e->slot = a.slot;
          e->k = a.k;
          e->kv = a.kv;
          break;
        }
        uint32_t immop = 0;
        if (s.b && live(c)) {
          if (a.k && !b.k && commutative(op)) {
            vent t = a;
            a = b;
            b = t;
          }
          if (b.k)
            immop = imm_variant(op, b.kv);
        }
        materialize_vent(c, &a);
        if (!immop)
          materialize_vent(c, &b);
        vent *e = push(c, s.res);
        if (!live(c))
          break;
        if (immop) {
          emit_dst_op(c, immop, e->pos);
          emit(c, a.slot);
          emit(c, (uint32_t)b.kv);
          if (op >= 0x46 && op <= 0x4f)
            c->last_kind = 2;
          break;
        }
        if (op == 0xa7 || op == 0xad) {
          emit_dst_op(c, OP_I32_WRAP, e->pos);
          emit(c, a.slot);
          break;
        }
        emit_dst_op(c, op, e->pos);
        emit(c, a.slot);
        if (s.b)
          emit(c, b.slot);
        if (op >= 0x45 && op <= 0x4f)
          c->last_kind = 1;
        break;
      }
      wasm_rd_fail_at(r, ins, "illegal opcode 0x%02x", op);
    }
  }
  if (!wasm_rd_ok(r))
    return -1;
  /* thread the code: op numbers become the interpreter's handler offsets
   * (only the cell contents change; the layout stays the same) */
  for (uint32_t k = 0; k < c->nops; k++)
    c->code[c->ops[k]] = wasm_interp_thread_op(c->code[c->ops[k]]);
  f->frame_slots = c->max_slot;
  f->code = c->code;
  f->ncode = c->ncode;
  f->pauses = c->pp;
  f->npauses = c->npp;
  c->code = NULL;
  c->pp = NULL;
  return 0;
}

int wasm_compile_func(wasm_module *m, uint32_t idx, char *err, size_t errlen)
{
  wasm_funcdef *f = &m->funcs[idx];
  wasm_rd rd = {.base = m->bytes, .p = m->bytes + f->body_at,
                .end = m->bytes + f->body_at + f->body_len,
                .err = err, .errlen = errlen};
  cc c = {.m = m, .f = f, .r = &rd, .body = rd.p, .fuel_cell = -1};
  int rc = compile(&c);
  free(c.code);
  free(c.pp);
  free(c.vs);
  free(c.cs);
  free(c.local_slot);
  free(c.ops);
  return rc;
}
