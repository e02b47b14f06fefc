/* Module messages of issue 4 besides the module itself: module_state
 * reports, answer details, the modules and logs query answers. The same
 * rules as arts-protocol.c: all input is hostile, nothing of it is kept. */
#include <string.h>
#include "arts-error.h"
#include "arts-ids.h"
#include "arts-modules.h"
#include "arts-protocol-private.h"

/* ------------------------------------------------------------------ */
/* module_state                                                        */

ArtsModuleUpdate *arts_module_update_new(const char *uuid,
                                         ArtsModuleState state) {
  ArtsModuleUpdate *u = g_new0(ArtsModuleUpdate, 1);
  u->uuid = g_strdup(uuid);
  u->state = state;
  u->stdout_offset = -1;
  u->ts_ms = arts_now_ms();
  return u;
}

void arts_module_update_free(ArtsModuleUpdate *u) {
  if (!u)
    return;
  g_free(u->uuid);
  g_free(u->name);
  g_free(u->error);
  g_free(u->migration);
  g_free(u);
}

static const char *const update_fields[] = {
  "type", "uuid", "name", "state", "exit_code", "error", "resumed_at",
  "migration", "stdout_offset", "ts", NULL
};

ArtsModuleUpdate *arts_module_update_from_json(JsonObject *o,
                                               GError **error) {
  const char *path = "data";
  g_autoptr(ArtsModuleUpdate) u = arts_module_update_new(NULL, 0);
  u->ts_ms = 0;
  if (!arts_json_check_fields(o, path, update_fields, error) ||
      !arts_json_check_type(o, path, "module_state", TRUE, error) ||
      !arts_json_get_uuid(o, path, "uuid", TRUE, &u->uuid, error) ||
      !arts_json_get_string_len(o, path, "name", FALSE, 1, 255, &u->name,
                                error) ||
      !arts_json_get_module_state(o, path, "state", TRUE, &u->state, error) ||
      !arts_json_get_exit_code(o, path, "exit_code", &u->has_exit_code,
                               &u->exit_code, error) ||
      !arts_json_get_string_len(o, path, "error", FALSE, 0, 4096, &u->error,
                                error) ||
      !arts_json_get_int(o, path, "resumed_at", FALSE, 0, G_MAXINT64,
                         &u->resumed_at_ms, error) ||
      !arts_json_get_token(o, path, "migration", FALSE, &u->migration,
                           error) ||
      !arts_json_get_int(o, path, "stdout_offset", FALSE, 0, G_MAXINT64,
                         &u->stdout_offset, error) ||
      !arts_json_get_int(o, path, "ts", FALSE, 0, G_MAXINT64, &u->ts_ms,
                         error))
    return NULL;
  return g_steal_pointer(&u);
}

JsonObject *arts_module_update_to_json(const ArtsModuleUpdate *u) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "module_state");
  json_object_set_string_member(o, "uuid", u->uuid ? u->uuid : "");
  if (u->name)
    json_object_set_string_member(o, "name", u->name);
  json_object_set_string_member(o, "state",
                                arts_module_state_to_string(u->state));
  if (u->has_exit_code)
    json_object_set_int_member(o, "exit_code", u->exit_code);
  if (u->error)
    json_object_set_string_member(o, "error", u->error);
  if (u->resumed_at_ms > 0)
    json_object_set_int_member(o, "resumed_at", u->resumed_at_ms);
  if (u->migration)
    json_object_set_string_member(o, "migration", u->migration);
  if (u->stdout_offset >= 0)
    json_object_set_int_member(o, "stdout_offset", u->stdout_offset);
  if (u->ts_ms > 0)
    json_object_set_int_member(o, "ts", u->ts_ms);
  return o;
}

/* ------------------------------------------------------------------ */
/* Control answers                                                     */

ArtsControlResult *arts_control_result_new(void) {
  ArtsControlResult *r = g_new0(ArtsControlResult, 1);
  r->snapshot_bytes = -1;
  r->stdout_offset = -1;
  return r;
}

