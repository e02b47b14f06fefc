/* The realm's modules as the orchestrator keeps them: operator requests
 * on control (create, delete, migrate), the runtimes' answers and
 * module_state reports on control/{runtime}, programs on program/+,
 * snapshots on snapshot/+, output on stdout/+, the modules and logs
 * queries, retained state/module/{uuid}, module events on notif, periodic
 * checkpoints, recovery of a dead runtime's modules, drain and overload
 * shedding. The wire is WIRE-MODULES.md (docs/protocol.md); the policy
 * docs/orchestrator.md. */
#pragma once
#include "arts-common.h"
#include "realm.h"
#include "store.h"

G_BEGIN_DECLS

typedef struct {
  int checkpoint_ms;        /* periodic checkpoints of restart modules */
  double overload_cpu;      /* runtime CPU above this ... */
  int overload_window_ms;   /* ... this long sheds a module */
  double overload_target;   /* a target must stay below this after it */
  int overload_quiet_ms;    /* a moved module is not moved again before */
  int step_timeout_ms;      /* each step of a migration */
} OrchModuleSettings;

void orch_module_settings_defaults(OrchModuleSettings *s);

typedef struct _OrchModules OrchModules;

/* Loads the stored modules. MQTT is the daemon's client (publishes only;
 * the daemon subscribes and passes messages in). */
OrchModules *orch_modules_new(OrchStore *store, OrchRealm *realm,
                              ArtsMqtt *mqtt, const char *realm_name,
                              const OrchModuleSettings *set, GError **error);
void orch_modules_free(OrchModules *mods);

/* The topics the daemon subscribes for us (NULL-terminated, owned). */
const char *const *orch_modules_topics(OrchModules *mods);

/* A message on one of our topics (LEAF and REST from arts_topic_parse);
 * FALSE when it is not ours. */
gboolean orch_modules_handle(OrchModules *mods, const char *topic,
                             const char *leaf, const char *rest,
                             const guint8 *payload, gsize len,
                             const ArtsMqttProp *props, guint n_props);
/* reg update (draining): answered by us on TOPIC. */
void orch_modules_reg_update(OrchModules *mods, const char *topic,
                             const ArtsEnvelope *env);
/* query types "modules" and "logs": the details, or NULL with ERROR. */
JsonObject *orch_modules_query(OrchModules *mods, const ArtsQuery *q,
                               GError **error);
/* A runtime's status changed (realm hook): dead ones' modules are
 * recovered, returning ones get their K modules back. */
void orch_modules_runtime_changed(OrchModules *mods, const ArtsRuntime *rt);
/* A telemetry sample that the realm accepted. */
void orch_modules_telemetry(OrchModules *mods, const ArtsTelemetry *t);
/* (Re)connected: retained module states and programs go out again. */
void orch_modules_connected(OrchModules *mods);
/* Checkpoints, overload, forgetting old modules: every check tick. */
void orch_modules_tick(OrchModules *mods);

G_END_DECLS
