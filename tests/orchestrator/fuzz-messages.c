/* libFuzzer target: anything that can arrive on the orchestrator's topics
 * goes through the same path as a broker's message (decode, realm, store)
 * and must never crash or leak. The first byte picks the topic, the rest is
 * the payload. The daemon is never connected: what it would publish is
 * dropped. */
#include <stdint.h>
#include <stdlib.h>

#include "daemon.h"

#define UUID_A "0b9f6c1e-1111-4a55-8d0e-3c1a2b3c4d5e"
#define UUID_B "0b9f6c1e-2222-4a55-8d0e-3c1a2b3c4d5e"

static OrchDaemon *daemon_;
static char *state_dir;

static const char *const topics[] = {
  "fz/proc/reg",
  "fz/proc/query",
  "fz/proc/stats/" UUID_A,
  "fz/proc/stats/" UUID_B,
  "fz/proc/stats/not-a-uuid",
  "fz/proc/control",
  "fz/proc/state/runtime/" UUID_A,
};

/* Issue 4's topics, picked by a first byte of 0xf0 and above (the seeds
 * above keep their topics). */
static const char *const module_topics[] = {
  "fz/proc/control/" UUID_A,
  "fz/proc/program/"
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "fz/proc/snapshot/" UUID_B,
  "fz/proc/stdout/" UUID_B,
};

static void
cleanup(void)
{
  orch_daemon_free(daemon_);
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", state_dir);
  if (system(cmd) != 0)
    g_printerr("could not remove %s\n", state_dir);
  g_free(state_dir);
}

static GLogWriterOutput
quiet(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  return G_LOG_WRITER_HANDLED;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  GError *error = NULL;
  g_log_set_writer_func(quiet, NULL, NULL);
  state_dir = g_dir_make_tmp("fuzz-orch-XXXXXX", &error);
  g_assert_no_error(error);
  ArtsConfig cfg = { 0 };
  cfg.broker_url = g_strdup("mqtt://127.0.0.1:1");
  cfg.realm = g_strdup("fz");
  cfg.state_dir = g_strdup(state_dir);
  OrchSettings set;
  g_assert_true(orch_settings_load(&set, &cfg, &error));
  daemon_ = orch_daemon_new(&cfg, &set, &error);
  g_assert_no_error(error);
  arts_config_clear(&cfg);
  atexit(cleanup);
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static unsigned n;
  if (size < 1)
    return 0;
  const char *topic = data[0] >= 0xf0
    ? module_topics[(data[0] & 0x0f) % G_N_ELEMENTS(module_topics)]
    : topics[data[0] % G_N_ELEMENTS(topics)];
  orch_daemon_handle(daemon_, topic, data + 1, size - 1);
  if (++n % 64 == 0)
    orch_daemon_tick(daemon_);
  return 0;
}
