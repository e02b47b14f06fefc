/* The agent's side of channels without a broker: limits taken from the
 * module's resources, messages delivered through the same path as from
 * MQTT, and the module's telemetry entry with its counters per channel
 * and summed. An ArtsMqtt that never connects only remembers the
 * subscriptions, which is all agent/channels.c asks of it here. */
#include <math.h>
#include <string.h>

#include <errno.h>

#include "arts-channel.h"
#include "arts-common.h"
#include "channels.h"

#define MOD "0b6f1c2e-1111-4222-8333-944445555666"
#define REALM "lab"

static ArtsModule *
module_from(const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) o = arts_json_parse_object(json, strlen(json), &error);
  g_assert_no_error(error);
  ArtsModule *m = arts_module_from_json(o, &error);
  g_assert_no_error(error);
  return m;
}

static void
send(AgentChannels *c, const char *name, guint64 seq, const char *text)
{
  char s[24];
  g_autofree char *topic = arts_channel_topic(REALM, name);

  g_snprintf(s, sizeof s, "%" G_GUINT64_FORMAT, seq);
  ArtsMqttProp props[] = { { "src", "someone-else" }, { "seq", s } };
  g_assert_true(agent_channels_on_message(c, topic, (const guint8 *)text,
                                          strlen(text), props, 2));
}

static double
ch_metric(ArtsTelemetry *t, const char *channel, const char *name)
{
  ArtsModuleMetrics *mm = arts_telemetry_get_module(t, MOD);
  const ArtsChannelMetrics *cm = mm ? arts_module_metrics_channel(mm, channel)
                                    : NULL;

  return cm ? arts_channel_metrics_get(cm, name) : NAN;
}

static void
test_limits_and_counters(void)
{
  ArtsMqttOptions opts = { .broker_url = "mqtt://127.0.0.1:9" };
  g_autoptr(GError) error = NULL;
  ArtsMqtt *mqtt = arts_mqtt_new(&opts, &error);
  g_assert_no_error(error);
  AgentChannels *c = agent_channels_new(mqtt, REALM);
  g_autoptr(ArtsModule) am = module_from(
      "{\"uuid\":\"" MOD "\",\"channels\":[{\"path\":\"in/a\",\"mode\":\"r\"},"
      "{\"path\":\"out\",\"mode\":\"w\"}],"
      "\"resources\":{\"channel_msg_max\":3,\"channel_queue_max\":2}}");
  gsize msg_max, queue_max;
  char err[128] = "";

  agent_channels_limits_from_module(am, &msg_max, &queue_max);
  g_assert_cmpuint(msg_max, ==, 3);
  g_assert_cmpuint(queue_max, ==, 2);
  agent_channels_limits_from_module(NULL, &msg_max, &queue_max);
  g_assert_cmpuint(msg_max + queue_max, ==, 0);

  AgentModuleChannels *mc = agent_channels_attach_module(c, MOD, am, &error);
  g_assert_no_error(error);
  g_assert_nonnull(mc);

  /* Before the set is bound nothing is measured: no entry at all. */
  g_autoptr(ArtsTelemetry) none = arts_telemetry_new(MOD, 1, 1000);
  agent_module_channels_metrics(mc, none, MOD);
  g_assert_null(arts_telemetry_get_module(none, MOD));

  wasi_channels *set = agent_module_channels_create(mc, err, sizeof err);
  g_assert_nonnull(set);
  agent_module_channels_bind(mc, set);
  send(c, "in/a", 1, "1");
  send(c, "in/a", 2, "22");
  send(c, "in/a", 3, "333");     /* queue full: dropped */
  send(c, "in/a", 4, "4444");    /* too large and full: dropped */
  g_assert_cmpint(wasi_channel_send(set, 1, "hey", 3), ==, 0);
  g_assert_cmpint(wasi_channel_send(set, 1, "toolong", 7), ==, -EMSGSIZE);

  g_autoptr(ArtsTelemetry) t = arts_telemetry_new(MOD, 2, 1000);
  agent_module_channels_metrics(mc, t, MOD);
  ArtsModuleMetrics *mm = arts_telemetry_get_module(t, MOD);
  g_assert_nonnull(mm);
  g_assert_cmpuint(mm->channels->len, ==, 2);
  g_assert_cmpuint(arts_module_metrics_channel(mm, "in/a")->mode, ==,
                   ARTS_CHANNEL_READ);
  g_assert_cmpuint(arts_module_metrics_channel(mm, "out")->mode, ==,
                   ARTS_CHANNEL_WRITE);
  g_assert_cmpfloat(ch_metric(t, "in/a", ARTS_METRIC_CH_MSGS_IN), ==, 2);
  g_assert_cmpfloat(ch_metric(t, "in/a", ARTS_METRIC_CH_BYTES_IN), ==, 3);
  g_assert_cmpfloat(ch_metric(t, "in/a", ARTS_METRIC_CH_DROPPED), ==, 2);
  g_assert_cmpfloat(ch_metric(t, "in/a", ARTS_METRIC_CH_QUEUED), ==, 2);
  g_assert_cmpfloat(ch_metric(t, "out", ARTS_METRIC_CH_MSGS_OUT), ==, 1);
  g_assert_cmpfloat(ch_metric(t, "out", ARTS_METRIC_CH_BYTES_OUT), ==, 3);
  g_assert_cmpfloat(ch_metric(t, "out", ARTS_METRIC_CH_DROPPED), ==, 0);
  /* The sums, for history. */
  g_assert_cmpfloat(arts_module_metrics_get(mm, ARTS_METRIC_CH_MSGS_IN), ==,
                    2);
  g_assert_cmpfloat(arts_module_metrics_get(mm, ARTS_METRIC_CH_DROPPED), ==,
                    2);
  g_assert_cmpfloat(arts_module_metrics_get(mm, ARTS_METRIC_CH_BYTES_OUT), ==,
                    3);

  /* What goes on the wire decodes again. */
  g_autoptr(JsonObject) j = arts_telemetry_to_json(t);
  g_autoptr(ArtsTelemetry) back = arts_telemetry_from_json(j, &error);
  g_assert_no_error(error);
  g_assert_cmpfloat(ch_metric(back, "in/a", ARTS_METRIC_CH_DROPPED), ==, 2);

  agent_module_channels_unbind(mc);
  wasi_channels_free(set);
  agent_channels_detach(mc);
  agent_channels_free(c);
  arts_mqtt_free(mqtt);
  /* Publishes of the module were queued for an idle flush: let it run
   * into nothing. */
  while (g_main_context_iteration(NULL, FALSE))
    ;
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/agent-channels/limits-and-counters",
                  test_limits_and_counters);
  return g_test_run();
}
