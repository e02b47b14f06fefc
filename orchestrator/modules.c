/* Modules: the table, its persistence and retained state, runtime
 * reports and telemetry, output, snapshots and queries. Operator requests
 * and programs live in operator.c, requests to runtimes in rtreq.c,
 * migration, drain and overload in migration.c, recovery and checkpoints
 * in recovery.c. Every message is validated before it
 * changes anything; a refused request changes nothing. */
#include "modules-private.h"

#include <math.h>
#include <string.h>

#define FORGET_AFTER_US (3600 * (gint64)G_USEC_PER_SEC)

void
orch_module_settings_defaults(OrchModuleSettings *s)
{
  s->checkpoint_ms = 10000;
  s->overload_cpu = 0.85;
  s->overload_window_ms = 10000;
  s->overload_target = 0.6;
  s->overload_quiet_ms = 60000;
  s->step_timeout_ms = 10000;
}

/* ---- the table ---- */

static void
mod_free(gpointer p)
{
  OrchMod *mod = p;
  arts_module_free(mod->m);
  g_free(mod);
}

gboolean
orch_mod_live(const OrchMod *mod)
{
  return mod->m->status == ARTS_STATUS_ALIVE
         || mod->m->status == ARTS_STATUS_KILLED;
}

/* By uuid, else by name: the live module of that name, else the one
 * that ended last. */
OrchMod *
orch_mod_find(OrchModules *mods, const char *key)
{
  OrchMod *mod = g_hash_table_lookup(mods->mods, key);
  if (mod)
    return mod;
  OrchMod *best = NULL;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *m = v;
    if (strcmp(m->m->name, key) != 0)
      continue;
    if (!best || (orch_mod_live(m) && !orch_mod_live(best))
        || (orch_mod_live(m) == orch_mod_live(best)
            && m->m->started_at_ms > best->m->started_at_ms))
      best = m;
  }
  return best;
}

const char *
orch_rt_name(OrchModules *mods, const char *uuid)
{
  const ArtsRuntime *rt = uuid ? orch_realm_find(mods->realm, uuid) : NULL;
  return rt ? rt->name : uuid;
}

static void
load_free(gpointer p)
{
  OrchRtLoad *l = p;
  g_hash_table_destroy(l->listed);
  g_free(l);
}

OrchRtLoad *
orch_rt_load(OrchModules *mods, const char *runtime)
{
  OrchRtLoad *l = g_hash_table_lookup(mods->loads, runtime);
  if (!l) {
    l = g_new0(OrchRtLoad, 1);
    l->cpu = NAN;
    l->mem_avail = -1;
    l->listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert(mods->loads, g_strdup(runtime), l);
  }
  return l;
}

/* ---- telling the world ---- */

void
orch_mods_publish(OrchModules *mods, const char *topic, ArtsEnvelope *env,
            gboolean retain)
{
  g_autoptr(GError) error = NULL;
  if (arts_mqtt_publish_envelope(mods->mqtt, topic, env, retain, &error) < 0)
    g_debug("not published on %s: %s", topic, error->message);
}

static void
publish_module_state(OrchModules *mods, OrchMod *mod)
{
  g_autofree char *topic = arts_topic_state(mods->realm_name,
                                            ARTS_STATE_MODULE, mod->m->uuid);
  g_autoptr(JsonObject) data = arts_module_to_json(mod->m);
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(ARTS_TYPE_RESP, "update",
                                                  NULL, data);
  orch_mods_publish(mods, topic, env, TRUE);
}

/* Every change: the row, the retained state. */
void
orch_mod_changed(OrchModules *mods, OrchMod *mod)
{
  g_autoptr(GError) error = NULL;
  g_free(mod->m->runtime_name);
  mod->m->runtime_name = g_strdup(mod->m->parent
                                  ? orch_rt_name(mods, mod->m->parent)
                                  : NULL);
  if (mod->m->status == ARTS_STATUS_DEAD
      || mod->m->status == ARTS_STATUS_EXITING) {
    if (!mod->ended_us)
      mod->ended_us = g_get_monotonic_time();
  } else {
    mod->ended_us = 0;
  }
  if (!orch_modstore_save_module(mods->ms, mod->m, mod->out_next,
                                 mod->out_gaps, &error))
    g_warning("store: %s", error->message);
  publish_module_state(mods, mod);
}

