/* arts-realm-model.c: a realm, live, from its broker.
 *
 * The dashboard knows only the wire (docs/protocol.md): it subscribes the
 * realm's retained state ("state/#"), telemetry ("stats/+") and events
 * ("notif"), and asks the orchestrator on "query" for history. Everything
 * received is validated by libarts-common's decoders; a bad message is
 * logged at debug level and changes nothing. */
#include "arts-realm-model-private.h"
#include "arts-event-item.h"
#include "arts-module-item.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define QUERY_TIMEOUT_S 10
/* A migration of a large module over a busy broker takes a while. */
#define CONTROL_TIMEOUT_S 60

struct _ArtsRealmModel {
  GObject parent_instance;
  char *broker_url, *realm, *username, *password, *cafile;
  ArtsMqtt *mqtt;
  ArtsConnectionState state;
  gboolean ever_connected;
  GListStore *runtimes;
  GHashTable *runtime_by_uuid;   /* borrowed from runtimes */
  GHashTable *module_by_uuid;    /* owned */
  GListStore *events;
  GHashTable *pending;           /* object_id -> GTask */
  guint n_alive;
  guint silence_id;              /* judges runtimes without state */
  GHashTable *output_next;       /* followed module uuid -> Follow* */
  guint follow_serial;
};

/* Live output that waits while the orchestrator's logs are fetched holds
 * at most this much; older held bytes go (and show as a gap). */
#define HELD_MAX (1024 * 1024)
/* A logs answer says "more" at most this often per page opened. */
#define LOGS_MAX_ROUNDS 16

/* One followed module's output. */
typedef struct {
  guint serial;       /* tells a reopened page's follow from an old one */
  gint64 next;        /* offset expected next; -1: from the first message */
  gboolean fetching;  /* the logs answer is awaited: live output waits */
  guint rounds;
  GQueue held;        /* Held*, in order of arrival */
  gsize held_bytes;
} Follow;

typedef struct {
  gboolean has_offset;
  gint64 offset;
  GBytes *bytes;
} Held;

static void
held_free(gpointer data)
{
  Held *h = data;

  g_bytes_unref(h->bytes);
  g_free(h);
}

static void
follow_free(gpointer data)
{
  Follow *f = data;

  g_queue_clear_full(&f->held, held_free);
  g_free(f);
}

