/* When runtimes die and return (docs/orchestrator.md, "Recovery"):
 * modules with fault_crash "restart" are restarted elsewhere from their
 * latest checkpoint (or migration snapshot), or fresh when there is none;
 * "ignore" ones become K and are started again when their runtime
 * registers again (ARTS). Periodic checkpoints of restart modules keep
 * what a restart resumes from recent. */
#include "modules-private.h"

#include <string.h>

#define RETRY_US (5 * G_USEC_PER_SEC)
#define RESTART_TIMEOUT_MS 15000

static gboolean
wants_restart(const OrchMod *mod)
{
  return mod->m->fault_crash && strcmp(mod->m->fault_crash, "restart") == 0;
}

typedef struct {
  char *uuid;
  char *runtime;
  gboolean from_checkpoint;
  gboolean respawn;         /* ARTS K module back on its own runtime */
} RestartCtx;

static void
restart_ctx_free(gpointer p)
{
  RestartCtx *c = p;
  g_free(c->uuid);
  g_free(c->runtime);
  g_free(c);
}

static void
become_k(OrchModules *mods, OrchMod *mod, const char *why)
{
  mod->m->status = ARTS_STATUS_KILLED;
  mod->retry_us = g_get_monotonic_time() + RETRY_US;
  g_free(mod->m->error);
  mod->m->error = why ? g_strdup(why) : NULL;
  orch_mod_changed(mods, mod);
}

/* The stored snapshot goes to the target that is ready for it. */
static gboolean
send_checkpoint(OrchModules *mods, OrchMod *mod)
{
  g_autoptr(GError) error = NULL;
  gint64 offset = 0;
  g_autoptr(GBytes) b = orch_modstore_load_checkpoint(mods->ms, mod->m->uuid,
                                                      &offset, NULL, &error);
  if (!b)
    return FALSE;
  ArtsSnapshotProps p;
  arts_snapshot_props_init(&p, ARTS_SNAPSHOT_CHECKPOINT, NULL, offset);
  g_autofree char *topic = arts_topic(mods->realm_name, ARTS_TOPIC_SNAPSHOT,
                                      mod->m->uuid);
  gsize len;
  const void *data = g_bytes_get_data(b, &len);
  mod->own_snapshot = TRUE;
  if (arts_mqtt_publish(mods->mqtt, topic, data, len, 1, FALSE, p.props,
                        p.n_props, &error) < 0) {
    mod->own_snapshot = FALSE;
    g_message("checkpoint of %s not sent: %s", mod->m->name, error->message);
    return FALSE;
  }
  return TRUE;
}

static void
on_restarted(OrchModules *mods, JsonObject *details, const GError *error,
             gpointer user_data)
{
  RestartCtx *c = user_data;
  OrchMod *mod = g_hash_table_lookup(mods->mods, c->uuid);
  if (!mod)
    return;
  mod->busy = FALSE;
  /* A runtime that came back from a partition still runs it. */
  if (error && c->respawn && g_error_matches(error, ARTS_ERROR,
                                             ARTS_ERROR_CONFLICT)) {
    mod->m->status = ARTS_STATUS_ALIVE;
    orch_mod_changed(mods, mod);
    return;
  }
  if (error) {
    g_autofree char *why = g_strdup_printf("restart on %s failed: %s",
                                           orch_rt_name(mods, c->runtime),
                                           error->message);
    g_message("module %s: %s", mod->m->name, why);
    become_k(mods, mod, why);
    return;
  }
  if (c->from_checkpoint && !send_checkpoint(mods, mod)) {
    become_k(mods, mod, "its checkpoint could not be sent");
    return;
  }
  if (!c->from_checkpoint)
    mod->m->state = ARTS_MODULE_RUNNING;
  orch_mod_changed(mods, mod);
  ArtsEvent *e = orch_mod_event_new(mod, ARTS_EVENT_MODULE_RESTARTED,
                                    c->respawn ? "runtime returned"
                                               : "runtime died");
  e->has_from_checkpoint = TRUE;
  e->from_checkpoint = c->from_checkpoint;
  orch_mod_event(mods, e);
}

/* Starts MOD on RUNTIME: from its checkpoint when it has one and
 * FROM_CHECKPOINT allows, else fresh. */
