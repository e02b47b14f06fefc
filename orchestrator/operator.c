/* Operator requests on control (create, delete, migrate, and ARTS's
 * delete with send_to_runtime) and the programs they name (program/+).
 * Everything is checked before anything changes; a refused request is
 * answered with why and changes nothing (docs/orchestrator.md,
 * "Modules"). */
#include "modules-private.h"

#include <string.h>

#define CREATE_TIMEOUT_MS 15000   /* the runtime may have to fetch bytes */
#define STOP_TIMEOUT_MS 3000      /* a stop takes under 1 s */
#define PROGRAM_WAIT_MS 3000      /* create sent just before its bytes */

/* ---- programs ---- */

typedef struct {
  char *topic;
  ArtsEnvelope *req;
  ArtsModule *m;
  char *on;                 /* runtime uuid, or NULL */
  guint timer;
} WaitingCreate;

void
orch_operator_waiting_free(gpointer p)
{
  WaitingCreate *w = p;
  g_clear_handle_id(&w->timer, g_source_remove);
  g_free(w->topic);
  arts_envelope_free(w->req);
  arts_module_free(w->m);
  g_free(w->on);
  g_free(w);
}

static void create_placed(OrchModules *mods, const char *topic,
                          const ArtsEnvelope *req, ArtsModule *m,
                          const char *on);

static void
program_arrived(OrchModules *mods, const char *sha256, const GError *bad)
{
  for (guint i = 0; i < mods->waiting->len;) {
    WaitingCreate *w = mods->waiting->pdata[i];
    if (strcmp(w->m->sha256, sha256) != 0) {
      i++;
      continue;
    }
    g_ptr_array_steal_index(mods->waiting, i);
    g_clear_handle_id(&w->timer, g_source_remove);
    if (bad) {
      g_autoptr(GError) e = g_error_new(
        ARTS_ERROR, ARTS_ERROR_FIELD, "program %s: %s", sha256, bad->message);
      orch_mods_answer(mods, w->topic, w->req, NULL, e);
    } else {
      create_placed(mods, w->topic, w->req, g_steal_pointer(&w->m), w->on);
    }
    orch_operator_waiting_free(w);
  }
}

void
orch_programs_handle(OrchModules *mods, const char *topic, const char *sha,
                     const guint8 *payload, gsize len)
{
  g_autoptr(GError) error = NULL;
  if (len == 0)
    return;    /* a retained program cleared */
  if (!arts_sha256_is_valid(sha)) {
    orch_mods_log(mods, topic, NULL, "program topic: \"%s\" is not a "
                  "lower-case hex SHA-256", sha);
    return;
  }
  if (orch_modstore_has_program(mods->ms, sha))
    return;
  if (!arts_program_check(sha, payload, len, &error)) {
    orch_mods_log(mods, topic, NULL, "program dropped: %s", error->message);
    g_hash_table_replace(mods->rejected, g_strdup(sha),
                         g_strdup(error->message));
    program_arrived(mods, sha, error);
    return;
  }
  g_autoptr(GBytes) b = g_bytes_new(payload, len);
  if (!orch_modstore_save_program(mods->ms, sha, b, &error)) {
    orch_mods_log(mods, topic, NULL, "program not stored: %s",
                  error->message);
    program_arrived(mods, sha, error);
    return;
  }
  g_hash_table_remove(mods->rejected, sha);
  g_message("program %s stored (%" G_GSIZE_FORMAT " bytes)", sha, len);
  program_arrived(mods, sha, NULL);
}

void
orch_mods_republish_program(OrchModules *mods, const char *sha256)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) b = orch_modstore_load_program(mods->ms, sha256, &error);
  if (!b)
    return;
  g_autofree char *topic = arts_topic(mods->realm_name, ARTS_TOPIC_PROGRAM,
                                      sha256);
  gsize len;
  const void *data = g_bytes_get_data(b, &len);
  if (arts_mqtt_publish(mods->mqtt, topic, data, len, 1, TRUE, NULL, 0,
                        &error) < 0)
    g_debug("program %s not republished: %s", sha256, error->message);
}

