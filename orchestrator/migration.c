/* Live migration as a state machine (docs/orchestrator.md, "Migration"):
 *
 *   READY     target: create with restore {migration: id} -> ready
 *   SNAPSHOT  source: migrate -> paused, snapshot out on snapshot/{module}
 *   RESUME    target: module_state running (resumed_at, migration: id)
 *   RELEASE   source: delete reason migrated -> answered
 *   done      notif module_migrated, the requester answered
 *
 * Each step has a timeout. Until the target has resumed, the source holds
 * the module (paused): any failure resumes it there and releases the
 * target. A source that vanishes once asked for its snapshot does not
 * stop the migration: if the snapshot left, the target resumes from it
 * (and we keep it too); if the target does not resume in time, the
 * module is left to recovery. Drain and overload
 * shedding are migrations with another reason. */
#include "modules-private.h"

#include <math.h>
#include <string.h>

typedef enum {
  STEP_READY, STEP_SNAPSHOT, STEP_RESUME, STEP_RELEASE, STEP_DONE
} Step;

struct _OrchMigration {
  int ref;
  OrchModules *mods;
  char *id, *module, *source, *target, *reason;
  Step step;
  gint64 t0_ms, paused_at_ms, resumed_at_ms;
  gboolean have_snapshot, source_dead, resumed;
  guint timer;
  OrchMigrationDone done;
  gpointer user_data;
};

static OrchMigration *
mig_ref(OrchMigration *mig)
{
  mig->ref++;
  return mig;
}

static void
mig_unref(gpointer p)
{
  OrchMigration *mig = p;
  if (--mig->ref > 0)
    return;
  g_clear_handle_id(&mig->timer, g_source_remove);
  g_free(mig->id);
  g_free(mig->module);
  g_free(mig->source);
  g_free(mig->target);
  g_free(mig->reason);
  g_free(mig);
}

static void
record(OrchMigration *mig, const char *result, const char *error,
       gint64 downtime, gint64 total)
{
  g_autoptr(GError) e = NULL;
  OrchMigrationRecord r = {
    .id = mig->id, .module = mig->module, .source = mig->source,
    .target = mig->target, .reason = mig->reason, .result = result,
    .error = error, .started_at_ms = mig->t0_ms, .ended_at_ms = arts_now_ms(),
    .downtime_ms = downtime, .total_ms = total,
  };
  if (!orch_modstore_log_migration(mig->mods->ms, &r, &e))
    g_warning("store: %s", e->message);
}

static gboolean
runtime_alive(OrchModules *mods, const char *uuid)
{
  const ArtsRuntime *rt = orch_realm_find(mods->realm, uuid);
  return rt && rt->status == ARTS_STATUS_ALIVE
         && strcmp(rt->uuid, uuid) == 0;
}

/* The end, either way: the module is free again, the caller told. */
static void
finish(OrchMigration *mig, OrchMod *mod, const ArtsMigration *result,
       const GError *error)
{
  mig->step = STEP_DONE;
  g_clear_handle_id(&mig->timer, g_source_remove);
  if (mod && mod->mig == mig)
    mod->mig = NULL;
  if (mig->done)
    mig->done(mig->mods, mod, result, error, mig->user_data);
  mig->done = NULL;
  mig_unref(mig);   /* the module's reference */
}

