#pragma once
#include <glib.h>
#include "options.h"

G_BEGIN_DECLS

/* arts-agent: owns the main loop and the runtime's state, and wires
 * identity, registration, telemetry and the offline buffer to the MQTT
 * client. Returns the process exit code: 0 after a clean SIGTERM/SIGINT
 * goodbye, 1 when it cannot start. */
int agent_run(const AgentOptions *opts);

G_END_DECLS
