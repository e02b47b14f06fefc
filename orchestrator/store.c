/* The realm in SQLite: schema and migrations, runtimes, events, metric
 * history with roll-up and retention. Every statement is prepared once at
 * open; a failing statement becomes a GError, never an abort. */
#include "store.h"

#include <sqlite3.h>
#include <string.h>

G_DEFINE_QUARK(orch-store-error-quark, orch_store_error)

/* Ordered migrations: migrations[i] takes a file from version i to i + 1.
 * Never edit a released step; append a new one and bump
 * ORCH_STORE_SCHEMA_VERSION. */
static const char *const migrations[] = {
  /* 1: the realm's runtimes and what happened to them. */
  "CREATE TABLE runtimes ("
  "  uuid TEXT PRIMARY KEY NOT NULL,"
  "  name TEXT NOT NULL,"
  "  runtime_type TEXT NOT NULL,"
  "  apis TEXT NOT NULL,"                   /* JSON array */
  "  max_nmodules INTEGER NOT NULL,"
  "  page_size INTEGER NOT NULL,"
  "  aot_target TEXT,"
  "  platform TEXT NOT NULL,"               /* JSON object */
  "  metadata TEXT,"                        /* JSON object */
  "  status TEXT NOT NULL CHECK (length(status) = 1),"
  "  first_seen INTEGER NOT NULL,"          /* unix ms */
  "  last_seen INTEGER NOT NULL);"
  "CREATE INDEX runtimes_by_name ON runtimes(name);"
  "CREATE TABLE events ("
  "  id INTEGER PRIMARY KEY,"
  "  ts INTEGER NOT NULL,"
  "  event TEXT NOT NULL,"
  "  uuid TEXT NOT NULL,"
  "  name TEXT,"
  "  reason TEXT);"
  "CREATE INDEX events_by_ts ON events(ts);",

  /* 2: telemetry. The latest sample rides on the runtime; history is a
   * series per (runtime, module, metric) with raw samples and 1-minute
   * aggregates, both clustered by (series, time). */
  "ALTER TABLE runtimes ADD COLUMN interval_ms INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runtimes ADD COLUMN telemetry_ts INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runtimes ADD COLUMN telemetry TEXT;"
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY NOT NULL,"
  "  value INTEGER NOT NULL) WITHOUT ROWID;"
  "INSERT INTO meta VALUES ('rollup_watermark', 0);"
  "CREATE TABLE series ("
  "  id INTEGER PRIMARY KEY,"
  "  runtime_uuid TEXT NOT NULL,"
  "  module_uuid TEXT NOT NULL DEFAULT '',"
  "  metric TEXT NOT NULL,"
  "  UNIQUE (runtime_uuid, module_uuid, metric));"
  "CREATE TABLE samples ("
  "  series_id INTEGER NOT NULL,"
  "  ts INTEGER NOT NULL,"
  "  value REAL NOT NULL,"
  "  PRIMARY KEY (series_id, ts)) WITHOUT ROWID;"
  "CREATE TABLE agg_1m ("
  "  series_id INTEGER NOT NULL,"
  "  minute INTEGER NOT NULL,"              /* unix ms, minute-aligned */
  "  sum REAL NOT NULL,"
  "  min REAL NOT NULL,"
  "  max REAL NOT NULL,"
  "  count INTEGER NOT NULL,"
  "  PRIMARY KEY (series_id, minute)) WITHOUT ROWID;",

  /* 3: modules (issue 4). Programs by content hash; each module as its
   * JSON plus the columns queries need; the latest checkpoint (or
   * migration snapshot) per module; the newest output of each module in
   * chunks by byte offset; the record of migrations. Read and written by
   * modstore.c. */
  "CREATE TABLE programs ("
  "  sha256 TEXT PRIMARY KEY NOT NULL,"
  "  bytes BLOB NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  first_stored INTEGER NOT NULL);"       /* unix ms */
  "CREATE TABLE modules ("
  "  uuid TEXT PRIMARY KEY NOT NULL,"
  "  name TEXT NOT NULL,"
  "  runtime TEXT,"                         /* parent runtime uuid */
  "  state TEXT NOT NULL,"                  /* starting ... failed */
  "  status TEXT NOT NULL CHECK (length(status) = 1),"
  "  fields TEXT NOT NULL,"                 /* the module's JSON */
  "  sha256 TEXT,"
  "  fault_crash TEXT NOT NULL,"
  "  resources TEXT,"                       /* JSON object */
  "  started_at INTEGER NOT NULL,"
  "  exit_code INTEGER,"
  "  error TEXT,"
  "  migrations INTEGER NOT NULL DEFAULT 0,"
  "  output_end INTEGER NOT NULL DEFAULT 0,"  /* next output offset */
  "  output_gaps INTEGER NOT NULL DEFAULT 0," /* bytes never received */
  "  updated_at INTEGER NOT NULL);"
  "CREATE INDEX modules_by_name ON modules(name);"
  "CREATE TABLE checkpoints ("
  "  module TEXT PRIMARY KEY NOT NULL,"
  "  bytes BLOB NOT NULL,"
  "  stdout_offset INTEGER NOT NULL,"
  "  kind TEXT NOT NULL,"                   /* checkpoint | migration */
  "  taken_at INTEGER NOT NULL);"
  "CREATE TABLE output ("
  "  module TEXT NOT NULL,"
  "  offset INTEGER NOT NULL,"
  "  bytes BLOB NOT NULL,"
  "  PRIMARY KEY (module, offset)) WITHOUT ROWID;"
  "CREATE TABLE migrations ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  module TEXT NOT NULL,"
  "  source TEXT NOT NULL,"
  "  target TEXT NOT NULL,"
  "  reason TEXT NOT NULL,"                 /* operator | drain | overload */
  "  result TEXT NOT NULL,"                 /* ok | error */
  "  error TEXT,"
  "  started_at INTEGER NOT NULL,"
  "  ended_at INTEGER NOT NULL,"
  "  downtime_ms INTEGER NOT NULL,"
  "  total_ms INTEGER NOT NULL);"
  "CREATE INDEX migrations_by_module ON migrations(module);",
};

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == ORCH_STORE_SCHEMA_VERSION);

