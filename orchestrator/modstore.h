/* The module side of the realm's SQLite file (schema version 3): programs
 * by hash, modules, the latest checkpoint of each module, the recent
 * output of each module and the log of migrations. It shares the
 * connection of the OrchStore that opened (and migrated) the file; every
 * statement is prepared once. See docs/orchestrator.md, "Store". */
#pragma once
#include "arts-common.h"
#include "store.h"

G_BEGIN_DECLS

/* Output kept per module: the newest bytes, older ones are dropped. */
#define ORCH_OUTPUT_KEEP (256 * 1024)

typedef struct _OrchModStore OrchModStore;

OrchModStore *orch_modstore_new(OrchStore *store, GError **error);
void orch_modstore_free(OrchModStore *ms);

/* Programs: the bytes are checked by the caller. Saving a stored one
 * again changes nothing. */
gboolean orch_modstore_save_program(OrchModStore *ms, const char *sha256,
                                    GBytes *bytes, GError **error);
/* NULL with no error when absent. */
GBytes *orch_modstore_load_program(OrchModStore *ms, const char *sha256,
                                   GError **error);
gboolean orch_modstore_has_program(OrchModStore *ms, const char *sha256);

/* Modules: the whole module (its JSON, with the orchestrator's view:
 * state, parent, started_at, exit_code, error, migrations) plus where its
 * output stands. */
gboolean orch_modstore_save_module(OrchModStore *ms, const ArtsModule *m,
                                   gint64 output_end, gint64 output_gaps,
                                   GError **error);
/* Every stored module (ArtsModule*); END and GAPS (may be NULL) get the
 * output columns in the same order (gint64 arrays). Rows that no longer
 * decode are skipped with a warning. */
GPtrArray *orch_modstore_load_modules(OrchModStore *ms, GArray **ends,
                                      GArray **gaps, GError **error);
/* The module, its checkpoint and its output. */
gboolean orch_modstore_forget_module(OrchModStore *ms, const char *uuid,
                                     GError **error);

/* The latest checkpoint (or migration snapshot) of a module replaces the
 * one before. */
gboolean orch_modstore_save_checkpoint(OrchModStore *ms, const char *module,
                                       GBytes *bytes, gint64 stdout_offset,
                                       const char *kind, gint64 taken_at_ms,
                                       GError **error);
/* NULL with no error when there is none. */
GBytes *orch_modstore_load_checkpoint(OrchModStore *ms, const char *module,
                                      gint64 *stdout_offset,
                                      gint64 *taken_at_ms, GError **error);

/* Output: bytes DATA at OFFSET of the module's stream (the caller has
 * dropped what it already had); bytes older than ORCH_OUTPUT_KEEP below
 * the end go. */
gboolean orch_modstore_append_output(OrchModStore *ms, const char *module,
                                     gint64 offset, const void *data,
                                     gsize len, GError **error);
/* A message of the module's output as it arrives: LEN bytes at OFFSET.
 * Bytes below *NEXT (duplicates, e.g. sent again after a reconnect) are
 * dropped, bytes missing before OFFSET are added to *GAPS, the rest is
 * stored and *NEXT moves past it. Returns how many bytes were new. */
gsize orch_modstore_take_output(OrchModStore *ms, const char *module,
                                gint64 *next, gint64 *gaps, gint64 offset,
                                const void *data, gsize len, GError **error);
/* The contiguous stored output from SINCE (or from the oldest byte kept,
 * when that is later), at most MAX bytes: *start is its first offset,
 * *more says the store holds bytes after it. Empty (and *start = the end
 * of what is stored, or SINCE) when there is nothing newer. */
GBytes *orch_modstore_read_output(OrchModStore *ms, const char *module,
                                  gint64 since, gsize max, gint64 *start,
                                  gboolean *more, GError **error);

/* One finished (or failed) migration, for the record. */
typedef struct {
  const char *id, *module, *source, *target, *reason, *result, *error;
  gint64 started_at_ms, ended_at_ms, downtime_ms, total_ms;
} OrchMigrationRecord;

gboolean orch_modstore_log_migration(OrchModStore *ms,
                                     const OrchMigrationRecord *r,
                                     GError **error);
/* How many migrations the log holds (tests). */
gint64 orch_modstore_count_migrations(OrchModStore *ms);

G_END_DECLS
