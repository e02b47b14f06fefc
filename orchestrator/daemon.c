/* arts-orchestrator on the wire. Every message is decoded and checked
 * before it touches the realm; a bad one gets an arts_resp error on its own
 * topic when it is a request with an object_id, else one log/orchestrator
 * message, and changes nothing. */
#include "daemon.h"
#include "modules.h"
#include "realm.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define GROUP "orchestrator"
/* History answers stay well under ARTS_MAX_PAYLOAD, which their readers
 * enforce: about 40 bytes a raw point, 80 an aggregated one. */
#define MAX_RAW_POINTS 5000
#define MAX_AGG_POINTS 2800
/* The same complaint about the same topic is published at most this
 * often (a runtime that is not registered sends telemetry every second). */
#define COMPLAINT_QUIET_US (60 * G_USEC_PER_SEC)

struct _OrchDaemon {
  OrchSettings set;
  char *realm_name;
  char *db_path;
  OrchStore *store;
  OrchRealm *realm;
  OrchModules *mods;       /* issue 4: modules.c and friends */
  gint64 last_tick_us;     /* monotonic time of the latest tick */
  ArtsMqtt *mqtt;
  char *t_reg, *t_query, *t_stats, *t_state, *t_log;
  guint check_id, maintain_id;
  GHashTable *complaints;  /* "topic\nmessage" -> last time (gint64*) */
  gint64 store_complained_us;
  gboolean stopping;
  gboolean connected;
  int lock_fd;             /* STATE_DIR/orchestrator.lock, flock()ed */
  GHashTable *held;        /* uuid -> HeldDelete*: reg deletes not yet due */
};

/* ---- settings ---- */

static const char *const known_keys[] = {
  "broker", "realm", "username", "password-file", "cafile", "certfile",
  "keyfile", "state-dir", "dead-after-intervals", "check-interval-ms",
  "maintain-interval-s", "raw-retention-s", "aggregate-retention-s",
  "event-retention-s", "checkpoint-interval-ms", "overload-cpu",
  "overload-window-ms", "overload-target-cpu", "overload-quiet-ms",
  "migration-step-timeout-ms", NULL
};

static gboolean
get_setting(GKeyFile *kf, const char *key, gint64 min, gint64 max,
            gint64 *out, GError **error)
{
  g_autoptr(GError) err = NULL;
  if (!g_key_file_has_key(kf, GROUP, key, NULL))
    return TRUE;
  gint64 v = g_key_file_get_int64(kf, GROUP, key, &err);
  if (err || v < min || v > max) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "[" GROUP "] %s: expected an integer from %" G_GINT64_FORMAT
                " to %" G_GINT64_FORMAT, key, min, max);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