/* Statements prepared once; the enum indexes stmt_sql and s->stmt. */
enum {
  ST_SAVE_RUNTIME,
  ST_LOAD_RUNTIMES,
  ST_ADD_EVENT,
  ST_EVENTS,
  ST_SERIES_INSERT,
  ST_SERIES_SELECT,
  ST_SAMPLE_INSERT,
  ST_AGG_MERGE,
  ST_SEEN_UPDATE,
  ST_ROLLUP,
  ST_WATERMARK_SET,
  ST_PRUNE_SAMPLES,
  ST_PRUNE_AGG,
  ST_PRUNE_EVENTS,
  ST_PRUNE_SERIES,
  ST_HISTORY_RAW,
  ST_HISTORY_AGG,
  ST_METRICS,
  ST_BEGIN,
  ST_COMMIT,
  ST_ROLLBACK,
  ST_COUNT
};

#define AGG_UPSERT \
  " ON CONFLICT (series_id, minute) DO UPDATE SET" \
  " sum = sum + excluded.sum, min = min(min, excluded.min)," \
  " max = max(max, excluded.max), count = count + excluded.count"

static const char *const stmt_sql[ST_COUNT] = {
  [ST_SAVE_RUNTIME] =
    "INSERT OR REPLACE INTO runtimes (uuid, name, runtime_type, apis,"
    " max_nmodules, page_size, aot_target, platform, metadata, status,"
    " first_seen, last_seen, interval_ms, telemetry_ts, telemetry)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15)",
  [ST_LOAD_RUNTIMES] =
    "SELECT uuid, name, runtime_type, apis, max_nmodules, page_size,"
    " aot_target, platform, metadata, status, first_seen, last_seen,"
    " interval_ms, telemetry_ts, telemetry FROM runtimes ORDER BY name, uuid",
  [ST_ADD_EVENT] =
    "INSERT INTO events (ts, event, uuid, name, reason)"
    " VALUES (?1, ?2, ?3, ?4, ?5)",
  [ST_EVENTS] =
    "SELECT id, ts, event, uuid, name, reason FROM events WHERE ts >= ?1"
    " ORDER BY ts, id LIMIT ?2",
  [ST_SERIES_INSERT] =
    "INSERT OR IGNORE INTO series (runtime_uuid, module_uuid, metric)"
    " VALUES (?1, ?2, ?3)",
  [ST_SERIES_SELECT] =
    "SELECT id FROM series WHERE runtime_uuid = ?1 AND module_uuid = ?2"
    " AND metric = ?3",
  [ST_SAMPLE_INSERT] =
    "INSERT OR IGNORE INTO samples (series_id, ts, value) VALUES (?1, ?2, ?3)",
  [ST_AGG_MERGE] =
    "INSERT INTO agg_1m (series_id, minute, sum, min, max, count)"
    " VALUES (?1, ?2, ?3, ?3, ?3, 1)" AGG_UPSERT,
  [ST_SEEN_UPDATE] =
    "UPDATE runtimes SET last_seen = ?2, interval_ms = ?3,"
    " telemetry_ts = ?4, telemetry = ?5 WHERE uuid = ?1",
  /* "series_id IN (SELECT ...)" makes SQLite seek each series' time range
   * in the (series_id, ts) key instead of scanning the whole table. */
  [ST_ROLLUP] =
    "INSERT INTO agg_1m (series_id, minute, sum, min, max, count)"
    " SELECT series_id, (ts / 60000) * 60000, sum(value), min(value),"
    " max(value), count(*) FROM samples"
    " WHERE series_id IN (SELECT id FROM series) AND ts >= ?1 AND ts < ?2"
    " GROUP BY series_id, ts / 60000" AGG_UPSERT,
  [ST_WATERMARK_SET] =
    "UPDATE meta SET value = ?1 WHERE key = 'rollup_watermark'",
  [ST_PRUNE_SAMPLES] =
    "DELETE FROM samples WHERE series_id IN (SELECT id FROM series)"
    " AND ts < ?1",
  [ST_PRUNE_AGG] =
    "DELETE FROM agg_1m WHERE series_id IN (SELECT id FROM series)"
    " AND minute < ?1",
  [ST_PRUNE_EVENTS] = "DELETE FROM events WHERE ts < ?1",
  /* A series with nothing left (a runtime long gone, a metric no longer
   * sent) goes too: two key lookups per series. */
  [ST_PRUNE_SERIES] =
    "DELETE FROM series WHERE"
    " NOT EXISTS (SELECT 1 FROM samples WHERE series_id = series.id)"
    " AND NOT EXISTS (SELECT 1 FROM agg_1m WHERE series_id = series.id)",
  [ST_HISTORY_RAW] =
    "SELECT ts, value FROM samples WHERE series_id = ?1"
    " AND ts >= ?2 AND ts <= ?3 ORDER BY ts DESC LIMIT ?4",
  /* Minutes before the watermark come from the aggregates; the minutes
   * after it are not rolled up yet and are computed from raw samples. */
  [ST_HISTORY_AGG] =
    "SELECT minute, sum / count, min, max, count FROM agg_1m"
    " WHERE series_id = ?1 AND minute >= ?2 AND minute <= ?3 AND minute < ?4"
    " UNION ALL"
    " SELECT (ts / 60000) * 60000, avg(value), min(value), max(value),"
    " count(*) FROM samples WHERE series_id = ?1 AND ts >= max(?2, ?4)"
    " AND ts <= ?3 GROUP BY ts / 60000"
    " ORDER BY 1 DESC LIMIT ?5",
  [ST_METRICS] =
    "SELECT metric FROM series WHERE runtime_uuid = ?1 AND module_uuid = ''"
    " ORDER BY metric",
  [ST_BEGIN] = "BEGIN IMMEDIATE",
  [ST_COMMIT] = "COMMIT",
  [ST_ROLLBACK] = "ROLLBACK",
};