static void
fail(OrchMigration *mig, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
fail(OrchMigration *mig, const char *fmt, ...)
{
  OrchModules *mods = mig->mods;
  if (mig->step == STEP_DONE)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  OrchMod *mod = g_hash_table_lookup(mods->mods, mig->module);
  /* A source we thought dead that came back still holds the module. */
  gboolean source_alive = runtime_alive(mods, mig->source);
  gboolean recover = !source_alive;
  g_autoptr(GError) error = g_error_new(
    ARTS_ERROR, ARTS_ERROR_IO, "migration of %s to %s failed: %s%s",
    mod ? mod->m->name : mig->module, orch_rt_name(mods, mig->target), why,
    recover ? " (its runtime died: it is recovered by its fault_crash)"
            : "; the module goes on at its runtime");
  g_message("%s", error->message);
  /* The source holds the module paused until told; the target may hold
   * a slot waiting for the snapshot. */
  if (mod && source_alive)
    orch_rt_request(mods, mig->source, "resume",
                    orch_mod_simple(mod, NULL, NULL),
                    mods->set.step_timeout_ms, NULL, NULL, NULL);
  if (mod && runtime_alive(mods, mig->target))
    orch_rt_request(mods, mig->target, "delete",
                    orch_mod_simple(mod, "reason", "migrated"),
                    mods->set.step_timeout_ms, NULL, NULL, NULL);
  record(mig, "error", why, 0, arts_now_ms() - mig->t0_ms);
  finish(mig, mod, NULL, error);
  if (mod && recover)
    orch_recovery_orphan(mods, mod);
}

/* The source let go (or is gone): now the migration is over. */
static void
released(OrchMigration *mig)
{
  OrchModules *mods = mig->mods;
  OrchMod *mod = g_hash_table_lookup(mods->mods, mig->module);
  if (!mod) {
    finish(mig, NULL, NULL, NULL);
    return;
  }
  gint64 total = arts_now_ms() - mig->t0_ms;
  gint64 downtime = mig->paused_at_ms && mig->resumed_at_ms
    ? MAX(mig->resumed_at_ms - mig->paused_at_ms, 0) : 0;
  g_autoptr(ArtsMigration) r = arts_migration_new(mod->m->uuid, mig->source,
                                                  mig->target);
  r->downtime_ms = downtime;
  r->total_ms = total;
  r->migration = g_strdup(mig->id);
  r->reason = g_strdup(mig->reason);
  ArtsEvent *e = orch_mod_event_new(mod, ARTS_EVENT_MODULE_MIGRATED,
                                    mig->reason);
  e->source = g_strdup(mig->source);
  e->target = g_strdup(mig->target);
  e->has_times = TRUE;
  e->downtime_ms = downtime;
  e->total_ms = total;
  orch_mod_event(mods, e);
  record(mig, "ok", NULL, downtime, total);
  finish(mig, mod, r, NULL);
  /* The target died while the source let go: nobody runs it now. */
  if (!runtime_alive(mods, mig->target))
    orch_recovery_orphan(mods, mod);
}

static void
on_released(OrchModules *mods, JsonObject *details, const GError *error,
             gpointer user_data)
{
  OrchMigration *mig = user_data;
  if (mig->step != STEP_RELEASE)
    return;
  if (error)
    g_message("migration %s: the source did not confirm the release: %s",
              mig->id, error->message);
  released(mig);
}

/* The target runs it: the module is the target's from now on; the
 * source drops its paused copy, and the migration ends when it has (so
 * that the next one may go back there at once). */
static void
complete(OrchMigration *mig)
{
  OrchModules *mods = mig->mods;
  OrchMod *mod = g_hash_table_lookup(mods->mods, mig->module);
  if (!mod) {
    finish(mig, NULL, NULL, NULL);
    return;
  }
  g_clear_handle_id(&mig->timer, g_source_remove);
  g_free(mod->m->parent);
  mod->m->parent = g_strdup(mig->target);
  mod->m->migrations++;
  mod->m->state = ARTS_MODULE_RUNNING;
  mod->m->status = ARTS_STATUS_ALIVE;
  mod->moved_us = g_get_monotonic_time();
  mod->cpu = 0;
  orch_mod_changed(mods, mod);
  mig->step = STEP_RELEASE;
  if (!runtime_alive(mods, mig->source)) {
    released(mig);
    return;
  }
  /* Alive, or back after we thought it dead: it still holds a copy. */
  orch_rt_request(mods, mig->source, "delete",
                  orch_mod_simple(mod, "reason", "migrated"),
                  mods->set.step_timeout_ms, on_released, mig_ref(mig),
                  mig_unref);
}

static gboolean
on_step_timeout(gpointer user_data)
{
  OrchMigration *mig = user_data;
  mig->timer = 0;
  fail(mig, "the target did not resume within %d ms%s",
       mig->mods->set.step_timeout_ms,
       mig->source_dead && !mig->have_snapshot
       ? " (the source died, no snapshot came)" : "");
  return G_SOURCE_REMOVE;
}

static void
wait_resume(OrchMigration *mig)
{
  mig->step = STEP_RESUME;
  if (mig->resumed) {
    complete(mig);
    return;
  }
  g_clear_handle_id(&mig->timer, g_source_remove);
  mig->timer = g_timeout_add(mig->mods->set.step_timeout_ms, on_step_timeout,
                             mig);
}

static void
on_snapshotted(OrchModules *mods, JsonObject *details, const GError *error,
               gpointer user_data)
{
  OrchMigration *mig = user_data;
  if (mig->step != STEP_SNAPSHOT)
    return;
  if (error) {
    if (mig->source_dead && mig->have_snapshot) {
      wait_resume(mig);   /* the snapshot left before the source went */
      return;
    }
    fail(mig, "source %s: %s", orch_rt_name(mods, mig->source),
         error->message);
    return;
  }
  g_autoptr(ArtsControlResult) r = arts_control_result_from_json(
    details, "data.details", NULL);
  if (r && r->paused_at_ms)
    mig->paused_at_ms = r->paused_at_ms;
  wait_resume(mig);
}

static void
on_ready(OrchModules *mods, JsonObject *details, const GError *error,
         gpointer user_data)
{
  OrchMigration *mig = user_data;
  if (mig->step != STEP_READY)
    return;
  OrchMod *mod = g_hash_table_lookup(mods->mods, mig->module);
  if (error || !mod) {
    fail(mig, "target %s: %s", orch_rt_name(mods, mig->target),
         error ? error->message : "module gone");
    return;
  }
  if (mig->source_dead) {
    fail(mig, "its runtime died before the snapshot");
    return;
  }
  mig->step = STEP_SNAPSHOT;
  JsonObject *data = orch_mod_simple(mod, "migration", mig->id);
  json_object_set_string_member(data, "target", mig->target);
  /* Pausing, snapshotting and publishing a large memory takes longer
   * than a control step. */
  orch_rt_request(mods, mig->source, "migrate", data,
                  mods->set.step_timeout_ms * 2, on_snapshotted,
                  mig_ref(mig), mig_unref);
}

/* Why MOD cannot move now, or NULL. */
static char *
cannot_move(OrchModules *mods, OrchMod *mod, const char *target)
{
  if (mod->m->status != ARTS_STATUS_ALIVE)
    return g_strdup_printf("module %s is not running (status %s)",
                           mod->m->name,
                           arts_status_to_string(mod->m->status));
  if (mod->mig)
    return g_strdup_printf("module %s is already migrating", mod->m->name);
  if (mod->busy)
    return g_strdup_printf("module %s is starting or stopping",
                           mod->m->name);
  if (mod->m->state != ARTS_MODULE_RUNNING
      && mod->m->state != ARTS_MODULE_PAUSED)
    return g_strdup_printf("module %s is %s, not running", mod->m->name,
                           arts_module_state_to_string(mod->m->state));
  if (!mod->m->parent || !runtime_alive(mods, mod->m->parent))
    return g_strdup_printf("module %s's runtime is not alive", mod->m->name);
  if (strcmp(mod->m->parent, target) == 0)
    return g_strdup_printf("module %s already runs on %s", mod->m->name,
                           orch_rt_name(mods, target));
  return NULL;
}

void
orch_migration_start(OrchModules *mods, OrchMod *mod, const char *target,
                     const char *reason, OrchMigrationDone done,
                     gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *no = cannot_move(mods, mod, target);
  if (no) {
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_CONFLICT, "%s", no);
    done(mods, mod, NULL, error, user_data);
    return;
  }
  if (!orch_mods_place(mods, mod->m, target, mod->m->parent, 0, 0, &error)) {
    done(mods, mod, NULL, error, user_data);
    return;
  }
  OrchMigration *mig = g_new0(OrchMigration, 1);
  mig->ref = 1;
  mig->mods = mods;
  mig->id = arts_uuid_new();
  mig->module = g_strdup(mod->m->uuid);
  mig->source = g_strdup(mod->m->parent);
  mig->target = g_strdup(target);
  mig->reason = g_strdup(reason);
  mig->t0_ms = arts_now_ms();
  mig->done = done;
  mig->user_data = user_data;
  mod->mig = mig;
  g_message("migration %s: %s from %s to %s (%s)", mig->id, mod->m->name,
            orch_rt_name(mods, mig->source), orch_rt_name(mods, target),
            reason);
  JsonObject *data = orch_mod_restore_wire(mod, target, mig->id);
  orch_rt_request(mods, target, "create", data, mods->set.step_timeout_ms,
                  on_ready, mig_ref(mig), mig_unref);
}

