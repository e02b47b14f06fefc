#pragma once
#include <glib.h>
#include "arts-common.h"

G_BEGIN_DECLS

/* What the agent says about its host and itself: telemetry samples on
 * stats/{uuid} and the ARTS keepalive. */

/* The agent's own counters, sent with every sample (unit 1):
 * samples lost for good since the state dir was created (buffer bound,
 * full disk, refused by the broker), and samples waiting in the buffer. */
#define AGENT_METRIC_DROPPED  "arts.agent.telemetry.dropped"
#define AGENT_METRIC_BUFFERED "arts.agent.telemetry.buffered"

/* ARTS judges liveness from this; ours also from stats and the last will. */
#define AGENT_KEEPALIVE_MS 10000

typedef struct {
  ArtsSampler sampler;
  char *uuid;
  int interval_ms;
} AgentTelemetry;

void agent_telemetry_init(AgentTelemetry *t, const char *uuid,
                          int interval_ms);
void agent_telemetry_clear(AgentTelemetry *t);
/* Samples the host and this process now. */
ArtsTelemetry *agent_telemetry_sample(AgentTelemetry *t, GError **error);
/* The stats/{uuid} payload: an update runtime_resp envelope. */
char *agent_telemetry_encode(ArtsTelemetry *sample, gboolean replayed,
                             gsize *len);
/* The keepalive payload: {"type": "runtime", uuid, name, ts}. */
char *agent_keepalive_encode(const char *uuid, const char *name,
                             gint64 ts_ms, gsize *len);

G_END_DECLS
