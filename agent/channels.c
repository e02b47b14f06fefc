/* Channels on the agent's side: subscriptions, delivery, publishing and
 * the migration pre-buffer (see channels.h and docs/channels.md). */
#include "channels.h"

#include <errno.h>
#include <string.h>

#include "arts-channel.h"
#include "arts-error.h"

struct _AgentChannels {
  ArtsMqtt *mqtt;
  char *realm;
  GHashTable *subs;        /* topic -> count of modules reading it */
  GPtrArray *modules;      /* AgentModuleChannels, borrowed */
  GAsyncQueue *out;        /* ChOut from module threads */
  gint flush_queued;       /* atomic: an idle flush is scheduled */
};

struct _AgentModuleChannels {
  AgentChannels *agent;
  char *uuid;
  GPtrArray *list;         /* ArtsChannel */
  gsize msg_max, queue_max;
  GMutex lock;             /* set, pending: main thread vs module thread */
  wasi_channels *set;
  GQueue pending;          /* ChIn received before the set was bound */
  guint64 pending_dropped;
};

typedef struct {
  char *name, *src;
  guint64 seq;
  GBytes *data;
} ChIn;

typedef struct {
  char *topic;
  char src[WASI_CH_SRC_MAX + 1];
  guint64 seq;
  GBytes *data;
} ChOut;

static void ch_in_free(ChIn *m)
{
  g_free(m->name);
  g_free(m->src);
  g_bytes_unref(m->data);
  g_free(m);
}

static void ch_out_free(ChOut *m)
{
  g_free(m->topic);
  g_bytes_unref(m->data);
  g_free(m);
}

AgentChannels *agent_channels_new(ArtsMqtt *mqtt, const char *realm)
{
  AgentChannels *c = g_new0(AgentChannels, 1);

  c->mqtt = mqtt;
  c->realm = g_strdup(realm);
  c->subs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  c->modules = g_ptr_array_new();
  c->out = g_async_queue_new_full((GDestroyNotify)ch_out_free);
  return c;
}

void agent_channels_free(AgentChannels *c)
{
  if (!c)
    return;
  while (g_idle_remove_by_data(c))  /* a flush scheduled by a module */
    ;
  g_hash_table_unref(c->subs);
  g_ptr_array_unref(c->modules);
  g_async_queue_unref(c->out);
  g_free(c->realm);
  g_free(c);
}

static void sub_ref(AgentChannels *c, const char *name)
{
  char *topic = arts_channel_topic(c->realm, name);
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(c->subs, topic));

  if (n == 0)
    arts_mqtt_subscribe(c->mqtt, topic, 1);
  g_hash_table_insert(c->subs, topic, GUINT_TO_POINTER(n + 1));
}

static void sub_unref(AgentChannels *c, const char *name)
{
  g_autofree char *topic = arts_channel_topic(c->realm, name);
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(c->subs, topic));

  if (n > 1) {
    g_hash_table_insert(c->subs, g_strdup(topic), GUINT_TO_POINTER(n - 1));
  } else if (n == 1) {
    g_hash_table_remove(c->subs, topic);
    arts_mqtt_unsubscribe(c->mqtt, topic);
  }
}

AgentModuleChannels *agent_channels_attach(AgentChannels *c,
                                           const char *uuid,
                                           JsonArray *channels,
                                           gsize msg_max, gsize queue_max,
                                           GError **error)
{
  GPtrArray *list = arts_channels_from_json(channels, error);
  AgentModuleChannels *mc;

  if (!list)
    return NULL;
  mc = g_new0(AgentModuleChannels, 1);
  mc->agent = c;
  mc->uuid = g_strdup(uuid);
  mc->list = list;
  mc->msg_max = msg_max;
  mc->queue_max = queue_max;
  g_mutex_init(&mc->lock);
  g_queue_init(&mc->pending);
  for (guint i = 0; i < list->len; i++) {
    ArtsChannel *ch = list->pdata[i];
    if (ch->mode & ARTS_CHANNEL_READ)
      sub_ref(c, ch->name);
  }
  g_ptr_array_add(c->modules, mc);
  return mc;
}

void agent_channels_detach(AgentModuleChannels *mc)
{
  if (!mc)
    return;
  agent_module_channels_unbind(mc);
  for (guint i = 0; i < mc->list->len; i++) {
    ArtsChannel *ch = mc->list->pdata[i];
    if (ch->mode & ARTS_CHANNEL_READ)
      sub_unref(mc->agent, ch->name);
  }
  g_ptr_array_remove(mc->agent->modules, mc);
  g_queue_clear_full(&mc->pending, (GDestroyNotify)ch_in_free);
  g_ptr_array_unref(mc->list);
  g_mutex_clear(&mc->lock);
  g_free(mc->uuid);
  g_free(mc);
}

