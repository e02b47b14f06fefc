#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* The topic tree. Every topic lives under "{realm}/proc/". A leaf is one of
 * the ARTS_TOPIC_* names, optionally followed by "/" and an id.
 *
 *   arts_topic(realm, ARTS_TOPIC_CONTROL, runtime_uuid)
 *       -> "realm/proc/control/<runtime_uuid>"
 *   arts_topic(realm, ARTS_TOPIC_REG, NULL) -> "realm/proc/reg"
 */
#define ARTS_TOPIC_REG       "reg"
#define ARTS_TOPIC_CONTROL   "control"
#define ARTS_TOPIC_KEEPALIVE "keepalive"
#define ARTS_TOPIC_STATS     "stats"
#define ARTS_TOPIC_NOTIF     "notif"
#define ARTS_TOPIC_STDOUT    "stdout"
#define ARTS_TOPIC_STDIN     "stdin"
#define ARTS_TOPIC_LOG       "log"
/* New in ARTS-here: retained realm state for late joiners
 * ("{realm}/proc/state/runtime/<uuid>", "{realm}/proc/state/module/<uuid>"),
 * queries to the orchestrator ("{realm}/proc/query"), program transfer
 * ("{realm}/proc/program/<sha256>"). See docs/protocol.md. */
#define ARTS_TOPIC_STATE     "state"
#define ARTS_TOPIC_QUERY     "query"
#define ARTS_TOPIC_PROGRAM   "program"
/* Issue 4: snapshots ("{realm}/proc/snapshot/<module_uuid>", binary); the
 * kinds under "state/" ("state/module/<uuid>"). */
#define ARTS_TOPIC_SNAPSHOT  "snapshot"
#define ARTS_STATE_RUNTIME   "runtime"
#define ARTS_STATE_MODULE    "module"

/* "{realm}/proc/state/{kind}/{uuid}". */
char *arts_topic_state(const char *realm, const char *kind, const char *uuid);

/* "{realm}/proc/{leaf}" or "{realm}/proc/{leaf}/{id}" when ID is not NULL. */
char *arts_topic(const char *realm, const char *leaf, const char *id);

/* Splits TOPIC into its leaf and the rest after "{realm}/proc/{leaf}/".
 * Returns FALSE when TOPIC is not under REALM. *leaf and *rest are
 * newly allocated (*rest is NULL when absent). */
gboolean arts_topic_parse(const char *realm, const char *topic,
                          char **leaf, char **rest);

/* A realm name is 1..64 characters of [A-Za-z0-9_.-]: no MQTT wildcards,
 * no '/'. */
gboolean arts_realm_is_valid(const char *realm);

G_END_DECLS
