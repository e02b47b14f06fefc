#include "orchfx.h"

#include <glib/gstdio.h>

guint orchfx_warnings_seen;

void
orchfx_db_init(OrchFxDb *db, const char *tmpl)
{
  GError *error = NULL;
  db->dir = g_dir_make_tmp(tmpl, &error);
  g_assert_no_error(error);
  db->path = g_build_filename(db->dir, "realm.sqlite", NULL);
}

void
orchfx_db_clear(OrchFxDb *db)
{
  const char *names[] = { "realm.sqlite", "realm.sqlite-wal",
                          "realm.sqlite-shm" };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *p = g_build_filename(db->dir, names[i], NULL);
    g_unlink(p);
  }
  g_rmdir(db->dir);
  g_clear_pointer(&db->dir, g_free);
  g_clear_pointer(&db->path, g_free);
}

void
orchfx_db_setup(OrchFxDb *db, gconstpointer tmpl)
{
  orchfx_db_init(db, tmpl);
}

void
orchfx_db_teardown(OrchFxDb *db, gconstpointer tmpl)
{
  orchfx_db_clear(db);
}

GLogWriterOutput
orchfx_count_warnings(GLogLevelFlags level, const GLogField *fields, gsize n,
                      gpointer user_data)
{
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL
               | G_LOG_LEVEL_ERROR)) {
    orchfx_warnings_seen++;
    return g_log_writer_standard_streams(level, fields, n, user_data);
  }
  return G_LOG_WRITER_HANDLED;
}
