#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#include "arts-mqtt.h"
#include "arts-protocol.h"
#include "wasi-channel.h"

G_BEGIN_DECLS

/* Channels on the agent's side (docs/channels.md): each hosted module's
 * read channels subscribed on `{realm}/ch/{name}` (counted per topic, so
 * modules may share one), received messages put into the module's queue
 * with their `src` and `seq` user properties, the module's writes
 * published from the main loop with `src` (its uuid) and `seq`.
 *
 * A module's channels are attached before its WASI context exists (for
 * a migration target: when it is told to get ready), so that messages
 * arriving while the snapshot travels are kept; when the context is
 * bound they are delivered, and the snapshot's last sequence numbers
 * drop those it already had: none lost, none twice, in order. */

typedef struct _AgentChannels AgentChannels;
typedef struct _AgentModuleChannels AgentModuleChannels;

/* Messages kept per module while its context is not bound yet. */
#define AGENT_CHANNELS_PENDING_MAX 100000

AgentChannels *agent_channels_new(ArtsMqtt *mqtt, const char *realm);
void agent_channels_free(AgentChannels *c);

/* Main thread. CHANNELS is the module's `channels` field (NULL: none);
 * a bad one is refused with ERROR (ARTS_ERROR_FIELD). Subscribes the read
 * channels at once. MSG_MAX / QUEUE_MAX: 0 for the defaults. */
AgentModuleChannels *agent_channels_attach(AgentChannels *c,
                                           const char *uuid,
                                           JsonArray *channels,
                                           gsize msg_max, gsize queue_max,
                                           GError **error);
/* Main thread: unsubscribes and frees. Unbinds first. NULL is fine. */
void agent_channels_detach(AgentModuleChannels *mc);

/* Module thread: a fresh channel set for wasi_new (NULL when the module
 * lists none, or on error with ERR). */
wasi_channels *agent_module_channels_create(AgentModuleChannels *mc,
                                            char *err, size_t errlen);
/* Module thread: the context holds SET now (from wasi_new or a
 * snapshot); pending messages go in. MC and SET may be NULL. */
void agent_module_channels_bind(AgentModuleChannels *mc, wasi_channels *set);
/* Before the context (and SET) is freed. */
void agent_module_channels_unbind(AgentModuleChannels *mc);

/* Main thread: TRUE when TOPIC is a channel topic of the realm (then the
 * message was handled, or dropped when malformed). */
gboolean agent_channels_on_message(AgentChannels *c, const char *topic,
                                   const guint8 *payload, gsize len,
                                   const ArtsMqttProp *props, guint n_props);

/* Adds the module's channel counters to its telemetry entry in T: per
 * channel in the entry's "channels" ({"channel", "mode", "metrics":
 * {"arts.channel.messages.in": N, ...}}) and summed over its channels in
 * its metrics (same names). Nothing when the module has no channel set
 * (none listed, or not bound yet). */
void agent_module_channels_metrics(AgentModuleChannels *mc, ArtsTelemetry *t,
                                   const char *uuid);

/* The module's channel limits from its resources (channel_msg_max,
 * channel_queue_max; 0 = the engine's default). AM may be NULL. */
void agent_channels_limits_from_module(const ArtsModule *am, gsize *msg_max,
                                       gsize *queue_max);
/* agent_channels_attach() with AM's channels and limits. */
AgentModuleChannels *agent_channels_attach_module(AgentChannels *c,
                                                  const char *uuid,
                                                  const ArtsModule *am,
                                                  GError **error);

G_END_DECLS
