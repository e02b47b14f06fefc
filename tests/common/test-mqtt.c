/* The MQTT client against a real mosquitto: publish/subscribe with user
 * properties, last will, request/answer, reconnect and re-subscribe after a
 * broker restart. */
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include "arts-common.h"
#include "test-broker.h"

static TestBroker broker;

typedef struct {
  gboolean connected_seen, disconnected_seen;
  gboolean connected;
  guint n_messages;
  char *topic;
  char *payload;
  char *prop_name, *prop_value;
  guint n_props;
  gboolean retained;
  int last_mid, last_reason;
  gboolean published;
} Probe;

static void probe_clear(Probe *p) {
  g_free(p->topic);
  g_free(p->payload);
  g_free(p->prop_name);
  g_free(p->prop_value);
  memset(p, 0, sizeof *p);
}

static void on_connect(ArtsMqtt *m, gboolean connected, gpointer data) {
  Probe *p = data;
  p->connected = connected;
  if (connected)
    p->connected_seen = TRUE;
  else
    p->disconnected_seen = TRUE;
}

static void on_message(ArtsMqtt *m, const char *topic, const guint8 *payload,
                       gsize len, const ArtsMqttProp *props, guint n_props,
                       gpointer data) {
  Probe *p = data;
  p->n_messages++;
  g_free(p->topic);
  g_free(p->payload);
  p->topic = g_strdup(topic);
  p->payload = g_strndup((const char *)payload, len);
  p->n_props = n_props;
  p->retained = arts_mqtt_message_retained(m);
  if (n_props > 0) {
    g_free(p->prop_name);
    g_free(p->prop_value);
    p->prop_name = g_strdup(props[0].name);
    p->prop_value = g_strdup(props[0].value);
  }
}

static void on_publish(ArtsMqtt *m, int mid, int reason, gpointer data) {
  Probe *p = data;
  p->last_mid = mid;
  p->last_reason = reason;
  p->published = TRUE;
}

static ArtsMqtt *client(Probe *p, const char *will_topic,
                        const char *will_payload) {
  g_autofree char *url = test_broker_url(&broker);
  ArtsMqttOptions o = { .broker_url = url };
  if (will_topic) {
    o.will_topic = will_topic;
    o.will_payload = will_payload;
    o.will_len = strlen(will_payload);
  }
  g_autoptr(GError) err = NULL;
  ArtsMqtt *m = arts_mqtt_new(&o, &err);
  g_assert_no_error(err);
  arts_mqtt_set_connect_func(m, on_connect, p);
  arts_mqtt_set_message_func(m, on_message, p);
  arts_mqtt_set_publish_func(m, on_publish, p);
  g_assert_true(arts_mqtt_start(m, &err));
  g_assert_true(test_wait_flag(&p->connected_seen, 5000));
  return m;
}