typedef struct {
  char *runtime_uuid, *module_uuid, *metric;
  gint64 ts_ms;
  double value;
} PendingSample;

typedef struct {
  gint64 last_seen_ms, interval_ms, telemetry_ts_ms;
  char *telemetry_json;
} PendingSeen;

struct _OrchStore {
  sqlite3 *db;
  char *path;
  int version;
  sqlite3_stmt *stmt[ST_COUNT];
  GHashTable *series;      /* "runtime\x1fmodule\x1fmetric" -> id (gint64*) */
  GArray *pending;         /* of PendingSample */
  GHashTable *seen;        /* uuid -> PendingSeen* */
  gint64 watermark_ms;     /* minutes before it are rolled up */
  guint64 dropped;
  OrchStoreRetention retention;
};

static gboolean
db_fail(OrchStore *s, int code, const char *what, GError **error)
{
  g_set_error(error, ORCH_STORE_ERROR, code, "%s: %s: %s", s->path, what,
              sqlite3_errmsg(s->db));
  return FALSE;
}

static gboolean
exec_sql(OrchStore *s, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return TRUE;
  g_set_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_SQL, "%s: %s",
              s->path, msg ? msg : sqlite3_errmsg(s->db));
  sqlite3_free(msg);
  return FALSE;
}

/* Runs ST (already bound) to completion; resets it either way. */
static gboolean
step_done(OrchStore *s, int st, GError **error)
{
  sqlite3_stmt *q = s->stmt[st];
  int rc = sqlite3_step(q);
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  g_set_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_SQL, "%s: %s",
              s->path, sqlite3_errmsg(s->db));
  return FALSE;
}

static void
finish(OrchStore *s, int st)
{
  sqlite3_reset(s->stmt[st]);
  sqlite3_clear_bindings(s->stmt[st]);
}

static void
bind_text(sqlite3_stmt *q, int i, const char *v)
{
  if (v)
    sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, i);
}

static char *
col_text(sqlite3_stmt *q, int i)
{
  const unsigned char *t = sqlite3_column_text(q, i);
  return t ? g_strdup((const char *)t) : NULL;
}

static gboolean
begin(OrchStore *s, GError **error)
{
  return step_done(s, ST_BEGIN, error);
}

