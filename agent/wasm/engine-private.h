/* E2 (snapshot) depends on this: keep it stable.
 *
 * The engine's internal state: the decoded module, the instance (memory,
 * tables, globals, segment flags, fuel) and the execution state (value
 * stack, call frames, pc) that a snapshot captures and a restore rebuilds.
 *
 * Portable pc: inside the engine a pc is a pointer into a function's
 * compiled code; across machines it is (function index, wasm_pc), where
 * wasm_pc is the byte offset of the paused instruction from the start of
 * the function's body in the module bytes (the first byte after the body
 * size, i.e. the local declarations). Execution can only pause at a pause
 * point: a call or call_indirect (pc on the call, its arguments still on
 * the operand stack; a host call that returned WASM_HOST_PAUSE is redone)
 * or a loop header (pc on the loop, reached on entry and on every
 * back-edge). The compiler records every pause point with the operand
 * stack height and value types there, so a restore can check a snapshot's
 * stacks before running anything.
 *
 * Frames: frame 0 is the function the host called, the last frame is the
 * one that paused. A caller frame is paused at the call it is making: its
 * wasm_pc is that call's, and its slots are its locals plus its operand
 * stack WITHOUT the call's arguments (those are the callee's first
 * locals). The top frame's slots are its locals plus its whole operand
 * stack at the pause point (arguments of a call included).
 *
 * Slots are 64 bits: i32/f32 zero-extended, i64/f64 as is, v128 two slots
 * (low half first), references as opaque words at run time and as
 * portable values in the wasm_exec_frame()/wasm_exec_restore() API
 * (funcref: function index + 1 in the instance, 0 = null; externref: the
 * host value, 0 = null). */
#pragma once
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm.h"

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u

enum { WASM_EXTERN_FUNC = 0, WASM_EXTERN_TABLE, WASM_EXTERN_MEMORY,
       WASM_EXTERN_GLOBAL };

typedef struct {
  uint32_t nparams, nresults;
  const uint8_t *params, *results;      /* value types */
  uint32_t param_slots, result_slots;   /* v128 counts 2 */
} wasm_functype;

typedef struct {
  uint8_t elemtype;                     /* WASM_TYPE_FUNCREF / _EXTERNREF */
  bool has_max;
  uint32_t min, max;
} wasm_tabletype;

typedef struct {
  bool has_max;
  uint32_t min, max;                    /* pages */
} wasm_memtype;

typedef struct {
  uint8_t valtype;
  bool mutable_;
} wasm_globaltype;

/* A constant expression: one value-producing instruction. */
typedef struct {
  uint8_t op;           /* 0x41 0x42 0x43 0x44 i32..f64.const, 0xfd v128.const,
                           0xd0 ref.null, 0xd2 ref.func, 0x23 global.get */
  uint8_t type;         /* the value type it produces */
  uint64_t v[2];        /* constant bits, function or global index */
} wasm_const_expr;

typedef struct {
  char *module, *name;  /* NUL-terminated, but may hold NULs: see _len */
  uint8_t kind;         /* WASM_EXTERN_* */
  uint32_t type;        /* FUNC: type index */
  wasm_tabletype table;
  wasm_memtype mem;
  wasm_globaltype global;
  uint32_t module_len, name_len;
} wasm_import;

typedef struct {
  char *name;
  uint8_t kind;
  uint32_t index;
  uint32_t name_len;
} wasm_export;

enum { WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_DECLARATIVE };

typedef struct {
  uint8_t mode;
  uint8_t elemtype;
  uint32_t table;
  wasm_const_expr offset;
  uint32_t count;
  wasm_const_expr *items;
} wasm_elem_seg;

typedef struct {
  uint8_t mode;
  uint32_t memory;
  wasm_const_expr offset;
  uint32_t len;
  uint32_t at;          /* offset of the bytes in the module */
} wasm_data_seg;

enum { WASM_PAUSE_CALL, WASM_PAUSE_CALL_INDIRECT, WASM_PAUSE_LOOP };

