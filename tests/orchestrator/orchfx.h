/* Fixture pieces the orchestrator's C tests share: a temporary folder
 * with a realm.sqlite path in it, and a log writer that counts (and
 * shows) warnings while keeping the rest quiet. */
#ifndef ORCHFX_H
#define ORCHFX_H

#include <glib.h>

typedef struct {
  char *dir;
  char *path;   /* DIR/realm.sqlite, not created here */
} OrchFxDb;

/* A fresh folder named after TMPL (g_dir_make_tmp's "name-XXXXXX"). */
void orchfx_db_init(OrchFxDb *db, const char *tmpl);
/* Removes the database, its -wal and -shm, and the folder. */
void orchfx_db_clear(OrchFxDb *db);
/* The same as g_test_add fixture functions: the test data is TMPL. */
void orchfx_db_setup(OrchFxDb *db, gconstpointer tmpl);
void orchfx_db_teardown(OrchFxDb *db, gconstpointer tmpl);

/* Warnings, criticals and errors seen by orchfx_count_warnings. */
extern guint orchfx_warnings_seen;
GLogWriterOutput orchfx_count_warnings(GLogLevelFlags level,
                                       const GLogField *fields, gsize n,
                                       gpointer user_data);

#endif
