/* Protocol types <-> JSON. Everything here may see hostile input from the
 * network: every field is checked before use, errors name it by its path,
 * and nothing of the input is kept (decoders copy what they keep). */
#include <math.h>
#include <string.h>
#include "arts-channel.h"
#include "arts-error.h"
#include "arts-ids.h"
#include "arts-protocol.h"
#include "arts-protocol-private.h"

/* ------------------------------------------------------------------ */
/* JSON helpers                                                        */

char *arts_field_path(const char *path, const char *field) {
  if (!path || !*path)
    return g_strdup(field);
  return g_strdup_printf("%s.%s", path, field);
}

void arts_field_error(GError **error, int code, const char *path,
                      const char *field, const char *what) {
  g_autofree char *fp = arts_field_path(path, field);
  g_set_error(error, ARTS_ERROR, code, "%s: %s", fp, what);
}

/* The member, or NULL when absent (and, unless REQUIRED, when null). Sets
 * *ok = FALSE with an error when a required field is missing. */
static JsonNode *member(JsonObject *o, const char *path, const char *field,
                        gboolean required, const char *expected,
                        gboolean *ok, GError **error) {
  JsonNode *n = json_object_get_member(o, field);
  *ok = TRUE;
  if (!n) {
    if (required) {
      arts_field_error(error, ARTS_ERROR_FIELD, path, field, "missing");
      *ok = FALSE;
    }
    return NULL;
  }
  if (JSON_NODE_HOLDS_NULL(n)) {
    if (required) {
      arts_field_error(error, ARTS_ERROR_FIELD, path, field, expected);
      *ok = FALSE;
    }
    return NULL;
  }
  return n;
}

static gboolean node_is(JsonNode *n, GType t) {
  return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == t;
}

gboolean arts_json_get_string(JsonObject *o, const char *path,
                              const char *field, gboolean required,
                              char **out, GError **error) {
  gboolean ok;
  *out = NULL;
  JsonNode *n = member(o, path, field, required, "expected a string", &ok,
                       error);
  if (!n)
    return ok;
  if (!node_is(n, G_TYPE_STRING)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field, "expected a string");
    return FALSE;
  }
  *out = g_strdup(json_node_get_string(n));
  return TRUE;
}

gboolean arts_json_get_int(JsonObject *o, const char *path, const char *field,
                           gboolean required, gint64 min, gint64 max,
                           gint64 *out, GError **error) {
  gboolean ok;
  JsonNode *n = member(o, path, field, required, "expected an integer", &ok,
                       error);
  if (!n)
    return ok;
  if (!node_is(n, G_TYPE_INT64)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected an integer");
    return FALSE;
  }
  gint64 v = json_node_get_int(n);
  if (v < min || v > max) {
    g_autofree char *what = g_strdup_printf(
        "%" G_GINT64_FORMAT " out of range (%" G_GINT64_FORMAT "..%"
        G_GINT64_FORMAT ")", v, min, max);
    arts_field_error(error, ARTS_ERROR_FIELD, path, field, what);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

gboolean arts_json_get_double(JsonObject *o, const char *path,
                              const char *field, gboolean required,
                              double *out, GError **error) {
  gboolean ok;
  JsonNode *n = member(o, path, field, required, "expected a number", &ok,
                       error);
  if (!n)
    return ok;
  double v;
  if (node_is(n, G_TYPE_INT64))
    v = (double)json_node_get_int(n);
  else if (node_is(n, G_TYPE_DOUBLE))
    v = json_node_get_double(n);
  else {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field, "expected a number");
    return FALSE;
  }
  if (!isfinite(v)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected a finite number");
    return FALSE;
  }
  *out = v;
  return TRUE;
}

gboolean arts_json_get_bool(JsonObject *o, const char *path,
                            const char *field, gboolean required,
                            gboolean *out, GError **error) {
  gboolean ok;
  JsonNode *n = member(o, path, field, required, "expected a boolean", &ok,
                       error);
  if (!n)
    return ok;
  if (!node_is(n, G_TYPE_BOOLEAN)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected a boolean");
    return FALSE;
  }
  *out = json_node_get_boolean(n);
  return TRUE;
}

gboolean arts_json_get_object(JsonObject *o, const char *path,
                              const char *field, gboolean required,
                              JsonObject **out, GError **error) {
  gboolean ok;
  *out = NULL;
  JsonNode *n = member(o, path, field, required, "expected an object", &ok,
                       error);
  if (!n)
    return ok;
  if (!JSON_NODE_HOLDS_OBJECT(n)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected an object");
    return FALSE;
  }
  *out = json_node_get_object(n);
  return TRUE;
}

gboolean arts_json_get_array(JsonObject *o, const char *path,
                             const char *field, gboolean required,
                             JsonArray **out, GError **error) {
  gboolean ok;
  *out = NULL;
  JsonNode *n = member(o, path, field, required, "expected an array", &ok,
                       error);
  if (!n)
    return ok;
  if (!JSON_NODE_HOLDS_ARRAY(n)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field, "expected an array");
    return FALSE;
  }
  *out = json_node_get_array(n);
  return TRUE;
}

/* An array of strings; with SPLIT_STRING also the ARTS habit of one
 * space-separated string ("wasi:snapshot_preview1 wasi:unstable"). */
static gboolean get_strv(JsonObject *o, const char *path, const char *field,
                         gboolean required, gboolean split_string,
                         GStrv *out, GError **error) {
  gboolean ok;
  *out = NULL;
  JsonNode *n = member(o, path, field, required, "expected an array of strings",
                       &ok, error);
  if (!n)
    return ok;
  if (split_string && node_is(n, G_TYPE_STRING)) {
    g_auto(GStrv) parts = g_strsplit_set(json_node_get_string(n), " \t\n", -1);
    GPtrArray *v = g_ptr_array_new();
    for (guint i = 0; parts[i]; i++)
      if (*parts[i])
        g_ptr_array_add(v, g_strdup(parts[i]));
    g_ptr_array_add(v, NULL);
    *out = (GStrv)g_ptr_array_free(v, FALSE);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_ARRAY(n)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected an array of strings");
    return FALSE;
  }
  JsonArray *a = json_node_get_array(n);
  guint len = json_array_get_length(a);
  GStrv v = g_new0(char *, len + 1);
  for (guint i = 0; i < len; i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!node_is(e, G_TYPE_STRING)) {
      g_autofree char *ep = g_strdup_printf("%s[%u]", field, i);
      arts_field_error(error, ARTS_ERROR_FIELD, path, ep, "expected a string");
      g_strfreev(v);
      return FALSE;
    }
    v[i] = g_strdup(json_node_get_string(e));
  }
  *out = v;
  return TRUE;
}

gboolean arts_json_get_strv(JsonObject *o, const char *path,
                            const char *field, gboolean required, GStrv *out,
                            GError **error) {
  return get_strv(o, path, field, required, FALSE, out, error);
}

gboolean arts_json_check_fields(JsonObject *o, const char *path,
                                const char *const *known, GError **error) {
  GList *members = json_object_get_members(o);
  gboolean ok = TRUE;
  for (GList *l = members; l && ok; l = l->next) {
    if (!g_strv_contains(known, l->data)) {
      /* The name is the sender's: keep the message short and printable. */
      g_autofree char *name = g_utf8_make_valid(l->data, -1);
      if (g_utf8_strlen(name, -1) > 64)
        *g_utf8_offset_to_pointer(name, 64) = '\0';
      arts_field_error(error, ARTS_ERROR_UNKNOWN, path, name, "unknown field");
      ok = FALSE;
    }
  }
  g_list_free(members);
  return ok;
}

/* A string field that must also satisfy a length limit. */
gboolean arts_json_get_string_len(JsonObject *o, const char *path,
                                  const char *field, gboolean required,
                                  gsize min, gsize max, char **out,
                                  GError **error) {
  if (!arts_json_get_string(o, path, field, required, out, error))
    return FALSE;
  if (*out) {
    gsize n = strlen(*out);
    if (n < min || n > max) {
      g_autofree char *what = g_strdup_printf(
          "expected %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT " bytes, got %"
          G_GSIZE_FORMAT, min, max, n);
      arts_field_error(error, ARTS_ERROR_FIELD, path, field, what);
      g_clear_pointer(out, g_free);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean arts_json_get_uuid(JsonObject *o, const char *path,
                            const char *field, gboolean required, char **out,
                            GError **error) {
  if (!arts_json_get_string(o, path, field, required, out, error))
    return FALSE;
  if (*out && !arts_uuid_is_valid(*out)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field, "expected a uuid");
    g_clear_pointer(out, g_free);
    return FALSE;
  }
  if (*out)
    for (char *p = *out; *p; p++)
      *p = g_ascii_tolower(*p);
  return TRUE;
}

/* A lower-case word of [a-z0-9_]: actions, event names. */
gboolean arts_is_word(const char *s, gsize max) {
  gsize n = 0;
  for (; s[n]; n++)
    if (!g_ascii_islower(s[n]) && !g_ascii_isdigit(s[n]) && s[n] != '_')
      return FALSE;
  return n >= 1 && n <= max;
}

/* data.type, when present, must be EXPECTED. */
gboolean arts_json_check_type(JsonObject *o, const char *path,
                              const char *expected, gboolean required,
                              GError **error) {
  g_autofree char *t = NULL;
  if (!arts_json_get_string(o, path, "type", required, &t, error))
    return FALSE;
  if (t && !g_str_equal(t, expected)) {
    g_autofree char *what = g_strdup_printf("expected \"%s\"", expected);
    arts_field_error(error, ARTS_ERROR_FIELD, path, "type", what);
    return FALSE;
  }
  return TRUE;
}

gboolean arts_json_get_ref(JsonObject *o, const char *path, const char *field,
                           gboolean required, char **out, GError **error) {
  if (!arts_json_get_string_len(o, path, field, required, 1, 255, out, error))
    return FALSE;
  if (!*out)
    return TRUE;
  if (arts_uuid_is_valid(*out)) {
    for (char *p = *out; *p; p++)
      *p = g_ascii_tolower(*p);
    return TRUE;
  }
  for (const char *p = *out; *p; p++) {
    if ((guchar)*p < 0x20 || *p == 0x7f) {
      arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                       "expected a uuid or a name without control "
                       "characters");
      g_clear_pointer(out, g_free);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean arts_token_is_valid(const char *s) {
  gsize n = 0;
  if (!s)
    return FALSE;
  for (; s[n]; n++)
    if (!g_ascii_isalnum(s[n]) && !strchr("_-.:", s[n]))
      return FALSE;
  return n >= 1 && n <= 128;
}

gboolean arts_json_get_token(JsonObject *o, const char *path,
                             const char *field, gboolean required, char **out,
                             GError **error) {
  if (!arts_json_get_string(o, path, field, required, out, error))
    return FALSE;
  if (*out && !arts_token_is_valid(*out)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected 1..128 of A-Z a-z 0-9 _ - . :");
    g_clear_pointer(out, g_free);
    return FALSE;
  }
  return TRUE;
}

gboolean arts_json_get_exit_code(JsonObject *o, const char *path,
                                 const char *field, gboolean *has,
                                 gint64 *out, GError **error) {
  gint64 v = G_MININT64;
  if (!arts_json_get_int(o, path, field, FALSE, G_MININT32, G_MAXUINT32, &v,
                         error))
    return FALSE;
  *has = v != G_MININT64;
  if (*has)
    *out = v;
  return TRUE;
}

gboolean arts_json_get_module_state(JsonObject *o, const char *path,
                                    const char *field, gboolean required,
                                    ArtsModuleState *out, GError **error) {
  g_autofree char *s = NULL;
  if (!arts_json_get_string(o, path, field, required, &s, error))
    return FALSE;
  if (s && !arts_module_state_from_string(s, out)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected one of \"starting\", \"running\", "
                     "\"paused\", \"migrating\", \"exited\", \"failed\"");
    return FALSE;
  }
  return TRUE;
}

static gboolean get_status(JsonObject *o, const char *path, ArtsStatus *out,
                           GError **error) {
  g_autofree char *s = NULL;
  if (!arts_json_get_string(o, path, "status", FALSE, &s, error))
    return FALSE;
  if (s && !arts_status_from_string(s, out)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "status",
                     "expected one of \"A\", \"D\", \"E\", \"K\"");
    return FALSE;
  }
  return TRUE;
}

JsonNode *arts_json_deep_copy(JsonNode *node) {
  if (!node)
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT(node)) {
    JsonObject *src = json_node_get_object(node), *dst = json_object_new();
    GList *members = json_object_get_members(src);
    for (GList *l = members; l; l = l->next)
      json_object_set_member(dst, l->data, arts_json_deep_copy(
          json_object_get_member(src, l->data)));
    g_list_free(members);
    JsonNode *n = json_node_init_object(json_node_alloc(), dst);
    json_object_unref(dst);
    return n;
  }
  if (JSON_NODE_HOLDS_ARRAY(node)) {
    JsonArray *src = json_node_get_array(node), *dst = json_array_new();
    guint len = json_array_get_length(src);
    for (guint i = 0; i < len; i++)
      json_array_add_element(dst, arts_json_deep_copy(
          json_array_get_element(src, i)));
    JsonNode *n = json_node_init_array(json_node_alloc(), dst);
    json_array_unref(dst);
    return n;
  }
  /* Values and null: json_node_copy() copies the GValue itself. */
  return json_node_copy(node);
}

char *arts_json_to_string(JsonNode *node, gsize *len) {
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, node);
  return json_generator_to_data(gen, len);
}

