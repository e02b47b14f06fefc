/* test-realm-model: the dashboard's model layer, without widgets or a
 * broker: wire messages go in through the model's own entry point (the one
 * its MQTT callback uses), and what views bind to comes out. Bad messages
 * must be refused with a reason and change nothing. Also the sample ring,
 * history answers, and the German translation. */
#include "arts-event-item.h"
#include "arts-module-item.h"
#include "arts-realm-model-private.h"
#include "arts-runtime-item.h"
#include "arts-series.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#define REALM "lab"
#define RT1 "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6b"
#define RT2 "3f0c8a1e-2d4b-4e6f-8a9b-000000000002"
#define MOD1 "2222aaaa-bbbb-4ccc-8ddd-eeeeffff0000"

static ArtsRealmModel *
new_model(void)
{
  return arts_realm_model_new("mqtt://127.0.0.1:1", REALM, NULL, NULL, NULL);
}

static gboolean
feed(ArtsRealmModel *m, const char *leaf, const char *json, GError **error)
{
  g_autofree char *topic = g_strdup_printf(REALM "/proc/%s", leaf);

  return arts_realm_model_handle_message(m, topic, (const guint8 *)json,
                                         json ? strlen(json) : 0, error);
}

static void
feed_ok(ArtsRealmModel *m, const char *leaf, const char *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(feed(m, leaf, json, &error));
  g_assert_no_error(error);
}

static char *
state_json(const char *uuid, const char *name, const char *status)
{
  return g_strdup_printf(
      "{\"object_id\":\"7c6b5a49-3827-4160-9f8e-7d6c5b4a3928\","
      "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
      "\"type\":\"runtime\",\"uuid\":\"%s\",\"name\":\"%s\","
      "\"runtime_type\":\"arts-agent\",\"apis\":[\"wasm\",\"wasi\"],"
      "\"max_nmodules\":8,\"page_size\":65536,\"aot_target\":null,"
      "\"platform\":{\"arch\":\"x86_64\",\"os\":\"Linux\","
      "\"os_release\":\"6.1.0-18-amd64\",\"hostname\":\"%s\","
      "\"cpu_cores\":4,\"memory_total\":16000000000},"
      "\"status\":\"%s\",\"last_seen\":1764024000123}}",
      uuid, name, name, status);
}

static char *
stats_json(const char *uuid, gint64 ts, double cpu, double used, double rx,
           const char *modules)
{
  return g_strdup_printf(
      "{\"object_id\":\"5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716\","
      "\"action\":\"update\",\"type\":\"runtime_resp\",\"data\":{"
      "\"type\":\"telemetry\",\"uuid\":\"%s\",\"ts\":%" G_GINT64_FORMAT ","
      "\"interval_ms\":1000,\"replayed\":false,\"metrics\":{"
      "\"system.cpu.utilization\":%g,\"system.memory.usage\":%.0f,"
      "\"system.network.io.receive\":%.0f,"
      "\"system.network.io.transmit\":1000},\"modules\":[%s]}}",
      uuid, ts, cpu, used, rx, modules ? modules : "");
}

static ArtsRuntimeItem *
item_at(ArtsRealmModel *m, guint i)
{
  GListModel *list = arts_realm_model_get_runtimes(m);
  ArtsRuntimeItem *item = g_list_model_get_item(list, i);

  g_object_unref(item); /* the model keeps it */
  return item;
}

/* The card's architecture caption: the device class, then what the agent
 * said of its process; an older peer's caption has only the class. */
