#pragma once
#include <glib.h>
#include "arts-mqtt.h"

G_BEGIN_DECLS

/* Configuration shared by every program: a key file (--config FILE) whose
 * [realm] group holds the common keys, a group per program for its own
 * keys, and the command line, which wins over the file:
 *
 *   [realm]
 *   broker = mqtts://broker.example:8883   # --broker
 *   name = lab                             # --realm
 *   username = agent-7                     # --username
 *   password-file = /etc/arts/agent.pw     # --password-file (never inline)
 *   cafile = /etc/arts/ca.pem              # --cafile
 *   [agent]
 *   state-dir = /var/lib/arts-agent        # --state-dir
 *
 * The common keys may also sit in [GROUP] (there the realm key is
 * "realm"), which wins over [realm]. A "password" key is refused: passwords
 * live only in password-file (first line, line end stripped).
 *
 * Defaults: broker mqtt://127.0.0.1:1883, realm "realm". */
typedef struct {
  char *broker_url;
  char *realm;
  char *username;
  char *password_file;
  char *password;        /* read from password_file */
  char *cafile, *certfile, *keyfile;
  char *state_dir;       /* daemons only */
  char *config_file;
  GKeyFile *keyfile_data;/* the loaded --config file, or an empty one */
} ArtsConfig;

/* Adds --broker, --realm, --username, --password-file, --cafile, --certfile,
 * --keyfile, --config and (when DAEMON) --state-dir to CTX, storing into CFG. */
void arts_config_add_options(ArtsConfig *cfg, GOptionContext *ctx,
                             gboolean daemon);
/* After g_option_context_parse(): loads the --config file, fills what the
 * command line left unset from the file's [realm] and [GROUP] groups, then
 * defaults; validates the realm name and broker URL; reads the password
 * file. */
gboolean arts_config_finish(ArtsConfig *cfg, const char *group,
                            GError **error);
/* Fills OPTS (pointers into CFG) for arts_mqtt_new(). */
void arts_config_mqtt_options(const ArtsConfig *cfg, ArtsMqttOptions *opts);
/* Program-specific keys from [GROUP], with a default. */
int arts_config_get_int(const ArtsConfig *cfg, const char *group,
                        const char *key, int def);
char *arts_config_get_string(const ArtsConfig *cfg, const char *group,
                             const char *key, const char *def);
void arts_config_clear(ArtsConfig *cfg);

G_END_DECLS
