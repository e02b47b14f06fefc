/* The MQTT side of arts-ctl. Retained messages carry the realm (WIRE.md
 * item 5): they arrive right after the subscription, so "the realm is
 * complete" is judged by a short quiet period after the last of them. */
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include "ctl-session.h"
#include "ctl-output.h"

/* Loopback delivers retained messages within a few ms; a remote broker
 * needs longer: the quiet period is at least this, and at least twice what
 * connecting took (a few round trips, like subscribing and getting the
 * retained messages). It restarts with every message and is always
 * bounded by --timeout. */
#define CTL_QUIET_MS 300
/* A broker that has not answered by then gets a plain TCP probe. */
#define CTL_PROBE_MS 250

typedef struct {
  char *leaf;
  char *id;               /* raw follows: the topic's id, or NULL */
  CtlMessageFunc fn;
  CtlRawFunc raw;
  gpointer user_data;
} CtlFollow;

struct _CtlSession {
  const CtlOptions *opts;
  ArtsMqtt *mqtt;
  GMainLoop *loop;
  GHashTable *runtimes;   /* uuid -> JsonObject (state data) */
  GHashTable *stats;      /* uuid -> JsonObject (telemetry data) */
  GHashTable *modules;    /* uuid -> JsonObject (state/module data) */
  GHashTable *subscribed; /* topics asked for by requests */
  GPtrArray *follows;     /* of CtlFollow* */
  gboolean connected, ever_connected, lost, closing;
  gint64 last_msg_us;
  guint probe;            /* on_slow_connect() source */
  gint64 start_us;        /* when connecting began */
  gint64 quiet_us;        /* see CTL_QUIET_MS */
  GError *error;          /* why the loop stopped early */
  /* ctl_session_request() */
  char *pending_id;
  char *pending_leaf;
  JsonObject *answer;     /* data of the answer */
};

static void follow_free(CtlFollow *f) {
  g_free(f->leaf);
  g_free(f->id);
  g_free(f);
}

static void keep_state(CtlSession *s, const char *kind, const char *uuid,
                       ArtsEnvelope *env) {
  GHashTable *table = NULL;
  if (g_strcmp0(kind, ARTS_STATE_RUNTIME) == 0)
    table = s->runtimes;
  else if (g_strcmp0(kind, ARTS_STATE_MODULE) == 0)
    table = s->modules;
  if (!table || !uuid)
    return;
  if (!env) {   /* an empty retained message clears the runtime/module */
    g_hash_table_remove(table, uuid);
    return;
  }
  g_hash_table_replace(table, g_strdup(uuid), json_object_ref(env->data));
}

static void keep_stats(CtlSession *s, const char *uuid, ArtsEnvelope *env) {
  if (!uuid)
    return;
  if (!env) {
    g_hash_table_remove(s->stats, uuid);
    return;
  }
  /* Replayed samples are old; the retained live one is the latest. */
  if (g_strcmp0(arts_envelope_data_type(env), "telemetry") != 0 ||
      json_object_get_boolean_member_with_default(env->data, "replayed",
                                                  FALSE))
    return;
  g_hash_table_replace(s->stats, g_strdup(uuid), json_object_ref(env->data));
}

static void take_answer(CtlSession *s, const char *leaf, const char *rest,
                        ArtsEnvelope *env) {
  if (!s->pending_id || rest || g_strcmp0(leaf, s->pending_leaf) != 0 || !env || env->type != ARTS_TYPE_RESP ||
      g_strcmp0(env->object_id, s->pending_id) != 0)
    return;   /* someone else's answer, or our own request echoed */
  s->answer = json_object_ref(env->data);
  g_main_loop_quit(s->loop);
}

