/* An MQTT 5 client on the GLib main loop: libmosquitto without its thread.
 *
 * A custom GSource watches mosquitto_socket() (which changes on every
 * reconnect), asks for G_IO_OUT only while libmosquitto has something to
 * write, and runs loop_misc at least once a second for pings and retries.
 * Reconnects are ours, not libmosquitto's: a GLib timeout with exponential
 * backoff and jitter, so that a restarted broker is not hit by the whole
 * realm at the same instant. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include "arts-error.h"
#include "arts-mqtt.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define READS_PER_DISPATCH 64

typedef struct {
  GSource base;
  ArtsMqtt *m;
  gpointer tag;
  int fd;
  GIOCondition events;     /* what TAG asks for now */
} MqttSource;

typedef struct {
  ArtsMqtt *m;
  char *topic;
  char *object_id;
  ArtsMqttResponseFunc fn;
  gpointer user_data;
  GSource *timeout;
} Request;

struct _ArtsMqtt {
  struct mosquitto *mosq;
  char *host;
  int port;
  gboolean tls;
  int keepalive;
  GMainContext *ctx;
  GSource *source;
  GSource *reconnect;
  guint backoff_ms;
  gint64 attempt_us;       /* when the current connect began; 0: none */
  gboolean started, connected, stopping;
  GHashTable *subs;        /* pattern -> qos + 1 */
  GHashTable *inflight;    /* mids of unacknowledged QoS >= 1 publishes */
  GHashTable *requests;    /* object_id -> Request */
  ArtsMqttMessageFunc message_fn;
  gpointer message_data;
  ArtsMqttConnectFunc connect_fn;
  gpointer connect_data;
  ArtsMqttPublishFunc publish_fn;
  gpointer publish_data;
  gboolean cur_retain;
  int cur_qos;
  char *last_error;
  gboolean refused;        /* the broker said no; the socket closing after
                              that is no news */
};

/* Remembers why connecting failed; says it once per new reason, not on
 * every retry. */
static void set_error(ArtsMqtt *m, const char *what) {
  if (g_strcmp0(m->last_error, what) == 0)
    return;
  g_free(m->last_error);
  m->last_error = g_strdup(what);
  g_message("mqtt: %s:%d: %s", m->host, m->port, what);
}

static void lib_init_once(void) {
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    mosquitto_lib_init();
    g_once_init_leave(&done, 1);
  }
}

gboolean arts_broker_url_parse(const char *url, char **host, int *port,
                               gboolean *tls, GError **error) {
  *host = NULL;
  const char *rest;
  if (url && g_str_has_prefix(url, "mqtt://")) {
    *tls = FALSE;
    rest = url + 7;
  } else if (url && g_str_has_prefix(url, "mqtts://")) {
    *tls = TRUE;
    rest = url + 8;
  } else {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "broker: \"%s\" is not mqtt://HOST[:PORT] or "
                "mqtts://HOST[:PORT]", url ? url : "");
    return FALSE;
  }
  *port = *tls ? 8883 : 1883;
  g_autofree char *h = NULL;
  const char *port_str = NULL;
  if (rest[0] == '[') {   /* [IPv6]:port */
    const char *close = strchr(rest, ']');
    if (!close)
      goto bad;
    h = g_strndup(rest + 1, close - rest - 1);
    if (close[1] == ':')
      port_str = close + 2;
    else if (close[1] != '\0' && !(close[1] == '/' && close[2] == '\0'))
      goto bad;
  } else {
    gsize n = strcspn(rest, ":/");
    h = g_strndup(rest, n);
    if (rest[n] == ':')
      port_str = rest + n + 1;
    else if (rest[n] == '/' && rest[n + 1] != '\0')
      goto bad;
  }
  if (!*h || strpbrk(h, " \t@?#"))
    goto bad;
  if (port_str) {
    char *end;
    errno = 0;
    long p = strtol(port_str, &end, 10);
    if (end == port_str || errno || p < 1 || p > 65535 ||
        (*end && !(end[0] == '/' && end[1] == '\0')))
      goto bad;
    *port = (int)p;
  }
  *host = g_steal_pointer(&h);
  return TRUE;
bad:
  g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
              "broker: cannot parse \"%s\" (expected mqtt[s]://HOST[:PORT])",
              url);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* The GSource                                                         */