G_DEFINE_FINAL_TYPE(ArtsRealmModel, arts_realm_model, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE(ArtsConnectionState, arts_connection_state,
  G_DEFINE_ENUM_VALUE(ARTS_CONNECTION_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE(ARTS_CONNECTION_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE(ARTS_CONNECTION_CONNECTED, "connected"))

enum {
  PROP_0,
  PROP_BROKER_URL,
  PROP_REALM,
  PROP_STATE,
  PROP_N_ALIVE,
  PROP_N_RUNTIMES,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum { SIGNAL_OUTPUT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void fail_pending(ArtsRealmModel *self);

/* A history query waiting for its answer. */
typedef struct {
  char *object_id;
  GSource *timeout;
  gboolean control;  /* an operator request: the result is the details */
} Query;

static void
query_free(gpointer data)
{
  Query *q = data;

  if (q->timeout) {
    g_source_destroy(q->timeout);
    g_source_unref(q->timeout);
  }
  g_free(q->object_id);
  g_free(q);
}

/* An answered query's timer must not keep the task (and the model) alive
 * for the rest of its 10 s. */
static void
query_finish_timer(GTask *task)
{
  Query *q = g_task_get_task_data(task);

  if (q->timeout) {
    g_source_destroy(q->timeout);
    g_clear_pointer(&q->timeout, g_source_unref);
  }
}

static void
arts_realm_model_dispose(GObject *object)
{
  ArtsRealmModel *self = ARTS_REALM_MODEL(object);

  arts_realm_model_stop(self);
  G_OBJECT_CLASS(arts_realm_model_parent_class)->dispose(object);
}

static void
arts_realm_model_finalize(GObject *object)
{
  ArtsRealmModel *self = ARTS_REALM_MODEL(object);

  g_free(self->broker_url);
  g_free(self->realm);
  g_free(self->username);
  if (self->password)
    memset(self->password, 0, strlen(self->password));
  g_free(self->password);
  g_free(self->cafile);
  g_hash_table_unref(self->runtime_by_uuid);
  g_hash_table_unref(self->module_by_uuid);
  g_hash_table_unref(self->pending);
  g_hash_table_unref(self->output_next);
  g_object_unref(self->runtimes);
  g_object_unref(self->events);
  G_OBJECT_CLASS(arts_realm_model_parent_class)->finalize(object);
}

static void
arts_realm_model_get_property(GObject *object, guint id, GValue *value,
                              GParamSpec *pspec)
{
  ArtsRealmModel *self = ARTS_REALM_MODEL(object);

  switch (id) {
  case PROP_BROKER_URL: g_value_set_string(value, self->broker_url); break;
  case PROP_REALM: g_value_set_string(value, self->realm); break;
  case PROP_STATE: g_value_set_enum(value, self->state); break;
  case PROP_N_ALIVE: g_value_set_uint(value, self->n_alive); break;
  case PROP_N_RUNTIMES:
    g_value_set_uint(value,
                     g_list_model_get_n_items(G_LIST_MODEL(self->runtimes)));
    break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_realm_model_class_init(ArtsRealmModelClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                   G_PARAM_EXPLICIT_NOTIFY;

  oc->dispose = arts_realm_model_dispose;
  oc->finalize = arts_realm_model_finalize;
  oc->get_property = arts_realm_model_get_property;
  props[PROP_BROKER_URL] = g_param_spec_string("broker-url", NULL, NULL,
                                               NULL, ro);
  props[PROP_REALM] = g_param_spec_string("realm", NULL, NULL, NULL, ro);
  props[PROP_STATE] = g_param_spec_enum("state", NULL, NULL,
                                        ARTS_TYPE_CONNECTION_STATE,
                                        ARTS_CONNECTION_IDLE, ro);
  props[PROP_N_ALIVE] = g_param_spec_uint("n-alive", NULL, NULL, 0,
                                          G_MAXUINT, 0, ro);
  props[PROP_N_RUNTIMES] = g_param_spec_uint("n-runtimes", NULL, NULL, 0,
                                             G_MAXUINT, 0, ro);
  g_object_class_install_properties(oc, N_PROPS, props);
  /* ::output(module uuid, GBytes text, gap bytes before it): new output of
   * a followed module, without what was already shown. */
  signals[SIGNAL_OUTPUT] = g_signal_new("output", G_TYPE_FROM_CLASS(klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
      G_TYPE_STRING, G_TYPE_BYTES, G_TYPE_INT64);
}

static void ask_logs(ArtsRealmModel *self, const char *uuid, Follow *f,
                     gint64 since);

static void
arts_realm_model_init(ArtsRealmModel *self)
{
  self->runtimes = g_list_store_new(ARTS_TYPE_RUNTIME_ITEM);
  self->runtime_by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
  self->module_by_uuid = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               g_free, g_object_unref);
  self->events = g_list_store_new(ARTS_TYPE_EVENT_ITEM);
  self->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        g_object_unref);
  self->output_next = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            follow_free);
}

ArtsRealmModel *
arts_realm_model_new(const char *broker_url, const char *realm,
                     const char *username, const char *password,
                     const char *cafile)
{
  ArtsRealmModel *self = g_object_new(ARTS_TYPE_REALM_MODEL, NULL);

  self->broker_url = g_strdup(broker_url);
  self->realm = g_strdup(realm);
  self->username = g_strdup(username && *username ? username : NULL);
  self->password = g_strdup(password && *password ? password : NULL);
  self->cafile = g_strdup(cafile && *cafile ? cafile : NULL);
  return self;
}

/* ---- state ---- */

static void
set_state(ArtsRealmModel *self, ArtsConnectionState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATE]);
}

static void
add_event(ArtsRealmModel *self, ArtsEventItem *event)
{
  guint n;

  g_list_store_insert(self->events, 0, event);
  n = g_list_model_get_n_items(G_LIST_MODEL(self->events));
  if (n > ARTS_REALM_MAX_EVENTS)
    g_list_store_splice(self->events, ARTS_REALM_MAX_EVENTS,
                        n - ARTS_REALM_MAX_EVENTS, NULL, 0);
}

static void
recount_alive(ArtsRealmModel *self)
{
  GListModel *list = G_LIST_MODEL(self->runtimes);
  guint n = g_list_model_get_n_items(list), alive = 0;

  for (guint i = 0; i < n; i++) {
    ArtsRuntimeItem *item = g_list_model_get_item(list, i);

    alive += arts_runtime_item_get_alive(item);
    g_object_unref(item);
  }
  if (alive != self->n_alive) {
    self->n_alive = alive;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_N_ALIVE]);
  }
}

static ArtsRuntimeItem *
ensure_runtime(ArtsRealmModel *self, const char *uuid)
{
  ArtsRuntimeItem *item = g_hash_table_lookup(self->runtime_by_uuid, uuid);

  if (item)
    return item;
  item = arts_runtime_item_new(uuid);
  g_hash_table_insert(self->runtime_by_uuid,
                      (char *)arts_runtime_item_get_uuid(item), item);
  g_list_store_append(self->runtimes, item);
  g_object_unref(item); /* the store keeps it */
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_N_RUNTIMES]);
  return item;
}

static void
remove_runtime(ArtsRealmModel *self, const char *uuid)
{
  ArtsRuntimeItem *item = g_hash_table_lookup(self->runtime_by_uuid, uuid);
  guint pos;

  if (!item)
    return;
  g_hash_table_remove(self->runtime_by_uuid, uuid);
  if (g_list_store_find(self->runtimes, item, &pos))
    g_list_store_remove(self->runtimes, pos);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_N_RUNTIMES]);
  recount_alive(self);
}