static gboolean
commit(OrchStore *s, GError **error)
{
  if (step_done(s, ST_COMMIT, error))
    return TRUE;
  step_done(s, ST_ROLLBACK, NULL);
  return FALSE;
}

static void
rollback(OrchStore *s)
{
  if (!sqlite3_get_autocommit(s->db))
    step_done(s, ST_ROLLBACK, NULL);
}

/* ---- open and migrate ---- */

static int
user_version(OrchStore *s, GError **error)
{
  sqlite3_stmt *q = NULL;
  int v = -1;
  if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL)
      != SQLITE_OK) {
    db_fail(s, ORCH_STORE_ERROR_OPEN, "reading the schema version", error);
    return -1;
  }
  if (sqlite3_step(q) == SQLITE_ROW)
    v = sqlite3_column_int(q, 0);
  else
    db_fail(s, ORCH_STORE_ERROR_OPEN, "reading the schema version", error);
  sqlite3_finalize(q);
  return v;
}

/* Each step and its version bump commit together, so a crash mid-way
 * leaves the file at the previous version, never in between. */
static gboolean
migrate(OrchStore *s, int target, GError **error)
{
  int from = user_version(s, error);
  if (from < 0)
    return FALSE;
  if (from > ORCH_STORE_SCHEMA_VERSION) {
    g_set_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_OPEN,
                "%s: schema version %d is newer than this orchestrator "
                "understands (%d); refusing to touch it", s->path, from,
                ORCH_STORE_SCHEMA_VERSION);
    return FALSE;
  }
  for (int v = from; v < target; v++) {
    g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d",
                                            v + 1);
    if (!exec_sql(s, "BEGIN IMMEDIATE", error))
      return FALSE;
    if (!exec_sql(s, migrations[v], error) || !exec_sql(s, bump, error)
        || !exec_sql(s, "COMMIT", error)) {
      exec_sql(s, "ROLLBACK", NULL);
      g_prefix_error(error, "migrating the schema to version %d: ", v + 1);
      return FALSE;
    }
    g_info("%s: schema migrated to version %d", s->path, v + 1);
  }
  s->version = MAX(from, target);
  return TRUE;
}

static gboolean
prepare_all(OrchStore *s, GError **error)
{
  for (int i = 0; i < ST_COUNT; i++)
    if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                           &s->stmt[i], NULL) != SQLITE_OK)
      return db_fail(s, ORCH_STORE_ERROR_OPEN, "preparing statements",
                     error);
  return TRUE;
}

static gboolean
load_watermark(OrchStore *s, GError **error)
{
  sqlite3_stmt *q = NULL;
  gboolean ok = FALSE;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT value FROM meta"
                         " WHERE key = 'rollup_watermark'", -1, &q, NULL)
      == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
    s->watermark_ms = sqlite3_column_int64(q, 0);
    ok = TRUE;
  } else {
    db_fail(s, ORCH_STORE_ERROR_OPEN, "reading the roll-up watermark",
            error);
  }
  sqlite3_finalize(q);
  return ok;
}

static void
pending_sample_clear(gpointer p)
{
  PendingSample *ps = p;
  g_free(ps->runtime_uuid);
  g_free(ps->module_uuid);
  g_free(ps->metric);
}

static void
pending_seen_free(gpointer p)
{
  PendingSeen *ps = p;
  g_free(ps->telemetry_json);
  g_free(ps);
}

OrchStore *
orch_store_open_at_version(const char *path, int version, GError **error)
{
  g_return_val_if_fail(version >= 1 && version <= ORCH_STORE_SCHEMA_VERSION,
                       NULL);
  OrchStore *s = g_new0(OrchStore, 1);
  s->path = g_strdup(path);
  s->series = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->pending = g_array_new(FALSE, FALSE, sizeof(PendingSample));
  g_array_set_clear_func(s->pending, pending_sample_clear);
  s->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                  pending_seen_free);
  s->retention = (OrchStoreRetention){ ORCH_STORE_RAW_RETENTION_MS,
                                       ORCH_STORE_AGG_RETENTION_MS,
                                       ORCH_STORE_EVENT_RETENTION_MS };

  if (sqlite3_open_v2(path, &s->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                      | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    db_fail(s, ORCH_STORE_ERROR_OPEN, "opening", error);
    goto fail;
  }
  sqlite3_extended_result_codes(s->db, 1);
  /* A busy file (another orchestrator on the same state dir) waits a
   * little, then fails instead of hanging the main loop. */
  sqlite3_busy_timeout(s->db, 2000);
  if (!exec_sql(s, "PRAGMA journal_mode = WAL", error)
      || !exec_sql(s, "PRAGMA synchronous = NORMAL", error)) {
    g_prefix_error(error, "not a usable SQLite database: ");
    if (error && *error)
      (*error)->code = ORCH_STORE_ERROR_OPEN;
    goto fail;
  }
  if (!migrate(s, version, error))
    goto fail;
  if (s->version != ORCH_STORE_SCHEMA_VERSION)
    return s;   /* an old file for a test: no statements, read-only use */
  if (!prepare_all(s, error) || !load_watermark(s, error))
    goto fail;
  return s;

fail:
  orch_store_free(s);
  return NULL;
}