static void
test_arch_caption(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  static const struct {
    const char *platform, *caption;
  } cases[] = {
    { "{\"arch\":\"s390x\",\"byte_order\":\"big\",\"word_size\":64}",
      "s390x · 64-bit · big-endian" },
    { "{\"arch\":\"aarch64\",\"byte_order\":\"little\",\"word_size\":32}",
      "arm · 32-bit · little-endian" },
    { "{\"arch\":\"mips\",\"byte_order\":\"little\",\"word_size\":32}",
      "mipsel · 32-bit · little-endian" },
    { "{\"arch\":\"armv7l\",\"cpu_cores\":4}", "arm" },
    { "{\"os\":\"Linux\"}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *s = g_strdup_printf(
        "{\"object_id\":\"7c6b5a49-3827-4160-9f8e-7d6c5b4a3928\","
        "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
        "\"type\":\"runtime\",\"uuid\":\"" RT1 "\",\"name\":\"rt\","
        "\"platform\":%s,\"status\":\"A\"}}", cases[i].platform);
    g_autofree char *caption = NULL;

    feed_ok(m, "state/runtime/" RT1, s);
    caption = arts_runtime_item_dup_arch_caption(item_at(m, 0));
    g_assert_cmpstr(caption, ==, cases[i].caption);
  }
}

static void
test_state_and_stats(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  g_autofree char *s1 = state_json(RT1, "lab-laptop", "A");
  g_autofree char *t1 = stats_json(RT1, 1764024000000, 0.25, 4e9, 1000, NULL);
  g_autofree char *t2 = stats_json(RT1, 1764024001000, 0.5, 5e9, 3000, NULL);
  g_autofree char *platform = NULL;
  ArtsRuntimeItem *it;

  feed_ok(m, "state/runtime/" RT1, s1);
  g_assert_cmpuint(g_list_model_get_n_items(arts_realm_model_get_runtimes(m)),
                   ==, 1);
  it = item_at(m, 0);
  g_assert_cmpstr(arts_runtime_item_get_name(it), ==, "lab-laptop");
  g_assert_cmpstr(arts_runtime_item_get_runtime_type(it), ==, "arts-agent");
  g_assert_true(arts_runtime_item_get_alive(it));
  g_assert_cmpuint(arts_realm_model_get_n_alive(m), ==, 1);
  g_assert_cmpint(arts_runtime_item_get_mem_total(it), ==, 16000000000);
  platform = arts_runtime_item_dup_platform_summary(it);
  g_assert_cmpstr(platform, ==, "x86_64 · Linux 6.1.0-18-amd64 · 4 cores");
  g_assert_cmpfloat(arts_runtime_item_get_cpu(it), <, 0); /* unknown yet */

  feed_ok(m, "stats/" RT1, t1);
  feed_ok(m, "stats/" RT1, t2);
  g_assert_cmpfloat_with_epsilon(arts_runtime_item_get_cpu(it), 0.5, 1e-9);
  g_assert_cmpint(arts_runtime_item_get_mem_used(it), ==, 5000000000);
  g_assert_cmpfloat_with_epsilon(arts_runtime_item_get_mem_fraction(it),
                                 5.0 / 16, 1e-9);
  /* 2000 bytes in one second. */
  g_assert_cmpfloat_with_epsilon(arts_runtime_item_get_net_rx_rate(it),
                                 2000, 1e-9);
  g_assert_cmpuint(arts_series_get_n_samples(
                       arts_runtime_item_get_cpu_series(it)), ==, 2);
  g_assert_cmpuint(arts_series_get_n_samples(
                       arts_runtime_item_get_rx_series(it)), ==, 1);

  /* The orchestrator declares it dead. */
  g_free(s1);
  s1 = state_json(RT1, "lab-laptop", "D");
  feed_ok(m, "state/runtime/" RT1, s1);
  g_assert_false(arts_runtime_item_get_alive(it));
  g_assert_cmpuint(arts_realm_model_get_n_alive(m), ==, 0);

  /* An empty retained state is a removal. */
  feed_ok(m, "state/runtime/" RT1, NULL);
  g_assert_cmpuint(g_list_model_get_n_items(arts_realm_model_get_runtimes(m)),
                   ==, 0);
  g_assert_null(arts_realm_model_lookup_runtime(m, RT1));
}

