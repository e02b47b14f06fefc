/* Configuration: command line over key file over defaults. */
#include <string.h>
#include <glib/gstdio.h>
#include "arts-common.h"

static char *tmpdir;

static char *write_file(const char *name, const char *text) {
  char *path = g_build_filename(tmpdir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* Parses ARGV (NULL-terminated) like a program would. */
static gboolean load(ArtsConfig *cfg, gboolean daemon, const char *group,
                     const char *const *args, GError **error) {
  memset(cfg, 0, sizeof *cfg);
  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  arts_config_add_options(cfg, ctx, daemon);
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, "prog");
  for (guint i = 0; args && args[i]; i++)
    g_ptr_array_add(argv, (char *)args[i]);
  g_ptr_array_add(argv, NULL);
  int argc = (int)argv->len - 1;
  char **av = (char **)argv->pdata;
  gboolean ok = g_option_context_parse(ctx, &argc, &av, error) &&
                arts_config_finish(cfg, group, error);
  g_ptr_array_free(argv, TRUE);
  return ok;
}

static void test_defaults(void) {
  ArtsConfig cfg;
  g_autoptr(GError) err = NULL;
  g_assert_true(load(&cfg, TRUE, "agent", NULL, &err));
  g_assert_no_error(err);
  g_assert_cmpstr(cfg.broker_url, ==, "mqtt://127.0.0.1:1883");
  g_assert_cmpstr(cfg.realm, ==, "realm");
  g_assert_null(cfg.username);
  g_assert_null(cfg.password);
  g_assert_null(cfg.state_dir);
  g_assert_cmpint(arts_config_get_int(&cfg, "agent", "interval-ms", 1000), ==,
                  1000);
  ArtsMqttOptions o;
  arts_config_mqtt_options(&cfg, &o);
  g_assert_cmpstr(o.broker_url, ==, cfg.broker_url);
  g_assert_null(o.will_topic);
  arts_config_clear(&cfg);
}

static void test_precedence(void) {
  g_autofree char *pw = write_file("pw", "s3cret\nignored second line\n");
  g_autofree char *text = g_strdup_printf(
      "[realm]\nbroker = mqtt://file-broker:1999\nname = filerealm\n"
      "username = file-user\npassword-file = %s\ncafile = /ca.pem\n"
      "[agent]\nstate-dir = /var/lib/x\ninterval-ms = 250\nname = box\n"
      "realm = agentrealm\nbad-int = many\n", pw);
  g_autofree char *conf = write_file("a.conf", text);
  ArtsConfig cfg;
  g_autoptr(GError) err = NULL;

  /* The file alone; [agent] wins over [realm]. */
  const char *a1[] = { "--config", conf, NULL };
  g_assert_true(load(&cfg, TRUE, "agent", a1, &err));
  g_assert_no_error(err);
  g_assert_cmpstr(cfg.broker_url, ==, "mqtt://file-broker:1999");
  g_assert_cmpstr(cfg.realm, ==, "agentrealm");
  g_assert_cmpstr(cfg.username, ==, "file-user");
  g_assert_cmpstr(cfg.password, ==, "s3cret");
  g_assert_cmpstr(cfg.cafile, ==, "/ca.pem");
  g_assert_cmpstr(cfg.state_dir, ==, "/var/lib/x");
  g_assert_cmpint(arts_config_get_int(&cfg, "agent", "interval-ms", 1000), ==,
                  250);
  g_assert_cmpint(arts_config_get_int(&cfg, "agent", "bad-int", 7), ==, 7);
  g_autofree char *name = arts_config_get_string(&cfg, "agent", "name", "d");
  g_assert_cmpstr(name, ==, "box");
  g_autofree char *dflt = arts_config_get_string(&cfg, "agent", "x", "d");
  g_assert_cmpstr(dflt, ==, "d");
  arts_config_clear(&cfg);

  /* Another program's group falls back to [realm]. */
  g_assert_true(load(&cfg, TRUE, "orchestrator", a1, &err));
  g_assert_cmpstr(cfg.realm, ==, "filerealm");
  g_assert_null(cfg.state_dir);
  arts_config_clear(&cfg);

  /* The command line wins over the file. */
  const char *a2[] = { "--config", conf, "--broker", "mqtts://cli:8884",
                       "--realm", "clirealm", "--state-dir", "/tmp/s",
                       "--username", "cli-user", NULL };
  g_assert_true(load(&cfg, TRUE, "agent", a2, &err));
  g_assert_no_error(err);
  g_assert_cmpstr(cfg.broker_url, ==, "mqtts://cli:8884");
  g_assert_cmpstr(cfg.realm, ==, "clirealm");
  g_assert_cmpstr(cfg.state_dir, ==, "/tmp/s");
  g_assert_cmpstr(cfg.username, ==, "cli-user");
  g_assert_cmpstr(cfg.password, ==, "s3cret");
  ArtsMqttOptions o;
  arts_config_mqtt_options(&cfg, &o);
  g_assert_cmpstr(o.password, ==, "s3cret");
  g_assert_cmpstr(o.cafile, ==, "/ca.pem");
  arts_config_clear(&cfg);
}

static void expect_config_error(const char *const *args, const char *needle) {
  ArtsConfig cfg;
  g_autoptr(GError) err = NULL;
  g_assert_false(load(&cfg, TRUE, "agent", args, &err));
  g_assert_nonnull(err);
  if (!strstr(err->message, needle))
    g_error("\"%s\" does not mention \"%s\"", err->message, needle);
  arts_config_clear(&cfg);
}

static void test_errors(void) {
  const char *a1[] = { "--realm", "a/b", NULL };
  expect_config_error(a1, "realm");
  const char *a2[] = { "--broker", "tcp://x", NULL };
  expect_config_error(a2, "broker");
  const char *a3[] = { "--password-file", "/nonexistent/pw", NULL };
  expect_config_error(a3, "password-file");
  g_autofree char *empty = write_file("empty-pw", "\n");
  const char *a4[] = { "--password-file", empty, NULL };
  expect_config_error(a4, "no usable password");
  const char *a5[] = { "--config", "/nonexistent/x.conf", NULL };
  expect_config_error(a5, "/nonexistent/x.conf");
  g_autofree char *inline_pw = write_file("pw.conf",
                                          "[realm]\npassword = hunter2\n");
  const char *a6[] = { "--config", inline_pw, NULL };
  expect_config_error(a6, "use password-file");
  g_autofree char *garbage = write_file("bad.conf", "not a key file\n");
  const char *a7[] = { "--config", garbage, NULL };
  expect_config_error(a7, "bad.conf");
  const char *a8[] = { "--certfile", "/c.pem", NULL };
  expect_config_error(a8, "certfile and keyfile");

  /* Clients have no --state-dir. */
  ArtsConfig cfg;
  g_autoptr(GError) err = NULL;
  const char *a9[] = { "--state-dir", "/x", NULL };
  g_assert_false(load(&cfg, FALSE, "ctl", a9, &err));
  g_assert_error(err, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION);
  arts_config_clear(&cfg);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("arts-config-XXXXXX", NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/precedence", test_precedence);
  g_test_add_func("/config/errors", test_errors);
  int rc = g_test_run();
  const char *names[] = { "pw", "a.conf", "empty-pw", "pw.conf", "bad.conf" };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *p = g_build_filename(tmpdir, names[i], NULL);
    g_unlink(p);
  }
  g_rmdir(tmpdir);
  g_free(tmpdir);
  return rc;
}