static gboolean
get_fraction(GKeyFile *kf, const char *key, double *out, GError **error)
{
  g_autoptr(GError) err = NULL;
  if (!g_key_file_has_key(kf, GROUP, key, NULL))
    return TRUE;
  double v = g_key_file_get_double(kf, GROUP, key, &err);
  if (err || !(v > 0 && v <= 1)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "[" GROUP "] %s: expected a number above 0 and at most 1",
                key);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

/* The module settings of issue 4 (docs/orchestrator.md, "Options"). */
static gboolean
module_settings_load(OrchModuleSettings *m, GKeyFile *kf, GError **error)
{
  gint64 ckpt = m->checkpoint_ms, win = m->overload_window_ms,
         quiet = m->overload_quiet_ms, step = m->step_timeout_ms;
  if (!get_setting(kf, "checkpoint-interval-ms", 100, 24 * 3600 * 1000,
                   &ckpt, error)
      || !get_setting(kf, "overload-window-ms", 100, 3600 * 1000, &win,
                      error)
      || !get_setting(kf, "overload-quiet-ms", 0, 24 * 3600 * 1000, &quiet,
                      error)
      || !get_setting(kf, "migration-step-timeout-ms", 100, 600 * 1000,
                      &step, error)
      || !get_fraction(kf, "overload-cpu", &m->overload_cpu, error)
      || !get_fraction(kf, "overload-target-cpu", &m->overload_target,
                       error))
    return FALSE;
  m->checkpoint_ms = (int)ckpt;
  m->overload_window_ms = (int)win;
  m->overload_quiet_ms = (int)quiet;
  m->step_timeout_ms = (int)step;
  return TRUE;
}

gboolean
orch_settings_load(OrchSettings *set, const ArtsConfig *cfg, GError **error)
{
  gint64 dead = 3, check = 200, maintain = 60, raw = 3600,
         agg = 7 * 24 * 3600, ev = 7 * 24 * 3600;
  GKeyFile *kf = cfg->keyfile_data;
  orch_module_settings_defaults(&set->modules);
  if (kf && g_key_file_has_group(kf, GROUP)) {
    g_auto(GStrv) keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
    for (guint i = 0; keys && keys[i]; i++)
      if (!g_strv_contains(known_keys, keys[i])) {
        g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                    "[" GROUP "] %s: unknown key", keys[i]);
        return FALSE;
      }
    if (!get_setting(kf, "dead-after-intervals", 1, 1000, &dead, error)
        || !get_setting(kf, "check-interval-ms", 10, 10000, &check, error)
        || !get_setting(kf, "maintain-interval-s", 1, 3600, &maintain, error)
        || !get_setting(kf, "raw-retention-s", 60, 7 * 24 * 3600, &raw,
                        error)
        || !get_setting(kf, "aggregate-retention-s", 3600,
                        366 * 24 * 3600, &agg, error)
        || !get_setting(kf, "event-retention-s", 3600, 3660 * 24 * 3600LL,
                        &ev, error)
        || !module_settings_load(&set->modules, kf, error))
      return FALSE;
  }
  set->dead_after = (int)dead;
  set->check_ms = (int)check;
  set->maintain_s = (int)maintain;
  set->retention.raw_retention_ms = raw * 1000;
  set->retention.agg_retention_ms = agg * 1000;
  set->retention.event_retention_ms = ev * 1000;
  return TRUE;
}

/* ---- publishing ---- */

static void
publish(OrchDaemon *d, const char *topic, ArtsMsgType type,
        const char *action, const char *object_id, JsonObject *data,
        gboolean retain)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(type, action, object_id,
                                                  data);
  /* Not connected: the state topics are all published again on connect;
   * answers and events of the moment are gone, as with any MQTT client. */
  if (arts_mqtt_publish_envelope(d->mqtt, topic, env, retain, &error) < 0)
    g_debug("not published on %s: %s", topic, error->message);
}

static void
publish_state(OrchDaemon *d, const ArtsRuntime *rt)
{
  g_autofree char *id = g_strconcat("runtime/", rt->uuid, NULL);
  g_autofree char *topic = arts_topic(d->realm_name, ARTS_TOPIC_STATE, id);
  g_autoptr(JsonObject) data = arts_runtime_to_json(rt);
  publish(d, topic, ARTS_TYPE_RESP, "update", NULL, data, TRUE);
}

static void
publish_all_states(OrchDaemon *d)
{
  g_autoptr(GPtrArray) all = orch_realm_list(d->realm);
  for (guint i = 0; i < all->len; i++)
    publish_state(d, all->pdata[i]);
  g_info("published the state of %u runtimes", all->len);
}

static void
answer(OrchDaemon *d, const char *topic, ArtsEnvelope *resp)
{
  g_autoptr(GError) error = NULL;
  if (arts_mqtt_publish_envelope(d->mqtt, topic, resp, FALSE, &error) < 0)
    g_debug("answer not sent on %s: %s", topic, error->message);
}

static void
answer_ok(OrchDaemon *d, const char *topic, const ArtsEnvelope *req,
          JsonObject *details)
{
  g_autoptr(ArtsEnvelope) resp = arts_response_ok(req, ARTS_TYPE_RESP,
                                                  details);
  answer(d, topic, resp);
}

/* One log/orchestrator message per failure, and the same complaint about
 * the same topic at most once a minute. */