ArtsEvent *
orch_mod_event_new(OrchMod *mod, const char *event, const char *reason)
{
  ArtsEvent *e = arts_event_new(event, mod->m->uuid, mod->m->name, reason);
  e->runtime = g_strdup(mod->m->parent);
  return e;
}

/* Stored with the realm's events and told on notif; takes E. */
void
orch_mod_event(OrchModules *mods, ArtsEvent *e)
{
  g_autoptr(ArtsEvent) ev = e;
  g_autoptr(GError) error = NULL;
  g_message("%s %s (%s)%s%s", ev->event, ev->name ? ev->name : "", ev->uuid,
            ev->reason ? ": " : "", ev->reason ? ev->reason : "");
  if (!orch_store_add_event(mods->store, ev->ts_ms, ev->event, ev->uuid,
                            ev->name, ev->reason, &error))
    g_warning("store: %s", error->message);
  g_autoptr(JsonObject) data = arts_event_to_json(ev);
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(ARTS_TYPE_RESP, "update",
                                                  NULL, data);
  orch_mods_publish(mods, mods->t_notif, env, FALSE);
}

void
orch_mods_answer(OrchModules *mods, const char *topic,
                 const ArtsEnvelope *req, JsonObject *details,
                 const GError *error)
{
  g_autoptr(ArtsEnvelope) resp = NULL;
  if (error) {
    g_message("%s: refused %s %s: %s", topic, req->action, req->object_id,
              error->message);
    resp = arts_response_error(req, ARTS_TYPE_RESP, error);
  } else {
    resp = arts_response_ok(req, ARTS_TYPE_RESP, details);
  }
  orch_mods_publish(mods, topic, resp, FALSE);
}

void
orch_mods_log(OrchModules *mods, const char *topic, const char *object_id,
              const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_message("%s: %s", topic ? topic : "-", msg);
  g_autoptr(ArtsLog) l = arts_log_new("error", msg, topic, object_id);
  g_autoptr(JsonObject) data = arts_log_to_json(l);
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(ARTS_TYPE_RESP, "update",
                                                  NULL, data);
  orch_mods_publish(mods, mods->t_log, env, FALSE);
}

/* ---- placement over the realm ---- */

GPtrArray *
orch_mods_on(OrchModules *mods, const char *runtime, ArtsStatus status)
{
  GPtrArray *out = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    if (mod->m->status == status && mod->m->parent
        && strcmp(mod->m->parent, runtime) == 0)
      g_ptr_array_add(out, mod);
  }
  return out;
}

static int
count_on(OrchModules *mods, const char *runtime)
{
  g_autoptr(GPtrArray) on = orch_mods_on(mods, runtime, ARTS_STATUS_ALIVE);
  return (int)on->len;
}

const char *
orch_mods_place(OrchModules *mods, const ArtsModule *m, const char *on,
                const char *exclude, double cpu_cap, double module_cpu,
                GError **error)
{
  g_autoptr(GPtrArray) all = orch_realm_list(mods->realm);
  g_autofree OrchPlaceRuntime *rts = g_new0(OrchPlaceRuntime,
                                            MAX(all->len, 1));
  for (guint i = 0; i < all->len; i++) {
    const ArtsRuntime *rt = all->pdata[i];
    OrchRtLoad *l = orch_rt_load(mods, rt->uuid);
    rts[i] = (OrchPlaceRuntime){
      .uuid = rt->uuid, .name = rt->name,
      .alive = rt->status == ARTS_STATUS_ALIVE,
      .draining = l->draining,
      .apis = (const char *const *)rt->apis,
      .max_nmodules = rt->max_nmodules,
      .nmodules = count_on(mods, rt->uuid),
      .cpu = l->cpu, .mem_avail = l->mem_avail,
      .mem_total = rt->platform.memory_total,
      .mem_promised = l->promised,
      .platform = &rt->platform,
    };
  }
  OrchPlaceRequest req = {
    .apis = (const char *const *)m->apis, .max_memory = m->max_memory,
    .exclude = exclude, .on = on, .cpu_cap = cpu_cap,
    .module_cpu = module_cpu,
    .constraints = arts_constraints_is_empty(&m->constraints)
                   ? NULL : &m->constraints,
  };
  g_autofree char *why = NULL;
  int i = orch_place(rts, all->len, &req, &why);
  if (i < 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NO_FIT, "%s", why);
    return NULL;
  }
  const ArtsRuntime *chosen = all->pdata[i];
  orch_rt_load(mods, chosen->uuid)->promised += m->max_memory;
  return chosen->uuid;
}

