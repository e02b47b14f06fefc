#pragma once
#include <glib.h>
#include "arts-common.h"

G_BEGIN_DECLS

/* arts-agent's settings: the common ones (broker, realm, credentials,
 * state dir, config file) and its own, from the command line or the config
 * file's [agent] group; the command line wins. */

#define AGENT_CONFIG_GROUP "agent"
#define AGENT_DEFAULT_INTERVAL_MS 1000
#define AGENT_DEFAULT_BUFFER_MAX 3600
#define AGENT_DEFAULT_MAX_NMODULES 8

typedef struct {
  ArtsConfig cfg;
  char *name;            /* default: the host name */
  int interval_ms;       /* telemetry period */
  int buffer_max;        /* offline buffer bound, rows */
  int max_nmodules;      /* advertised capacity */
  gboolean verbose;
} AgentOptions;

/* Parses ARGV (removing what it understood) and the config file. */
gboolean agent_options_parse(AgentOptions *o, int *argc, char ***argv,
                             GError **error);
void agent_options_clear(AgentOptions *o);

G_END_DECLS
