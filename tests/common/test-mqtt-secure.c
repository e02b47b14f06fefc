/* The MQTT client against a mosquitto with TLS, passwords and an ACL: a CA
 * and a server certificate made with openssl here, a password file made
 * with mosquitto_passwd. */
#include <stdarg.h>
#include <string.h>
#include "arts-common.h"
#include "test-broker.h"

static TestBroker broker;
static char *ca_pem;

/* Runs the command line FMT makes; FALSE after saying why it failed. */
static gboolean run(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static gboolean run(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int status;
  g_autoptr(GError) err = NULL;
  g_autofree char *out = NULL, *errout = NULL;
  if (!g_spawn_command_line_sync(cmd, &out, &errout, &status, &err) ||
      !g_spawn_check_wait_status(status, NULL)) {
    g_printerr("%s failed: %s\n", cmd, err ? err->message : errout);
    return FALSE;
  }
  return TRUE;
}

static gboolean make_broker(void) {
  test_broker_prepare(&broker);
  const char *d = broker.dir;
  ca_pem = test_broker_file(&broker, "ca.pem");
  g_autofree char *ext = test_broker_file(&broker, "ext.cnf");
  g_file_set_contents(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n", -1,
                      NULL);
  if (!run("openssl req -x509 -newkey ec -pkeyopt "
           "ec_paramgen_curve:prime256v1 -nodes -keyout %s/ca.key -out %s "
           "-days 2 -subj /CN=arts-test-ca", d, ca_pem) ||
      !run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
           "-nodes -keyout %s/server.key -out %s/server.csr "
           "-subj /CN=localhost", d, d) ||
      !run("openssl x509 -req -in %s/server.csr -CA %s -CAkey %s/ca.key "
           "-CAcreateserial -out %s/server.pem -days 2 -extfile %s", d, ca_pem,
           d, d, ext) ||
      !run("mosquitto_passwd -b -c %s/passwd alice wonderland", d))
    return FALSE;
  g_autofree char *acl = test_broker_file(&broker, "acl");
  g_file_set_contents(acl, "user alice\ntopic readwrite allowed/#\n", -1,
                      NULL);
  g_autofree char *extra = g_strdup_printf(
      "cafile %s\ncertfile %s/server.pem\nkeyfile %s/server.key\n"
      "allow_anonymous false\npassword_file %s/passwd\nacl_file %s\n", ca_pem,
      d, d, d, acl);
  return test_broker_start(&broker, 0, extra);
}

typedef struct {
  gboolean connected;
  int reasons[4];
  int mids[4];
  guint n_acks;
  guint n_messages;
} Probe;

static void on_connect(ArtsMqtt *m, gboolean connected, gpointer data) {
  ((Probe *)data)->connected = connected;
}

static void on_publish(ArtsMqtt *m, int mid, int reason, gpointer data) {
  Probe *p = data;
  if (p->n_acks < G_N_ELEMENTS(p->reasons)) {
    p->mids[p->n_acks] = mid;
    p->reasons[p->n_acks] = reason;
  }
  p->n_acks++;
}

static void on_message(ArtsMqtt *m, const char *topic, const guint8 *payload,
                       gsize len, const ArtsMqttProp *props, guint n_props,
                       gpointer data) {
  ((Probe *)data)->n_messages++;
}

static ArtsMqtt *client(Probe *p, const char *user, const char *password,
                        const char *cafile) {
  g_autofree char *url = g_strdup_printf("mqtts://127.0.0.1:%d", broker.port);
  ArtsMqttOptions o = { .broker_url = url, .username = user,
                        .password = password, .cafile = cafile };
  g_autoptr(GError) err = NULL;
  ArtsMqtt *m = arts_mqtt_new(&o, &err);
  g_assert_no_error(err);
  arts_mqtt_set_connect_func(m, on_connect, p);
  arts_mqtt_set_publish_func(m, on_publish, p);
  arts_mqtt_set_message_func(m, on_message, p);
  g_assert_true(arts_mqtt_start(m, &err));
  return m;
}

/* Publishes PAYLOAD on TOPIC at QoS 1 and waits for its PUBACK: the
 * reason code. */
static int publish_acked(ArtsMqtt *m, Probe *p, const char *topic,
                         const char *payload) {
  g_autoptr(GError) err = NULL;
  guint i = p->n_acks;
  int mid = arts_mqtt_publish(m, topic, payload, strlen(payload), 1, FALSE,
                              NULL, 0, &err);
  g_assert_no_error(err);
  g_assert_true(test_wait_count(&p->n_acks, i + 1, 3000));
  g_assert_cmpint(p->mids[i], ==, mid);
  return p->reasons[i];
}

static void test_tls_auth_acl(void) {
  Probe p = { 0 };
  ArtsMqtt *m = client(&p, "alice", "wonderland", ca_pem);
  g_assert_true(test_wait_flag(&p.connected, 5000));
  arts_mqtt_subscribe(m, "allowed/#", 1);
  test_run_for(200);
  g_assert_cmpint(publish_acked(m, &p, "allowed/x", "1"), ==, 0);
  /* Outside the ACL: MQTT 5 says "not authorized" in the PUBACK. */
  g_assert_cmpint(publish_acked(m, &p, "denied/x", "2"), ==, 0x87);
  g_assert_cmpuint(p.n_messages, ==, 1);   /* our own allowed/x only */
  g_assert_true(arts_mqtt_disconnect_sync(m, 2000));
  arts_mqtt_free(m);
}

static void test_refused(void) {
  /* A wrong password: never connected, and the reason is known. */
  Probe p = { 0 };
  ArtsMqtt *m = client(&p, "alice", "queen-of-hearts", ca_pem);
  test_run_for(1000);
  g_assert_false(p.connected);
  g_assert_false(arts_mqtt_is_connected(m));
  g_assert_nonnull(arts_mqtt_last_error(m));
  g_assert_true(strstr(arts_mqtt_last_error(m), "refused") ||
                strstr(arts_mqtt_last_error(m), "lost"));
  arts_mqtt_free(m);

  /* No CA that knows the server: the TLS handshake fails. */
  Probe q = { 0 };
  ArtsMqtt *n = client(&q, "alice", "wonderland", NULL);
  test_run_for(1000);
  g_assert_false(q.connected);
  g_assert_nonnull(arts_mqtt_last_error(n));
  arts_mqtt_free(n);

  /* Plain MQTT to a TLS port does not get through either. */
  g_autofree char *url = g_strdup_printf("mqtt://127.0.0.1:%d", broker.port);
  ArtsMqttOptions o = { .broker_url = url, .username = "alice",
                        .password = "wonderland" };
  Probe r = { 0 };
  ArtsMqtt *plain = arts_mqtt_new(&o, NULL);
  arts_mqtt_set_connect_func(plain, on_connect, &r);
  g_assert_true(arts_mqtt_start(plain, NULL));
  test_run_for(1000);
  g_assert_false(r.connected);
  arts_mqtt_free(plain);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  if (!make_broker()) {
    g_printerr("cannot start a TLS mosquitto\n");
    test_broker_clear(&broker);
    return 1;
  }
  g_test_add_func("/mqtt-secure/tls-auth-acl", test_tls_auth_acl);
  g_test_add_func("/mqtt-secure/refused", test_refused);
  int rc = g_test_run();
  test_broker_clear(&broker);
  g_free(ca_pem);
  return rc;
}