static void
complain(OrchDaemon *d, const char *topic, const char *object_id,
         const GError *error)
{
  g_autofree char *key = g_strconcat(topic, "\n", error->message, NULL);
  gint64 now = g_get_monotonic_time();
  gint64 *last = g_hash_table_lookup(d->complaints, key);
  if (last && now - *last < COMPLAINT_QUIET_US)
    return;
  if (g_hash_table_size(d->complaints) > 4096)
    g_hash_table_remove_all(d->complaints);
  g_hash_table_replace(d->complaints, g_steal_pointer(&key),
                       g_memdup2(&now, sizeof now));
  g_message("%s: %s", topic, error->message);
  g_autoptr(ArtsLog) l = arts_log_new("error", error->message, topic,
                                      object_id);
  g_autoptr(JsonObject) data = arts_log_to_json(l);
  publish(d, d->t_log, ARTS_TYPE_RESP, "update", NULL, data, FALSE);
}

/* A request that fails is answered on its topic, and logged once here. */
static void
refuse(OrchDaemon *d, const char *topic, const ArtsEnvelope *req,
       const GError *error)
{
  g_message("%s: refused %s %s: %s", topic, req->action, req->object_id,
            error->message);
  g_autoptr(ArtsEnvelope) resp = arts_response_error(req, ARTS_TYPE_RESP,
                                                     error);
  answer(d, topic, resp);
}

/* ---- realm hooks ---- */

static void
on_state_changed(const ArtsRuntime *rt, gpointer user_data)
{
  OrchDaemon *d = user_data;
  publish_state(d, rt);
  if (d->mods)
    orch_modules_runtime_changed(d->mods, rt);
}

static void
on_event(const ArtsEvent *e, gpointer user_data)
{
  OrchDaemon *d = user_data;
  g_autofree char *topic = arts_topic(d->realm_name, ARTS_TOPIC_NOTIF, NULL);
  g_autoptr(JsonObject) data = arts_event_to_json(e);
  publish(d, topic, ARTS_TYPE_RESP, "update", NULL, data, FALSE);
}

/* A failing disk repeats every tick: say so once a minute. */
static void
on_store_failed(const GError *error, gpointer user_data)
{
  OrchDaemon *d = user_data;
  gint64 now = g_get_monotonic_time();
  if (d->store_complained_us
      && now - d->store_complained_us < COMPLAINT_QUIET_US)
    return;
  d->store_complained_us = now;
  g_warning("store: %s", error->message);
  g_autoptr(ArtsLog) l = arts_log_new("error", error->message, NULL, NULL);
  g_autoptr(JsonObject) data = arts_log_to_json(l);
  publish(d, d->t_log, ARTS_TYPE_RESP, "update", NULL, data, FALSE);
}

/* ---- reg ---- */

static gboolean
want_data_type(const ArtsEnvelope *env, const char *want, GError **error)
{
  const char *type = arts_envelope_data_type(env);
  if (type && strcmp(type, want) == 0)
    return TRUE;
  g_set_error(error, ARTS_ERROR, type ? ARTS_ERROR_UNKNOWN : ARTS_ERROR_FIELD,
              "data.type: expected \"%s\"%s%s%s", want,
              type ? ", not \"" : "", type ? type : "", type ? "\"" : "");
  return FALSE;
}

/* A delete is held this long before it counts: a broker that shuts down
 * publishes the last will of every client still connected, and those
 * wills say nothing about the runtimes. Losing the broker within this
 * time drops what is held (a runtime that really died then dies of
 * missed telemetry instead). */
#define DELETE_HOLD_MS 500

typedef struct {
  OrchDaemon *d;
  char *uuid, *name, *topic;
  ArtsEnvelope *env;
  gboolean will;        /* the runtime's last will, not its goodbye */
  guint source_id;
} HeldDelete;

static void
held_free(gpointer p)
{
  HeldDelete *h = p;
  g_clear_handle_id(&h->source_id, g_source_remove);
  g_free(h->uuid);
  g_free(h->name);
  g_free(h->topic);
  arts_envelope_free(h->env);
  g_free(h);
}

static void
apply_delete(OrchDaemon *d, const char *topic, const ArtsEnvelope *env,
             const char *uuid, const char *name, gboolean will)
{
  g_autoptr(GError) error = NULL;
  const ArtsRuntime *rt = will
    ? orch_realm_connection_lost(d->realm, uuid, name, &error)
    : orch_realm_deregister(d->realm, uuid, name, &error);
  if (!rt) {
    refuse(d, topic, env, error);
    return;
  }
  g_autoptr(JsonObject) details = arts_runtime_to_json(rt);
  answer_ok(d, topic, env, details);
}

