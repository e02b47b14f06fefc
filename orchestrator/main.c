/* arts-orchestrator: one per realm, headless.
 *
 *   arts-orchestrator --broker mqtt://127.0.0.1:1883 --realm lab \
 *                     --state-dir /var/lib/arts-orchestrator
 *
 * Runs until SIGTERM or SIGINT, then writes what is queued and leaves the
 * broker cleanly. */
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "daemon.h"

static gboolean
on_signal(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_CONTINUE;
}

static int
fail(const char *what, const GError *error)
{
  fprintf(stderr, "arts-orchestrator: %s%s\n", what, error->message);
  return 1;
}

int
main(int argc, char **argv)
{
  ArtsConfig cfg = { 0 };
  OrchSettings set;
  int dead_after = 0;
  int checkpoint_ms = -1;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "dead-after-intervals", 0, 0, G_OPTION_ARG_INT, &dead_after,
      "Missed telemetry intervals before a runtime is dead (default 3)",
      "N" },
    { "checkpoint-interval-ms", 0, 0, G_OPTION_ARG_INT, &checkpoint_ms,
      "Checkpoint modules with fault_crash restart this often (default "
      "10000)", "MS" },
    { NULL }
  };

  setlocale(LC_ALL, "");
  g_autoptr(GOptionContext) ctx =
    g_option_context_new("- keep an ARTS realm: runtimes, modules, "
                         "liveness, history");
  g_option_context_add_main_entries(ctx, entries, NULL);
  arts_config_add_options(&cfg, ctx, TRUE);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return fail("", error);
  if (argc > 1) {
    fprintf(stderr, "arts-orchestrator: unexpected argument \"%s\"\n",
            argv[1]);
    return 1;
  }
  if (!arts_config_finish(&cfg, "orchestrator", &error)
      || !orch_settings_load(&set, &cfg, &error)) {
    int rc = fail("", error);
    arts_config_clear(&cfg);
    return rc;
  }
  if (dead_after < 0 || dead_after > 1000) {
    fprintf(stderr, "arts-orchestrator: --dead-after-intervals: expected "
            "1..1000\n");
    arts_config_clear(&cfg);
    return 1;
  }
  if (dead_after)
    set.dead_after = dead_after;
  if (checkpoint_ms != -1 && (checkpoint_ms < 100
                              || checkpoint_ms > 24 * 3600 * 1000)) {
    fprintf(stderr, "arts-orchestrator: --checkpoint-interval-ms: expected "
            "100..86400000\n");
    arts_config_clear(&cfg);
    return 1;
  }
  if (checkpoint_ms != -1)
    set.modules.checkpoint_ms = checkpoint_ms;

  OrchDaemon *d = orch_daemon_new(&cfg, &set, &error);
  arts_config_clear(&cfg);
  if (!d)
    return fail("", error);
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  guint term = g_unix_signal_add(SIGTERM, on_signal, loop);
  guint intr = g_unix_signal_add(SIGINT, on_signal, loop);
  int rc = 0;
  if (orch_daemon_start(d, &error))
    g_main_loop_run(loop);
  else
    rc = fail("", error);
  orch_daemon_stop(d);
  g_source_remove(term);
  g_source_remove(intr);
  orch_daemon_free(d);
  g_main_loop_unref(loop);
  return rc;
}
