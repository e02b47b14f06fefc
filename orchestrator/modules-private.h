/* What modules.c, migration.c and recovery.c share. */
#pragma once
#include "modules.h"
#include "modstore.h"
#include "placement.h"

/* One module the orchestrator knows. */
typedef struct {
  ArtsModule *m;            /* parent, state, status, view fields */
  gint64 out_next;          /* output offset expected next */
  gint64 out_gaps;          /* output bytes never received */
  gint64 ended_us;          /* monotonic: when it ended (D/E); 0: live */
  gint64 moved_us;          /* monotonic: its latest migration ended */
  gint64 ckpt_us;           /* monotonic: latest checkpoint asked */
  double cpu;               /* process.cpu.utilization from telemetry */
  struct _OrchMigration *mig;  /* in progress, or NULL */
  gboolean busy;            /* a create/restart/stop is in flight */
  gboolean stopping;        /* an operator stop was sent */
  gboolean own_snapshot;    /* we published its checkpoint: skip the echo */
  gint64 retry_us;          /* monotonic: next restart try while K */
  gint64 dup_us;            /* monotonic: a stray copy was last dropped */
  gint64 orphan_us;         /* monotonic: seen paused with no migration */
} OrchMod;

/* What the latest telemetry of a runtime said. */
typedef struct {
  double cpu;               /* NAN: unknown */
  gint64 mem_avail;         /* -1: unknown */
  gint64 over_since_us;     /* CPU above the threshold since; 0: not */
  gboolean draining;
  gint64 promised;          /* max_memory placed since that telemetry */
  GHashTable *listed;       /* module uuid -> its state there (+1) */
  gboolean fresh;           /* taken since we started: not the retained
                             * sample of before (what modules it lists
                             * may have changed since) */
} OrchRtLoad;

#define ORCH_NOT_LISTED (-1)
/* The state L's telemetry gave module UUID (0 when it gave none), or
 * ORCH_NOT_LISTED. */
int orch_rt_lists(const OrchRtLoad *l, const char *uuid);

/* A request to a runtime on control/{uuid}; FN gets the answer's details
 * or an error (refused, timed out, runtime died). */
typedef void (*OrchRtFunc)(OrchModules *mods, JsonObject *details,
                           const GError *error, gpointer user_data);

typedef struct {
  char *object_id;
  char *runtime;
  OrchRtFunc fn;
  gpointer user_data;
  GDestroyNotify notify;
  guint timer;
  OrchModules *mods;
} OrchRtPending;

struct _OrchModules {
  OrchStore *store;
  OrchModStore *ms;
  OrchRealm *realm;
  ArtsMqtt *mqtt;
  char *realm_name;
  OrchModuleSettings set;
  GHashTable *mods;         /* uuid -> OrchMod* */
  GHashTable *loads;        /* runtime uuid -> OrchRtLoad* */
  GHashTable *pending;      /* object_id -> OrchRtPending* */
  GHashTable *rejected;     /* sha256 -> why its bytes were refused */
  GPtrArray *waiting;       /* creates waiting for their program */
  GHashTable *drains;       /* runtime uuid -> OrchDrain* */
  GHashTable *dead_seen;    /* runtime uuid -> status last seen (char) */
  gboolean recovered;       /* modules of runtimes dead at start handled */
  gint64 started_ms;        /* wall clock: when we started */
  char *topics[7];
  char *t_log, *t_notif;
};

/* rtreq.c */
void orch_rt_pending_free(gpointer p);
/* Every request in flight to RUNTIME fails now (it died). */
void orch_rt_fail_pending(OrchModules *mods, const char *runtime);
gboolean orch_rt_answer(OrchModules *mods, const char *runtime,
                        const ArtsEnvelope *env);

/* operator.c */
void orch_operator_control(OrchModules *mods, const char *topic,
                           const guint8 *payload, gsize len);
void orch_programs_handle(OrchModules *mods, const char *topic,
                          const char *sha, const guint8 *payload, gsize len);
void orch_operator_waiting_free(gpointer p);

/* modules.c */
void orch_mods_publish(OrchModules *mods, const char *topic,
                       ArtsEnvelope *env, gboolean retain);