static ArtsModuleItem *
ensure_module(ArtsRealmModel *self, const char *uuid)
{
  ArtsModuleItem *m = g_hash_table_lookup(self->module_by_uuid, uuid);

  if (!m) {
    m = arts_module_item_new(uuid);
    g_hash_table_insert(self->module_by_uuid, g_strdup(uuid), m);
  }
  return m;
}

/* Puts module M on runtime RUNTIME_UUID's card, off any other. */
static void
place_module(ArtsRealmModel *self, ArtsModuleItem *m,
             const char *runtime_uuid)
{
  const char *old = arts_module_item_get_runtime(m);
  ArtsRuntimeItem *rt;

  if (old && g_strcmp0(old, runtime_uuid) != 0 &&
      (rt = g_hash_table_lookup(self->runtime_by_uuid, old)))
    arts_runtime_item_remove_module(rt, m);
  arts_module_item_set_runtime(m, runtime_uuid);
  if (runtime_uuid)
    arts_runtime_item_add_module(ensure_runtime(self, runtime_uuid), m);
}

/* ---- messages ---- */

static gboolean
check_id(const char *what, const char *in_topic, const char *in_data,
         GError **error)
{
  if (!in_topic || !arts_uuid_is_valid(in_topic)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "topic: expected %s/<uuid>", what);
    return FALSE;
  }
  if (g_strcmp0(in_topic, in_data) != 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.uuid: %s is not the topic's %s", in_data, in_topic);
    return FALSE;
  }
  return TRUE;
}

static gboolean
handle_runtime_state(ArtsRealmModel *self, const char *uuid,
                     ArtsEnvelope *env, GError **error)
{
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(env->data, error);

  ArtsRuntimeItem *item;
  g_autofree char *old_name = NULL;
  guint pos;

  if (!rt || !check_id("state/runtime", uuid, rt->uuid, error))
    return FALSE;
  item = ensure_runtime(self, uuid);
  old_name = g_strdup(arts_runtime_item_get_name(item));
  arts_runtime_item_apply_runtime(item, rt);
  /* Sorted views re-sort an item only when told it changed. */
  if (g_strcmp0(old_name, arts_runtime_item_get_name(item)) != 0 &&
      g_list_store_find(self->runtimes, item, &pos))
    g_list_model_items_changed(G_LIST_MODEL(self->runtimes), pos, 1, 1);
  recount_alive(self);
  return TRUE;
}

static gboolean
handle_module_state(ArtsRealmModel *self, const char *uuid,
                    ArtsEnvelope *env, GError **error)
{
  g_autoptr(ArtsModule) mod = arts_module_from_json(env->data, error);
  ArtsModuleItem *m;

  if (!mod || !check_id("state/module", uuid, mod->uuid, error))
    return FALSE;
  if (mod->parent && !arts_uuid_is_valid(mod->parent)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.parent: expected a runtime uuid");
    return FALSE;
  }
  m = ensure_module(self, uuid);
  arts_module_item_set_name(m, mod->name);
  /* The decoder keeps channels as sent; a bad list only hides them. */
  arts_module_item_set_declared_channels(m,
      mod->channels ? arts_channels_from_json(mod->channels, NULL) : NULL);
  arts_module_item_set_channel_counters(m, mod->channel_stats,
                                        mod->channel_stats_ts_ms);
  if (mod->status)
    arts_module_item_set_status(m, (char)mod->status);
  arts_module_item_set_state(m, mod->state);
  arts_module_item_set_record(m, mod->migrations, mod->started_at_ms);
  /* Stopped (D) and ended (E) modules leave their runtime's card. */
  if (mod->status == ARTS_STATUS_DEAD || mod->status == ARTS_STATUS_EXITING)
    place_module(self, m, NULL);
  else
    place_module(self, m, mod->parent);
  return TRUE;
}

static void
forget_module(ArtsRealmModel *self, const char *uuid)
{
  ArtsModuleItem *m = g_hash_table_lookup(self->module_by_uuid, uuid);

  if (!m)
    return;
  place_module(self, m, NULL);
  g_hash_table_remove(self->module_by_uuid, uuid);
}

static gboolean
handle_state(ArtsRealmModel *self, const char *rest, const guint8 *payload,
             gsize len, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(rest ? rest : "", "/", 3);
  g_autoptr(ArtsEnvelope) env = NULL;
  gboolean runtime, module;

  runtime = g_strv_length(parts) == 2 && g_str_equal(parts[0], "runtime");
  module = g_strv_length(parts) == 2 && g_str_equal(parts[0], "module");
  if (!runtime && !module) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "topic: unknown state topic state/%s", rest ? rest : "");
    return FALSE;
  }
  if (!arts_uuid_is_valid(parts[1])) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "topic: expected state/%s/<uuid>", parts[0]);
    return FALSE;
  }
  /* An empty retained message clears the state: the thing is gone. */
  if (len == 0) {
    if (runtime)
      remove_runtime(self, parts[1]);
    else
      forget_module(self, parts[1]);
    return TRUE;
  }
  env = arts_envelope_parse((const char *)payload, len, error);
  if (!env)
    return FALSE;
  return runtime ? handle_runtime_state(self, parts[1], env, error)
                 : handle_module_state(self, parts[1], env, error);
}