static gboolean source_prepare(GSource *base, gint *timeout) {
  MqttSource *s = (MqttSource *)base;
  int fd = mosquitto_socket(s->m->mosq);
  GIOCondition want = G_IO_IN | G_IO_ERR | G_IO_HUP;
  if (fd != s->fd) {
    if (s->tag)
      g_source_remove_unix_fd(base, s->tag);
    s->tag = fd >= 0 ? g_source_add_unix_fd(base, fd, want) : NULL;
    s->events = want;
    s->fd = fd;
  }
  /* Only on change: modifying wakes the context up, which would turn an
   * idle client into a busy loop. */
  if (s->tag) {
    if (mosquitto_want_write(s->m->mosq))
      want |= G_IO_OUT;
    if (want != s->events) {
      g_source_modify_unix_fd(base, s->tag, want);
      s->events = want;
    }
  }
  *timeout = -1;
  return FALSE;
}

static void schedule_reconnect(ArtsMqtt *m);

/* libmosquitto closes the socket of a failed TLS handshake without calling
 * on_disconnect: without this, such a client would never retry. */
static void check_loop_rc(ArtsMqtt *m, int rc) {
  if (rc == MOSQ_ERR_SUCCESS || m->stopping || m->reconnect ||
      mosquitto_socket(m->mosq) >= 0)
    return;
  int saved = errno;
  gboolean was = m->connected;
  m->connected = FALSE;
  m->attempt_us = 0;
  set_error(m, rc == MOSQ_ERR_ERRNO ? g_strerror(saved)
                                    : mosquitto_strerror(rc));
  if (was && m->connect_fn)
    m->connect_fn(m, FALSE, m->connect_data);
  schedule_reconnect(m);
}

static gboolean source_dispatch(GSource *base, GSourceFunc cb, gpointer ud) {
  MqttSource *s = (MqttSource *)base;
  ArtsMqtt *m = s->m;
  GIOCondition rev = s->tag ? g_source_query_unix_fd(base, s->tag) : 0;
  if (rev & (G_IO_IN | G_IO_ERR | G_IO_HUP)) {
    /* loop_read may stop after one packet, and TLS can hold decrypted data
     * that poll() cannot see: read until it would block. */
    for (int i = 0; i < READS_PER_DISPATCH; i++) {
      errno = 0;
      int rc = mosquitto_loop_read(m->mosq, 1);
      check_loop_rc(m, rc);
      if (rc != MOSQ_ERR_SUCCESS || errno == EAGAIN || errno == EWOULDBLOCK ||
          mosquitto_socket(m->mosq) < 0)
        break;
    }
  }
  if ((rev & G_IO_OUT) && mosquitto_socket(m->mosq) >= 0)
    check_loop_rc(m, mosquitto_loop_write(m->mosq, 1));
  mosquitto_loop_misc(m->mosq);
  /* A connect that neither succeeds nor fails (a black-holed address, a
   * broker that never answers CONNECT) is abandoned and retried. */
  if (!m->connected && m->attempt_us &&
      g_get_monotonic_time() - m->attempt_us > CONNECT_TIMEOUT_US) {
    m->attempt_us = 0;
    set_error(m, "no answer from the broker");
    schedule_reconnect(m);
  }
  g_source_set_ready_time(base, g_get_monotonic_time() + G_USEC_PER_SEC);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
  .prepare = source_prepare,
  .dispatch = source_dispatch,
};

/* ------------------------------------------------------------------ */
/* Connecting                                                          */

static void try_connect(ArtsMqtt *m) {
  if (m->stopping)
    return;
  m->attempt_us = g_get_monotonic_time();
  int rc = mosquitto_connect_bind_async(m->mosq, m->host, m->port,
                                        m->keepalive, NULL);
  if (rc != MOSQ_ERR_SUCCESS) {
    set_error(m, rc == MOSQ_ERR_ERRNO ? g_strerror(errno)
                                      : mosquitto_strerror(rc));
    m->attempt_us = 0;
    schedule_reconnect(m);
  }
}

static gboolean reconnect_cb(gpointer data) {
  ArtsMqtt *m = data;
  g_clear_pointer(&m->reconnect, g_source_unref);
  try_connect(m);
  return G_SOURCE_REMOVE;
}