static void
test_stats_before_state(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  g_autofree char *t = stats_json(RT2, 1764024000000, 0.1, 1e9, 0, NULL);
  g_autofree char *s = state_json(RT2, "edge-router", "A");
  ArtsRuntimeItem *it;

  /* Telemetry of a runtime whose state has not come yet: shown under its
   * uuid's first block until its name arrives. */
  feed_ok(m, "stats/" RT2, t);
  it = arts_realm_model_lookup_runtime(m, RT2);
  g_assert_nonnull(it);
  g_assert_cmpstr(arts_runtime_item_get_name(it), ==, "3f0c8a1e");
  /* Without the orchestrator's word, three silent intervals make it dead
   * and a new sample brings it back. */
  g_assert_true(arts_runtime_item_get_alive(it));
  g_assert_false(arts_runtime_item_check_silence(it, arts_now_ms() + 2000));
  g_assert_true(arts_runtime_item_check_silence(it, arts_now_ms() + 5000));
  g_assert_false(arts_runtime_item_get_alive(it));
  feed_ok(m, "stats/" RT2, t);
  g_assert_true(arts_runtime_item_get_alive(it));
  feed_ok(m, "state/runtime/" RT2, s);
  g_assert_cmpstr(arts_runtime_item_get_name(it), ==, "edge-router");
  /* From now on the orchestrator decides. */
  g_assert_false(arts_runtime_item_check_silence(it, arts_now_ms() + 60000));
  g_assert_true(arts_runtime_item_get_alive(it));
  g_assert_cmpuint(g_list_model_get_n_items(arts_realm_model_get_runtimes(m)),
                   ==, 1);
}

static void
test_modules(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  g_autofree char *s = state_json(RT1, "a", "A");
  g_autofree char *t = stats_json(RT1, 1764024000000, 0.1, 1e9, 0,
      "{\"uuid\":\"" MOD1 "\",\"metrics\":{\"process.cpu.utilization\":0.3}}");
  ArtsRuntimeItem *it;
  g_autoptr(ArtsModuleItem) mod = NULL;

  feed_ok(m, "state/runtime/" RT1, s);
  feed_ok(m, "stats/" RT1, t);
  it = arts_realm_model_lookup_runtime(m, RT1);
  g_assert_cmpuint(arts_runtime_item_get_n_modules(it), ==, 1);
  mod = g_list_model_get_item(arts_runtime_item_get_modules(it), 0);
  g_assert_cmpstr(arts_module_item_get_uuid(mod), ==, MOD1);
  g_assert_cmpfloat_with_epsilon(arts_module_item_get_cpu(mod), 0.3, 1e-9);
}

static char *
module_state_json(const char *parent, const char *status, const char *state)
{
  return g_strdup_printf(
      "{\"object_id\":\"0e1f2a3b-4c5d-4e6f-9a7b-8c9d0e1f2a3b\","
      "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
      "\"type\":\"module\",\"uuid\":\"" MOD1 "\",\"name\":\"counter\","
      "\"parent\":\"%s\",\"filename\":\"counter.wasm\","
      "\"filetype\":\"WA\",\"apis\":[\"wasm\",\"wasi\"],\"args\":[],"
      "\"env\":[],\"channels\":[],\"peripherals\":[],\"resources\":null,"
      "\"fault_crash\":\"restart\",\"status\":\"%s\",\"state\":\"%s\","
      "\"runtime_name\":\"x\",\"started_at\":1764024000200,"
      "\"exit_code\":null,\"error\":null,\"migrations\":3}}",
      parent, status, state);
}

/* state/module moves a module's chip from runtime to runtime; a stopped
 * one leaves; an empty retained state forgets it. */