static void
apply_module_metrics(ArtsRealmModel *self, const char *runtime_uuid,
                     const ArtsTelemetry *t)
{
  for (guint i = 0; t->modules && i < t->modules->len; i++) {
    ArtsModuleMetrics *mm = t->modules->pdata[i];
    ArtsModuleItem *m;

    if (!mm->module_uuid || !arts_uuid_is_valid(mm->module_uuid))
      continue;
    m = ensure_module(self, mm->module_uuid);
    if (mm->name && !g_str_equal(arts_module_item_get_name(m), mm->name))
      arts_module_item_set_name(m, mm->name);
    if (mm->state)
      arts_module_item_set_state(m, mm->state);
    for (guint j = 0; mm->metrics && j < mm->metrics->len; j++) {
      ArtsMetric *metric = &g_array_index(mm->metrics, ArtsMetric, j);

      if (g_strcmp0(metric->name, ARTS_METRIC_PROC_CPU_UTIL) == 0) {
        arts_module_item_set_cpu(m, metric->value);
        arts_series_push(arts_module_item_get_cpu_series(m), t->timestamp_ms,
                         metric->value);
      } else if (g_strcmp0(metric->name, ARTS_METRIC_MOD_MEMORY) == 0) {
        arts_series_push(arts_module_item_get_mem_series(m), t->timestamp_ms,
                         metric->value);
      } else if (g_strcmp0(metric->name, ARTS_METRIC_MOD_INSTR_RATE) == 0) {
        arts_series_push(arts_module_item_get_instr_series(m),
                         t->timestamp_ms, metric->value);
      }
    }
    if (!t->replayed) {
      arts_module_item_set_channel_counters(m, mm->channels,
                                            t->timestamp_ms);
      place_module(self, m, runtime_uuid);
    }
  }
}

static gboolean
handle_stats(ArtsRealmModel *self, const char *uuid, const guint8 *payload,
             gsize len, GError **error)
{
  g_autoptr(ArtsEnvelope) env = NULL;
  g_autoptr(ArtsTelemetry) t = NULL;
  ArtsRuntimeItem *item;

  if (len == 0)
    return TRUE; /* a cleared retained sample */
  env = arts_envelope_parse((const char *)payload, len, error);
  if (!env)
    return FALSE;
  t = arts_telemetry_from_json(env->data, error);
  if (!t || !check_id("stats", uuid, t->runtime_uuid, error))
    return FALSE;
  item = ensure_runtime(self, uuid);
  arts_runtime_item_apply_telemetry(item, t);
  apply_module_metrics(self, uuid, t);
  return TRUE;
}

static gboolean
handle_notif(ArtsRealmModel *self, const guint8 *payload, gsize len,
             GError **error)
{
  g_autoptr(ArtsEnvelope) env = NULL;
  g_autoptr(ArtsEvent) ev = NULL;
  g_autoptr(ArtsEventItem) item = NULL;
  JsonNode *type;

  env = arts_envelope_parse((const char *)payload, len, error);
  if (!env)
    return FALSE;
  type = json_object_get_member(env->data, "type");
  if (type && JSON_NODE_HOLDS_VALUE(type) &&
      json_node_get_value_type(type) == G_TYPE_STRING &&
      !g_str_equal(json_node_get_string(type), "event"))
    return TRUE; /* other notifications are not events to list */
  ev = arts_event_from_json(env->data, error);
  if (!ev)
    return FALSE;
  item = arts_event_item_new(ev->event, ev->uuid, ev->name, ev->ts_ms,
                             ev->reason);
  add_event(self, item);
  if (g_str_equal(ev->event, ARTS_EVENT_MODULE_MIGRATED)) {
    ArtsModuleItem *m = g_hash_table_lookup(self->module_by_uuid, ev->uuid);

    if (m)
      arts_module_item_add_migration(m, ev->ts_ms, ev->source, ev->target,
                                     ev->has_times, ev->downtime_ms,
                                     ev->reason);
  }
  return TRUE;
}

static gboolean
handle_query_answer(ArtsRealmModel *self, const guint8 *payload, gsize len,
                    GError **error)
{
  g_autoptr(ArtsEnvelope) env = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *key = NULL;
  JsonObject *details = NULL;
  GError *answer_error = NULL;
  ArtsSeries *series;

  env = arts_envelope_parse((const char *)payload, len, error);
  if (!env)
    return FALSE;
  /* Requests (ours and others') and answers to others come by too. */
  if (env->type != ARTS_TYPE_RESP ||
      !g_hash_table_steal_extended(self->pending, env->object_id,
                                   (gpointer *)&key, (gpointer *)&task))
    return TRUE;
  query_finish_timer(task);
  if (!arts_response_check(env, &details, &answer_error)) {
    g_task_return_error(task, answer_error);
    return TRUE;
  }
  if (((Query *)g_task_get_task_data(task))->control) {
    g_task_return_pointer(task,
                          details ? json_object_ref(details)
                                  : json_object_new(),
                          (GDestroyNotify)json_object_unref);
    return TRUE;
  }
  series = arts_realm_model_parse_history(details, &answer_error);
  if (series)
    g_task_return_pointer(task, series, g_object_unref);
  else
    g_task_return_error(task, answer_error);
  return TRUE;
}