/* Waits between BACKOFF/2 and BACKOFF, then doubles BACKOFF up to its cap:
 * the jitter spreads a realm's reconnects after a broker restart. */
static void schedule_reconnect(ArtsMqtt *m) {
  if (m->reconnect || m->stopping || !m->started)
    return;
  guint delay = m->backoff_ms / 2 +
                (guint)g_random_int_range(0, (gint32)(m->backoff_ms / 2) + 1);
  m->backoff_ms = MIN(m->backoff_ms * 2, BACKOFF_MAX_MS);
  m->reconnect = g_timeout_source_new(delay);
  g_source_set_callback(m->reconnect, reconnect_cb, m, NULL);
  g_source_attach(m->reconnect, m->ctx);
}

static void send_subscribe(ArtsMqtt *m, const char *pattern, int qos) {
  int rc = mosquitto_subscribe_v5(m->mosq, NULL, pattern, qos, 0, NULL);
  if (rc != MOSQ_ERR_SUCCESS)
    g_message("mqtt: subscribing to %s: %s", pattern, mosquitto_strerror(rc));
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
                       const mosquitto_property *props) {
  ArtsMqtt *m = obj;
  if (rc != 0) {
    g_autofree char *what = g_strdup_printf("connection refused: %s",
                                            mosquitto_reason_string(rc));
    set_error(m, what);
    m->refused = TRUE;
    m->attempt_us = 0;
    schedule_reconnect(m);
    return;
  }
  m->connected = TRUE;
  m->attempt_us = 0;
  m->backoff_ms = BACKOFF_MIN_MS;
  if (m->last_error)
    g_message("mqtt: %s:%d: connected", m->host, m->port);
  g_clear_pointer(&m->last_error, g_free);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, m->subs);
  while (g_hash_table_iter_next(&it, &k, &v))
    send_subscribe(m, k, GPOINTER_TO_INT(v) - 1);
  if (m->connect_fn)
    m->connect_fn(m, TRUE, m->connect_data);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc,
                          const mosquitto_property *props) {
  ArtsMqtt *m = obj;
  gboolean was = m->connected;
  m->connected = FALSE;
  m->attempt_us = 0;
  if (rc != MOSQ_ERR_SUCCESS && !m->stopping && !m->refused)
    set_error(m, rc == MOSQ_ERR_ERRNO ? g_strerror(errno)
                                      : mosquitto_strerror(rc));
  m->refused = FALSE;
  if (was && m->connect_fn)
    m->connect_fn(m, FALSE, m->connect_data);
  schedule_reconnect(m);
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid,
                       int reason, const mosquitto_property *props) {
  ArtsMqtt *m = obj;
  g_hash_table_remove(m->inflight, GINT_TO_POINTER(mid));
  if (m->publish_fn)
    m->publish_fn(m, mid, reason, m->publish_data);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static void request_free(gpointer p) {
  Request *r = p;
  if (r->timeout) {
    g_source_destroy(r->timeout);
    g_source_unref(r->timeout);
  }
  g_free(r->topic);
  g_free(r->object_id);
  g_free(r);
}

static gboolean request_timeout(gpointer data) {
  Request *r = data;
  ArtsMqtt *m = r->m;
  g_autoptr(GError) err = g_error_new(ARTS_ERROR, ARTS_ERROR_MQTT,
                                      "no answer on %s", r->topic);
  ArtsMqttResponseFunc fn = r->fn;
  gpointer ud = r->user_data;
  g_clear_pointer(&r->timeout, g_source_unref);  /* returning REMOVE */
  g_hash_table_remove(m->requests, r->object_id);
  fn(m, NULL, err, ud);
  return G_SOURCE_REMOVE;
}

/* TRUE when the message answered a pending request (and was consumed). */
static gboolean match_request(ArtsMqtt *m, const char *topic,
                              const void *payload, gsize len) {
  if (g_hash_table_size(m->requests) == 0 || m->cur_retain)
    return FALSE;
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse(payload, len, NULL);
  if (!env || env->type == ARTS_TYPE_REQ)
    return FALSE;
  Request *r = g_hash_table_lookup(m->requests, env->object_id);
  if (!r || !g_str_equal(r->topic, topic))
    return FALSE;
  ArtsMqttResponseFunc fn = r->fn;
  gpointer ud = r->user_data;
  g_hash_table_remove(m->requests, env->object_id);
  fn(m, env, NULL, ud);
  return TRUE;
}

gboolean arts_mqtt_request(ArtsMqtt *m, const char *topic,
                           const ArtsEnvelope *req, guint timeout_ms,
                           ArtsMqttResponseFunc fn, gpointer user_data,
                           GError **error) {
  if (!m->connected) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_MQTT,
                "not connected to the broker");
    return FALSE;
  }
  if (g_hash_table_contains(m->requests, req->object_id)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "a request with object_id %s is already pending",
                req->object_id);
    return FALSE;
  }
  if (!g_hash_table_contains(m->subs, topic))
    arts_mqtt_subscribe(m, topic, 1);
  if (arts_mqtt_publish_envelope(m, topic, req, FALSE, error) < 0)
    return FALSE;
  Request *r = g_new0(Request, 1);
  r->m = m;
  r->topic = g_strdup(topic);
  r->object_id = g_strdup(req->object_id);
  r->fn = fn;
  r->user_data = user_data;
  r->timeout = g_timeout_source_new(timeout_ms);
  g_source_set_callback(r->timeout, request_timeout, r, NULL);
  g_source_attach(r->timeout, m->ctx);
  g_hash_table_insert(m->requests, r->object_id, r);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static void on_message(struct mosquitto *mosq, void *obj,
                       const struct mosquitto_message *msg,
                       const mosquitto_property *props) {
  ArtsMqtt *m = obj;
  GArray *plist = g_array_new(FALSE, FALSE, sizeof(ArtsMqttProp));
  char *name = NULL, *value = NULL;
  for (const mosquitto_property *p = mosquitto_property_read_string_pair(
           props, MQTT_PROP_USER_PROPERTY, &name, &value, false);
       p; p = mosquitto_property_read_string_pair(
           p, MQTT_PROP_USER_PROPERTY, &name, &value, true)) {
    ArtsMqttProp prop = { name, value };
    g_array_append_val(plist, prop);
    name = value = NULL;
  }
  m->cur_retain = msg->retain;
  m->cur_qos = msg->qos;
  gsize len = msg->payloadlen > 0 ? (gsize)msg->payloadlen : 0;
  /* libmosquitto NUL-terminates payloads; an empty one may be NULL. */
  const guint8 *payload = msg->payload ? msg->payload : (const guint8 *)"";
  if (!match_request(m, msg->topic, payload, len) && m->message_fn)
    m->message_fn(m, msg->topic, payload, len,
                  (const ArtsMqttProp *)plist->data, plist->len,
                  m->message_data);
  m->cur_retain = FALSE;
  m->cur_qos = 0;
  for (guint i = 0; i < plist->len; i++) {
    ArtsMqttProp *p = &g_array_index(plist, ArtsMqttProp, i);
    free((char *)p->name);
    free((char *)p->value);
  }
  g_array_free(plist, TRUE);
}