typedef struct {
  uint32_t code_pc;     /* cell offset of the op in wasm_funcdef.code */
  uint32_t code_next;   /* cell offset right after it (return address) */
  uint32_t wasm_pc;     /* portable pc (see top of file) */
  uint32_t height;      /* operand-stack slots above the locals */
  uint32_t nvalues;     /* operand-stack values (v128 = 1 value, 2 slots) */
  uint32_t types;       /* offset of NVALUES type bytes in module->pause_types */
  uint32_t callee_type; /* CALL/CALL_INDIRECT: type index of the callee */
  uint32_t callee;      /* CALL: function index */
  uint8_t kind;         /* WASM_PAUSE_* */
} wasm_pause_point;

typedef struct {
  uint32_t type;        /* type index */
  uint32_t nlocals;     /* parameters included */
  uint8_t *local_types;
  uint32_t param_slots, local_slots; /* local_slots includes params */
  uint32_t frame_slots; /* locals + the deepest operand stack */
  uint32_t *code;       /* compiled code; layout deterministic, pointer-free */
  uint32_t ncode;
  wasm_pause_point *pauses; /* sorted by code_pc (and by wasm_pc) */
  uint32_t npauses;
  uint32_t body_at, body_len; /* the body in the module bytes */
} wasm_funcdef;

struct wasm_module {
  uint8_t *bytes;
  size_t len;
  uint8_t hash[32];
  bool fuel;                    /* code counts fuel */

  wasm_functype *types;
  uint32_t ntypes;
  uint8_t *typepool;            /* value types the functypes point into */

  wasm_import *imports;
  uint32_t nimports;

  uint32_t nfuncs, nfunc_imports;
  uint32_t *func_type;          /* per function index */
  wasm_funcdef *funcs;          /* defined functions: index - nfunc_imports */

  uint32_t ntables, ntable_imports;
  wasm_tabletype *tables;       /* per table index */
  uint32_t nmems, nmem_imports;
  wasm_memtype *mems;
  uint32_t nglobals, nglobal_imports;
  wasm_globaltype *globals;     /* per global index */
  wasm_const_expr *global_init; /* per global index (imports: unused) */

  wasm_export *exports;
  uint32_t nexports;
  int64_t start;                /* function index or -1 */

  wasm_elem_seg *elems;
  uint32_t nelems;
  wasm_data_seg *datas;
  uint32_t ndatas;
  bool has_datacount;

  uint8_t *pause_types;         /* type bytes of all pause points */
  size_t npause_types;
  bool *func_declared;          /* may be referenced by ref.func */
};

/* A function as the interpreter calls it. */
typedef struct wasm_func {
  wasm_instance *inst;          /* whose memory/globals it runs with */
  const wasm_functype *type;
  uint32_t index;               /* in INST's function space */
  const wasm_funcdef *def;      /* NULL for a host function */
  wasm_host_fn host;
  void *host_ctx;
} wasm_func;

typedef struct {
  uint8_t *data;
  uint64_t pages, max_pages;    /* max_pages: min(declared max, limit) */
  bool has_max;                 /* declared maximum (for import matching) */
  uint32_t declared_max;
} wasm_memory;

typedef struct {
  uint8_t elemtype;
  uint32_t size, max;           /* max: declared max or UINT32_MAX */
  uint64_t *elems;              /* run-time references, 0 = null */
} wasm_table;

typedef struct {
  uint8_t type;
  bool mutable_;
  uint64_t v[2];                /* v128 uses both */
} wasm_global;

/* A caller's frame while its callee runs. */
typedef struct {
  const wasm_func *func;
  const uint32_t *pc;           /* return address, right after the call op */
  uint64_t *fp;                 /* its slot 0 (first local) */
} wasm_frame;

typedef struct {
  uint64_t *stack;
  uint32_t stack_slots;
  wasm_frame *frames;           /* callers, bottom first */
  uint32_t nframes, max_frames;
  wasm_frame cur;               /* paused: the top frame, pc on the pause op */
  bool paused;                  /* a call is in progress and stopped */
  const wasm_func *entry;       /* function the host called */
  uint32_t nresults;            /* result slots of the last finished call */
} wasm_exec;