OrchMod *orch_mod_find(OrchModules *mods, const char *uuid_or_name);
void orch_mod_changed(OrchModules *mods, OrchMod *mod);
void orch_mod_event(OrchModules *mods, ArtsEvent *e);
ArtsEvent *orch_mod_event_new(OrchMod *mod, const char *event,
                              const char *reason);
gboolean orch_mod_live(const OrchMod *mod);
void orch_mods_answer(OrchModules *mods, const char *topic,
                      const ArtsEnvelope *req, JsonObject *details,
                      const GError *error);
void orch_mods_log(OrchModules *mods, const char *topic,
                   const char *object_id, const char *fmt, ...)
  G_GNUC_PRINTF(4, 5);
gboolean orch_rt_request(OrchModules *mods, const char *runtime,
                         const char *action, JsonObject *data,
                         guint timeout_ms, OrchRtFunc fn, gpointer user_data,
                         GDestroyNotify notify);
JsonObject *orch_mod_wire(const OrchMod *mod);
/* orch_mod_wire() for a create on RUNTIME that restores the module
 * (docs/protocol.md, "Modules, programs and migration"): from the snapshot
 * of MIGRATION, or from its checkpoint when MIGRATION is NULL. */
JsonObject *orch_mod_restore_wire(const OrchMod *mod, const char *runtime,
                                  const char *migration);
JsonObject *orch_mod_simple(const OrchMod *mod, const char *extra_key,
                            const char *extra_value);
/* The modules on RUNTIME (their parent) whose status is STATUS, borrowed,
 * in no order. */
GPtrArray *orch_mods_on(OrchModules *mods, const char *runtime,
                        ArtsStatus status);
OrchRtLoad *orch_rt_load(OrchModules *mods, const char *runtime);
const char *orch_rt_name(OrchModules *mods, const char *uuid);
/* Placement over the realm now: the runtime uuid (static to the realm) or
 * NULL with an ARTS_ERROR_NO_FIT error saying why. */
const char *orch_mods_place(OrchModules *mods, const ArtsModule *m,
                            const char *on, const char *exclude,
                            double cpu_cap, double module_cpu,
                            GError **error);
void orch_mods_republish_program(OrchModules *mods, const char *sha256);

/* orphans.c: RUNTIME's telemetry lists MOD (whose runtime it is) in
 * STATE; settles a module left paused by a migration we lost track of. */
void orch_orphans_check(OrchModules *mods, OrchMod *mod, const char *runtime,
                        ArtsModuleState state);

/* migration.c */
typedef struct _OrchMigration OrchMigration;
typedef void (*OrchMigrationDone)(OrchModules *mods, OrchMod *mod,
                                  const ArtsMigration *result,
                                  const GError *error, gpointer user_data);
/* Starts moving MOD to TARGET; DONE is called once at the end. */
void orch_migration_start(OrchModules *mods, OrchMod *mod,
                          const char *target, const char *reason,
                          OrchMigrationDone done, gpointer user_data);
/* A module_state report or a snapshot that may concern a migration. */
void orch_migration_state(OrchModules *mods, OrchMod *mod,
                          const ArtsModuleUpdate *u, const char *runtime);
void orch_migration_snapshot(OrchModules *mods, OrchMod *mod,
                             const char *migration);
/* RUNTIME died: migrations that involve it go on or fail. */
void orch_migration_runtime_died(OrchModules *mods, const char *runtime);
void orch_drain_start(OrchModules *mods, const char *runtime,
                      const char *topic, const ArtsEnvelope *req);
void orch_overload_check(OrchModules *mods, const char *runtime,
                         const ArtsTelemetry *t);

/* recovery.c */
void orch_recovery_runtime_dead(OrchModules *mods, const char *runtime);
void orch_recovery_runtime_back(OrchModules *mods, const char *runtime);
/* Restarts MOD elsewhere (from its checkpoint when it has one). */
void orch_recovery_restart(OrchModules *mods, OrchMod *mod);
/* MOD's runtime is dead: restart it or let it wait (K), by its policy. */
void orch_recovery_orphan(OrchModules *mods, OrchMod *mod);
void orch_recovery_tick(OrchModules *mods);