static void
test_module_state(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  g_autofree char *s1 = state_json(RT1, "a", "A");
  g_autofree char *s2 = state_json(RT2, "b", "A");
  g_autofree char *on1 = module_state_json(RT1, "A", "running");
  g_autofree char *on2 = module_state_json(RT2, "A", "migrating");
  g_autofree char *stopped = module_state_json(RT2, "D", "exited");
  ArtsRuntimeItem *r1, *r2;
  ArtsModuleItem *mod;

  feed_ok(m, "state/runtime/" RT1, s1);
  feed_ok(m, "state/runtime/" RT2, s2);
  r1 = arts_realm_model_lookup_runtime(m, RT1);
  r2 = arts_realm_model_lookup_runtime(m, RT2);
  feed_ok(m, "state/module/" MOD1, on1);
  mod = arts_realm_model_lookup_module(m, MOD1);
  g_assert_nonnull(mod);
  g_assert_cmpstr(arts_module_item_get_name(mod), ==, "counter");
  g_assert_cmpint(arts_module_item_get_state(mod), ==, ARTS_MODULE_RUNNING);
  g_assert_cmpuint(arts_runtime_item_get_n_modules(r1), ==, 1);
  g_assert_cmpuint(arts_runtime_item_get_n_modules(r2), ==, 0);
  feed_ok(m, "state/module/" MOD1, on2);
  g_assert_cmpint(arts_module_item_get_state(mod), ==, ARTS_MODULE_MIGRATING);
  g_assert_cmpuint(arts_runtime_item_get_n_modules(r1), ==, 0);
  g_assert_cmpuint(arts_runtime_item_get_n_modules(r2), ==, 1);
  feed_ok(m, "state/module/" MOD1, stopped);
  g_assert_cmpuint(arts_runtime_item_get_n_modules(r2), ==, 0);
  feed_ok(m, "state/module/" MOD1, NULL);
  g_assert_null(arts_realm_model_lookup_module(m, MOD1));
}

/* Per-channel counters reach the module's item from its runtime's
 * telemetry; the orchestrator's older channel_stats in a later state do
 * not replace them; the state's channel list says name and mode. */
static void
test_channel_counters(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  g_autofree char *s1 = state_json(RT1, "a", "A");
  const char *stats =
    "{\"object_id\":\"" MOD1 "\",\"action\":\"update\","
    "\"type\":\"runtime_resp\",\"data\":{\"type\":\"telemetry\","
    "\"uuid\":\"" RT1 "\",\"ts\":2000,\"metrics\":{},"
    "\"modules\":[{\"uuid\":\"" MOD1 "\",\"name\":\"consumer\","
    "\"metrics\":{},\"channels\":[{\"channel\":\"demo/numbers\","
    "\"mode\":\"r\",\"metrics\":{\"arts.channel.messages.in\":12,"
    "\"arts.channel.messages.dropped\":2}}]}]}}";
  const char *state =
    "{\"object_id\":\"" MOD1 "\",\"action\":\"update\","
    "\"type\":\"arts_resp\",\"data\":{\"type\":\"module\","
    "\"uuid\":\"" MOD1 "\",\"name\":\"consumer\",\"parent\":\"" RT1
    "\",\"status\":\"A\",\"state\":\"running\","
    "\"channels\":[{\"path\":\"demo/numbers\",\"mode\":\"r\"},"
    "{\"path\":\"alerts\",\"mode\":\"w\"}],"
    "\"channel_stats\":{\"ts\":1000,\"channels\":[{\"channel\":"
    "\"demo/numbers\",\"metrics\":{\"arts.channel.messages.in\":3}}]}}}";
  ArtsModuleItem *mod;
  GPtrArray *c;
  ArtsChannel *ch;

  feed_ok(m, "state/runtime/" RT1, s1);
  feed_ok(m, "stats/" RT1, stats);
  mod = arts_realm_model_lookup_module(m, MOD1);
  g_assert_nonnull(mod);
  c = arts_module_item_get_channel_counters(mod);
  g_assert_cmpuint(c->len, ==, 1);
  g_assert_cmpfloat(arts_channel_metrics_get(c->pdata[0],
                                             ARTS_METRIC_CH_MSGS_IN), ==, 12);
  g_assert_cmpuint(((ArtsChannelMetrics *)c->pdata[0])->mode, ==,
                   ARTS_CHANNEL_READ);
  g_assert_cmpuint(arts_module_item_get_declared_channels(mod)->len, ==, 0);
  feed_ok(m, "state/module/" MOD1, state);
  c = arts_module_item_get_channel_counters(mod);
  g_assert_cmpfloat(arts_channel_metrics_get(c->pdata[0],
                                             ARTS_METRIC_CH_MSGS_IN), ==, 12);
  c = arts_module_item_get_declared_channels(mod);
  g_assert_cmpuint(c->len, ==, 2);
  ch = c->pdata[1];
  g_assert_cmpstr(ch->name, ==, "alerts");
  g_assert_cmpuint(ch->mode, ==, ARTS_CHANNEL_WRITE);
}