char *arts_json_object_to_string(JsonObject *o, gsize *len) {
  g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), o);
  return arts_json_to_string(n, len);
}

/* json-glib turns a lone surrogate escape ("\udc00") into invalid UTF-8:
 * every string and member name is checked once after parsing, so nothing
 * downstream (SQLite, the generator, GTK) ever sees one. Depth is bounded
 * by precheck(). */
static gboolean tree_is_utf8(JsonNode *n) {
  if (JSON_NODE_HOLDS_OBJECT(n)) {
    JsonObject *o = json_node_get_object(n);
    GList *members = json_object_get_members(o);
    gboolean ok = TRUE;
    for (GList *l = members; l && ok; l = l->next)
      ok = g_utf8_validate(l->data, -1, NULL) &&
           tree_is_utf8(json_object_get_member(o, l->data));
    g_list_free(members);
    return ok;
  }
  if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *a = json_node_get_array(n);
    guint len = json_array_get_length(a);
    for (guint i = 0; i < len; i++)
      if (!tree_is_utf8(json_array_get_element(a, i)))
        return FALSE;
    return TRUE;
  }
  if (node_is(n, G_TYPE_STRING))
    return g_utf8_validate(json_node_get_string(n), -1, NULL);
  return TRUE;
}

/* Refuses what json-glib should never see: oversized payloads, NUL bytes,
 * invalid UTF-8 and nesting deep enough to exhaust its recursion. */
static gboolean precheck(const char *payload, gsize len, GError **error) {
  if (len > ARTS_MAX_PAYLOAD) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                "payload too large: %" G_GSIZE_FORMAT " bytes (limit %d)", len,
                ARTS_MAX_PAYLOAD);
    return FALSE;
  }
  if (len == 0 || !payload) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_PARSE, "empty payload");
    return FALSE;
  }
  if (memchr(payload, '\0', len)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                        "payload contains a NUL byte");
    return FALSE;
  }
  if (!g_utf8_validate_len(payload, len, NULL)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                        "payload is not valid UTF-8");
    return FALSE;
  }
  int depth = 0;
  gboolean in_str = FALSE, esc = FALSE;
  for (gsize i = 0; i < len; i++) {
    char c = payload[i];
    if (in_str) {
      if (esc) {
        esc = FALSE;
        /* json-glib would cut the string at an escaped NUL. */
        if (c == 'u' && i + 4 < len && memcmp(payload + i + 1, "0000", 4) == 0) {
          g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                              "payload contains an escaped NUL (\\u0000)");
          return FALSE;
        }
      } else if (c == '\\') {
        esc = TRUE;
      } else if (c == '"') {
        in_str = FALSE;
      }
    } else if (c == '"') {
      in_str = TRUE;
    } else if (c == '{' || c == '[') {
      if (++depth > ARTS_MAX_DEPTH) {
        g_set_error(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                    "payload nested deeper than %d levels", ARTS_MAX_DEPTH);
        return FALSE;
      }
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return TRUE;
}

JsonObject *arts_json_parse_object(const char *payload, gsize len,
                                   GError **error) {
  if (!precheck(payload, len, error))
    return NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) err = NULL;
  if (!json_parser_load_from_data(parser, payload, (gssize)len, &err)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_PARSE, "not JSON: %s",
                err->message);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                        "payload is not a JSON object");
    return NULL;
  }
  if (!tree_is_utf8(root)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_PARSE,
                        "payload holds a \\u escape that is not valid "
                        "UTF-16 (a lone surrogate)");
    return NULL;
  }
  return json_object_ref(json_node_get_object(root));
}

/* ------------------------------------------------------------------ */
/* Envelope                                                            */

static const char *const msg_type_names[] = {
  [ARTS_TYPE_REQ] = "arts_req",
  [ARTS_TYPE_RESP] = "arts_resp",
  [ARTS_TYPE_RUNTIME_RESP] = "runtime_resp",
};

const char *arts_msg_type_to_string(ArtsMsgType type) {
  if ((guint)type >= G_N_ELEMENTS(msg_type_names))
    return "arts_req";
  return msg_type_names[type];
}

gboolean arts_msg_type_from_string(const char *s, ArtsMsgType *out) {
  if (!s)
    return FALSE;
  if (g_str_equal(s, "arts_req") || g_str_equal(s, "req"))
    *out = ARTS_TYPE_REQ;
  else if (g_str_equal(s, "arts_resp") || g_str_equal(s, "resp"))
    *out = ARTS_TYPE_RESP;
  else if (g_str_equal(s, "runtime_resp"))
    *out = ARTS_TYPE_RUNTIME_RESP;
  else
    return FALSE;
  return TRUE;
}

ArtsEnvelope *arts_envelope_new(ArtsMsgType type, const char *action,
                                const char *object_id, JsonObject *data) {
  ArtsEnvelope *env = g_new0(ArtsEnvelope, 1);
  env->object_id = object_id ? g_strdup(object_id) : arts_uuid_new();
  env->action = g_strdup(action ? action : "update");
  env->type = type;
  env->data = data ? json_object_ref(data) : json_object_new();
  return env;
}

ArtsEnvelope *arts_envelope_copy(const ArtsEnvelope *env) {
  return arts_envelope_new(env->type, env->action, env->object_id, env->data);
}

void arts_envelope_free(ArtsEnvelope *env) {
  if (!env)
    return;
  g_free(env->object_id);
  g_free(env->action);
  if (env->data)
    json_object_unref(env->data);
  g_free(env);
}

static const char *const envelope_fields[] = {
  "object_id", "action", "type", "data", NULL
};

ArtsEnvelope *arts_envelope_parse(const char *payload, gsize len,
                                  GError **error) {
  g_autoptr(JsonObject) o = arts_json_parse_object(payload, len, error);
  if (!o)
    return NULL;
  if (!arts_json_check_fields(o, NULL, envelope_fields, error))
    return NULL;
  g_autofree char *object_id = NULL, *action = NULL, *type = NULL;
  JsonObject *data;
  ArtsMsgType t;
  if (!arts_json_get_string(o, NULL, "object_id", TRUE, &object_id, error))
    return NULL;
  if (!arts_uuid_is_valid(object_id)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "object_id: expected a uuid");
    return NULL;
  }
  if (!arts_json_get_string(o, NULL, "action", TRUE, &action, error))
    return NULL;
  if (!arts_is_word(action, 32)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "action: expected a word of a-z, 0-9 and _");
    return NULL;
  }
  if (!arts_json_get_string(o, NULL, "type", TRUE, &type, error))
    return NULL;
  if (!arts_msg_type_from_string(type, &t)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                "type: unknown message type \"%s\" (expected arts_req, "
                "arts_resp or runtime_resp)", type);
    return NULL;
  }
  if (!arts_json_get_object(o, NULL, "data", TRUE, &data, error))
    return NULL;
  g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(), data);
  g_autoptr(JsonNode) copy = arts_json_deep_copy(dn);
  ArtsEnvelope *env = g_new0(ArtsEnvelope, 1);
  env->object_id = g_ascii_strdown(object_id, -1);
  env->action = g_steal_pointer(&action);
  env->type = t;
  env->data = json_node_dup_object(copy);
  return env;
}

gboolean arts_envelope_peek(const char *payload, gsize len, char **object_id,
                            char **action) {
  *object_id = NULL;
  if (action)
    *action = NULL;
  g_autoptr(JsonObject) o = arts_json_parse_object(payload, len, NULL);
  if (!o)
    return FALSE;
  g_autofree char *id = NULL;
  if (!arts_json_get_string(o, NULL, "object_id", TRUE, &id, NULL) ||
      !arts_uuid_is_valid(id))
    return FALSE;
  *object_id = g_ascii_strdown(id, -1);
  if (action) {
    g_autofree char *a = NULL;
    if (arts_json_get_string(o, NULL, "action", TRUE, &a, NULL) &&
        arts_is_word(a, 32))
      *action = g_steal_pointer(&a);
  }
  return TRUE;
}

const char *arts_envelope_data_type(const ArtsEnvelope *env) {
  JsonNode *n = json_object_get_member(env->data, "type");
  if (!n || !node_is(n, G_TYPE_STRING))
    return NULL;
  return json_node_get_string(n);
}