OrchStore *
orch_store_open(const char *path, GError **error)
{
  return orch_store_open_at_version(path, ORCH_STORE_SCHEMA_VERSION, error);
}

void
orch_store_free(OrchStore *s)
{
  if (!s)
    return;
  for (int i = 0; i < ST_COUNT; i++)
    sqlite3_finalize(s->stmt[i]);
  sqlite3_close(s->db);
  g_hash_table_destroy(s->series);
  g_array_free(s->pending, TRUE);
  g_hash_table_destroy(s->seen);
  g_free(s->path);
  g_free(s);
}

void *
orch_store_sqlite(OrchStore *s)
{
  return s->db;
}

int
orch_store_schema_version(OrchStore *s)
{
  return s->version;
}

void
orch_store_set_retention(OrchStore *s, const OrchStoreRetention *r)
{
  s->retention = *r;
}

/* ---- runtimes ---- */

OrchRuntimeRow *
orch_runtime_row_new(void)
{
  return g_new0(OrchRuntimeRow, 1);
}

OrchRuntimeRow *
orch_runtime_row_copy(const OrchRuntimeRow *r)
{
  OrchRuntimeRow *c = g_memdup2(r, sizeof *r);
  c->uuid = g_strdup(r->uuid);
  c->name = g_strdup(r->name);
  c->runtime_type = g_strdup(r->runtime_type);
  c->apis_json = g_strdup(r->apis_json);
  c->aot_target = g_strdup(r->aot_target);
  c->platform_json = g_strdup(r->platform_json);
  c->metadata_json = g_strdup(r->metadata_json);
  c->telemetry_json = g_strdup(r->telemetry_json);
  return c;
}

void
orch_runtime_row_free(OrchRuntimeRow *r)
{
  if (!r)
    return;
  g_free(r->uuid);
  g_free(r->name);
  g_free(r->runtime_type);
  g_free(r->apis_json);
  g_free(r->aot_target);
  g_free(r->platform_json);
  g_free(r->metadata_json);
  g_free(r->telemetry_json);
  g_free(r);
}

gboolean
orch_store_save_runtime(OrchStore *s, const OrchRuntimeRow *r,
                        GError **error)
{
  sqlite3_stmt *q = s->stmt[ST_SAVE_RUNTIME];
  char status[2] = { r->status, 0 };
  /* A queued "seen" update is older than this row: drop it so a later
   * flush cannot roll the row back. */
  g_hash_table_remove(s->seen, r->uuid);
  bind_text(q, 1, r->uuid);
  bind_text(q, 2, r->name);
  bind_text(q, 3, r->runtime_type);
  bind_text(q, 4, r->apis_json);
  sqlite3_bind_int64(q, 5, r->max_nmodules);
  sqlite3_bind_int64(q, 6, r->page_size);
  bind_text(q, 7, r->aot_target);
  bind_text(q, 8, r->platform_json);
  bind_text(q, 9, r->metadata_json);
  bind_text(q, 10, status);
  sqlite3_bind_int64(q, 11, r->first_seen_ms);
  sqlite3_bind_int64(q, 12, r->last_seen_ms);
  sqlite3_bind_int64(q, 13, r->interval_ms);
  sqlite3_bind_int64(q, 14, r->telemetry_ts_ms);
  bind_text(q, 15, r->telemetry_json);
  if (step_done(s, ST_SAVE_RUNTIME, error))
    return TRUE;
  g_prefix_error(error, "saving runtime %s: ", r->uuid);
  return FALSE;
}

/* A row is checked before it becomes a runtime again: the file may have
 * been edited or damaged. */
static OrchRuntimeRow *
row_from_stmt(sqlite3_stmt *q, GError **error)
{
  g_autoptr(OrchRuntimeRow) r = orch_runtime_row_new();
  r->uuid = col_text(q, 0);
  r->name = col_text(q, 1);
  r->runtime_type = col_text(q, 2);
  r->apis_json = col_text(q, 3);
  r->max_nmodules = sqlite3_column_int64(q, 4);
  r->page_size = sqlite3_column_int64(q, 5);
  r->aot_target = col_text(q, 6);
  r->platform_json = col_text(q, 7);
  r->metadata_json = col_text(q, 8);
  const unsigned char *st = sqlite3_column_text(q, 9);
  r->status = st && st[0] ? (char)st[0] : 0;
  r->first_seen_ms = sqlite3_column_int64(q, 10);
  r->last_seen_ms = sqlite3_column_int64(q, 11);
  r->interval_ms = sqlite3_column_int64(q, 12);
  r->telemetry_ts_ms = sqlite3_column_int64(q, 13);
  r->telemetry_json = col_text(q, 14);
  if (!r->uuid || !r->name || !r->runtime_type || !r->apis_json
      || !r->platform_json || !r->status || r->interval_ms < 0) {
    g_set_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_DATA,
                "runtime row %s is incomplete",
                r->uuid ? r->uuid : "(no uuid)");
    return NULL;
  }
  return g_steal_pointer(&r);
}