gboolean arts_mqtt_message_retained(ArtsMqtt *m) {
  return m->cur_retain;
}

int arts_mqtt_message_qos(ArtsMqtt *m) {
  return m->cur_qos;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

static gboolean setup_tls(ArtsMqtt *m, const ArtsMqttOptions *o,
                          GError **error) {
  /* Without a CA file, trust the system's certificate store. */
  int rc = mosquitto_tls_set(m->mosq, o->cafile,
                             o->cafile ? NULL : "/etc/ssl/certs",
                             o->certfile, o->keyfile, NULL);
  if (rc != MOSQ_ERR_SUCCESS) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG, "TLS setup: %s",
                rc == MOSQ_ERR_ERRNO ? g_strerror(errno)
                                     : mosquitto_strerror(rc));
    return FALSE;
  }
  return TRUE;
}

/* PROPS as MQTT 5 user properties appended to *PLIST; on failure *PLIST
 * is freed. */
static int user_props(mosquitto_property **plist, const ArtsMqttProp *props,
                      guint n_props) {
  for (guint i = 0; i < n_props; i++) {
    int rc = mosquitto_property_add_string_pair(
        plist, MQTT_PROP_USER_PROPERTY, props[i].name, props[i].value);
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_property_free_all(plist);
      return rc;
    }
  }
  return MOSQ_ERR_SUCCESS;
}

