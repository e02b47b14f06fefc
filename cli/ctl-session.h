/* A short-lived MQTT session of arts-ctl: connect, learn the realm from
 * the retained state/runtime/+ and stats/+ topics, ask the orchestrator on
 * query, follow notif. Everything runs on a private GMainLoop and is bounded
 * by --timeout. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "ctl.h"

G_BEGIN_DECLS

typedef struct _CtlSession CtlSession;

/* Called for every message on a topic the command subscribed to itself
 * (not for state/ and stats/, which the session keeps). ENV is NULL when the
 * payload is not a valid envelope (an empty retained clear, garbage). */
typedef void (*CtlMessageFunc)(CtlSession *s, const char *leaf,
                               const char *rest, ArtsEnvelope *env,
                               gpointer user_data);

/* For ctl_session_follow_raw(): the message as it came (binary payloads
 * such as stdout/{module}); REST is the topic's id. */
typedef void (*CtlRawFunc)(CtlSession *s, const char *rest,
                           const guint8 *payload, gsize len,
                           const ArtsMqttProp *props, guint n_props,
                           gpointer user_data);

CtlSession *ctl_session_new(const CtlOptions *o, GError **error);
void ctl_session_free(CtlSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlSession, ctl_session_free)

const char *ctl_session_realm(CtlSession *s);
/* Keep the realm: subscribe state/runtime/+ and stats/+. Call before
 * ctl_session_connect(). */
void ctl_session_track_realm(CtlSession *s);
/* Subscribe "{realm}/proc/{leaf}" and hand its messages to FN. */
void ctl_session_follow(CtlSession *s, const char *leaf, CtlMessageFunc fn,
                        gpointer user_data);

/* Subscribe "{realm}/proc/{leaf}/{id}" and hand its messages to FN
 * without parsing them. */
void ctl_session_follow_raw(CtlSession *s, const char *leaf, const char *id,
                            CtlRawFunc fn, gpointer user_data);
/* Keep the modules: subscribe state/module/+ (retained). Follow "state"
 * with ctl_session_follow() to hear of changes after they are kept. */
void ctl_session_track_modules(CtlSession *s);

/* Connects, then waits until the retained messages have arrived: a short
 * quiet period after the last one, bounded by --timeout. */
gboolean ctl_session_connect(CtlSession *s, GError **error);

/* ctl_session_new(), keeping the realm (REALM) and the modules (MODULES),
 * then ctl_session_connect(). */
CtlSession *ctl_session_open(const CtlOptions *o, gboolean realm,
                             gboolean modules, GError **error);
/* The start of the commands about one module (logs, stdin, stop): ARGC
 * must be 1 (a name or uuid; else a usage error naming CMD), then
 * ctl_session_open() without the realm. */
CtlSession *ctl_module_session(const CtlOptions *o, const char *cmd,
                               int argc, gboolean modules, GError **error);

/* Runtimes by uuid: the data of their state message (uuid, name, status,
 * last_seen, platform ...), borrowed. Runtimes seen only in stats/ (no
 * orchestrator) appear with status "?". Sorted by name, then uuid. */
GPtrArray *ctl_session_runtimes(CtlSession *s);
/* The latest telemetry data of UUID (borrowed), or NULL. */
JsonObject *ctl_session_stats(CtlSession *s, const char *uuid);
/* KEY is a uuid or a name; fails with CTL_ERROR_NOT_FOUND (or an
 * ambiguity when two runtimes share a name). Returns the state data. */
JsonObject *ctl_session_find_runtime(CtlSession *s, const char *key,
                                     GError **error);

/* Modules by uuid as state/module/+ tells them (borrowed data), sorted by
 * name, then start time. */
GPtrArray *ctl_session_modules(CtlSession *s);
JsonObject *ctl_session_module(CtlSession *s, const char *uuid);
/* KEY is a uuid or a name. A name means the live module of that name (names
 * are unique among live modules), else the latest ended one. */
JsonObject *ctl_session_find_module(CtlSession *s, const char *key,
                                    GError **error);

/* Publishes PAYLOAD raw at QoS 1 on "{realm}/proc/{leaf}/{id}". */
gboolean ctl_session_publish(CtlSession *s, const char *leaf, const char *id,
                             const void *payload, gsize len, gboolean retain,
                             GError **error);
/* Waits until every publish is acknowledged (see arts_mqtt_flush()). */
gboolean ctl_session_flush(CtlSession *s, guint timeout_ms);

/* Publishes a request with DATA on "{realm}/proc/{leaf}" and waits for the
 * arts_resp with its object_id on the same topic (subscribed here). Returns the details (new reference) of an
 * "ok" answer; an "error" answer fails with CTL_ERROR_REFUSED. */
JsonObject *ctl_session_request(CtlSession *s, const char *leaf,
                                const char *action, JsonObject *data,
                                GError **error);

/* Runs until ctl_session_quit() or a signal (SIGINT, SIGTERM); DURATION_S
 * > 0 stops after that long. Reconnects are reported on stderr. */
void ctl_session_run(CtlSession *s, int duration_s);
void ctl_session_quit(CtlSession *s);

G_END_DECLS