static void test_pubsub_props(void) {
  Probe pa = { 0 }, pb = { 0 };
  ArtsMqtt *a = client(&pa, NULL, NULL);
  ArtsMqtt *b = client(&pb, NULL, NULL);
  arts_mqtt_subscribe(b, "t/#", 1);
  test_run_for(200);   /* let the SUBACK come back */
  ArtsMqttProp props[] = { { "offset", "42" }, { "stream", "stdout" } };
  g_autoptr(GError) err = NULL;
  int mid = arts_mqtt_publish(a, "t/x", "hello", 5, 1, FALSE, props, 2, &err);
  g_assert_no_error(err);
  g_assert_cmpint(mid, >, 0);
  g_assert_true(test_wait_flag(&pa.published, 3000));
  g_assert_cmpint(pa.last_mid, ==, mid);
  g_assert_cmpint(pa.last_reason, ==, 0);
  g_assert_true(test_wait_count(&pb.n_messages, 1, 3000));
  g_assert_cmpuint(pb.n_messages, ==, 1);
  g_assert_cmpstr(pb.topic, ==, "t/x");
  g_assert_cmpstr(pb.payload, ==, "hello");
  g_assert_cmpuint(pb.n_props, ==, 2);
  g_assert_cmpstr(pb.prop_name, ==, "offset");
  g_assert_cmpstr(pb.prop_value, ==, "42");
  g_assert_false(pb.retained);
  g_assert_cmpuint(arts_mqtt_pending(a), ==, 0);

  /* After unsubscribing, nothing more arrives (checked by a marker on a
   * topic still subscribed, which comes after it on the same connection). */
  arts_mqtt_unsubscribe(b, "t/#");
  arts_mqtt_subscribe(b, "marker", 1);
  test_run_for(200);
  arts_mqtt_publish(a, "t/y", "late", 4, 1, FALSE, NULL, 0, &err);
  arts_mqtt_publish(a, "marker", "m", 1, 1, FALSE, NULL, 0, &err);
  g_assert_no_error(err);
  g_assert_true(test_wait_count(&pb.n_messages, 2, 3000));
  g_assert_cmpstr(pb.topic, ==, "marker");
  g_assert_cmpuint(pb.n_messages, ==, 2);

  /* A retained message reaches a late subscriber, marked as retained. */
  mid = arts_mqtt_publish(a, "r/state", "s1", 2, 1, TRUE, NULL, 0, &err);
  g_assert_no_error(err);
  g_assert_true(arts_mqtt_flush(a, 3000));
  Probe pc = { 0 };
  ArtsMqtt *c = client(&pc, NULL, NULL);
  arts_mqtt_subscribe(c, "r/#", 0);
  g_assert_true(test_wait_count(&pc.n_messages, 1, 3000));
  g_assert_cmpuint(pc.n_messages, ==, 1);
  g_assert_cmpstr(pc.payload, ==, "s1");
  g_assert_true(pc.retained);
  arts_mqtt_publish(a, "r/state", "", 0, 1, TRUE, NULL, 0, NULL);
  arts_mqtt_flush(a, 3000);

  arts_mqtt_disconnect_sync(a, 2000);
  arts_mqtt_disconnect_sync(b, 2000);
  arts_mqtt_disconnect_sync(c, 2000);
  arts_mqtt_free(a);
  arts_mqtt_free(b);
  arts_mqtt_free(c);
  probe_clear(&pa);
  probe_clear(&pb);
  probe_clear(&pc);
}

static void test_last_will(void) {
  Probe pw = { 0 }, po = { 0 }, pd = { 0 };
  ArtsMqtt *obs = client(&po, NULL, NULL);
  arts_mqtt_subscribe(obs, "realm/proc/reg", 1);
  test_run_for(200);

  /* A clean goodbye does not fire the will. */
  ArtsMqtt *d = client(&pd, "realm/proc/reg", "{\"clean\":true}");
  g_assert_true(arts_mqtt_disconnect_sync(d, 2000));
  arts_mqtt_free(d);
  g_assert_false(test_wait_count(&po.n_messages, 1, 500));

  /* Dropping the connection like a crash does. */
  ArtsMqtt *w = client(&pw, "realm/proc/reg", "{\"will\":true}");
  arts_mqtt_free(w);
  g_assert_true(test_wait_count(&po.n_messages, 1, 5000));
  g_assert_cmpstr(po.topic, ==, "realm/proc/reg");
  g_assert_cmpstr(po.payload, ==, "{\"will\":true}");

  arts_mqtt_disconnect_sync(obs, 2000);
  arts_mqtt_free(obs);
  probe_clear(&pw);
  probe_clear(&po);
  probe_clear(&pd);
}

typedef struct {
  gboolean done;
  gboolean ok;
  char *error;
  char *detail;
} Answer;

static void on_answer(ArtsMqtt *m, const ArtsEnvelope *resp,
                      const GError *error, gpointer data) {
  Answer *a = data;
  a->done = TRUE;
  if (error) {
    a->error = g_strdup(error->message);
    return;
  }
  JsonObject *details;
  g_autoptr(GError) err = NULL;
  a->ok = arts_response_check(resp, &details, &err);
  if (a->ok)
    a->detail = g_strdup(json_object_get_string_member(details, "echo"));
  else
    a->error = g_strdup(err->message);
}

/* Answers every request on "q" like the orchestrator would. */
static void responder(ArtsMqtt *m, const char *topic, const guint8 *payload,
                      gsize len, const ArtsMqttProp *props, guint n_props,
                      gpointer data) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsEnvelope) req = arts_envelope_parse((const char *)payload,
                                                    len, &err);
  if (!req || req->type != ARTS_TYPE_REQ)
    return;
  g_autoptr(ArtsEnvelope) resp = NULL;
  if (g_str_equal(req->action, "query")) {
    g_autoptr(JsonObject) d = json_object_new();
    json_object_set_string_member(d, "echo", req->action);
    resp = arts_response_ok(req, ARTS_TYPE_RESP, d);
  } else {
    g_autoptr(GError) e = g_error_new(ARTS_ERROR, ARTS_ERROR_UNKNOWN,
                                      "action: unknown \"%s\"", req->action);
    resp = arts_response_error(req, ARTS_TYPE_RESP, e);
  }
  arts_mqtt_publish_envelope(m, topic, resp, FALSE, NULL);
}

