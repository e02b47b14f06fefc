/* libFuzzer target: every decoder of common/ on arbitrary bytes (and the
 * string parsers: broker URLs, topics, uuids, realm names). Input that
 * parses as an envelope goes through each data decoder and back out
 * through its encoder; nothing may crash, leak or trip a sanitizer. */
#include <stdint.h>
#include "arts-common.h"

static void reencode(JsonObject *o) {
  g_free(arts_json_object_to_string(o, NULL));
  json_object_unref(o);
}

static void decode_data(JsonObject *data) {
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(data, NULL);
  if (rt)
    reencode(arts_runtime_to_json(rt));
  g_autoptr(ArtsModule) m = arts_module_from_json(data, NULL);
  if (m)
    reencode(arts_module_to_json(m));
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
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len) {
  const char *p = (const char *)buf;
  parse_strings(buf, len);
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
  }
  g_free(arts_envelope_to_json(env, NULL));
  return 0;
}