GPtrArray *
orch_store_load_runtimes(OrchStore *s, GError **error)
{
  sqlite3_stmt *q = s->stmt[ST_LOAD_RUNTIMES];
  GPtrArray *rows = g_ptr_array_new_with_free_func(
    (GDestroyNotify)orch_runtime_row_free);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    g_autoptr(GError) bad = NULL;
    OrchRuntimeRow *r = row_from_stmt(q, &bad);
    if (r)
      g_ptr_array_add(rows, r);
    else
      g_warning("%s: skipping a runtime: %s", s->path, bad->message);
  }
  finish(s, ST_LOAD_RUNTIMES);
  if (rc != SQLITE_DONE) {
    db_fail(s, ORCH_STORE_ERROR_SQL, "loading runtimes", error);
    g_ptr_array_unref(rows);
    return NULL;
  }
  return rows;
}

/* ---- events ---- */

void
orch_event_free(OrchEvent *e)
{
  if (!e)
    return;
  g_free(e->event);
  g_free(e->uuid);
  g_free(e->name);
  g_free(e->reason);
  g_free(e);
}

gboolean
orch_store_add_event(OrchStore *s, gint64 ts_ms, const char *event,
                     const char *uuid, const char *name, const char *reason,
                     GError **error)
{
  sqlite3_stmt *q = s->stmt[ST_ADD_EVENT];
  sqlite3_bind_int64(q, 1, ts_ms);
  bind_text(q, 2, event);
  bind_text(q, 3, uuid);
  bind_text(q, 4, name);
  bind_text(q, 5, reason);
  if (step_done(s, ST_ADD_EVENT, error))
    return TRUE;
  g_prefix_error(error, "storing event %s of %s: ", event, uuid);
  return FALSE;
}

GPtrArray *
orch_store_events(OrchStore *s, gint64 since_ms, guint limit, GError **error)
{
  sqlite3_stmt *q = s->stmt[ST_EVENTS];
  GPtrArray *out = g_ptr_array_new_with_free_func(
    (GDestroyNotify)orch_event_free);
  sqlite3_bind_int64(q, 1, since_ms);
  sqlite3_bind_int64(q, 2, limit);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    OrchEvent *e = g_new0(OrchEvent, 1);
    e->id = sqlite3_column_int64(q, 0);
    e->ts_ms = sqlite3_column_int64(q, 1);
    e->event = col_text(q, 2);
    e->uuid = col_text(q, 3);
    e->name = col_text(q, 4);
    e->reason = col_text(q, 5);
    g_ptr_array_add(out, e);
  }
  finish(s, ST_EVENTS);
  if (rc != SQLITE_DONE) {
    db_fail(s, ORCH_STORE_ERROR_SQL, "loading events", error);
    g_ptr_array_unref(out);
    return NULL;
  }
  return out;
}

/* ---- samples ---- */

void
orch_store_queue_sample(OrchStore *s, const char *runtime_uuid,
                        const char *module_uuid, const char *metric,
                        gint64 ts_ms, double value)
{
  PendingSample ps = {
    g_strdup(runtime_uuid), g_strdup(module_uuid ? module_uuid : ""),
    g_strdup(metric), ts_ms, value,
  };
  g_array_append_val(s->pending, ps);
}

void
orch_store_queue_seen(OrchStore *s, const char *uuid, gint64 last_seen_ms,
                      gint64 interval_ms, gint64 telemetry_ts_ms,
                      const char *telemetry_json)
{
  PendingSeen *ps = g_new0(PendingSeen, 1);
  ps->last_seen_ms = last_seen_ms;
  ps->interval_ms = interval_ms;
  ps->telemetry_ts_ms = telemetry_ts_ms;
  ps->telemetry_json = g_strdup(telemetry_json);
  g_hash_table_replace(s->seen, g_strdup(uuid), ps);
}

guint
orch_store_queued(OrchStore *s)
{
  return s->pending->len + g_hash_table_size(s->seen);
}

guint64
orch_store_dropped_samples(OrchStore *s)
{
  return s->dropped;
}

/* The id of a series, created on first use and cached. A failed flush
 * clears the cache, so no id outlives a transaction that was rolled
 * back. */