static void on_message(ArtsMqtt *mqtt, const char *topic,
                       const guint8 *payload, gsize len,
                       const ArtsMqttProp *props, guint n_props,
                       gpointer user_data) {
  CtlSession *s = user_data;
  g_autofree char *leaf = NULL, *rest = NULL;
  /* Only the retained copies a subscription brings are "the realm so
   * far"; live traffic (a big realm's telemetry never pauses) must not
   * hold the quiet period open. */
  if (arts_mqtt_message_retained(mqtt))
    s->last_msg_us = g_get_monotonic_time();
  if (!arts_topic_parse(s->opts->cfg.realm, topic, &leaf, &rest))
    return;
  /* Raw followers (stdout/{module}) get the bytes as they came: those
   * payloads are not JSON. */
  gboolean raw_taken = FALSE;
  for (guint i = 0; i < s->follows->len; i++) {
    CtlFollow *f = s->follows->pdata[i];
    if (f->raw && g_str_equal(f->leaf, leaf) && g_strcmp0(f->id, rest) == 0) {
      f->raw(s, rest, payload, len, props, n_props, f->user_data);
      raw_taken = TRUE;
    }
  }
  if (raw_taken)
    return;
  g_autoptr(ArtsEnvelope) env = NULL;
  if (len > 0) {
    g_autoptr(GError) error = NULL;
    env = arts_envelope_parse((const char *)payload, len, &error);
    if (!env)
      g_debug("ignoring %s: %s", topic, error->message);
  }
  if (g_str_equal(leaf, ARTS_TOPIC_STATE) && rest) {
    g_auto(GStrv) parts = g_strsplit(rest, "/", 2);
    if (len == 0 || env)
      keep_state(s, parts[0], parts[1], env);
  }
  if (g_str_equal(leaf, ARTS_TOPIC_STATS)) {
    if (len == 0 || env)
      keep_stats(s, rest, env);
    return;
  }
  take_answer(s, leaf, rest, env);
  /* Followers of "state" see module and runtime changes after they are
   * kept. */
  for (guint i = 0; i < s->follows->len; i++) {
    CtlFollow *f = s->follows->pdata[i];
    if (f->fn && g_str_equal(f->leaf, leaf))
      f->fn(s, leaf, rest, env, f->user_data);
  }
}

static void on_connect(ArtsMqtt *mqtt, gboolean connected,
                       gpointer user_data) {
  CtlSession *s = user_data;
  if (s->closing)
    return;
  s->connected = connected;
  s->last_msg_us = g_get_monotonic_time();
  if (connected) {
    if (!s->ever_connected)
      s->quiet_us = MAX(CTL_QUIET_MS * 1000,
                        2 * (g_get_monotonic_time() - s->start_us));
    if (s->lost)
      g_printerr("arts-ctl: reconnected to %s\n", s->opts->cfg.broker_url);
    s->ever_connected = TRUE;
    s->lost = FALSE;
    return;
  }
  if (!s->ever_connected) {
    /* A client that reports a failed first attempt gets a clear error at
     * once rather than retries until --timeout. */
    if (!s->error)
      g_set_error(&s->error, CTL_ERROR, CTL_ERROR_BROKER,
                  "cannot connect to broker %s", s->opts->cfg.broker_url);
    g_main_loop_quit(s->loop);
    return;
  }
  if (!s->lost)
    g_printerr("arts-ctl: lost the broker %s, reconnecting\n",
               s->opts->cfg.broker_url);
  s->lost = TRUE;
}

CtlSession *ctl_session_new(const CtlOptions *o, GError **error) {
  ArtsMqttOptions mo = {0};
  arts_config_mqtt_options(&o->cfg, &mo);
  ArtsMqtt *mqtt = arts_mqtt_new(&mo, error);
  if (!mqtt)
    return NULL;
  CtlSession *s = g_new0(CtlSession, 1);
  s->opts = o;
  s->mqtt = mqtt;
  s->loop = g_main_loop_new(NULL, FALSE);
  s->runtimes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)json_object_unref);
  s->stats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify)json_object_unref);
  s->modules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify)json_object_unref);
  s->subscribed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->follows = g_ptr_array_new_with_free_func((GDestroyNotify)follow_free);
  arts_mqtt_set_message_func(mqtt, on_message, s);
  arts_mqtt_set_connect_func(mqtt, on_connect, s);
  return s;
}

