#pragma once
#include <gio/gio.h>
#include "arts-common.h"
#include "arts-series.h"

G_BEGIN_DECLS

/* One runtime of the realm as the dashboard sees it: what its retained
 * state says (name, platform, status) and what its telemetry says (load,
 * modules), plus the last minutes of samples for charts. Properties notify
 * only on change, so a bound card redraws only what moved. */
#define ARTS_TYPE_RUNTIME_ITEM (arts_runtime_item_get_type())
G_DECLARE_FINAL_TYPE(ArtsRuntimeItem, arts_runtime_item, ARTS, RUNTIME_ITEM,
                     GObject)

/* Charts show five minutes; the ring holds twice that many 1 s samples so
 * faster agents still fill a good part of the window. */
#define ARTS_RUNTIME_SERIES_CAPACITY 600
#define ARTS_RUNTIME_SERIES_SPAN_MS (5 * 60 * 1000)

ArtsRuntimeItem *arts_runtime_item_new(const char *uuid);

/* Takes what RT says (the orchestrator's view); status included. */
void arts_runtime_item_apply_runtime(ArtsRuntimeItem *self,
                                     const ArtsRuntime *rt);
/* Takes one telemetry sample. */
void arts_runtime_item_apply_telemetry(ArtsRuntimeItem *self,
                                       const ArtsTelemetry *t);
void arts_runtime_item_set_status(ArtsRuntimeItem *self, ArtsStatus status);
/* For a runtime the orchestrator has said nothing about (its telemetry
 * alone is known): dead when no sample arrived for 3 intervals before
 * NOW_MS, the wire's own rule. Returns TRUE when its status changed. A
 * runtime with state is left to the orchestrator. */
gboolean arts_runtime_item_check_silence(ArtsRuntimeItem *self,
                                         gint64 now_ms);

const char *arts_runtime_item_get_uuid(ArtsRuntimeItem *self);
/* The name, or the uuid's first block while the name is unknown. */
const char *arts_runtime_item_get_name(ArtsRuntimeItem *self);
const char *arts_runtime_item_get_runtime_type(ArtsRuntimeItem *self);
const char *arts_runtime_item_get_hostname(ArtsRuntimeItem *self);
/* "x86_64 · Linux 6.1.0-18-amd64 · 4 cores", or NULL when unknown. */
char *arts_runtime_item_dup_platform_summary(ArtsRuntimeItem *self);
const char *arts_runtime_item_get_arch(ArtsRuntimeItem *self);
/* uname -m as the runtime's kernel says it; its arch when it did not say
 * (older agents sent uname -m as arch). */
const char *arts_runtime_item_get_machine(ArtsRuntimeItem *self);
/* The device class and what the agent said of its process, for a card:
 * "aarch64 · 64-bit · little-endian" (unstated facts left out), or NULL
 * when the runtime did not say its architecture. */
char *arts_runtime_item_dup_arch_caption(ArtsRuntimeItem *self);
const char *arts_runtime_item_get_os(ArtsRuntimeItem *self);
const char *arts_runtime_item_get_os_release(ArtsRuntimeItem *self);
int arts_runtime_item_get_cpu_cores(ArtsRuntimeItem *self);
const char *const *arts_runtime_item_get_apis(ArtsRuntimeItem *self);
int arts_runtime_item_get_max_nmodules(ArtsRuntimeItem *self);
gboolean arts_runtime_item_get_alive(ArtsRuntimeItem *self);
ArtsStatus arts_runtime_item_get_status(ArtsRuntimeItem *self);
/* 0..1, negative while unknown. */
double arts_runtime_item_get_cpu(ArtsRuntimeItem *self);
/* Bytes; negative while unknown. */
gint64 arts_runtime_item_get_mem_used(ArtsRuntimeItem *self);
gint64 arts_runtime_item_get_mem_total(ArtsRuntimeItem *self);
/* mem-used / mem-total, 0..1; negative while unknown. */
double arts_runtime_item_get_mem_fraction(ArtsRuntimeItem *self);
/* Bytes per second; negative while unknown. */
double arts_runtime_item_get_net_rx_rate(ArtsRuntimeItem *self);
double arts_runtime_item_get_net_tx_rate(ArtsRuntimeItem *self);
guint arts_runtime_item_get_n_modules(ArtsRuntimeItem *self);
gint64 arts_runtime_item_get_last_sample_ms(ArtsRuntimeItem *self);
gint64 arts_runtime_item_get_last_seen_ms(ArtsRuntimeItem *self);

/* Live series: CPU (0..1), memory used (bytes), network receive and
 * transmit (bytes per second). */
ArtsSeries *arts_runtime_item_get_cpu_series(ArtsRuntimeItem *self);
ArtsSeries *arts_runtime_item_get_mem_series(ArtsRuntimeItem *self);
ArtsSeries *arts_runtime_item_get_rx_series(ArtsRuntimeItem *self);
ArtsSeries *arts_runtime_item_get_tx_series(ArtsRuntimeItem *self);

/* Its modules, a GListModel of ArtsModuleItem. */
GListModel *arts_runtime_item_get_modules(ArtsRuntimeItem *self);
/* Modules arrive and leave one by one (their state, their telemetry). */
void arts_runtime_item_add_module(ArtsRuntimeItem *self, gpointer module);
void arts_runtime_item_remove_module(ArtsRuntimeItem *self, gpointer module);

G_END_DECLS