static gboolean
series_id(OrchStore *s, const char *rt, const char *mod, const char *metric,
          gint64 *id, GError **error)
{
  g_autofree char *key = g_strdup_printf("%s\x1f%s\x1f%s", rt, mod, metric);
  gint64 *cached = g_hash_table_lookup(s->series, key);
  if (cached) {
    *id = *cached;
    return TRUE;
  }
  for (int st = ST_SERIES_INSERT; st <= ST_SERIES_SELECT; st++) {
    bind_text(s->stmt[st], 1, rt);
    bind_text(s->stmt[st], 2, mod);
    bind_text(s->stmt[st], 3, metric);
  }
  if (!step_done(s, ST_SERIES_INSERT, error))
    return FALSE;
  sqlite3_stmt *q = s->stmt[ST_SERIES_SELECT];
  if (sqlite3_step(q) != SQLITE_ROW) {
    finish(s, ST_SERIES_SELECT);
    return db_fail(s, ORCH_STORE_ERROR_SQL, "finding a series", error);
  }
  *id = sqlite3_column_int64(q, 0);
  finish(s, ST_SERIES_SELECT);
  g_hash_table_insert(s->series, g_steal_pointer(&key),
                      g_memdup2(id, sizeof *id));
  return TRUE;
}

/* A sample for a minute that is already rolled up (replayed from an
 * agent's offline buffer, or late) is merged into that minute's aggregate
 * at once; the raw key (series, ts) makes a re-sent sample count once. */
static gboolean
write_sample(OrchStore *s, const PendingSample *ps, GError **error)
{
  gint64 id;
  if (!series_id(s, ps->runtime_uuid, ps->module_uuid, ps->metric, &id,
                 error))
    return FALSE;
  sqlite3_stmt *q = s->stmt[ST_SAMPLE_INSERT];
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, ps->ts_ms);
  sqlite3_bind_double(q, 3, ps->value);
  if (!step_done(s, ST_SAMPLE_INSERT, error))
    return FALSE;
  if (ps->ts_ms >= s->watermark_ms || sqlite3_changes(s->db) == 0)
    return TRUE;
  q = s->stmt[ST_AGG_MERGE];
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, ps->ts_ms / ORCH_STORE_MINUTE_MS
                           * ORCH_STORE_MINUTE_MS);
  sqlite3_bind_double(q, 3, ps->value);
  return step_done(s, ST_AGG_MERGE, error);
}

static gboolean
write_seen(OrchStore *s, const char *uuid, const PendingSeen *ps,
           GError **error)
{
  sqlite3_stmt *q = s->stmt[ST_SEEN_UPDATE];
  bind_text(q, 1, uuid);
  sqlite3_bind_int64(q, 2, ps->last_seen_ms);
  sqlite3_bind_int64(q, 3, ps->interval_ms);
  sqlite3_bind_int64(q, 4, ps->telemetry_ts_ms);
  bind_text(q, 5, ps->telemetry_json);
  return step_done(s, ST_SEEN_UPDATE, error);
}

static gboolean
write_queued(OrchStore *s, GError **error)
{
  for (guint i = 0; i < s->pending->len; i++)
    if (!write_sample(s, &g_array_index(s->pending, PendingSample, i),
                      error))
      return FALSE;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->seen);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (!write_seen(s, k, v, error))
      return FALSE;
  return TRUE;
}

gboolean
orch_store_flush(OrchStore *s, GError **error)
{
  if (orch_store_queued(s) == 0)
    return TRUE;
  gboolean ok = begin(s, error) && write_queued(s, error)
                && commit(s, error);
  if (!ok) {
    rollback(s);
    g_hash_table_remove_all(s->series);
    s->dropped += s->pending->len;
    g_prefix_error(error, "writing %u samples: ", s->pending->len);
  }
  g_array_set_size(s->pending, 0);
  g_hash_table_remove_all(s->seen);
  return ok;
}

/* ---- roll-up and retention ---- */

static gboolean
bind_step(OrchStore *s, int st, gint64 a, gint64 b, GError **error)
{
  sqlite3_bind_int64(s->stmt[st], 1, a);
  if (b != G_MININT64)
    sqlite3_bind_int64(s->stmt[st], 2, b);
  return step_done(s, st, error);
}