/* ---- runtime side: answers and reports on control/{runtime} ---- */

static void
module_report(OrchModules *mods, const char *topic, const char *runtime,
              const ArtsEnvelope *env)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsModuleUpdate) u = arts_module_update_from_json(env->data,
                                                               &error);
  if (!u) {
    orch_mods_log(mods, topic, env->object_id, "%s", error->message);
    return;
  }
  OrchMod *mod = g_hash_table_lookup(mods->mods, u->uuid);
  if (!mod)
    return;   /* not one of ours (an ARTS-style direct create) */
  if (mod->mig) {
    orch_migration_state(mods, mod, u, runtime);
    return;
  }
  /* Only its runtime speaks for a module. */
  if (!mod->m->parent || strcmp(mod->m->parent, runtime) != 0)
    return;
  ArtsModuleState was = mod->m->state;
  mod->m->state = u->state;
  if (u->has_exit_code) {
    mod->m->has_exit_code = TRUE;
    mod->m->exit_code = u->exit_code;
  }
  if (u->error) {
    g_free(mod->m->error);
    mod->m->error = g_strdup(u->error);
  }
  if (arts_module_state_is_final(u->state)) {
    if (mod->stopping) {
      /* The stop's answer tells it. */
      mod->m->state = was;
      return;
    }
    if (mod->m->status != ARTS_STATUS_ALIVE)
      return;
    mod->m->status = ARTS_STATUS_EXITING;
    orch_mod_changed(mods, mod);
    ArtsEvent *e;
    if (u->state == ARTS_MODULE_EXITED) {
      e = orch_mod_event_new(mod, ARTS_EVENT_MODULE_EXITED, "exited");
      e->has_exit_code = u->has_exit_code;
      e->exit_code = u->exit_code;
    } else {
      e = orch_mod_event_new(mod, ARTS_EVENT_MODULE_FAILED, u->error);
      e->error = g_strdup(u->error);
    }
    orch_mod_event(mods, e);
    return;
  }
  if (was != u->state)
    orch_mod_changed(mods, mod);
}

static void
handle_runtime_control(OrchModules *mods, const char *topic,
                       const char *runtime, const guint8 *payload, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse((const char *)payload,
                                                    len, &error);
  if (!env) {
    orch_mods_log(mods, topic, NULL, "%s", error->message);
    return;
  }
  if (env->type == ARTS_TYPE_REQ)
    return;   /* ours, to the runtime */
  if (orch_rt_answer(mods, runtime, env))
    return;
  const char *type = arts_envelope_data_type(env);
  if (strcmp(env->action, "update") == 0 && type
      && strcmp(type, "module_state") == 0)
    module_report(mods, topic, runtime, env);
}

/* ---- snapshots ---- */

