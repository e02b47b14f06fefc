/* The realm's runtimes as the orchestrator sees them: registration, status
 * (A alive, D dead), liveness from telemetry, and every change written to
 * the store and told to the world through hooks (retained state, notif).
 * The rules are in docs/orchestrator.md. */
#pragma once
#include "arts-common.h"
#include "store.h"

G_BEGIN_DECLS

#define ORCH_ERROR (orch_error_quark())
GQuark orch_error_quark(void);

typedef struct _OrchRealm OrchRealm;

typedef struct {
  /* The runtime's status or registration changed: republish its state. */
  void (*state_changed)(const ArtsRuntime *rt, gpointer user_data);
  /* Something happened (runtime_joined, ...): tell everyone. */
  void (*event)(const ArtsEvent *e, gpointer user_data);
  /* The store failed; the realm goes on in memory. */
  void (*store_failed)(const GError *error, gpointer user_data);
} OrchRealmHooks;

/* DEAD_AFTER: missed telemetry intervals before a runtime is dead. */
OrchRealm *orch_realm_new(OrchStore *store, int dead_after,
                          const OrchRealmHooks *hooks, gpointer user_data);
void orch_realm_free(OrchRealm *r);

/* Loads the runtimes from the store. Alive ones get a fresh deadline from
 * NOW_US (monotonic): their telemetry has that long to resume. Rows that
 * no longer decode are skipped with a warning. */
gboolean orch_realm_load(OrchRealm *r, gint64 now_us, GError **error);

/* reg create. Returns the runtime as stored (borrowed), or NULL with an
 * ARTS_ERROR (CONFLICT for a name or uuid in use elsewhere). */
const ArtsRuntime *orch_realm_register(OrchRealm *r, const ArtsRuntime *reg,
                                       gint64 now_us, GError **error);
/* What orch_realm_deregister() would refuse, without doing it: the
 * runtime (borrowed) or NULL with the error. */
const ArtsRuntime *orch_realm_check_deregister(OrchRealm *r,
                                               const char *uuid,
                                               const char *name,
                                               GError **error);
/* reg delete: the runtime is dead (left). NAME, when given, must match. */
const ArtsRuntime *orch_realm_deregister(OrchRealm *r, const char *uuid,
                                         const char *name, GError **error);
/* The same reg delete as the runtime's last will (user property cause =
 * last_will): the broker lost its connection, so it died (runtime_died). */
const ArtsRuntime *orch_realm_connection_lost(OrchRealm *r, const char *uuid,
                                              const char *name,
                                              GError **error);
/* A sample from stats/{TOPIC_UUID}. DATA is the sample as received, kept
 * as the runtime's latest telemetry. */
gboolean orch_realm_telemetry(OrchRealm *r, const char *topic_uuid,
                              const ArtsTelemetry *t, JsonObject *data,
                              gint64 now_us, GError **error);
/* Every alive runtime gets a fresh deadline from NOW_US, as after a
 * restart: for when the orchestrator itself could not hear anyone (its
 * broker connection was down), which says nothing about the runtimes. */
void orch_realm_grace(OrchRealm *r, gint64 now_us);
/* Marks dead every alive runtime whose deadline passed. Returns how many. */
guint orch_realm_sweep(OrchRealm *r, gint64 now_us);

/* By uuid only; NULL when unknown. */
const ArtsRuntime *orch_realm_get(OrchRealm *r, const char *uuid);
/* By uuid, else by name (the alive one, else the one seen last). */
const ArtsRuntime *orch_realm_find(OrchRealm *r, const char *uuid_or_name);
/* Every runtime (const ArtsRuntime*), by name then uuid. */
GPtrArray *orch_realm_list(OrchRealm *r);
guint orch_realm_count(OrchRealm *r, ArtsStatus status);

G_END_DECLS