static gboolean
on_delete_due(gpointer user_data)
{
  HeldDelete *h = user_data;
  h->source_id = 0;
  apply_delete(h->d, h->topic, h->env, h->uuid, h->name, h->will);
  g_hash_table_remove(h->d->held, h->uuid);
  return G_SOURCE_REMOVE;
}

/* A held delete is applied before anything else about its runtime, so a
 * quick goodbye-and-register keeps its order. */
static void
release_held(OrchDaemon *d, const char *uuid)
{
  HeldDelete *h = g_hash_table_lookup(d->held, uuid);
  if (!h)
    return;
  g_clear_handle_id(&h->source_id, g_source_remove);
  apply_delete(d, h->topic, h->env, h->uuid, h->name, h->will);
  g_hash_table_remove(d->held, uuid);
}

static void
release_all_held(OrchDaemon *d)
{
  g_autoptr(GList) uuids = g_hash_table_get_keys(d->held);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  for (GList *l = uuids; l; l = l->next)
    g_strv_builder_add(b, l->data);
  g_auto(GStrv) all = g_strv_builder_end(b);
  for (guint i = 0; all[i]; i++)
    release_held(d, all[i]);
}

static void
hold_delete(OrchDaemon *d, const char *topic, const ArtsEnvelope *env,
            const ArtsRuntime *rt, gboolean will)
{
  HeldDelete *h = g_new0(HeldDelete, 1);
  h->d = d;
  h->will = will;
  h->uuid = g_strdup(rt->uuid);
  h->name = g_strdup(rt->name);
  h->topic = g_strdup(topic);
  h->env = arts_envelope_copy(env);
  h->source_id = g_timeout_add(DELETE_HOLD_MS, on_delete_due, h);
  g_hash_table_replace(d->held, h->uuid, h);
}

static ArtsRuntime *
reg_decode(const ArtsEnvelope *env, GError **error)
{
  if (strcmp(env->action, "create") != 0
      && strcmp(env->action, "delete") != 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "action: unknown action \"%s\" on reg (expected create or "
                "delete)", env->action);
    return NULL;
  }
  if (!want_data_type(env, "runtime", error))
    return NULL;
  return arts_runtime_from_json(env->data, error);
}

static gboolean
is_last_will(const ArtsMqttProp *props, guint n_props)
{
  for (guint i = 0; i < n_props; i++)
    if (g_strcmp0(props[i].name, ARTS_PROP_CAUSE) == 0
        && g_strcmp0(props[i].value, ARTS_CAUSE_LAST_WILL) == 0)
      return TRUE;
  return FALSE;
}

static void
handle_reg(OrchDaemon *d, const char *topic, const ArtsEnvelope *env,
           gboolean will)
{
  g_autoptr(GError) error = NULL;
  /* reg update: a runtime says it is draining (issue 4). */
  if (strcmp(env->action, "update") == 0) {
    orch_modules_reg_update(d->mods, topic, env);
    return;
  }
  g_autoptr(ArtsRuntime) rt = reg_decode(env, &error);
  if (!rt) {
    refuse(d, topic, env, error);
    return;
  }
  release_held(d, rt->uuid);
  const ArtsRuntime *stored;
  if (strcmp(env->action, "create") == 0)
    stored = orch_realm_register(d->realm, rt, g_get_monotonic_time(),
                                 &error);
  else
    stored = orch_realm_check_deregister(d->realm, rt->uuid, rt->name,
                                         &error);
  if (!stored) {
    refuse(d, topic, env, error);
  } else if (strcmp(env->action, "delete") == 0
             && stored->status == ARTS_STATUS_ALIVE) {
    hold_delete(d, topic, env, rt, will);
  } else {
    g_autoptr(JsonObject) details = arts_runtime_to_json(stored);
    answer_ok(d, topic, env, details);
  }
}

/* ---- stats ---- */

