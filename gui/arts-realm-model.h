#pragma once
#include <gio/gio.h>
#include "arts-runtime-item.h"

G_BEGIN_DECLS

/* One realm, live: owns the MQTT connection to its broker, subscribes to
 * the realm's retained state, telemetry and events, and keeps list models
 * that views bind to. Reconnecting is libarts-common's job; this only
 * reports the connection's state. Knows nothing about widgets. */
#define ARTS_TYPE_REALM_MODEL (arts_realm_model_get_type())
G_DECLARE_FINAL_TYPE(ArtsRealmModel, arts_realm_model, ARTS, REALM_MODEL,
                     GObject)

typedef enum {
  ARTS_CONNECTION_IDLE,        /* not started, or stopped */
  ARTS_CONNECTION_CONNECTING,  /* first attempt, or reconnecting */
  ARTS_CONNECTION_CONNECTED,
} ArtsConnectionState;

#define ARTS_TYPE_CONNECTION_STATE (arts_connection_state_get_type())
GType arts_connection_state_get_type(void);

/* PASSWORD, USERNAME and CAFILE may be NULL. */
ArtsRealmModel *arts_realm_model_new(const char *broker_url,
                                     const char *realm, const char *username,
                                     const char *password,
                                     const char *cafile);
/* Starts connecting; fails only on a bad URL or options. */
gboolean arts_realm_model_start(ArtsRealmModel *self, GError **error);
void arts_realm_model_stop(ArtsRealmModel *self);

const char *arts_realm_model_get_broker_url(ArtsRealmModel *self);
const char *arts_realm_model_get_realm(ArtsRealmModel *self);
ArtsConnectionState arts_realm_model_get_state(ArtsRealmModel *self);

/* ArtsRuntimeItem, in order of arrival. */
GListModel *arts_realm_model_get_runtimes(ArtsRealmModel *self);
ArtsRuntimeItem *arts_realm_model_lookup_runtime(ArtsRealmModel *self,
                                                 const char *uuid);
guint arts_realm_model_get_n_alive(ArtsRealmModel *self);
/* ArtsEventItem, newest first, at most ARTS_REALM_MAX_EVENTS. */
GListModel *arts_realm_model_get_events(ArtsRealmModel *self);
#define ARTS_REALM_MAX_EVENTS 2000

/* Asks the orchestrator for METRIC's history of RUNTIME between SINCE_MS
 * and UNTIL_MS. The result is an ArtsSeries of the points (averages for
 * downsampled ones). Fails with ARTS_ERROR_MQTT when no answer comes within
 * 10 s (no orchestrator), or with the orchestrator's error. */
void arts_realm_model_query_history_async(ArtsRealmModel *self,
                                          const char *runtime,
                                          const char *metric,
                                          gint64 since_ms, gint64 until_ms,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
ArtsSeries *arts_realm_model_query_history_finish(ArtsRealmModel *self,
                                                  GAsyncResult *result,
                                                  GError **error);

/* Publishes a program's bytes, retained, on program/{SHA256} (QoS 1), for
 * the orchestrator to store and runtimes to fetch. */
gboolean arts_realm_model_upload_program(ArtsRealmModel *self,
                                         const char *sha256,
                                         const void *bytes, gsize len,
                                         GError **error);

/* Follows (or stops following) a module's output: ::output first brings
 * what it wrote before (the orchestrator's "logs" query; live output waits
 * meanwhile), then what it writes, in order, without repeats or overlap
 * (by the offset the runtimes send), gaps counted. */
void arts_realm_model_follow_output(ArtsRealmModel *self, const char *uuid,
                                    gboolean follow);
/* Sends TEXT to a module's stdin. */
gboolean arts_realm_model_send_input(ArtsRealmModel *self, const char *uuid,
                                     const char *text, GError **error);

/* The module with UUID, or NULL. */
gpointer arts_realm_model_lookup_module(ArtsRealmModel *self,
                                        const char *uuid);

/* Sends an operator request on "control" (ACTION "migrate", "delete",
 * "create"; DATA its data, a reference is taken) and waits for the
 * orchestrator's answer. The result is the answer's details (a JsonObject
 * reference); an error answer is an error with its message. Fails after
 * 60 s without an answer. */
void arts_realm_model_control_async(ArtsRealmModel *self, const char *action,
                                    JsonObject *data,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
JsonObject *arts_realm_model_control_finish(ArtsRealmModel *self,
                                            GAsyncResult *result,
                                            GError **error);

G_END_DECLS