void ctl_session_free(CtlSession *s) {
  if (!s)
    return;
  s->closing = TRUE;
  if (s->ever_connected)
    arts_mqtt_disconnect(s->mqtt);
  arts_mqtt_free(s->mqtt);
  g_main_loop_unref(s->loop);
  g_hash_table_unref(s->runtimes);
  g_hash_table_unref(s->stats);
  g_hash_table_unref(s->modules);
  g_hash_table_unref(s->subscribed);
  g_ptr_array_unref(s->follows);
  g_clear_error(&s->error);
  g_free(s->pending_id);
  g_free(s->pending_leaf);
  if (s->answer)
    json_object_unref(s->answer);
  g_free(s);
}

const char *ctl_session_realm(CtlSession *s) {
  return s->opts->cfg.realm;
}

static void subscribe_leaf(CtlSession *s, const char *leaf, const char *id) {
  g_autofree char *topic = arts_topic(s->opts->cfg.realm, leaf, id);
  arts_mqtt_subscribe(s->mqtt, topic, 1);
}

void ctl_session_track_realm(CtlSession *s) {
  subscribe_leaf(s, ARTS_TOPIC_STATE, "runtime/+");
  subscribe_leaf(s, ARTS_TOPIC_STATS, "+");
}

void ctl_session_follow(CtlSession *s, const char *leaf, CtlMessageFunc fn,
                        gpointer user_data) {
  CtlFollow *f = g_new0(CtlFollow, 1);
  f->leaf = g_strdup(leaf);
  f->fn = fn;
  f->user_data = user_data;
  g_ptr_array_add(s->follows, f);
  /* "state" is kept by track_realm/track_modules; a follower only
   * watches it */
  if (!g_str_equal(leaf, ARTS_TOPIC_STATE))
    subscribe_leaf(s, leaf, NULL);
}

void ctl_session_follow_raw(CtlSession *s, const char *leaf, const char *id,
                            CtlRawFunc fn, gpointer user_data) {
  CtlFollow *f = g_new0(CtlFollow, 1);
  f->leaf = g_strdup(leaf);
  f->id = g_strdup(id);
  f->raw = fn;
  f->user_data = user_data;
  g_ptr_array_add(s->follows, f);
  subscribe_leaf(s, leaf, id);
}

void ctl_session_track_modules(CtlSession *s) {
  subscribe_leaf(s, ARTS_TOPIC_STATE, "module/+");
}

static int compare_modules(gconstpointer a, gconstpointer b) {
  JsonObject *ma = *(JsonObject *const *)a, *mb = *(JsonObject *const *)b;
  int c = g_strcmp0(ctl_json_string(ma, "name", ""),
                    ctl_json_string(mb, "name", ""));
  if (c)
    return c;
  gint64 sa = ctl_json_int(ma, "started_at", 0);
  gint64 sb = ctl_json_int(mb, "started_at", 0);
  return sa < sb ? -1 : sa > sb;
}

/* The values of TABLE (borrowed), in no order yet. */
static GPtrArray *table_values(GHashTable *table) {
  GPtrArray *out = g_ptr_array_new();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, table);
  while (g_hash_table_iter_next(&it, NULL, &value))
    g_ptr_array_add(out, value);
  return out;
}

GPtrArray *ctl_session_modules(CtlSession *s) {
  GPtrArray *out = table_values(s->modules);
  g_ptr_array_sort(out, compare_modules);
  return out;
}

JsonObject *ctl_session_module(CtlSession *s, const char *uuid) {
  return g_hash_table_lookup(s->modules, uuid);
}

/* A module that has not ended (A: running, paused, migrating; K: waiting
 * for its runtime) is the one a name means; among ended ones, the latest. */
static gboolean module_live(JsonObject *m) {
  const char *st = ctl_json_string(m, "status", "");
  return g_str_equal(st, "A") || g_str_equal(st, "K");
}

