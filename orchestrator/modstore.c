/* Modules, programs, checkpoints, output and migrations in the realm's
 * SQLite file. The tables come from the store's schema step 3
 * (store.c); this file only reads and writes them. */
#include "modstore.h"

#include <sqlite3.h>
#include <string.h>

enum {
  MS_PROGRAM_SAVE,
  MS_PROGRAM_LOAD,
  MS_PROGRAM_HAS,
  MS_MODULE_SAVE,
  MS_MODULE_LOAD,
  MS_MODULE_FORGET,
  MS_CHECKPOINT_FORGET,
  MS_OUTPUT_FORGET,
  MS_CHECKPOINT_SAVE,
  MS_CHECKPOINT_LOAD,
  MS_OUTPUT_SAVE,
  MS_OUTPUT_TRIM,
  MS_OUTPUT_READ,
  MS_MIGRATION_LOG,
  MS_MIGRATION_COUNT,
  MS_COUNT
};

static const char *const ms_sql[MS_COUNT] = {
  [MS_PROGRAM_SAVE] =
    "INSERT OR IGNORE INTO programs (sha256, bytes, size, first_stored)"
    " VALUES (?1, ?2, ?3, ?4)",
  [MS_PROGRAM_LOAD] = "SELECT bytes FROM programs WHERE sha256 = ?1",
  [MS_PROGRAM_HAS] = "SELECT 1 FROM programs WHERE sha256 = ?1",
  [MS_MODULE_SAVE] =
    "INSERT OR REPLACE INTO modules (uuid, name, runtime, state, status,"
    " fields, sha256, fault_crash, resources, started_at, exit_code, error,"
    " migrations, output_end, output_gaps, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16)",
  [MS_MODULE_LOAD] =
    "SELECT uuid, fields, output_end, output_gaps FROM modules"
    " ORDER BY name, uuid",
  [MS_MODULE_FORGET] = "DELETE FROM modules WHERE uuid = ?1",
  [MS_CHECKPOINT_FORGET] = "DELETE FROM checkpoints WHERE module = ?1",
  [MS_OUTPUT_FORGET] = "DELETE FROM output WHERE module = ?1",
  [MS_CHECKPOINT_SAVE] =
    "INSERT OR REPLACE INTO checkpoints (module, bytes, stdout_offset, kind,"
    " taken_at) VALUES (?1, ?2, ?3, ?4, ?5)",
  [MS_CHECKPOINT_LOAD] =
    "SELECT bytes, stdout_offset, taken_at FROM checkpoints"
    " WHERE module = ?1",
  [MS_OUTPUT_SAVE] =
    "INSERT OR IGNORE INTO output (module, offset, bytes) VALUES (?1, ?2, ?3)",
  /* Chunks that end at or below END - keep go; the newest kept chunk may
   * start a little below it. */
  [MS_OUTPUT_TRIM] =
    "DELETE FROM output WHERE module = ?1 AND offset + length(bytes) <= ?2",
  [MS_OUTPUT_READ] =
    "SELECT offset, bytes FROM output WHERE module = ?1"
    " AND offset + length(bytes) > ?2 ORDER BY offset",
  [MS_MIGRATION_LOG] =
    "INSERT OR REPLACE INTO migrations (id, module, source, target, reason,"
    " result, error, started_at, ended_at, downtime_ms, total_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  [MS_MIGRATION_COUNT] = "SELECT count(*) FROM migrations",
};

struct _OrchModStore {
  sqlite3 *db;
  char *path;
  sqlite3_stmt *stmt[MS_COUNT];
};

static gboolean
ms_fail(OrchModStore *ms, sqlite3_stmt *q, GError **error)
{
  g_set_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_SQL, "%s: %s",
              ms->path, sqlite3_errmsg(ms->db));
  if (q) {
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
  }
  return FALSE;
}

static sqlite3_stmt *
st(OrchModStore *ms, int i)
{
  return ms->stmt[i];
}

static void
done(sqlite3_stmt *q)
{
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
}

/* Runs Q (bound) to its end. */
static gboolean
run(OrchModStore *ms, sqlite3_stmt *q, GError **error)
{
  int rc = sqlite3_step(q);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return ms_fail(ms, q, error);
  done(q);
  return TRUE;
}