struct wasm_instance {
  const wasm_module *module;
  wasm_func **funcs;            /* function space, imports first */
  uint32_t nfuncs;
  wasm_func *own_funcs;         /* storage */
  wasm_memory **mems;           /* 0 or 1 */
  wasm_table **tables;
  wasm_global **globals;
  wasm_memory *own_mem;         /* storage owned by this instance */
  wasm_table *own_tables;
  wasm_global *own_globals;
  wasm_func *own_hosts;         /* imported host functions */
  bool *data_dropped;           /* per data segment */
  bool *elem_dropped;           /* per element segment */
  void *host_ctx;
  wasm_limits limits;

  uint64_t fuel_used;           /* instructions executed so far */
  uint64_t fuel_limit;          /* 0 = none; else total allowed */

  atomic_int pause_requested;
  void (*pause_hook)(void *);
  void *pause_hook_ctx;

  wasm_exec exec;
  char trap[256];
  int exit_status;
};

/* ---- Module internals ---------------------------------------------- */

/* Pause points of function FUNC (a defined one), or NULL. */
const wasm_pause_point *wasm_pause_points(const wasm_module *m, uint32_t func,
                                          uint32_t *n);
/* The pause point of FUNC at WASM_PC, or NULL. */
const wasm_pause_point *wasm_pause_find(const wasm_module *m, uint32_t func,
                                        uint32_t wasm_pc);

/* ---- Execution state for snapshots --------------------------------- */

typedef struct {
  uint32_t func;        /* function index (a defined function) */
  uint32_t wasm_pc;     /* portable pc of the pause point */
  uint32_t nslots;      /* locals + operand slots of this frame */
} wasm_frame_info;

/* Frames of a paused instance (0 when not paused). */
uint32_t wasm_exec_frame_count(const wasm_instance *inst);
/* Frame I (0 = bottom): its info; SLOTS (nslots, may be NULL) receives
 * its slots in portable form, TYPES (nslots, may be NULL) their value
 * types. FALSE if I is out of range or a frame belongs to another
 * instance. */
bool wasm_exec_frame(const wasm_instance *inst, uint32_t i,
                     wasm_frame_info *info, uint64_t *slots, uint8_t *types);
/* The slot count and value types a frame of FUNC paused at WASM_PC must
 * have (TOP: it is the last frame). FALSE if there is no such pause
 * point. TYPES (may be NULL) receives *NSLOTS bytes. */
bool wasm_exec_frame_layout(const wasm_module *m, uint32_t func,
                            uint32_t wasm_pc, bool top, uint32_t *nslots,
                            uint8_t *types);
/* Replaces INST's execution state with N frames (bottom first) whose
 * slots are SLOTS[i] in portable form, after checking everything: defined
 * functions, pause points, each caller paused at a call whose callee type
 * is the next frame's, slot counts, reference values, i32/f32 upper
 * halves, stack and frame limits. 0, or -1 with ERR and nothing changed.
 * The instance is then paused: wasm_resume() continues it. */
int wasm_exec_restore(wasm_instance *inst, const wasm_frame_info *frames,
                      const uint64_t *const *slots, uint32_t n,
                      char *err, size_t errlen);
/* Drops any paused call. */
void wasm_exec_reset(wasm_instance *inst);

/* References between run-time and portable form (see top of file). */
uint64_t wasm_ref_to_portable(const wasm_instance *inst, uint8_t type,
                              uint64_t ref);
bool wasm_ref_from_portable(const wasm_instance *inst, uint8_t type,
                            uint64_t v, uint64_t *ref);

/* Resizes memory 0 to PAGES (restore); FALSE beyond its limits. New bytes
 * are zero. */
bool wasm_memory_set_pages(wasm_instance *inst, uint64_t pages);

/* ---- Used inside the engine ---------------------------------------- */

/* Runs the exec state of INST until it finishes, traps, exits or pauses. */
wasm_result wasm_interp_run(wasm_instance *inst);
/* The op cell value that dispatches op number OP (see compile.c). */
uint32_t wasm_interp_thread_op(uint32_t op);
/* Compiles (and validates) the body of defined function IDX. 0, or -1
 * with ERR ("offset 0x..: reason"). */
int wasm_compile_func(wasm_module *m, uint32_t idx, char *err, size_t errlen);
bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b);
void wasm_trapf(wasm_instance *inst, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
