/* Replay of the offline buffer (see replay.h). */
#include "replay.h"

/* MQTT 5 reason codes from 0x80 are failures (0x10, "no matching
 * subscribers", is a success). */
#define REPLAY_REASON_FAILURE 0x80

void agent_replay_init(AgentReplay *r, AgentBuffer *buffer, ArtsMqtt *mqtt,
                       const char *topic)
{
  *r = (AgentReplay){ .buffer = buffer, .mqtt = mqtt,
                      .topic = g_strdup(topic) };
}

void agent_replay_clear(AgentReplay *r)
{
  agent_replay_stop(r);
  g_clear_pointer(&r->topic, g_free);
}

void agent_replay_stop(AgentReplay *r)
{
  g_clear_handle_id(&r->timer_id, g_source_remove);
  r->n_inflight = 0;
  r->cursor = 0;
}

static gboolean replay_send_row(gint64 id, gint64 ts_ms, const void *payload,
                                gsize len, gpointer user_data)
{
  AgentReplay *r = user_data;
  g_autoptr(GError) error = NULL;
  int mid = arts_mqtt_publish(r->mqtt, r->topic, payload, len, 1, FALSE,
                              NULL, 0, &error);

  if (mid < 0) {
    g_debug("replay paused: %s", error->message);
    return FALSE;
  }
  r->inflight[r->n_inflight++] = (AgentReplaySlot){ mid, id };
  r->cursor = id;
  return TRUE;
}

static gboolean replay_tick(gpointer user_data)
{
  AgentReplay *r = user_data;
  g_autoptr(GError) error = NULL;
  int n = 0;

  if (!arts_mqtt_is_connected(r->mqtt)) {
    r->timer_id = 0;
    agent_replay_stop(r);
    return G_SOURCE_REMOVE;
  }
  if (r->n_inflight < AGENT_REPLAY_WINDOW) {
    n = agent_buffer_foreach(r->buffer, r->cursor,
                             AGENT_REPLAY_WINDOW - r->n_inflight,
                             replay_send_row, r, &error);
    if (n < 0) {
      /* Acks in flight still settle; the next reconnect or stored sample
       * tries again. */
      g_warning("telemetry replay paused: %s", error->message);
      r->timer_id = 0;
      return G_SOURCE_REMOVE;
    }
  }
  if (n == 0 && r->n_inflight == 0) {
    /* Rows left behind the cursor (a failed delete) go out again. */
    if (agent_buffer_count(r->buffer) > 0 && r->cursor > 0) {
      r->cursor = 0;
      return G_SOURCE_CONTINUE;
    }
    if (r->sent > 0)
      g_message("telemetry replay done: %" G_GUINT64_FORMAT
                " buffered samples delivered", r->sent);
    r->sent = 0;
    r->timer_id = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

void agent_replay_start(AgentReplay *r)
{
  if (r->timer_id || !r->buffer || agent_buffer_count(r->buffer) == 0)
    return;
  g_message("replaying %u buffered telemetry samples",
            agent_buffer_count(r->buffer));
  r->timer_id = g_timeout_add_full(G_PRIORITY_LOW, AGENT_REPLAY_TICK_MS,
                                   replay_tick, r, NULL);
}

static void replay_settle(AgentReplay *r, gint64 row_id, int reason)
{
  g_autoptr(GError) error = NULL;

  if (reason >= REPLAY_REASON_FAILURE) {
    /* Retrying a sample the broker refuses (e.g. not authorized) would
     * block the buffer forever: it is dropped and counted. */
    if (!r->refusing)
      g_warning("broker refused a replayed sample (reason 0x%02x); "
                "dropping refused samples", reason);
    r->refusing = TRUE;
    agent_buffer_add_dropped(r->buffer, 1);
  } else {
    r->refusing = FALSE;
    r->sent++;
  }
  if (!agent_buffer_remove(r->buffer, row_id, &error))
    g_warning("telemetry replay: %s", error->message);
}

gboolean agent_replay_acked(AgentReplay *r, int mid, int reason)
{
  for (guint i = 0; i < r->n_inflight; i++) {
    if (r->inflight[i].mid != mid)
      continue;
    replay_settle(r, r->inflight[i].row_id, reason);
    r->inflight[i] = r->inflight[--r->n_inflight];
    return TRUE;
  }
  return FALSE;
}