/* Each bad message is refused, says why, and leaves the model as it was. */
static void
test_bad_messages(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  g_autofree char *s = state_json(RT1, "lab-laptop", "A");
  g_autofree char *other = state_json(RT2, "imposter", "D");
  g_autofree char *unknown = NULL;
  g_autofree char *big = g_malloc0(ARTS_MAX_PAYLOAD + 2);
  static const struct {
    const char *leaf;
    const char *payload;
    const char *says;
  } bad[] = {
    { "state/runtime/" RT1, "not json", NULL },
    { "state/runtime/" RT1, "[1,2]", NULL },
    { "state/runtime/not-a-uuid", "{}", "uuid" },
    { "state/whatever/" RT1, "{}", "state" },
    { "stats/" RT1, "{\"object_id\":\"" MOD1 "\",\"action\":\"update\","
      "\"type\":\"runtime_resp\",\"data\":{\"type\":\"telemetry\","
      "\"uuid\":\"" RT1 "\",\"ts\":\"soon\",\"metrics\":{}}}", "ts" },
    { "notif", "{\"object_id\":\"4d3c2b1a-0f9e-4d8c-9b7a-6f5e4d3c2b1a\","
      "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{\"type\":"
      "\"event\",\"event\":\"runtime_died\",\"ts\":1,\"colour\":\"red\"}}",
      "colour" },
    { "reg", "{}", "reg" },
  };
  ArtsRuntimeItem *it;

  feed_ok(m, "state/runtime/" RT1, s);
  it = arts_realm_model_lookup_runtime(m, RT1);
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false(feed(m, bad[i].leaf, bad[i].payload, &error));
    g_assert_nonnull(error);
    g_test_message("%s: %s", bad[i].leaf, error->message);
    if (bad[i].says)
      g_assert_nonnull(strstr(error->message, bad[i].says));
  }
  {
    /* A state whose uuid is not its topic's. */
    g_autoptr(GError) error = NULL;

    g_assert_false(feed(m, "state/runtime/" RT1, other, &error));
    g_assert_nonnull(strstr(error->message, "data.uuid"));
  }
  {
    /* Unknown fields are refused by name (WIRE.md). */
    g_autoptr(GError) error = NULL;
    GString *u = g_string_new(s);

    g_string_replace(u, "\"status\"", "\"mood\":\"happy\",\"status\"", 1);
    unknown = g_string_free(u, FALSE);
    g_assert_false(feed(m, "state/runtime/" RT1, unknown, &error));
    g_assert_nonnull(strstr(error->message, "mood"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *topic = g_strdup("elsewhere/proc/state/runtime/" RT1);

    g_assert_false(arts_realm_model_handle_message(m, topic,
        (const guint8 *)s, strlen(s), &error));
    g_assert_nonnull(error);
  }
  {
    g_autoptr(GError) error = NULL;

    memset(big, ' ', ARTS_MAX_PAYLOAD + 1);
    g_assert_false(feed(m, "state/runtime/" RT1, big, &error));
    g_assert_nonnull(error);
  }
  /* Nothing changed. */
  g_assert_cmpuint(g_list_model_get_n_items(arts_realm_model_get_runtimes(m)),
                   ==, 1);
  g_assert_true(arts_realm_model_lookup_runtime(m, RT1) == it);
  g_assert_cmpstr(arts_runtime_item_get_name(it), ==, "lab-laptop");
  g_assert_true(arts_runtime_item_get_alive(it));
  g_assert_cmpuint(g_list_model_get_n_items(arts_realm_model_get_events(m)),
                   ==, 0);
}

static void
test_events(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  g_autoptr(ArtsEventItem) e = NULL;
  g_autofree char *title = NULL;

  feed_ok(m, "notif",
          "{\"object_id\":\"4d3c2b1a-0f9e-4d8c-9b7a-6f5e4d3c2b1a\","
          "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
          "\"type\":\"event\",\"event\":\"runtime_died\",\"uuid\":\"" RT1 "\","
          "\"name\":\"lab-laptop\",\"ts\":1764024003123,"
          "\"reason\":\"last will\"}}");
  feed_ok(m, "notif",
          "{\"object_id\":\"4d3c2b1a-0f9e-4d8c-9b7a-6f5e4d3c2b1b\","
          "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
          "\"type\":\"event\",\"event\":\"runtime_joined\",\"uuid\":\"" RT2 "\","
          "\"name\":\"edge\",\"ts\":1764024004000}}");
  g_assert_cmpuint(g_list_model_get_n_items(arts_realm_model_get_events(m)),
                   ==, 2);
  /* Newest first. */
  e = g_list_model_get_item(arts_realm_model_get_events(m), 1);
  g_assert_cmpstr(arts_event_item_get_event(e), ==, "runtime_died");
  g_assert_cmpstr(arts_event_item_get_reason(e), ==, "last will");
  g_assert_true(arts_event_item_is_problem(e));
  title = arts_event_item_dup_title(e);
  g_assert_cmpstr(title, ==, "Runtime lab-laptop died");
}

/* ---- a followed module's output ---- */

typedef struct {
  GString *text;
  guint n_gaps;
} Console;

static void
on_output(ArtsRealmModel *m, const char *uuid, GBytes *bytes, gint64 gap,
          Console *c)
{
  gsize len;
  const char *data = g_bytes_get_data(bytes, &len);

  g_assert_cmpstr(uuid, ==, MOD1);
  if (gap > 0) {
    g_string_append_printf(c->text, "[gap %lld]", (long long)gap);
    c->n_gaps++;
  }
  g_string_append_len(c->text, data, len);
}

static void
feed_output(ArtsRealmModel *m, gint64 offset, const char *text)
{
  g_autofree char *off = g_strdup_printf("%lld", (long long)offset);
  ArtsMqttProp props[] = { { "offset", off }, { "fd", "1" } };
  g_autoptr(GError) error = NULL;

  g_assert_true(arts_realm_model_handle_message_full(m,
      REALM "/proc/stdout/" MOD1, (const guint8 *)text, strlen(text),
      props, G_N_ELEMENTS(props), &error));
  g_assert_no_error(error);
}

/* Live output that comes while the orchestrator's logs are asked for
 * waits for them; here the logs cannot come (no broker), so it is shown
 * as soon as the ask fails: in order, the repeat dropped, the gap marked,
 * nothing before it invented. */
static void
test_output_held(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  Console c = { g_string_new(NULL), 0 };

  g_signal_connect(m, "output", G_CALLBACK(on_output), &c);
  arts_realm_model_follow_output(m, MOD1, TRUE);
  feed_output(m, 10, "10\n11\n");
  feed_output(m, 10, "10\n11\n");     /* a QoS 1 redelivery */
  feed_output(m, 16, "12\n");
  feed_output(m, 23, "14\n");          /* "13\n" lost: 4 bytes */
  /* Nothing yet: the logs come first. */
  g_assert_cmpuint(c.text->len, ==, 0);
  while (c.text->len == 0)
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpstr(c.text->str, ==, "10\n11\n12\n[gap 4]14\n");
  g_assert_cmpuint(c.n_gaps, ==, 1);
  /* From then on live, still by offset. */
  feed_output(m, 23, "14\n");
  feed_output(m, 26, "15\n");
  g_assert_cmpstr(c.text->str, ==, "10\n11\n12\n[gap 4]14\n15\n");
  /* Not followed any more: nothing shown. */
  arts_realm_model_follow_output(m, MOD1, FALSE);
  feed_output(m, 29, "16\n");
  g_assert_cmpstr(c.text->str, ==, "10\n11\n12\n[gap 4]14\n15\n");
  g_string_free(c.text, TRUE);
}

/* module_migrated events are kept with their module: from, to, downtime,
 * why, when. */
static void
test_migration_log(void)
{
  g_autoptr(ArtsRealmModel) m = new_model();
  ArtsModuleItem *mod;
  ArtsMigrationRecord *r;

  feed_ok(m, "state/module/" MOD1,
          "{\"object_id\":\"0e1f2a3b-4c5d-4e6f-9a7b-8c9d0e1f2a3b\","
          "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
          "\"type\":\"module\",\"uuid\":\"" MOD1 "\",\"name\":\"counter\","
          "\"parent\":\"" RT1 "\",\"filename\":\"counter.wasm\","
          "\"filetype\":\"WA\",\"apis\":[\"wasm\"],\"args\":[],\"env\":[],"
          "\"channels\":[],\"peripherals\":[],\"resources\":null,"
          "\"fault_crash\":\"ignore\",\"status\":\"A\","
          "\"state\":\"running\",\"started_at\":1764024000200,"
          "\"migrations\":3}}");
  mod = arts_realm_model_lookup_module(m, MOD1);
  g_assert_nonnull(mod);
  g_assert_cmpuint(arts_module_item_get_migration_log(mod)->len, ==, 0);
  feed_ok(m, "notif",
          "{\"object_id\":\"1f2a3b4c-5d6e-4f7a-8b8c-9d0e1f2a3b4c\","
          "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
          "\"type\":\"event\",\"event\":\"module_migrated\","
          "\"uuid\":\"" MOD1 "\",\"name\":\"counter\","
          "\"ts\":1764024010175,\"reason\":\"drain\","
          "\"runtime\":\"" RT2 "\",\"source\":\"" RT1 "\","
          "\"target\":\"" RT2 "\",\"downtime_ms\":14,\"total_ms\":61}}");
  g_assert_cmpuint(arts_module_item_get_migration_log(mod)->len, ==, 1);
  r = arts_module_item_get_migration_log(mod)->pdata[0];
  g_assert_cmpstr(r->source, ==, RT1);
  g_assert_cmpstr(r->target, ==, RT2);
  g_assert_true(r->has_times);
  g_assert_cmpint(r->downtime_ms, ==, 14);
  g_assert_cmpstr(r->reason, ==, "drain");
  g_assert_cmpint(r->ts_ms, ==, 1764024010175);
}

static void
test_history(void)
{
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(ArtsSeries) raw = NULL, agg = NULL, bad = NULL;
  g_autoptr(GError) error = NULL;
  gint64 ts;
  double v;

  g_assert_true(json_parser_load_from_data(p,
      "{\"runtime\":\"" RT1 "\",\"metric\":\"system.cpu.utilization\","
      "\"resolution\":\"raw\",\"points\":[[1000,0.1],[2000,0.2],[3000,0.3]]}",
      -1, NULL));
  raw = arts_realm_model_parse_history(
      json_node_get_object(json_parser_get_root(p)), &error);
  g_assert_no_error(error);
  g_assert_cmpuint(arts_series_get_n_samples(raw), ==, 3);
  arts_series_get_sample(raw, 2, &ts, &v);
  g_assert_cmpint(ts, ==, 3000);
  g_assert_cmpfloat_with_epsilon(v, 0.3, 1e-9);

  g_assert_true(json_parser_load_from_data(p,
      "{\"runtime\":\"" RT1 "\",\"metric\":\"system.cpu.utilization\","
      "\"resolution\":\"1m\",\"points\":[[60000,0.5,0.1,0.9]]}", -1, NULL));
  agg = arts_realm_model_parse_history(
      json_node_get_object(json_parser_get_root(p)), &error);
  g_assert_no_error(error);
  arts_series_get_sample(agg, 0, NULL, &v);
  g_assert_cmpfloat_with_epsilon(v, 0.5, 1e-9); /* the average */

  g_assert_true(json_parser_load_from_data(p,
      "{\"runtime\":\"" RT1 "\",\"metric\":\"system.cpu.utilization\","
      "\"resolution\":\"raw\",\"points\":[[2000,0.1],[1000,\"x\"]]}",
      -1, NULL));
  bad = arts_realm_model_parse_history(
      json_node_get_object(json_parser_get_root(p)), &error);
  g_assert_null(bad);
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_FIELD);
}

