/* libFuzzer target: every decoder of common/ on arbitrary bytes (and the
 * string parsers: broker URLs, topics, uuids, realm names). Input that
 * parses as an envelope goes through each data decoder and back out
 * through its encoder; nothing may crash, leak or trip a sanitizer. */
#include <stdint.h>
#include <string.h>
#include "arts-common.h"

static void reencode(JsonObject *o) {
  g_free(arts_json_object_to_string(o, NULL));
  json_object_unref(o);
}

static void decode_data(JsonObject *data) {
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(data, NULL);
  if (rt) {
    reencode(arts_runtime_to_json(rt));
    g_free(arts_platform_arch_class(&rt->platform));
  }
  g_autoptr(ArtsModule) m = arts_module_from_json(data, NULL);
  if (m) {
    reencode(arts_module_to_json(m));
    /* Constraints as placement judges them, against this host. */
    ArtsPlatform here = {.arch = (char *)"armv7l",
                         .byte_order = ARTS_BYTE_ORDER_LITTLE,
                         .word_size = 32};
    g_free(arts_constraints_describe(&m->constraints));
    g_free(arts_constraints_reject(&m->constraints, &here));
  }
  g_autoptr(ArtsTelemetry) t = arts_telemetry_from_json(data, NULL);
  if (t)
    reencode(arts_telemetry_to_json(t));
  g_autoptr(ArtsEvent) e = arts_event_from_json(data, NULL);
  if (e)
    reencode(arts_event_to_json(e));
  g_autoptr(ArtsLog) l = arts_log_from_json(data, NULL);
  if (l)
    reencode(arts_log_to_json(l));
  g_autoptr(ArtsQuery) q = arts_query_from_json(data, NULL);
  if (q)
    reencode(arts_query_to_json(q));
  g_autoptr(ArtsModuleUpdate) u = arts_module_update_from_json(data, NULL);
  if (u)
    reencode(arts_module_update_to_json(u));
}

/* Answer details of issue 4. */
static void decode_details(JsonObject *details) {
  g_autoptr(ArtsControlResult) r = arts_control_result_from_json(
      details, "data.details", NULL);
  if (r)
    reencode(arts_control_result_to_json(r));
  g_autoptr(ArtsMigration) m = arts_migration_from_json(details,
                                                        "data.details", NULL);
  if (m)
    reencode(arts_migration_to_json(m));
  g_autoptr(ArtsLogChunk) c = arts_log_chunk_from_json(details,
                                                       "data.details", NULL);
  if (c)
    reencode(arts_log_chunk_to_json(c));
  g_autoptr(GPtrArray) l = arts_module_list_from_json(details, "data.details",
                                                      NULL);
  if (l)
    reencode(arts_module_list_to_json(l));
}

/* The binary side: the input as program bytes, and split at newlines into
 * MQTT user properties "name=value". */
static void parse_binary(const uint8_t *buf, size_t len) {
  g_autofree char *sha = arts_sha256_hex(buf, len);
  arts_program_check(sha, buf, len, NULL);
  if (len > 4096)
    return;
  g_autofree char *s = g_strndup((const char *)buf, len);
  g_auto(GStrv) lines = g_strsplit(s, "\n", 8);
  ArtsMqttProp props[8];
  guint n = 0;
  for (; lines[n] && n < G_N_ELEMENTS(props); n++) {
    char *eq = strchr(lines[n], '=');
    if (eq)
      *eq = '\0';
    props[n] = (ArtsMqttProp){ lines[n], eq ? eq + 1 : NULL };
  }
  gint64 offset, next = 0, gap;
  int fd;
  if (arts_output_props_parse(props, n, &offset, &fd, NULL))
    arts_output_accept(&next, offset, len, &gap);
  ArtsSnapshotKind kind;
  g_autofree char *migration = NULL;
  arts_snapshot_props_parse(props, n, &kind, &migration, &offset, NULL);
  gint64 migrations;
  gboolean delta;
  arts_snapshot_props_parse_extra(props, n, &migrations, &delta, NULL);
  GBytes *b = arts_base64_decode_strict(s, NULL);
  if (b)
    g_bytes_unref(b);
}

/* The string parsers see the input as one C string. */
static void parse_strings(const uint8_t *buf, size_t len) {
  if (len > 1024)
    return;
  g_autofree char *s = g_strndup((const char *)buf, len);
  g_autofree char *host = NULL, *leaf = NULL, *rest = NULL;
  int port;
  gboolean tls;
  arts_broker_url_parse(s, &host, &port, &tls, NULL);
  arts_topic_parse("realm", s, &leaf, &rest);
  arts_realm_is_valid(s);
  arts_uuid_is_valid(s);
  ArtsStatus st;
  arts_status_from_string(s, &st);
  ArtsMsgType mt;
  arts_msg_type_from_string(s, &mt);
  ArtsModuleState ms;
  arts_module_state_from_string(s, &ms);
  arts_sha256_is_valid(s);
  gint64 off;
  arts_parse_offset(s, &off);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len) {
  const char *p = (const char *)buf;
  parse_strings(buf, len);
  parse_binary(buf, len);
  char *id = NULL, *action = NULL;
  if (arts_envelope_peek(p, len, &id, &action)) {
    g_free(id);
    g_free(action);
  }
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse(p, len, NULL);
  if (!env)
    return 0;
  decode_data(env->data);
  JsonObject *details = NULL;
  if (arts_response_check(env, &details, NULL) && details) {
    g_autoptr(ArtsHistory) h = arts_history_from_json(details, NULL);
    if (h)
      reencode(arts_history_to_json(h));
    decode_data(details);
    decode_details(details);
  }
  g_free(arts_envelope_to_json(env, NULL));
  return 0;
}
