/* arts-orchestrator on the wire: subscribes to reg, stats/+ and query,
 * answers requests on the topic they came on, keeps the retained
 * state/runtime/{uuid} topics and the notif and log/orchestrator streams,
 * and runs the liveness check, the sample flush and the store's roll-up on
 * timers of the GLib main loop. */
#pragma once
#include "arts-common.h"
#include "modules.h"
#include "store.h"

G_BEGIN_DECLS

typedef struct {
  int dead_after;            /* missed telemetry intervals: 3 */
  int check_ms;              /* liveness check and sample flush: 200 */
  int maintain_s;            /* roll-up and pruning: 60 */
  OrchStoreRetention retention;
  OrchModuleSettings modules; /* issue 4: checkpoints, overload, steps */
} OrchSettings;

/* Defaults, then the [orchestrator] group of CFG's key file; an unknown
 * key or a value out of range is an error naming it. */
gboolean orch_settings_load(OrchSettings *set, const ArtsConfig *cfg,
                            GError **error);

typedef struct _OrchDaemon OrchDaemon;

/* Opens STATE_DIR/realm.sqlite and loads the realm. */
OrchDaemon *orch_daemon_new(const ArtsConfig *cfg, const OrchSettings *set,
                            GError **error);
/* Connects (asynchronously) and starts the timers. */
gboolean orch_daemon_start(OrchDaemon *d, GError **error);
/* One message as if it came from the broker, and one tick of the
 * liveness check and sample flush: what the callbacks and timers call,
 * open to tests and the fuzzer. */
void orch_daemon_handle(OrchDaemon *d, const char *topic,
                        const void *payload, gsize len);
void orch_daemon_tick(OrchDaemon *d);
/* The same with the message's MQTT 5 user properties (stdout offsets,
 * snapshot kinds). */
void orch_daemon_handle_props(OrchDaemon *d, const char *topic,
                              const void *payload, gsize len,
                              const ArtsMqttProp *props, guint n_props);
/* Writes what is queued and leaves the broker cleanly. */
void orch_daemon_stop(OrchDaemon *d);
void orch_daemon_free(OrchDaemon *d);

G_END_DECLS
