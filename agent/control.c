/* Decoding of control/{runtime_uuid} requests (see control.h). */
#include <string.h>
#include "control.h"

void agent_control_free(AgentControl *c)
{
  if (!c)
    return;
  g_clear_pointer(&c->module, arts_module_free);
  g_free(c->restore_migration);
  g_free(c->reason);
  g_free(c->migration);
  g_free(c->target);
  g_free(c);
}

/* An id that is safe in a user property and a log line. */
static gboolean control_id_ok(const char *s)
{
  gsize n = strlen(s);

  if (n == 0 || n > AGENT_CONTROL_ID_MAX)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum(*s) && !strchr("-_.:", *s))
      return FALSE;
  return TRUE;
}

/* The common decoder checked resources (docs/protocol.md); what is left
 * is this runtime's own bound. */
static gboolean control_resources(AgentControl *c, GError **error)
{
  const ArtsModule *am = c->module;

  if ((guint64)am->max_memory > AGENT_CONTROL_MEMORY_MAX) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.resources.max_memory: more than the %" G_GUINT64_FORMAT
                " bytes a WebAssembly memory can hold",
                AGENT_CONTROL_MEMORY_MAX);
    return FALSE;
  }
  c->max_memory = (guint64)am->max_memory;
  c->fuel = (guint64)am->fuel;
  return TRUE;
}

static gboolean control_restore(AgentControl *c, JsonObject *restore,
                                GError **error)
{
  static const char *const fields[] = { "migration", "checkpoint", NULL };
  gboolean checkpoint = FALSE;

  if (!arts_json_check_fields(restore, "data.restore", fields, error) ||
      !arts_json_get_string(restore, "data.restore", "migration", FALSE,
                            &c->restore_migration, error) ||
      !arts_json_get_bool(restore, "data.restore", "checkpoint", FALSE,
                          &checkpoint, error))
    return FALSE;
  if (c->restore_migration && !control_id_ok(c->restore_migration)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.restore.migration: expected 1-%d characters of "
                "A-Z a-z 0-9 - _ . :", AGENT_CONTROL_ID_MAX);
    return FALSE;
  }
  if (!c->restore_migration && !checkpoint) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.restore: expected \"migration\" or \"checkpoint\": "
                "true");
    return FALSE;
  }
  c->restore = TRUE;
  return TRUE;
}

/* Module requests are module objects plus a few fields of their own: those
 * are taken out of a copy, the rest goes through the common decoder. */
static JsonObject *control_split(JsonObject *data, const char *const *own)
{
  JsonObject *rest = json_object_new();
  GList *members = json_object_get_members(data);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains(own, l->data))
      json_object_set_member(rest, l->data,
                             json_node_copy(json_object_get_member(data,
                                                                   l->data)));
  g_list_free(members);
  return rest;
}

static gboolean control_create(AgentControl *c, JsonObject *data,
                               GError **error)
{
  static const char *const own[] = { "restore", NULL };
  JsonObject *restore = NULL;
  g_autoptr(JsonObject) rest = control_split(data, own);

  if (!arts_json_get_object(data, "data", "restore", FALSE, &restore, error))
    return FALSE;
  c->module = arts_module_from_json(rest, error);
  if (!c->module)
    return FALSE;
  if (restore && !control_restore(c, restore, error))
    return FALSE;
  if (!c->module->sha256 && !c->module->filename) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.sha256: required (or data.filename of a program this "
                "runtime has)");
    return FALSE;
  }
  if (c->module->filetype && !g_str_equal(c->module->filetype, "WA")) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.filetype: this runtime runs only \"WA\" programs");
    return FALSE;
  }
  return control_resources(c, error);
}

static gboolean control_needs_module(AgentControl *c, GError **error)
{
  if (!c->module->uuid && !c->module->name) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.uuid: required (or data.name)");
    return FALSE;
  }
  return TRUE;
}

static gboolean control_delete(AgentControl *c, JsonObject *data,
                               GError **error)
{
  static const char *const own[] = { "reason", NULL };
  g_autoptr(JsonObject) rest = control_split(data, own);

  if (!arts_json_get_string(data, "data", "reason", FALSE, &c->reason,
                            error))
    return FALSE;
  c->module = arts_module_from_json(rest, error);
  return c->module && control_needs_module(c, error);
}

/* migrate, resume, checkpoint: only the fields they use. */
static gboolean control_simple(AgentControl *c, JsonObject *data,
                               GError **error)
{
  static const char *const fields[] = { "type", "uuid", "name", NULL };
  static const char *const migrate_fields[] = {
    "type", "uuid", "name", "migration", "target", NULL
  };
  gboolean migrate = c->action == AGENT_CONTROL_MIGRATE;

  c->module = arts_module_new();
  if (!arts_json_check_fields(data, "data", migrate ? migrate_fields : fields,
                              error) ||
      !arts_json_get_string(data, "data", "uuid", FALSE, &c->module->uuid,
                            error) ||
      !arts_json_get_string(data, "data", "name", FALSE, &c->module->name,
                            error) ||
      !control_needs_module(c, error))
    return FALSE;
  if (!migrate)
    return TRUE;
  if (!arts_json_get_string(data, "data", "migration", TRUE, &c->migration,
                            error) ||
      !arts_json_get_string(data, "data", "target", FALSE, &c->target,
                            error))
    return FALSE;
  if (!control_id_ok(c->migration)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.migration: expected 1-%d characters of "
                "A-Z a-z 0-9 - _ . :", AGENT_CONTROL_ID_MAX);
    return FALSE;
  }
  return TRUE;
}

static gboolean control_action(const char *action, AgentControlAction *out)
{
  static const char *const names[] = {
    [AGENT_CONTROL_CREATE] = "create",
    [AGENT_CONTROL_DELETE] = "delete",
    [AGENT_CONTROL_MIGRATE] = "migrate",
    [AGENT_CONTROL_RESUME] = "resume",
    [AGENT_CONTROL_CHECKPOINT] = "checkpoint",
  };

  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    if (g_str_equal(action, names[i])) {
      *out = (AgentControlAction)i;
      return TRUE;
    }
  return FALSE;
}

AgentControl *agent_control_parse(const ArtsEnvelope *env, GError **error)
{
  g_autoptr(AgentControl) c = g_new0(AgentControl, 1);
  const char *type = arts_envelope_data_type(env);
  gboolean ok;

  if (env->type != ARTS_TYPE_REQ) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "type: expected \"arts_req\"");
    return NULL;
  }
  if (!control_action(env->action, &c->action)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "action: \"%s\" is not one of create, delete, migrate, "
                "resume, checkpoint", env->action);
    return NULL;
  }
  if (!type || !g_str_equal(type, "module")) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "data.type: expected \"module\"");
    return NULL;
  }
  switch (c->action) {
  case AGENT_CONTROL_CREATE:
    ok = control_create(c, env->data, error);
    break;
  case AGENT_CONTROL_DELETE:
    ok = control_delete(c, env->data, error);
    break;
  default:
    ok = control_simple(c, env->data, error);
    break;
  }
  return ok ? g_steal_pointer(&c) : NULL;
}
