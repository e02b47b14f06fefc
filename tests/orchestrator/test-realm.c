/* The realm's rules without a broker: status changes and their events,
 * the liveness deadline on a controlled clock, conflicts, reload from a
 * real SQLite file, and a store that fails underneath. */
#include "orchfx.h"
#include "realm.h"

#include <sqlite3.h>
#include <string.h>

#define UUID_A "0b9f6c1e-1111-4a55-8d0e-3c1a2b3c4d5e"
#define UUID_B "0b9f6c1e-2222-4a55-8d0e-3c1a2b3c4d5e"
#define SEC ((gint64)G_USEC_PER_SEC)

typedef struct {
  OrchFxDb db;
  OrchStore *store;
  OrchRealm *realm;
  GPtrArray *states;   /* "uuid status" */
  GPtrArray *events;   /* "event uuid reason" */
  guint store_failures;
} Fx;

static void
on_state(const ArtsRuntime *rt, gpointer user_data)
{
  Fx *fx = user_data;
  g_ptr_array_add(fx->states, g_strdup_printf(
    "%s %s", rt->uuid, arts_status_to_string(rt->status)));
}

static void
on_event(const ArtsEvent *e, gpointer user_data)
{
  Fx *fx = user_data;
  g_ptr_array_add(fx->events, g_strdup_printf("%s %s %s", e->event, e->uuid,
                                              e->reason));
}

static void
on_store_failed(const GError *error, gpointer user_data)
{
  ((Fx *)user_data)->store_failures++;
}

static const OrchRealmHooks hooks = { on_state, on_event, on_store_failed };

static void
fx_open(Fx *fx)
{
  GError *error = NULL;
  fx->store = orch_store_open(fx->db.path, &error);
  g_assert_no_error(error);
  fx->realm = orch_realm_new(fx->store, 3, &hooks, fx);
}

static void
fx_close(Fx *fx)
{
  g_clear_pointer(&fx->realm, orch_realm_free);
  g_clear_pointer(&fx->store, orch_store_free);
}

static void
fx_setup(Fx *fx, gconstpointer data)
{
  orchfx_db_init(&fx->db, "orch-realm-XXXXXX");
  fx->states = g_ptr_array_new_with_free_func(g_free);
  fx->events = g_ptr_array_new_with_free_func(g_free);
  fx_open(fx);
}

static void
fx_teardown(Fx *fx, gconstpointer data)
{
  fx_close(fx);
  orchfx_db_clear(&fx->db);
  g_ptr_array_unref(fx->states);
  g_ptr_array_unref(fx->events);
}

static ArtsRuntime *
runtime(const char *uuid, const char *name, const char *host)
{
  ArtsRuntime *rt = arts_runtime_new();
  rt->uuid = g_strdup(uuid);
  rt->name = g_strdup(name);
  rt->runtime_type = g_strdup("arts-agent");
  g_strfreev(rt->apis);
  rt->apis = g_strsplit("wasm wasi", " ", -1);
  rt->max_nmodules = 4;
  rt->platform.hostname = g_strdup(host);
  rt->platform.cpu_cores = 2;
  return rt;
}

static const ArtsRuntime *
reg(Fx *fx, const char *uuid, const char *name, const char *host, gint64 now)
{
  GError *error = NULL;
  g_autoptr(ArtsRuntime) rt = runtime(uuid, name, host);
  const ArtsRuntime *stored = orch_realm_register(fx->realm, rt, now, &error);
  g_assert_no_error(error);
  g_assert_nonnull(stored);
  return stored;
}

static gboolean
sample(Fx *fx, const char *topic_uuid, const char *uuid, gint64 ts,
       int interval, gboolean replayed, gint64 now, GError **error)
{
  g_autoptr(ArtsTelemetry) t = arts_telemetry_new(uuid, ts, interval);
  t->replayed = replayed;
  arts_telemetry_add(t, ARTS_METRIC_CPU_UTIL, 0.5);
  g_autoptr(JsonObject) data = arts_telemetry_to_json(t);
  return orch_realm_telemetry(fx->realm, topic_uuid, t, data, now, error);
}