/* Shows LEN bytes of a followed module's output without what was already
 * shown, with the gap before them. */
static void
emit_output(ArtsRealmModel *self, const char *uuid, Follow *f,
            gboolean has_offset, gint64 offset, const guint8 *data, gsize len)
{
  gint64 gap = 0;
  gsize skip = 0;
  g_autoptr(GBytes) bytes = NULL;

  /* Without a valid offset (an ARTS runtime), show it as it comes. */
  if (has_offset) {
    /* Joining a running program with no logs is no gap: start where it
     * is. */
    if (f->next < 0)
      f->next = offset;
    skip = arts_output_accept(&f->next, offset, len, &gap);
  }
  if (skip >= len && gap == 0)
    return;
  bytes = g_bytes_new(data + skip, len - skip);
  g_signal_emit(self, signals[SIGNAL_OUTPUT], 0, uuid, bytes, gap);
}

static gboolean
handle_output(ArtsRealmModel *self, const char *uuid, const guint8 *payload,
              gsize len, const ArtsMqttProp *mprops, guint n_props,
              GError **error)
{
  Follow *f = uuid ? g_hash_table_lookup(self->output_next, uuid) : NULL;
  gint64 offset = 0;
  int fd = 1;
  gboolean has_offset;
  Held *h;

  if (!f)
    return TRUE; /* not followed (any more) */
  has_offset = arts_output_props_parse(mprops, n_props, &offset, &fd, NULL);
  if (!f->fetching) {
    emit_output(self, uuid, f, has_offset, offset, payload, len);
    return TRUE;
  }
  /* The earlier output comes first: this waits for it. */
  h = g_new0(Held, 1);
  h->has_offset = has_offset;
  h->offset = offset;
  h->bytes = g_bytes_new(payload, len);
  g_queue_push_tail(&f->held, h);
  f->held_bytes += len;
  while (f->held_bytes > HELD_MAX) {
    h = g_queue_pop_head(&f->held);
    f->held_bytes -= g_bytes_get_size(h->bytes);
    held_free(h);
  }
  return TRUE;
}

gboolean
arts_realm_model_handle_message(ArtsRealmModel *self, const char *topic,
                                const guint8 *payload, gsize len,
                                GError **error)
{
  return arts_realm_model_handle_message_full(self, topic, payload, len,
                                              NULL, 0, error);
}

gboolean
arts_realm_model_handle_message_full(ArtsRealmModel *self, const char *topic,
                                     const guint8 *payload, gsize len,
                                     const ArtsMqttProp *mprops,
                                     guint n_props, GError **error)
{
  g_autofree char *leaf = NULL, *rest = NULL;

  g_return_val_if_fail(ARTS_IS_REALM_MODEL(self), FALSE);
  if (len > ARTS_MAX_PAYLOAD) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                "payload: %" G_GSIZE_FORMAT " bytes, more than %d", len,
                ARTS_MAX_PAYLOAD);
    return FALSE;
  }
  if (!arts_topic_parse(self->realm, topic, &leaf, &rest)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "topic: %s is not in realm %s", topic, self->realm);
    return FALSE;
  }
  if (g_str_equal(leaf, ARTS_TOPIC_STATE))
    return handle_state(self, rest, payload, len, error);
  if (g_str_equal(leaf, ARTS_TOPIC_STATS))
    return handle_stats(self, rest, payload, len, error);
  if (g_str_equal(leaf, ARTS_TOPIC_STDOUT) && rest)
    return handle_output(self, rest, payload, len, mprops, n_props, error);
  if (g_str_equal(leaf, ARTS_TOPIC_NOTIF) && !rest)
    return handle_notif(self, payload, len, error);
  if ((g_str_equal(leaf, ARTS_TOPIC_QUERY) ||
       g_str_equal(leaf, ARTS_TOPIC_CONTROL)) && !rest)
    return handle_query_answer(self, payload, len, error);
  g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
              "topic: %s is not one the dashboard reads", topic);
  return FALSE;
}

/* ---- connection ---- */

static void
on_message(ArtsMqtt *mqtt, const char *topic, const guint8 *payload,
           gsize len, const ArtsMqttProp *mprops, guint n_props,
           gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!arts_realm_model_handle_message_full(user_data, topic, payload, len,
                                            mprops, n_props, &error))
    g_debug("ignored a message on %s: %s", topic, error->message);
}

static void
on_connect(ArtsMqtt *mqtt, gboolean connected, gpointer user_data)
{
  ArtsRealmModel *self = user_data;
  g_autoptr(ArtsEventItem) event = NULL;

  if (connected || self->ever_connected) {
    event = arts_event_item_new(connected ? "broker_connected"
                                          : "broker_disconnected",
                                NULL, self->broker_url, arts_now_ms(), NULL);
    add_event(self, event);
  }
  self->ever_connected |= connected;
  if (!connected)
    fail_pending(self);
  set_state(self, connected ? ARTS_CONNECTION_CONNECTED
                            : ARTS_CONNECTION_CONNECTING);
}