/* A request for ACTION sent on TOPIC, its answer (or timeout after
 * TIMEOUT_MS) to come in A; returned for sending again (the client keeps
 * only its object_id). */
static ArtsEnvelope *ask(ArtsMqtt *q, const char *topic, const char *action,
                         guint timeout_ms, Answer *a) {
  g_autoptr(GError) err = NULL;
  ArtsEnvelope *req = arts_envelope_new(ARTS_TYPE_REQ, action, NULL, NULL);
  g_assert_true(arts_mqtt_request(q, topic, req, timeout_ms, on_answer, a,
                                  &err));
  return req;
}

static void test_request(void) {
  Probe pr = { 0 }, pq = { 0 };
  ArtsMqtt *r = client(&pr, NULL, NULL);
  arts_mqtt_set_message_func(r, responder, NULL);
  arts_mqtt_subscribe(r, "realm/proc/query", 1);
  ArtsMqtt *q = client(&pq, NULL, NULL);
  test_run_for(200);

  g_autoptr(GError) err = NULL;
  Answer a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
  g_autoptr(ArtsEnvelope) ok_req = ask(q, "realm/proc/query", "query", 3000,
                                       &a1);
  /* The same object_id twice while the first is pending is refused. */
  g_assert_false(arts_mqtt_request(q, "realm/proc/query", ok_req, 3000,
                                   on_answer, &a1, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_CONFLICT);
  g_clear_error(&err);
  g_assert_true(test_wait_flag(&a1.done, 4000));
  g_assert_true(a1.ok);
  g_assert_cmpstr(a1.detail, ==, "query");

  arts_envelope_free(ask(q, "realm/proc/query", "frob", 3000, &a2));
  g_assert_true(test_wait_flag(&a2.done, 4000));
  g_assert_false(a2.ok);
  g_assert_cmpstr(a2.error, ==, "action: unknown \"frob\"");

  /* Nobody answers on another topic: the timeout reports it. */
  arts_envelope_free(ask(q, "realm/proc/nobody", "query", 300, &a3));
  g_assert_true(test_wait_flag(&a3.done, 3000));
  g_assert_false(a3.ok);
  g_assert_nonnull(a3.error);
  /* The requester's own request on the topic reaches its message function,
   * the answers do not. */
  g_assert_cmpuint(pq.n_messages, ==, 3);

  arts_mqtt_disconnect_sync(q, 2000);
  arts_mqtt_disconnect_sync(r, 2000);
  arts_mqtt_free(q);
  arts_mqtt_free(r);
  g_free(a1.detail);
  g_free(a2.error);
  g_free(a3.error);
  probe_clear(&pr);
  probe_clear(&pq);
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* A connected client with nothing to do sleeps: a busy loop in the GSource
 * (e.g. waking the context on every iteration) burns a core here. The
 * bound is far above an idle client's few milliseconds, even under ASan. */
static void test_idle(void) {
  Probe p = { 0 };
  ArtsMqtt *m = client(&p, NULL, NULL);
  arts_mqtt_subscribe(m, "idle/#", 1);
  test_run_for(200);
  double before = cpu_seconds();
  test_run_for(1500);
  double used = cpu_seconds() - before;
  g_assert_true(arts_mqtt_is_connected(m));
  g_assert_cmpfloat(used, <, 0.25);
  arts_mqtt_disconnect_sync(m, 2000);
  arts_mqtt_free(m);
  probe_clear(&p);
}

static void test_not_connected(void) {
  ArtsMqttOptions o = { .broker_url = "mqtt://127.0.0.1:1" };
  g_autoptr(GError) err = NULL;
  ArtsMqtt *m = arts_mqtt_new(&o, &err);
  g_assert_no_error(err);
  g_assert_true(arts_mqtt_start(m, &err));
  test_run_for(100);
  g_assert_false(arts_mqtt_is_connected(m));
  g_assert_cmpint(arts_mqtt_publish(m, "x", "y", 1, 1, FALSE, NULL, 0, &err),
                  ==, -1);
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_MQTT);
  g_clear_error(&err);
  g_autoptr(ArtsEnvelope) req = arts_envelope_new(ARTS_TYPE_REQ, "query",
                                                  NULL, NULL);
  g_assert_false(arts_mqtt_request(m, "q", req, 100, NULL, NULL, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_MQTT);
  /* Why: nobody listens on port 1. */
  test_run_for(300);
  g_assert_nonnull(arts_mqtt_last_error(m));
  arts_mqtt_free(m);

  g_clear_error(&err);
  o.broker_url = "http://x";
  g_assert_null(arts_mqtt_new(&o, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_CONFIG);
}

static void test_reconnect(void) {
  Probe pa = { 0 }, pb = { 0 };
  ArtsMqtt *a = client(&pa, NULL, NULL);
  arts_mqtt_subscribe(a, "after/restart", 1);
  test_run_for(200);

  int port = broker.port;
  test_broker_stop(&broker);
  pa.disconnected_seen = FALSE;
  g_assert_true(test_wait_flag(&pa.disconnected_seen, 5000));
  g_assert_false(arts_mqtt_is_connected(a));
  test_run_for(500);   /* a few failed attempts while the broker is away */
  g_assert_true(test_broker_start(&broker, port, NULL));

  pa.connected_seen = FALSE;
  g_assert_true(test_wait_flag(&pa.connected_seen, 10000));
  g_assert_true(arts_mqtt_is_connected(a));
  ArtsMqtt *b = client(&pb, NULL, NULL);
  test_run_for(200);   /* a's re-subscription is in place */
  g_autoptr(GError) err = NULL;
  arts_mqtt_publish(b, "after/restart", "back", 4, 1, FALSE, NULL, 0, &err);
  g_assert_no_error(err);
  g_assert_true(test_wait_count(&pa.n_messages, 1, 5000));
  g_assert_cmpstr(pa.payload, ==, "back");

  arts_mqtt_disconnect_sync(a, 2000);
  arts_mqtt_disconnect_sync(b, 2000);
  arts_mqtt_free(a);
  arts_mqtt_free(b);
  probe_clear(&pa);
  probe_clear(&pb);
}

/* A QoS 1 publish the broker never acknowledged (it froze, then died) is
 * sent again after the reconnect and acknowledged then: nothing waits for
 * a PUBACK forever. */
static void test_inflight_resent(void) {
  Probe pa = { 0 }, pb = { 0 };
  ArtsMqtt *a = client(&pa, NULL, NULL);
  test_run_for(100);
  int port = broker.port;
  kill(broker.pid, SIGSTOP);
  g_autoptr(GError) err = NULL;
  int mid = arts_mqtt_publish(a, "resent/x", "again", 5, 1, FALSE, NULL, 0,
                              &err);
  g_assert_no_error(err);
  test_run_for(200);
  g_assert_cmpuint(arts_mqtt_pending(a), ==, 1);
  g_assert_false(pa.published);
  kill(broker.pid, SIGKILL);
  kill(broker.pid, SIGCONT);
  test_broker_stop(&broker);
  g_assert_true(test_broker_start(&broker, port, NULL));
  pa.connected_seen = FALSE;
  g_assert_true(test_wait_flag(&pa.connected_seen, 10000));
  g_assert_true(test_wait_flag(&pa.published, 5000));
  g_assert_cmpint(pa.last_mid, ==, mid);
  /* Success; nobody subscribes, so MQTT 5 says 0x10 "no matching
   * subscribers". */
  g_assert_cmpint(pa.last_reason, ==, 0x10);
  g_assert_cmpuint(arts_mqtt_pending(a), ==, 0);
  arts_mqtt_disconnect_sync(a, 2000);
  arts_mqtt_free(a);
  probe_clear(&pa);
  probe_clear(&pb);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  if (!test_broker_start(&broker, 0, NULL)) {
    g_printerr("cannot start mosquitto\n");
    return 1;
  }
  g_test_add_func("/mqtt/pubsub-props", test_pubsub_props);
  g_test_add_func("/mqtt/last-will", test_last_will);
  g_test_add_func("/mqtt/request", test_request);
  g_test_add_func("/mqtt/not-connected", test_not_connected);
  g_test_add_func("/mqtt/idle", test_idle);
  g_test_add_func("/mqtt/reconnect", test_reconnect);
  g_test_add_func("/mqtt/inflight-resent", test_inflight_resent);
  int rc = g_test_run();
  test_broker_clear(&broker);
  return rc;
}
