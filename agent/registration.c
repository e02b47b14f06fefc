/* Registration on {realm}/proc/reg (see registration.h). */
#include "registration.h"

#define REG_PAGE_SIZE 65536   /* a WebAssembly page */

void agent_reg_init(AgentRegistration *r, const AgentOptions *opts,
                    const char *uuid)
{
  ArtsRuntime *rt = arts_runtime_new();
  const char *apis[] = { "wasm", "wasi", NULL };

  rt->uuid = g_strdup(uuid);
  rt->name = g_strdup(opts->name);
  rt->runtime_type = g_strdup("arts-agent");
  g_strfreev(rt->apis);
  rt->apis = g_strdupv((char **)apis);
  rt->max_nmodules = opts->max_nmodules;
  rt->page_size = REG_PAGE_SIZE;
  arts_platform_detect(&rt->platform);
  rt->metadata = json_object_new();
  json_object_set_string_member(rt->metadata, "agent_version",
                                AGENT_VERSION);
  json_object_set_int_member(rt->metadata, "telemetry_interval_ms",
                             opts->interval_ms);
  r->runtime = rt;
  r->topic = arts_topic(opts->cfg.realm, ARTS_TOPIC_REG, NULL);
}

void agent_reg_clear(AgentRegistration *r)
{
  g_clear_pointer(&r->topic, g_free);
  g_clear_pointer(&r->runtime, arts_runtime_free);
}

ArtsEnvelope *agent_reg_create(const AgentRegistration *r)
{
  g_autoptr(JsonObject) data = arts_runtime_to_json(r->runtime);

  return arts_envelope_new(ARTS_TYPE_REQ, "create", NULL, data);
}

ArtsEnvelope *agent_reg_delete(const AgentRegistration *r)
{
  g_autoptr(JsonObject) data = json_object_new();

  json_object_set_string_member(data, "type", "runtime");
  json_object_set_string_member(data, "uuid", r->runtime->uuid);
  json_object_set_string_member(data, "name", r->runtime->name);
  return arts_envelope_new(ARTS_TYPE_REQ, "delete", NULL, data);
}

char *agent_reg_will(const AgentRegistration *r, gsize *len)
{
  g_autoptr(ArtsEnvelope) env = agent_reg_delete(r);

  return arts_envelope_to_json(env, len);
}