/* Once a second: runtimes the orchestrator never described (none runs, or
 * it missed their registration) are judged by their telemetry alone. */
static gboolean
check_silence(gpointer user_data)
{
  ArtsRealmModel *self = user_data;
  GListModel *list = G_LIST_MODEL(self->runtimes);
  gint64 now = arts_now_ms();
  gboolean changed = FALSE;

  /* While we are offline, silence is ours, not theirs. */
  if (self->state != ARTS_CONNECTION_CONNECTED)
    return G_SOURCE_CONTINUE;
  for (guint i = 0; i < g_list_model_get_n_items(list); i++) {
    g_autoptr(ArtsRuntimeItem) item = g_list_model_get_item(list, i);

    changed |= arts_runtime_item_check_silence(item, now);
  }
  if (changed)
    recount_alive(self);
  return G_SOURCE_CONTINUE;
}

static void
subscribe(ArtsRealmModel *self, const char *leaf, const char *id)
{
  g_autofree char *topic = arts_topic(self->realm, leaf, id);

  arts_mqtt_subscribe(self->mqtt, topic, 1);
}

gboolean
arts_realm_model_start(ArtsRealmModel *self, GError **error)
{
  ArtsMqttOptions opts = { 0 };

  g_return_val_if_fail(ARTS_IS_REALM_MODEL(self), FALSE);
  if (self->mqtt)
    return TRUE;
  if (!arts_realm_is_valid(self->realm)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                _("“%s” is not a realm name: use letters, digits, “_”, “.” "
                  "and “-”"), self->realm ? self->realm : "");
    return FALSE;
  }
  opts.broker_url = self->broker_url;
  opts.username = self->username;
  opts.password = self->password;
  opts.cafile = self->cafile;
  self->mqtt = arts_mqtt_new(&opts, error);
  if (!self->mqtt)
    return FALSE;
  arts_mqtt_set_message_func(self->mqtt, on_message, self);
  arts_mqtt_set_connect_func(self->mqtt, on_connect, self);
  subscribe(self, ARTS_TOPIC_STATE, "#");
  subscribe(self, ARTS_TOPIC_STATS, "+");
  subscribe(self, ARTS_TOPIC_NOTIF, NULL);
  subscribe(self, ARTS_TOPIC_QUERY, NULL);
  subscribe(self, ARTS_TOPIC_CONTROL, NULL);
  if (!arts_mqtt_start(self->mqtt, error)) {
    g_clear_pointer(&self->mqtt, arts_mqtt_free);
    return FALSE;
  }
  set_state(self, ARTS_CONNECTION_CONNECTING);
  self->silence_id = g_timeout_add_seconds(1, check_silence, self);
  return TRUE;
}

void
arts_realm_model_stop(ArtsRealmModel *self)
{
  g_return_if_fail(ARTS_IS_REALM_MODEL(self));
  if (!self->mqtt)
    return;
  g_clear_handle_id(&self->silence_id, g_source_remove);
  arts_mqtt_disconnect(self->mqtt);
  g_clear_pointer(&self->mqtt, arts_mqtt_free);
  fail_pending(self);
  set_state(self, ARTS_CONNECTION_IDLE);
}

const char *
arts_realm_model_get_broker_url(ArtsRealmModel *self)
{
  return self->broker_url;
}

const char *
arts_realm_model_get_realm(ArtsRealmModel *self)
{
  return self->realm;
}

ArtsConnectionState
arts_realm_model_get_state(ArtsRealmModel *self)
{
  return self->state;
}

GListModel *
arts_realm_model_get_runtimes(ArtsRealmModel *self)
{
  return G_LIST_MODEL(self->runtimes);
}

ArtsRuntimeItem *
arts_realm_model_lookup_runtime(ArtsRealmModel *self, const char *uuid)
{
  return uuid ? g_hash_table_lookup(self->runtime_by_uuid, uuid) : NULL;
}

guint
arts_realm_model_get_n_alive(ArtsRealmModel *self)
{
  return self->n_alive;
}

GListModel *
arts_realm_model_get_events(ArtsRealmModel *self)
{
  return G_LIST_MODEL(self->events);
}

/* ---- history ---- */

ArtsSeries *
arts_realm_model_parse_history(JsonObject *details, GError **error)
{
  g_autoptr(ArtsHistory) h = arts_history_from_json(details, error);
  g_autofree gint64 *ts = NULL;
  g_autofree double *values = NULL;
  ArtsSeries *series;
  guint n;

  if (!h)
    return NULL;
  n = h->points->len;
  ts = g_new(gint64, MAX(n, 1));
  values = g_new(double, MAX(n, 1));
  for (guint i = 0; i < n; i++) {
    ArtsHistoryPoint *p = &g_array_index(h->points, ArtsHistoryPoint, i);

    /* Downsampled points carry avg, min and max: draw the average. */
    ts[i] = p->ts_ms;
    values[i] = p->avg;
    if (i > 0 && ts[i] < ts[i - 1]) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "data.details.points[%u]: not in time order", i);
      return NULL;
    }
  }
  series = arts_series_new(MAX(n, 2));
  arts_series_set(series, ts, values, n);
  return series;
}