void arts_control_result_free(ArtsControlResult *r) {
  if (!r)
    return;
  g_free(r->uuid);
  g_free(r->name);
  g_free(r->error);
  g_free(r);
}

static const char *const control_result_fields[] = {
  "uuid", "name", "started_at", "error", "ready", "state", "exit_code",
  "paused_at", "snapshot_bytes", "stdout_offset", NULL
};

ArtsControlResult *arts_control_result_from_json(JsonObject *o,
                                                 const char *path,
                                                 GError **error) {
  g_autoptr(ArtsControlResult) r = arts_control_result_new();
  if (!arts_json_check_fields(o, path, control_result_fields, error) ||
      !arts_json_get_uuid(o, path, "uuid", FALSE, &r->uuid, error) ||
      !arts_json_get_string_len(o, path, "name", FALSE, 1, 255, &r->name,
                                error) ||
      !arts_json_get_int(o, path, "started_at", FALSE, 0, G_MAXINT64,
                         &r->started_at_ms, error) ||
      !arts_json_get_string_len(o, path, "error", FALSE, 0, 4096, &r->error,
                                error) ||
      !arts_json_get_bool(o, path, "ready", FALSE, &r->ready, error) ||
      !arts_json_get_module_state(o, path, "state", FALSE, &r->state,
                                  error) ||
      !arts_json_get_exit_code(o, path, "exit_code", &r->has_exit_code,
                               &r->exit_code, error) ||
      !arts_json_get_int(o, path, "paused_at", FALSE, 0, G_MAXINT64,
                         &r->paused_at_ms, error) ||
      !arts_json_get_int(o, path, "snapshot_bytes", FALSE, 0, G_MAXINT64,
                         &r->snapshot_bytes, error) ||
      !arts_json_get_int(o, path, "stdout_offset", FALSE, 0, G_MAXINT64,
                         &r->stdout_offset, error))
    return NULL;
  return g_steal_pointer(&r);
}

JsonObject *arts_control_result_to_json(const ArtsControlResult *r) {
  JsonObject *o = json_object_new();
  if (r->uuid)
    json_object_set_string_member(o, "uuid", r->uuid);
  if (r->name)
    json_object_set_string_member(o, "name", r->name);
  if (r->started_at_ms > 0)
    json_object_set_int_member(o, "started_at", r->started_at_ms);
  if (r->error)
    json_object_set_string_member(o, "error", r->error);
  if (r->ready)
    json_object_set_boolean_member(o, "ready", TRUE);
  if (r->state)
    json_object_set_string_member(o, "state",
                                  arts_module_state_to_string(r->state));
  /* A delete's answer says "exit_code": null for a module that was
   * stopped rather than exited. */
  if (r->has_exit_code)
    json_object_set_int_member(o, "exit_code", r->exit_code);
  else if (r->state == ARTS_MODULE_EXITED)
    json_object_set_null_member(o, "exit_code");
  if (r->paused_at_ms > 0)
    json_object_set_int_member(o, "paused_at", r->paused_at_ms);
  if (r->snapshot_bytes >= 0)
    json_object_set_int_member(o, "snapshot_bytes", r->snapshot_bytes);
  if (r->stdout_offset >= 0)
    json_object_set_int_member(o, "stdout_offset", r->stdout_offset);
  return o;
}

/* ------------------------------------------------------------------ */
/* Migration result                                                    */

ArtsMigration *arts_migration_new(const char *module, const char *source,
                                  const char *target) {
  ArtsMigration *m = g_new0(ArtsMigration, 1);
  m->module = g_strdup(module);
  m->source = g_strdup(source);
  m->target = g_strdup(target);
  return m;
}

void arts_migration_free(ArtsMigration *m) {
  if (!m)
    return;
  g_free(m->module);
  g_free(m->source);
  g_free(m->target);
  g_free(m->migration);
  g_free(m->reason);
  g_free(m);
}

static const char *const migration_fields[] = {
  "module", "source", "target", "downtime_ms", "total_ms", "migration",
  "reason", NULL
};

