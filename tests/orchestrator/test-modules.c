/* Unit tests of issue 4's orchestrator parts that need no broker: the
 * placement policy (filters, score, explanations, --on), the schema
 * migration to version 3 with old data in the file, and the module store
 * (programs, modules, checkpoints, output with duplicates and gaps,
 * migrations). Also a quick measure of placements per second. */
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "modstore.h"
#include "orchfx.h"
#include "placement.h"
#include "store.h"

static const char *const WASI[] = { "wasm", "wasi", NULL };
static const char *const WASM_ONLY[] = { "wasm", NULL };

static OrchPlaceRuntime
rt(const char *name, double cpu, int nmodules)
{
  return (OrchPlaceRuntime){
    .uuid = name, .name = name, .alive = TRUE, .apis = WASI,
    .max_nmodules = 8, .nmodules = nmodules, .cpu = cpu,
    .mem_avail = 4LL << 30, .mem_total = 8LL << 30,
  };
}

static void
test_place_least_loaded(void)
{
  OrchPlaceRuntime rts[] = { rt("a", 0.9, 0), rt("b", 0.1, 0),
                             rt("c", 0.5, 0) };
  OrchPlaceRequest req = { .apis = WASI };
  g_assert_cmpint(orch_place(rts, 3, &req, NULL), ==, 1);
  /* Modules already placed count: a burst spreads out. */
  rts[1].nmodules = 6;
  g_assert_cmpint(orch_place(rts, 3, &req, NULL), ==, 2);
  /* Memory in use counts, half as much as CPU. */
  OrchPlaceRuntime m[] = { rt("x", 0.2, 0), rt("y", 0.2, 0) };
  m[0].mem_avail = 1LL << 30;
  g_assert_cmpint(orch_place(m, 2, &req, NULL), ==, 1);
  g_assert_cmpfloat(orch_place_score(&m[0]), >, orch_place_score(&m[1]));
  /* Equal scores: the first name, whatever the order. */
  OrchPlaceRuntime t[] = { rt("zeta", 0.3, 1), rt("eta", 0.3, 1) };
  g_assert_cmpint(orch_place(t, 2, &req, NULL), ==, 1);
  /* Unknown load counts as idle. */
  OrchPlaceRuntime u[] = { rt("busy", 0.4, 0), rt("new", NAN, 0) };
  u[1].mem_avail = -1;
  g_assert_cmpint(orch_place(u, 2, &req, NULL), ==, 1);
}

static void
test_place_filters(void)
{
  OrchPlaceRuntime rts[] = { rt("dead", 0, 0), rt("drain", 0, 0),
                             rt("old", 0, 0), rt("full", 0, 8),
                             rt("small", 0, 0), rt("ok", 0.8, 0) };
  rts[0].alive = FALSE;
  rts[1].draining = TRUE;
  rts[2].apis = WASM_ONLY;
  rts[4].mem_avail = 32LL << 20;
  OrchPlaceRequest req = { .apis = WASI, .max_memory = 64LL << 20 };
  g_autofree char *why = NULL;
  g_assert_cmpint(orch_place(rts, 6, &req, &why), ==, 5);
  g_assert_null(why);

  req.exclude = "ok";
  g_assert_cmpint(orch_place(rts, 6, &req, &why), ==, -1);
  g_assert_nonnull(why);
  /* Every runtime is named with its reason. */
  const char *want[] = { "no runtime fits", "dead: dead",
                         "drain: draining", "old: lacks the \"wasi\" API",
                         "full: full: 8 of max_nmodules 8",
                         "small: memory: 32 MiB available, the module may use 64 MiB",
                         "ok: the module is already there" };
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    if (!strstr(why, want[i]))
      g_error("\"%s\" not in \"%s\"", want[i], why);

  /* The promised memory of modules placed since the telemetry counts. */
  OrchPlaceRuntime p = rt("p", 0, 0);
  p.mem_avail = 100LL << 20;
  p.mem_promised = 50LL << 20;
  g_autofree char *no = orch_place_reject(&p, &req);
  g_assert_nonnull(no);
  g_assert_nonnull(strstr(no, "50 MiB available"));
  /* No telemetry yet: the registered total is the headroom. */
  p.mem_avail = -1;
  p.mem_total = 1LL << 30;
  g_assert_null(orch_place_reject(&p, &req));
  /* max_nmodules 0 states no limit. */
  OrchPlaceRuntime nolimit = rt("n", 0, 100);
  nolimit.max_nmodules = 0;
  g_assert_null(orch_place_reject(&nolimit, &req));
}

