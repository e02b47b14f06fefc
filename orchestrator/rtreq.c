/* Requests to runtimes on control/{runtime}: each carries a fresh
 * object_id, the answer (runtime_resp with that object_id, from that
 * runtime's topic) or a timeout or the runtime's death calls its function
 * exactly once, never from inside orch_rt_request(). Also what such
 * requests carry: the module as a runtime sees it. */
#include "modules-private.h"

#include <string.h>

/* ---- requests to runtimes ---- */

void
orch_rt_pending_free(gpointer p)
{
  OrchRtPending *pr = p;
  g_clear_handle_id(&pr->timer, g_source_remove);
  if (pr->notify)
    pr->notify(pr->user_data);
  g_free(pr->object_id);
  g_free(pr->runtime);
  g_free(pr);
}

/* Takes PR out of the table and calls it once. */
static void
pending_finish(OrchModules *mods, OrchRtPending *pr, JsonObject *details,
               const GError *error)
{
  g_hash_table_steal(mods->pending, pr->object_id);
  g_clear_handle_id(&pr->timer, g_source_remove);
  if (pr->fn)
    pr->fn(mods, details, error, pr->user_data);
  orch_rt_pending_free(pr);
}

/* PR's timer fired: it ends with "runtime NAME" and WHY. */
static gboolean
pending_fail(OrchRtPending *pr, const char *why)
{
  pr->timer = 0;
  g_autoptr(GError) error = g_error_new(
    ARTS_ERROR, ARTS_ERROR_MQTT, "runtime %s%s",
    orch_rt_name(pr->mods, pr->runtime), why);
  pending_finish(pr->mods, pr, NULL, error);
  return G_SOURCE_REMOVE;
}

static gboolean
on_pending_timeout(gpointer user_data)
{
  return pending_fail(user_data, " did not answer in time");
}

static gboolean
fail_later(gpointer user_data)
{
  return pending_fail(user_data, ": the request could not be sent");
}

/* Sends ACTION with DATA (consumed) to RUNTIME; FN is called exactly once,
 * never from inside this call. */
gboolean
orch_rt_request(OrchModules *mods, const char *runtime, const char *action,
                JsonObject *data, guint timeout_ms, OrchRtFunc fn,
                gpointer user_data, GDestroyNotify notify)
{
  g_autoptr(JsonObject) d = data;
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(ARTS_TYPE_REQ, action,
                                                  NULL, d);
  g_autofree char *topic = arts_topic(mods->realm_name, ARTS_TOPIC_CONTROL,
                                      runtime);
  OrchRtPending *pr = g_new0(OrchRtPending, 1);
  pr->object_id = g_strdup(env->object_id);
  pr->runtime = g_strdup(runtime);
  pr->fn = fn;
  pr->user_data = user_data;
  pr->notify = notify;
  pr->mods = mods;
  g_hash_table_insert(mods->pending, pr->object_id, pr);
  g_autoptr(GError) error = NULL;
  if (arts_mqtt_publish_envelope(mods->mqtt, topic, env, FALSE, &error) < 0) {
    g_debug("%s: %s", topic, error->message);
    pr->timer = g_idle_add(fail_later, pr);
    return FALSE;
  }
  pr->timer = g_timeout_add(timeout_ms, on_pending_timeout, pr);
  return TRUE;
}

/* Every request in flight to a runtime that died fails now. */
void
orch_rt_fail_pending(OrchModules *mods, const char *runtime)
{
  g_autoptr(GPtrArray) hit = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, mods->pending);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (strcmp(((OrchRtPending *)v)->runtime, runtime) == 0)
      g_ptr_array_add(hit, v);
  for (guint i = 0; i < hit->len; i++) {
    OrchRtPending *pr = hit->pdata[i];
    g_autoptr(GError) error = g_error_new(
      ARTS_ERROR, ARTS_ERROR_NOT_FOUND, "runtime %s died",
      orch_rt_name(mods, runtime));
    pending_finish(mods, pr, NULL, error);
  }
}

/* The module as a runtime gets it: no orchestrator view. */
static ArtsModule *
mod_wire_copy(const OrchMod *mod)
{
  ArtsModule *w = arts_module_copy(mod->m);
  w->state = 0;
  w->status = ARTS_STATUS_ALIVE;
  g_clear_pointer(&w->runtime_name, g_free);
  g_clear_pointer(&w->error, g_free);
  g_clear_pointer(&w->channel_stats, g_ptr_array_unref); /* runtime counts */
  arts_constraints_clear(&w->constraints); /* placement's, not the runtime's */
  w->started_at_ms = 0;
  w->has_exit_code = FALSE;
  return w;
}

JsonObject *
orch_mod_wire(const OrchMod *mod)
{
  g_autoptr(ArtsModule) w = mod_wire_copy(mod);
  return arts_module_to_json(w);
}

JsonObject *
orch_mod_restore_wire(const OrchMod *mod, const char *runtime,
                      const char *migration)
{
  g_autoptr(ArtsModule) w = mod_wire_copy(mod);
  g_free(w->parent);
  w->parent = g_strdup(runtime);
  g_free(w->restore_migration);
  w->restore_migration = g_strdup(migration);
  w->restore_checkpoint = migration == NULL;
  return arts_module_to_json(w);
}

JsonObject *
orch_mod_simple(const OrchMod *mod, const char *key, const char *value)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "module");
  json_object_set_string_member(o, "uuid", mod->m->uuid);
  if (key)
    json_object_set_string_member(o, key, value);
  return o;
}

/* An answer on control/{RUNTIME} to one of our requests: handled. */
gboolean
orch_rt_answer(OrchModules *mods, const char *runtime,
               const ArtsEnvelope *env)
{
  OrchRtPending *pr = g_hash_table_lookup(mods->pending, env->object_id);
  if (!pr || strcmp(pr->runtime, runtime) != 0)
    return FALSE;
  g_autoptr(GError) error = NULL;
  JsonObject *details = NULL;
  if (arts_response_check(env, &details, &error))
    pending_finish(mods, pr, details, NULL);
  else
    pending_finish(mods, pr, NULL, error);
  return TRUE;
}