/* ---- create ---- */

/* An operator's request on TOPIC about module UUID, answered when the
 * work it started ends. */
typedef struct {
  char *uuid;
  char *topic;
  ArtsEnvelope *req;
} OpCtx;

static OpCtx *
op_ctx_new(const OrchMod *mod, const char *topic, const ArtsEnvelope *req)
{
  OpCtx *c = g_new0(OpCtx, 1);
  c->uuid = g_strdup(mod->m->uuid);
  c->topic = g_strdup(topic);
  c->req = arts_envelope_copy(req);
  return c;
}

static void
op_ctx_free(gpointer p)
{
  OpCtx *c = p;
  g_free(c->uuid);
  g_free(c->topic);
  arts_envelope_free(c->req);
  g_free(c);
}

/* The module a runtime's answer is about, no longer busy; NULL when it is
 * gone meanwhile. */
static OrchMod *
answered_mod(OrchModules *mods, const OpCtx *c)
{
  OrchMod *mod = g_hash_table_lookup(mods->mods, c->uuid);
  if (mod)
    mod->busy = FALSE;
  return mod;
}

static void
on_created(OrchModules *mods, JsonObject *details, const GError *error,
           gpointer user_data)
{
  OpCtx *c = user_data;
  OrchMod *mod = answered_mod(mods, c);
  if (!mod)
    return;
  if (error) {
    /* Nothing changed: the module never existed. */
    g_autoptr(GError) e = g_error_new(
      ARTS_ERROR, error->domain == ARTS_ERROR ? error->code : ARTS_ERROR_IO,
      "runtime %s: %s", orch_rt_name(mods, mod->m->parent), error->message);
    orch_rt_load(mods, mod->m->parent)->promised -= mod->m->max_memory;
    g_autofree char *topic = arts_topic_state(mods->realm_name,
                                              ARTS_STATE_MODULE, c->uuid);
    arts_mqtt_publish(mods->mqtt, topic, "", 0, 1, TRUE, NULL, 0, NULL);
    orch_modstore_forget_module(mods->ms, c->uuid, NULL);
    g_hash_table_remove(mods->mods, c->uuid);
    orch_mods_answer(mods, c->topic, c->req, NULL, e);
    return;
  }
  if (mod->m->state == ARTS_MODULE_STARTING)
    mod->m->state = ARTS_MODULE_RUNNING;
  orch_mod_changed(mods, mod);
  orch_mod_event(mods, orch_mod_event_new(mod, ARTS_EVENT_MODULE_STARTED,
                                          "operator"));
  g_autoptr(JsonObject) out = arts_module_to_json(mod->m);
  orch_mods_answer(mods, c->topic, c->req, out, NULL);
}

/* The program is there (or not needed): place, store, send. */
static void
create_placed(OrchModules *mods, const char *topic, const ArtsEnvelope *req,
              ArtsModule *m, const char *on)
{
  g_autoptr(ArtsModule) owned = m;
  g_autoptr(GError) error = NULL;
  const char *rt = orch_mods_place(mods, m, on, NULL, 0, 0, &error);
  if (!rt) {
    orch_mods_answer(mods, topic, req, NULL, error);
    return;
  }
  OrchMod *mod = g_new0(OrchMod, 1);
  mod->m = g_steal_pointer(&owned);
  g_free(mod->m->parent);
  mod->m->parent = g_strdup(rt);
  mod->m->status = ARTS_STATUS_ALIVE;
  mod->m->state = ARTS_MODULE_STARTING;
  mod->m->started_at_ms = arts_now_ms();
  mod->busy = TRUE;
  mod->ckpt_us = g_get_monotonic_time();
  g_hash_table_replace(mods->mods, mod->m->uuid, mod);
  orch_mod_changed(mods, mod);
  OpCtx *c = op_ctx_new(mod, topic, req);
  orch_rt_request(mods, rt, "create", orch_mod_wire(mod), CREATE_TIMEOUT_MS,
                  on_created, c, op_ctx_free);
}