char *arts_envelope_to_json(const ArtsEnvelope *env, gsize *len) {
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_string_member(o, "object_id", env->object_id);
  json_object_set_string_member(o, "action", env->action);
  json_object_set_string_member(o, "type", arts_msg_type_to_string(env->type));
  json_object_set_object_member(o, "data", json_object_ref(env->data));
  return arts_json_object_to_string(o, len);
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

ArtsEnvelope *arts_response_ok(const ArtsEnvelope *req, ArtsMsgType type,
                               JsonObject *details) {
  g_autoptr(JsonObject) data = json_object_new();
  json_object_set_string_member(data, "result", "ok");
  json_object_set_object_member(
      data, "details", details ? json_object_ref(details) : json_object_new());
  return arts_envelope_new(type, req->action, req->object_id, data);
}

ArtsEnvelope *arts_response_error_for(const char *object_id,
                                      const char *action, ArtsMsgType type,
                                      const GError *error) {
  g_autoptr(JsonObject) details = json_object_new();
  json_object_set_string_member(details, "error",
                                error ? error->message : "error");
  json_object_set_string_member(
      details, "code",
      error && error->domain == ARTS_ERROR
          ? arts_error_code_to_string(error->code) : "error");
  g_autoptr(JsonObject) data = json_object_new();
  json_object_set_string_member(data, "result", "error");
  json_object_set_object_member(data, "details", g_steal_pointer(&details));
  return arts_envelope_new(type, action ? action : "error", object_id, data);
}

ArtsEnvelope *arts_response_error(const ArtsEnvelope *req, ArtsMsgType type,
                                  const GError *error) {
  return arts_response_error_for(req->object_id, req->action, type, error);
}

static const char *const response_fields[] = { "result", "details", NULL };

gboolean arts_response_check(const ArtsEnvelope *resp, JsonObject **details,
                             GError **error) {
  g_autofree char *result = NULL;
  if (details)
    *details = NULL;
  if (!arts_json_check_fields(resp->data, "data", response_fields, error) ||
      !arts_json_get_string(resp->data, "data", "result", TRUE, &result,
                            error))
    return FALSE;
  if (g_str_equal(result, "ok")) {
    JsonObject *d;
    if (!arts_json_get_object(resp->data, "data", "details", FALSE, &d,
                              error))
      return FALSE;
    if (details)
      *details = d;
    return TRUE;
  }
  if (!g_str_equal(result, "error")) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "data.result: expected \"ok\" or \"error\"");
    return FALSE;
  }
  /* Older ARTS answers carry the message as a plain string. */
  JsonNode *dn = json_object_get_member(resp->data, "details");
  if (dn && node_is(dn, G_TYPE_STRING)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                        json_node_get_string(dn));
    return FALSE;
  }
  JsonObject *d;
  g_autofree char *msg = NULL, *code = NULL;
  GError *local = NULL;
  /* Extra fields in an error's details are tolerated: the message matters
   * more than the sender's strictness. */
  if (!arts_json_get_object(resp->data, "data", "details", TRUE, &d, &local) ||
      !arts_json_get_string(d, "data.details", "error", TRUE, &msg, &local) ||
      !arts_json_get_string(d, "data.details", "code", FALSE, &code, &local)) {
    g_propagate_error(error, local);
    return FALSE;
  }
  ArtsErrorCode c;
  if (!arts_error_code_from_string(code, &c))
    c = ARTS_ERROR_UNKNOWN;
  g_set_error_literal(error, ARTS_ERROR, c, msg);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Status letters                                                      */

const char *arts_status_to_string(ArtsStatus s) {
  switch (s) {
  case ARTS_STATUS_ALIVE: return "A";
  case ARTS_STATUS_DEAD: return "D";
  case ARTS_STATUS_EXITING: return "E";
  case ARTS_STATUS_KILLED: return "K";
  }
  return "?";
}

gboolean arts_status_from_string(const char *s, ArtsStatus *out) {
  if (!s || !s[0] || s[1])
    return FALSE;
  switch (s[0]) {
  case 'A': *out = ARTS_STATUS_ALIVE; return TRUE;
  case 'D': *out = ARTS_STATUS_DEAD; return TRUE;
  case 'E': *out = ARTS_STATUS_EXITING; return TRUE;
  case 'K': *out = ARTS_STATUS_KILLED; return TRUE;
  default: return FALSE;
  }
}

/* ------------------------------------------------------------------ */
/* Module states                                                       */

static const char *const module_state_names[] = {
  [ARTS_MODULE_STARTING] = "starting",
  [ARTS_MODULE_RUNNING] = "running",
  [ARTS_MODULE_PAUSED] = "paused",
  [ARTS_MODULE_MIGRATING] = "migrating",
  [ARTS_MODULE_EXITED] = "exited",
  [ARTS_MODULE_FAILED] = "failed",
};

const char *arts_module_state_to_string(ArtsModuleState s) {
  if ((guint)s == 0 || (guint)s >= G_N_ELEMENTS(module_state_names))
    return "unknown";
  return module_state_names[s];
}

gboolean arts_module_state_from_string(const char *s, ArtsModuleState *out) {
  if (!s)
    return FALSE;
  for (guint i = 1; i < G_N_ELEMENTS(module_state_names); i++) {
    if (g_str_equal(s, module_state_names[i])) {
      *out = (ArtsModuleState)i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean arts_module_state_is_final(ArtsModuleState s) {
  return s == ARTS_MODULE_EXITED || s == ARTS_MODULE_FAILED;
}

ArtsStatus arts_module_state_status(ArtsModuleState s) {
  if (s == 0)
    return 0;
  return arts_module_state_is_final(s) ? ARTS_STATUS_EXITING
                                       : ARTS_STATUS_ALIVE;
}

/* ------------------------------------------------------------------ */
/* Platform and runtime                                                */

void arts_platform_clear(ArtsPlatform *p) {
  g_clear_pointer(&p->arch, g_free);
  g_clear_pointer(&p->machine, g_free);
  g_clear_pointer(&p->os, g_free);
  g_clear_pointer(&p->os_release, g_free);
  g_clear_pointer(&p->hostname, g_free);
  p->cpu_cores = 0;
  p->memory_total = 0;
  p->byte_order = ARTS_BYTE_ORDER_UNKNOWN;
  p->word_size = 0;
}

void arts_platform_copy(ArtsPlatform *dst, const ArtsPlatform *src) {
  dst->arch = g_strdup(src->arch);
  dst->machine = g_strdup(src->machine);
  dst->os = g_strdup(src->os);
  dst->os_release = g_strdup(src->os_release);
  dst->hostname = g_strdup(src->hostname);
  dst->cpu_cores = src->cpu_cores;
  dst->memory_total = src->memory_total;
  dst->byte_order = src->byte_order;
  dst->word_size = src->word_size;
}

static const char *const platform_fields[] = {
  "arch", "machine", "os", "os_release", "hostname", "cpu_cores",
  "memory_total", "byte_order", "word_size", NULL
};

/* "little" or "big"; absent leaves *out unknown. */
static gboolean get_byte_order(JsonObject *o, const char *path,
                               const char *field, ArtsByteOrder *out,
                               GError **error) {
  g_autofree char *s = NULL;
  if (!arts_json_get_string(o, path, field, FALSE, &s, error))
    return FALSE;
  if (s && !arts_byte_order_from_string(s, out)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected \"little\" or \"big\"");
    return FALSE;
  }
  return TRUE;
}

/* 32 or 64 (bits of a pointer); absent leaves *out 0. */
static gboolean get_word_size(JsonObject *o, const char *path,
                              const char *field, int *out, GError **error) {
  gint64 w = 0;
  if (!arts_json_get_int(o, path, field, FALSE, 0, G_MAXINT32, &w, error))
    return FALSE;
  JsonNode *n = json_object_get_member(o, field);
  if (n && !JSON_NODE_HOLDS_NULL(n) && w != 32 && w != 64) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected 32 or 64");
    return FALSE;
  }
  *out = (int)w;
  return TRUE;
}

static gboolean platform_from_json(JsonObject *o, const char *path,
                                   ArtsPlatform *p, GError **error) {
  gint64 cores = 0, mem = 0;
  if (!arts_json_check_fields(o, path, platform_fields, error) ||
      !arts_json_get_string_len(o, path, "arch", FALSE, 0, 64, &p->arch,
                                error) ||
      !arts_json_get_string_len(o, path, "machine", FALSE, 0, 64,
                                &p->machine, error) ||
      !arts_json_get_string_len(o, path, "os", FALSE, 0, 64, &p->os, error) ||
      !arts_json_get_string_len(o, path, "os_release", FALSE, 0, 256,
                                &p->os_release, error) ||
      !arts_json_get_string_len(o, path, "hostname", FALSE, 0, 256,
                                &p->hostname, error) ||
      !arts_json_get_int(o, path, "cpu_cores", FALSE, 0, 65536, &cores,
                         error) ||
      !arts_json_get_int(o, path, "memory_total", FALSE, 0, G_MAXINT64, &mem,
                         error) ||
      !get_byte_order(o, path, "byte_order", &p->byte_order, error) ||
      !get_word_size(o, path, "word_size", &p->word_size, error))
    return FALSE;
  p->cpu_cores = (int)cores;
  p->memory_total = mem;
  return TRUE;
}

static JsonObject *platform_to_json(const ArtsPlatform *p) {
  JsonObject *o = json_object_new();
  if (p->arch)
    json_object_set_string_member(o, "arch", p->arch);
  if (p->machine)
    json_object_set_string_member(o, "machine", p->machine);
  if (p->os)
    json_object_set_string_member(o, "os", p->os);
  if (p->os_release)
    json_object_set_string_member(o, "os_release", p->os_release);
  if (p->hostname)
    json_object_set_string_member(o, "hostname", p->hostname);
  json_object_set_int_member(o, "cpu_cores", p->cpu_cores);
  json_object_set_int_member(o, "memory_total", p->memory_total);
  if (p->byte_order)
    json_object_set_string_member(o, "byte_order",
                                  arts_byte_order_to_string(p->byte_order));
  if (p->word_size)
    json_object_set_int_member(o, "word_size", p->word_size);
  return o;
}

ArtsRuntime *arts_runtime_new(void) {
  ArtsRuntime *rt = g_new0(ArtsRuntime, 1);
  rt->apis = g_new0(char *, 1);
  rt->page_size = 65536;
  rt->nmodules = -1;
  rt->drain_moved = -1;
  return rt;
}

void arts_runtime_free(ArtsRuntime *rt) {
  if (!rt)
    return;
  g_free(rt->uuid);
  g_free(rt->name);
  g_free(rt->runtime_type);
  g_strfreev(rt->apis);
  g_free(rt->aot_target);
  g_free(rt->drain_not_moved);
  arts_platform_clear(&rt->platform);
  if (rt->metadata)
    json_object_unref(rt->metadata);
  g_free(rt);
}

JsonObject *arts_json_object_copy(JsonObject *o) {
  g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), o);
  g_autoptr(JsonNode) c = arts_json_deep_copy(n);
  return json_node_dup_object(c);
}

ArtsRuntime *arts_runtime_copy(const ArtsRuntime *rt) {
  ArtsRuntime *c = g_new0(ArtsRuntime, 1);
  *c = *rt;
  c->uuid = g_strdup(rt->uuid);
  c->name = g_strdup(rt->name);
  c->runtime_type = g_strdup(rt->runtime_type);
  c->apis = g_strdupv(rt->apis);
  c->aot_target = g_strdup(rt->aot_target);
  c->drain_not_moved = g_strdup(rt->drain_not_moved);
  arts_platform_copy(&c->platform, &rt->platform);
  c->metadata = rt->metadata ? arts_json_object_copy(rt->metadata) : NULL;
  return c;
}

static const char *const runtime_fields[] = {
  "type", "uuid", "name", "runtime_type", "apis", "max_nmodules", "nmodules",
  "page_size", "aot_target", "platform", "metadata", "status", "last_seen",
  "ts", "updated_at", "ka_ts", "ka_interval_sec", "draining", "moved",
  "not_moved", NULL
};

/* The ARTS bookkeeping fields we accept but do not keep. */
static gboolean runtime_ignored(JsonObject *o, const char *path,
                                GError **error) {
  g_autofree char *updated = NULL, *ka_ts = NULL;
  gint64 ka = 0;
  return arts_json_get_string(o, path, "updated_at", FALSE, &updated, error) &&
         arts_json_get_string(o, path, "ka_ts", FALSE, &ka_ts, error) &&
         arts_json_get_int(o, path, "ka_interval_sec", FALSE, 0, G_MAXINT32,
                           &ka, error);
}