gboolean
orch_store_maintain(OrchStore *s, gint64 now_ms, GError **error)
{
  if (!orch_store_flush(s, error))
    return FALSE;
  /* Minutes before the current one are complete; samples that still come
   * for them are merged by write_sample(). */
  gint64 upto = now_ms / ORCH_STORE_MINUTE_MS * ORCH_STORE_MINUTE_MS;
  gint64 mark = MAX(upto, s->watermark_ms);
  gboolean ok = begin(s, error)
    && (upto <= s->watermark_ms
        || (bind_step(s, ST_ROLLUP, s->watermark_ms, upto, error)
            && bind_step(s, ST_WATERMARK_SET, upto, G_MININT64, error)))
    && bind_step(s, ST_PRUNE_SAMPLES, now_ms - s->retention.raw_retention_ms,
                 G_MININT64, error)
    && bind_step(s, ST_PRUNE_AGG, now_ms - s->retention.agg_retention_ms,
                 G_MININT64, error)
    && bind_step(s, ST_PRUNE_EVENTS,
                 now_ms - s->retention.event_retention_ms, G_MININT64, error)
    && step_done(s, ST_PRUNE_SERIES, error)
    && commit(s, error);
  if (!ok) {
    rollback(s);
    g_prefix_error(error, "roll-up and pruning: ");
    return FALSE;
  }
  /* Ids of deleted series must not be reused from the cache. */
  g_hash_table_remove_all(s->series);
  s->watermark_ms = mark;
  return TRUE;
}

/* ---- history ---- */

static gboolean
lookup_series(OrchStore *s, const char *rt, const char *metric, gint64 *id,
              gboolean *found, GError **error)
{
  sqlite3_stmt *q = s->stmt[ST_SERIES_SELECT];
  bind_text(q, 1, rt);
  bind_text(q, 2, "");
  bind_text(q, 3, metric);
  int rc = sqlite3_step(q);
  *found = rc == SQLITE_ROW;
  if (*found)
    *id = sqlite3_column_int64(q, 0);
  finish(s, ST_SERIES_SELECT);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(s, ORCH_STORE_ERROR_SQL, "finding a series", error);
  return TRUE;
}

GArray *
orch_store_history(OrchStore *s, const char *runtime_uuid,
                   const char *metric, gint64 since_ms, gint64 until_ms,
                   gboolean aggregated, guint limit, gboolean *found,
                   GError **error)
{
  gint64 id = 0;
  *found = FALSE;
  if (!orch_store_flush(s, error)
      || !lookup_series(s, runtime_uuid, metric, &id, found, error))
    return NULL;
  GArray *pts = g_array_new(FALSE, FALSE, sizeof(OrchPoint));
  if (!*found || until_ms < since_ms || limit == 0)
    return pts;

  int st = aggregated ? ST_HISTORY_AGG : ST_HISTORY_RAW;
  sqlite3_stmt *q = s->stmt[st];
  sqlite3_bind_int64(q, 1, id);
  if (aggregated) {
    /* A minute belongs to the range when it starts inside it, or holds
     * SINCE. */
    sqlite3_bind_int64(q, 2, since_ms / ORCH_STORE_MINUTE_MS
                             * ORCH_STORE_MINUTE_MS);
    sqlite3_bind_int64(q, 3, until_ms);
    sqlite3_bind_int64(q, 4, s->watermark_ms);
    sqlite3_bind_int64(q, 5, limit);
  } else {
    sqlite3_bind_int64(q, 2, since_ms);
    sqlite3_bind_int64(q, 3, until_ms);
    sqlite3_bind_int64(q, 4, limit);
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    OrchPoint p = { .ts_ms = sqlite3_column_int64(q, 0) };
    p.avg = sqlite3_column_double(q, 1);
    if (aggregated) {
      p.min = sqlite3_column_double(q, 2);
      p.max = sqlite3_column_double(q, 3);
      p.count = sqlite3_column_int64(q, 4);
    } else {
      p.min = p.max = p.avg;
      p.count = 1;
    }
    g_array_append_val(pts, p);
  }
  finish(s, st);
  if (rc != SQLITE_DONE) {
    db_fail(s, ORCH_STORE_ERROR_SQL, "reading history", error);
    g_array_unref(pts);
    return NULL;
  }
  /* Newest first from SQL (so LIMIT keeps the newest); oldest first out. */
  for (guint i = 0, j = pts->len ? pts->len - 1 : 0; i < j; i++, j--) {
    OrchPoint t = g_array_index(pts, OrchPoint, i);
    g_array_index(pts, OrchPoint, i) = g_array_index(pts, OrchPoint, j);
    g_array_index(pts, OrchPoint, j) = t;
  }
  return pts;
}

GStrv
orch_store_metrics(OrchStore *s, const char *runtime_uuid, GError **error)
{
  sqlite3_stmt *q = s->stmt[ST_METRICS];
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  bind_text(q, 1, runtime_uuid);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    g_strv_builder_add(b, (const char *)sqlite3_column_text(q, 0));
  finish(s, ST_METRICS);
  if (rc != SQLITE_DONE) {
    db_fail(s, ORCH_STORE_ERROR_SQL, "listing metrics", error);
    return NULL;
  }
  return g_strv_builder_end(b);
}
