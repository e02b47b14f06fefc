/* The orchestrator's store against real SQLite files: schema migration,
 * reload, history raw and aggregated, roll-up of late samples, retention,
 * and files or rows that are damaged. */
#include "orchfx.h"
#include "store.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#define UUID_A "0b9f6c1e-1111-4a55-8d0e-3c1a2b3c4d5e"
#define UUID_B "0b9f6c1e-2222-4a55-8d0e-3c1a2b3c4d5e"
#define MINUTE    ORCH_STORE_MINUTE_MS
/* A fixed "now", minute-aligned, so every expected figure is exact. */
#define NOW    (1700000000000LL / MINUTE * MINUTE)

typedef OrchFxDb Fixture;

static OrchRuntimeRow *
make_row(const char *uuid, const char *name, char status)
{
  OrchRuntimeRow *r = orch_runtime_row_new();
  r->uuid = g_strdup(uuid);
  r->name = g_strdup(name);
  r->runtime_type = g_strdup("arts-agent");
  r->apis_json = g_strdup("[\"wasm\",\"wasi\"]");
  r->max_nmodules = 8;
  r->page_size = 65536;
  r->platform_json = g_strdup("{\"arch\":\"x86_64\",\"cpu_cores\":2}");
  r->metadata_json = g_strdup("{\"room\":\"lab\"}");
  r->status = status;
  r->first_seen_ms = NOW - 5000;
  r->last_seen_ms = NOW - 1000;
  return r;
}

static OrchStore *
open_ok(const char *path)
{
  GError *error = NULL;
  OrchStore *s = orch_store_open(path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(s);
  return s;
}

/* Runs SQL on PATH behind the store's back, as an operator or an older
 * build would. */
static void
raw_sql(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    g_error("%s: %s", sql, msg);
  sqlite3_close(db);
}

static gint64
raw_count(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  gint64 n = -1;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &q, NULL), ==, SQLITE_OK);
  if (sqlite3_step(q) == SQLITE_ROW)
    n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return n;
}