static void
handle_stats(OrchDaemon *d, const char *topic, const char *topic_uuid,
             const ArtsEnvelope *env)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsTelemetry) t = NULL;
  if (env->type != ARTS_TYPE_RUNTIME_RESP)
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "type: telemetry is a runtime_resp, not %s",
                arts_msg_type_to_string(env->type));
  else if (strcmp(env->action, "update") != 0)
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "action: unknown action \"%s\" on stats (expected update)",
                env->action);
  else if (want_data_type(env, "telemetry", &error)
           && (t = arts_telemetry_from_json(env->data, &error))
           && orch_realm_telemetry(d->realm, topic_uuid, t, env->data,
                                   g_get_monotonic_time(), &error))
    orch_modules_telemetry(d->mods, t);
  if (error)
    complain(d, topic, env->object_id, error);
}

/* ---- query ---- */

/* Every runtime, by name, as long as the answer stays readable (under
 * ARTS_MAX_PAYLOAD with room for the envelope); a realm too large for one
 * answer gets the first ones and "truncated": true. The retained state
 * topics have no such limit. */
static JsonObject *
runtimes_answer(OrchDaemon *d)
{
  g_autoptr(GPtrArray) all = orch_realm_list(d->realm);
  JsonArray *list = json_array_new();
  gsize size = 0, room = ARTS_MAX_PAYLOAD - 1024;
  gboolean truncated = FALSE;
  for (guint i = 0; i < all->len && !truncated; i++) {
    JsonObject *rt = arts_runtime_to_json(all->pdata[i]);
    gsize len = 0;
    g_free(arts_json_object_to_string(rt, &len));
    truncated = size + len + 1 > room;
    if (truncated) {
      json_object_unref(rt);
      break;
    }
    size += len + 1;
    json_array_add_object_element(list, rt);
  }
  JsonObject *o = json_object_new();
  json_object_set_array_member(o, "runtimes", list);
  if (truncated)
    json_object_set_boolean_member(o, "truncated", TRUE);
  return o;
}

static JsonObject *
no_such_metric(OrchDaemon *d, const ArtsRuntime *rt, const char *metric,
               GError **error)
{
  g_auto(GStrv) have = orch_store_metrics(d->store, rt->uuid, NULL);
  g_autofree char *list = have && have[0] ? g_strjoinv(", ", have)
                                          : g_strdup("none");
  g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
              "data.metric: runtime %s has no metric \"%s\" (it has: %s)",
              rt->name, metric, list);
  return NULL;
}

/* Raw samples while the whole range is within raw retention, 1-minute
 * aggregates beyond; the newest points when there are too many. */
static JsonObject *
history_answer(OrchDaemon *d, const ArtsQuery *q, GError **error)
{
  const ArtsRuntime *rt = orch_realm_find(d->realm, q->runtime);
  if (!rt) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.runtime: no runtime has the uuid or name \"%s\"",
                q->runtime);
    return NULL;
  }
  gint64 now = arts_now_ms();
  gint64 until = q->until_ms ? q->until_ms : now;
  gint64 since = q->since_ms ? q->since_ms
                             : until - d->set.retention.raw_retention_ms;
  gboolean agg = since < now - d->set.retention.raw_retention_ms;
  guint limit = agg ? MAX_AGG_POINTS : MAX_RAW_POINTS;
  gboolean found = FALSE;
  g_autoptr(GArray) pts = orch_store_history(d->store, rt->uuid, q->metric,
                                             since, until, agg, limit + 1,
                                             &found, error);
  if (!pts)
    return NULL;
  if (!found)
    return no_such_metric(d, rt, q->metric, error);
  g_autoptr(ArtsHistory) h = arts_history_new(rt->uuid, q->metric,
                                              agg ? "1m" : "raw");
  h->truncated = pts->len > limit;
  for (guint i = h->truncated ? 1 : 0; i < pts->len; i++) {
    const OrchPoint *p = &g_array_index(pts, OrchPoint, i);
    arts_history_add(h, p->ts_ms, p->avg, p->min, p->max);
  }
  return arts_history_to_json(h);
}

