/* The realm's durable state: one SQLite file (STATE_DIR/realm.sqlite, WAL).
 *
 * Runtimes, events and metric history. Samples are kept at full resolution
 * for an hour and as 1-minute aggregates for a week; orch_store_maintain()
 * rolls complete minutes up and prunes, in one transaction. Samples and
 * runtime "last seen" updates are queued in memory and written by
 * orch_store_flush() in one transaction per tick, so a thousand runtimes at
 * 1 Hz cost a handful of transactions a second. The schema is versioned
 * (PRAGMA user_version) and migrated forward at open; see
 * docs/orchestrator.md. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

#define ORCH_STORE_ERROR (orch_store_error_quark())
GQuark orch_store_error_quark(void);

typedef enum {
  ORCH_STORE_ERROR_OPEN,     /* not a database, unreadable, too new */
  ORCH_STORE_ERROR_SQL,      /* a statement failed (disk full, locked...) */
  ORCH_STORE_ERROR_DATA,     /* a stored row does not decode */
} OrchStoreError;

/* Schema versions, in order; the latest is what this build writes. */
#define ORCH_STORE_SCHEMA_VERSION 3

#define ORCH_STORE_RAW_RETENTION_MS   (3600 * 1000LL)
#define ORCH_STORE_AGG_RETENTION_MS   (7 * 24 * 3600 * 1000LL)
#define ORCH_STORE_EVENT_RETENTION_MS (7 * 24 * 3600 * 1000LL)
#define ORCH_STORE_MINUTE_MS          60000LL

typedef struct _OrchStore OrchStore;

/* One row of the runtimes table. The JSON columns hold exactly what the
 * runtime registered (apis, platform, metadata) and its latest telemetry
 * sample's data object; they are text here so the store stays a store. */
typedef struct {
  char *uuid;
  char *name;
  char *runtime_type;
  char *apis_json;        /* JSON array */
  gint64 max_nmodules;
  gint64 page_size;
  char *aot_target;       /* may be NULL */
  char *platform_json;    /* JSON object */
  char *metadata_json;    /* JSON object or NULL */
  char status;            /* 'A', 'D', ... */
  gint64 first_seen_ms;
  gint64 last_seen_ms;
  gint64 interval_ms;     /* telemetry interval; 0: none seen yet */
  gint64 telemetry_ts_ms; /* ts of the latest live sample; 0: none */
  char *telemetry_json;   /* that sample's data object, or NULL */
} OrchRuntimeRow;

OrchRuntimeRow *orch_runtime_row_new(void);
OrchRuntimeRow *orch_runtime_row_copy(const OrchRuntimeRow *r);
void orch_runtime_row_free(OrchRuntimeRow *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OrchRuntimeRow, orch_runtime_row_free)

typedef struct {
  gint64 id;
  gint64 ts_ms;
  char *event;            /* "runtime_joined", ... */
  char *uuid;
  char *name;
  char *reason;
} OrchEvent;

void orch_event_free(OrchEvent *e);

/* A point of history: raw points have count 1 and avg = min = max. */
typedef struct {
  gint64 ts_ms;           /* raw: sample time; 1m: start of the minute */
  double avg, min, max;
  gint64 count;
} OrchPoint;

typedef struct {
  gint64 raw_retention_ms;
  gint64 agg_retention_ms;
  gint64 event_retention_ms;
} OrchStoreRetention;

/* Opens or creates PATH and migrates it to ORCH_STORE_SCHEMA_VERSION.
 * A file written by a newer build is refused, never downgraded. */
OrchStore *orch_store_open(const char *path, GError **error);
/* Opens PATH migrated only up to VERSION, so tests can build the files
 * older builds wrote. Below the latest version such a store is good only
 * for orch_store_schema_version() and orch_store_free(). */
OrchStore *orch_store_open_at_version(const char *path, int version,
                                      GError **error);
void orch_store_free(OrchStore *s);
int orch_store_schema_version(OrchStore *s);
/* The connection (sqlite3 *), for modstore.c, which keeps the module
 * tables of the same file. */
void *orch_store_sqlite(OrchStore *s);
void orch_store_set_retention(OrchStore *s, const OrchStoreRetention *r);

/* Inserts or replaces the whole row (registration, status change). */
gboolean orch_store_save_runtime(OrchStore *s, const OrchRuntimeRow *r,
                                 GError **error);
/* All runtimes, ordered by name then uuid (OrchRuntimeRow*). */
GPtrArray *orch_store_load_runtimes(OrchStore *s, GError **error);

gboolean orch_store_add_event(OrchStore *s, gint64 ts_ms, const char *event,
                              const char *uuid, const char *name,
                              const char *reason, GError **error);
/* Events with ts >= SINCE_MS, oldest first, at most LIMIT (OrchEvent*). */
GPtrArray *orch_store_events(OrchStore *s, gint64 since_ms, guint limit,
                             GError **error);

/* Queues a sample (MODULE "" for the runtime's own metrics). */
void orch_store_queue_sample(OrchStore *s, const char *runtime_uuid,
                             const char *module_uuid, const char *metric,
                             gint64 ts_ms, double value);
/* Queues the runtime's "last seen" columns and latest sample; the newest
 * queued update per runtime wins. */
void orch_store_queue_seen(OrchStore *s, const char *uuid,
                           gint64 last_seen_ms, gint64 interval_ms,
                           gint64 telemetry_ts_ms,
                           const char *telemetry_json);
guint orch_store_queued(OrchStore *s);
/* Writes everything queued in one transaction. On failure the queue is
 * dropped (and counted): the daemon goes on. */
gboolean orch_store_flush(OrchStore *s, GError **error);
guint64 orch_store_dropped_samples(OrchStore *s);

/* Rolls every complete minute up into 1-minute aggregates, then prunes raw
 * samples, aggregates and events past their retention; one transaction. */
gboolean orch_store_maintain(OrchStore *s, gint64 now_ms, GError **error);

/* The series of RUNTIME_UUID's (runtime-level) METRIC between SINCE_MS and
 * UNTIL_MS inclusive, oldest first: raw samples, or 1-minute aggregates
 * when AGGREGATED. At most LIMIT points: the newest are kept. Returns an
 * array of OrchPoint; *found is FALSE when no such series exists. */
GArray *orch_store_history(OrchStore *s, const char *runtime_uuid,
                           const char *metric, gint64 since_ms,
                           gint64 until_ms, gboolean aggregated, guint limit,
                           gboolean *found, GError **error);
/* Metric names stored for RUNTIME_UUID (runtime level), sorted. */
GStrv orch_store_metrics(OrchStore *s, const char *runtime_uuid,
                         GError **error);

G_END_DECLS