static void
test_series(void)
{
  g_autoptr(ArtsSeries) s = arts_series_new(4);
  gint64 ts;
  double v;

  for (int i = 1; i <= 6; i++)
    arts_series_push(s, i * 1000, i);
  /* The ring keeps the newest four. */
  g_assert_cmpuint(arts_series_get_n_samples(s), ==, 4);
  arts_series_get_sample(s, 0, &ts, &v);
  g_assert_cmpint(ts, ==, 3000);
  g_assert_cmpint(arts_series_get_last_ts(s), ==, 6000);
  g_assert_cmpfloat(arts_series_get_max(s, 0), ==, 6);
  g_assert_cmpfloat(arts_series_get_max(s, 7000), ==, 0);
  /* A late (replayed) sample goes into its place... */
  arts_series_push(s, 4500, 45);
  g_assert_cmpuint(arts_series_get_n_samples(s), ==, 4);
  arts_series_get_sample(s, 1, &ts, &v);
  g_assert_cmpint(ts, ==, 4500);
  g_assert_cmpfloat(v, ==, 45);
  arts_series_get_sample(s, 0, &ts, NULL);
  g_assert_cmpint(ts, ==, 4000);
  /* ... a duplicate is dropped, and one older than the ring falls off. */
  arts_series_push(s, 4500, 99);
  arts_series_push(s, 100, 1);
  for (guint i = 0; i < 4; i++) {
    arts_series_get_sample(s, i, &ts, &v);
    g_assert_cmpfloat(v, !=, 99);
    g_assert_cmpint(ts, !=, 100);
  }
}