static void
start_on(OrchModules *mods, OrchMod *mod, const char *runtime,
         gboolean use_checkpoint, gboolean respawn)
{
  gboolean have = FALSE;
  if (use_checkpoint) {
    g_autoptr(GBytes) b = orch_modstore_load_checkpoint(mods->ms,
                                                        mod->m->uuid, NULL,
                                                        NULL, NULL);
    have = b != NULL;
  }
  g_free(mod->m->parent);
  mod->m->parent = g_strdup(runtime);
  mod->m->status = ARTS_STATUS_ALIVE;
  mod->m->state = ARTS_MODULE_STARTING;
  mod->m->has_exit_code = FALSE;
  g_clear_pointer(&mod->m->error, g_free);
  mod->busy = TRUE;
  mod->ckpt_us = g_get_monotonic_time();
  orch_mod_changed(mods, mod);
  JsonObject *data = have ? orch_mod_restore_wire(mod, runtime, NULL)
                          : orch_mod_wire(mod);
  RestartCtx *c = g_new0(RestartCtx, 1);
  c->uuid = g_strdup(mod->m->uuid);
  c->runtime = g_strdup(runtime);
  c->from_checkpoint = have;
  c->respawn = respawn;
  g_message("module %s: starting on %s %s", mod->m->name,
            orch_rt_name(mods, runtime),
            have ? "from its checkpoint" : "fresh");
  orch_rt_request(mods, runtime, "create", data, RESTART_TIMEOUT_MS,
                  on_restarted, c, restart_ctx_free);
}

void
orch_recovery_restart(OrchModules *mods, OrchMod *mod)
{
  g_autoptr(GError) error = NULL;
  const char *target = orch_mods_place(mods, mod->m, NULL, mod->m->parent,
                                       0, 0, &error);
  if (!target) {
    g_message("module %s waits for a runtime: %s", mod->m->name,
              error->message);
    become_k(mods, mod, error->message);
    return;
  }
  start_on(mods, mod, target, TRUE, FALSE);
}

/* orch_mods_on() without the modules that a migration, start or stop is
 * busy with: that work decides where they end up. */
static GPtrArray *
modules_on(OrchModules *mods, const char *runtime, ArtsStatus status)
{
  GPtrArray *out = orch_mods_on(mods, runtime, status);
  for (guint i = out->len; i-- > 0;) {
    OrchMod *mod = out->pdata[i];
    if (mod->mig || mod->busy)
      g_ptr_array_remove_index(out, i);
  }
  return out;
}

void
orch_recovery_orphan(OrchModules *mods, OrchMod *mod)
{
  if (wants_restart(mod))
    orch_recovery_restart(mods, mod);
  else
    become_k(mods, mod, NULL);
}

void
orch_recovery_runtime_dead(OrchModules *mods, const char *runtime)
{
  g_autoptr(GPtrArray) here = modules_on(mods, runtime, ARTS_STATUS_ALIVE);
  for (guint i = 0; i < here->len; i++)
    orch_recovery_orphan(mods, here->pdata[i]);
}

void
orch_recovery_runtime_back(OrchModules *mods, const char *runtime)
{
  g_autoptr(GPtrArray) here = modules_on(mods, runtime, ARTS_STATUS_KILLED);
  const ArtsRuntime *rt = orch_realm_find(mods->realm, runtime);
  for (guint i = 0; i < here->len; i++) {
    OrchMod *mod = here->pdata[i];
    /* Same uuid, not necessarily the same device: a state dir moved to
     * another board, an armhf agent put where an aarch64 one was. */
    g_autofree char *no = rt ? arts_constraints_reject(&mod->m->constraints,
                                                       &rt->platform)
                             : NULL;
    if (no) {
      g_message("module %s waits: its runtime %s is back, but %s",
                mod->m->name, orch_rt_name(mods, runtime), no);
      continue;
    }
    start_on(mods, mod, runtime, wants_restart(mod), TRUE);
  }
}

static void
checkpoint_due(OrchModules *mods, OrchMod *mod, gint64 now)
{
  if (!wants_restart(mod) || mod->m->status != ARTS_STATUS_ALIVE
      || mod->m->state != ARTS_MODULE_RUNNING || mod->mig || mod->busy
      || now - mod->ckpt_us < (gint64)mods->set.checkpoint_ms * 1000)
    return;
  const ArtsRuntime *rt = orch_realm_find(mods->realm, mod->m->parent);
  if (!rt || rt->status != ARTS_STATUS_ALIVE)
    return;
  mod->ckpt_us = now;
  orch_rt_request(mods, mod->m->parent, "checkpoint",
                  orch_mod_simple(mod, NULL, NULL),
                  mods->set.step_timeout_ms * 2, NULL, NULL, NULL);
}

void
orch_recovery_tick(OrchModules *mods)
{
  gint64 now = g_get_monotonic_time();
  g_autoptr(GPtrArray) retry = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    checkpoint_due(mods, mod, now);
    /* Restart modules still waiting for a runtime that fits. */
    if (mod->m->status == ARTS_STATUS_KILLED && wants_restart(mod)
        && !mod->busy && now >= mod->retry_us)
      g_ptr_array_add(retry, mod);
  }
  for (guint i = 0; i < retry->len; i++) {
    OrchMod *mod = retry->pdata[i];
    g_autoptr(GError) error = NULL;
    const char *target = orch_mods_place(mods, mod->m, NULL, NULL, 0, 0,
                                         &error);
    if (target)
      start_on(mods, mod, target, TRUE, FALSE);
    else
      mod->retry_us = now + RETRY_US;
  }
}