ArtsMigration *arts_migration_from_json(JsonObject *o, const char *path,
                                        GError **error) {
  g_autoptr(ArtsMigration) m = arts_migration_new(NULL, NULL, NULL);
  if (!arts_json_check_fields(o, path, migration_fields, error) ||
      !arts_json_get_uuid(o, path, "module", TRUE, &m->module, error) ||
      !arts_json_get_uuid(o, path, "source", TRUE, &m->source, error) ||
      !arts_json_get_uuid(o, path, "target", TRUE, &m->target, error) ||
      !arts_json_get_int(o, path, "downtime_ms", TRUE, 0, G_MAXINT64,
                         &m->downtime_ms, error) ||
      !arts_json_get_int(o, path, "total_ms", TRUE, 0, G_MAXINT64,
                         &m->total_ms, error) ||
      !arts_json_get_token(o, path, "migration", FALSE, &m->migration,
                           error) ||
      !arts_json_get_string_len(o, path, "reason", FALSE, 1, 32, &m->reason,
                                error))
    return NULL;
  if (m->downtime_ms > m->total_ms) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "downtime_ms",
                     "larger than total_ms");
    return NULL;
  }
  if (!arts_is_word(m->reason ? m->reason : "x", 32)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "reason",
                     "expected a word of a-z, 0-9 and _");
    return NULL;
  }
  return g_steal_pointer(&m);
}

JsonObject *arts_migration_to_json(const ArtsMigration *m) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "module", m->module ? m->module : "");
  json_object_set_string_member(o, "source", m->source ? m->source : "");
  json_object_set_string_member(o, "target", m->target ? m->target : "");
  json_object_set_int_member(o, "downtime_ms", m->downtime_ms);
  json_object_set_int_member(o, "total_ms", m->total_ms);
  if (m->migration)
    json_object_set_string_member(o, "migration", m->migration);
  if (m->reason)
    json_object_set_string_member(o, "reason", m->reason);
  return o;
}

/* ------------------------------------------------------------------ */
/* Logs answer                                                         */

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* GLib's decoder skips what it does not know; ours refuses it, so that a
 * mangled answer is an error rather than quietly different bytes. */
GBytes *arts_base64_decode_strict(const char *s, GError **error) {
  gsize n = strlen(s);
  if (n % 4) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "base64: length %" G_GSIZE_FORMAT " is not a multiple of 4",
                n);
    return NULL;
  }
  gsize pad = 0;
  if (n >= 4 && s[n - 1] == '=')
    pad = s[n - 2] == '=' ? 2 : 1;
  GByteArray *out = g_byte_array_sized_new((guint)(n / 4 * 3));
  for (gsize i = 0; i < n; i += 4) {
    guint32 acc = 0;
    gboolean last = i + 4 == n;
    for (gsize j = 0; j < 4; j++) {
      char c = s[i + j];
      int v = b64_value(c);
      if (v < 0 && !(last && c == '=' && j >= 4 - pad)) {
        g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                    "base64: bad character at %" G_GSIZE_FORMAT, i + j);
        g_byte_array_unref(out);
        return NULL;
      }
      acc = (acc << 6) | (guint32)(v < 0 ? 0 : v);
    }
    guint8 b[3] = { (guint8)(acc >> 16), (guint8)(acc >> 8), (guint8)acc };
    gsize keep = last ? 3 - pad : 3;
    /* Bits below the last byte must be zero (canonical encoding). */
    if ((last && pad == 1 && b[2]) || (last && pad == 2 && (b[1] || b[2]))) {
      g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                          "base64: not canonical (bits after the end)");
      g_byte_array_unref(out);
      return NULL;
    }
    g_byte_array_append(out, b, (guint)keep);
  }
  return g_byte_array_free_to_bytes(out);
}

ArtsLogChunk *arts_log_chunk_new(const char *module, gint64 start_offset,
                                 const void *data, gsize len) {
  ArtsLogChunk *c = g_new0(ArtsLogChunk, 1);
  c->module = g_strdup(module);
  c->start_offset = start_offset;
  c->end_offset = start_offset + (gint64)len;
  c->data = g_bytes_new(len ? data : NULL, len);
  return c;
}

