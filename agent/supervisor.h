#pragma once
#include <glib.h>
#include "arts-common.h"

G_BEGIN_DECLS

/* The module supervisor: answers control/{runtime_uuid} (create, delete,
 * migrate, resume, checkpoint), runs each module on its own thread
 * (module.h), fetches programs (program.h), carries output to
 * stdout/{module} and stdin/{module} to the program, moves snapshots over
 * snapshot/{module}, reports module_state changes and adds per-module
 * metrics to telemetry. Lives on the main loop; with no modules it has no
 * threads and no timers. */

typedef struct _AgentSupervisor AgentSupervisor;

typedef struct {
  const char *state_dir;
  const char *realm;
  const char *runtime_uuid;
  int max_nmodules;
} AgentSupervisorConfig;

AgentSupervisor *agent_supervisor_new(const AgentSupervisorConfig *cfg,
                                      GError **error);
/* Subscribes the control topic on MQTT (borrowed; outlives the
 * supervisor's use of it: call agent_supervisor_free before freeing it). */
void agent_supervisor_attach(AgentSupervisor *s, ArtsMqtt *mqtt);
void agent_supervisor_on_connect(AgentSupervisor *s, gboolean connected);
/* TRUE when the message was the supervisor's. */
gboolean agent_supervisor_on_message(AgentSupervisor *s, const char *topic,
                                     const guint8 *payload, gsize len,
                                     const ArtsMqttProp *props,
                                     guint n_props);
/* A PUBACK: TRUE when MID was one of the supervisor's publishes. */
gboolean agent_supervisor_on_publish(AgentSupervisor *s, int mid,
                                     int reason);
/* Adds every live module's metrics to SAMPLE. */
void agent_supervisor_add_metrics(AgentSupervisor *s, ArtsTelemetry *sample);
/* Modules that run, are paused or are being set up here. */
guint agent_supervisor_live(AgentSupervisor *s);
/* From now on creates are refused (no_fit, "draining"): the runtime is
 * leaving and its modules are being moved away. */
void agent_supervisor_drain(AgentSupervisor *s);
/* Stops every module; returns at once (their ends come as events). */
void agent_supervisor_stop_all(AgentSupervisor *s);
/* Stops and joins every module. */
void agent_supervisor_free(AgentSupervisor *s);

G_END_DECLS