static void waiting_dropped(OrchModules *mods, WaitingCreate *w);

static gboolean
on_program_wait_over(gpointer user_data)
{
  OrchModules *mods = ((gpointer *)user_data)[0];
  WaitingCreate *w = ((gpointer *)user_data)[1];
  w->timer = 0;
  guint i;
  if (g_ptr_array_find(mods->waiting, w, &i))
    g_ptr_array_steal_index(mods->waiting, i);
  waiting_dropped(mods, w);
  orch_operator_waiting_free(w);
  return G_SOURCE_REMOVE;
}

/* What a create asks for, checked: a new module (uuid and name free), a
 * runtime that exists, a program we have or will have shortly. */
static ArtsModule *
create_check(OrchModules *mods, const ArtsEnvelope *req, char **on,
             GError **error)
{
  g_autoptr(ArtsModule) m = arts_module_from_json(req->data, error);
  if (!m)
    return NULL;
  if (m->state || m->migration || m->restore_migration
      || m->restore_checkpoint || m->send_to_runtime) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data: a create states the module, not its state, "
                "migration or restore");
    return NULL;
  }
  if (!m->sha256 && !m->filename) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.sha256: required (or data.filename of a program the "
                "runtimes have)");
    return NULL;
  }
  if (!m->name) {
    g_autofree char *base = m->filename ? g_path_get_basename(m->filename)
                                        : g_strdup("module");
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
      *dot = '\0';
    m->name = g_strdup(base);
  }
  if (m->uuid && g_hash_table_lookup(mods->mods, m->uuid)) {
    OrchMod *old = g_hash_table_lookup(mods->mods, m->uuid);
    if (orch_mod_live(old)) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                  "data.uuid: module %s exists (\"%s\")", m->uuid,
                  old->m->name);
      return NULL;
    }
  }
  OrchMod *same = orch_mod_find(mods, m->name);
  if (same && orch_mod_live(same) && strcmp(same->m->name, m->name) == 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "data.name: a module named \"%s\" is running (%s)", m->name,
                same->m->uuid);
    return NULL;
  }
  if (m->parent) {
    const ArtsRuntime *rt = orch_realm_find(mods->realm, m->parent);
    if (!rt) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                  "data.parent: no runtime has the uuid or name \"%s\"",
                  m->parent);
      return NULL;
    }
    *on = g_strdup(rt->uuid);
  }
  if (m->sha256) {
    const char *why = g_hash_table_lookup(mods->rejected, m->sha256);
    if (why && !orch_modstore_has_program(mods->ms, m->sha256)) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD, "program %s: %s",
                  m->sha256, why);
      return NULL;
    }
  }
  if (!m->uuid)
    m->uuid = arts_uuid_new();
  if (!m->apis || !m->apis[0]) {
    g_strfreev(m->apis);
    m->apis = g_strsplit("wasm wasi", " ", -1);
  }
  return g_steal_pointer(&m);
}

static void
handle_create(OrchModules *mods, const char *topic, const ArtsEnvelope *req)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *on = NULL;
  ArtsModule *m = create_check(mods, req, &on, &error);
  if (!m) {
    orch_mods_answer(mods, topic, req, NULL, error);
    return;
  }
  if (!m->sha256 || orch_modstore_has_program(mods->ms, m->sha256)) {
    create_placed(mods, topic, req, m, on);
    return;
  }
  /* The bytes are published just before the create; give them a moment,
   * on another topic they may come second. */
  WaitingCreate *w = g_new0(WaitingCreate, 1);
  w->topic = g_strdup(topic);
  w->req = arts_envelope_copy(req);
  w->m = m;
  w->on = g_steal_pointer(&on);
  g_ptr_array_add(mods->waiting, w);
  gpointer *pair = g_new(gpointer, 2);
  pair[0] = mods;
  pair[1] = w;
  w->timer = g_timeout_add_full(G_PRIORITY_DEFAULT, PROGRAM_WAIT_MS,
                                on_program_wait_over, pair, g_free);
}