void
orch_migration_state(OrchModules *mods, OrchMod *mod,
                     const ArtsModuleUpdate *u, const char *runtime)
{
  OrchMigration *mig = mod->mig;
  if (mig->step >= STEP_RELEASE)
    return;
  if (strcmp(runtime, mig->target) == 0) {
    if (u->state == ARTS_MODULE_RUNNING
        && (!u->migration || strcmp(u->migration, mig->id) == 0)) {
      mig->resumed = TRUE;
      mig->resumed_at_ms = u->resumed_at_ms ? u->resumed_at_ms
                                            : arts_now_ms();
      if (mig->step == STEP_RESUME)
        complete(mig);
    } else if (u->state == ARTS_MODULE_FAILED
               || u->state == ARTS_MODULE_EXITED) {
      fail(mig, "the target could not restore it: %s",
           u->error ? u->error : "it ended");
    }
    return;
  }
  if (strcmp(runtime, mig->source) != 0)
    return;
  /* The source's module ended by itself while we were asking: it is
   * over, nothing to move. */
  if (arts_module_state_is_final(u->state) && mig->step < STEP_RESUME) {
    fail(mig, "the module ended at the source (%s)",
         arts_module_state_to_string(u->state));
    mod->m->state = u->state;
    mod->m->status = ARTS_STATUS_EXITING;
    mod->m->has_exit_code = u->has_exit_code;
    mod->m->exit_code = u->exit_code;
    orch_mod_changed(mods, mod);
  }
}

