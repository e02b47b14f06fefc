/* Command line and [agent] keys (see options.h). */
#include "agent-error.h"
#include "options.h"

#define OPTIONS_UNSET G_MININT

typedef struct {
  const char *key;       /* [agent] key and --option name */
  int *value;
  int def, min, max;
} OptionsInt;

static gboolean options_int(const AgentOptions *o, const OptionsInt *spec,
                            GError **error)
{
  GKeyFile *kf = o->cfg.keyfile_data;

  if (*spec->value == OPTIONS_UNSET && kf &&
      g_key_file_has_key(kf, AGENT_CONFIG_GROUP, spec->key, NULL)) {
    g_autoptr(GError) local = NULL;

    *spec->value = g_key_file_get_integer(kf, AGENT_CONFIG_GROUP, spec->key,
                                          &local);
    if (local) {
      g_set_error(error, AGENT_ERROR, AGENT_ERROR_OPTIONS, "[%s] %s: %s",
                  AGENT_CONFIG_GROUP, spec->key, local->message);
      return FALSE;
    }
  }
  if (*spec->value == OPTIONS_UNSET)
    *spec->value = spec->def;
  if (*spec->value < spec->min || *spec->value > spec->max) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_OPTIONS,
                "%s: %d is out of range %d..%d", spec->key, *spec->value,
                spec->min, spec->max);
    return FALSE;
  }
  return TRUE;
}

/* A name travels in every registration and shows in every table: printable
 * UTF-8, no more than 64 characters. */
static gboolean options_name_is_valid(const char *name)
{
  glong n;

  if (!g_utf8_validate(name, -1, NULL))
    return FALSE;
  n = g_utf8_strlen(name, -1);
  if (n < 1 || n > 64)
    return FALSE;
  for (const char *p = name; *p; p = g_utf8_next_char(p))
    if (!g_unichar_isprint(g_utf8_get_char(p)))
      return FALSE;
  return TRUE;
}

static gboolean options_finish(AgentOptions *o, GError **error)
{
  const OptionsInt ints[] = {
    { "interval-ms", &o->interval_ms, AGENT_DEFAULT_INTERVAL_MS, 100,
      3600 * 1000 },
    { "buffer-max", &o->buffer_max, AGENT_DEFAULT_BUFFER_MAX, 1, 10000000 },
    { "max-nmodules", &o->max_nmodules, AGENT_DEFAULT_MAX_NMODULES, 0, 4096 },
  };

  if (!arts_config_finish(&o->cfg, AGENT_CONFIG_GROUP, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(ints); i++)
    if (!options_int(o, &ints[i], error))
      return FALSE;
  if (!o->name)
    o->name = arts_config_get_string(&o->cfg, AGENT_CONFIG_GROUP, "name",
                                     g_get_host_name());
  if (!options_name_is_valid(o->name)) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_OPTIONS,
                "name: expected 1..64 printable characters");
    return FALSE;
  }
  if (!o->cfg.state_dir) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_OPTIONS,
                "state-dir: required (--state-dir or [agent] state-dir)");
    return FALSE;
  }
  return TRUE;
}

gboolean agent_options_parse(AgentOptions *o, int *argc, char ***argv,
                             GError **error)
{
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &o->name,
      "Runtime name shown in the realm (default: host name)", "NAME" },
    { "interval-ms", 0, 0, G_OPTION_ARG_INT, &o->interval_ms,
      "Telemetry period in milliseconds (default 1000)", "MS" },
    { "buffer-max", 0, 0, G_OPTION_ARG_INT, &o->buffer_max,
      "Samples kept while the broker is unreachable (default 3600)", "N" },
    { "max-nmodules", 0, 0, G_OPTION_ARG_INT, &o->max_nmodules,
      "Modules this runtime accepts (default 8)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose,
      "Log debug messages", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx =
    g_option_context_new("- ARTS runtime agent");

  *o = (AgentOptions){ .interval_ms = OPTIONS_UNSET,
                       .buffer_max = OPTIONS_UNSET,
                       .max_nmodules = OPTIONS_UNSET };
  g_option_context_add_main_entries(ctx, entries, NULL);
  arts_config_add_options(&o->cfg, ctx, TRUE);
  g_option_context_set_summary(ctx,
    "Registers this device with an ARTS realm and publishes its telemetry.\n"
    "Keys of the --config file: [realm] broker, name, username,\n"
    "password-file, cafile, certfile, keyfile; [agent] state-dir, name,\n"
    "interval-ms, buffer-max, max-nmodules.");
  if (!g_option_context_parse(ctx, argc, argv, error))
    return FALSE;
  if (*argc > 1) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_OPTIONS,
                "unexpected argument: %s", (*argv)[1]);
    return FALSE;
  }
  return options_finish(o, error);
}

void agent_options_clear(AgentOptions *o)
{
  arts_config_clear(&o->cfg);
  g_clear_pointer(&o->name, g_free);
}
