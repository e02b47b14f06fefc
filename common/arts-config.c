/* Configuration: command line over key file over defaults. */
#include <string.h>
#include "arts-config.h"
#include "arts-error.h"
#include "arts-topics.h"

#define DEFAULT_BROKER "mqtt://127.0.0.1:1883"
#define DEFAULT_REALM "realm"

void arts_config_add_options(ArtsConfig *cfg, GOptionContext *ctx,
                             gboolean daemon) {
  GOptionEntry entries[] = {
    { "broker", 0, 0, G_OPTION_ARG_STRING, &cfg->broker_url,
      "MQTT broker (default " DEFAULT_BROKER ")", "mqtt[s]://HOST:PORT" },
    { "realm", 0, 0, G_OPTION_ARG_STRING, &cfg->realm,
      "Realm name (default \"" DEFAULT_REALM "\")", "NAME" },
    { "username", 0, 0, G_OPTION_ARG_STRING, &cfg->username,
      "MQTT user name", "NAME" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &cfg->password_file,
      "File holding the MQTT password", "FILE" },
    { "cafile", 0, 0, G_OPTION_ARG_FILENAME, &cfg->cafile,
      "CA certificate for mqtts:// (default: the system's)", "FILE" },
    { "certfile", 0, 0, G_OPTION_ARG_FILENAME, &cfg->certfile,
      "TLS client certificate", "FILE" },
    { "keyfile", 0, 0, G_OPTION_ARG_FILENAME, &cfg->keyfile,
      "TLS client key", "FILE" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &cfg->config_file,
      "Configuration file (key file; the command line wins)", "FILE" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &cfg->state_dir,
      "Folder for this daemon's state", "DIR" },
    { NULL }
  };
  if (!daemon)
    memset(&entries[G_N_ELEMENTS(entries) - 2], 0, sizeof entries[0]);
  g_option_context_add_main_entries(ctx, entries, NULL);
}

/* Fills *FIELD, when the command line left it unset, from [GROUP] KEY, then
 * from [realm] REALM_KEY. */
static void fill(ArtsConfig *cfg, const char *group, char **field,
                 const char *key, const char *realm_key) {
  if (*field)
    return;
  if (group)
    *field = g_key_file_get_string(cfg->keyfile_data, group, key, NULL);
  if (!*field && realm_key)
    *field = g_key_file_get_string(cfg->keyfile_data, "realm", realm_key,
                                   NULL);
}

static gboolean read_password(ArtsConfig *cfg, GError **error) {
  g_autoptr(GError) err = NULL;
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(cfg->password_file, &text, &len, &err)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG, "password-file: %s",
                err->message);
    return FALSE;
  }
  /* The password is the first line, without its line end. */
  text[strcspn(text, "\r\n")] = '\0';
  if (!*text || strlen(text) != strnlen(text, len)) {
    g_free(text);
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "password-file: %s holds no usable password",
                cfg->password_file);
    return FALSE;
  }
  g_free(cfg->password);
  cfg->password = text;
  return TRUE;
}

static gboolean refuse_inline_password(ArtsConfig *cfg, const char *group,
                                       GError **error) {
  const char *groups[] = { "realm", group };
  for (guint i = 0; i < G_N_ELEMENTS(groups); i++) {
    if (groups[i] &&
        g_key_file_has_key(cfg->keyfile_data, groups[i], "password", NULL)) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                  "%s: [%s] password: passwords are not kept in "
                  "configuration files, use password-file",
                  cfg->config_file, groups[i]);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean arts_config_finish(ArtsConfig *cfg, const char *group,
                            GError **error) {
  if (!cfg->keyfile_data)
    cfg->keyfile_data = g_key_file_new();
  if (cfg->config_file) {
    g_autoptr(GError) err = NULL;
    if (!g_key_file_load_from_file(cfg->keyfile_data, cfg->config_file,
                                   G_KEY_FILE_NONE, &err)) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG, "%s: %s",
                  cfg->config_file, err->message);
      return FALSE;
    }
    if (!refuse_inline_password(cfg, group, error))
      return FALSE;
  }
  fill(cfg, group, &cfg->broker_url, "broker", "broker");
  fill(cfg, group, &cfg->realm, "realm", "name");
  fill(cfg, group, &cfg->username, "username", "username");
  fill(cfg, group, &cfg->password_file, "password-file", "password-file");
  fill(cfg, group, &cfg->cafile, "cafile", "cafile");
  fill(cfg, group, &cfg->certfile, "certfile", "certfile");
  fill(cfg, group, &cfg->keyfile, "keyfile", "keyfile");
  fill(cfg, group, &cfg->state_dir, "state-dir", NULL);
  if (!cfg->broker_url)
    cfg->broker_url = g_strdup(DEFAULT_BROKER);
  if (!cfg->realm)
    cfg->realm = g_strdup(DEFAULT_REALM);

  if (!arts_realm_is_valid(cfg->realm)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "realm: \"%s\" is not a realm name (1..64 of A-Z a-z 0-9 "
                "_ . -)", cfg->realm);
    return FALSE;
  }
  g_autofree char *host = NULL;
  int port;
  gboolean tls;
  if (!arts_broker_url_parse(cfg->broker_url, &host, &port, &tls, error))
    return FALSE;
  if (!cfg->certfile != !cfg->keyfile) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                        "certfile and keyfile go together");
    return FALSE;
  }
  if (cfg->password_file && !read_password(cfg, error))
    return FALSE;
  return TRUE;
}

void arts_config_mqtt_options(const ArtsConfig *cfg, ArtsMqttOptions *opts) {
  memset(opts, 0, sizeof *opts);
  opts->broker_url = cfg->broker_url;
  opts->username = cfg->username;
  opts->password = cfg->password;
  opts->cafile = cfg->cafile;
  opts->certfile = cfg->certfile;
  opts->keyfile = cfg->keyfile;
}

int arts_config_get_int(const ArtsConfig *cfg, const char *group,
                        const char *key, int def) {
  g_autoptr(GError) err = NULL;
  if (!cfg->keyfile_data ||
      !g_key_file_has_key(cfg->keyfile_data, group, key, NULL))
    return def;
  int v = g_key_file_get_integer(cfg->keyfile_data, group, key, &err);
  return err ? def : v;
}

char *arts_config_get_string(const ArtsConfig *cfg, const char *group,
                             const char *key, const char *def) {
  char *v = NULL;
  if (cfg->keyfile_data)
    v = g_key_file_get_string(cfg->keyfile_data, group, key, NULL);
  return v ? v : g_strdup(def);
}

void arts_config_clear(ArtsConfig *cfg) {
  g_free(cfg->broker_url);
  g_free(cfg->realm);
  g_free(cfg->username);
  g_free(cfg->password_file);
  if (cfg->password)
    memset(cfg->password, 0, strlen(cfg->password));
  g_free(cfg->password);
  g_free(cfg->cafile);
  g_free(cfg->certfile);
  g_free(cfg->keyfile);
  g_free(cfg->state_dir);
  g_free(cfg->config_file);
  if (cfg->keyfile_data)
    g_key_file_unref(cfg->keyfile_data);
  memset(cfg, 0, sizeof *cfg);
}