ArtsMqtt *arts_mqtt_new(const ArtsMqttOptions *o, GError **error) {
  lib_init_once();
  ArtsMqtt *m = g_new0(ArtsMqtt, 1);
  m->keepalive = o->keepalive_s > 0 ? o->keepalive_s : 10;
  m->backoff_ms = BACKOFF_MIN_MS;
  m->subs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  m->inflight = g_hash_table_new(g_direct_hash, g_direct_equal);
  m->requests = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                      request_free);
  if (!arts_broker_url_parse(o->broker_url, &m->host, &m->port, &m->tls,
                             error))
    goto fail;
  m->mosq = mosquitto_new(o->client_id, true, m);
  if (!m->mosq) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_MQTT, "mosquitto_new: %s",
                g_strerror(errno));
    goto fail;
  }
  mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_v5_callback_set(m->mosq, on_connect);
  mosquitto_disconnect_v5_callback_set(m->mosq, on_disconnect);
  mosquitto_publish_v5_callback_set(m->mosq, on_publish);
  mosquitto_message_v5_callback_set(m->mosq, on_message);
  if (o->username &&
      mosquitto_username_pw_set(m->mosq, o->username, o->password) !=
          MOSQ_ERR_SUCCESS) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                        "username: not valid for MQTT");
    goto fail;
  }
  if (m->tls && !setup_tls(m, o, error))
    goto fail;
  if (o->will_topic) {
    mosquitto_property *plist = NULL;
    int rc = user_props(&plist, o->will_props, o->n_will_props);
    /* On success the list is libmosquitto's. */
    if (rc == MOSQ_ERR_SUCCESS)
      rc = mosquitto_will_set_v5(m->mosq, o->will_topic, (int)o->will_len,
                                 o->will_payload, 1, o->will_retain, plist);
    if (rc != MOSQ_ERR_SUCCESS)
      mosquitto_property_free_all(&plist);
    if (rc != MOSQ_ERR_SUCCESS) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG, "last will: %s",
                  mosquitto_strerror(rc));
      goto fail;
    }
  }
  return m;
fail:
  arts_mqtt_free(m);
  return NULL;
}

void arts_mqtt_set_message_func(ArtsMqtt *m, ArtsMqttMessageFunc fn,
                                gpointer user_data) {
  m->message_fn = fn;
  m->message_data = user_data;
}

void arts_mqtt_set_connect_func(ArtsMqtt *m, ArtsMqttConnectFunc fn,
                                gpointer user_data) {
  m->connect_fn = fn;
  m->connect_data = user_data;
}

void arts_mqtt_set_publish_func(ArtsMqtt *m, ArtsMqttPublishFunc fn,
                                gpointer user_data) {
  m->publish_fn = fn;
  m->publish_data = user_data;
}

gboolean arts_mqtt_start(ArtsMqtt *m, GError **error) {
  if (m->started) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_MQTT,
                        "already started");
    return FALSE;
  }
  m->started = TRUE;
  m->stopping = FALSE;
  m->ctx = g_main_context_ref_thread_default();
  m->source = g_source_new(&source_funcs, sizeof(MqttSource));
  ((MqttSource *)m->source)->m = m;
  ((MqttSource *)m->source)->fd = -1;
  g_source_set_name(m->source, "arts-mqtt");
  g_source_set_ready_time(m->source, g_get_monotonic_time() + G_USEC_PER_SEC);
  g_source_attach(m->source, m->ctx);
  try_connect(m);
  return TRUE;
}

gboolean arts_mqtt_is_connected(ArtsMqtt *m) {
  return m->connected;
}

const char *arts_mqtt_last_error(ArtsMqtt *m) {
  return m->last_error;
}

void arts_mqtt_subscribe(ArtsMqtt *m, const char *pattern, int qos) {
  if (mosquitto_sub_topic_check(pattern) != MOSQ_ERR_SUCCESS) {
    g_message("mqtt: not a topic filter: %s", pattern);
    return;
  }
  qos = CLAMP(qos, 0, 2);
  g_hash_table_insert(m->subs, g_strdup(pattern), GINT_TO_POINTER(qos + 1));
  if (m->connected)
    send_subscribe(m, pattern, qos);
}

void arts_mqtt_unsubscribe(ArtsMqtt *m, const char *pattern) {
  if (g_hash_table_remove(m->subs, pattern) && m->connected)
    mosquitto_unsubscribe_v5(m->mosq, NULL, pattern, NULL);
}