static void
handle_snapshot(OrchModules *mods, const char *topic, const char *uuid,
                const guint8 *payload, gsize len, const ArtsMqttProp *props,
                guint n_props)
{
  g_autoptr(GError) error = NULL;
  ArtsSnapshotKind kind;
  g_autofree char *migration = NULL;
  gint64 offset = 0;
  OrchMod *mod = g_hash_table_lookup(mods->mods, uuid);
  if (!mod || len == 0)
    return;
  gint64 migrations;
  gboolean delta = FALSE;
  if (!arts_snapshot_props_parse(props, n_props, &kind, &migration, &offset,
                                 &error) ||
      !arts_snapshot_props_parse_extra(props, n_props, &migrations, &delta,
                                       &error)) {
    orch_mods_log(mods, topic, NULL, "snapshot dropped: %s", error->message);
    return;
  }
  if (offset < 0 || kind == ARTS_SNAPSHOT_PRECOPY) {
    orch_mods_log(mods, topic, NULL, "snapshot dropped: %s",
                  offset < 0 ? "user property stdout_offset: missing"
                             : "a memory image is not a snapshot");
    return;
  }
  if (mod->own_snapshot && kind == ARTS_SNAPSHOT_CHECKPOINT) {
    mod->own_snapshot = FALSE;
    return;   /* the one we restored it from, coming back */
  }
  /* A delta is useless without the image only the target has: recovery
   * keeps to the last whole snapshot (docs/orchestrator.md). */
  if (delta) {
    if (mod->mig && migration)
      orch_migration_snapshot(mods, mod, migration);
    return;
  }
  g_autoptr(GBytes) b = g_bytes_new(payload, len);
  if (!orch_modstore_save_checkpoint(mods->ms, uuid, b, offset,
                                     arts_snapshot_kind_to_string(kind),
                                     arts_now_ms(), &error))
    g_warning("store: %s", error->message);
  else
    g_debug("module %s: %s snapshot of %" G_GSIZE_FORMAT " bytes kept", uuid,
            arts_snapshot_kind_to_string(kind), len);
  if (mod->mig && migration)
    orch_migration_snapshot(mods, mod, migration);
}

/* ---- output ---- */

static void
handle_stdout(OrchModules *mods, const char *topic, const char *uuid,
              const guint8 *payload, gsize len, const ArtsMqttProp *props,
              guint n_props)
{
  OrchMod *mod = g_hash_table_lookup(mods->mods, uuid);
  gint64 offset;
  int fd;
  if (!mod || len == 0)
    return;
  /* ARTS writers send no offset: their bytes follow what we have. */
  if (!arts_output_props_parse(props, n_props, &offset, &fd, NULL))
    offset = mod->out_next;
  gint64 gaps = mod->out_gaps;
  g_autoptr(GError) error = NULL;
  orch_modstore_take_output(mods->ms, uuid, &mod->out_next, &mod->out_gaps,
                            offset, payload, len, &error);
  if (mod->out_gaps > gaps)
    g_message("module %s: %" G_GINT64_FORMAT " bytes of output missing "
              "before offset %" G_GINT64_FORMAT, uuid, mod->out_gaps - gaps,
              offset);
  if (error)
    g_warning("store: %s", error->message);
}

/* ---- queries ---- */

static gint
by_name(gconstpointer a, gconstpointer b)
{
  const ArtsModule *x = *(const ArtsModule *const *)a;
  const ArtsModule *y = *(const ArtsModule *const *)b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->uuid, y->uuid);
}

static JsonObject *
modules_answer(OrchModules *mods, const ArtsQuery *q, GError **error)
{
  const ArtsRuntime *rt = NULL;
  if (q->runtime && !(rt = orch_realm_find(mods->realm, q->runtime))) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.runtime: no runtime has the uuid or name \"%s\"",
                q->runtime);
    return NULL;
  }
  g_autoptr(GPtrArray) list = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    if (rt && (!mod->m->parent || strcmp(mod->m->parent, rt->uuid) != 0))
      continue;
    g_ptr_array_add(list, mod->m);
  }
  g_ptr_array_sort(list, by_name);
  /* The answer must stay readable (ARTS_MAX_PAYLOAD): a realm with more
   * modules than that gets its live ones first, then as many ended ones
   * as fit (state/module/+ has them all). */
  g_autoptr(GPtrArray) fit = g_ptr_array_new();
  gsize size = 0, room = ARTS_MAX_PAYLOAD - 1024;
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < list->len; i++) {
      ArtsModule *m = list->pdata[i];
      gboolean live = m->status == ARTS_STATUS_ALIVE
                      || m->status == ARTS_STATUS_KILLED;
      if (live != (pass == 0))
        continue;
      g_autoptr(JsonObject) j = arts_module_to_json(m);
      gsize len = 0;
      g_free(arts_json_object_to_string(j, &len));
      if (size + len + 1 > room)
        continue;
      size += len + 1;
      g_ptr_array_add(fit, m);
    }
  if (fit->len < list->len)
    g_message("modules query: %u of %u modules fit in one answer",
              fit->len, list->len);
  g_ptr_array_sort(fit, by_name);
  return arts_module_list_to_json(fit);
}