ArtsRuntime *arts_runtime_from_json_at(JsonObject *o, const char *path,
                                       GError **error) {
  g_autoptr(ArtsRuntime) rt = arts_runtime_new();
  gint64 max_n = 0, n = -1, page = 65536, last_seen = 0, ts = 0, moved = -1;
  JsonObject *platform, *metadata;
  g_strfreev(g_steal_pointer(&rt->apis));
  if (!arts_json_check_fields(o, path, runtime_fields, error) ||
      !arts_json_check_type(o, path, "runtime", FALSE, error) ||
      !arts_json_get_uuid(o, path, "uuid", TRUE, &rt->uuid, error) ||
      !arts_json_get_string_len(o, path, "name", TRUE, 1, 255, &rt->name,
                                error) ||
      !arts_json_get_string_len(o, path, "runtime_type", FALSE, 0, 64,
                                &rt->runtime_type, error) ||
      !get_strv(o, path, "apis", FALSE, TRUE, &rt->apis, error) ||
      !arts_json_get_int(o, path, "max_nmodules", FALSE, 0, 1000000, &max_n,
                         error) ||
      !arts_json_get_int(o, path, "nmodules", FALSE, 0, 1000000, &n, error) ||
      !arts_json_get_int(o, path, "page_size", FALSE, 1, G_MAXUINT32, &page,
                         error) ||
      !arts_json_get_string_len(o, path, "aot_target", FALSE, 0, 256,
                                &rt->aot_target, error) ||
      !arts_json_get_object(o, path, "platform", FALSE, &platform, error) ||
      !arts_json_get_object(o, path, "metadata", FALSE, &metadata, error) ||
      !get_status(o, path, &rt->status, error) ||
      !arts_json_get_int(o, path, "last_seen", FALSE, 0, G_MAXINT64,
                         &last_seen, error) ||
      !arts_json_get_int(o, path, "ts", FALSE, 0, G_MAXINT64, &ts, error) ||
      !arts_json_get_bool(o, path, "draining", FALSE, &rt->draining, error) ||
      !arts_json_get_int(o, path, "moved", FALSE, 0, 1000000, &moved,
                         error) ||
      !arts_json_get_string_len(o, path, "not_moved", FALSE, 0, 65536,
                                &rt->drain_not_moved, error) ||
      !runtime_ignored(o, path, error))
    return NULL;
  if (platform) {
    g_autofree char *pp = arts_field_path(path, "platform");
    if (!platform_from_json(platform, pp, &rt->platform, error))
      return NULL;
  }
  if (!rt->apis)
    rt->apis = g_new0(char *, 1);
  rt->max_nmodules = (int)max_n;
  rt->nmodules = (int)n;
  rt->drain_moved = (int)moved;
  rt->page_size = page;
  rt->last_seen_ms = last_seen;
  rt->ts_ms = ts;
  rt->metadata = metadata ? arts_json_object_copy(metadata) : NULL;
  return g_steal_pointer(&rt);
}

ArtsRuntime *arts_runtime_from_json(JsonObject *data, GError **error) {
  return arts_runtime_from_json_at(data, "data", error);
}

static JsonArray *strv_to_array(GStrv v) {
  JsonArray *a = json_array_new();
  for (guint i = 0; v && v[i]; i++)
    json_array_add_string_element(a, v[i]);
  return a;
}

JsonObject *arts_runtime_to_json(const ArtsRuntime *rt) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "runtime");
  json_object_set_string_member(o, "uuid", rt->uuid ? rt->uuid : "");
  json_object_set_string_member(o, "name", rt->name ? rt->name : "");
  if (rt->runtime_type)
    json_object_set_string_member(o, "runtime_type", rt->runtime_type);
  json_object_set_array_member(o, "apis", strv_to_array(rt->apis));
  json_object_set_int_member(o, "max_nmodules", rt->max_nmodules);
  if (rt->nmodules >= 0)
    json_object_set_int_member(o, "nmodules", rt->nmodules);
  json_object_set_int_member(o, "page_size", rt->page_size);
  if (rt->aot_target)
    json_object_set_string_member(o, "aot_target", rt->aot_target);
  else
    json_object_set_null_member(o, "aot_target");
  json_object_set_object_member(o, "platform", platform_to_json(&rt->platform));
  if (rt->metadata)
    json_object_set_object_member(o, "metadata",
                                  arts_json_object_copy(rt->metadata));
  if (rt->status)
    json_object_set_string_member(o, "status",
                                  arts_status_to_string(rt->status));
  if (rt->last_seen_ms > 0)
    json_object_set_int_member(o, "last_seen", rt->last_seen_ms);
  if (rt->ts_ms > 0)
    json_object_set_int_member(o, "ts", rt->ts_ms);
  if (rt->draining)
    json_object_set_boolean_member(o, "draining", TRUE);
  if (rt->drain_moved >= 0)
    json_object_set_int_member(o, "moved", rt->drain_moved);
  if (rt->drain_not_moved)
    json_object_set_string_member(o, "not_moved", rt->drain_not_moved);
  return o;
}

/* ------------------------------------------------------------------ */
/* Module                                                              */

ArtsModule *arts_module_new(void) {
  ArtsModule *m = g_new0(ArtsModule, 1);
  m->filetype = g_strdup("WA");
  m->fault_crash = g_strdup("ignore");
  m->apis = g_new0(char *, 1);
  m->args = g_new0(char *, 1);
  m->env = g_new0(char *, 1);
  return m;
}

void arts_module_free(ArtsModule *m) {
  if (!m)
    return;
  g_free(m->uuid);
  g_free(m->name);
  g_free(m->parent);
  g_free(m->filename);
  g_free(m->filetype);
  g_strfreev(m->apis);
  g_strfreev(m->args);
  g_strfreev(m->env);
  if (m->channels)
    json_array_unref(m->channels);
  if (m->peripherals)
    json_array_unref(m->peripherals);
  if (m->resources)
    json_node_unref(m->resources);
  g_free(m->fault_crash);
  g_free(m->sha256);
  g_free(m->fileid);
  g_free(m->send_to_runtime);
  g_free(m->target);
  g_free(m->migration);
  g_free(m->reason);
  g_free(m->restore_migration);
  g_free(m->runtime_name);
  g_free(m->error);
  if (m->channel_stats)
    g_ptr_array_unref(m->channel_stats);
  arts_constraints_clear(&m->constraints);
  g_free(m);
}

static JsonArray *array_copy(JsonArray *a) {
  g_autoptr(JsonNode) n = json_node_init_array(json_node_alloc(), a);
  g_autoptr(JsonNode) c = arts_json_deep_copy(n);
  return json_node_dup_array(c);
}

ArtsModule *arts_module_copy(const ArtsModule *m) {
  ArtsModule *c = g_new0(ArtsModule, 1);
  *c = *m;
  c->uuid = g_strdup(m->uuid);
  c->name = g_strdup(m->name);
  c->parent = g_strdup(m->parent);
  c->filename = g_strdup(m->filename);
  c->filetype = g_strdup(m->filetype);
  c->apis = g_strdupv(m->apis);
  c->args = g_strdupv(m->args);
  c->env = g_strdupv(m->env);
  c->channels = m->channels ? array_copy(m->channels) : NULL;
  c->peripherals = m->peripherals ? array_copy(m->peripherals) : NULL;
  c->resources = arts_json_deep_copy(m->resources);
  c->fault_crash = g_strdup(m->fault_crash);
  c->sha256 = g_strdup(m->sha256);
  c->fileid = g_strdup(m->fileid);
  c->send_to_runtime = g_strdup(m->send_to_runtime);
  c->target = g_strdup(m->target);
  c->migration = g_strdup(m->migration);
  c->reason = g_strdup(m->reason);
  c->restore_migration = g_strdup(m->restore_migration);
  c->runtime_name = g_strdup(m->runtime_name);
  c->error = g_strdup(m->error);
  c->channel_stats = m->channel_stats
    ? arts_channel_metrics_list_copy(m->channel_stats) : NULL;
  arts_constraints_copy(&c->constraints, &m->constraints);
  return c;
}

static const char *const module_fields[] = {
  "type", "uuid", "name", "parent", "filename", "fileid", "filetype", "apis",
  "args", "env", "channels", "peripherals", "resources", "fault_crash",
  "status", "sha256", "send_to_runtime", "updated_at", "target", "migration",
  "reason", "restore", "state", "runtime_name", "started_at", "exit_code",
  "error", "migrations", "channel_stats", "constraints", NULL
};
/* ARTS clients reserve CPU time with {"period": us, "runtime": us}: known,
 * checked, kept in the node, not enforced. */
static const char *const resources_fields[] = {
  "max_memory", "fuel", "period", "runtime", "channel_msg_max",
  "channel_queue_max", NULL
};
static const char *const restore_fields[] = {
  "migration", "checkpoint", NULL
};

static gboolean resources_from_json(JsonObject *o, const char *path,
                                    ArtsModule *m, GError **error) {
  JsonObject *r;
  gint64 period = 0, runtime = 0;
  if (!arts_json_get_object(o, path, "resources", FALSE, &r, error))
    return FALSE;
  if (!r)
    return TRUE;
  g_autofree char *rp = arts_field_path(path, "resources");
  return arts_json_check_fields(r, rp, resources_fields, error) &&
         arts_json_get_int(r, rp, "max_memory", FALSE, 0, G_MAXINT64,
                           &m->max_memory, error) &&
         arts_json_get_int(r, rp, "fuel", FALSE, 0, G_MAXINT64, &m->fuel,
                           error) &&
         arts_json_get_int(r, rp, "period", FALSE, 0, G_MAXINT64, &period,
                           error) &&
         arts_json_get_int(r, rp, "runtime", FALSE, 0, G_MAXINT64, &runtime,
                           error) &&
         arts_json_get_int(r, rp, "channel_msg_max", FALSE, 1,
                           ARTS_CHANNEL_MSG_MAX_LIMIT, &m->channel_msg_max,
                           error) &&
         arts_json_get_int(r, rp, "channel_queue_max", FALSE, 1,
                           ARTS_CHANNEL_QUEUE_MAX_LIMIT, &m->channel_queue_max,
                           error);
}

/* ---- constraints ---- */

#define MAX_CONSTRAINT_ARCHS 32

static const char *const constraints_fields[] = {
  "arch", "byte_order", "word_size", NULL
};

gboolean arts_constraints_from_json(JsonObject *o, const char *path,
                                    ArtsConstraints *c, GError **error) {
  g_auto(GStrv) arch = NULL;
  arts_constraints_clear(c);
  if (!o)
    return TRUE;
  if (!arts_json_check_fields(o, path, constraints_fields, error) ||
      !get_strv(o, path, "arch", FALSE, TRUE, &arch, error) ||
      !get_byte_order(o, path, "byte_order", &c->byte_order, error) ||
      !get_word_size(o, path, "word_size", &c->word_size, error))
    return FALSE;
  if (!arch)
    return TRUE;
  guint n = g_strv_length(arch);
  if (n == 0 || n > MAX_CONSTRAINT_ARCHS) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "arch",
                     "expected 1 to 32 architecture names");
    arts_constraints_clear(c);
    return FALSE;
  }
  /* Kept as device classes, so that "armv7l" or "amd64" mean what the
   * runtimes' classes say. */
  c->arch = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++) {
    c->arch[i] = arts_arch_class(arch[i], 0, 0);
    if (!c->arch[i] || !arts_is_word(c->arch[i], 64)) {
      g_autofree char *f = g_strdup_printf("arch[%u]", i);
      arts_field_error(error, ARTS_ERROR_FIELD, path, f,
                       "expected an architecture name (a-z, 0-9, _)");
      arts_constraints_clear(c);
      return FALSE;
    }
  }
  return TRUE;
}

JsonObject *arts_constraints_to_json(const ArtsConstraints *c) {
  JsonObject *o = json_object_new();
  if (c->arch)
    json_object_set_array_member(o, "arch", strv_to_array(c->arch));
  if (c->byte_order)
    json_object_set_string_member(o, "byte_order",
                                  arts_byte_order_to_string(c->byte_order));
  if (c->word_size)
    json_object_set_int_member(o, "word_size", c->word_size);
  return o;
}

