/* arts-agent: the ARTS runtime daemon. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include "agent.h"

static gboolean main_verbose;

/* Everything goes to stderr (systemd's journal when run as a service, with
 * its structured fields); debug and info only with --verbose. */
static GLogWriterOutput main_log_writer(GLogLevelFlags level,
                                        const GLogField *fields,
                                        gsize n_fields, gpointer user_data)
{
  g_autofree char *line = NULL;

  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !main_verbose)
    return G_LOG_WRITER_HANDLED;
  if (g_log_writer_is_journald(fileno(stderr)) &&
      g_log_writer_journald(level, fields, n_fields, user_data) ==
        G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields(level, fields, n_fields, FALSE);
  fprintf(stderr, "%s\n", line);
  fflush(stderr);
  return G_LOG_WRITER_HANDLED;
}

int main(int argc, char **argv)
{
  AgentOptions opts;
  g_autoptr(GError) error = NULL;
  int rc;

  setlocale(LC_ALL, "");
  /* A broker that goes away mid-write must not kill the daemon. */
  signal(SIGPIPE, SIG_IGN);
  g_log_set_writer_func(main_log_writer, NULL, NULL);
  if (!agent_options_parse(&opts, &argc, &argv, &error)) {
    g_printerr("arts-agent: %s\n", error->message);
    agent_options_clear(&opts);
    return 1;
  }
  main_verbose = opts.verbose;
  rc = agent_run(&opts);
  agent_options_clear(&opts);
  return rc;
}
