/* Channel names (hostile ones above all), --channel specs, the module's
 * channels field and channel topics. */
#include "arts-channel.h"
#include "arts-error.h"

static void test_names(void) {
  const char *good[] = {"a", "sensors/temp", "a.b/c-d/e_f", "...x",
                        "x..", "A9/z", ".hidden"};
  for (gsize i = 0; i < G_N_ELEMENTS(good); i++)
    g_assert_true(arts_channel_name_valid(good[i], NULL));
  const char *bad[] = {"", "/", "/a", "a/", "a//b", ".", "..", "a/./b",
                       "a/../b", "../proc/control", "+", "#", "a/+/b",
                       "a/#", "a b", "a\tb", "a\nb", "\xc3\xa9t\xc3\xa9",
                       "a$", "a:b", "a\\b", "\xff", "a\x7f"};
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *e = NULL;
    g_assert_false(arts_channel_name_valid(bad[i], &e));
    g_assert_error(e, ARTS_ERROR, ARTS_ERROR_FIELD);
    g_assert_true(g_utf8_validate(e->message, -1, NULL));
    g_error_free(e);
  }
  g_assert_false(arts_channel_name_valid(NULL, NULL));
  char name[130];
  memset(name, 'x', sizeof name - 1);
  name[129] = 0;
  g_assert_false(arts_channel_name_valid(name, NULL));
  name[128] = 0;
  g_assert_true(arts_channel_name_valid(name, NULL));
}

static void test_specs(void) {
  g_autoptr(ArtsChannel) r = arts_channel_parse_spec("temp:r", NULL);
  g_assert_nonnull(r);
  g_assert_cmpstr(r->name, ==, "temp");
  g_assert_cmpuint(r->mode, ==, ARTS_CHANNEL_READ);
  g_autoptr(ArtsChannel) rw = arts_channel_parse_spec("a/b:rw", NULL);
  g_assert_cmpuint(rw->mode, ==, ARTS_CHANNEL_READ | ARTS_CHANNEL_WRITE);
  g_autoptr(ArtsChannel) w = arts_channel_parse_spec("a/b:w", NULL);
  g_assert_cmpuint(w->mode, ==, ARTS_CHANNEL_WRITE);
  const char *bad[] = {"temp", "temp:", "temp:x", ":r", "a:b:r", "a/#:r",
                       "../x:r", "temp:rwx"};
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *e = NULL;
    g_assert_null(arts_channel_parse_spec(bad[i], &e));
    g_assert_nonnull(e);
    g_error_free(e);
  }
}

static JsonArray *parse_array(const char *json) {
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
  return json_array_ref(json_node_get_array(json_parser_get_root(p)));
}

static void test_json(void) {
  JsonArray *a = parse_array(
    "[{\"path\":\"temp\",\"mode\":\"r\"},"
    "{\"path\":\"/ch/out/x\",\"mode\":\"rw\",\"type\":\"pubsub\","
    "\"params\":{}}]");
  GError *e = NULL;
  GPtrArray *chs = arts_channels_from_json(a, &e);
  g_assert_no_error(e);
  g_assert_cmpuint(chs->len, ==, 2);
  ArtsChannel *c = chs->pdata[1];
  g_assert_cmpstr(c->name, ==, "out/x");
  g_autoptr(JsonObject) o = arts_channel_to_json(c);
  g_assert_cmpstr(json_object_get_string_member(o, "path"), ==, "out/x");
  g_assert_cmpstr(json_object_get_string_member(o, "mode"), ==, "rw");
  g_ptr_array_unref(chs);
  json_array_unref(a);

  GPtrArray *none = arts_channels_from_json(NULL, NULL);
  g_assert_cmpuint(none->len, ==, 0);
  g_ptr_array_unref(none);

  const char *bad[] = {
    "[\"temp\"]", "[{\"path\":\"temp\"}]", "[{\"mode\":\"r\"}]",
    "[{\"path\":\"temp\",\"mode\":\"x\"}]", "[{\"path\":3,\"mode\":\"r\"}]",
    "[{\"path\":\"a/#\",\"mode\":\"r\"}]",
    "[{\"path\":\"/ch/../proc/control\",\"mode\":\"w\"}]",
    "[{\"path\":\"t\",\"mode\":\"r\",\"topic\":\"x\"}]",
    "[{\"path\":\"t\",\"mode\":\"r\",\"type\":\"socket\"}]",
    "[{\"path\":\"t\",\"mode\":\"r\",\"params\":{\"topic\":\"lab/proc/reg\"}}]",
    "[{\"path\":\"t\",\"mode\":\"r\"},{\"path\":\"/ch/t\",\"mode\":\"w\"}]",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    JsonArray *b = parse_array(bad[i]);
    GError *err = NULL;
    g_assert_null(arts_channels_from_json(b, &err));
    g_assert_nonnull(err);
    g_assert_true(strstr(err->message, "channels[") != NULL);
    g_error_free(err);
    json_array_unref(b);
  }
  JsonArray *many = json_array_new();
  for (int i = 0; i <= ARTS_CHANNEL_MAX; i++) {
    g_autofree char *n = g_strdup_printf("c%d", i);
    ArtsChannel tmp = {n, ARTS_CHANNEL_READ};
    json_array_add_object_element(many, arts_channel_to_json(&tmp));
  }
  g_assert_null(arts_channels_from_json(many, NULL));
  json_array_unref(many);
}

static void test_topics(void) {
  g_autofree char *t = arts_channel_topic("lab", "a/b");
  g_assert_cmpstr(t, ==, "lab/ch/a/b");
  g_autofree char *n = arts_channel_from_topic("lab", t);
  g_assert_cmpstr(n, ==, "a/b");
  g_assert_null(arts_channel_from_topic("lab", "lab/proc/reg"));
  g_assert_null(arts_channel_from_topic("lab", "lab2/ch/a"));
  g_assert_null(arts_channel_from_topic("lab", "lab/ch/"));
  g_assert_null(arts_channel_from_topic("lab", "lab/ch/a//b"));
  g_assert_null(arts_channel_from_topic("la", "lab/ch/a"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/channel/names", test_names);
  g_test_add_func("/channel/specs", test_specs);
  g_test_add_func("/channel/json", test_json);
  g_test_add_func("/channel/topics", test_topics);
  return g_test_run();
}