static void
test_translation(void)
{
  const char *build = g_getenv("ARTS_BUILD_DIR");
  g_autofree char *podir = NULL;
  g_autofree char *mo = NULL;
  g_autoptr(ArtsEventItem) e = NULL;
  g_autofree char *title = NULL;

  if (!build) {
    g_test_skip("ARTS_BUILD_DIR is not set");
    return;
  }
  podir = g_build_filename(build, "po", NULL);
  mo = g_build_filename(podir, "de", "LC_MESSAGES", "arts-dashboard.mo",
                        NULL);
  g_assert_true(g_file_test(mo, G_FILE_TEST_EXISTS));
  g_setenv("LANGUAGE", "de", TRUE);
  setlocale(LC_ALL, "C.UTF-8");
  bindtextdomain(GETTEXT_PACKAGE, podir);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  e = arts_event_item_new("runtime_died", RT1, "lab-laptop", 0, NULL);
  title = arts_event_item_dup_title(e);
  g_assert_cmpstr(title, ==, "Laufzeit lab-laptop ist ausgefallen");
  g_assert_cmpstr(g_dgettext(GETTEXT_PACKAGE, "Offline"), ==, "Offline");
  g_assert_cmpstr(g_dgettext(GETTEXT_PACKAGE, "No programs"), ==,
                  "Keine Programme");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/realm-model/state-and-stats", test_state_and_stats);
  g_test_add_func("/realm-model/arch-caption", test_arch_caption);
  g_test_add_func("/realm-model/stats-before-state", test_stats_before_state);
  g_test_add_func("/realm-model/modules", test_modules);
  g_test_add_func("/realm-model/module-state", test_module_state);
  g_test_add_func("/realm-model/channel-counters", test_channel_counters);
  g_test_add_func("/realm-model/bad-messages", test_bad_messages);
  g_test_add_func("/realm-model/events", test_events);
  g_test_add_func("/realm-model/history", test_history);
  g_test_add_func("/realm-model/output-held", test_output_held);
  g_test_add_func("/realm-model/migration-log", test_migration_log);
  g_test_add_func("/series/ring", test_series);
  /* Last: it changes the process's locale. */
  g_test_add_func("/i18n/german", test_translation);
  return g_test_run();
}