static void
test_fresh_and_reload(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = open_ok(fx->path);
  g_assert_cmpint(orch_store_schema_version(s), ==,
                  ORCH_STORE_SCHEMA_VERSION);
  g_autoptr(OrchRuntimeRow) a = make_row(UUID_A, "alpha", 'A');
  g_autoptr(OrchRuntimeRow) b = make_row(UUID_B, "beta", 'D');
  g_clear_pointer(&b->metadata_json, g_free);
  b->aot_target = g_strdup("x86_64");
  g_assert_true(orch_store_save_runtime(s, a, &error));
  g_assert_true(orch_store_save_runtime(s, b, &error));
  g_assert_true(orch_store_add_event(s, NOW, "runtime_joined", UUID_A,
                                     "alpha", "registered", &error));
  /* The newest queued "seen" update wins and survives the reopen. */
  orch_store_queue_seen(s, UUID_A, NOW - 10, 1000, NOW - 20, "{\"x\":1}");
  orch_store_queue_seen(s, UUID_A, NOW, 500, NOW - 5, "{\"x\":2}");
  g_assert_true(orch_store_flush(s, &error));
  g_assert_cmpuint(orch_store_queued(s), ==, 0);
  orch_store_free(s);

  s = open_ok(fx->path);
  g_autoptr(GPtrArray) rows = orch_store_load_runtimes(s, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(rows->len, ==, 2);
  OrchRuntimeRow *ra = rows->pdata[0], *rb = rows->pdata[1];
  g_assert_cmpstr(ra->uuid, ==, UUID_A);
  g_assert_cmpstr(ra->name, ==, "alpha");
  g_assert_cmpstr(ra->apis_json, ==, "[\"wasm\",\"wasi\"]");
  g_assert_cmpstr(ra->metadata_json, ==, "{\"room\":\"lab\"}");
  g_assert_cmpint(ra->status, ==, 'A');
  g_assert_cmpint(ra->last_seen_ms, ==, NOW);
  g_assert_cmpint(ra->interval_ms, ==, 500);
  g_assert_cmpint(ra->telemetry_ts_ms, ==, NOW - 5);
  g_assert_cmpstr(ra->telemetry_json, ==, "{\"x\":2}");
  g_assert_cmpint(ra->first_seen_ms, ==, NOW - 5000);
  g_assert_cmpstr(rb->uuid, ==, UUID_B);
  g_assert_cmpint(rb->status, ==, 'D');
  g_assert_null(rb->metadata_json);
  g_assert_cmpstr(rb->aot_target, ==, "x86_64");
  g_assert_null(rb->telemetry_json);

  g_autoptr(GPtrArray) ev = orch_store_events(s, 0, 100, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ev->len, ==, 1);
  OrchEvent *e = ev->pdata[0];
  g_assert_cmpstr(e->event, ==, "runtime_joined");
  g_assert_cmpstr(e->uuid, ==, UUID_A);
  g_assert_cmpstr(e->reason, ==, "registered");
  g_assert_cmpint(e->ts_ms, ==, NOW);
  orch_store_free(s);
  /* WAL is a property of the file: it stays after the store is closed. */
  g_assert_cmpint(raw_count(fx->path, "SELECT journal_mode = 'wal'"
                                      " FROM pragma_journal_mode"), ==, 1);
}

/* A file left by a version-1 build keeps its runtimes and gains the
 * telemetry columns and history tables. */
static void
test_migrate_from_v1(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *old = orch_store_open_at_version(fx->path, 1, &error);
  g_assert_no_error(error);
  g_assert_cmpint(orch_store_schema_version(old), ==, 1);
  orch_store_free(old);
  g_assert_cmpint(raw_count(fx->path, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint(raw_count(fx->path, "SELECT count(*) FROM sqlite_master"
                                      " WHERE name = 'samples'"), ==, 0);
  raw_sql(fx->path,
          "INSERT INTO runtimes VALUES ('" UUID_A "', 'old', 'arts-agent',"
          " '[\"wasm\"]', 4, 65536, NULL, '{}', NULL, 'A', 1, 2);"
          "INSERT INTO events (ts, event, uuid) VALUES (2, 'runtime_joined',"
          " '" UUID_A "');");

  OrchStore *s = open_ok(fx->path);
  g_assert_cmpint(orch_store_schema_version(s), ==,
                  ORCH_STORE_SCHEMA_VERSION);
  g_autoptr(GPtrArray) rows = orch_store_load_runtimes(s, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(rows->len, ==, 1);
  OrchRuntimeRow *r = rows->pdata[0];
  g_assert_cmpstr(r->name, ==, "old");
  g_assert_cmpint(r->max_nmodules, ==, 4);
  g_assert_cmpint(r->last_seen_ms, ==, 2);
  g_assert_cmpint(r->interval_ms, ==, 0);
  g_assert_null(r->telemetry_json);
  g_autoptr(GPtrArray) ev = orch_store_events(s, 0, 10, &error);
  g_assert_cmpuint(ev->len, ==, 1);

  orch_store_queue_sample(s, UUID_A, NULL, "system.cpu.utilization",
                          NOW - 1000, 0.5);
  g_assert_true(orch_store_flush(s, &error));
  gboolean found = FALSE;
  g_autoptr(GArray) pts = orch_store_history(
    s, UUID_A, "system.cpu.utilization", NOW - MINUTE, NOW, FALSE, 100, &found,
    &error);
  g_assert_no_error(error);
  g_assert_true(found);
  g_assert_cmpuint(pts->len, ==, 1);
  orch_store_free(s);
  g_assert_cmpint(raw_count(fx->path, "PRAGMA user_version"), ==,
                  ORCH_STORE_SCHEMA_VERSION);

  /* Opening again migrates nothing and loses nothing. */
  s = open_ok(fx->path);
  g_autoptr(GPtrArray) again = orch_store_load_runtimes(s, &error);
  g_assert_cmpuint(again->len, ==, 1);
  orch_store_free(s);
}

static void
test_refuse_newer_and_garbage(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  orch_store_free(open_ok(fx->path));
  raw_sql(fx->path, "PRAGMA user_version = 99");
  OrchStore *s = orch_store_open(fx->path, &error);
  g_assert_null(s);
  g_assert_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_OPEN);
  g_assert_nonnull(strstr(error->message, "newer"));
  g_clear_error(&error);
  g_assert_cmpint(raw_count(fx->path, "PRAGMA user_version"), ==, 99);

  g_autofree char *junk = g_build_filename(fx->dir, "realm.sqlite", NULL);
  g_unlink(fx->path);
  g_autofree char *wal = g_strconcat(fx->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat(fx->path, "-shm", NULL);
  g_unlink(wal);
  g_unlink(shm);
  char garbage[4096];
  memset(garbage, 'x', sizeof garbage);
  g_assert_true(g_file_set_contents(junk, garbage, sizeof garbage, NULL));
  s = orch_store_open(junk, &error);
  g_assert_null(s);
  g_assert_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_OPEN);
  g_clear_error(&error);

  g_autofree char *nodir = g_build_filename(fx->dir, "missing", "x.sqlite",
                                            NULL);
  s = orch_store_open(nodir, &error);
  g_assert_null(s);
  g_assert_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_OPEN);
  g_clear_error(&error);
}

static void
queue_minute(OrchStore *s, const char *uuid, gint64 minute, double base)
{
  /* Six samples, 10 s apart: base, base+1, ... base+5. */
  for (int i = 0; i < 6; i++)
    orch_store_queue_sample(s, uuid, NULL, "m", minute + i * 10000,
                            base + i);
}

static GArray *
history(OrchStore *s, const char *uuid, gint64 since, gint64 until,
        gboolean agg, guint limit)
{
  GError *error = NULL;
  gboolean found = FALSE;
  GArray *pts = orch_store_history(s, uuid, "m", since, until, agg, limit,
                                   &found, &error);
  g_assert_no_error(error);
  g_assert_true(found);
  return pts;
}

#define PT(a, i) (&g_array_index((a), OrchPoint, (i)))

static void
test_history_raw_and_aggregates(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = open_ok(fx->path);
  /* Minutes -3, -2, -1 before NOW, then the current minute. */
  queue_minute(s, UUID_A, NOW - 3 * MINUTE, 0);
  queue_minute(s, UUID_A, NOW - 2 * MINUTE, 10);
  queue_minute(s, UUID_A, NOW - 1 * MINUTE, 20);
  queue_minute(s, UUID_A, NOW, 30);
  queue_minute(s, UUID_B, NOW - 1 * MINUTE, 100);  /* another runtime */
  orch_store_queue_sample(s, UUID_A, "7c0c0c0c-0000-4000-8000-000000000001",
                          "m", NOW - MINUTE, 555);  /* a module's series */
  g_assert_cmpuint(orch_store_queued(s), ==, 31);

  /* Raw: every sample of the range, oldest first. */
  g_autoptr(GArray) raw = history(s, UUID_A, NOW - 2 * MINUTE,
                                  NOW - MINUTE - 1, FALSE, 1000);
  g_assert_cmpuint(raw->len, ==, 6);
  g_assert_cmpint(PT(raw, 0)->ts_ms, ==, NOW - 2 * MINUTE);
  g_assert_cmpfloat(PT(raw, 0)->avg, ==, 10);
  g_assert_cmpfloat(PT(raw, 5)->avg, ==, 15);

  /* Before any roll-up, aggregates come from raw samples. */
  g_autoptr(GArray) pre = history(s, UUID_A, 0, NOW + MINUTE, TRUE, 1000);
  g_assert_cmpuint(pre->len, ==, 4);
  g_assert_cmpfloat(PT(pre, 1)->avg, ==, 12.5);

  /* Roll-up at NOW + 30 s: the four minutes before NOW + 60 s... only
   * those before the current minute are complete. */
  g_assert_true(orch_store_maintain(s, NOW + 30000, &error));
  g_assert_no_error(error);
  g_assert_cmpint(raw_count(fx->path, "SELECT count(*) FROM agg_1m"), ==,
                  5);  /* A: 3 minutes, B: 1, the module: 1 */
  g_autoptr(GArray) agg = history(s, UUID_A, NOW - 3 * MINUTE, NOW + MINUTE, TRUE,
                                  1000);
  g_assert_cmpuint(agg->len, ==, 4);
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpint(PT(agg, i)->ts_ms, ==, NOW - (3 - (gint64)i) * MINUTE);
    g_assert_cmpfloat(PT(agg, i)->min, ==, 10.0 * i);
    g_assert_cmpfloat(PT(agg, i)->max, ==, 10.0 * i + 5);
    g_assert_cmpfloat(PT(agg, i)->avg, ==, 10.0 * i + 2.5);
    g_assert_cmpint(PT(agg, i)->count, ==, 6);
  }
  /* The module's sample is a series of its own. */
  g_autoptr(GArray) b = history(s, UUID_B, 0, NOW, TRUE, 1000);
  g_assert_cmpuint(b->len, ==, 1);
  g_assert_cmpfloat(PT(b, 0)->avg, ==, 102.5);

  /* A late sample in a rolled-up minute is merged once, even re-sent. */
  orch_store_queue_sample(s, UUID_A, NULL, "m", NOW - 2 * MINUTE + 1, 100);
  orch_store_queue_sample(s, UUID_A, NULL, "m", NOW - 2 * MINUTE + 1, 100);
  g_assert_true(orch_store_flush(s, &error));
  orch_store_queue_sample(s, UUID_A, NULL, "m", NOW - 2 * MINUTE + 1, 100);
  g_assert_true(orch_store_maintain(s, NOW + 45000, &error));
  g_autoptr(GArray) late = history(s, UUID_A, NOW - 2 * MINUTE, NOW - 2 * MINUTE,
                                   TRUE, 1000);
  g_assert_cmpuint(late->len, ==, 1);
  g_assert_cmpint(PT(late, 0)->count, ==, 7);
  g_assert_cmpfloat(PT(late, 0)->max, ==, 100);
  g_assert_cmpfloat(PT(late, 0)->avg, ==, (10 + 11 + 12 + 13 + 14 + 15 + 100)
                                          / 7.0);

  /* LIMIT keeps the newest points. */
  g_autoptr(GArray) lim = history(s, UUID_A, 0, NOW + MINUTE, FALSE, 3);
  g_assert_cmpuint(lim->len, ==, 3);
  g_assert_cmpint(PT(lim, 2)->ts_ms, ==, NOW + 50000);
  g_assert_cmpint(PT(lim, 0)->ts_ms, ==, NOW + 30000);

  /* Unknown series: not found, no error. */
  gboolean found = TRUE;
  g_autoptr(GArray) none = orch_store_history(s, UUID_A, "nope", 0, NOW,
                                              FALSE, 10, &found, &error);
  g_assert_no_error(error);
  g_assert_false(found);
  g_assert_cmpuint(none->len, ==, 0);
  g_auto(GStrv) metrics = orch_store_metrics(s, UUID_A, &error);
  g_assert_cmpuint(g_strv_length(metrics), ==, 1);
  g_assert_cmpstr(metrics[0], ==, "m");
  orch_store_free(s);

  /* The watermark is durable: a reopen does not roll up twice. */
  s = open_ok(fx->path);
  g_assert_true(orch_store_maintain(s, NOW + 50000, &error));
  g_autoptr(GArray) again = history(s, UUID_A, NOW - 3 * MINUTE, NOW - MINUTE,
                                    TRUE, 1000);
  g_assert_cmpuint(again->len, ==, 3);
  g_assert_cmpint(PT(again, 0)->count, ==, 6);
  orch_store_free(s);
}

static void
test_retention(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = open_ok(fx->path);
  const gint64 hour = 3600 * 1000LL, day = 24 * hour;
  queue_minute(s, UUID_A, NOW - 8 * day, 0);       /* past both */
  queue_minute(s, UUID_A, NOW - 2 * hour, 10);     /* raw gone, agg kept */
  queue_minute(s, UUID_A, NOW - 10 * MINUTE, 20);     /* both kept */
  g_assert_true(orch_store_add_event(s, NOW - 8 * day, "runtime_died",
                                     UUID_A, "a", "old", &error));
  g_assert_true(orch_store_add_event(s, NOW - hour, "runtime_joined",
                                     UUID_A, "a", "new", &error));
  g_assert_true(orch_store_maintain(s, NOW, &error));
  g_assert_no_error(error);

  g_autoptr(GArray) raw = history(s, UUID_A, 0, NOW, FALSE, 1000);
  g_assert_cmpuint(raw->len, ==, 6);
  g_assert_cmpint(PT(raw, 0)->ts_ms, ==, NOW - 10 * MINUTE);
  g_autoptr(GArray) agg = history(s, UUID_A, 0, NOW, TRUE, 1000);
  g_assert_cmpuint(agg->len, ==, 2);
  g_assert_cmpint(PT(agg, 0)->ts_ms, ==, NOW - 2 * hour);
  g_assert_cmpfloat(PT(agg, 0)->avg, ==, 12.5);
  g_autoptr(GPtrArray) ev = orch_store_events(s, 0, 100, &error);
  g_assert_cmpuint(ev->len, ==, 1);
  g_assert_cmpstr(((OrchEvent *)ev->pdata[0])->reason, ==, "new");

  /* A series with nothing left is gone: its metric is no longer listed,
   * and a new sample makes it again. */
  orch_store_queue_sample(s, UUID_B, NULL, "gone", NOW - 8 * day, 1);
  g_assert_true(orch_store_maintain(s, NOW, &error));
  g_auto(GStrv) left = orch_store_metrics(s, UUID_B, &error);
  g_assert_cmpuint(g_strv_length(left), ==, 0);
  g_assert_cmpint(raw_count(fx->path, "SELECT count(*) FROM series"), ==, 1);
  orch_store_queue_sample(s, UUID_B, NULL, "gone", NOW, 2);
  g_assert_true(orch_store_flush(s, &error));
  g_auto(GStrv) back = orch_store_metrics(s, UUID_B, &error);
  g_assert_cmpuint(g_strv_length(back), ==, 1);

  /* Shorter retention from the configuration applies at the next run. */
  OrchStoreRetention r = { 5 * MINUTE, 3 * hour, day };
  orch_store_set_retention(s, &r);
  g_assert_true(orch_store_maintain(s, NOW, &error));
  g_autoptr(GArray) raw2 = history(s, UUID_A, 0, NOW, FALSE, 1000);
  g_assert_cmpuint(raw2->len, ==, 0);
  g_autoptr(GArray) agg2 = history(s, UUID_A, 0, NOW, TRUE, 1000);
  g_assert_cmpuint(agg2->len, ==, 2);
  orch_store_free(s);
}

/* A damaged row is skipped with a warning; the others load. */
static void
test_bad_rows(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = open_ok(fx->path);
  g_autoptr(OrchRuntimeRow) a = make_row(UUID_A, "alpha", 'A');
  g_assert_true(orch_store_save_runtime(s, a, &error));
  orch_store_free(s);
  raw_sql(fx->path,
          "INSERT INTO runtimes (uuid, name, runtime_type, apis,"
          " max_nmodules, page_size, platform, status, first_seen,"
          " last_seen, interval_ms) VALUES ('" UUID_B "', 'b', 'x', '[]',"
          " 1, 65536, '{}', 'A', 1, 1, -5)");
  guint before = orchfx_warnings_seen;
  s = open_ok(fx->path);
  g_autoptr(GPtrArray) rows = orch_store_load_runtimes(s, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(rows->len, ==, 1);
  g_assert_cmpstr(((OrchRuntimeRow *)rows->pdata[0])->uuid, ==, UUID_A);
  g_assert_cmpuint(orchfx_warnings_seen, ==, before + 1);
  orch_store_free(s);
}

/* A write that fails (the file is locked by someone else) is reported and
 * dropped; the store keeps working once the lock is gone. */
static void
test_locked_flush(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = open_ok(fx->path);
  sqlite3 *other = NULL;
  g_assert_cmpint(sqlite3_open(fx->path, &other), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
                  ==, SQLITE_OK);
  orch_store_queue_sample(s, UUID_A, NULL, "m", NOW, 1);
  g_assert_false(orch_store_flush(s, &error));
  g_assert_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_SQL);
  g_clear_error(&error);
  g_assert_cmpuint(orch_store_dropped_samples(s), ==, 1);
  g_assert_cmpuint(orch_store_queued(s), ==, 0);
  g_assert_false(orch_store_maintain(s, NOW, &error));
  g_clear_error(&error);
  sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(other);

  orch_store_queue_sample(s, UUID_A, NULL, "m", NOW + 1, 2);
  g_assert_true(orch_store_flush(s, &error));
  g_assert_no_error(error);
  g_autoptr(GArray) pts = history(s, UUID_A, 0, NOW + 10, FALSE, 10);
  g_assert_cmpuint(pts->len, ==, 1);
  g_assert_cmpfloat(PT(pts, 0)->avg, ==, 2);
  orch_store_free(s);
}

/* 1000 runtimes x 9 metrics in one flush: the per-tick load of a large
 * realm at 1 Hz must fit in one transaction without trouble. */
static void
test_large_tick(Fixture *fx, gconstpointer data)
{
  GError *error = NULL;
  OrchStore *s = open_ok(fx->path);
  gint64 t0 = g_get_monotonic_time();
  for (int tick = 0; tick < 2; tick++) {
    for (int r = 0; r < 1000; r++) {
      char uuid[37];
      g_snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", r);
      for (int m = 0; m < 9; m++) {
        char metric[16];
        g_snprintf(metric, sizeof metric, "m%d", m);
        orch_store_queue_sample(s, uuid, NULL, metric, NOW + tick * 1000,
                                r + m);
      }
    }
    g_assert_true(orch_store_flush(s, &error));
    g_assert_no_error(error);
  }
  /* A figure for the record, not an assertion. */
  g_test_message("2 ticks of 9000 samples queued and flushed in %.1f ms",
                 (g_get_monotonic_time() - t0) / 1000.0);
  t0 = g_get_monotonic_time();
  g_assert_true(orch_store_maintain(s, NOW + 120000, &error));
  g_test_message("roll-up and pruning of them in %.1f ms",
                 (g_get_monotonic_time() - t0) / 1000.0);
  g_assert_cmpint(raw_count(fx->path, "SELECT count(*) FROM agg_1m"), ==,
                  9000);
  g_assert_cmpint(raw_count(fx->path, "SELECT count(*) FROM samples"), ==,
                  18000);
  g_assert_cmpint(raw_count(fx->path, "SELECT count(*) FROM series"), ==,
                  9000);
  orch_store_free(s);
}

int
main(int argc, char **argv)
{
  g_log_set_writer_func(orchfx_count_warnings, NULL, NULL);
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add(name, Fixture, "orch-store-XXXXXX", orchfx_db_setup, fn, \
             orchfx_db_teardown)
  ADD("/orch/store/fresh-and-reload", test_fresh_and_reload);
  ADD("/orch/store/migrate-from-v1", test_migrate_from_v1);
  ADD("/orch/store/refuse-newer-and-garbage", test_refuse_newer_and_garbage);
  ADD("/orch/store/history", test_history_raw_and_aggregates);
  ADD("/orch/store/retention", test_retention);
  ADD("/orch/store/bad-rows", test_bad_rows);
  ADD("/orch/store/locked-flush", test_locked_flush);
  ADD("/orch/store/large-tick", test_large_tick);
  return g_test_run();
}