/* The waiting create whose program did not come: answered, dropped. */
static void
waiting_dropped(OrchModules *mods, WaitingCreate *w)
{
  if (!w->req)
    return;
  g_autoptr(GError) e = g_error_new(
    ARTS_ERROR, ARTS_ERROR_NOT_FOUND, "program %s: not found (publish its "
    "bytes on program/%s first)", w->m->sha256, w->m->sha256);
  orch_mods_answer(mods, w->topic, w->req, NULL, e);
}

/* ---- delete (stop) ---- */

static void
on_stopped(OrchModules *mods, JsonObject *details, const GError *error,
           gpointer user_data)
{
  OpCtx *c = user_data;
  OrchMod *mod = answered_mod(mods, c);
  if (!mod)
    return;
  mod->stopping = FALSE;
  g_autoptr(ArtsControlResult) r = NULL;
  if (details)
    r = arts_control_result_from_json(details, "data.details", NULL);
  /* A runtime that has no such module has stopped it too; one that did
   * not answer has not. */
  if (error && g_error_matches(error, ARTS_ERROR, ARTS_ERROR_MQTT)) {
    orch_mods_answer(mods, c->topic, c->req, NULL, error);
    return;
  }
  mod->m->status = ARTS_STATUS_DEAD;
  if (!arts_module_state_is_final(mod->m->state))
    mod->m->state = ARTS_MODULE_EXITED;
  if (r && r->has_exit_code) {
    mod->m->has_exit_code = TRUE;
    mod->m->exit_code = r->exit_code;
  }
  orch_mod_changed(mods, mod);
  orch_mod_event(mods, orch_mod_event_new(mod, ARTS_EVENT_MODULE_STOPPED,
                                          "operator"));
  g_autoptr(JsonObject) out = arts_module_to_json(mod->m);
  orch_mods_answer(mods, c->topic, c->req, out, NULL);
}

static OrchMod *
find_or_fail(OrchModules *mods, const ArtsModule *m, GError **error)
{
  const char *key = m->uuid ? m->uuid : m->name;
  if (!key) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.uuid: required (or data.name)");
    return NULL;
  }
  OrchMod *mod = orch_mod_find(mods, key);
  if (!mod)
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.%s: no module has the %s \"%s\"",
                m->uuid ? "uuid" : "name", m->uuid ? "uuid" : "name", key);
  return mod;
}

static void handle_migrate(OrchModules *mods, const char *topic,
                           const ArtsEnvelope *req, OrchMod *mod,
                           const char *target);

static void
handle_delete(OrchModules *mods, const char *topic, const ArtsEnvelope *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsModule) m = arts_module_from_json(req->data, &error);
  OrchMod *mod = m ? find_or_fail(mods, m, &error) : NULL;
  if (!mod) {
    orch_mods_answer(mods, topic, req, NULL, error);
    return;
  }
  if (m->send_to_runtime) {
    handle_migrate(mods, topic, req, mod, m->send_to_runtime);
    return;
  }
  if (mod->mig || mod->busy) {
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "module %s is %s; try again in a moment", mod->m->name,
                mod->mig ? "migrating" : "starting or restarting");
    orch_mods_answer(mods, topic, req, NULL, error);
    return;
  }
  const ArtsRuntime *rt = mod->m->parent
    ? orch_realm_find(mods->realm, mod->m->parent) : NULL;
  if (mod->m->status != ARTS_STATUS_ALIVE || !rt
      || rt->status != ARTS_STATUS_ALIVE) {
    /* Ended, or waiting for its runtime: nothing runs to stop. */
    gboolean was_live = orch_mod_live(mod);
    mod->m->status = ARTS_STATUS_DEAD;
    if (!arts_module_state_is_final(mod->m->state))
      mod->m->state = ARTS_MODULE_EXITED;
    orch_mod_changed(mods, mod);
    if (was_live)
      orch_mod_event(mods, orch_mod_event_new(
        mod, ARTS_EVENT_MODULE_STOPPED, "operator"));
    g_autoptr(JsonObject) out = arts_module_to_json(mod->m);
    orch_mods_answer(mods, topic, req, out, NULL);
    return;
  }
  mod->busy = TRUE;
  mod->stopping = TRUE;
  OpCtx *c = op_ctx_new(mod, topic, req);
  orch_rt_request(mods, mod->m->parent, "delete",
                  orch_mod_simple(mod, NULL, NULL), STOP_TIMEOUT_MS,
                  on_stopped, c, op_ctx_free);
}

