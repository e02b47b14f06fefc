/* The offline telemetry buffer (see buffer.h).
 *
 * One table of payloads keyed by an AUTOINCREMENT id, so ids only grow and
 * "id > cursor" stays a valid replay position even after the table empties;
 * a meta table keeps the dropped count. WAL with synchronous=NORMAL makes a
 * push one small sequential append without an fsync, and the page cache is
 * kept tiny: the agent must stay within a few MiB. */
#include <errno.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include "agent-error.h"
#include "buffer.h"

#define BUFFER_SCHEMA_VERSION 1

struct _AgentBuffer {
  sqlite3 *db;
  char *path;
  guint max_rows;
  guint count;
  guint64 dropped;
  gboolean dropped_unsaved;  /* counted while the file could not be written */
  sqlite3_stmt *insert, *select, *remove, *trim, *save_dropped;
};

static const char buffer_schema[] =
  "CREATE TABLE IF NOT EXISTS samples ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  ts INTEGER NOT NULL,"
  "  payload BLOB NOT NULL);"
  "CREATE TABLE IF NOT EXISTS meta ("
  "  key TEXT PRIMARY KEY,"
  "  value INTEGER NOT NULL);"
  "PRAGMA user_version = 1;";

static gboolean buffer_fail(AgentBuffer *b, int rc, const char *what,
                            GError **error)
{
  int code = rc & 0xff;
  gboolean corrupt = code == SQLITE_NOTADB || code == SQLITE_CORRUPT;

  g_set_error(error, AGENT_ERROR,
              corrupt ? AGENT_ERROR_CORRUPT : AGENT_ERROR_IO,
              "%s: %s: %s", b->path, what,
              b->db ? sqlite3_errmsg(b->db) : sqlite3_errstr(rc));
  return FALSE;
}

static gboolean buffer_exec(AgentBuffer *b, const char *sql, GError **error)
{
  int rc = sqlite3_exec(b->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK ? TRUE : buffer_fail(b, rc, sql, error);
}

/* Runs a statement returning one integer (a PRAGMA, a count). */
static gboolean buffer_query_int(AgentBuffer *b, const char *sql,
                                 gint64 *out, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(b->db, sql, -1, &st, NULL);

  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *out = sqlite3_column_int64(st, 0);
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      *out = 0;
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? TRUE : buffer_fail(b, rc, sql, error);
}

/* A cheap page-level check: a file with damaged pages is refused at open
 * rather than failing half-way through a replay. The buffer is at most a
 * few MiB, so this costs milliseconds once per start. */
static gboolean buffer_check(AgentBuffer *b, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(b->db, "PRAGMA quick_check(1)", -1, &st, NULL);
  gboolean ok = FALSE;

  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *verdict = (const char *)sqlite3_column_text(st, 0);
    ok = g_strcmp0(verdict, "ok") == 0;
    if (!ok)
      g_set_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT,
                  "%s: integrity check failed: %s", b->path,
                  verdict ? verdict : "?");
  } else {
    buffer_fail(b, rc, "integrity check", error);
  }
  sqlite3_finalize(st);
  return ok;
}

static gboolean buffer_schema_init(AgentBuffer *b, GError **error)
{
  gint64 version = 0;

  if (!buffer_query_int(b, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version > BUFFER_SCHEMA_VERSION) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT,
                "%s: schema version %" G_GINT64_FORMAT
                " was written by a newer arts-agent", b->path, version);
    return FALSE;
  }
  if (version == 0 && !buffer_exec(b, buffer_schema, error))
    return FALSE;
  return TRUE;
}

static gboolean buffer_prepare(AgentBuffer *b, const char *sql,
                               sqlite3_stmt **st, GError **error)
{
  int rc = sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
                              NULL);

  /* A missing table or column means a foreign file named like ours. */
  if (rc != SQLITE_OK) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT,
                "%s: not a telemetry buffer: %s", b->path,
                sqlite3_errmsg(b->db));
    return FALSE;
  }
  return TRUE;
}

static gboolean buffer_prepare_all(AgentBuffer *b, GError **error)
{
  return buffer_prepare(b, "INSERT INTO samples (ts, payload) VALUES (?, ?)",
                        &b->insert, error) &&
         buffer_prepare(b, "SELECT id, ts, payload FROM samples "
                           "WHERE id > ? ORDER BY id LIMIT ?",
                        &b->select, error) &&
         buffer_prepare(b, "DELETE FROM samples WHERE id = ?", &b->remove,
                        error) &&
         buffer_prepare(b, "DELETE FROM samples WHERE id IN "
                           "(SELECT id FROM samples ORDER BY id LIMIT ?)",
                        &b->trim, error) &&
         buffer_prepare(b, "INSERT OR REPLACE INTO meta (key, value) "
                           "VALUES ('dropped', ?)",
                        &b->save_dropped, error);
}