static gboolean constraints_from_json(JsonObject *o, const char *path,
                                      ArtsModule *m, GError **error) {
  JsonObject *c;
  if (!arts_json_get_object(o, path, "constraints", FALSE, &c, error))
    return FALSE;
  g_autofree char *cp = arts_field_path(path, "constraints");
  return arts_constraints_from_json(c, cp, &m->constraints, error);
}

/* "channel_stats": {"ts": ms, "channels": [...]} (the orchestrator's
 * latest per-channel counters of the module). */
static gboolean channel_stats_from_json(JsonObject *o, const char *path,
                                        ArtsModule *m, GError **error) {
  static const char *const fields[] = { "ts", "channels", NULL };
  JsonObject *cs;
  JsonArray *a;
  if (!arts_json_get_object(o, path, "channel_stats", FALSE, &cs, error))
    return FALSE;
  if (!cs)
    return TRUE;
  g_autofree char *cp = arts_field_path(path, "channel_stats");
  if (!arts_json_check_fields(cs, cp, fields, error) ||
      !arts_json_get_int(cs, cp, "ts", TRUE, 0, G_MAXINT64,
                         &m->channel_stats_ts_ms, error) ||
      !arts_json_get_array(cs, cp, "channels", TRUE, &a, error))
    return FALSE;
  g_autofree char *ap = arts_field_path(cp, "channels");
  m->channel_stats = arts_channel_metrics_list_from_json(a, ap, error);
  return m->channel_stats != NULL;
}

/* {"migration": id} (a migration's target) or {"checkpoint": true}
 * (recovery): exactly one. */
static gboolean restore_from_json(JsonObject *o, const char *path,
                                  ArtsModule *m, GError **error) {
  JsonObject *r;
  if (!arts_json_get_object(o, path, "restore", FALSE, &r, error))
    return FALSE;
  if (!r)
    return TRUE;
  g_autofree char *rp = arts_field_path(path, "restore");
  if (!arts_json_check_fields(r, rp, restore_fields, error) ||
      !arts_json_get_token(r, rp, "migration", FALSE, &m->restore_migration,
                           error) ||
      !arts_json_get_bool(r, rp, "checkpoint", FALSE, &m->restore_checkpoint,
                          error))
    return FALSE;
  if (!m->restore_migration == !m->restore_checkpoint) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: expected {\"migration\": id} or {\"checkpoint\": true}",
                rp);
    return FALSE;
  }
  return TRUE;
}

static gboolean get_word(JsonObject *o, const char *path, const char *field,
                         char **out, GError **error) {
  if (!arts_json_get_string(o, path, field, FALSE, out, error))
    return FALSE;
  if (*out && !arts_is_word(*out, 32)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, field,
                     "expected a word of a-z, 0-9 and _");
    g_clear_pointer(out, g_free);
    return FALSE;
  }
  return TRUE;
}

/* The migration fields and what the orchestrator adds to a module: its
 * state and history. */
static gboolean module_view_from_json(JsonObject *o, const char *path,
                                      ArtsModule *m, GError **error) {
  gint64 migrations = 0;
  if (!arts_json_get_ref(o, path, "target", FALSE, &m->target, error) ||
      !arts_json_get_token(o, path, "migration", FALSE, &m->migration,
                           error) ||
      !get_word(o, path, "reason", &m->reason, error) ||
      !restore_from_json(o, path, m, error) ||
      !arts_json_get_module_state(o, path, "state", FALSE, &m->state, error) ||
      !arts_json_get_string_len(o, path, "runtime_name", FALSE, 1, 255,
                                &m->runtime_name, error) ||
      !arts_json_get_int(o, path, "started_at", FALSE, 0, G_MAXINT64,
                         &m->started_at_ms, error) ||
      !arts_json_get_exit_code(o, path, "exit_code", &m->has_exit_code,
                               &m->exit_code, error) ||
      !arts_json_get_string_len(o, path, "error", FALSE, 0, 4096, &m->error,
                                error) ||
      !arts_json_get_int(o, path, "migrations", FALSE, 0, G_MAXINT32,
                         &migrations, error))
    return FALSE;
  m->migrations = (int)migrations;
  return TRUE;
}

static gboolean is_sha256(const char *s) {
  gsize n = 0;
  for (; s[n]; n++)
    if (!g_ascii_isxdigit(s[n]))
      return FALSE;
  return n == 64;
}

/* Replaces *FIELD with a checked one-of value, keeping the default when
 * absent. */
gboolean arts_json_get_choice(JsonObject *o, const char *path,
                              const char *field, const char *const *choices,
                              char **field_value, GError **error) {
  g_autofree char *s = NULL;
  if (!arts_json_get_string(o, path, field, FALSE, &s, error))
    return FALSE;
  if (!s)
    return TRUE;
  if (!g_strv_contains(choices, s)) {
    g_autofree char *list = g_strjoinv("\", \"", (GStrv)choices);
    g_autofree char *what = g_strdup_printf("expected one of \"%s\"", list);
    arts_field_error(error, ARTS_ERROR_FIELD, path, field, what);
    return FALSE;
  }
  g_free(*field_value);
  *field_value = g_steal_pointer(&s);
  return TRUE;
}

static gboolean module_checks(ArtsModule *m, const char *path,
                              GError **error) {
  for (guint i = 0; m->env && m->env[i]; i++) {
    if (!strchr(m->env[i], '=') || m->env[i][0] == '=') {
      g_autofree char *f = g_strdup_printf("env[%u]", i);
      arts_field_error(error, ARTS_ERROR_FIELD, path, f,
                       "expected \"NAME=VALUE\"");
      return FALSE;
    }
  }
  if (m->sha256 && !is_sha256(m->sha256)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "sha256",
                     "expected 64 hexadecimal digits");
    return FALSE;
  }
  if (m->sha256)
    for (char *p = m->sha256; *p; p++)
      *p = g_ascii_tolower(*p);
  return TRUE;
}

ArtsModule *arts_module_from_json_at(JsonObject *o, const char *path,
                                     GError **error) {
  static const char *const filetypes[] = { "WA", "PY", NULL };
  static const char *const faults[] = { "ignore", "restart", NULL };
  g_autoptr(ArtsModule) m = arts_module_new();
  g_autofree char *updated = NULL;
  JsonArray *channels, *peripherals;
  g_clear_pointer(&m->apis, g_strfreev);
  g_clear_pointer(&m->args, g_strfreev);
  g_clear_pointer(&m->env, g_strfreev);
  if (!arts_json_check_fields(o, path, module_fields, error) ||
      !arts_json_check_type(o, path, "module", FALSE, error) ||
      !arts_json_get_uuid(o, path, "uuid", FALSE, &m->uuid, error) ||
      !arts_json_get_string_len(o, path, "name", FALSE, 1, 255, &m->name,
                                error) ||
      !arts_json_get_ref(o, path, "parent", FALSE, &m->parent, error) ||
      !arts_json_get_string_len(o, path, "filename", FALSE, 1, 4096,
                                &m->filename, error) ||
      !arts_json_get_string_len(o, path, "fileid", FALSE, 0, 255, &m->fileid,
                                error) ||
      !arts_json_get_choice(o, path, "filetype", filetypes, &m->filetype,
                            error) ||
      !get_strv(o, path, "apis", FALSE, TRUE, &m->apis, error) ||
      !get_strv(o, path, "args", FALSE, FALSE, &m->args, error) ||
      !get_strv(o, path, "env", FALSE, FALSE, &m->env, error) ||
      !arts_json_get_array(o, path, "channels", FALSE, &channels, error) ||
      !arts_json_get_array(o, path, "peripherals", FALSE, &peripherals,
                           error) ||
      !arts_json_get_choice(o, path, "fault_crash", faults, &m->fault_crash,
                            error) ||
      !get_status(o, path, &m->status, error) ||
      !arts_json_get_string(o, path, "sha256", FALSE, &m->sha256, error) ||
      !arts_json_get_ref(o, path, "send_to_runtime", FALSE, &m->send_to_runtime,
                error) ||
      !arts_json_get_string(o, path, "updated_at", FALSE, &updated, error) ||
      !resources_from_json(o, path, m, error) ||
      !module_view_from_json(o, path, m, error) ||
      !channel_stats_from_json(o, path, m, error) ||
      !constraints_from_json(o, path, m, error) ||
      !module_checks(m, path, error))
    return NULL;
  if (!m->apis)
    m->apis = g_new0(char *, 1);
  if (!m->args)
    m->args = g_new0(char *, 1);
  if (!m->env)
    m->env = g_new0(char *, 1);
  m->channels = channels ? array_copy(channels) : NULL;
  m->peripherals = peripherals ? array_copy(peripherals) : NULL;
  JsonNode *res = json_object_get_member(o, "resources");
  if (res && !JSON_NODE_HOLDS_NULL(res))
    m->resources = arts_json_deep_copy(res);
  return g_steal_pointer(&m);
}

ArtsModule *arts_module_from_json(JsonObject *data, GError **error) {
  return arts_module_from_json_at(data, "data", error);
}

static JsonObject *resources_to_json(const ArtsModule *m) {
  JsonObject *r = json_object_new();
  json_object_set_int_member(r, "max_memory", m->max_memory);
  json_object_set_int_member(r, "fuel", m->fuel);
  if (m->channel_msg_max)
    json_object_set_int_member(r, "channel_msg_max", m->channel_msg_max);
  if (m->channel_queue_max)
    json_object_set_int_member(r, "channel_queue_max", m->channel_queue_max);
  return r;
}

static void module_view_to_json(const ArtsModule *m, JsonObject *o) {
  if (m->target)
    json_object_set_string_member(o, "target", m->target);
  if (m->migration)
    json_object_set_string_member(o, "migration", m->migration);
  if (m->reason)
    json_object_set_string_member(o, "reason", m->reason);
  if (m->restore_migration || m->restore_checkpoint) {
    JsonObject *r = json_object_new();
    if (m->restore_migration)
      json_object_set_string_member(r, "migration", m->restore_migration);
    else
      json_object_set_boolean_member(r, "checkpoint", TRUE);
    json_object_set_object_member(o, "restore", r);
  }
  if (m->runtime_name)
    json_object_set_string_member(o, "runtime_name", m->runtime_name);
  if (m->started_at_ms > 0)
    json_object_set_int_member(o, "started_at", m->started_at_ms);
  if (!m->state)
    return;
  json_object_set_string_member(o, "state",
                                arts_module_state_to_string(m->state));
  if (m->has_exit_code)
    json_object_set_int_member(o, "exit_code", m->exit_code);
  else
    json_object_set_null_member(o, "exit_code");
  if (m->error)
    json_object_set_string_member(o, "error", m->error);
  else
    json_object_set_null_member(o, "error");
  json_object_set_int_member(o, "migrations", m->migrations);
}

static void channel_stats_to_json(const ArtsModule *m, JsonObject *o) {
  if (!m->channel_stats)
    return;
  JsonObject *cs = json_object_new();
  json_object_set_int_member(cs, "ts", m->channel_stats_ts_ms);
  json_object_set_array_member(
      cs, "channels", arts_channel_metrics_list_to_json(m->channel_stats));
  json_object_set_object_member(o, "channel_stats", cs);
}