static void
test_place_on_and_cap(void)
{
  OrchPlaceRuntime rts[] = { rt("a", 0.1, 0), rt("b", 0.5, 0) };
  OrchPlaceRequest req = { .apis = WASI, .on = "b" };
  g_autofree char *why = NULL;
  g_assert_cmpint(orch_place(rts, 2, &req, &why), ==, 1);
  /* --on is still validated, and only its runtime is explained. */
  rts[1].alive = FALSE;
  g_assert_cmpint(orch_place(rts, 2, &req, &why), ==, -1);
  g_assert_cmpstr(why, ==, "no runtime fits: b: dead");
  g_clear_pointer(&why, g_free);
  req.on = "nowhere";
  g_assert_cmpint(orch_place(rts, 2, &req, &why), ==, -1);
  g_assert_cmpstr(why, ==, "no runtime fits: the realm has no runtimes");
  g_clear_pointer(&why, g_free);

  /* Overload hysteresis: the target must stay below the cap after the
   * module's share is added. */
  OrchPlaceRuntime h[] = { rt("hot", 0.5, 0), rt("cool", 0.3, 0) };
  OrchPlaceRequest shed = { .apis = WASI, .cpu_cap = 0.6,
                            .module_cpu = 0.35 };
  g_assert_cmpint(orch_place(h, 2, &shed, &why), ==, -1);
  g_assert_nonnull(strstr(why, "cool: CPU: 30% busy, 65% with the module "
                               "(limit 60%)"));
  g_assert_nonnull(strstr(why, "hot: CPU: 50% busy"));
  g_clear_pointer(&why, g_free);
  shed.module_cpu = 0.2;
  g_assert_cmpint(orch_place(h, 2, &shed, NULL), ==, 1);
  /* An empty realm. */
  g_assert_cmpint(orch_place(NULL, 0, &shed, &why), ==, -1);
  g_assert_nonnull(strstr(why, "no runtimes"));
}

static const ArtsPlatform PC = { .arch = (char *)"x86_64",
                                 .byte_order = ARTS_BYTE_ORDER_LITTLE,
                                 .word_size = 64 };
static const ArtsPlatform PI = { .arch = (char *)"armv7l",
                                 .byte_order = ARTS_BYTE_ORDER_LITTLE,
                                 .word_size = 32 };
static const ArtsPlatform MAC = { .arch = (char *)"arm64",
                                  .byte_order = ARTS_BYTE_ORDER_LITTLE,
                                  .word_size = 64 };
static const ArtsPlatform ZED = { .arch = (char *)"s390x",
                                  .byte_order = ARTS_BYTE_ORDER_BIG,
                                  .word_size = 64 };
/* An ARTS peer: uname -m only. */
static const ArtsPlatform OLD = { .arch = (char *)"mips" };

static OrchPlaceRuntime
rt_on(const char *name, double cpu, const ArtsPlatform *p)
{
  OrchPlaceRuntime r = rt(name, cpu, 0);
  r.platform = p;
  return r;
}

/* Constraints choose among device classes before load does, and say why
 * nothing fits in the constraints' own terms. */
