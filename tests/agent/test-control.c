/* Decoding of control/{runtime_uuid} requests: what is accepted, and that
 * every refusal names the field at fault. */
#include <string.h>
#include "arts-common.h"
#include "control.h"

#define OID "\"object_id\":\"11111111-1111-4111-8111-111111111111\""
#define MUUID "22222222-2222-4222-8222-222222222222"
#define SHA "4f38e6f27f87eec2ce389dd04df97fcc335e5bc0d123bb595ecda309b35ea83c"

static AgentControl *parse(const char *action, const char *data,
                           GError **error)
{
  g_autofree char *json = g_strdup_printf(
    "{" OID ",\"action\":\"%s\",\"type\":\"arts_req\",\"data\":%s}", action,
    data);
  g_autoptr(GError) perr = NULL;
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse(json, strlen(json),
                                                    &perr);

  g_assert_no_error(perr);
  return agent_control_parse(env, error);
}

static void refused(const char *action, const char *data, const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AgentControl) c = parse(action, data, &error);

  g_assert_null(c);
  g_assert_nonnull(error);
  if (!strstr(error->message, words))
    g_error("%s %s: \"%s\" does not mention \"%s\"", action, data,
            error->message, words);
}

static void test_create(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AgentControl) c = parse("create",
    "{\"type\":\"module\",\"uuid\":\"" MUUID "\",\"name\":\"counter\","
    "\"filename\":\"counter.wasm\",\"filetype\":\"WA\",\"sha256\":\"" SHA "\","
    "\"args\":[\"10\"],\"env\":[\"K=V\"],\"apis\":[\"wasm\",\"wasi\"],"
    "\"channels\":[],\"peripherals\":[],\"fault_crash\":\"restart\","
    "\"status\":\"A\",\"parent\":\"" MUUID "\","
    "\"resources\":{\"max_memory\":67108864,\"fuel\":1000}}", &error);

  g_assert_no_error(error);
  g_assert_cmpint(c->action, ==, AGENT_CONTROL_CREATE);
  g_assert_cmpstr(c->module->uuid, ==, MUUID);
  g_assert_cmpstr(c->module->sha256, ==, SHA);
  g_assert_cmpstr(c->module->args[0], ==, "10");
  g_assert_cmpuint(c->max_memory, ==, 67108864);
  g_assert_cmpuint(c->fuel, ==, 1000);
  g_assert_false(c->restore);

  /* Every resource the wire knows is taken: ARTS's CPU reservation (kept,
   * not enforced) and the channel limits. */
  g_autoptr(AgentControl) arts = parse("create",
    "{\"type\":\"module\",\"uuid\":\"" MUUID "\",\"filename\":\"c.wasm\","
    "\"resources\":{\"period\":100000,\"runtime\":50000,"
    "\"channel_msg_max\":512,\"channel_queue_max\":16}}", &error);
  g_assert_no_error(error);
  g_assert_cmpint(arts->module->channel_queue_max, ==, 16);
  g_assert_cmpuint(arts->max_memory, ==, 0);
}

static void test_restore(void)
{
  g_autoptr(AgentControl) c = parse("create",
    "{\"type\":\"module\",\"uuid\":\"" MUUID "\",\"sha256\":\"" SHA "\","
    "\"resources\":null,\"restore\":{\"migration\":\"mig-1\"}}", NULL);
  g_autoptr(AgentControl) k = parse("create",
    "{\"type\":\"module\",\"uuid\":\"" MUUID "\",\"filename\":\"x.wasm\","
    "\"restore\":{\"checkpoint\":true}}", NULL);

  g_assert_nonnull(c);
  g_assert_true(c->restore);
  g_assert_cmpstr(c->restore_migration, ==, "mig-1");
  g_assert_nonnull(k);
  g_assert_true(k->restore);
  g_assert_null(k->restore_migration);
}

