/* The topic tree and broker URLs. */
#include "arts-common.h"

static void test_topics(void) {
  g_autofree char *reg = arts_topic("lab", ARTS_TOPIC_REG, NULL);
  g_assert_cmpstr(reg, ==, "lab/proc/reg");
  g_autofree char *ctl = arts_topic("lab", ARTS_TOPIC_CONTROL, "abc");
  g_assert_cmpstr(ctl, ==, "lab/proc/control/abc");
  g_autofree char *st = arts_topic("lab", ARTS_TOPIC_STATE, "runtime/abc");
  g_assert_cmpstr(st, ==, "lab/proc/state/runtime/abc");

  char *leaf, *rest;
  g_assert_true(arts_topic_parse("lab", ctl, &leaf, &rest));
  g_assert_cmpstr(leaf, ==, "control");
  g_assert_cmpstr(rest, ==, "abc");
  g_free(leaf);
  g_free(rest);
  g_assert_true(arts_topic_parse("lab", reg, &leaf, &rest));
  g_assert_cmpstr(leaf, ==, "reg");
  g_assert_null(rest);
  g_free(leaf);
  g_assert_true(arts_topic_parse("lab", st, &leaf, &rest));
  g_assert_cmpstr(leaf, ==, "state");
  g_assert_cmpstr(rest, ==, "runtime/abc");
  g_free(leaf);
  g_free(rest);

  /* Other realms, prefixes of the realm and foreign trees are not ours. */
  g_assert_false(arts_topic_parse("lab", "lab2/proc/reg", &leaf, &rest));
  g_assert_false(arts_topic_parse("lab", "la/proc/reg", &leaf, &rest));
  g_assert_false(arts_topic_parse("lab", "lab/procx/reg", &leaf, &rest));
  g_assert_false(arts_topic_parse("lab", "lab/proc/", &leaf, &rest));
  g_assert_false(arts_topic_parse("lab", "lab/proc//x", &leaf, &rest));
  g_assert_false(arts_topic_parse("lab", "other/proc/reg", &leaf, &rest));
  g_assert_null(leaf);
}

static void test_realm_names(void) {
  g_assert_true(arts_realm_is_valid("realm"));
  g_assert_true(arts_realm_is_valid("lab-2.east_1"));
  g_autofree char *max = g_strnfill(64, 'a');
  g_autofree char *over = g_strnfill(65, 'a');
  g_assert_true(arts_realm_is_valid(max));
  g_assert_false(arts_realm_is_valid(over));
  g_assert_false(arts_realm_is_valid(""));
  g_assert_false(arts_realm_is_valid(NULL));
  g_assert_false(arts_realm_is_valid("a/b"));
  g_assert_false(arts_realm_is_valid("a+"));
  g_assert_false(arts_realm_is_valid("#"));
  g_assert_false(arts_realm_is_valid("a b"));
  g_assert_false(arts_realm_is_valid("r\xc3\xa9"));
}

typedef struct {
  const char *url;
  const char *host;   /* NULL: must fail */
  int port;
  gboolean tls;
} UrlCase;

static void test_broker_urls(void) {
  static const UrlCase cases[] = {
    { "mqtt://127.0.0.1:1883", "127.0.0.1", 1883, FALSE },
    { "mqtt://broker", "broker", 1883, FALSE },
    { "mqtts://broker.example", "broker.example", 8883, TRUE },
    { "mqtts://broker.example:9000", "broker.example", 9000, TRUE },
    { "mqtt://localhost:1/", "localhost", 1, FALSE },
    { "mqtt://[::1]:1884", "::1", 1884, FALSE },
    { "mqtt://[::1]", "::1", 1883, FALSE },
    { "mqtt://h:65535", "h", 65535, FALSE },
    { "http://broker:1883", NULL, 0, FALSE },
    { "broker:1883", NULL, 0, FALSE },
    { "mqtt://", NULL, 0, FALSE },
    { "mqtt://:1883", NULL, 0, FALSE },
    { "mqtt://h:0", NULL, 0, FALSE },
    { "mqtt://h:65536", NULL, 0, FALSE },
    { "mqtt://h:12x", NULL, 0, FALSE },
    { "mqtt://h:", NULL, 0, FALSE },
    { "mqtt://h/path", NULL, 0, FALSE },
    { "mqtt://user@h", NULL, 0, FALSE },
    { "mqtt://[::1", NULL, 0, FALSE },
    { "", NULL, 0, FALSE },
    { NULL, NULL, 0, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const UrlCase *c = &cases[i];
    g_autofree char *host = NULL;
    int port = -1;
    gboolean tls = FALSE;
    g_autoptr(GError) err = NULL;
    gboolean ok = arts_broker_url_parse(c->url, &host, &port, &tls, &err);
    if (!c->host) {
      if (ok)
        g_error("%s was accepted", c->url);
      g_assert_error(err, ARTS_ERROR, ARTS_ERROR_CONFIG);
      g_assert_null(host);
      continue;
    }
    g_assert_no_error(err);
    g_assert_cmpstr(host, ==, c->host);
    g_assert_cmpint(port, ==, c->port);
    g_assert_cmpint(tls, ==, c->tls);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/topics/build-parse", test_topics);
  g_test_add_func("/topics/realm-names", test_realm_names);
  g_test_add_func("/topics/broker-urls", test_broker_urls);
  return g_test_run();
}