/* A live sample taken now: each one newer than the one before. */
static void
live(Fx *fx, const char *uuid, int interval, gint64 now)
{
  static gint64 last;
  GError *error = NULL;
  last = MAX(arts_now_ms(), last + 1);
  g_assert_true(sample(fx, uuid, uuid, last, interval, FALSE, now,
                       &error));
  g_assert_no_error(error);
}

#define LAST(a) ((const char *)(a)->pdata[(a)->len - 1])

static void
assert_last(GPtrArray *a, const char *prefix)
{
  g_assert_cmpuint(a->len, >, 0);
  if (!g_str_has_prefix(LAST(a), prefix))
    g_error("last is \"%s\", expected \"%s...\"", LAST(a), prefix);
}

static void
test_lifecycle(Fx *fx, gconstpointer data)
{
  GError *error = NULL;
  const gint64 T = 1000 * SEC;
  const ArtsRuntime *rt = reg(fx, UUID_A, "alpha", "h1", T);
  g_assert_cmpint(rt->status, ==, ARTS_STATUS_ALIVE);
  g_assert_cmpint(rt->last_seen_ms, >, 0);
  assert_last(fx->events, "runtime_joined " UUID_A);
  assert_last(fx->states, UUID_A " A");

  /* Registering again: answered, no event; no telemetry yet, no death. */
  reg(fx, UUID_A, "alpha", "h1", T);
  g_assert_cmpuint(fx->events->len, ==, 1);
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 3600 * SEC), ==, 0);

  /* 1 s telemetry: dead 3 s after the last sample, not before. */
  live(fx, UUID_A, 1000, T);
  live(fx, UUID_A, 1000, T + SEC);
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 4 * SEC - 1), ==, 0);
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 4 * SEC), ==, 1);
  assert_last(fx->events, "runtime_died " UUID_A " no telemetry for 3");
  assert_last(fx->states, UUID_A " D");
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 10 * SEC), ==, 0);

  /* Replayed samples are history, not life. */
  g_assert_true(sample(fx, UUID_A, UUID_A, arts_now_ms() + 5, 1000, TRUE,
                       T + 5 * SEC, &error));
  g_assert_cmpint(orch_realm_find(fx->realm, UUID_A)->status, ==,
                  ARTS_STATUS_DEAD);
  /* A live, fresh sample: back. */
  live(fx, UUID_A, 1000, T + 6 * SEC);
  assert_last(fx->events, "runtime_returned " UUID_A " telemetry resumed");
  assert_last(fx->states, UUID_A " A");
  /* A goodbye, twice: one event. */
  rt = orch_realm_deregister(fx->realm, UUID_A, "alpha", &error);
  g_assert_no_error(error);
  g_assert_cmpint(rt->status, ==, ARTS_STATUS_DEAD);
  assert_last(fx->events, "runtime_left " UUID_A);
  guint n = fx->events->len;
  g_assert_nonnull(orch_realm_deregister(fx->realm, UUID_A, NULL, &error));
  g_assert_cmpuint(fx->events->len, ==, n);
  /* Registering again: returned, and its old interval applies at once. */
  reg(fx, UUID_A, "alpha", "h1", T + 20 * SEC);
  assert_last(fx->events, "runtime_returned " UUID_A " registered again");
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 23 * SEC), ==, 1);

  /* Everything above is in the events table, in order. */
  g_autoptr(GPtrArray) ev = orch_store_events(fx->store, 0, 100, &error);
  g_assert_cmpuint(ev->len, ==, fx->events->len);
  g_assert_cmpstr(((OrchEvent *)ev->pdata[0])->event, ==, "runtime_joined");
}

/* The orchestrator's own deafness (broker away) gives everyone a fresh
 * deadline; runtimes that never sent telemetry still have none. */
static void
test_grace(Fx *fx, gconstpointer data)
{
  const gint64 T = 1000 * SEC;
  reg(fx, UUID_A, "alpha", "h1", T);
  live(fx, UUID_A, 1000, T);
  reg(fx, UUID_B, "beta", "h2", T);
  orch_realm_grace(fx->realm, T + 2 * SEC);
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 5 * SEC - 1), ==, 0);
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 5 * SEC), ==, 1);
  g_assert_cmpint(orch_realm_find(fx->realm, UUID_B)->status, ==,
                  ARTS_STATUS_ALIVE);
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 3600 * SEC), ==, 0);
}

