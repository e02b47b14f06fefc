/* Telemetry samples and keepalives (see telemetry.h). */
#include "telemetry.h"

void agent_telemetry_init(AgentTelemetry *t, const char *uuid,
                          int interval_ms)
{
  arts_sampler_init(&t->sampler, 0);
  t->uuid = g_strdup(uuid);
  t->interval_ms = interval_ms;
}

void agent_telemetry_clear(AgentTelemetry *t)
{
  g_clear_pointer(&t->uuid, g_free);
}

ArtsTelemetry *agent_telemetry_sample(AgentTelemetry *t, GError **error)
{
  ArtsTelemetry *sample = arts_telemetry_new(t->uuid, arts_now_ms(),
                                             t->interval_ms);

  if (!arts_sampler_sample(&t->sampler, sample, error)) {
    arts_telemetry_free(sample);
    return NULL;
  }
  return sample;
}

static char *telemetry_envelope(JsonObject *data, gsize *len)
{
  ArtsEnvelope *env = arts_envelope_new(ARTS_TYPE_RUNTIME_RESP, "update",
                                        NULL, data);
  char *json = arts_envelope_to_json(env, len);

  arts_envelope_free(env);
  json_object_unref(data);
  return json;
}

char *agent_telemetry_encode(ArtsTelemetry *sample, gboolean replayed,
                             gsize *len)
{
  sample->replayed = replayed;
  return telemetry_envelope(arts_telemetry_to_json(sample), len);
}

char *agent_keepalive_encode(const char *uuid, const char *name,
                             gint64 ts_ms, gsize *len)
{
  JsonObject *data = json_object_new();

  json_object_set_string_member(data, "type", "runtime");
  json_object_set_string_member(data, "uuid", uuid);
  json_object_set_string_member(data, "name", name);
  json_object_set_int_member(data, "ts", ts_ms);
  return telemetry_envelope(data, len);
}
