/* What the agent puts on the wire passes libarts-common's decoders (the
 * ones the orchestrator, arts-ctl and the dashboard use), field by field. */
#include <math.h>
#include <string.h>
#include "arts-common.h"
#include "registration.h"
#include "telemetry.h"

#define UUID "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6b"

static void options_init(AgentOptions *o)
{
  memset(o, 0, sizeof *o);
  o->cfg.realm = g_strdup("lab");
  o->name = g_strdup("kitchen-pi");
  o->interval_ms = 500;
  o->buffer_max = 10;
  o->max_nmodules = 6;
}

static ArtsEnvelope *parse(const char *json, gsize len)
{
  g_autoptr(GError) error = NULL;
  ArtsEnvelope *env = arts_envelope_parse(json, len, &error);

  g_assert_no_error(error);
  g_assert_nonnull(env);
  return env;
}

static void test_create(void)
{
  AgentOptions o;
  AgentRegistration r;
  g_autoptr(GError) error = NULL;

  options_init(&o);
  agent_reg_init(&r, &o, UUID);
  g_assert_cmpstr(r.topic, ==, "lab/proc/reg");

  g_autoptr(ArtsEnvelope) req = agent_reg_create(&r);
  gsize len;
  g_autofree char *json = arts_envelope_to_json(req, &len);
  g_autoptr(ArtsEnvelope) env = parse(json, len);
  g_assert_cmpint(env->type, ==, ARTS_TYPE_REQ);
  g_assert_cmpstr(env->action, ==, "create");
  g_assert_true(arts_uuid_is_valid(env->object_id));
  g_assert_cmpstr(arts_envelope_data_type(env), ==, "runtime");

  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(env->data, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(rt->uuid, ==, UUID);
  g_assert_cmpstr(rt->name, ==, "kitchen-pi");
  g_assert_cmpstr(rt->runtime_type, ==, "arts-agent");
  g_assert_cmpuint(g_strv_length(rt->apis), ==, 2);
  g_assert_cmpstr(rt->apis[0], ==, "wasm");
  g_assert_cmpstr(rt->apis[1], ==, "wasi");
  g_assert_cmpint(rt->max_nmodules, ==, 6);
  g_assert_cmpint(rt->page_size, ==, 65536);
  g_assert_null(rt->aot_target);
  g_assert_cmpint(rt->platform.cpu_cores, >=, 1);
  g_assert_cmpint(rt->platform.memory_total, >, 0);
  g_assert_nonnull(rt->platform.arch);
  g_assert_nonnull(rt->platform.hostname);
  /* The agent states no status: that is the orchestrator's view. */
  g_assert_false(json_object_has_member(env->data, "status"));
  g_assert_true(json_object_has_member(env->data, "aot_target"));

  /* Every create has its own object_id. */
  g_autoptr(ArtsEnvelope) again = agent_reg_create(&r);
  g_assert_cmpstr(again->object_id, !=, req->object_id);

  agent_reg_clear(&r);
  agent_options_clear(&o);
}

static void test_delete_and_will(void)
{
  AgentOptions o;
  AgentRegistration r;
  g_autoptr(GError) error = NULL;
  gsize len;

  options_init(&o);
  agent_reg_init(&r, &o, UUID);
  g_autofree char *will = agent_reg_will(&r, &len);
  g_autoptr(ArtsEnvelope) env = parse(will, len);
  g_assert_cmpint(env->type, ==, ARTS_TYPE_REQ);
  g_assert_cmpstr(env->action, ==, "delete");
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(env->data, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(rt->uuid, ==, UUID);
  g_assert_cmpstr(rt->name, ==, "kitchen-pi");
  /* Just {type, uuid, name}: the will is small and says who left. */
  g_assert_cmpuint(json_object_get_size(env->data), ==, 3);
  agent_reg_clear(&r);
  agent_options_clear(&o);
}

static void check_telemetry(const char *json, gsize len, gboolean replayed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEnvelope) env = parse(json, len);
  g_assert_cmpint(env->type, ==, ARTS_TYPE_RUNTIME_RESP);
  g_assert_cmpstr(env->action, ==, "update");
  g_autoptr(ArtsTelemetry) t = arts_telemetry_from_json(env->data, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(t->runtime_uuid, ==, UUID);
  g_assert_cmpint(t->interval_ms, ==, 500);
  g_assert_cmpint(t->replayed, ==, replayed);
  g_assert_cmpint(t->timestamp_ms, >, 1600000000000);
  g_assert_false(isnan(arts_telemetry_get(t, ARTS_METRIC_MEM_USED)));
  g_assert_false(isnan(arts_telemetry_get(t, ARTS_METRIC_PROC_RSS)));
  g_assert_cmpfloat(arts_telemetry_get(t, AGENT_METRIC_DROPPED), ==, 7);
}

static void test_telemetry(void)
{
  AgentTelemetry tel;
  g_autoptr(GError) error = NULL;
  gsize len;

  agent_telemetry_init(&tel, UUID, 500);
  g_autoptr(ArtsTelemetry) first = agent_telemetry_sample(&tel, &error);
  g_assert_no_error(error);
  g_assert_nonnull(first);
  g_usleep(20000);
  g_autoptr(ArtsTelemetry) t = agent_telemetry_sample(&tel, &error);
  g_assert_no_error(error);
  /* With a previous sample, the utilizations are there. */
  g_assert_false(isnan(arts_telemetry_get(t, ARTS_METRIC_PROC_CPU_UTIL)));
  arts_telemetry_add(t, AGENT_METRIC_DROPPED, 7);

  g_autofree char *live = agent_telemetry_encode(t, FALSE, &len);
  check_telemetry(live, len, FALSE);
  g_autofree char *late = agent_telemetry_encode(t, TRUE, &len);
  check_telemetry(late, len, TRUE);
  agent_telemetry_clear(&tel);
}

static void test_keepalive(void)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  g_autofree char *json = agent_keepalive_encode(UUID, "kitchen-pi",
                                                 1700000000123, &len);
  g_autoptr(ArtsEnvelope) env = parse(json, len);
  g_assert_cmpint(env->type, ==, ARTS_TYPE_RUNTIME_RESP);
  g_assert_cmpstr(env->action, ==, "update");
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(env->data, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(rt->uuid, ==, UUID);
  g_assert_cmpint(rt->ts_ms, ==, 1700000000123);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/agent/messages/reg-create", test_create);
  g_test_add_func("/agent/messages/reg-delete-and-will", test_delete_and_will);
  g_test_add_func("/agent/messages/telemetry", test_telemetry);
  g_test_add_func("/agent/messages/keepalive", test_keepalive);
  return g_test_run();
}