int arts_mqtt_publish(ArtsMqtt *m, const char *topic, const void *payload,
                      gsize len, int qos, gboolean retain,
                      const ArtsMqttProp *props, guint n_props,
                      GError **error) {
  if (!m->connected) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_MQTT,
                "not connected to the broker");
    return -1;
  }
  if (len > INT_MAX) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_MQTT, "payload too large");
    return -1;
  }
  mosquitto_property *plist = NULL;
  if (user_props(&plist, props, n_props) != MOSQ_ERR_SUCCESS) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_MQTT,
                        "user properties: not valid for MQTT");
    return -1;
  }
  int mid = 0;
  qos = CLAMP(qos, 0, 2);
  int rc = mosquitto_publish_v5(m->mosq, &mid, topic, (int)len, payload, qos,
                                retain, plist);
  mosquitto_property_free_all(&plist);
  if (rc != MOSQ_ERR_SUCCESS) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_MQTT, "publish on %s: %s",
                topic, mosquitto_strerror(rc));
    return -1;
  }
  if (qos > 0)
    g_hash_table_add(m->inflight, GINT_TO_POINTER(mid));
  return mid;
}

int arts_mqtt_publish_envelope(ArtsMqtt *m, const char *topic,
                               const void *env, gboolean retain,
                               GError **error) {
  gsize len;
  g_autofree char *json = arts_envelope_to_json(env, &len);
  return arts_mqtt_publish(m, topic, json, len, 1, retain, NULL, 0, error);
}

guint arts_mqtt_pending(ArtsMqtt *m) {
  return g_hash_table_size(m->inflight);
}

static gboolean wake(gpointer data) {
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the context until DONE(m) or the deadline. */
static gboolean run_until(ArtsMqtt *m, gboolean (*done)(ArtsMqtt *),
                          gint64 deadline_us) {
  while (!done(m)) {
    gint64 left = deadline_us - g_get_monotonic_time();
    if (left <= 0 || !m->ctx)
      return FALSE;
    gboolean fired = FALSE;
    GSource *t = g_timeout_source_new((guint)MIN(left / 1000 + 1, 100));
    g_source_set_callback(t, wake, &fired, NULL);
    g_source_attach(t, m->ctx);
    g_main_context_iteration(m->ctx, TRUE);
    g_source_destroy(t);
    g_source_unref(t);
  }
  return TRUE;
}

static gboolean flushed(ArtsMqtt *m) {
  return !m->connected || (g_hash_table_size(m->inflight) == 0 &&
                           !mosquitto_want_write(m->mosq));
}

gboolean arts_mqtt_flush(ArtsMqtt *m, guint timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  return run_until(m, flushed, deadline) && m->connected;
}

static gboolean closed(ArtsMqtt *m) {
  return mosquitto_socket(m->mosq) < 0;
}

gboolean arts_mqtt_disconnect_sync(ArtsMqtt *m, guint timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  gboolean ok = run_until(m, flushed, deadline) && m->connected;
  arts_mqtt_disconnect(m);
  return run_until(m, closed, deadline) && ok;
}

void arts_mqtt_disconnect(ArtsMqtt *m) {
  m->stopping = TRUE;
  if (m->reconnect) {
    g_source_destroy(m->reconnect);
    g_clear_pointer(&m->reconnect, g_source_unref);
  }
  if (m->mosq && mosquitto_socket(m->mosq) >= 0)
    mosquitto_disconnect_v5(m->mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
}

void arts_mqtt_free(ArtsMqtt *m) {
  if (!m)
    return;
  m->stopping = TRUE;
  m->connect_fn = NULL;
  m->publish_fn = NULL;
  m->message_fn = NULL;
  if (m->reconnect) {
    g_source_destroy(m->reconnect);
    g_clear_pointer(&m->reconnect, g_source_unref);
  }
  g_hash_table_destroy(m->requests);
  if (m->source) {
    g_source_destroy(m->source);
    g_source_unref(m->source);
  }
  if (m->mosq)
    mosquitto_destroy(m->mosq);
  if (m->ctx)
    g_main_context_unref(m->ctx);
  g_hash_table_destroy(m->subs);
  g_hash_table_destroy(m->inflight);
  g_free(m->host);
  g_free(m->last_error);
  g_free(m);
}