static JsonObject *
logs_answer(OrchModules *mods, const ArtsQuery *q, GError **error)
{
  OrchMod *mod = q->module ? orch_mod_find(mods, q->module) : NULL;
  if (!mod) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.module: no module has the uuid or name \"%s\"",
                q->module ? q->module : "");
    return NULL;
  }
  gint64 start = 0;
  gboolean more = FALSE;
  g_autoptr(GBytes) b = orch_modstore_read_output(
    mods->ms, mod->m->uuid, q->since_offset, ARTS_MAX_LOG_CHUNK, &start,
    &more, error);
  if (!b)
    return NULL;
  gsize len;
  const void *data = g_bytes_get_data(b, &len);
  g_autoptr(ArtsLogChunk) c = arts_log_chunk_new(mod->m->uuid, start, data,
                                                 len);
  c->more = more;
  return arts_log_chunk_to_json(c);
}

JsonObject *
orch_modules_query(OrchModules *mods, const ArtsQuery *q, GError **error)
{
  if (strcmp(q->kind, "modules") == 0)
    return modules_answer(mods, q, error);
  return logs_answer(mods, q, error);
}

/* ---- entry points ---- */

gboolean
orch_modules_handle(OrchModules *mods, const char *topic, const char *leaf,
                    const char *rest, const guint8 *payload, gsize len,
                    const ArtsMqttProp *props, guint n_props)
{
  if (strcmp(leaf, ARTS_TOPIC_CONTROL) == 0) {
    if (!rest)
      orch_operator_control(mods, topic, payload, len);
    else if (!strchr(rest, '/') && len)
      handle_runtime_control(mods, topic, rest, payload, len);
    return TRUE;
  }
  if (!rest || strchr(rest, '/'))
    return FALSE;
  if (strcmp(leaf, ARTS_TOPIC_PROGRAM) == 0)
    orch_programs_handle(mods, topic, rest, payload, len);
  else if (strcmp(leaf, ARTS_TOPIC_SNAPSHOT) == 0)
    handle_snapshot(mods, topic, rest, payload, len, props, n_props);
  else if (strcmp(leaf, ARTS_TOPIC_STDOUT) == 0)
    handle_stdout(mods, topic, rest, payload, len, props, n_props);
  else
    return FALSE;
  return TRUE;
}

void
orch_modules_reg_update(OrchModules *mods, const char *topic,
                        const ArtsEnvelope *env)
{
  g_autoptr(GError) error = NULL;
  const char *type = arts_envelope_data_type(env);
  g_autoptr(ArtsRuntime) rt = NULL;
  if (!type || strcmp(type, "runtime") != 0)
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.type: expected \"runtime\"");
  else
    rt = arts_runtime_from_json(env->data, &error);
  const ArtsRuntime *known = rt ? orch_realm_find(mods->realm, rt->uuid)
                                : NULL;
  if (rt && (!known || strcmp(known->uuid, rt->uuid) != 0))
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.uuid: no runtime %s is registered", rt->uuid);
  if (error) {
    orch_mods_answer(mods, topic, env, NULL, error);
    return;
  }
  if (!rt->draining) {
    orch_rt_load(mods, rt->uuid)->draining = FALSE;
    g_autoptr(JsonObject) out = arts_runtime_to_json(known);
    orch_mods_answer(mods, topic, env, out, NULL);
    return;
  }
  orch_drain_start(mods, rt->uuid, topic, env);
}