void arts_log_chunk_free(ArtsLogChunk *c) {
  if (!c)
    return;
  g_free(c->module);
  g_bytes_unref(c->data);
  g_free(c);
}

static const char *const log_chunk_fields[] = {
  "module", "start_offset", "data_b64", "end_offset", "more", NULL
};

ArtsLogChunk *arts_log_chunk_from_json(JsonObject *o, const char *path,
                                       GError **error) {
  g_autofree char *module = NULL, *b64 = NULL;
  gint64 start = 0, end = 0;
  gboolean more = FALSE;
  if (!arts_json_check_fields(o, path, log_chunk_fields, error) ||
      !arts_json_get_uuid(o, path, "module", TRUE, &module, error) ||
      !arts_json_get_int(o, path, "start_offset", TRUE, 0, G_MAXINT64, &start,
                         error) ||
      !arts_json_get_string(o, path, "data_b64", TRUE, &b64, error) ||
      !arts_json_get_int(o, path, "end_offset", TRUE, 0, G_MAXINT64, &end,
                         error) ||
      !arts_json_get_bool(o, path, "more", FALSE, &more, error))
    return NULL;
  GError *local = NULL;
  g_autoptr(GBytes) data = arts_base64_decode_strict(b64, &local);
  if (!data) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "data_b64",
                     local->message);
    g_error_free(local);
    return NULL;
  }
  gsize len = g_bytes_get_size(data);
  if (len > ARTS_MAX_LOG_CHUNK || start > G_MAXINT64 - (gint64)len ||
      end != start + (gint64)len) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "end_offset",
                     "does not equal start_offset + the data's length");
    return NULL;
  }
  ArtsLogChunk *c = g_new0(ArtsLogChunk, 1);
  c->module = g_steal_pointer(&module);
  c->start_offset = start;
  c->end_offset = end;
  c->data = g_steal_pointer(&data);
  c->more = more;
  return c;
}

JsonObject *arts_log_chunk_to_json(const ArtsLogChunk *c) {
  JsonObject *o = json_object_new();
  gsize len;
  const guint8 *d = g_bytes_get_data(c->data, &len);
  g_autofree char *b64 = len ? g_base64_encode(d, len) : g_strdup("");
  json_object_set_string_member(o, "module", c->module ? c->module : "");
  json_object_set_int_member(o, "start_offset", c->start_offset);
  json_object_set_string_member(o, "data_b64", b64);
  json_object_set_int_member(o, "end_offset", c->start_offset + (gint64)len);
  if (c->more)
    json_object_set_boolean_member(o, "more", TRUE);
  return o;
}

/* ------------------------------------------------------------------ */
/* Modules answer                                                      */

static const char *const module_list_fields[] = { "modules", NULL };

GPtrArray *arts_module_list_from_json(JsonObject *o, const char *path,
                                      GError **error) {
  JsonArray *a;
  if (!arts_json_check_fields(o, path, module_list_fields, error) ||
      !arts_json_get_array(o, path, "modules", TRUE, &a, error))
    return NULL;
  g_autoptr(GPtrArray) list =
      g_ptr_array_new_with_free_func((GDestroyNotify)arts_module_free);
  guint len = json_array_get_length(a);
  for (guint i = 0; i < len; i++) {
    g_autofree char *ep = g_strdup_printf("%s.modules[%u]", path, i);
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_OBJECT(e)) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "%s: expected an object", ep);
      return NULL;
    }
    ArtsModule *m = arts_module_from_json_at(json_node_get_object(e), ep,
                                             error);
    if (!m)
      return NULL;
    g_ptr_array_add(list, m);
  }
  return g_steal_pointer(&list);
}

JsonObject *arts_module_list_to_json(GPtrArray *modules) {
  JsonObject *o = json_object_new();
  JsonArray *a = json_array_new();
  for (guint i = 0; modules && i < modules->len; i++)
    json_array_add_object_element(
        a, arts_module_to_json(g_ptr_array_index(modules, i)));
  json_object_set_array_member(o, "modules", a);
  return o;
}