static void
bind_text(sqlite3_stmt *q, int i, const char *v)
{
  if (v)
    sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, i);
}

static void
bind_blob(sqlite3_stmt *q, int i, const void *data, gsize len)
{
  /* A zero-length blob must still be a blob, not NULL. */
  sqlite3_bind_blob64(q, i, len ? data : "", len, SQLITE_STATIC);
}

OrchModStore *
orch_modstore_new(OrchStore *store, GError **error)
{
  OrchModStore *ms = g_new0(OrchModStore, 1);
  ms->db = orch_store_sqlite(store);
  ms->path = g_strdup(sqlite3_db_filename(ms->db, "main"));
  for (int i = 0; i < MS_COUNT; i++)
    if (sqlite3_prepare_v3(ms->db, ms_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                           &ms->stmt[i], NULL) != SQLITE_OK) {
      g_set_error(error, ORCH_STORE_ERROR, ORCH_STORE_ERROR_OPEN,
                  "%s: preparing the module statements: %s", ms->path,
                  sqlite3_errmsg(ms->db));
      orch_modstore_free(ms);
      return NULL;
    }
  return ms;
}

void
orch_modstore_free(OrchModStore *ms)
{
  if (!ms)
    return;
  for (int i = 0; i < MS_COUNT; i++)
    sqlite3_finalize(ms->stmt[i]);
  g_free(ms->path);
  g_free(ms);
}

/* ---- programs ---- */

gboolean
orch_modstore_save_program(OrchModStore *ms, const char *sha256,
                           GBytes *bytes, GError **error)
{
  sqlite3_stmt *q = st(ms, MS_PROGRAM_SAVE);
  gsize len = 0;
  const void *data = g_bytes_get_data(bytes, &len);
  bind_text(q, 1, sha256);
  bind_blob(q, 2, data, len);
  sqlite3_bind_int64(q, 3, (gint64)len);
  sqlite3_bind_int64(q, 4, arts_now_ms());
  return run(ms, q, error);
}

static GBytes *
blob_at(sqlite3_stmt *q, int col)
{
  const void *p = sqlite3_column_blob(q, col);
  int n = sqlite3_column_bytes(q, col);
  return g_bytes_new(p, p ? (gsize)n : 0);
}

/* Steps Q (bound) to its one row: TRUE when there is one (read it, then
 * done(Q)); FALSE, Q reset, when there is none or on an error (set). */
static gboolean
one_row(OrchModStore *ms, sqlite3_stmt *q, GError **error)
{
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    done(q);
  else
    ms_fail(ms, q, error);
  return FALSE;
}

GBytes *
orch_modstore_load_program(OrchModStore *ms, const char *sha256,
                           GError **error)
{
  sqlite3_stmt *q = st(ms, MS_PROGRAM_LOAD);
  bind_text(q, 1, sha256);
  if (!one_row(ms, q, error))
    return NULL;
  GBytes *b = blob_at(q, 0);
  done(q);
  return b;
}

gboolean
orch_modstore_has_program(OrchModStore *ms, const char *sha256)
{
  sqlite3_stmt *q = st(ms, MS_PROGRAM_HAS);
  bind_text(q, 1, sha256);
  gboolean yes = sqlite3_step(q) == SQLITE_ROW;
  done(q);
  return yes;
}

/* ---- modules ---- */