void
orch_modules_runtime_changed(OrchModules *mods, const ArtsRuntime *rt)
{
  char was = GPOINTER_TO_INT(g_hash_table_lookup(mods->dead_seen, rt->uuid));
  g_hash_table_replace(mods->dead_seen, g_strdup(rt->uuid),
                       GINT_TO_POINTER((int)rt->status));
  if (rt->status == ARTS_STATUS_DEAD && was != ARTS_STATUS_DEAD) {
    OrchRtLoad *l = orch_rt_load(mods, rt->uuid);
    l->draining = FALSE;
    l->over_since_us = 0;
    /* Migrations first: one whose snapshot left goes on without it. */
    orch_migration_runtime_died(mods, rt->uuid);
    orch_rt_fail_pending(mods, rt->uuid);
    orch_recovery_runtime_dead(mods, rt->uuid);
  } else if (rt->status == ARTS_STATUS_ALIVE) {
    /* Every registration: a fresh agent has no modules, K ones return. */
    orch_rt_load(mods, rt->uuid)->draining = FALSE;
    orch_recovery_runtime_back(mods, rt->uuid);
  }
}

/* RUNTIME still runs MOD, which runs elsewhere now (restarted there while
 * RUNTIME was cut off, and RUNTIME came back): that copy goes, silently
 * (reason migrated). Only when the module's own runtime is alive and
 * shows it running too, never while the module is being moved or
 * started, and at most every 5 s. */
static void
drop_stray(OrchModules *mods, OrchMod *mod, const char *runtime)
{
  gint64 now = g_get_monotonic_time();
  if (mod->busy || mod->mig || mod->m->status != ARTS_STATUS_ALIVE
      || (mod->dup_us && now - mod->dup_us < 5 * G_USEC_PER_SEC))
    return;
  const ArtsRuntime *home = orch_realm_find(mods->realm, mod->m->parent);
  OrchRtLoad *hl = g_hash_table_lookup(mods->loads, mod->m->parent);
  if (!home || home->status != ARTS_STATUS_ALIVE || !hl || !hl->fresh
      || !orch_rt_load(mods, runtime)->fresh
      || orch_rt_lists(hl, mod->m->uuid) != ARTS_MODULE_RUNNING)
    return;
  mod->dup_us = now;
  g_message("module %s runs on %s and still on %s: dropping that copy",
            mod->m->name, home->name, orch_rt_name(mods, runtime));
  orch_rt_request(mods, runtime, "delete",
                  orch_mod_simple(mod, "reason", "migrated"),
                  mods->set.step_timeout_ms, NULL, NULL, NULL);
}

/* The latest per-channel counters ride on the module: query answers carry
 * them as they are now, state/module and the row as of the module's last
 * change (an ended module keeps its final ones). Not a change by itself:
 * republishing every module every second would flood the retained state. */
static void
keep_channel_stats(OrchMod *mod, const ArtsModuleMetrics *mm, gint64 ts_ms)
{
  if (!mm->channels)  /* live samples of its parent only (the caller) */
    return;
  if (mod->m->channel_stats)
    g_ptr_array_unref(mod->m->channel_stats);
  mod->m->channel_stats = arts_channel_metrics_list_copy(mm->channels);
  mod->m->channel_stats_ts_ms = ts_ms;
}

int
orch_rt_lists(const OrchRtLoad *l, const char *uuid)
{
  gpointer state;
  if (!g_hash_table_lookup_extended(l->listed, uuid, NULL, &state))
    return ORCH_NOT_LISTED;
  return GPOINTER_TO_INT(state) - 1;
}