JsonObject *arts_module_to_json(const ArtsModule *m) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "module");
  if (m->uuid)
    json_object_set_string_member(o, "uuid", m->uuid);
  if (m->name)
    json_object_set_string_member(o, "name", m->name);
  if (m->parent)
    json_object_set_string_member(o, "parent", m->parent);
  else
    json_object_set_null_member(o, "parent");
  if (m->filename)
    json_object_set_string_member(o, "filename", m->filename);
  if (m->fileid)
    json_object_set_string_member(o, "fileid", m->fileid);
  json_object_set_string_member(o, "filetype",
                                m->filetype ? m->filetype : "WA");
  json_object_set_array_member(o, "apis", strv_to_array(m->apis));
  json_object_set_array_member(o, "args", strv_to_array(m->args));
  json_object_set_array_member(o, "env", strv_to_array(m->env));
  json_object_set_array_member(
      o, "channels", m->channels ? array_copy(m->channels) : json_array_new());
  json_object_set_array_member(
      o, "peripherals",
      m->peripherals ? array_copy(m->peripherals) : json_array_new());
  if (m->resources)
    json_object_set_member(o, "resources", arts_json_deep_copy(m->resources));
  else if (m->max_memory || m->fuel || m->channel_msg_max ||
           m->channel_queue_max)
    json_object_set_object_member(o, "resources", resources_to_json(m));
  else
    json_object_set_null_member(o, "resources");
  json_object_set_string_member(o, "fault_crash",
                                m->fault_crash ? m->fault_crash : "ignore");
  if (m->status)
    json_object_set_string_member(o, "status",
                                  arts_status_to_string(m->status));
  if (m->sha256)
    json_object_set_string_member(o, "sha256", m->sha256);
  if (m->send_to_runtime)
    json_object_set_string_member(o, "send_to_runtime", m->send_to_runtime);
  if (!arts_constraints_is_empty(&m->constraints))
    json_object_set_object_member(o, "constraints",
                                  arts_constraints_to_json(&m->constraints));
  module_view_to_json(m, o);
  channel_stats_to_json(m, o);
  return o;
}

/* ------------------------------------------------------------------ */
/* Telemetry                                                           */

#define MAX_METRICS 512
#define MAX_MODULES 1024

static void metric_clear(gpointer p) {
  g_free(((ArtsMetric *)p)->name);
}

static GArray *metrics_new(void) {
  GArray *a = g_array_new(FALSE, TRUE, sizeof(ArtsMetric));
  g_array_set_clear_func(a, metric_clear);
  return a;
}

ArtsChannelMetrics *arts_channel_metrics_new(const char *channel,
                                             guint mode) {
  ArtsChannelMetrics *cm = g_new0(ArtsChannelMetrics, 1);
  cm->channel = g_strdup(channel);
  cm->mode = mode;
  cm->metrics = metrics_new();
  return cm;
}

void arts_channel_metrics_free(ArtsChannelMetrics *cm) {
  if (!cm)
    return;
  g_free(cm->channel);
  g_array_unref(cm->metrics);
  g_free(cm);
}

static GPtrArray *channel_list_new(void) {
  return g_ptr_array_new_with_free_func(
      (GDestroyNotify)arts_channel_metrics_free);
}

static void module_metrics_free(gpointer p) {
  ArtsModuleMetrics *mm = p;
  g_free(mm->module_uuid);
  g_free(mm->name);
  g_array_unref(mm->metrics);
  if (mm->channels)
    g_ptr_array_unref(mm->channels);
  g_free(mm);
}

ArtsTelemetry *arts_telemetry_new(const char *runtime_uuid, gint64 ts_ms,
                                  int interval_ms) {
  ArtsTelemetry *t = g_new0(ArtsTelemetry, 1);
  t->runtime_uuid = g_strdup(runtime_uuid);
  t->timestamp_ms = ts_ms;
  t->interval_ms = interval_ms;
  t->metrics = metrics_new();
  t->modules = g_ptr_array_new_with_free_func(module_metrics_free);
  return t;
}

void arts_telemetry_free(ArtsTelemetry *t) {
  if (!t)
    return;
  g_free(t->runtime_uuid);
  g_array_unref(t->metrics);
  g_ptr_array_unref(t->modules);
  g_free(t);
}

static void metrics_set(GArray *a, const char *name, double value) {
  for (guint i = 0; i < a->len; i++) {
    ArtsMetric *m = &g_array_index(a, ArtsMetric, i);
    if (g_str_equal(m->name, name)) {
      m->value = value;
      return;
    }
  }
  ArtsMetric m = { g_strdup(name), value };
  g_array_append_val(a, m);
}

void arts_telemetry_add(ArtsTelemetry *t, const char *name, double value) {
  metrics_set(t->metrics, name, value);
}

double arts_telemetry_get(const ArtsTelemetry *t, const char *name) {
  for (guint i = 0; i < t->metrics->len; i++) {
    ArtsMetric *m = &g_array_index(t->metrics, ArtsMetric, i);
    if (g_str_equal(m->name, name))
      return m->value;
  }
  return NAN;
}

static ArtsModuleMetrics *module_entry(ArtsTelemetry *t, const char *uuid) {
  for (guint i = 0; i < t->modules->len; i++) {
    ArtsModuleMetrics *mm = g_ptr_array_index(t->modules, i);
    if (g_str_equal(mm->module_uuid, uuid))
      return mm;
  }
  ArtsModuleMetrics *mm = g_new0(ArtsModuleMetrics, 1);
  mm->module_uuid = g_strdup(uuid);
  mm->metrics = metrics_new();
  g_ptr_array_add(t->modules, mm);
  return mm;
}

void arts_telemetry_add_module(ArtsTelemetry *t, const char *module_uuid,
                               const char *name, double value) {
  metrics_set(module_entry(t, module_uuid)->metrics, name, value);
}

void arts_telemetry_set_module_info(ArtsTelemetry *t, const char *module_uuid,
                                    const char *name, ArtsModuleState state) {
  ArtsModuleMetrics *mm = module_entry(t, module_uuid);
  g_free(mm->name);
  mm->name = g_strdup(name);
  mm->state = state;
}

ArtsModuleMetrics *arts_telemetry_get_module(const ArtsTelemetry *t,
                                             const char *module_uuid) {
  for (guint i = 0; i < t->modules->len; i++) {
    ArtsModuleMetrics *mm = g_ptr_array_index(t->modules, i);
    if (g_str_equal(mm->module_uuid, module_uuid))
      return mm;
  }
  return NULL;
}

double arts_module_metrics_get(const ArtsModuleMetrics *mm, const char *name) {
  for (guint i = 0; i < mm->metrics->len; i++) {
    ArtsMetric *m = &g_array_index(mm->metrics, ArtsMetric, i);
    if (g_str_equal(m->name, name))
      return m->value;
  }
  return NAN;
}

static double metrics_get(const GArray *a, const char *name) {
  for (guint i = 0; i < a->len; i++) {
    ArtsMetric *m = &g_array_index(a, ArtsMetric, i);
    if (g_str_equal(m->name, name))
      return m->value;
  }
  return NAN;
}

static ArtsChannelMetrics *channel_find(const GPtrArray *list,
                                        const char *channel) {
  for (guint i = 0; list && i < list->len; i++) {
    ArtsChannelMetrics *cm = g_ptr_array_index(list, i);
    if (g_str_equal(cm->channel, channel))
      return cm;
  }
  return NULL;
}

ArtsChannelMetrics *arts_telemetry_channel(ArtsTelemetry *t,
                                           const char *module_uuid,
                                           const char *channel, guint mode) {
  ArtsModuleMetrics *mm = module_entry(t, module_uuid);
  if (!mm->channels)
    mm->channels = channel_list_new();
  ArtsChannelMetrics *cm = channel_find(mm->channels, channel);
  if (!cm) {
    cm = arts_channel_metrics_new(channel, mode);
    g_ptr_array_add(mm->channels, cm);
  } else if (mode) {
    cm->mode = mode;
  }
  return cm;
}

const ArtsChannelMetrics *arts_module_metrics_channel(
    const ArtsModuleMetrics *mm, const char *channel) {
  return channel_find(mm->channels, channel);
}

void arts_channel_metrics_set(ArtsChannelMetrics *cm, const char *name,
                              double value) {
  metrics_set(cm->metrics, name, value);
}

double arts_channel_metrics_get(const ArtsChannelMetrics *cm,
                                const char *name) {
  return metrics_get(cm->metrics, name);
}

static void metrics_copy_into(GArray *to, const GArray *from) {
  for (guint j = 0; j < from->len; j++) {
    ArtsMetric *m = &g_array_index(from, ArtsMetric, j);
    metrics_set(to, m->name, m->value);
  }
}

GPtrArray *arts_channel_metrics_list_copy(const GPtrArray *list) {
  GPtrArray *c = channel_list_new();
  for (guint i = 0; i < list->len; i++) {
    const ArtsChannelMetrics *cm = g_ptr_array_index(list, i);
    ArtsChannelMetrics *cc = arts_channel_metrics_new(cm->channel, cm->mode);
    metrics_copy_into(cc->metrics, cm->metrics);
    g_ptr_array_add(c, cc);
  }
  return c;
}

ArtsTelemetry *arts_telemetry_copy(const ArtsTelemetry *t) {
  ArtsTelemetry *c = arts_telemetry_new(t->runtime_uuid, t->timestamp_ms,
                                        t->interval_ms);
  c->replayed = t->replayed;
  for (guint i = 0; i < t->metrics->len; i++) {
    ArtsMetric *m = &g_array_index(t->metrics, ArtsMetric, i);
    arts_telemetry_add(c, m->name, m->value);
  }
  for (guint i = 0; i < t->modules->len; i++) {
    ArtsModuleMetrics *mm = g_ptr_array_index(t->modules, i);
    ArtsModuleMetrics *cm = module_entry(c, mm->module_uuid);
    cm->name = g_strdup(mm->name);
    cm->state = mm->state;
    metrics_copy_into(cm->metrics, mm->metrics);
    if (mm->channels)
      cm->channels = arts_channel_metrics_list_copy(mm->channels);
  }
  return c;
}

/* OpenTelemetry-style names: [a-z0-9_.] plus upper case for foreign ones. */
static gboolean metric_name_ok(const char *s) {
  gsize n = 0;
  for (; s[n]; n++)
    if (!g_ascii_isalnum(s[n]) && s[n] != '_' && s[n] != '.' && s[n] != '-')
      return FALSE;
  return n >= 1 && n <= 128;
}

static gboolean metrics_from_json(JsonObject *o, const char *path,
                                  GArray *out, GError **error) {
  GList *members = json_object_get_members(o);
  gboolean ok = TRUE;
  if (g_list_length(members) > MAX_METRICS) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: more than %d metrics", path, MAX_METRICS);
    ok = FALSE;
  }
  for (GList *l = members; l && ok; l = l->next) {
    const char *name = l->data;
    double v = 0;
    if (!metric_name_ok(name)) {
      g_autofree char *shown = g_strndup(name, 64);
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "%s: bad metric name \"%s\" (1..128 of A-Z a-z 0-9 _ . -)",
                  path, g_utf8_validate(shown, -1, NULL) ? shown : "?");
      ok = FALSE;
    } else if (!arts_json_get_double(o, path, name, TRUE, &v, error)) {
      ok = FALSE;
    } else {
      metrics_set(out, name, v);
    }
  }
  g_list_free(members);
  return ok;
}

static const char *const telemetry_fields[] = {
  "type", "uuid", "ts", "interval_ms", "replayed", "metrics", "modules", NULL
};
static const char *const module_metrics_fields[] = {
  "uuid", "name", "state", "metrics", "channels", NULL
};
static JsonObject *metrics_to_json(GArray *a);

static const char *const channel_metrics_fields[] = {
  "channel", "mode", "metrics", NULL
};

