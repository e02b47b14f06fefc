/* arts-ctl: the realm from a shell, for operators and scripts.
 *
 *   arts-ctl [--broker URL] [--realm NAME] [--config FILE] [--json]
 *            [--timeout MS] COMMAND [ARGS]
 *
 * Exit status: 0 done, 1 the request failed (unknown runtime, refused),
 * 2 bad command line, 3 broker unreachable or no answer in time. */
#include <locale.h>
#include <stdio.h>
#include "ctl.h"

G_DEFINE_QUARK(ctl-error-quark, ctl_error)

typedef int (*CtlCommandFunc)(const CtlOptions *o, int argc, char **argv);

static const struct {
  const char *name;
  CtlCommandFunc fn;
  const char *help;
} commands[] = {
  {"runtimes", ctl_cmd_runtimes, "list the realm's runtimes with CPU, memory, load"},
  {"stats", ctl_cmd_stats, "RUNTIME: latest telemetry of one runtime, every metric"},
  {"watch", ctl_cmd_watch, "follow realm events (runtimes joining, dying ...)"},
  {"history", ctl_cmd_history, "RUNTIME METRIC: stored history of one metric"},
  {"start", ctl_cmd_start, "PROG.wasm [-- ARGS]: run a program in the realm "
                           "(--name, --on, --on-arch, --env, --channel, --fault-crash, --max-memory, --fuel)"},
  {"stop", ctl_cmd_stop, "MODULE: end a module"},
  {"modules", ctl_cmd_modules, "list modules with runtime and state"},
  {"logs", ctl_cmd_logs, "MODULE: its output since it started (--follow)"},
  {"migrate", ctl_cmd_migrate, "MODULE RUNTIME: move a running module live"},
  {"stdin", ctl_cmd_stdin, "MODULE: feed its standard input from ours"},
};

CtlOptions ctl_options_patient(const CtlOptions *o, int timeout_ms) {
  CtlOptions p = *o;
  if (!o->timeout_given)
    p.timeout_ms = timeout_ms;
  return p;
}

int ctl_fail(const GError *error) {
  g_printerr("arts-ctl: %s\n", error->message);
  if (error->domain == CTL_ERROR) {
    switch ((CtlErrorCode)error->code) {
    case CTL_ERROR_USAGE:
      return CTL_EXIT_USAGE;
    case CTL_ERROR_BROKER:
    case CTL_ERROR_TIMEOUT:
      return CTL_EXIT_BROKER;
    case CTL_ERROR_NOT_FOUND:
    case CTL_ERROR_REFUSED:
      return CTL_EXIT_ERROR;
    }
  }
  if (error->domain == ARTS_ERROR && error->code == ARTS_ERROR_CONFIG)
    return CTL_EXIT_USAGE;
  if (error->domain == ARTS_ERROR && error->code == ARTS_ERROR_MQTT)
    return CTL_EXIT_BROKER;
  return CTL_EXIT_ERROR;
}

