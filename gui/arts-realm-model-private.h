#pragma once
#include "arts-realm-model.h"

G_BEGIN_DECLS

/* For tests and for the model itself: takes one message as if it had come
 * from the broker. Bad messages are refused (FALSE, ERROR says why) and
 * change nothing. */
gboolean arts_realm_model_handle_message(ArtsRealmModel *self,
                                         const char *topic,
                                         const guint8 *payload, gsize len,
                                         GError **error);
/* The same with the message's MQTT 5 user properties (output offsets). */
gboolean arts_realm_model_handle_message_full(ArtsRealmModel *self,
                                              const char *topic,
                                              const guint8 *payload,
                                              gsize len,
                                              const ArtsMqttProp *props,
                                              guint n_props, GError **error);
/* Parses a history answer's details into a series. */
ArtsSeries *arts_realm_model_parse_history(JsonObject *details,
                                           GError **error);

G_END_DECLS