void
orch_migration_snapshot(OrchModules *mods, OrchMod *mod,
                        const char *migration)
{
  (void)mods;
  if (strcmp(migration, mod->mig->id) == 0)
    mod->mig->have_snapshot = TRUE;
}

void
orch_migration_runtime_died(OrchModules *mods, const char *runtime)
{
  g_autoptr(GPtrArray) migs = g_ptr_array_new_with_free_func(mig_unref);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    if (mod->mig)
      g_ptr_array_add(migs, mig_ref(mod->mig));
  }
  for (guint i = 0; i < migs->len; i++) {
    OrchMigration *mig = migs->pdata[i];
    if (mig->step == STEP_DONE)
      continue;
    if (strcmp(mig->target, runtime) == 0) {
      if (mig->step == STEP_RELEASE)
        continue;
      fail(mig, "the target %s died", orch_rt_name(mods, runtime));
    } else if (strcmp(mig->source, runtime) == 0) {
      mig->source_dead = TRUE;
      /* Asked to snapshot: the snapshot may be on its way (a large one
       * takes a while to reach us too); the target knows best. */
      if (mig->step == STEP_READY)
        fail(mig, "its runtime died before the snapshot was asked for");
      else if (mig->step == STEP_SNAPSHOT)
        wait_resume(mig);
    }
  }
}

/* ---- drain ---- */

typedef struct {
  char *runtime;
  char *topic;
  ArtsEnvelope *req;
  guint left;
  guint moved;
  GString *not_moved;
} Drain;

static void
drain_finish(OrchModules *mods, Drain *dr)
{
  const ArtsRuntime *rt = orch_realm_find(mods->realm, dr->runtime);
  JsonObject *out = rt ? arts_runtime_to_json(rt) : json_object_new();
  json_object_set_int_member(out, "moved", dr->moved);
  if (dr->not_moved->len)
    json_object_set_string_member(out, "not_moved", dr->not_moved->str);
  g_message("drain of %s: %u modules moved%s%s", orch_rt_name(mods,
            dr->runtime), dr->moved, dr->not_moved->len ? "; not: " : "",
            dr->not_moved->str);
  orch_mods_answer(mods, dr->topic, dr->req, out, NULL);
  json_object_unref(out);
  g_free(dr->runtime);
  g_free(dr->topic);
  arts_envelope_free(dr->req);
  g_string_free(dr->not_moved, TRUE);
  g_free(dr);
}

static void
drain_one_done(OrchModules *mods, OrchMod *mod, const ArtsMigration *result,
               const GError *error, gpointer user_data)
{
  Drain *dr = user_data;
  if (result)
    dr->moved++;
  else
    g_string_append_printf(dr->not_moved, "%s%s: %s",
                           dr->not_moved->len ? "; " : "",
                           mod ? mod->m->name : "?", error->message);
  if (--dr->left == 0)
    drain_finish(mods, dr);
}