void
orch_modules_telemetry(OrchModules *mods, const ArtsTelemetry *t)
{
  if (t->replayed)
    return;
  OrchRtLoad *l = orch_rt_load(mods, t->runtime_uuid);
  l->cpu = arts_telemetry_get(t, ARTS_METRIC_CPU_UTIL);
  double avail = arts_telemetry_get(t, ARTS_METRIC_MEM_AVAIL);
  l->mem_avail = isfinite(avail) ? (gint64)avail : -1;
  l->promised = 0;
  l->fresh = t->timestamp_ms >= mods->started_ms;
  g_hash_table_remove_all(l->listed);
  for (guint i = 0; i < t->modules->len; i++) {
    const ArtsModuleMetrics *mm = t->modules->pdata[i];
    g_hash_table_insert(l->listed, g_strdup(mm->module_uuid),
                        GINT_TO_POINTER((int)mm->state + 1));
    OrchMod *mod = g_hash_table_lookup(mods->mods, mm->module_uuid);
    if (mod && mod->m->parent
        && strcmp(mod->m->parent, t->runtime_uuid) != 0)
      drop_stray(mods, mod, t->runtime_uuid);
    if (!mod || !mod->m->parent
        || strcmp(mod->m->parent, t->runtime_uuid) != 0)
      continue;
    double cpu = arts_module_metrics_get(mm, ARTS_METRIC_PROC_CPU_UTIL);
    if (isfinite(cpu))
      mod->cpu = cpu;
    keep_channel_stats(mod, mm, t->timestamp_ms);
    orch_orphans_check(mods, mod, t->runtime_uuid, mm->state);
    /* A report we missed (we were restarting while it was sent): the
     * telemetry's state of a running module wins over ours. */
    if (mm->state == ARTS_MODULE_RUNNING && !mod->busy && !mod->mig
        && mod->m->status == ARTS_STATUS_ALIVE
        && mod->m->state == ARTS_MODULE_STARTING) {
      mod->m->state = ARTS_MODULE_RUNNING;
      orch_mod_changed(mods, mod);
    }
  }
  orch_overload_check(mods, t->runtime_uuid, t);
}

/* Runtimes that died while we were not running: their modules are
 * recovered like those of a runtime that dies now. */
static void
recover_at_start(OrchModules *mods)
{
  g_autoptr(GHashTable) dead = g_hash_table_new(g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    const ArtsRuntime *rt = mod->m->parent
      ? orch_realm_find(mods->realm, mod->m->parent) : NULL;
    if (mod->m->status == ARTS_STATUS_ALIVE && rt
        && rt->status == ARTS_STATUS_DEAD)
      g_hash_table_add(dead, rt->uuid);
  }
  g_hash_table_iter_init(&it, dead);
  while (g_hash_table_iter_next(&it, &v, NULL))
    orch_recovery_runtime_dead(mods, v);
}

void
orch_modules_connected(OrchModules *mods)
{
  if (!mods->recovered) {
    mods->recovered = TRUE;
    recover_at_start(mods);
  }
  g_autoptr(GHashTable) programs = g_hash_table_new(g_str_hash,
                                                    g_str_equal);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    publish_module_state(mods, mod);
    if (orch_mod_live(mod) && mod->m->sha256)
      g_hash_table_add(programs, mod->m->sha256);
  }
  g_hash_table_iter_init(&it, programs);
  while (g_hash_table_iter_next(&it, &v, NULL))
    orch_mods_republish_program(mods, v);
  g_message("published %u module states and %u programs",
         g_hash_table_size(mods->mods), g_hash_table_size(programs));
}

/* Modules that ended over an hour ago leave the retained state. */
static void
forget_old(OrchModules *mods)
{
  gint64 now = g_get_monotonic_time();
  g_autoptr(GPtrArray) old = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->mods);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    OrchMod *mod = v;
    if (mod->ended_us && now - mod->ended_us > FORGET_AFTER_US && !mod->busy
        && !mod->mig)
      g_ptr_array_add(old, mod);
  }
  for (guint i = 0; i < old->len; i++) {
    OrchMod *mod = old->pdata[i];
    g_autofree char *topic = arts_topic_state(mods->realm_name,
                                              ARTS_STATE_MODULE,
                                              mod->m->uuid);
    arts_mqtt_publish(mods->mqtt, topic, "", 0, 1, TRUE, NULL, 0, NULL);
    orch_modstore_forget_module(mods->ms, mod->m->uuid, NULL);
    g_hash_table_remove(mods->mods, mod->m->uuid);
  }
}

