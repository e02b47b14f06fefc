/* Channels (docs/channels.md): names, the `--channel NAME:r|w|rw` form
 * and the objects of a module's `channels` field. A channel NAME is the
 * MQTT topic `{realm}/ch/NAME`, outside `{realm}/proc/`, so no valid
 * name reaches the realm's control, registration or telemetry topics. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define ARTS_CHANNEL_NAME_MAX 128
#define ARTS_CHANNEL_MAX 64            /* channels per module */
#define ARTS_CHANNEL_READ 1u
#define ARTS_CHANNEL_WRITE 2u

typedef struct {
  char *name;      /* without any "/ch/" prefix */
  guint mode;      /* ARTS_CHANNEL_READ | ARTS_CHANNEL_WRITE */
} ArtsChannel;

void arts_channel_free(ArtsChannel *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsChannel, arts_channel_free)

/* 1..128 chars of [A-Za-z0-9_.-] segments separated by '/': no empty
 * segment, no "." or "..", no wildcard, no leading or trailing '/'. */
gboolean arts_channel_name_valid(const char *name, GError **error);

/* "r", "w" or "rw" (also "wr") to a mode; 0 when none of these. */
guint arts_channel_mode_parse(const char *s);
const char *arts_channel_mode_to_string(guint mode);

/* `NAME:r|w|rw` (arts-ctl --channel). */
ArtsChannel *arts_channel_parse_spec(const char *spec, GError **error);

/* One object of a module's `channels`: {"path": NAME, "mode": "r"|"w"|
 * "rw"}, with ARTS's "/ch/" prefix on path accepted, ARTS's "type" only
 * as "pubsub", "params" only empty (a topic elsewhere is never
 * reachable); other keys refused. PATH names the field in errors. */
ArtsChannel *arts_channel_from_json(JsonNode *node, const char *path,
                                    GError **error);
JsonObject *arts_channel_to_json(const ArtsChannel *c);

/* A module's whole `channels` array (NULL = none): a GPtrArray of
 * ArtsChannel, names unique, at most ARTS_CHANNEL_MAX. */
GPtrArray *arts_channels_from_json(JsonArray *array, GError **error);

/* The MQTT topic of channel NAME in REALM: "{realm}/ch/{name}". */
char *arts_channel_topic(const char *realm, const char *name);
/* The channel name in TOPIC of REALM, or NULL when TOPIC is not one. */
char *arts_channel_from_topic(const char *realm, const char *topic);

G_END_DECLS