static ArtsChannelMetrics *channel_metrics_from_json(JsonNode *e,
                                                     const char *ep,
                                                     GError **error) {
  g_autofree char *channel = NULL, *mode_s = NULL;
  JsonObject *eo, *mo;
  guint mode = 0;
  if (!JSON_NODE_HOLDS_OBJECT(e)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: expected an object", ep);
    return NULL;
  }
  eo = json_node_get_object(e);
  if (!arts_json_check_fields(eo, ep, channel_metrics_fields, error) ||
      !arts_json_get_string(eo, ep, "channel", TRUE, &channel, error) ||
      !arts_json_get_string(eo, ep, "mode", FALSE, &mode_s, error) ||
      !arts_json_get_object(eo, ep, "metrics", TRUE, &mo, error))
    return NULL;
  g_autoptr(GError) why = NULL;
  if (!arts_channel_name_valid(channel, &why)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD, "%s.channel: %s", ep,
                why->message);
    return NULL;
  }
  if (mode_s && !(mode = arts_channel_mode_parse(mode_s))) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s.mode: expected \"r\", \"w\" or \"rw\"", ep);
    return NULL;
  }
  if (json_object_get_size(mo) > ARTS_CHANNEL_METRICS_MAX) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s.metrics: more than %d metrics", ep,
                ARTS_CHANNEL_METRICS_MAX);
    return NULL;
  }
  ArtsChannelMetrics *cm = arts_channel_metrics_new(channel, mode);
  g_autofree char *mp = g_strdup_printf("%s.metrics", ep);
  if (!metrics_from_json(mo, mp, cm->metrics, error)) {
    arts_channel_metrics_free(cm);
    return NULL;
  }
  return cm;
}

GPtrArray *arts_channel_metrics_list_from_json(JsonArray *a,
                                               const char *path,
                                               GError **error) {
  guint len = json_array_get_length(a);
  if (len > ARTS_TELEMETRY_CHANNELS_MAX) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: more than %d channels", path,
                ARTS_TELEMETRY_CHANNELS_MAX);
    return NULL;
  }
  g_autoptr(GPtrArray) list = channel_list_new();
  for (guint i = 0; i < len; i++) {
    g_autofree char *ep = g_strdup_printf("%s[%u]", path, i);
    ArtsChannelMetrics *cm =
        channel_metrics_from_json(json_array_get_element(a, i), ep, error);
    if (!cm)
      return NULL;
    if (channel_find(list, cm->channel)) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "%s.channel: \"%s\" twice", ep, cm->channel);
      arts_channel_metrics_free(cm);
      return NULL;
    }
    g_ptr_array_add(list, cm);
  }
  return g_steal_pointer(&list);
}

JsonArray *arts_channel_metrics_list_to_json(const GPtrArray *list) {
  JsonArray *a = json_array_new();
  for (guint i = 0; list && i < list->len; i++) {
    const ArtsChannelMetrics *cm = g_ptr_array_index(list, i);
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "channel", cm->channel);
    if (cm->mode)
      json_object_set_string_member(o, "mode",
                                    arts_channel_mode_to_string(cm->mode));
    json_object_set_object_member(o, "metrics", metrics_to_json(cm->metrics));
    json_array_add_object_element(a, o);
  }
  return a;
}

static gboolean modules_from_json(JsonArray *a, const char *path,
                                  ArtsTelemetry *t, GError **error) {
  guint len = json_array_get_length(a);
  if (len > MAX_MODULES) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: more than %d modules", path, MAX_MODULES);
    return FALSE;
  }
  for (guint i = 0; i < len; i++) {
    g_autofree char *ep = g_strdup_printf("%s[%u]", path, i);
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_OBJECT(e)) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "%s: expected an object", ep);
      return FALSE;
    }
    JsonObject *eo = json_node_get_object(e), *mo;
    JsonArray *chans;
    g_autofree char *uuid = NULL, *name = NULL;
    ArtsModuleState state = 0;
    if (!arts_json_check_fields(eo, ep, module_metrics_fields, error) ||
        !arts_json_get_uuid(eo, ep, "uuid", TRUE, &uuid, error) ||
        !arts_json_get_string_len(eo, ep, "name", FALSE, 1, 255, &name,
                                  error) ||
        !arts_json_get_module_state(eo, ep, "state", FALSE, &state, error) ||
        !arts_json_get_object(eo, ep, "metrics", TRUE, &mo, error) ||
        !arts_json_get_array(eo, ep, "channels", FALSE, &chans, error))
      return FALSE;
    g_autofree char *mp = g_strdup_printf("%s.metrics", ep);
    ArtsModuleMetrics *mm = module_entry(t, uuid);
    if (name || state)
      arts_telemetry_set_module_info(t, uuid, name, state);
    if (!metrics_from_json(mo, mp, mm->metrics, error))
      return FALSE;
    if (chans) {
      g_autofree char *cp = g_strdup_printf("%s.channels", ep);
      GPtrArray *list = arts_channel_metrics_list_from_json(chans, cp, error);
      if (!list)
        return FALSE;
      if (mm->channels)   /* the same module twice: the last one counts */
        g_ptr_array_unref(mm->channels);
      mm->channels = list;
    }
  }
  return TRUE;
}

ArtsTelemetry *arts_telemetry_from_json_at(JsonObject *o, const char *path,
                                           GError **error) {
  g_autofree char *uuid = NULL;
  gint64 ts = 0, interval = 0;
  gboolean replayed = FALSE;
  JsonObject *metrics;
  JsonArray *modules;
  if (!arts_json_check_fields(o, path, telemetry_fields, error) ||
      !arts_json_check_type(o, path, "telemetry", FALSE, error) ||
      !arts_json_get_uuid(o, path, "uuid", TRUE, &uuid, error) ||
      !arts_json_get_int(o, path, "ts", TRUE, 0, G_MAXINT64, &ts, error) ||
      !arts_json_get_int(o, path, "interval_ms", FALSE, 0, 86400000,
                         &interval, error) ||
      !arts_json_get_bool(o, path, "replayed", FALSE, &replayed, error) ||
      !arts_json_get_object(o, path, "metrics", TRUE, &metrics, error) ||
      !arts_json_get_array(o, path, "modules", FALSE, &modules, error))
    return NULL;
  g_autoptr(ArtsTelemetry) t = arts_telemetry_new(uuid, ts, (int)interval);
  t->replayed = replayed;
  g_autofree char *mp = arts_field_path(path, "metrics");
  if (!metrics_from_json(metrics, mp, t->metrics, error))
    return NULL;
  g_autofree char *mop = arts_field_path(path, "modules");
  if (modules && !modules_from_json(modules, mop, t, error))
    return NULL;
  return g_steal_pointer(&t);
}

ArtsTelemetry *arts_telemetry_from_json(JsonObject *data, GError **error) {
  return arts_telemetry_from_json_at(data, "data", error);
}

static JsonObject *metrics_to_json(GArray *a) {
  JsonObject *o = json_object_new();
  for (guint i = 0; i < a->len; i++) {
    ArtsMetric *m = &g_array_index(a, ArtsMetric, i);
    if (isfinite(m->value))
      json_object_set_double_member(o, m->name, m->value);
  }
  return o;
}

JsonObject *arts_telemetry_to_json(const ArtsTelemetry *t) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "telemetry");
  json_object_set_string_member(o, "uuid", t->runtime_uuid);
  json_object_set_int_member(o, "ts", t->timestamp_ms);
  json_object_set_int_member(o, "interval_ms", t->interval_ms);
  json_object_set_boolean_member(o, "replayed", t->replayed);
  json_object_set_object_member(o, "metrics", metrics_to_json(t->metrics));
  JsonArray *mods = json_array_new();
  for (guint i = 0; i < t->modules->len; i++) {
    ArtsModuleMetrics *mm = g_ptr_array_index(t->modules, i);
    JsonObject *mo = json_object_new();
    json_object_set_string_member(mo, "uuid", mm->module_uuid);
    if (mm->name)
      json_object_set_string_member(mo, "name", mm->name);
    if (mm->state)
      json_object_set_string_member(mo, "state",
                                    arts_module_state_to_string(mm->state));
    json_object_set_object_member(mo, "metrics", metrics_to_json(mm->metrics));
    if (mm->channels)
      json_object_set_array_member(
          mo, "channels", arts_channel_metrics_list_to_json(mm->channels));
    json_array_add_object_element(mods, mo);
  }
  json_object_set_array_member(o, "modules", mods);
  return o;
}

/* ------------------------------------------------------------------ */
/* Event                                                               */

ArtsEvent *arts_event_new(const char *event, const char *uuid,
                          const char *name, const char *reason) {
  ArtsEvent *e = g_new0(ArtsEvent, 1);
  e->event = g_strdup(event);
  e->uuid = g_strdup(uuid);
  e->name = g_strdup(name);
  e->reason = g_strdup(reason);
  e->ts_ms = arts_now_ms();
  return e;
}

void arts_event_free(ArtsEvent *e) {
  if (!e)
    return;
  g_free(e->event);
  g_free(e->uuid);
  g_free(e->name);
  g_free(e->reason);
  g_free(e->runtime);
  g_free(e->source);
  g_free(e->target);
  g_free(e->error);
  g_free(e);
}

static const char *const event_fields[] = {
  "type", "event", "uuid", "name", "ts", "reason", "runtime", "source",
  "target", "downtime_ms", "total_ms", "exit_code", "error",
  "from_checkpoint", NULL
};

/* The module event fields (issue 4). */
static gboolean event_module_from_json(JsonObject *o, const char *path,
                                       ArtsEvent *e, GError **error) {
  gint64 down = -1, total = -1;
  int checkpoint = -1;
  if (!arts_json_get_uuid(o, path, "source", FALSE, &e->source, error) ||
      !arts_json_get_uuid(o, path, "target", FALSE, &e->target, error) ||
      !arts_json_get_int(o, path, "downtime_ms", FALSE, 0, G_MAXINT64, &down,
                         error) ||
      !arts_json_get_int(o, path, "total_ms", FALSE, 0, G_MAXINT64, &total,
                         error) ||
      !arts_json_get_exit_code(o, path, "exit_code", &e->has_exit_code,
                               &e->exit_code, error) ||
      !arts_json_get_string_len(o, path, "error", FALSE, 0, 4096, &e->error,
                                error) ||
      !arts_json_get_bool(o, path, "from_checkpoint", FALSE, &checkpoint,
                          error))
    return FALSE;
  if ((down < 0) != (total < 0)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path,
                     down < 0 ? "downtime_ms" : "total_ms",
                     "missing (downtime_ms and total_ms go together)");
    return FALSE;
  }
  e->has_times = down >= 0;
  e->downtime_ms = e->has_times ? down : 0;
  e->total_ms = e->has_times ? total : 0;
  e->has_from_checkpoint = checkpoint >= 0;
  e->from_checkpoint = checkpoint > 0;
  return TRUE;
}

ArtsEvent *arts_event_from_json(JsonObject *o, GError **error) {
  const char *path = "data";
  g_autoptr(ArtsEvent) e = g_new0(ArtsEvent, 1);
  if (!arts_json_check_fields(o, path, event_fields, error) ||
      !arts_json_check_type(o, path, "event", TRUE, error) ||
      !arts_json_get_string(o, path, "event", TRUE, &e->event, error))
    return NULL;
  if (!arts_is_word(e->event, 64)) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "event",
                     "expected a word of a-z, 0-9 and _");
    return NULL;
  }
  if (!arts_json_get_uuid(o, path, "uuid", TRUE, &e->uuid, error) ||
      !arts_json_get_string_len(o, path, "name", FALSE, 0, 255, &e->name,
                                error) ||
      !arts_json_get_int(o, path, "ts", TRUE, 0, G_MAXINT64, &e->ts_ms,
                         error) ||
      !arts_json_get_string_len(o, path, "reason", FALSE, 0, 4096, &e->reason,
                                error) ||
      !arts_json_get_uuid(o, path, "runtime", FALSE, &e->runtime, error) ||
      !event_module_from_json(o, path, e, error))
    return NULL;
  return g_steal_pointer(&e);
}