static void
fail_pending(ArtsRealmModel *self)
{
  GHashTableIter iter;
  GTask *task;

  g_hash_table_iter_init(&iter, self->pending);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&task)) {
    query_finish_timer(task);
    g_task_return_new_error(task, ARTS_ERROR, ARTS_ERROR_MQTT,
                            _("The connection to the broker was lost"));
    g_hash_table_iter_remove(&iter);
  }
}

static gboolean
on_query_timeout(gpointer user_data)
{
  GTask *task = user_data;
  ArtsRealmModel *self = g_task_get_source_object(task);
  Query *q = g_task_get_task_data(task);
  g_autoptr(GTask) pending = NULL;
  g_autofree char *key = NULL;

  /* Dropping the source's reference is left to the source itself. */
  g_clear_pointer(&q->timeout, g_source_unref);
  if (g_hash_table_steal_extended(self->pending, q->object_id,
                                  (gpointer *)&key, (gpointer *)&pending))
    g_task_return_new_error(pending, ARTS_ERROR, ARTS_ERROR_MQTT,
                            _("The orchestrator did not answer: is it "
                              "running?"));
  return G_SOURCE_REMOVE;
}

/* Publishes DATA as an ACTION request on LEAF and registers TASK to
 * receive the answer. */
static void
send_request(ArtsRealmModel *self, GTask *task, const char *leaf,
             const char *action, JsonObject *data, gboolean control,
             guint timeout_s)
{
  g_autoptr(ArtsEnvelope) env = NULL;
  g_autofree char *topic = NULL;
  GError *error = NULL;
  Query *q;

  if (!self->mqtt || self->state != ARTS_CONNECTION_CONNECTED) {
    g_task_return_new_error(task, ARTS_ERROR, ARTS_ERROR_MQTT,
                            _("Not connected to the broker"));
    return;
  }
  env = arts_envelope_new(ARTS_TYPE_REQ, action, NULL, data);
  topic = arts_topic(self->realm, leaf, NULL);
  if (arts_mqtt_publish_envelope(self->mqtt, topic, env, FALSE, &error) < 0) {
    g_task_return_error(task, error);
    return;
  }
  q = g_new0(Query, 1);
  q->object_id = g_strdup(env->object_id);
  q->control = control;
  g_task_set_task_data(task, q, query_free);
  g_hash_table_insert(self->pending, g_strdup(env->object_id),
                      g_object_ref(task));
  /* The timer holds no task reference: it is destroyed with the task's
   * data, before the task could go. */
  q->timeout = g_timeout_source_new_seconds(timeout_s);
  g_source_set_callback(q->timeout, on_query_timeout, task, NULL);
  g_source_attach(q->timeout, g_main_context_get_thread_default());
}

void
arts_realm_model_control_async(ArtsRealmModel *self, const char *action,
                               JsonObject *data, GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);

  g_task_set_source_tag(task, arts_realm_model_control_async);
  send_request(self, task, ARTS_TOPIC_CONTROL, action, data, TRUE,
               CONTROL_TIMEOUT_S);
}

JsonObject *
arts_realm_model_control_finish(ArtsRealmModel *self, GAsyncResult *result,
                                GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, self), NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}

/* The logs are in (or will not come): the live output held meanwhile
 * follows them, without the overlap. */
static void
release_held(ArtsRealmModel *self, const char *uuid, Follow *f)
{
  Held *h;

  f->fetching = FALSE;
  while ((h = g_queue_pop_head(&f->held))) {
    gsize len;
    const guint8 *data = g_bytes_get_data(h->bytes, &len);

    emit_output(self, uuid, f, h->has_offset, h->offset, data, len);
    held_free(h);
  }
  f->held_bytes = 0;
}

/* A logs answer for the follow numbered SERIAL of module UUID. */
typedef struct {
  char *uuid;
  guint serial;
  gint64 since;
} LogsAsk;

static void
logs_ask_free(LogsAsk *a)
{
  g_free(a->uuid);
  g_free(a);
}

/* Shows one chunk of the orchestrator's logs; FALSE when there is no more
 * to ask for. */
static gboolean
apply_logs(ArtsRealmModel *self, LogsAsk *a, Follow *f, JsonObject *details,
           GError **error)
{
  g_autoptr(ArtsLogChunk) chunk =
      arts_log_chunk_from_json(details, "data.details", error);
  ArtsModuleItem *m;
  gsize len;
  const guint8 *data;

  if (!chunk)
    return FALSE;
  m = g_hash_table_lookup(self->module_by_uuid, a->uuid);
  if (!g_str_equal(chunk->module, a->uuid) &&
      !(m && g_strcmp0(chunk->module, arts_module_item_get_name(m)) == 0)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.details.module: %s is not the module asked for",
                chunk->module);
    return FALSE;
  }
  data = g_bytes_get_data(chunk->data, &len);
  if (f->next < 0)
    f->next = a->since;
  /* A start above what was asked: the store no longer has those bytes,
   * which emit_output reports as a gap. */
  emit_output(self, a->uuid, f, TRUE, chunk->start_offset, data, len);
  return chunk->more && len > 0 && ++f->rounds < LOGS_MAX_ROUNDS;
}