static void
test_place_constraints(void)
{
  OrchPlaceRuntime rts[] = { rt_on("pc", 0.0, &PC), rt_on("pi", 0.7, &PI),
                             rt_on("mac", 0.5, &MAC), rt_on("old", 0.3, &OLD),
                             rt_on("zed", 0.9, &ZED) };
  ArtsConstraints c = { 0 };
  OrchPlaceRequest req = { .apis = WASI, .constraints = &c };
  g_autofree char *why = NULL;
  /* No constraint: the idle one, whatever it is. */
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, 0);

  /* Any ARM: the less loaded of the two, not the idle x86_64. */
  char *arm[] = { (char *)"aarch64", (char *)"arm", NULL };
  c.arch = arm;
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, 2);
  c.word_size = 32;
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, 1);
  c.word_size = 0;
  /* Big-endian: the busy s390x, and only it. */
  c.arch = NULL;
  c.byte_order = ARTS_BYTE_ORDER_BIG;
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, 4);
  /* The ARTS peer does not say its byte order: never big by guess. */
  rts[4].alive = FALSE;
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, -1);
  g_assert_cmpstr(why, ==, "no runtime satisfies byte_order=big: 4 alive "
                  "runtimes are little-endian, of unknown byte order");
  g_clear_pointer(&why, g_free);

  /* Nothing of that class alive: one sentence, each class once. */
  char *zed[] = { (char *)"s390x", NULL };
  c.arch = zed;
  c.byte_order = 0;
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, -1);
  g_assert_cmpstr(why, ==, "no runtime satisfies arch=s390x: 4 alive "
                  "runtimes are x86_64, arm, aarch64, mips");
  g_clear_pointer(&why, g_free);

  /* Runtimes that satisfy the constraints but are full: the usual
   * per-runtime reasons, the others' included. */
  rts[4].alive = TRUE;
  rts[4].nmodules = 8;
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, -1);
  g_assert_nonnull(strstr(why, "zed: full: 8 of max_nmodules 8"));
  g_assert_nonnull(strstr(why, "pc: arch x86_64, not s390x"));
  g_clear_pointer(&why, g_free);

  /* --on (and a migration's target) a runtime of another class: its
   * reason. */
  rts[4].nmodules = 0;
  req.on = "pc";
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, -1);
  g_assert_cmpstr(why, ==, "no runtime fits: pc: arch x86_64, not s390x");
  g_clear_pointer(&why, g_free);
  req.on = "zed";
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, 4);

  /* Moving away (overload, drain, recovery): the source is not counted
   * as somewhere it could go. */
  req.on = NULL;
  req.exclude = "zed";
  g_assert_cmpint(orch_place(rts, 5, &req, &why), ==, -1);
  g_assert_cmpstr(why, ==, "no runtime satisfies arch=s390x: 4 alive "
                  "runtimes are x86_64, arm, aarch64, mips");
  g_clear_pointer(&why, g_free);
  /* A runtime that never said its platform. */
  OrchPlaceRuntime bare = rt("bare", 0, 0);
  g_autofree char *no = orch_place_reject(&bare, &req);
  g_assert_cmpstr(no, ==, "arch unknown, not s390x");
}

/* Not a timing assertion: a figure for the report (bench/ has the real
 * benchmark). */
static void
test_place_rate(void)
{
  enum { N = 100 };
  OrchPlaceRuntime rts[N];
  char names[N][16];
  for (int i = 0; i < N; i++) {
    g_snprintf(names[i], sizeof names[i], "rt%03d", i);
    rts[i] = rt(names[i], (i * 37 % 100) / 100.0, i % 8);
  }
  OrchPlaceRequest req = { .apis = WASI, .max_memory = 64LL << 20 };
  gint64 t0 = g_get_monotonic_time();
  int rounds = 20000, sum = 0;
  for (int r = 0; r < rounds; r++)
    sum += orch_place(rts, N, &req, NULL);
  double s = (g_get_monotonic_time() - t0) / 1e6;
  g_assert_cmpint(sum, >=, 0);
  g_test_message("placement over %d runtimes: %.0f placements/s", N,
                 rounds / MAX(s, 1e-9));
}

/* ---- store ---- */

typedef OrchFxDb Fixture;

static void
raw_sql(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
}

#define UUID_A "11111111-1111-4111-8111-111111111111"
#define UUID_M "22222222-2222-4222-8222-222222222222"

static OrchModStore *
open_both(const char *path, OrchStore **store)
{
  GError *error = NULL;
  *store = orch_store_open(path, &error);
  g_assert_no_error(error);
  OrchModStore *ms = orch_modstore_new(*store, &error);
  g_assert_no_error(error);
  return ms;
}