static gboolean buffer_load_counts(AgentBuffer *b, GError **error)
{
  gint64 count = 0, dropped = 0;

  if (!buffer_query_int(b, "SELECT count(*) FROM samples", &count, error) ||
      !buffer_query_int(b, "SELECT value FROM meta WHERE key = 'dropped'",
                        &dropped, error))
    return FALSE;
  if (dropped < 0) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT,
                "%s: negative dropped count", b->path);
    return FALSE;
  }
  b->count = (guint)MIN(count, G_MAXUINT);
  b->dropped = (guint64)dropped;
  return TRUE;
}

/* Steps a statement that returns no rows, then resets it for reuse. */
static int buffer_step_done(sqlite3_stmt *st)
{
  int rc = sqlite3_step(st);

  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Deletes the N oldest rows inside the caller's transaction; returns how
 * many went, or -1. */
static int buffer_trim_oldest(AgentBuffer *b, guint n)
{
  int rc;

  sqlite3_bind_int64(b->trim, 1, n);
  rc = buffer_step_done(b->trim);
  return rc == SQLITE_OK ? sqlite3_changes(b->db) : -1;
}

static int buffer_save_dropped(AgentBuffer *b, guint64 dropped)
{
  sqlite3_bind_int64(b->save_dropped, 1, (sqlite3_int64)dropped);
  return buffer_step_done(b->save_dropped);
}

static void buffer_rollback(AgentBuffer *b)
{
  if (!sqlite3_get_autocommit(b->db))
    sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A restart with a smaller --buffer-max applies the new bound at once. */
static gboolean buffer_apply_bound(AgentBuffer *b, GError **error)
{
  int gone;

  if (!buffer_exec(b, "BEGIN IMMEDIATE", error))
    return FALSE;
  gone = buffer_trim_oldest(b, b->count - b->max_rows);
  if (gone < 0 ||
      buffer_save_dropped(b, b->dropped + (guint)gone) != SQLITE_OK ||
      sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    buffer_fail(b, sqlite3_errcode(b->db), "cannot apply the bound", error);
    buffer_rollback(b);
    return FALSE;
  }
  b->count -= (guint)gone;
  b->dropped += (guint)gone;
  return TRUE;
}

AgentBuffer *agent_buffer_open(const char *path, guint max_rows,
                               GError **error)
{
  AgentBuffer *b = g_new0(AgentBuffer, 1);
  int rc;

  b->path = g_strdup(path);
  b->max_rows = MAX(max_rows, 1);
  rc = sqlite3_open_v2(path, &b->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                       SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    buffer_fail(b, rc, "cannot open", error);
    agent_buffer_close(b);
    return NULL;
  }
  /* Lookaside slots cost ~120 KiB per connection; a 64 KiB page cache is
   * plenty for appends at the tail and reads at the head. */
  sqlite3_db_config(b->db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 0, 0);
  sqlite3_busy_timeout(b->db, 200);
  if (!buffer_exec(b, "PRAGMA cache_size = -64;"
                      "PRAGMA journal_mode = WAL;"
                      "PRAGMA synchronous = NORMAL;"
                      "PRAGMA wal_autocheckpoint = 128;"
                      "PRAGMA journal_size_limit = 1048576;", error) ||
      !buffer_check(b, error) || !buffer_schema_init(b, error) ||
      !buffer_prepare_all(b, error) || !buffer_load_counts(b, error)) {
    agent_buffer_close(b);
    return NULL;
  }
  if (b->count > b->max_rows && !buffer_apply_bound(b, error)) {
    agent_buffer_close(b);
    return NULL;
  }
  return b;
}

static gboolean buffer_move_aside(const char *from, const char *to,
                                  GError **error)
{
  if (g_rename(from, to) == 0 || errno == ENOENT)
    return TRUE;
  g_set_error(error, AGENT_ERROR, AGENT_ERROR_IO, "cannot move %s to %s: %s",
              from, to, g_strerror(errno));
  return FALSE;
}

AgentBuffer *agent_buffer_recover(const char *path, guint max_rows,
                                  GError **error)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  /* The -wal file belongs to the damaged database: replaying it into a
   * fresh file would corrupt that too, so it goes aside as well. */
  for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *from = g_strconcat(path, suffixes[i], NULL);
    g_autofree char *to = g_strconcat(path, ".corrupt", suffixes[i], NULL);

    if (!buffer_move_aside(from, to, error))
      return NULL;
  }
  return agent_buffer_open(path, max_rows, error);
}

void agent_buffer_close(AgentBuffer *b)
{
  if (!b)
    return;
  if (b->db && b->dropped_unsaved)
    buffer_save_dropped(b, b->dropped);
  sqlite3_finalize(b->insert);
  sqlite3_finalize(b->select);
  sqlite3_finalize(b->remove);
  sqlite3_finalize(b->trim);
  sqlite3_finalize(b->save_dropped);
  sqlite3_close_v2(b->db);
  g_free(b->path);
  g_free(b);
}