static void
on_logs(GObject *source, GAsyncResult *result, gpointer user_data)
{
  ArtsRealmModel *self = ARTS_REALM_MODEL(source);
  LogsAsk *a = user_data;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GError) error = NULL;
  Follow *f = g_hash_table_lookup(self->output_next, a->uuid);

  details = arts_realm_model_control_finish(self, result, &error);
  if (!f || f->serial != a->serial) {
    logs_ask_free(a); /* the page closed meanwhile */
    return;
  }
  if (details && apply_logs(self, a, f, details, &error)) {
    ask_logs(self, a->uuid, f, f->next);
  } else {
    /* No orchestrator, a module it does not know, or a bad answer: the
     * console starts with the live output. */
    if (error)
      g_debug("logs of %s: %s", a->uuid, error->message);
    release_held(self, a->uuid, f);
  }
  logs_ask_free(a);
}

static void
ask_logs(ArtsRealmModel *self, const char *uuid, Follow *f, gint64 since)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) data = json_object_new();
  LogsAsk *a = g_new0(LogsAsk, 1);

  a->uuid = g_strdup(uuid);
  a->serial = f->serial;
  a->since = since;
  task = g_task_new(self, NULL, on_logs, a);
  g_task_set_source_tag(task, arts_realm_model_control_async);
  json_object_set_string_member(data, "type", "logs");
  json_object_set_string_member(data, "module", uuid);
  json_object_set_int_member(data, "since_offset", since);
  send_request(self, task, ARTS_TOPIC_QUERY, "query", data, TRUE,
               QUERY_TIMEOUT_S);
}

void
arts_realm_model_follow_output(ArtsRealmModel *self, const char *uuid,
                               gboolean follow)
{
  g_autofree char *topic = arts_topic(self->realm, ARTS_TOPIC_STDOUT, uuid);

  if (follow && !g_hash_table_contains(self->output_next, uuid)) {
    Follow *f = g_new0(Follow, 1);

    f->serial = ++self->follow_serial;
    f->next = -1;
    f->fetching = TRUE;
    g_queue_init(&f->held);
    g_hash_table_insert(self->output_next, g_strdup(uuid), f);
    /* Subscribed first, so that nothing falls between the logs and the
     * live output: the overlap is dropped by offset. */
    if (self->mqtt)
      arts_mqtt_subscribe(self->mqtt, topic, 1);
    ask_logs(self, uuid, f, 0);
  } else if (!follow && g_hash_table_remove(self->output_next, uuid)) {
    if (self->mqtt)
      arts_mqtt_unsubscribe(self->mqtt, topic);
  }
}

gboolean
arts_realm_model_send_input(ArtsRealmModel *self, const char *uuid,
                            const char *text, GError **error)
{
  g_autofree char *topic = NULL;

  if (!self->mqtt || self->state != ARTS_CONNECTION_CONNECTED) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_MQTT,
                _("Not connected to the broker"));
    return FALSE;
  }
  topic = arts_topic(self->realm, ARTS_TOPIC_STDIN, uuid);
  return arts_mqtt_publish(self->mqtt, topic, text, strlen(text), 1, FALSE,
                           NULL, 0, error) >= 0;
}

gboolean
arts_realm_model_upload_program(ArtsRealmModel *self, const char *sha256,
                                const void *bytes, gsize len, GError **error)
{
  g_autofree char *topic = NULL;

  if (!self->mqtt || self->state != ARTS_CONNECTION_CONNECTED) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_MQTT,
                _("Not connected to the broker"));
    return FALSE;
  }
  topic = arts_topic(self->realm, ARTS_TOPIC_PROGRAM, sha256);
  return arts_mqtt_publish(self->mqtt, topic, bytes, len, 1, TRUE, NULL, 0,
                           error) >= 0;
}

gpointer
arts_realm_model_lookup_module(ArtsRealmModel *self, const char *uuid)
{
  return uuid ? g_hash_table_lookup(self->module_by_uuid, uuid) : NULL;
}

void
arts_realm_model_query_history_async(ArtsRealmModel *self,
                                     const char *runtime, const char *metric,
                                     gint64 since_ms, gint64 until_ms,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
  g_autoptr(JsonObject) data = json_object_new();

  g_task_set_source_tag(task, arts_realm_model_query_history_async);
  json_object_set_string_member(data, "type", "history");
  json_object_set_string_member(data, "runtime", runtime);
  json_object_set_string_member(data, "metric", metric);
  json_object_set_int_member(data, "since", since_ms);
  json_object_set_int_member(data, "until", until_ms);
  send_request(self, task, ARTS_TOPIC_QUERY, "query", data, FALSE,
               QUERY_TIMEOUT_S);
}

ArtsSeries *
arts_realm_model_query_history_finish(ArtsRealmModel *self,
                                      GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, self), NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}
