#pragma once
#include <glib.h>
#include "arts-common.h"
#include "buffer.h"

G_BEGIN_DECLS

/* Sends the offline buffer once the broker is back: oldest first, QoS 1,
 * not retained, at most AGENT_REPLAY_WINDOW unacknowledged at a time and at
 * most one batch per AGENT_REPLAY_TICK_MS, on a low-priority timer, so a
 * backlog of hours neither floods the broker nor delays live samples. A
 * row is deleted only after its PUBACK; a disconnect restarts from the
 * oldest row left (delivery is at least once; a re-sent sample keeps its
 * object_id, so duplicates can be recognised). */

#define AGENT_REPLAY_WINDOW 8
#define AGENT_REPLAY_TICK_MS 20

typedef struct {
  int mid;
  gint64 row_id;
} AgentReplaySlot;

typedef struct {
  AgentBuffer *buffer;   /* borrowed */
  ArtsMqtt *mqtt;        /* borrowed */
  char *topic;
  gint64 cursor;         /* last row id handed to the broker */
  AgentReplaySlot inflight[AGENT_REPLAY_WINDOW];
  guint n_inflight;
  guint timer_id;
  guint64 sent;          /* acknowledged in this run, for the log */
  gboolean refusing;     /* a refused PUBACK was logged */
} AgentReplay;

void agent_replay_init(AgentReplay *r, AgentBuffer *buffer, ArtsMqtt *mqtt,
                       const char *topic);
/* Starts sending when there is something to send (call on connect). */
void agent_replay_start(AgentReplay *r);
/* Forgets what is in flight (call on disconnect and shutdown). */
void agent_replay_stop(AgentReplay *r);
/* Handles a PUBACK; FALSE when MID was not a replayed sample. */
gboolean agent_replay_acked(AgentReplay *r, int mid, int reason);
void agent_replay_clear(AgentReplay *r);

G_END_DECLS
