/* Channel names, modes and the module field that lists them. */
#include "arts-channel.h"

#include <string.h>

#include "arts-error.h"

void arts_channel_free(ArtsChannel *c) {
  if (!c) return;
  g_free(c->name);
  g_free(c);
}

static gboolean name_char_ok(char c) {
  return g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

gboolean arts_channel_name_valid(const char *name, GError **error) {
  size_t len = name ? strlen(name) : 0;
  if (len == 0 || len > ARTS_CHANNEL_NAME_MAX) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "channel name must have 1 to %d characters",
                ARTS_CHANNEL_NAME_MAX);
    return FALSE;
  }
  size_t seg = 0;
  for (size_t i = 0; i <= len; i++) {
    char c = i < len ? name[i] : '/';
    if (c != '/') {
      if (!name_char_ok(c)) {
        g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                    "channel name \"%s\": character %zu not allowed "
                    "(only A-Z a-z 0-9 _ . - and '/' between parts)",
                    g_utf8_validate(name, -1, NULL) ? name : "?", i);
        return FALSE;
      }
      continue;
    }
    size_t sl = i - seg;
    if (sl == 0 || (sl == 1 && name[seg] == '.') ||
        (sl == 2 && name[seg] == '.' && name[seg + 1] == '.')) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "channel name \"%s\": empty, \".\" or \"..\" part", name);
      return FALSE;
    }
    seg = i + 1;
  }
  return TRUE;
}

guint arts_channel_mode_parse(const char *s) {
  if (!s) return 0;
  if (!strcmp(s, "r")) return ARTS_CHANNEL_READ;
  if (!strcmp(s, "w")) return ARTS_CHANNEL_WRITE;
  if (!strcmp(s, "rw") || !strcmp(s, "wr"))
    return ARTS_CHANNEL_READ | ARTS_CHANNEL_WRITE;
  return 0;
}

const char *arts_channel_mode_to_string(guint mode) {
  switch (mode) {
  case ARTS_CHANNEL_READ: return "r";
  case ARTS_CHANNEL_WRITE: return "w";
  case ARTS_CHANNEL_READ | ARTS_CHANNEL_WRITE: return "rw";
  default: return "?";
  }
}

static ArtsChannel *channel_new(const char *name, guint mode) {
  ArtsChannel *c = g_new0(ArtsChannel, 1);
  c->name = g_strdup(name);
  c->mode = mode;
  return c;
}

ArtsChannel *arts_channel_parse_spec(const char *spec, GError **error) {
  const char *colon = spec ? strrchr(spec, ':') : NULL;
  if (!colon) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "channel \"%s\": expected NAME:r, NAME:w or NAME:rw",
                spec ? spec : "");
    return NULL;
  }
  guint mode = arts_channel_mode_parse(colon + 1);
  if (!mode) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFIG,
                "channel \"%s\": mode must be r, w or rw", spec);
    return NULL;
  }
  g_autofree char *name = g_strndup(spec, (gsize)(colon - spec));
  if (!arts_channel_name_valid(name, error)) return NULL;
  return channel_new(name, mode);
}

/* ARTS writes paths as "/ch/NAME"; either form is the same channel. */
static const char *strip_prefix(const char *path) {
  return g_str_has_prefix(path, "/ch/") ? path + 4 : path;
}

static gboolean extra_key_ok(JsonObject *o, const char *key, const char *path,
                             GError **error) {
  JsonNode *v = json_object_get_member(o, key);
  if (!strcmp(key, "type")) {
    if (JSON_NODE_HOLDS_VALUE(v) &&
        json_node_get_value_type(v) == G_TYPE_STRING &&
        !strcmp(json_node_get_string(v), "pubsub"))
      return TRUE;
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s.type: only \"pubsub\" channels exist", path);
    return FALSE;
  }
  if (!strcmp(key, "params")) {
    if (JSON_NODE_HOLDS_NULL(v) || (JSON_NODE_HOLDS_OBJECT(v) &&
        json_object_get_size(json_node_get_object(v)) == 0))
      return TRUE;
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s.params: not supported (a channel is always "
                "{realm}/ch/{path})", path);
    return FALSE;
  }
  g_set_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN, "%s.%s: unknown field",
              path, key);
  return FALSE;
}

static const char *string_member(JsonObject *o, const char *key,
                                 const char *path, GError **error) {
  JsonNode *v = json_object_get_member(o, key);
  if (!v || !JSON_NODE_HOLDS_VALUE(v) ||
      json_node_get_value_type(v) != G_TYPE_STRING) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s.%s: expected a string", path, key);
    return NULL;
  }
  return json_node_get_string(v);
}

ArtsChannel *arts_channel_from_json(JsonNode *node, const char *path,
                                    GError **error) {
  if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: expected an object {\"path\", \"mode\"}", path);
    return NULL;
  }
  JsonObject *o = json_node_get_object(node);
  g_autoptr(GList) keys = json_object_get_members(o);
  for (GList *k = keys; k; k = k->next) {
    const char *key = k->data;
    if (strcmp(key, "path") && strcmp(key, "mode") &&
        !extra_key_ok(o, key, path, error))
      return NULL;
  }
  const char *name = string_member(o, "path", path, error);
  const char *mode_s = name ? string_member(o, "mode", path, error) : NULL;
  if (!mode_s) return NULL;
  guint mode = arts_channel_mode_parse(mode_s);
  if (!mode) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s.mode: must be \"r\", \"w\" or \"rw\"", path);
    return NULL;
  }
  GError *e = NULL;
  if (!arts_channel_name_valid(strip_prefix(name), &e)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD, "%s.path: %s", path,
                e->message);
    g_error_free(e);
    return NULL;
  }
  return channel_new(strip_prefix(name), mode);
}

JsonObject *arts_channel_to_json(const ArtsChannel *c) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "path", c->name);
  json_object_set_string_member(o, "mode",
                                arts_channel_mode_to_string(c->mode));
  return o;
}

GPtrArray *arts_channels_from_json(JsonArray *array, GError **error) {
  GPtrArray *out =
    g_ptr_array_new_with_free_func((GDestroyNotify)arts_channel_free);
  guint n = array ? json_array_get_length(array) : 0;
  if (n > ARTS_CHANNEL_MAX) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "channels: %u listed, at most %d", n, ARTS_CHANNEL_MAX);
    g_ptr_array_unref(out);
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    g_autofree char *path = g_strdup_printf("channels[%u]", i);
    ArtsChannel *c = arts_channel_from_json(json_array_get_element(array, i),
                                            path, error);
    if (!c) {
      g_ptr_array_unref(out);
      return NULL;
    }
    for (guint j = 0; j < out->len; j++) {
      if (strcmp(((ArtsChannel *)out->pdata[j])->name, c->name)) continue;
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "%s.path: channel \"%s\" listed twice", path, c->name);
      arts_channel_free(c);
      g_ptr_array_unref(out);
      return NULL;
    }
    g_ptr_array_add(out, c);
  }
  return out;
}

char *arts_channel_topic(const char *realm, const char *name) {
  return g_strdup_printf("%s/ch/%s", realm, name);
}

char *arts_channel_from_topic(const char *realm, const char *topic) {
  size_t rl = strlen(realm);
  if (strncmp(topic, realm, rl) || strncmp(topic + rl, "/ch/", 4))
    return NULL;
  const char *name = topic + rl + 4;
  if (!arts_channel_name_valid(name, NULL)) return NULL;
  return g_strdup(name);
}