/* ---- migrate (operator) ---- */

static void
on_operator_migrated(OrchModules *mods, OrchMod *mod,
                     const ArtsMigration *result, const GError *error,
                     gpointer user_data)
{
  OpCtx *c = user_data;
  g_autoptr(JsonObject) out = result ? arts_migration_to_json(result) : NULL;
  orch_mods_answer(mods, c->topic, c->req, out, error);
  op_ctx_free(c);
}

static void
handle_migrate(OrchModules *mods, const char *topic, const ArtsEnvelope *req,
               OrchMod *mod, const char *target)
{
  g_autoptr(GError) error = NULL;
  const ArtsRuntime *rt = target ? orch_realm_find(mods->realm, target)
                                 : NULL;
  if (!target)
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.target: required (the runtime to move to)");
  else if (!rt)
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.target: no runtime has the uuid or name \"%s\"",
                target);
  if (error) {
    orch_mods_answer(mods, topic, req, NULL, error);
    return;
  }
  orch_migration_start(mods, mod, rt->uuid, "operator", on_operator_migrated,
                       op_ctx_new(mod, topic, req));
}

static void
handle_migrate_req(OrchModules *mods, const char *topic,
                   const ArtsEnvelope *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsModule) m = arts_module_from_json(req->data, &error);
  OrchMod *mod = m ? find_or_fail(mods, m, &error) : NULL;
  if (!mod) {
    orch_mods_answer(mods, topic, req, NULL, error);
    return;
  }
  handle_migrate(mods, topic, req, mod,
                 m->target ? m->target : m->send_to_runtime);
}

void
orch_operator_control(OrchModules *mods, const char *topic,
                      const guint8 *payload, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse((const char *)payload,
                                                    len, &error);
  if (!env) {
    g_autofree char *oid = NULL, *action = NULL;
    if (arts_envelope_peek((const char *)payload, len, &oid, &action)) {
      g_autoptr(ArtsEnvelope) resp = arts_response_error_for(
        oid, action, ARTS_TYPE_RESP, error);
      orch_mods_publish(mods, topic, resp, FALSE);
    } else {
      orch_mods_log(mods, topic, NULL, "%s", error->message);
    }
    return;
  }
  if (env->type != ARTS_TYPE_REQ)
    return;   /* answers, ours among them */
  const char *type = arts_envelope_data_type(env);
  if (!type || strcmp(type, "module") != 0) {
    g_set_error(&error, ARTS_ERROR, type ? ARTS_ERROR_UNKNOWN
                                         : ARTS_ERROR_FIELD,
                "data.type: expected \"module\"%s%s%s",
                type ? ", not \"" : "", type ? type : "", type ? "\"" : "");
    orch_mods_answer(mods, topic, env, NULL, error);
    return;
  }
  if (strcmp(env->action, "create") == 0)
    handle_create(mods, topic, env);
  else if (strcmp(env->action, "delete") == 0)
    handle_delete(mods, topic, env);
  else if (strcmp(env->action, "migrate") == 0)
    handle_migrate_req(mods, topic, env);
  else {
    g_set_error(&error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "action: unknown action \"%s\" on control (expected create, "
                "delete or migrate)", env->action);
    orch_mods_answer(mods, topic, env, NULL, error);
  }
}