/* One transaction: insert, drop the oldest beyond the bound, save the
 * dropped count. Returns an SQLite code; counts change only on commit. */
static int buffer_push_once(AgentBuffer *b, gint64 ts_ms, const void *payload,
                            gsize len)
{
  guint count = b->count;
  guint64 dropped = b->dropped;
  int rc;

  if ((rc = sqlite3_exec(b->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)))
    return rc;
  sqlite3_bind_int64(b->insert, 1, ts_ms);
  sqlite3_bind_blob64(b->insert, 2, payload, len, SQLITE_STATIC);
  if ((rc = buffer_step_done(b->insert)))
    goto fail;
  count++;
  if (count > b->max_rows) {
    int gone = buffer_trim_oldest(b, count - b->max_rows);
    if (gone < 0) {
      rc = sqlite3_errcode(b->db);
      goto fail;
    }
    count -= (guint)gone;
    dropped += (guint)gone;
  }
  if ((dropped != b->dropped || b->dropped_unsaved) &&
      (rc = buffer_save_dropped(b, dropped)))
    goto fail;
  if ((rc = sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL)))
    goto fail;
  b->count = count;
  b->dropped = dropped;
  b->dropped_unsaved = FALSE;
  return SQLITE_OK;

fail:
  buffer_rollback(b);
  return rc;
}

/* On a full disk, the oldest tenth of the buffer makes room for the newest
 * sample: SQLite reuses the freed pages without growing the file. */
static gboolean buffer_make_room(AgentBuffer *b)
{
  guint n = MAX(b->count / 10, 1);
  int gone;

  if (b->count == 0 ||
      sqlite3_exec(b->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return FALSE;
  gone = buffer_trim_oldest(b, n);
  if (gone <= 0 || buffer_save_dropped(b, b->dropped + (guint)gone) ||
      sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    buffer_rollback(b);
    return FALSE;
  }
  b->count -= (guint)gone;
  b->dropped += (guint)gone;
  return TRUE;
}

gboolean agent_buffer_push(AgentBuffer *b, gint64 ts_ms, const void *payload,
                           gsize len, GError **error)
{
  int rc = buffer_push_once(b, ts_ms, payload, len);

  if ((rc & 0xff) == SQLITE_FULL && buffer_make_room(b))
    rc = buffer_push_once(b, ts_ms, payload, len);
  if (rc == SQLITE_OK)
    return TRUE;
  b->dropped++;
  b->dropped_unsaved = TRUE;
  return buffer_fail(b, rc, "cannot store sample", error);
}

int agent_buffer_foreach(AgentBuffer *b, gint64 after_id, guint limit,
                         AgentBufferRowFunc fn, gpointer user_data,
                         GError **error)
{
  int n = 0, rc;

  sqlite3_bind_int64(b->select, 1, after_id);
  sqlite3_bind_int64(b->select, 2, limit);
  while ((rc = sqlite3_step(b->select)) == SQLITE_ROW) {
    const void *payload = sqlite3_column_blob(b->select, 2);
    gsize len = (gsize)sqlite3_column_bytes(b->select, 2);

    if (!fn(sqlite3_column_int64(b->select, 0),
            sqlite3_column_int64(b->select, 1), payload, len, user_data))
      break;
    n++;
  }
  sqlite3_reset(b->select);
  sqlite3_clear_bindings(b->select);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    buffer_fail(b, rc, "cannot read samples", error);
    return -1;
  }
  return n;
}

gboolean agent_buffer_remove(AgentBuffer *b, gint64 id, GError **error)
{
  int rc;

  sqlite3_bind_int64(b->remove, 1, id);
  rc = buffer_step_done(b->remove);
  if (rc != SQLITE_OK)
    return buffer_fail(b, rc, "cannot delete sample", error);
  if (sqlite3_changes(b->db) > 0 && b->count > 0)
    b->count--;
  return TRUE;
}

void agent_buffer_add_dropped(AgentBuffer *b, guint64 n)
{
  b->dropped += n;
  b->dropped_unsaved = buffer_save_dropped(b, b->dropped) != SQLITE_OK;
}

guint agent_buffer_count(const AgentBuffer *b)
{
  return b->count;
}

guint64 agent_buffer_dropped(const AgentBuffer *b)
{
  return b->dropped;
}

void agent_buffer_set_page_limit(AgentBuffer *b, guint n_pages)
{
  g_autofree char *sql = g_strdup_printf("PRAGMA max_page_count = %u",
                                         n_pages ? n_pages : 1073741823u);

  sqlite3_exec(b->db, sql, NULL, NULL, NULL);
}