/* Main loop: sends what module threads wrote, in order. */
static gboolean flush_out(gpointer data)
{
  AgentChannels *c = data;
  ChOut *m;

  g_atomic_int_set(&c->flush_queued, 0);
  while ((m = g_async_queue_try_pop(c->out))) {
    char seq[24];
    g_autoptr(GError) error = NULL;
    gsize len;
    const void *p = g_bytes_get_data(m->data, &len);

    g_snprintf(seq, sizeof seq, "%" G_GUINT64_FORMAT, m->seq);
    ArtsMqttProp props[] = { { "src", m->src }, { "seq", seq } };
    if (arts_mqtt_publish(c->mqtt, m->topic, p, len, 1, FALSE, props, 2,
                          &error) < 0)
      g_warning("channel %s: message %s lost: %s", m->topic, seq,
                error->message);
    ch_out_free(m);
  }
  return G_SOURCE_REMOVE;
}

/* Module thread: wasi_channel_backend.publish. */
static int publish_cb(void *ctx, const char *name, const void *buf,
                      size_t len, const char *src, uint64_t seq)
{
  AgentModuleChannels *mc = ctx;
  AgentChannels *c = mc->agent;
  ChOut *m = g_new0(ChOut, 1);

  m->topic = arts_channel_topic(c->realm, name);
  g_strlcpy(m->src, src, sizeof m->src);
  m->seq = seq;
  m->data = g_bytes_new(buf, len);
  g_async_queue_push(c->out, m);
  if (g_atomic_int_compare_and_exchange(&c->flush_queued, 0, 1))
    g_idle_add_full(G_PRIORITY_DEFAULT, flush_out, c, NULL);
  return 0;
}

wasi_channels *agent_module_channels_create(AgentModuleChannels *mc,
                                            char *err, size_t errlen)
{
  if (!mc || mc->list->len == 0)
    return NULL;
  g_autofree wasi_channel_spec *specs =
    g_new0(wasi_channel_spec, mc->list->len);
  for (guint i = 0; i < mc->list->len; i++) {
    ArtsChannel *ch = mc->list->pdata[i];
    specs[i].name = ch->name;
    specs[i].mode = (ch->mode & ARTS_CHANNEL_READ ? WASI_CH_READ : 0) |
                    (ch->mode & ARTS_CHANNEL_WRITE ? WASI_CH_WRITE : 0);
  }
  wasi_channel_limits lim = { mc->msg_max, mc->queue_max };
  return wasi_channels_new(mc->uuid, specs, mc->list->len, &lim, err,
                           errlen);
}

void agent_module_channels_bind(AgentModuleChannels *mc, wasi_channels *set)
{
  ChIn *m;

  if (!mc || !set)
    return;
  wasi_channel_backend b = { mc, publish_cb };
  wasi_channels_set_backend(set, &b);
  g_mutex_lock(&mc->lock);
  mc->set = set;
  while ((m = g_queue_pop_head(&mc->pending))) {
    gsize len;
    const void *p = g_bytes_get_data(m->data, &len);
    wasi_channel_deliver(set, m->name, m->src, m->seq, p, len);
    ch_in_free(m);
  }
  g_mutex_unlock(&mc->lock);
}

void agent_module_channels_unbind(AgentModuleChannels *mc)
{
  if (!mc)
    return;
  g_mutex_lock(&mc->lock);
  if (mc->set)
    wasi_channels_set_backend(mc->set, NULL);
  mc->set = NULL;
  g_mutex_unlock(&mc->lock);
}

static gboolean module_reads(AgentModuleChannels *mc, const char *name)
{
  for (guint i = 0; i < mc->list->len; i++) {
    ArtsChannel *ch = mc->list->pdata[i];
    if ((ch->mode & ARTS_CHANNEL_READ) && g_str_equal(ch->name, name))
      return TRUE;
  }
  return FALSE;
}

static void deliver(AgentModuleChannels *mc, const char *name,
                    const char *src, guint64 seq, const guint8 *payload,
                    gsize len)
{
  g_mutex_lock(&mc->lock);
  if (mc->set) {
    wasi_channel_deliver(mc->set, name, src, seq, payload, len);
  } else if (g_queue_get_length(&mc->pending) < AGENT_CHANNELS_PENDING_MAX) {
    ChIn *m = g_new0(ChIn, 1);
    m->name = g_strdup(name);
    m->src = g_strdup(src);
    m->seq = seq;
    m->data = g_bytes_new(payload, len);
    g_queue_push_tail(&mc->pending, m);
  } else {
    mc->pending_dropped++;
  }
  g_mutex_unlock(&mc->lock);
}

gboolean agent_channels_on_message(AgentChannels *c, const char *topic,
                                   const guint8 *payload, gsize len,
                                   const ArtsMqttProp *props, guint n_props)
{
  const char *src = NULL, *seq_s = NULL;
  guint64 seq;
  g_autofree char *name = NULL;
  size_t rl = strlen(c->realm);

  if (strncmp(topic, c->realm, rl) != 0 || strncmp(topic + rl, "/ch/", 4))
    return FALSE;
  name = arts_channel_from_topic(c->realm, topic);
  for (guint i = 0; i < n_props; i++) {
    if (g_str_equal(props[i].name, "src"))
      src = props[i].value;
    else if (g_str_equal(props[i].name, "seq"))
      seq_s = props[i].value;
  }
  /* Without src and seq a message cannot be delivered exactly once: it
   * is not from a module (or from a tool that did not say), dropped. */
  if (!name || !src || !seq_s || !*src ||
      !g_ascii_string_to_unsigned(seq_s, 10, 1, G_MAXUINT64, &seq, NULL)) {
    g_debug("channel message on %s without valid src/seq: dropped", topic);
    return TRUE;
  }
  for (guint i = 0; i < c->modules->len; i++) {
    AgentModuleChannels *mc = c->modules->pdata[i];
    if (module_reads(mc, name))
      deliver(mc, name, src, seq, payload, len);
  }
  return TRUE;
}