static JsonObject *
query_request(OrchDaemon *d, const ArtsEnvelope *env, GError **error)
{
  if (strcmp(env->action, "query") != 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "action: unknown action \"%s\" on query (expected query)",
                env->action);
    return NULL;
  }
  g_autoptr(ArtsQuery) q = arts_query_from_json(env->data, error);
  if (!q)
    return NULL;
  if (strcmp(q->kind, "runtimes") == 0)
    return runtimes_answer(d);
  if (strcmp(q->kind, "modules") == 0 || strcmp(q->kind, "logs") == 0)
    return orch_modules_query(d->mods, q, error);
  return history_answer(d, q, error);
}

static void
handle_query(OrchDaemon *d, const char *topic, const ArtsEnvelope *env)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) details = query_request(d, env, &error);
  if (!details) {
    refuse(d, topic, env, error);
    return;
  }
  answer_ok(d, topic, env, details);
}

/* ---- state ---- */

/* The orchestrator owns state/runtime/+: a retained state of a runtime it
 * does not know (its database was replaced, or someone else published it)
 * would show late joiners a ghost forever, so it is cleared. Our own
 * states come back here too and are left alone. */
static void
handle_state(OrchDaemon *d, const char *topic, const char *uuid, gsize len)
{
  g_autoptr(GError) error = NULL;
  if (len == 0 || orch_realm_get(d->realm, uuid))
    return;
  g_message("%s: clearing the retained state of a runtime this realm does "
            "not know", topic);
  if (arts_mqtt_publish(d->mqtt, topic, "", 0, 1, TRUE, NULL, 0, &error) < 0)
    g_debug("not cleared: %s", error->message);
}

/* ---- dispatch ---- */

/* A payload that is not a valid envelope: answered on the request topics
 * when an object_id can be found in it, else a log message. */
static void
bad_payload(OrchDaemon *d, const char *topic, gboolean request_topic,
            const char *payload, gsize len, const GError *error)
{
  g_autofree char *oid = NULL, *action = NULL;
  if (request_topic && arts_envelope_peek(payload, len, &oid, &action)) {
    g_message("%s: refused %s: %s", topic, oid, error->message);
    g_autoptr(ArtsEnvelope) resp = arts_response_error_for(
      oid, action, ARTS_TYPE_RESP, error);
    answer(d, topic, resp);
    return;
  }
  complain(d, topic, NULL, error);
}

static void
on_message(ArtsMqtt *mqtt, const char *topic, const guint8 *payload,
           gsize len, const ArtsMqttProp *props, guint n_props,
           gpointer user_data)
{
  orch_daemon_handle_props(user_data, topic, payload, len, props, n_props);
}

void
orch_daemon_handle(OrchDaemon *d, const char *topic, const void *payload,
                   gsize len)
{
  orch_daemon_handle_props(d, topic, payload, len, NULL, 0);
}

void
orch_daemon_handle_props(OrchDaemon *d, const char *topic,
                         const void *payload, gsize len,
                         const ArtsMqttProp *props, guint n_props)
{
  g_autofree char *leaf = NULL, *rest = NULL;
  if (!arts_topic_parse(d->realm_name, topic, &leaf, &rest))
    return;
  if (orch_modules_handle(d->mods, topic, leaf, rest, payload, len, props,
                          n_props))
    return;
  gboolean is_reg = !rest && strcmp(leaf, ARTS_TOPIC_REG) == 0;
  gboolean is_query = !rest && strcmp(leaf, ARTS_TOPIC_QUERY) == 0;
  gboolean is_stats = rest && strcmp(leaf, ARTS_TOPIC_STATS) == 0;
  if (rest && strcmp(leaf, ARTS_TOPIC_STATE) == 0
      && g_str_has_prefix(rest, "runtime/")) {
    handle_state(d, topic, rest + strlen("runtime/"), len);
    return;
  }
  if (!is_reg && !is_query && !is_stats)
    return;
  /* An empty retained message only clears a topic. */
  if (len == 0 && is_stats)
    return;

  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse((const char *)payload,
                                                    len, &error);
  if (!env) {
    bad_payload(d, topic, !is_stats, (const char *)payload, len, error);
    return;
  }
  if (is_stats) {
    handle_stats(d, topic, rest, env);
    return;
  }
  /* Answers (ours among them) share the request topics. */
  if (env->type != ARTS_TYPE_REQ)
    return;
  if (is_reg)
    handle_reg(d, topic, env, is_last_will(props, n_props));
  else
    handle_query(d, topic, env);
}

