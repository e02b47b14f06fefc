#pragma once
#include <glib.h>
#include "arts-protocol.h"

G_BEGIN_DECLS

/* An MQTT 5 client on the GLib main loop (libmosquitto, no extra thread).
 *
 * Connects asynchronously, reconnects with exponential backoff (0.1 s
 * doubling to 5 s, with jitter) and re-subscribes after every reconnect.
 * Callbacks run on the thread that owns the main context (GTK, SQLite).
 * A clean arts_mqtt_disconnect() does not fire the last will. */

typedef struct _ArtsMqtt ArtsMqtt;

typedef struct _ArtsMqttProp {
  const char *name;
  const char *value;
} ArtsMqttProp;          /* an MQTT 5 user property */

typedef struct {
  const char *broker_url;   /* "mqtt://127.0.0.1:1883" or "mqtts://host:8883" */
  const char *client_id;    /* NULL: random */
  const char *username;     /* NULL: none */
  const char *password;
  const char *cafile;       /* TLS: CA certificate; NULL: system store */
  const char *certfile;     /* TLS client certificate, optional */
  const char *keyfile;
  const char *will_topic;   /* NULL: no last will */
  const void *will_payload;
  gsize will_len;
  gboolean will_retain;
  const struct _ArtsMqttProp *will_props;  /* user properties, or NULL */
  guint n_will_props;
  int keepalive_s;          /* 0: 10 s */
} ArtsMqttOptions;

/* TOPIC/PAYLOAD are valid during the call only. PROPS lists N_PROPS user
 * properties. */
typedef void (*ArtsMqttMessageFunc)(ArtsMqtt *mqtt, const char *topic,
                                    const guint8 *payload, gsize len,
                                    const ArtsMqttProp *props, guint n_props,
                                    gpointer user_data);
typedef void (*ArtsMqttConnectFunc)(ArtsMqtt *mqtt, gboolean connected,
                                    gpointer user_data);
/* A publish went out (QoS 0) or was acknowledged by the broker (QoS >= 1).
 * REASON is the MQTT 5 reason code: below 0x80 is success (0, or 0x10 "no
 * matching subscribers"), from 0x80 a refusal (e.g. 0x87 not authorized).
 * A QoS 1 publish that was in flight when the connection dropped is sent
 * again after the reconnect and reported then. */
typedef void (*ArtsMqttPublishFunc)(ArtsMqtt *mqtt, int mid, int reason,
                                    gpointer user_data);

/* Parses "mqtt://HOST:PORT" / "mqtts://HOST:PORT" (port defaults 1883/8883). */
gboolean arts_broker_url_parse(const char *url, char **host, int *port,
                               gboolean *tls, GError **error);

ArtsMqtt *arts_mqtt_new(const ArtsMqttOptions *opts, GError **error);
void arts_mqtt_set_message_func(ArtsMqtt *m, ArtsMqttMessageFunc fn,
                                gpointer user_data);
void arts_mqtt_set_connect_func(ArtsMqtt *m, ArtsMqttConnectFunc fn,
                                gpointer user_data);
void arts_mqtt_set_publish_func(ArtsMqtt *m, ArtsMqttPublishFunc fn,
                                gpointer user_data);
/* Attaches to the thread-default main context and starts connecting.
 * Not thread-safe: use an ArtsMqtt from the thread that runs that context,
 * and never free it from inside one of its own callbacks. */
gboolean arts_mqtt_start(ArtsMqtt *m, GError **error);
gboolean arts_mqtt_is_connected(ArtsMqtt *m);
/* Why the last connection attempt failed or the connection was lost
 * ("connection refused", "not authorized", ...), NULL if it never did.
 * Valid until the next main-loop iteration. */
const char *arts_mqtt_last_error(ArtsMqtt *m);
/* Remembered and re-sent after every reconnect. */
void arts_mqtt_subscribe(ArtsMqtt *m, const char *pattern, int qos);
void arts_mqtt_unsubscribe(ArtsMqtt *m, const char *pattern);
/* Returns the message id (> 0), or -1 with ERROR set (e.g. not connected).
 * PROPS may be NULL. */
int arts_mqtt_publish(ArtsMqtt *m, const char *topic, const void *payload,
                      gsize len, int qos, gboolean retain,
                      const ArtsMqttProp *props, guint n_props,
                      GError **error);
/* Publishes ENV (an ArtsEnvelope) as JSON at QoS 1. */
int arts_mqtt_publish_envelope(ArtsMqtt *m, const char *topic,
                               const void *env /* ArtsEnvelope* */,
                               gboolean retain, GError **error);
/* Sends DISCONNECT (no last will) and stops reconnecting. */
void arts_mqtt_disconnect(ArtsMqtt *m);
/* Without a prior arts_mqtt_disconnect() the connection is dropped like a
 * crash: the broker then publishes the last will. Pending requests are
 * dropped without calling their functions. */
void arts_mqtt_free(ArtsMqtt *m);

/* During a message function only: how the current message arrived
 * (retain is TRUE for the retained copy a new subscription gets). */
gboolean arts_mqtt_message_retained(ArtsMqtt *m);
int arts_mqtt_message_qos(ArtsMqtt *m);

/* Request/answer (WIRE.md 1: answers come back on the request's topic,
 * correlated by object_id). Subscribes TOPIC (remembered, before the
 * publish, so the answer cannot be missed), publishes REQ at QoS 1 and calls
 * FN exactly once: with the first arts_resp or runtime_resp on TOPIC whose
 * object_id is REQ's (RESP valid during the call; arts_response_check()
 * tells ok from error), or with RESP NULL and ERROR set after TIMEOUT_MS.
 * That answer is not passed to the message function; other traffic on TOPIC
 * is. Returns FALSE (and never calls FN) when the publish fails, e.g. while
 * disconnected. */
typedef void (*ArtsMqttResponseFunc)(ArtsMqtt *mqtt, const ArtsEnvelope *resp,
                                     const GError *error, gpointer user_data);
gboolean arts_mqtt_request(ArtsMqtt *m, const char *topic,
                           const ArtsEnvelope *req,
                           guint timeout_ms, ArtsMqttResponseFunc fn,
                           gpointer user_data, GError **error);

/* QoS >= 1 publishes not yet acknowledged by the broker. */
guint arts_mqtt_pending(ArtsMqtt *m);
/* Runs the main context (don't call from an MQTT callback) until every
 * QoS >= 1 publish is acknowledged and everything is written, or TIMEOUT_MS
 * passed. TRUE when all went out: use before exiting or letting go of
 * something whose last messages matter. */
gboolean arts_mqtt_flush(ArtsMqtt *m, guint timeout_ms);
/* flush, then DISCONNECT, then wait (up to TIMEOUT_MS in all) for the
 * socket to close. For a SIGTERM goodbye. */
gboolean arts_mqtt_disconnect_sync(ArtsMqtt *m, guint timeout_ms);

G_END_DECLS