void
orch_drain_start(OrchModules *mods, const char *runtime, const char *topic,
                 const ArtsEnvelope *req)
{
  orch_rt_load(mods, runtime)->draining = TRUE;
  Drain *dr = g_new0(Drain, 1);
  dr->runtime = g_strdup(runtime);
  dr->topic = g_strdup(topic);
  dr->req = arts_envelope_copy(req);
  dr->not_moved = g_string_new(NULL);
  dr->left = 1;
  g_autoptr(GPtrArray) here = orch_mods_on(mods, runtime, ARTS_STATUS_ALIVE);
  g_message("draining %s: %u modules to move", orch_rt_name(mods, runtime),
            here->len);
  for (guint i = 0; i < here->len; i++) {
    OrchMod *mod = here->pdata[i];
    g_autoptr(GError) error = NULL;
    const char *target = orch_mods_place(mods, mod->m, NULL, runtime, 0, 0,
                                         &error);
    dr->left++;
    if (!target) {
      drain_one_done(mods, mod, NULL, error, dr);
      continue;
    }
    orch_migration_start(mods, mod, target, "drain", drain_one_done, dr);
  }
  if (--dr->left == 0)
    drain_finish(mods, dr);
}

/* ---- overload ---- */

static void
shed_done(OrchModules *mods, OrchMod *mod, const ArtsMigration *result,
          const GError *error, gpointer user_data)
{
  (void)mods;
  (void)user_data;
  if (error)
    g_message("overload: %s not moved: %s", mod ? mod->m->name : "?",
              error->message);
}

static gboolean
migrating_from(OrchModules *mods, const char *runtime)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    if (mod->mig && strcmp(mod->mig->source, runtime) == 0)
      return TRUE;
  }
  return FALSE;
}

void
orch_overload_check(OrchModules *mods, const char *runtime,
                    const ArtsTelemetry *t)
{
  (void)t;
  OrchRtLoad *l = orch_rt_load(mods, runtime);
  gint64 now = g_get_monotonic_time();
  if (!isfinite(l->cpu) || l->cpu <= mods->set.overload_cpu || l->draining) {
    l->over_since_us = 0;
    return;
  }
  if (!l->over_since_us) {
    l->over_since_us = now;
    return;
  }
  if (now - l->over_since_us < (gint64)mods->set.overload_window_ms * 1000
      || migrating_from(mods, runtime))
    return;
  /* The heaviest module that has not moved lately. */
  OrchMod *heavy = NULL;
  g_autoptr(GPtrArray) here = orch_mods_on(mods, runtime, ARTS_STATUS_ALIVE);
  for (guint i = 0; i < here->len; i++) {
    OrchMod *mod = here->pdata[i];
    if (mod->mig || mod->busy || mod->m->state != ARTS_MODULE_RUNNING
        || (mod->moved_us && now - mod->moved_us
            < (gint64)mods->set.overload_quiet_ms * 1000))
      continue;
    if (!heavy || mod->cpu > heavy->cpu)
      heavy = mod;
  }
  /* Whatever happens, the next try is a whole window away. */
  l->over_since_us = now;
  if (!heavy || heavy->cpu <= 0)
    return;
  const ArtsRuntime *rt = orch_realm_find(mods->realm, runtime);
  int cores = rt && rt->platform.cpu_cores > 0 ? rt->platform.cpu_cores : 1;
  g_autoptr(GError) error = NULL;
  const char *target = orch_mods_place(mods, heavy->m, NULL, runtime,
                                       mods->set.overload_target,
                                       heavy->cpu / cores, &error);
  if (!target) {
    g_message("overload: %s stays on %s: %s", heavy->m->name,
              orch_rt_name(mods, runtime), error->message);
    return;
  }
  g_message("overload: %s at %.0f%% CPU sheds %s (%.0f%% of a core) to %s",
            orch_rt_name(mods, runtime), l->cpu * 100, heavy->m->name,
            heavy->cpu * 100, orch_rt_name(mods, target));
  orch_migration_start(mods, heavy, target, "overload", shed_done, NULL);
}