static void
on_connect(ArtsMqtt *mqtt, gboolean connected, gpointer user_data)
{
  OrchDaemon *d = user_data;
  d->connected = connected;
  if (!connected) {
    if (d->stopping)
      return;
    g_message("lost the broker; reconnecting");
    if (g_hash_table_size(d->held))
      g_message("ignoring %u reg deletes that came as the broker went "
                "away (a broker shutting down sends every client's will)",
                g_hash_table_size(d->held));
    g_hash_table_remove_all(d->held);
    return;
  }
  g_message("connected to the broker");
  /* Nobody's telemetry could reach us while we were away: that is our
   * silence, not theirs. */
  orch_realm_grace(d->realm, g_get_monotonic_time());
  /* A broker restarted without persistence forgot every retained state. */
  publish_all_states(d);
  orch_modules_connected(d->mods);
}

/* ---- timers ---- */

void
orch_daemon_tick(OrchDaemon *d)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time();
  /* A tick this late means we were busy (storing a 64 MiB snapshot on a
   * loaded machine): the telemetry waiting in our socket is not read yet,
   * and the runtimes' silence is ours. They get a fresh deadline. */
  gint64 late = MAX((gint64)d->set.check_ms * 5000, G_USEC_PER_SEC);
  if (d->last_tick_us && now - d->last_tick_us > late) {
    g_message("the main loop was held for %" G_GINT64_FORMAT " ms: "
              "liveness deadlines start again", (now - d->last_tick_us)
              / 1000);
    orch_realm_grace(d->realm, now);
  } else if (d->connected) {
    orch_realm_sweep(d->realm, now);
  }
  d->last_tick_us = now;
  if (!orch_store_flush(d->store, &error))
    on_store_failed(error, d);
  orch_modules_tick(d->mods);
}

static gboolean
on_check(gpointer user_data)
{
  orch_daemon_tick(user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_maintain(gpointer user_data)
{
  OrchDaemon *d = user_data;
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time();
  if (!orch_store_maintain(d->store, arts_now_ms(), &error))
    on_store_failed(error, d);
  else
    g_debug("roll-up and pruning took %" G_GINT64_FORMAT " ms",
            (g_get_monotonic_time() - t0) / 1000);
  return G_SOURCE_CONTINUE;
}

/* ---- life cycle ---- */

/* One orchestrator per state dir: a second one would fight over the
 * realm's file and answer every request twice. The lock goes with the
 * process, however it ends. */
static int
lock_state_dir(const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename(dir, "orchestrator.lock", NULL);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s: %s", path,
                g_strerror(e));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = "";
    ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
    pid[n > 0 ? n : 0] = '\0';
    g_strstrip(pid);
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "state-dir: %s is in use by another arts-orchestrator%s%s%s",
                dir, pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
    close(fd);
    return -1;
  }
  g_autofree char *me = g_strdup_printf("%d\n", (int)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, me, strlen(me), 0) < 0)
    g_debug("%s: could not note our pid", path);
  return fd;
}