static void test_others(void)
{
  g_autoptr(AgentControl) d = parse("delete",
    "{\"type\":\"module\",\"uuid\":\"" MUUID "\",\"reason\":\"migrated\"}",
    NULL);
  g_autoptr(AgentControl) m = parse("migrate",
    "{\"type\":\"module\",\"name\":\"counter\",\"migration\":\"a:b-1.2_3\","
    "\"target\":\"kitchen\"}", NULL);
  g_autoptr(AgentControl) r = parse("resume",
    "{\"type\":\"module\",\"uuid\":\"" MUUID "\"}", NULL);
  g_autoptr(AgentControl) k = parse("checkpoint",
    "{\"type\":\"module\",\"name\":\"counter\"}", NULL);

  g_assert_nonnull(d);
  g_assert_cmpstr(d->reason, ==, "migrated");
  g_assert_nonnull(m);
  g_assert_cmpint(m->action, ==, AGENT_CONTROL_MIGRATE);
  g_assert_cmpstr(m->module->name, ==, "counter");
  g_assert_cmpstr(m->migration, ==, "a:b-1.2_3");
  g_assert_cmpstr(m->target, ==, "kitchen");
  g_assert_nonnull(r);
  g_assert_cmpint(r->action, ==, AGENT_CONTROL_RESUME);
  g_assert_nonnull(k);
  g_assert_cmpint(k->action, ==, AGENT_CONTROL_CHECKPOINT);
}

static void test_refused(void)
{
  const char *mod = "\"type\":\"module\",\"sha256\":\"" SHA "\"";
  g_autofree char *extra = g_strdup_printf("{%s,\"bogus\":1}", mod);
  g_autofree char *mem = g_strdup_printf(
    "{%s,\"resources\":{\"max_memory\":-5}}", mod);
  g_autofree char *big = g_strdup_printf(
    "{%s,\"resources\":{\"max_memory\":8589934592}}", mod);
  g_autofree char *res = g_strdup_printf("{%s,\"resources\":{\"cpu\":1}}",
                                         mod);
  g_autofree char *res2 = g_strdup_printf("{%s,\"resources\":[1]}", mod);
  g_autofree char *rst = g_strdup_printf("{%s,\"restore\":{}}", mod);
  g_autofree char *rst2 = g_strdup_printf(
    "{%s,\"restore\":{\"migration\":\"a b\"}}", mod);
  g_autofree char *rst3 = g_strdup_printf("{%s,\"restore\":true}", mod);
  g_autofree char *py = g_strdup_printf("{%s,\"filetype\":\"PY\"}", mod);

  refused("explode", "{\"type\":\"module\"}", "explode");
  refused("create", "{\"type\":\"runtime\"}", "data.type");
  refused("create", "{}", "data.type");
  refused("create", extra, "bogus");
  refused("create", "{\"type\":\"module\"}", "sha256");
  refused("create", "{\"type\":\"module\",\"sha256\":\"abc\"}", "sha256");
  refused("create", mem, "max_memory");
  refused("create", big, "max_memory");
  refused("create", res, "cpu");
  refused("create", res2, "resources");
  refused("create", rst, "restore");
  refused("create", rst2, "migration");
  refused("create", rst3, "restore");
  refused("create", py, "filetype");
  refused("delete", "{\"type\":\"module\"}", "uuid");
  refused("delete", "{\"type\":\"module\",\"uuid\":\"x\",\"reason\":5}",
          "reason");
  refused("migrate", "{\"type\":\"module\",\"uuid\":\"" MUUID "\"}",
          "migration");
  refused("migrate", "{\"type\":\"module\",\"uuid\":\"" MUUID "\","
          "\"migration\":\"\"}", "migration");
  refused("resume", "{\"type\":\"module\",\"uuid\":\"" MUUID "\","
          "\"target\":\"x\"}", "target");
  refused("checkpoint", "{\"type\":\"module\"}", "uuid");
}

static void test_not_a_request(void)
{
  const char *json = "{" OID ",\"action\":\"create\",\"type\":"
                     "\"runtime_resp\",\"data\":{\"result\":\"ok\"}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse(json, strlen(json),
                                                    NULL);
  g_autoptr(AgentControl) c = agent_control_parse(env, &error);

  g_assert_null(c);
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_UNKNOWN);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/control/create", test_create);
  g_test_add_func("/control/restore", test_restore);
  g_test_add_func("/control/others", test_others);
  g_test_add_func("/control/refused", test_refused);
  g_test_add_func("/control/not-a-request", test_not_a_request);
  return g_test_run();
}