static char *command_summary(void) {
  GString *s = g_string_new("Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
    g_string_append_printf(s, "  %-10s %s\n", commands[i].name,
                           commands[i].help);
  g_string_append(s, "\nExit status: 0 done, 1 request failed (unknown "
                     "runtime, refused), 2 usage,\n3 broker unreachable or "
                     "no answer within --timeout.");
  return g_string_free(s, FALSE);
}

int main(int argc, char **argv) {
  setlocale(LC_ALL, "");
  CtlOptions o = {.timeout_ms = -1};
  const GOptionEntry entries[] = {
    {"json", 'j', 0, G_OPTION_ARG_NONE, &o.json,
     "Print JSON (watch: one object per line)", NULL},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_ms,
     "Give up after MS milliseconds (default 5000)", "MS"},
    {"since", 0, 0, G_OPTION_ARG_STRING, &o.since,
     "history: how far back (90s, 10m, 2h, 1d; default 10m)", "DURATION"},
    {"duration", 0, 0, G_OPTION_ARG_INT, &o.duration_s,
     "watch: stop after S seconds (default: until Ctrl-C)", "S"},
    {"name", 'n', 0, G_OPTION_ARG_STRING, &o.name,
     "start: the module's name (default: the file's name)", "NAME"},
    {"on", 0, 0, G_OPTION_ARG_STRING, &o.on,
     "start: run on this runtime (name or uuid; default: the orchestrator "
     "chooses)", "RUNTIME"},
    {"on-arch", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.on_arch,
     "start: only on runtimes of this device class (x86_64, aarch64, arm, "
     "s390x, mips ...; repeatable or a comma list)", "ARCH"},
    {"on-byte-order", 0, 0, G_OPTION_ARG_STRING, &o.on_byte_order,
     "start: only on runtimes of this byte order", "little|big"},
    {"on-word-size", 0, 0, G_OPTION_ARG_INT, &o.on_word_size,
     "start: only on runtimes whose agent is 32-bit or 64-bit", "32|64"},
    {"env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o.env,
     "start: an environment variable for the program (repeatable)", "K=V"},
    {"channel", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.channels,
     "start: a channel the program may use, /ch/NAME (repeatable)",
     "NAME:r|w|rw"},
    {"fault-crash", 0, 0, G_OPTION_ARG_STRING, &o.fault_crash,
     "start: when its runtime dies: ignore (default) or restart elsewhere",
     "POLICY"},
    {"max-memory", 0, 0, G_OPTION_ARG_INT64, &o.max_memory,
     "start: linear memory limit", "BYTES"},
    {"fuel", 0, 0, G_OPTION_ARG_INT64, &o.fuel,
     "start: instruction limit (0: none)", "N"},
    {"channel-msg-max", 0, 0, G_OPTION_ARG_INT64, &o.channel_msg_max,
     "start: largest channel message (default 65536)", "BYTES"},
    {"channel-queue-max", 0, 0, G_OPTION_ARG_INT64, &o.channel_queue_max,
     "start: messages queued per channel before drops (default 1024)", "N"},
    {"follow", 'f', 0, G_OPTION_ARG_NONE, &o.follow,
     "logs: keep printing new output until the module ends", NULL},
    {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS]");
  g_autofree char *summary = command_summary();
  g_option_context_set_summary(ctx, "Look at an ARTS realm from a shell.");
  g_option_context_set_description(ctx, summary);
  g_option_context_add_main_entries(ctx, entries, NULL);
  arts_config_add_options(&o.cfg, ctx, FALSE);

  g_autoptr(GError) error = NULL;
  int status;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) ||
      !arts_config_finish(&o.cfg, "ctl", &error)) {
    g_printerr("arts-ctl: %s (see --help)\n", error->message);
    status = CTL_EXIT_USAGE;
    goto out;
  }
  o.timeout_given = o.timeout_ms != -1;
  if (!o.timeout_given)
    o.timeout_ms = 5000;
  if (o.timeout_ms <= 0 || o.duration_s < 0) {
    g_printerr("arts-ctl: --timeout and --duration must be positive\n");
    status = CTL_EXIT_USAGE;
    goto out;
  }
  if (argc < 2) {
    g_printerr("arts-ctl: no command given\n%s\n", summary);
    status = CTL_EXIT_USAGE;
    goto out;
  }
  status = -1;
  for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
    if (g_str_equal(argv[1], commands[i].name))
      status = commands[i].fn(&o, argc - 2, argv + 2);
  if (status < 0) {
    g_printerr("arts-ctl: unknown command '%s'\n%s\n", argv[1], summary);
    status = CTL_EXIT_USAGE;
  }
out:
  arts_config_clear(&o.cfg);
  g_free(o.since);
  g_free(o.name);
  g_free(o.on);
  g_strfreev(o.on_arch);
  g_free(o.on_byte_order);
  g_strfreev(o.env);
  g_strfreev(o.channels);
  g_free(o.fault_crash);
  return status;
}
