/* Modules a migration left paused when the orchestrator that ran it went
 * away (it restarted mid-way: docs/protocol.md, "When a step fails").
 *
 * A runtime's telemetry lists such a module as paused on its own runtime
 * (its parent) while no migration of ours is under way. Then either the
 * target got the snapshot and runs it: the target is its runtime now and
 * the paused copy is released, as the lost migration would have done; or
 * nobody runs it: after one step timeout (a restore under way has had its
 * chance), any other copy is deleted and the paused one resumes. Either way
 * one runtime runs it, from where it paused. Only samples taken since we
 * started count: the retained ones of before may show what has changed. */
#include "modules-private.h"

#include <string.h>

/* A runtime other than the parent whose latest telemetry shows MOD
 * running, or NULL. */
static const char *
running_elsewhere(OrchModules *mods, OrchMod *mod)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, mods->loads);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    OrchRtLoad *l = v;
    const ArtsRuntime *rt = orch_realm_find(mods->realm, k);
    if (strcmp(k, mod->m->parent) != 0 && rt && l->fresh
        && rt->status == ARTS_STATUS_ALIVE
        && orch_rt_lists(l, mod->m->uuid) == ARTS_MODULE_RUNNING)
      return k;
  }
  return NULL;
}

static void
adopt(OrchModules *mods, OrchMod *mod, const char *runtime)
{
  g_autofree char *source = g_strdup(mod->m->parent);
  g_message("module %s: paused on %s, running on %s after a migration we "
            "lost track of: it is %s's now", mod->m->name,
            orch_rt_name(mods, source), orch_rt_name(mods, runtime),
            orch_rt_name(mods, runtime));
  g_free(mod->m->parent);
  mod->m->parent = g_strdup(runtime);
  mod->m->migrations++;
  mod->m->state = ARTS_MODULE_RUNNING;
  orch_mod_changed(mods, mod);
  ArtsEvent *e = orch_mod_event_new(mod, ARTS_EVENT_MODULE_MIGRATED,
                                    "settled");
  e->source = g_strdup(source);
  e->target = g_strdup(runtime);
  orch_mod_event(mods, e);
  orch_rt_request(mods, source, "delete",
                  orch_mod_simple(mod, "reason", "migrated"),
                  mods->set.step_timeout_ms, NULL, NULL, NULL);
}

static void
resume_at_parent(OrchModules *mods, OrchMod *mod)
{
  GHashTableIter it;
  gpointer k, v;
  g_message("module %s: paused on %s by a migration we lost track of, and "
            "nobody runs it: it goes on there", mod->m->name,
            orch_rt_name(mods, mod->m->parent));
  g_hash_table_iter_init(&it, mods->loads);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    if (strcmp(k, mod->m->parent) != 0
        && orch_rt_lists(v, mod->m->uuid) != ORCH_NOT_LISTED)
      orch_rt_request(mods, k, "delete",
                      orch_mod_simple(mod, "reason", "migrated"),
                      mods->set.step_timeout_ms, NULL, NULL, NULL);
  }
  orch_rt_request(mods, mod->m->parent, "resume",
                  orch_mod_simple(mod, NULL, NULL),
                  mods->set.step_timeout_ms, NULL, NULL, NULL);
}

void
orch_orphans_check(OrchModules *mods, OrchMod *mod, const char *runtime,
                   ArtsModuleState state)
{
  if (!mod->m->parent || strcmp(mod->m->parent, runtime) != 0
      || !orch_rt_load(mods, runtime)->fresh)
    return;
  if (state != ARTS_MODULE_PAUSED || mod->mig || mod->busy
      || mod->m->status != ARTS_STATUS_ALIVE) {
    mod->orphan_us = 0;
    return;
  }
  const char *elsewhere = running_elsewhere(mods, mod);
  if (elsewhere) {
    mod->orphan_us = 0;
    adopt(mods, mod, elsewhere);
    return;
  }
  gint64 now = g_get_monotonic_time();
  if (!mod->orphan_us) {
    mod->orphan_us = now;
    return;
  }
  if (now - mod->orphan_us < (gint64)mods->set.step_timeout_ms * 1000)
    return;
  mod->orphan_us = 0;
  resume_at_parent(mods, mod);
}