OrchDaemon *
orch_daemon_new(const ArtsConfig *cfg, const OrchSettings *set,
                GError **error)
{
  if (!cfg->state_dir || !cfg->state_dir[0]) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "state-dir: required (--state-dir DIR or [" GROUP
                "] state-dir)");
    return NULL;
  }
  if (g_mkdir_with_parents(cfg->state_dir, 0700) != 0) {
    int e = errno;
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "state-dir: %s: %s",
                cfg->state_dir, g_strerror(e));
    return NULL;
  }
  int lock_fd = lock_state_dir(cfg->state_dir, error);
  if (lock_fd < 0)
    return NULL;
  OrchDaemon *d = g_new0(OrchDaemon, 1);
  d->lock_fd = lock_fd;
  d->set = *set;
  d->realm_name = g_strdup(cfg->realm);
  d->db_path = g_build_filename(cfg->state_dir, "realm.sqlite", NULL);
  d->t_reg = arts_topic(cfg->realm, ARTS_TOPIC_REG, NULL);
  d->t_query = arts_topic(cfg->realm, ARTS_TOPIC_QUERY, NULL);
  d->t_stats = arts_topic(cfg->realm, ARTS_TOPIC_STATS, "+");
  d->t_state = arts_topic(cfg->realm, ARTS_TOPIC_STATE, "runtime/+");
  d->t_log = arts_topic(cfg->realm, ARTS_TOPIC_LOG, "orchestrator");
  d->complaints = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        g_free);
  d->held = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, held_free);
  d->store = orch_store_open(d->db_path, error);
  if (!d->store)
    goto fail;
  orch_store_set_retention(d->store, &set->retention);
  OrchRealmHooks hooks = { on_state_changed, on_event, on_store_failed };
  d->realm = orch_realm_new(d->store, set->dead_after, &hooks, d);
  if (!orch_realm_load(d->realm, g_get_monotonic_time(), error))
    goto fail;
  g_message("realm \"%s\" from %s: %u runtimes alive, %u dead",
            d->realm_name, d->db_path,
            orch_realm_count(d->realm, ARTS_STATUS_ALIVE),
            orch_realm_count(d->realm, ARTS_STATUS_DEAD));

  ArtsMqttOptions mo = { 0 };
  arts_config_mqtt_options(cfg, &mo);
  d->mqtt = arts_mqtt_new(&mo, error);
  if (!d->mqtt)
    goto fail;
  arts_mqtt_set_message_func(d->mqtt, on_message, d);
  arts_mqtt_set_connect_func(d->mqtt, on_connect, d);
  arts_mqtt_subscribe(d->mqtt, d->t_reg, 1);
  arts_mqtt_subscribe(d->mqtt, d->t_query, 1);
  arts_mqtt_subscribe(d->mqtt, d->t_stats, 1);
  arts_mqtt_subscribe(d->mqtt, d->t_state, 1);
  d->mods = orch_modules_new(d->store, d->realm, d->mqtt, d->realm_name,
                             &set->modules, error);
  if (!d->mods)
    goto fail;
  for (const char *const *t = orch_modules_topics(d->mods); *t; t++)
    arts_mqtt_subscribe(d->mqtt, *t, 1);
  return d;

fail:
  orch_daemon_free(d);
  return NULL;
}

gboolean
orch_daemon_start(OrchDaemon *d, GError **error)
{
  if (!arts_mqtt_start(d->mqtt, error))
    return FALSE;
  d->check_id = g_timeout_add(d->set.check_ms, on_check, d);
  d->maintain_id = g_timeout_add_seconds(d->set.maintain_s, on_maintain, d);
  on_maintain(d);
  return TRUE;
}

void
orch_daemon_stop(OrchDaemon *d)
{
  g_autoptr(GError) error = NULL;
  release_all_held(d);
  d->stopping = TRUE;
  g_clear_handle_id(&d->check_id, g_source_remove);
  g_clear_handle_id(&d->maintain_id, g_source_remove);
  if (d->store && !orch_store_flush(d->store, &error))
    g_warning("store: %s", error->message);
  if (d->mqtt)
    arts_mqtt_disconnect(d->mqtt);
}

void
orch_daemon_free(OrchDaemon *d)
{
  if (!d)
    return;
  g_clear_handle_id(&d->check_id, g_source_remove);
  g_clear_handle_id(&d->maintain_id, g_source_remove);
  g_clear_pointer(&d->mods, orch_modules_free);
  g_clear_pointer(&d->mqtt, arts_mqtt_free);
  g_clear_pointer(&d->realm, orch_realm_free);
  g_clear_pointer(&d->store, orch_store_free);
  g_hash_table_destroy(d->complaints);
  g_hash_table_destroy(d->held);
  close(d->lock_fd);
  g_free(d->realm_name);
  g_free(d->db_path);
  g_free(d->t_reg);
  g_free(d->t_query);
  g_free(d->t_stats);
  g_free(d->t_state);
  g_free(d->t_log);
  g_free(d);
}
