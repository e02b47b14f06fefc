#pragma once
#include <glib-object.h>
#include "arts-common.h"
#include "arts-channel.h"
#include "arts-series.h"

G_BEGIN_DECLS

/* A module (a running program) as the dashboard knows it from the wire:
 * its retained state and its share of its runtime's telemetry. Shown as a
 * chip on its runtime's card. */
#define ARTS_TYPE_MODULE_ITEM (arts_module_item_get_type())
G_DECLARE_FINAL_TYPE(ArtsModuleItem, arts_module_item, ARTS, MODULE_ITEM,
                     GObject)

ArtsModuleItem *arts_module_item_new(const char *uuid);
const char *arts_module_item_get_uuid(ArtsModuleItem *self);
const char *arts_module_item_get_name(ArtsModuleItem *self);
void arts_module_item_set_name(ArtsModuleItem *self, const char *name);
const char *arts_module_item_get_runtime(ArtsModuleItem *self);
void arts_module_item_set_runtime(ArtsModuleItem *self, const char *uuid);
/* A status letter of ARTS: 'A', 'D', 'E', 'K'. */
char arts_module_item_get_status(ArtsModuleItem *self);
void arts_module_item_set_status(ArtsModuleItem *self, char status);
/* CPU use of one core, 0..1; negative: unknown. */
double arts_module_item_get_cpu(ArtsModuleItem *self);
void arts_module_item_set_cpu(ArtsModuleItem *self, double cpu);
/* ArtsModuleState (running, migrating, ...); 0 when not known. */
int arts_module_item_get_state(ArtsModuleItem *self);
void arts_module_item_set_state(ArtsModuleItem *self, int state);
/* TRUE while an operator's migration of it is under way. */
gboolean arts_module_item_get_moving(ArtsModuleItem *self);
void arts_module_item_set_moving(ArtsModuleItem *self, gboolean moving);

/* Live series from its share of the telemetry: CPU (of one core), linear
 * memory (bytes), instructions per second. */
ArtsSeries *arts_module_item_get_cpu_series(ArtsModuleItem *self);
ArtsSeries *arts_module_item_get_mem_series(ArtsModuleItem *self);
ArtsSeries *arts_module_item_get_instr_series(ArtsModuleItem *self);
int arts_module_item_get_migrations(ArtsModuleItem *self);
gint64 arts_module_item_get_started_at(ArtsModuleItem *self);
void arts_module_item_set_record(ArtsModuleItem *self, int migrations,
                                 gint64 started_at_ms);

/* A migration seen on notif (module_migrated) while the dashboard was
 * connected: the retained state only counts them. */
typedef struct {
  gint64 ts_ms;
  char *source, *target;  /* runtime uuids; may be NULL */
  gboolean has_times;
  gint64 downtime_ms;
  char *reason;           /* operator, drain, overload; may be NULL */
} ArtsMigrationRecord;

void arts_module_item_add_migration(ArtsModuleItem *self, gint64 ts_ms,
                                    const char *source, const char *target,
                                    gboolean has_times, gint64 downtime_ms,
                                    const char *reason);
/* ArtsMigrationRecord*, oldest first, at most the newest 50. */
GPtrArray *arts_module_item_get_migration_log(ArtsModuleItem *self);

/* Its channels as its state lists them (ArtsChannel*: name, mode); takes
 * CHANNELS (NULL: none). Notifies "channels" when they changed. */
void arts_module_item_set_declared_channels(ArtsModuleItem *self,
                                            GPtrArray *channels);
/* ArtsChannel*, never NULL. */
GPtrArray *arts_module_item_get_declared_channels(ArtsModuleItem *self);
/* Per-channel counters (ArtsChannelMetrics*) of a sample taken at TS_MS
 * (telemetry, or the orchestrator's channel_stats); LIST is copied. An
 * older sample than the one held is ignored. Notifies "channels". */
void arts_module_item_set_channel_counters(ArtsModuleItem *self,
                                           const GPtrArray *list,
                                           gint64 ts_ms);
/* ArtsChannelMetrics*, never NULL; empty before any sample. */
GPtrArray *arts_module_item_get_channel_counters(ArtsModuleItem *self);

G_END_DECLS