gboolean
orch_modstore_save_module(OrchModStore *ms, const ArtsModule *m,
                          gint64 output_end, gint64 output_gaps,
                          GError **error)
{
  sqlite3_stmt *q = st(ms, MS_MODULE_SAVE);
  g_autoptr(JsonObject) j = arts_module_to_json(m);
  g_autofree char *fields = arts_json_object_to_string(j, NULL);
  g_autofree char *res = NULL;
  JsonNode *rn = json_object_get_member(j, "resources");
  if (rn && !JSON_NODE_HOLDS_NULL(rn))
    res = arts_json_to_string(rn, NULL);
  char status[2] = { m->status ? (char)m->status : 'A', 0 };
  bind_text(q, 1, m->uuid);
  bind_text(q, 2, m->name);
  bind_text(q, 3, m->parent);
  bind_text(q, 4, m->state ? arts_module_state_to_string(m->state)
                           : "starting");
  bind_text(q, 5, status);
  bind_text(q, 6, fields);
  bind_text(q, 7, m->sha256);
  bind_text(q, 8, m->fault_crash ? m->fault_crash : "ignore");
  bind_text(q, 9, res);
  sqlite3_bind_int64(q, 10, m->started_at_ms);
  if (m->has_exit_code)
    sqlite3_bind_int64(q, 11, m->exit_code);
  else
    sqlite3_bind_null(q, 11);
  bind_text(q, 12, m->error);
  sqlite3_bind_int64(q, 13, m->migrations);
  sqlite3_bind_int64(q, 14, output_end);
  sqlite3_bind_int64(q, 15, output_gaps);
  sqlite3_bind_int64(q, 16, arts_now_ms());
  return run(ms, q, error);
}

GPtrArray *
orch_modstore_load_modules(OrchModStore *ms, GArray **ends, GArray **gaps,
                           GError **error)
{
  sqlite3_stmt *q = st(ms, MS_MODULE_LOAD);
  GPtrArray *out = g_ptr_array_new_with_free_func(
    (GDestroyNotify)arts_module_free);
  GArray *e = g_array_new(FALSE, FALSE, sizeof(gint64));
  GArray *g = g_array_new(FALSE, FALSE, sizeof(gint64));
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *uuid = (const char *)sqlite3_column_text(q, 0);
    const char *text = (const char *)sqlite3_column_text(q, 1);
    g_autoptr(GError) bad = NULL;
    g_autoptr(JsonObject) o = text ? arts_json_parse_object(
      text, strlen(text), &bad) : NULL;
    ArtsModule *m = o ? arts_module_from_json_at(o, "modules row", &bad)
                      : NULL;
    if (!m || !m->uuid || !m->name) {
      g_warning("skipping stored module %s: %s", uuid ? uuid : "?",
                bad ? bad->message : "no uuid or name");
      arts_module_free(m);
      continue;
    }
    gint64 end = sqlite3_column_int64(q, 2), gap = sqlite3_column_int64(q, 3);
    g_ptr_array_add(out, m);
    g_array_append_val(e, end);
    g_array_append_val(g, gap);
  }
  if (rc != SQLITE_DONE) {
    ms_fail(ms, q, error);
    g_ptr_array_unref(out);
    g_array_unref(e);
    g_array_unref(g);
    return NULL;
  }
  done(q);
  if (ends)
    *ends = e;
  else
    g_array_unref(e);
  if (gaps)
    *gaps = g;
  else
    g_array_unref(g);
  return out;
}

gboolean
orch_modstore_forget_module(OrchModStore *ms, const char *uuid,
                            GError **error)
{
  static const int which[] = { MS_MODULE_FORGET, MS_CHECKPOINT_FORGET,
                               MS_OUTPUT_FORGET };
  for (guint i = 0; i < G_N_ELEMENTS(which); i++) {
    sqlite3_stmt *q = st(ms, which[i]);
    bind_text(q, 1, uuid);
    if (!run(ms, q, error))
      return FALSE;
  }
  return TRUE;
}

/* ---- checkpoints ---- */

gboolean
orch_modstore_save_checkpoint(OrchModStore *ms, const char *module,
                              GBytes *bytes, gint64 stdout_offset,
                              const char *kind, gint64 taken_at_ms,
                              GError **error)
{
  sqlite3_stmt *q = st(ms, MS_CHECKPOINT_SAVE);
  gsize len = 0;
  const void *data = g_bytes_get_data(bytes, &len);
  bind_text(q, 1, module);
  bind_blob(q, 2, data, len);
  sqlite3_bind_int64(q, 3, stdout_offset);
  bind_text(q, 4, kind);
  sqlite3_bind_int64(q, 5, taken_at_ms);
  return run(ms, q, error);
}