/* An old live sample of a dead runtime (a retained one from before a long
 * outage) is stored but does not revive it. */
static void
test_stale_sample(Fx *fx, gconstpointer data)
{
  GError *error = NULL;
  const gint64 T = 1000 * SEC;
  gint64 old = arts_now_ms() - 120000;
  reg(fx, UUID_A, "alpha", "h1", T);
  /* Old but the newest it sent: alive runtimes take it as life. */
  g_assert_true(sample(fx, UUID_A, UUID_A, old, 1000, FALSE, T, &error));
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T + 3 * SEC), ==, 1);
  g_assert_true(sample(fx, UUID_A, UUID_A, old + 60000, 1000, FALSE,
                       T + 4 * SEC, &error));
  g_assert_cmpint(orch_realm_find(fx->realm, UUID_A)->status, ==,
                  ARTS_STATUS_DEAD);
  gboolean found = FALSE;
  g_assert_true(orch_store_flush(fx->store, &error));
  g_autoptr(GArray) pts = orch_store_history(
    fx->store, UUID_A, ARTS_METRIC_CPU_UTIL, old, arts_now_ms(), FALSE, 10,
    &found, &error);
  g_assert_true(found);
  g_assert_cmpuint(pts->len, ==, 2);
}

static void
test_conflicts(Fx *fx, gconstpointer data)
{
  GError *error = NULL;
  const gint64 T = 1000 * SEC;
  reg(fx, UUID_A, "alpha", "h1", T);
  guint states = fx->states->len, events = fx->events->len;

  g_autoptr(ArtsRuntime) b = runtime(UUID_B, "alpha", "h2");
  g_assert_null(orch_realm_register(fx->realm, b, T, &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT);
  g_assert_nonnull(strstr(error->message, UUID_A));
  g_clear_error(&error);

  g_autoptr(ArtsRuntime) a2 = runtime(UUID_A, "alpha", "elsewhere");
  g_assert_null(orch_realm_register(fx->realm, a2, T, &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT);
  g_assert_nonnull(strstr(error->message, "elsewhere"));
  g_clear_error(&error);

  g_assert_null(orch_realm_deregister(fx->realm, UUID_B, "beta", &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_null(orch_realm_deregister(fx->realm, UUID_A, "beta", &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT);
  g_clear_error(&error);

  g_assert_false(sample(fx, UUID_A, UUID_B, arts_now_ms(), 1000, FALSE, T,
                        &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_false(sample(fx, UUID_B, UUID_B, arts_now_ms(), 1000, FALSE, T,
                        &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_false(sample(fx, UUID_A, UUID_A, arts_now_ms() + 2 * 86400000LL,
                        1000, FALSE, T, &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_FIELD);
  g_clear_error(&error);
  /* Refusals change nothing. */
  g_assert_cmpuint(fx->states->len, ==, states);
  g_assert_cmpuint(fx->events->len, ==, events);
  g_assert_cmpuint(orch_store_queued(fx->store), ==, 0);
  const ArtsRuntime *a = orch_realm_find(fx->realm, "alpha");
  g_assert_cmpstr(a->uuid, ==, UUID_A);
  g_assert_cmpstr(a->platform.hostname, ==, "h1");

  /* A dead holder's name may be taken; by name, the alive one is found;
   * the uuid of a dead runtime may move to another host. */
  g_assert_nonnull(orch_realm_deregister(fx->realm, UUID_A, NULL, &error));
  reg(fx, UUID_B, "alpha", "h2", T);
  g_assert_cmpstr(orch_realm_find(fx->realm, "alpha")->uuid, ==, UUID_B);
  g_autoptr(ArtsRuntime) a3 = runtime(UUID_A, "alpha", "h3");
  g_assert_null(orch_realm_register(fx->realm, a3, T, &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT);
  g_clear_error(&error);
  /* Nor does its telemetry bring it back under a name now taken. */
  live(fx, UUID_A, 1000, T);
  g_assert_cmpint(orch_realm_find(fx->realm, UUID_A)->status, ==,
                  ARTS_STATUS_DEAD);
  reg(fx, UUID_A, "gamma", "h3", T);
  g_autoptr(GPtrArray) all = orch_realm_list(fx->realm);
  g_assert_cmpuint(all->len, ==, 2);
  g_assert_cmpstr(((ArtsRuntime *)all->pdata[0])->name, ==, "alpha");
  g_assert_cmpstr(((ArtsRuntime *)all->pdata[1])->name, ==, "gamma");
}

static void
test_reload(Fx *fx, gconstpointer data)
{
  GError *error = NULL;
  const gint64 T = 1000 * SEC;
  reg(fx, UUID_A, "alpha", "h1", T);
  live(fx, UUID_A, 500, T);
  reg(fx, UUID_B, "beta", "h2", T);
  g_assert_nonnull(orch_realm_deregister(fx->realm, UUID_B, NULL, &error));
  g_assert_true(orch_store_flush(fx->store, &error));
  fx_close(fx);

  fx_open(fx);
  const gint64 T2 = 5000 * SEC;
  g_assert_true(orch_realm_load(fx->realm, T2, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(orch_realm_count(fx->realm, ARTS_STATUS_ALIVE), ==, 1);
  g_assert_cmpuint(orch_realm_count(fx->realm, ARTS_STATUS_DEAD), ==, 1);
  const ArtsRuntime *a = orch_realm_find(fx->realm, UUID_A);
  g_assert_cmpstr(a->name, ==, "alpha");
  g_assert_cmpstr(a->apis[1], ==, "wasi");
  g_assert_cmpstr(a->platform.hostname, ==, "h1");
  g_assert_cmpint(a->max_nmodules, ==, 4);
  /* Its 500 ms interval came back: 1.5 s from the restart. */
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T2 + 1500 * (gint64)1000 - 1), ==, 0);
  g_assert_cmpuint(orch_realm_sweep(fx->realm, T2 + 1500 * (gint64)1000), ==, 1);
  fx_close(fx);

  /* A damaged row is skipped with a warning, the rest loads. */
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(fx->db.path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "UPDATE runtimes SET apis = '{\"x\":1}'"
                               " WHERE name = 'beta'", NULL, NULL, NULL),
                  ==, SQLITE_OK);
  sqlite3_close(db);
  guint warned = orchfx_warnings_seen;
  fx_open(fx);
  g_assert_true(orch_realm_load(fx->realm, T2, &error));
  g_assert_cmpuint(orchfx_warnings_seen, ==, warned + 1);
  g_autoptr(GPtrArray) all = orch_realm_list(fx->realm);
  g_assert_cmpuint(all->len, ==, 1);
}

/* The realm goes on in memory when the file is locked, and says so. */
static void
test_store_fails(Fx *fx, gconstpointer data)
{
  GError *error = NULL;
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(fx->db.path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==,
                  SQLITE_OK);
  const ArtsRuntime *rt = reg(fx, UUID_A, "alpha", "h1", 0);
  g_assert_cmpint(rt->status, ==, ARTS_STATUS_ALIVE);
  g_assert_cmpuint(fx->store_failures, ==, 2);   /* the row, the event */
  assert_last(fx->states, UUID_A " A");
  assert_last(fx->events, "runtime_joined " UUID_A);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(db);
  g_assert_nonnull(orch_realm_deregister(fx->realm, UUID_A, NULL, &error));
  g_assert_cmpuint(fx->store_failures, ==, 2);
}

int
main(int argc, char **argv)
{
  g_log_set_writer_func(orchfx_count_warnings, NULL, NULL);
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fx, NULL, fx_setup, fn, fx_teardown)
  ADD("/orch/realm/lifecycle", test_lifecycle);
  ADD("/orch/realm/grace", test_grace);
  ADD("/orch/realm/stale-sample", test_stale_sample);
  ADD("/orch/realm/conflicts", test_conflicts);
  ADD("/orch/realm/reload", test_reload);
  ADD("/orch/realm/store-fails", test_store_fails);
  return g_test_run();
}