JsonObject *ctl_session_find_module(CtlSession *s, const char *key,
                                    GError **error) {
  g_autofree char *lower = g_ascii_strdown(key, -1);
  JsonObject *m = g_hash_table_lookup(s->modules, lower);
  if (m)
    return m;
  g_autoptr(GPtrArray) all = ctl_session_modules(s);
  JsonObject *live = NULL, *ended = NULL;
  for (guint i = 0; i < all->len; i++) {
    JsonObject *c = all->pdata[i];
    if (g_strcmp0(ctl_json_string(c, "name", NULL), key) != 0)
      continue;
    if (module_live(c)) {
      if (live) {
        g_set_error(error, CTL_ERROR, CTL_ERROR_NOT_FOUND,
                    "more than one live module is named '%s' in realm '%s': "
                    "give its uuid", key, s->opts->cfg.realm);
        return NULL;
      }
      live = c;
    } else {
      ended = c;   /* sorted by started_at: the last is the latest */
    }
  }
  if (!live && !ended)
    g_set_error(error, CTL_ERROR, CTL_ERROR_NOT_FOUND,
                "no module '%s' in realm '%s'", key, s->opts->cfg.realm);
  return live ? live : ended;
}

gboolean ctl_session_publish(CtlSession *s, const char *leaf, const char *id,
                             const void *payload, gsize len, gboolean retain,
                             GError **error) {
  g_autofree char *topic = arts_topic(s->opts->cfg.realm, leaf, id);
  if (arts_mqtt_publish(s->mqtt, topic, payload, len, 1, retain, NULL, 0,
                        error) < 0) {
    g_prefix_error(error, "cannot publish on %s: ", topic);
    if (error && *error) {
      (*error)->domain = CTL_ERROR;
      (*error)->code = CTL_ERROR_BROKER;
    }
    return FALSE;
  }
  return TRUE;
}

gboolean ctl_session_flush(CtlSession *s, guint timeout_ms) {
  return arts_mqtt_flush(s->mqtt, timeout_ms);
}

static gboolean on_deadline(gpointer user_data) {
  CtlSession *s = user_data;
  if (!s->error && s->ever_connected)
    g_set_error(&s->error, CTL_ERROR, CTL_ERROR_TIMEOUT,
                "no answer within %d ms", s->opts->timeout_ms);
  else if (!s->error)
    g_set_error(&s->error, CTL_ERROR, CTL_ERROR_TIMEOUT,
                "no MQTT connection to broker %s within %d ms (it accepts "
                "TCP connections: check TLS, --cafile and credentials; the "
                "broker's log says why)",
                s->opts->cfg.broker_url, s->opts->timeout_ms);
  g_main_loop_quit(s->loop);
  return G_SOURCE_REMOVE;
}