JsonObject *arts_event_to_json(const ArtsEvent *e) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "event");
  json_object_set_string_member(o, "event", e->event);
  json_object_set_string_member(o, "uuid", e->uuid);
  if (e->name)
    json_object_set_string_member(o, "name", e->name);
  json_object_set_int_member(o, "ts", e->ts_ms);
  if (e->reason)
    json_object_set_string_member(o, "reason", e->reason);
  if (e->runtime)
    json_object_set_string_member(o, "runtime", e->runtime);
  if (e->source)
    json_object_set_string_member(o, "source", e->source);
  if (e->target)
    json_object_set_string_member(o, "target", e->target);
  if (e->has_times) {
    json_object_set_int_member(o, "downtime_ms", e->downtime_ms);
    json_object_set_int_member(o, "total_ms", e->total_ms);
  }
  if (e->has_exit_code)
    json_object_set_int_member(o, "exit_code", e->exit_code);
  if (e->error)
    json_object_set_string_member(o, "error", e->error);
  if (e->has_from_checkpoint)
    json_object_set_boolean_member(o, "from_checkpoint", e->from_checkpoint);
  return o;
}

/* ------------------------------------------------------------------ */
/* Log                                                                 */

ArtsLog *arts_log_new(const char *level, const char *message,
                      const char *topic, const char *object_id) {
  ArtsLog *l = g_new0(ArtsLog, 1);
  l->level = g_strdup(level ? level : "error");
  l->message = g_strdup(message);
  l->topic = g_strdup(topic);
  l->object_id = g_strdup(object_id);
  l->ts_ms = arts_now_ms();
  return l;
}

void arts_log_free(ArtsLog *l) {
  if (!l)
    return;
  g_free(l->level);
  g_free(l->message);
  g_free(l->topic);
  g_free(l->object_id);
  g_free(l);
}

static const char *const log_fields[] = {
  "type", "level", "ts", "message", "topic", "object_id", NULL
};

ArtsLog *arts_log_from_json(JsonObject *o, GError **error) {
  static const char *const levels[] = {
    "error", "warning", "info", "debug", NULL
  };
  const char *path = "data";
  g_autoptr(ArtsLog) l = g_new0(ArtsLog, 1);
  l->level = g_strdup("error");
  if (!arts_json_check_fields(o, path, log_fields, error) ||
      !arts_json_check_type(o, path, "log", TRUE, error) ||
      !arts_json_get_choice(o, path, "level", levels, &l->level, error) ||
      !arts_json_get_int(o, path, "ts", TRUE, 0, G_MAXINT64, &l->ts_ms,
                         error) ||
      !arts_json_get_string_len(o, path, "message", TRUE, 0, 65536, &l->message,
                                error) ||
      !arts_json_get_string_len(o, path, "topic", FALSE, 0, 65535, &l->topic,
                                error) ||
      !arts_json_get_string_len(o, path, "object_id", FALSE, 0, 255,
                                &l->object_id, error))
    return NULL;
  return g_steal_pointer(&l);
}

JsonObject *arts_log_to_json(const ArtsLog *l) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "log");
  json_object_set_string_member(o, "level", l->level);
  json_object_set_int_member(o, "ts", l->ts_ms);
  json_object_set_string_member(o, "message", l->message ? l->message : "");
  if (l->topic)
    json_object_set_string_member(o, "topic", l->topic);
  if (l->object_id)
    json_object_set_string_member(o, "object_id", l->object_id);
  return o;
}

/* ------------------------------------------------------------------ */
/* Query and history                                                   */

ArtsQuery *arts_query_new(const char *kind) {
  ArtsQuery *q = g_new0(ArtsQuery, 1);
  q->kind = g_strdup(kind);
  return q;
}

void arts_query_free(ArtsQuery *q) {
  if (!q)
    return;
  g_free(q->kind);
  g_free(q->runtime);
  g_free(q->metric);
  g_free(q->module);
  g_free(q);
}

static const char *const history_query_fields[] = {
  "type", "runtime", "metric", "since", "until", NULL
};
static const char *const runtimes_query_fields[] = { "type", NULL };
static const char *const modules_query_fields[] = { "type", "runtime", NULL };
static const char *const logs_query_fields[] = {
  "type", "module", "since_offset", NULL
};

/* The queries of issue 4: modules (optionally of one runtime) and a
 * module's recent output. */
static gboolean module_query_from_json(JsonObject *o, const char *path,
                                       ArtsQuery *q, GError **error) {
  if (g_str_equal(q->kind, "modules"))
    return arts_json_check_fields(o, path, modules_query_fields, error) &&
           arts_json_get_ref(o, path, "runtime", FALSE, &q->runtime, error);
  return arts_json_check_fields(o, path, logs_query_fields, error) &&
         arts_json_get_ref(o, path, "module", TRUE, &q->module, error) &&
         arts_json_get_int(o, path, "since_offset", FALSE, 0, G_MAXINT64,
                           &q->since_offset, error);
}

ArtsQuery *arts_query_from_json(JsonObject *o, GError **error) {
  const char *path = "data";
  g_autoptr(ArtsQuery) q = g_new0(ArtsQuery, 1);
  if (!arts_json_get_string(o, path, "type", TRUE, &q->kind, error))
    return NULL;
  if (g_str_equal(q->kind, "runtimes")) {
    if (!arts_json_check_fields(o, path, runtimes_query_fields, error))
      return NULL;
    return g_steal_pointer(&q);
  }
  if (g_str_equal(q->kind, "modules") || g_str_equal(q->kind, "logs"))
    return module_query_from_json(o, path, q, error) ? g_steal_pointer(&q)
                                                     : NULL;
  if (!g_str_equal(q->kind, "history")) {
    arts_field_error(error, ARTS_ERROR_UNKNOWN, path, "type",
                     "unknown query (expected \"history\", \"runtimes\", "
                     "\"modules\" or \"logs\")");
    return NULL;
  }
  if (!arts_json_check_fields(o, path, history_query_fields, error) ||
      !arts_json_get_string_len(o, path, "runtime", TRUE, 1, 255, &q->runtime,
                                error) ||
      !arts_json_get_string_len(o, path, "metric", TRUE, 1, 128, &q->metric,
                                error) ||
      !arts_json_get_int(o, path, "since", FALSE, 0, G_MAXINT64, &q->since_ms,
                         error) ||
      !arts_json_get_int(o, path, "until", FALSE, 0, G_MAXINT64, &q->until_ms,
                         error))
    return NULL;
  if (q->since_ms && q->until_ms && q->since_ms > q->until_ms) {
    arts_field_error(error, ARTS_ERROR_FIELD, path, "since", "after until");
    return NULL;
  }
  return g_steal_pointer(&q);
}

JsonObject *arts_query_to_json(const ArtsQuery *q) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", q->kind);
  if (q->runtime)
    json_object_set_string_member(o, "runtime", q->runtime);
  if (q->metric)
    json_object_set_string_member(o, "metric", q->metric);
  if (q->since_ms)
    json_object_set_int_member(o, "since", q->since_ms);
  if (q->until_ms)
    json_object_set_int_member(o, "until", q->until_ms);
  if (q->module)
    json_object_set_string_member(o, "module", q->module);
  if (q->module || q->since_offset)
    json_object_set_int_member(o, "since_offset", q->since_offset);
  return o;
}

ArtsHistory *arts_history_new(const char *runtime, const char *metric,
                              const char *resolution) {
  ArtsHistory *h = g_new0(ArtsHistory, 1);
  h->runtime = g_strdup(runtime);
  h->metric = g_strdup(metric);
  h->resolution = g_strdup(resolution ? resolution : "raw");
  h->points = g_array_new(FALSE, TRUE, sizeof(ArtsHistoryPoint));
  return h;
}

void arts_history_add(ArtsHistory *h, gint64 ts_ms, double avg, double min,
                      double max) {
  ArtsHistoryPoint p = { ts_ms, avg, min, max };
  g_array_append_val(h->points, p);
}

void arts_history_free(ArtsHistory *h) {
  if (!h)
    return;
  g_free(h->runtime);
  g_free(h->metric);
  g_free(h->resolution);
  g_array_unref(h->points);
  g_free(h);
}

static const char *const history_fields[] = {
  "runtime", "metric", "resolution", "points", "truncated", NULL
};

static gboolean point_from_json(JsonNode *n, const char *path, gboolean raw,
                                ArtsHistoryPoint *p, GError **error) {
  guint want = raw ? 2 : 4;
  JsonArray *a = JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
  if (!a || json_array_get_length(a) != want) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: expected an array of %u numbers", path, want);
    return FALSE;
  }
  double v[4];
  for (guint i = 0; i < want; i++) {
    JsonNode *e = json_array_get_element(a, i);
    gboolean is_int = node_is(e, G_TYPE_INT64);
    if ((i == 0 && !is_int) || (!is_int && !node_is(e, G_TYPE_DOUBLE))) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "%s[%u]: expected %s", path, i,
                  i == 0 ? "an integer" : "a number");
      return FALSE;
    }
    if (i == 0)
      p->ts_ms = json_node_get_int(e);
    else
      v[i] = is_int ? (double)json_node_get_int(e) : json_node_get_double(e);
  }
  p->avg = v[1];
  p->min = raw ? v[1] : v[2];
  p->max = raw ? v[1] : v[3];
  return TRUE;
}

ArtsHistory *arts_history_from_json(JsonObject *o, GError **error) {
  static const char *const resolutions[] = { "raw", "1m", NULL };
  const char *path = "data.details";
  g_autoptr(ArtsHistory) h = arts_history_new(NULL, NULL, "raw");
  JsonArray *points;
  if (!arts_json_check_fields(o, path, history_fields, error) ||
      !arts_json_get_string_len(o, path, "runtime", TRUE, 1, 255, &h->runtime,
                                error) ||
      !arts_json_get_string_len(o, path, "metric", TRUE, 1, 128, &h->metric,
                                error) ||
      !arts_json_get_choice(o, path, "resolution", resolutions, &h->resolution,
                            error) ||
      !arts_json_get_array(o, path, "points", TRUE, &points, error) ||
      !arts_json_get_bool(o, path, "truncated", FALSE, &h->truncated, error))
    return NULL;
  gboolean raw = g_str_equal(h->resolution, "raw");
  guint len = json_array_get_length(points);
  for (guint i = 0; i < len; i++) {
    g_autofree char *pp = g_strdup_printf("%s.points[%u]", path, i);
    ArtsHistoryPoint p;
    if (!point_from_json(json_array_get_element(points, i), pp, raw, &p,
                         error))
      return NULL;
    g_array_append_val(h->points, p);
  }
  return g_steal_pointer(&h);
}

JsonObject *arts_history_to_json(const ArtsHistory *h) {
  JsonObject *o = json_object_new();
  gboolean raw = g_str_equal(h->resolution, "raw");
  json_object_set_string_member(o, "runtime", h->runtime);
  json_object_set_string_member(o, "metric", h->metric);
  json_object_set_string_member(o, "resolution", h->resolution);
  JsonArray *pts = json_array_new();
  for (guint i = 0; i < h->points->len; i++) {
    ArtsHistoryPoint *p = &g_array_index(h->points, ArtsHistoryPoint, i);
    JsonArray *a = json_array_new();
    json_array_add_int_element(a, p->ts_ms);
    json_array_add_double_element(a, isfinite(p->avg) ? p->avg : 0);
    if (!raw) {
      json_array_add_double_element(a, isfinite(p->min) ? p->min : 0);
      json_array_add_double_element(a, isfinite(p->max) ? p->max : 0);
    }
    json_array_add_array_element(pts, a);
  }
  json_object_set_array_member(o, "points", pts);
  if (h->truncated)
    json_object_set_boolean_member(o, "truncated", TRUE);
  return o;
}