/* A version-2 file (runtimes, events, history) gains the module tables
 * and keeps everything it had. */
static void
test_migrate_from_v2(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *old = orch_store_open_at_version(fx->path, 2, &error);
  g_assert_no_error(error);
  orch_store_free(old);
  raw_sql(fx->path,
          "INSERT INTO runtimes VALUES ('" UUID_A "', 'old', 'arts-agent',"
          " '[\"wasm\"]', 4, 65536, NULL, '{}', NULL, 'A', 1, 2, 1000, 5,"
          " NULL);"
          "INSERT INTO events (ts, event, uuid) VALUES (2, 'runtime_joined',"
          " '" UUID_A "');"
          "INSERT INTO series (runtime_uuid, metric) VALUES ('" UUID_A "',"
          " 'system.cpu.utilization');"
          "INSERT INTO samples VALUES (1, 5, 0.25);");
  OrchStore *s = NULL;
  OrchModStore *ms = open_both(fx->path, &s);
  g_assert_cmpint(orch_store_schema_version(s), ==, 3);
  g_autoptr(GPtrArray) rows = orch_store_load_runtimes(s, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(rows->len, ==, 1);
  g_assert_cmpint(((OrchRuntimeRow *)rows->pdata[0])->interval_ms, ==, 1000);
  g_autoptr(GPtrArray) ev = orch_store_events(s, 0, 10, &error);
  g_assert_cmpuint(ev->len, ==, 1);
  gboolean found = FALSE;
  g_autoptr(GArray) pts = orch_store_history(s, UUID_A,
                                             "system.cpu.utilization", 0,
                                             10, FALSE, 10, &found, &error);
  g_assert_true(found);
  g_assert_cmpuint(pts->len, ==, 1);
  /* The new tables work. */
  g_autoptr(GPtrArray) mods = orch_modstore_load_modules(ms, NULL, NULL,
                                                         &error);
  g_assert_no_error(error);
  g_assert_cmpuint(mods->len, ==, 0);
  g_assert_cmpint(orch_modstore_count_migrations(ms), ==, 0);
  orch_modstore_free(ms);
  orch_store_free(s);
}

static void
test_programs_modules(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = NULL;
  OrchModStore *ms = open_both(fx->path, &s);
  static const guint8 wasm[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
  g_autofree char *sha = arts_sha256_hex(wasm, sizeof wasm);
  g_autoptr(GBytes) b = g_bytes_new_static(wasm, sizeof wasm);
  g_assert_false(orch_modstore_has_program(ms, sha));
  g_assert_null(orch_modstore_load_program(ms, sha, &error));
  g_assert_no_error(error);
  g_assert_true(orch_modstore_save_program(ms, sha, b, &error));
  g_assert_true(orch_modstore_save_program(ms, sha, b, &error));
  g_assert_true(orch_modstore_has_program(ms, sha));
  g_autoptr(GBytes) back = orch_modstore_load_program(ms, sha, &error);
  g_assert_true(g_bytes_equal(back, b));

  g_autoptr(ArtsModule) m = arts_module_new();
  m->uuid = g_strdup(UUID_M);
  m->name = g_strdup("counter");
  m->parent = g_strdup(UUID_A);
  m->sha256 = g_strdup(sha);
  g_free(m->fault_crash);
  m->fault_crash = g_strdup("restart");
  m->max_memory = 1 << 20;
  m->state = ARTS_MODULE_RUNNING;
  m->status = ARTS_STATUS_ALIVE;
  m->started_at_ms = 1234;
  m->migrations = 3;
  m->constraints.arch = g_strsplit("aarch64 arm", " ", -1);
  m->constraints.byte_order = ARTS_BYTE_ORDER_LITTLE;
  g_assert_true(orch_modstore_save_module(ms, m, 99, 7, &error));
  orch_modstore_free(ms);
  orch_store_free(s);

  /* Reopened: the module comes back as it was. */
  ms = open_both(fx->path, &s);
  g_autoptr(GArray) ends = NULL, gaps = NULL;
  g_autoptr(GPtrArray) mods = orch_modstore_load_modules(ms, &ends, &gaps,
                                                         &error);
  g_assert_no_error(error);
  g_assert_cmpuint(mods->len, ==, 1);
  ArtsModule *got = mods->pdata[0];
  g_assert_cmpstr(got->name, ==, "counter");
  g_assert_cmpstr(got->parent, ==, UUID_A);
  g_assert_cmpstr(got->fault_crash, ==, "restart");
  g_assert_cmpint(got->max_memory, ==, 1 << 20);
  g_assert_cmpint(got->state, ==, ARTS_MODULE_RUNNING);
  g_assert_cmpint(got->migrations, ==, 3);
  g_assert_cmpint(got->started_at_ms, ==, 1234);
  /* Its constraints too: a restarted orchestrator places it as before. */
  g_autofree char *cons = arts_constraints_describe(&got->constraints);
  g_assert_cmpstr(cons, ==, "arch=aarch64,arm byte_order=little");
  g_assert_cmpint(g_array_index(ends, gint64, 0), ==, 99);
  g_assert_cmpint(g_array_index(gaps, gint64, 0), ==, 7);

  /* The latest checkpoint replaces the one before. */
  g_autoptr(GBytes) c1 = g_bytes_new_static("one", 3);
  g_autoptr(GBytes) c2 = g_bytes_new_static("second", 6);
  gint64 off = 0, at = 0;
  g_assert_null(orch_modstore_load_checkpoint(ms, UUID_M, &off, &at,
                                              &error));
  g_assert_true(orch_modstore_save_checkpoint(ms, UUID_M, c1, 10,
                                              "checkpoint", 100, &error));
  g_assert_true(orch_modstore_save_checkpoint(ms, UUID_M, c2, 20,
                                              "migration", 200, &error));
  g_autoptr(GBytes) c = orch_modstore_load_checkpoint(ms, UUID_M, &off, &at,
                                                      &error);
  g_assert_true(g_bytes_equal(c, c2));
  g_assert_cmpint(off, ==, 20);
  g_assert_cmpint(at, ==, 200);

  OrchMigrationRecord r = { .id = "mig-1", .module = UUID_M,
                            .source = UUID_A, .target = UUID_A,
                            .reason = "operator", .result = "ok",
                            .started_at_ms = 1, .ended_at_ms = 2,
                            .downtime_ms = 3, .total_ms = 4 };
  g_assert_true(orch_modstore_log_migration(ms, &r, &error));
  g_assert_cmpint(orch_modstore_count_migrations(ms), ==, 1);

  /* Forgetting takes the module, its checkpoint and output. */
  gint64 next = 0, gapped = 0;
  orch_modstore_take_output(ms, UUID_M, &next, &gapped, 0, "x", 1, &error);
  g_assert_true(orch_modstore_forget_module(ms, UUID_M, &error));
  g_autoptr(GPtrArray) none = orch_modstore_load_modules(ms, NULL, NULL,
                                                         &error);
  g_assert_cmpuint(none->len, ==, 0);
  g_assert_null(orch_modstore_load_checkpoint(ms, UUID_M, NULL, NULL,
                                              &error));
  gint64 start = -1;
  gboolean more = TRUE;
  g_autoptr(GBytes) empty = orch_modstore_read_output(ms, UUID_M, 0, 100,
                                                      &start, &more, &error);
  g_assert_cmpuint(g_bytes_get_size(empty), ==, 0);
  g_assert_false(more);
  orch_modstore_free(ms);
  orch_store_free(s);
}

static char *
read_all(OrchModStore *ms, gint64 since, gsize max, gint64 *start,
         gboolean *more)
{
  GError *error = NULL;
  g_autoptr(GBytes) b = orch_modstore_read_output(ms, UUID_M, since, max,
                                                  start, more, &error);
  g_assert_no_error(error);
  gsize n;
  const char *p = g_bytes_get_data(b, &n);
  return g_strndup(p ? p : "", n);
}

static void
test_output(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = NULL;
  OrchModStore *ms = open_both(fx->path, &s);
  gint64 next = 0, gaps = 0, start = 0;
  gboolean more = FALSE;
#define TAKE(off, str) \
  orch_modstore_take_output(ms, UUID_M, &next, &gaps, off, str, \
                            strlen(str), &error)
  g_assert_cmpuint(TAKE(0, "hello "), ==, 6);
  g_assert_cmpuint(TAKE(6, "world\n"), ==, 6);
  /* Sent again (a QoS 1 duplicate, a resumed source): dropped. */
  g_assert_cmpuint(TAKE(0, "hello "), ==, 0);
  g_assert_cmpuint(TAKE(6, "world\n"), ==, 0);
  /* Overlapping: only the new tail is kept. */
  g_assert_cmpuint(TAKE(9, "ld\nmore\n"), ==, 5);
  g_assert_no_error(error);
  g_assert_cmpint(next, ==, 17);
  g_assert_cmpint(gaps, ==, 0);
  g_autofree char *all = read_all(ms, 0, 1000, &start, &more);
  g_assert_cmpstr(all, ==, "hello world\nmore\n");
  g_assert_cmpint(start, ==, 0);
  g_assert_false(more);
  g_autofree char *tail = read_all(ms, 8, 1000, &start, &more);
  g_assert_cmpstr(tail, ==, "rld\nmore\n");
  g_assert_cmpint(start, ==, 8);
  /* A gap: 3 bytes never came. Reading stops before it, says more. */
  g_assert_cmpuint(TAKE(20, "after\n"), ==, 6);
  g_assert_cmpint(gaps, ==, 3);
  g_assert_cmpint(next, ==, 26);
  g_autofree char *before = read_all(ms, 0, 1000, &start, &more);
  g_assert_cmpstr(before, ==, "hello world\nmore\n");
  g_assert_true(more);
  g_autofree char *after = read_all(ms, 17, 1000, &start, &more);
  g_assert_cmpstr(after, ==, "after\n");
  g_assert_cmpint(start, ==, 20);   /* start above since_offset: a gap */
  g_assert_false(more);
  /* A chunk cut by the size limit. */
  g_autofree char *cut = read_all(ms, 0, 5, &start, &more);
  g_assert_cmpstr(cut, ==, "hello");
  g_assert_true(more);
  /* Nothing newer. */
  g_autofree char *none = read_all(ms, 26, 1000, &start, &more);
  g_assert_cmpstr(none, ==, "");
  g_assert_cmpint(start, ==, 26);

  /* Only the newest ORCH_OUTPUT_KEEP bytes stay. */
  char block[4096];
  memset(block, 'x', sizeof block);
  for (int i = 0; i < 100; i++)
    orch_modstore_take_output(ms, UUID_M, &next, &gaps, next, block,
                              sizeof block, &error);
  g_assert_no_error(error);
  gint64 total = 0;
  gint64 from = 0, first = -1;
  for (;;) {
    g_autoptr(GBytes) b = orch_modstore_read_output(ms, UUID_M, from,
                                                    ARTS_MAX_LOG_CHUNK,
                                                    &start, &more, &error);
    if (first < 0)
      first = start;
    total += g_bytes_get_size(b);
    from = start + g_bytes_get_size(b);
    if (!more)
      break;
  }
  g_assert_cmpint(from, ==, next);
  g_assert_cmpint(total, >=, ORCH_OUTPUT_KEEP);
  g_assert_cmpint(total, <, ORCH_OUTPUT_KEEP + (gint64)sizeof block);
  g_assert_cmpint(first, >, 0);
#undef TAKE
  orch_modstore_free(ms);
  orch_store_free(s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/placement/least-loaded", test_place_least_loaded);
  g_test_add_func("/placement/filters", test_place_filters);
  g_test_add_func("/placement/on-and-cap", test_place_on_and_cap);
  g_test_add_func("/placement/constraints", test_place_constraints);
  g_test_add_func("/placement/rate", test_place_rate);
#define ADD(name, fn) \
  g_test_add(name, Fixture, "orch-mods-XXXXXX", orchfx_db_setup, fn, \
             orchfx_db_teardown)
  ADD("/modstore/migrate-from-v2", test_migrate_from_v2);
  ADD("/modstore/programs-modules", test_programs_modules);
  ADD("/modstore/output", test_output);
  return g_test_run();
}
