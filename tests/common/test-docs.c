/* Every complete example message in docs/protocol.md decodes with the
 * decoders of common/: the documentation and the code cannot drift apart.
 * Blocks with "..." placeholders are skipped. */
#include <string.h>
#include "arts-common.h"

/* The details of an ok answer, by the fields that tell them apart. */
static gboolean decode_details(JsonObject *details, GError **error) {
  const char *path = "data.details";
  if (json_object_has_member(details, "modules")) {
    g_autoptr(GPtrArray) l = arts_module_list_from_json(details, path, error);
    return l != NULL;
  }
  if (json_object_has_member(details, "data_b64")) {
    g_autoptr(ArtsLogChunk) c = arts_log_chunk_from_json(details, path,
                                                         error);
    return c != NULL;
  }
  if (json_object_has_member(details, "downtime_ms")) {
    g_autoptr(ArtsMigration) m = arts_migration_from_json(details, path,
                                                          error);
    return m != NULL;
  }
  const char *type = json_object_has_member(details, "type")
                         ? json_object_get_string_member(details, "type")
                         : NULL;
  if (type && g_str_equal(type, "module")) {
    g_autoptr(ArtsModule) m = arts_module_from_json_at(details, path, error);
    return m != NULL;
  }
  if (type && g_str_equal(type, "runtime")) {
    g_autoptr(ArtsRuntime) rt = arts_runtime_from_json_at(details, path,
                                                          error);
    return rt != NULL;
  }
  /* A runtime's answer on control/{runtime}, or a stop's. */
  g_autoptr(ArtsControlResult) r = arts_control_result_from_json(details,
                                                                 path, error);
  return r != NULL;
}

/* Decodes the data of ENV by its kind; returns FALSE with ERROR set. */
static gboolean decode_data(ArtsEnvelope *env, GError **error) {
  JsonObject *d = env->data;
  if (json_object_has_member(d, "result")) {
    JsonObject *details = NULL;
    GError *answer_error = NULL;
    if (!arts_response_check(env, &details, &answer_error)) {
      /* An error answer must say what and carry a known code. */
      JsonObject *ed = json_object_get_object_member(d, "details");
      ArtsErrorCode code;
      g_assert_true(arts_error_code_from_string(
          json_object_get_string_member(ed, "code"), &code));
      g_assert_error(answer_error, ARTS_ERROR, (gint)code);
      g_assert_cmpstr(answer_error->message, ==,
                      json_object_get_string_member(ed, "error"));
      g_error_free(answer_error);
      return TRUE;
    }
    if (json_object_has_member(details, "points")) {
      g_autoptr(ArtsHistory) h = arts_history_from_json(details, error);
      return h != NULL;
    }
    if (json_object_has_member(details, "runtimes")) {
      JsonArray *a = json_object_get_array_member(details, "runtimes");
      for (guint i = 0; i < json_array_get_length(a); i++) {
        g_autofree char *path = g_strdup_printf("data.details.runtimes[%u]",
                                                i);
        g_autoptr(ArtsRuntime) rt = arts_runtime_from_json_at(
            json_array_get_object_element(a, i), path, error);
        if (!rt)
          return FALSE;
      }
      return TRUE;
    }
    return decode_details(details, error);
  }
  const char *type = arts_envelope_data_type(env);
  g_assert_nonnull(type);
  if (g_str_equal(type, "runtime")) {
    g_autoptr(ArtsRuntime) r = arts_runtime_from_json(d, error);
    return r != NULL;
  }
  if (g_str_equal(type, "module")) {
    g_autoptr(ArtsModule) r = arts_module_from_json(d, error);
    /* Constraints written in an example are constraints decoded. */
    if (r && json_object_has_member(d, "constraints"))
      g_assert_false(arts_constraints_is_empty(&r->constraints));
    return r != NULL;
  }
  if (g_str_equal(type, "module_state")) {
    g_autoptr(ArtsModuleUpdate) r = arts_module_update_from_json(d, error);
    return r != NULL;
  }
  if (g_str_equal(type, "telemetry")) {
    g_autoptr(ArtsTelemetry) r = arts_telemetry_from_json(d, error);
    return r != NULL;
  }
  if (g_str_equal(type, "event")) {
    g_autoptr(ArtsEvent) r = arts_event_from_json(d, error);
    return r != NULL;
  }
  if (g_str_equal(type, "log")) {
    g_autoptr(ArtsLog) r = arts_log_from_json(d, error);
    return r != NULL;
  }
  g_autoptr(ArtsQuery) q = arts_query_from_json(d, error);
  return q != NULL;
}

static void test_examples(void) {
  const char *src = g_getenv("ARTS_SOURCE_DIR");
  if (!src) {
    g_test_skip("ARTS_SOURCE_DIR not set");
    return;
  }
  g_autofree char *path = g_build_filename(src, "docs", "protocol.md", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) err = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, &err));
  g_auto(GStrv) parts = g_strsplit(text, "```", -1);
  guint checked = 0, constrained = 0, platform_facts = 0;
  /* Odd parts are code blocks. */
  for (guint i = 1; parts[i]; i += 2) {
    if (!g_str_has_prefix(parts[i], "json\n"))
      continue;
    /* The answer examples say whose object_id they carry. */
    g_auto(GStrv) pieces = g_strsplit(parts[i] + 5, "\"<the request's>\"", -1);
    g_autofree char *json = g_strjoinv(
        "\"0b6e2a51-8f7d-4c33-9b1e-3f5a6c7d8e90\"", pieces);
    if (strstr(json, "...") || strchr(json, '<') ||
        !strstr(json, "\"object_id\""))
      continue;
    g_autoptr(ArtsEnvelope) env = arts_envelope_parse(json, strlen(json),
                                                      &err);
    if (!env)
      g_error("docs example %u: %s\n%s", i / 2, err->message, json);
    if (!decode_data(env, &err))
      g_error("docs example %u: %s\n%s", i / 2, err->message, json);
    checked++;
    constrained += strstr(json, "\"constraints\"") != NULL;
    platform_facts += strstr(json, "\"byte_order\"") != NULL &&
                      strstr(json, "\"word_size\"") != NULL;
  }
  /* The heterogeneous realm's extensions have their examples. */
  g_assert_cmpuint(constrained, >=, 1);
  g_assert_cmpuint(platform_facts, >=, 2);
  /* Every message kind of the page has a complete example. */
  g_assert_cmpuint(checked, >=, 44);
  g_test_message("%u examples decoded", checked);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/docs/protocol-examples", test_examples);
  return g_test_run();
}