void
orch_modules_tick(OrchModules *mods)
{
  orch_recovery_tick(mods);
  forget_old(mods);
}

/* ---- life cycle ---- */

const char *const *
orch_modules_topics(OrchModules *mods)
{
  return (const char *const *)mods->topics;
}

static void
load_modules(OrchModules *mods)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ends = NULL, gaps = NULL;
  g_autoptr(GPtrArray) list = orch_modstore_load_modules(mods->ms, &ends,
                                                         &gaps, &error);
  if (!list) {
    g_warning("modules not loaded: %s", error->message);
    return;
  }
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < list->len; i++) {
    OrchMod *mod = g_new0(OrchMod, 1);
    mod->m = list->pdata[i];
    list->pdata[i] = NULL;
    mod->out_next = g_array_index(ends, gint64, i);
    mod->out_gaps = g_array_index(gaps, gint64, i);
    if (!orch_mod_live(mod))
      mod->ended_us = now;
    mod->ckpt_us = now;
    g_hash_table_replace(mods->mods, mod->m->uuid, mod);
  }
}

OrchModules *
orch_modules_new(OrchStore *store, OrchRealm *realm, ArtsMqtt *mqtt,
                 const char *realm_name, const OrchModuleSettings *set,
                 GError **error)
{
  OrchModStore *ms = orch_modstore_new(store, error);
  if (!ms)
    return NULL;
  OrchModules *mods = g_new0(OrchModules, 1);
  mods->store = store;
  mods->ms = ms;
  mods->realm = realm;
  mods->mqtt = mqtt;
  mods->realm_name = g_strdup(realm_name);
  mods->set = *set;
  mods->started_ms = arts_now_ms();
  mods->mods = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                     mod_free);
  mods->loads = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      load_free);
  mods->pending = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                        orch_rt_pending_free);
  mods->rejected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         g_free);
  mods->waiting = g_ptr_array_new_with_free_func(
    orch_operator_waiting_free);
  mods->drains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       NULL);
  mods->dead_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          NULL);
  mods->topics[0] = arts_topic(realm_name, ARTS_TOPIC_CONTROL, NULL);
  mods->topics[1] = arts_topic(realm_name, ARTS_TOPIC_CONTROL, "+");
  mods->topics[2] = arts_topic(realm_name, ARTS_TOPIC_PROGRAM, "+");
  mods->topics[3] = arts_topic(realm_name, ARTS_TOPIC_SNAPSHOT, "+");
  mods->topics[4] = arts_topic(realm_name, ARTS_TOPIC_STDOUT, "+");
  mods->t_log = arts_topic(realm_name, ARTS_TOPIC_LOG, "orchestrator");
  mods->t_notif = arts_topic(realm_name, ARTS_TOPIC_NOTIF, NULL);
  load_modules(mods);
  /* What the runtimes were when we stopped is what we compare with. */
  g_autoptr(GPtrArray) rts = orch_realm_list(realm);
  for (guint i = 0; i < rts->len; i++) {
    const ArtsRuntime *rt = rts->pdata[i];
    g_hash_table_replace(mods->dead_seen, g_strdup(rt->uuid),
                         GINT_TO_POINTER((int)rt->status));
  }
  return mods;
}

void
orch_modules_free(OrchModules *mods)
{
  if (!mods)
    return;
  g_hash_table_destroy(mods->pending);
  g_ptr_array_unref(mods->waiting);
  g_hash_table_destroy(mods->drains);
  g_hash_table_destroy(mods->mods);
  g_hash_table_destroy(mods->loads);
  g_hash_table_destroy(mods->rejected);
  g_hash_table_destroy(mods->dead_seen);
  for (guint i = 0; i < G_N_ELEMENTS(mods->topics); i++)
    g_free(mods->topics[i]);
  g_free(mods->t_log);
  g_free(mods->t_notif);
  g_free(mods->realm_name);
  orch_modstore_free(mods->ms);
  g_free(mods);
}