static gboolean on_quiet_check(gpointer user_data) {
  CtlSession *s = user_data;
  if (s->connected && g_get_monotonic_time() - s->last_msg_us >= s->quiet_us) {
    g_main_loop_quit(s->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Removes a source that may already have removed itself. */
static void drop_source(guint id) {
  GSource *src = id ? g_main_context_find_source_by_id(NULL, id) : NULL;
  if (src)
    g_source_destroy(src);
}

/* Runs the loop with a deadline of --timeout; returns FALSE with the
 * session's error when the deadline or a connection failure stopped it. */
static gboolean run_bounded(CtlSession *s, GSourceFunc check, GError **error) {
  guint deadline = g_timeout_add(s->opts->timeout_ms, on_deadline, s);
  guint checker = check ? g_timeout_add(20, check, s) : 0;
  g_main_loop_run(s->loop);
  drop_source(deadline);
  drop_source(checker);
  if (s->error) {
    g_propagate_error(error, s->error);
    s->error = NULL;
    return FALSE;
  }
  return TRUE;
}

/* The MQTT client retries an unreachable broker quietly forever, as a
 * daemon should; a command should say at once that nothing listens. One
 * TCP connect tells "refused" and "no route" apart from a slow broker. */
static gboolean probe_broker(CtlSession *s, GError **error) {
  g_autofree char *host = NULL;
  int port;
  gboolean tls;
  if (!arts_broker_url_parse(s->opts->cfg.broker_url, &host, &port, &tls,
                             error))
    return FALSE;
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_set_timeout(client, (s->opts->timeout_ms + 999) / 1000);
  g_autoptr(GError) local = NULL;
  g_autoptr(GSocketConnection) conn =
      g_socket_client_connect_to_host(client, host, port, NULL, &local);
  if (!conn) {
    g_set_error(error, CTL_ERROR, CTL_ERROR_BROKER,
                "cannot connect to broker %s: %s", s->opts->cfg.broker_url,
                local->message);
    return FALSE;
  }
  g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
  return TRUE;
}

/* Probes only when the connection is slow to come, so that a healthy
 * broker never logs the probe's bare TCP connect. */
static gboolean on_slow_connect(gpointer user_data) {
  CtlSession *s = user_data;
  s->probe = 0;
  if (s->ever_connected || s->error)
    return G_SOURCE_REMOVE;
  if (!probe_broker(s, &s->error))
    g_main_loop_quit(s->loop);
  return G_SOURCE_REMOVE;
}

gboolean ctl_session_connect(CtlSession *s, GError **error) {
  s->start_us = g_get_monotonic_time();
  if (!arts_mqtt_start(s->mqtt, error))
    return FALSE;
  s->probe = g_timeout_add(CTL_PROBE_MS, on_slow_connect, s);
  s->last_msg_us = g_get_monotonic_time();
  g_autoptr(GError) local = NULL;
  gboolean ok = run_bounded(s, on_quiet_check, &local);
  drop_source(s->probe);
  s->probe = 0;
  /* Connected, but retained messages still coming at the deadline: what
   * arrived is the realm as far as we can tell. */
  if (!ok && s->ever_connected &&
      g_error_matches(local, CTL_ERROR, CTL_ERROR_TIMEOUT))
    return TRUE;
  if (!ok)
    g_propagate_error(error, g_steal_pointer(&local));
  return ok;
}

CtlSession *ctl_session_open(const CtlOptions *o, gboolean realm,
                             gboolean modules, GError **error) {
  g_autoptr(CtlSession) s = ctl_session_new(o, error);
  if (!s)
    return NULL;
  if (realm)
    ctl_session_track_realm(s);
  if (modules)
    ctl_session_track_modules(s);
  if (!ctl_session_connect(s, error))
    return NULL;
  return g_steal_pointer(&s);
}

CtlSession *ctl_module_session(const CtlOptions *o, const char *cmd,
                               int argc, gboolean modules, GError **error) {
  if (argc != 1) {
    g_set_error(error, CTL_ERROR, CTL_ERROR_USAGE,
                "%s takes one module (name or uuid)", cmd);
    return NULL;
  }
  return ctl_session_open(o, FALSE, modules, error);
}

static int compare_runtimes(gconstpointer a, gconstpointer b) {
  JsonObject *ra = *(JsonObject *const *)a, *rb = *(JsonObject *const *)b;
  int c = g_strcmp0(ctl_json_string(ra, "name", ""),
                    ctl_json_string(rb, "name", ""));
  return c ? c
           : g_strcmp0(ctl_json_string(ra, "uuid", ""),
                       ctl_json_string(rb, "uuid", ""));
}

GPtrArray *ctl_session_runtimes(CtlSession *s) {
  GPtrArray *out = table_values(s->runtimes);
  GHashTableIter it;
  gpointer key, value;
  /* Telemetry without a state message: no orchestrator keeps this realm
   * (or it has not seen the runtime yet). Show it anyway. */
  g_hash_table_iter_init(&it, s->stats);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    if (g_hash_table_contains(s->runtimes, key))
      continue;
    JsonObject *rt = json_object_new();
    json_object_set_string_member(rt, "uuid", key);
    json_object_set_string_member(rt, "status", "?");
    json_object_set_int_member(rt, "last_seen",
                               ctl_json_int(value, "ts", 0));
    g_hash_table_insert(s->runtimes, g_strdup(key), rt);
    g_ptr_array_add(out, rt);
  }
  g_ptr_array_sort(out, compare_runtimes);
  return out;
}

JsonObject *ctl_session_stats(CtlSession *s, const char *uuid) {
  return g_hash_table_lookup(s->stats, uuid);
}

JsonObject *ctl_session_find_runtime(CtlSession *s, const char *key,
                                     GError **error) {
  g_autoptr(GPtrArray) all = ctl_session_runtimes(s);
  JsonObject *found = NULL;
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0(ctl_json_string(all->pdata[i], "uuid", NULL), key) == 0)
      return all->pdata[i];
  for (guint i = 0; i < all->len; i++) {
    if (g_strcmp0(ctl_json_string(all->pdata[i], "name", NULL), key) != 0)
      continue;
    if (found) {
      g_set_error(error, CTL_ERROR, CTL_ERROR_NOT_FOUND,
                  "more than one runtime is named '%s' in realm '%s': "
                  "give its uuid", key, s->opts->cfg.realm);
      return NULL;
    }
    found = all->pdata[i];
  }
  if (!found)
    g_set_error(error, CTL_ERROR, CTL_ERROR_NOT_FOUND,
                "no runtime '%s' in realm '%s'", key, s->opts->cfg.realm);
  return found;
}

JsonObject *ctl_session_request(CtlSession *s, const char *leaf,
                                const char *action, JsonObject *data,
                                GError **error) {
  g_autoptr(ArtsEnvelope) req =
      arts_envelope_new(ARTS_TYPE_REQ, action, NULL, data);
  g_autofree char *topic = arts_topic(s->opts->cfg.realm, leaf, NULL);
  /* Answers come on the request's topic (WIRE.md 1); subscribing before
   * publishing on the same connection cannot miss them. */
  if (g_hash_table_add(s->subscribed, g_strdup(topic)))
    arts_mqtt_subscribe(s->mqtt, topic, 1);
  g_free(s->pending_id);
  s->pending_id = g_strdup(req->object_id);
  g_free(s->pending_leaf);
  s->pending_leaf = g_strdup(leaf);
  if (arts_mqtt_publish_envelope(s->mqtt, topic, req, FALSE, error) < 0)
    return NULL;
  gboolean ok = run_bounded(s, NULL, error);
  g_clear_pointer(&s->pending_id, g_free);
  g_clear_pointer(&s->pending_leaf, g_free);
  if (!ok) {
    if (error && *error && (*error)->code == CTL_ERROR_TIMEOUT)
      g_prefix_error(error, "%s request: is an orchestrator running for "
                            "realm '%s'? ", leaf, s->opts->cfg.realm);
    return NULL;
  }
  g_autoptr(JsonObject) answer = g_steal_pointer(&s->answer);
  const char *result = ctl_json_string(answer, "result", "");
  JsonObject *details = ctl_json_object(answer, "details");
  if (g_strcmp0(result, "ok") != 0) {
    /* The code ("not_found", "conflict", "no_fit" ...) lets a script tell
     * failures apart without parsing the message. */
    const char *code = ctl_json_string(details, "code", NULL);
    g_set_error(error, CTL_ERROR, CTL_ERROR_REFUSED, "%s%s%s%s",
                ctl_json_string(details, "error", "the orchestrator refused "
                                                  "the request"),
                code ? " (" : "", code ? code : "", code ? ")" : "");
    return NULL;
  }
  return details ? json_object_ref(details) : json_object_new();
}

static gboolean on_signal(gpointer user_data) {
  ctl_session_quit(user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean on_duration(gpointer user_data) {
  ctl_session_quit(user_data);
  return G_SOURCE_REMOVE;
}

void ctl_session_run(CtlSession *s, int duration_s) {
  guint sigint = g_unix_signal_add(SIGINT, on_signal, s);
  guint sigterm = g_unix_signal_add(SIGTERM, on_signal, s);
  guint dur = duration_s > 0 ? g_timeout_add_seconds(duration_s, on_duration, s)
                             : 0;
  g_main_loop_run(s->loop);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  drop_source(dur);
}

void ctl_session_quit(CtlSession *s) {
  g_main_loop_quit(s->loop);
}