GBytes *
orch_modstore_load_checkpoint(OrchModStore *ms, const char *module,
                              gint64 *stdout_offset, gint64 *taken_at_ms,
                              GError **error)
{
  sqlite3_stmt *q = st(ms, MS_CHECKPOINT_LOAD);
  bind_text(q, 1, module);
  if (!one_row(ms, q, error))
    return NULL;
  GBytes *b = blob_at(q, 0);
  if (stdout_offset)
    *stdout_offset = sqlite3_column_int64(q, 1);
  if (taken_at_ms)
    *taken_at_ms = sqlite3_column_int64(q, 2);
  done(q);
  return b;
}

/* ---- output ---- */

gboolean
orch_modstore_append_output(OrchModStore *ms, const char *module,
                            gint64 offset, const void *data, gsize len,
                            GError **error)
{
  if (len == 0)
    return TRUE;
  sqlite3_stmt *q = st(ms, MS_OUTPUT_SAVE);
  bind_text(q, 1, module);
  sqlite3_bind_int64(q, 2, offset);
  bind_blob(q, 3, data, len);
  if (!run(ms, q, error))
    return FALSE;
  q = st(ms, MS_OUTPUT_TRIM);
  bind_text(q, 1, module);
  sqlite3_bind_int64(q, 2, offset + (gint64)len - ORCH_OUTPUT_KEEP);
  return run(ms, q, error);
}

gsize
orch_modstore_take_output(OrchModStore *ms, const char *module, gint64 *next,
                          gint64 *gaps, gint64 offset, const void *data,
                          gsize len, GError **error)
{
  gint64 gap = 0;
  gsize skip = arts_output_accept(next, offset, len, &gap);
  *gaps += gap;
  if (skip >= len)
    return 0;
  if (!orch_modstore_append_output(ms, module, offset + (gint64)skip,
                                   (const guint8 *)data + skip, len - skip,
                                   error))
    return 0;
  return len - skip;
}

GBytes *
orch_modstore_read_output(OrchModStore *ms, const char *module, gint64 since,
                          gsize max, gint64 *start, gboolean *more,
                          GError **error)
{
  sqlite3_stmt *q = st(ms, MS_OUTPUT_READ);
  GByteArray *buf = g_byte_array_new();
  gint64 first = -1, end = since;
  int rc;
  *more = FALSE;
  bind_text(q, 1, module);
  sqlite3_bind_int64(q, 2, since);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    gint64 off = sqlite3_column_int64(q, 0);
    const guint8 *p = sqlite3_column_blob(q, 1);
    gsize n = (gsize)sqlite3_column_bytes(q, 1);
    if (first < 0) {
      first = MAX(off, since);
      end = first;
    } else if (off > end) {
      *more = TRUE;          /* a gap in what is kept: the rest later */
      break;
    }
    gsize skip = (gsize)(end - off);
    if (skip >= n)
      continue;              /* overlapping chunk, already taken */
    gsize take = MIN(n - skip, max - buf->len);
    g_byte_array_append(buf, p + skip, (guint)take);
    end += (gint64)take;
    if (buf->len >= max) {
      *more = take < n - skip || sqlite3_step(q) == SQLITE_ROW;
      break;
    }
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    ms_fail(ms, q, error);
    g_byte_array_unref(buf);
    return NULL;
  }
  done(q);
  *start = first < 0 ? since : first;
  return g_byte_array_free_to_bytes(buf);
}

/* ---- migrations ---- */

gboolean
orch_modstore_log_migration(OrchModStore *ms, const OrchMigrationRecord *r,
                            GError **error)
{
  sqlite3_stmt *q = st(ms, MS_MIGRATION_LOG);
  bind_text(q, 1, r->id);
  bind_text(q, 2, r->module);
  bind_text(q, 3, r->source);
  bind_text(q, 4, r->target);
  bind_text(q, 5, r->reason);
  bind_text(q, 6, r->result);
  bind_text(q, 7, r->error);
  sqlite3_bind_int64(q, 8, r->started_at_ms);
  sqlite3_bind_int64(q, 9, r->ended_at_ms);
  sqlite3_bind_int64(q, 10, r->downtime_ms);
  sqlite3_bind_int64(q, 11, r->total_ms);
  return run(ms, q, error);
}

gint64
orch_modstore_count_migrations(OrchModStore *ms)
{
  sqlite3_stmt *q = st(ms, MS_MIGRATION_COUNT);
  gint64 n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  done(q);
  return n;
}