/* Channel I's counters under their wire names (ARTS_METRIC_CH_*). */
static const struct {
  const char *name;
  size_t off;
} ch_counters[] = {
  { ARTS_METRIC_CH_MSGS_IN, G_STRUCT_OFFSET(wasi_channel_stats, msgs_in) },
  { ARTS_METRIC_CH_BYTES_IN, G_STRUCT_OFFSET(wasi_channel_stats, bytes_in) },
  { ARTS_METRIC_CH_MSGS_OUT, G_STRUCT_OFFSET(wasi_channel_stats, msgs_out) },
  { ARTS_METRIC_CH_BYTES_OUT,
    G_STRUCT_OFFSET(wasi_channel_stats, bytes_out) },
  { ARTS_METRIC_CH_DROPPED, G_STRUCT_OFFSET(wasi_channel_stats, dropped) },
  { ARTS_METRIC_CH_TRUNCATED,
    G_STRUCT_OFFSET(wasi_channel_stats, truncated) },
  { ARTS_METRIC_CH_QUEUED, G_STRUCT_OFFSET(wasi_channel_stats, queued) },
};

static guint64 ch_counter(const wasi_channel_stats *st, guint k)
{
  return G_STRUCT_MEMBER(uint64_t, st, ch_counters[k].off);
}

static guint wire_mode(unsigned wasi_mode)
{
  return (wasi_mode & WASI_CH_READ ? ARTS_CHANNEL_READ : 0) |
         (wasi_mode & WASI_CH_WRITE ? ARTS_CHANNEL_WRITE : 0);
}

/* Each channel's counters go into its entry of the module's "channels"
 * and, summed, into the module's metrics (what history and charts keep:
 * metric names cannot carry a channel name). Copied under the lock, put
 * into T after it. */
void agent_module_channels_metrics(AgentModuleChannels *mc, ArtsTelemetry *t,
                                   const char *uuid)
{
  wasi_channel_stats st[ARTS_TELEMETRY_CHANNELS_MAX];
  char *names[ARTS_TELEMETRY_CHANNELS_MAX];
  guint modes[ARTS_TELEMETRY_CHANNELS_MAX];
  size_t n = 0;

  if (!mc)
    return;
  g_mutex_lock(&mc->lock);
  for (; mc->set && n < wasi_channels_count(mc->set) &&
         n < ARTS_TELEMETRY_CHANNELS_MAX; n++) {
    wasi_channels_stats(mc->set, n, &st[n]);
    names[n] = g_strdup(wasi_channels_name(mc->set, n));
    modes[n] = wire_mode(wasi_channels_mode(mc->set, n));
  }
  g_mutex_unlock(&mc->lock);
  if (n == 0)
    return;  /* no set bound (yet): nothing measured */
  for (guint k = 0; k < G_N_ELEMENTS(ch_counters); k++) {
    guint64 sum = 0;
    for (size_t i = 0; i < n; i++)
      sum += ch_counter(&st[i], k);
    arts_telemetry_add_module(t, uuid, ch_counters[k].name, (double)sum);
  }
  for (size_t i = 0; i < n; i++) {
    ArtsChannelMetrics *cm = arts_telemetry_channel(t, uuid, names[i],
                                                    modes[i]);
    for (guint k = 0; k < G_N_ELEMENTS(ch_counters); k++)
      arts_channel_metrics_set(cm, ch_counters[k].name,
                               (double)ch_counter(&st[i], k));
    g_free(names[i]);
  }
}

void agent_channels_limits_from_module(const ArtsModule *am, gsize *msg_max,
                                       gsize *queue_max)
{
  /* The decoder bounded both (ARTS_CHANNEL_*_LIMIT); 0 is the default. */
  *msg_max = am ? (gsize)CLAMP(am->channel_msg_max, 0,
                               ARTS_CHANNEL_MSG_MAX_LIMIT) : 0;
  *queue_max = am ? (gsize)CLAMP(am->channel_queue_max, 0,
                                 ARTS_CHANNEL_QUEUE_MAX_LIMIT) : 0;
}

AgentModuleChannels *agent_channels_attach_module(AgentChannels *c,
                                                  const char *uuid,
                                                  const ArtsModule *am,
                                                  GError **error)
{
  gsize msg_max, queue_max;

  agent_channels_limits_from_module(am, &msg_max, &queue_max);
  return agent_channels_attach(c, uuid, am ? am->channels : NULL, msg_max,
                               queue_max, error);
}
