/* The program cache on disk: hashes checked on every load, a damaged copy
 * removed (so that it is fetched again), file names confined to the
 * cache folder. Hashing and the WebAssembly header check are common's
 * (arts-program.h), tested in tests/common/test-stream.c. */
#include <string.h>
#include <glib/gstdio.h>
#include "arts-common.h"
#include "program.h"

static const guint8 wasm[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };

static char *setup(AgentPrograms *p)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("arts-program-XXXXXX", &error);

  g_assert_no_error(error);
  g_assert_true(agent_programs_init(p, dir, "lab", &error));
  g_assert_no_error(error);
  return dir;
}

static void teardown(AgentPrograms *p, char *dir)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

  agent_programs_clear(p);
  g_assert_cmpint(system(cmd), ==, 0);
  g_free(dir);
}

static void test_load(void)
{
  AgentPrograms p;
  char *dir = setup(&p);
  g_autofree char *sha = arts_sha256_hex(wasm, sizeof wasm);
  g_autofree char *name = g_strdup_printf("%s.wasm", sha);
  g_autofree char *path = g_build_filename(dir, AGENT_PROGRAM_DIR, name,
                                           NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) b = NULL;

  b = agent_programs_load(&p, sha, &error);
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND);
  g_assert_null(b);
  g_clear_error(&error);
  g_assert_true(g_file_set_contents(path, (const char *)wasm, sizeof wasm,
                                    NULL));
  b = agent_programs_load(&p, sha, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_bytes_get_size(b), ==, sizeof wasm);
  /* Damaged on disk: not used, removed, reported as not cached. */
  g_assert_true(g_file_set_contents(path, "\0asm\1\0\0\1", 8, NULL));
  g_clear_pointer(&b, g_bytes_unref);
  b = agent_programs_load(&p, sha, &error);
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND);
  g_assert_null(b);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  teardown(&p, dir);
}

static void test_load_file(void)
{
  AgentPrograms p;
  char *dir = setup(&p);
  g_autofree char *path = g_build_filename(dir, AGENT_PROGRAM_DIR, "ok.wasm",
                                           NULL);
  const char *bad[] = { "", ".hidden", "../runtime-uuid", "a/b.wasm",
                        "/etc/passwd" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) b = NULL;

  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_null(agent_programs_load_file(&p, bad[i], &error));
    g_assert_error(error, ARTS_ERROR, ARTS_ERROR_FIELD);
    g_clear_error(&error);
  }
  g_assert_null(agent_programs_load_file(&p, "ok.wasm", &error));
  g_assert_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_true(g_file_set_contents(path, (const char *)wasm, sizeof wasm,
                                    NULL));
  b = agent_programs_load_file(&p, "ok.wasm", &error);
  g_assert_no_error(error);
  g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b), wasm,
                  sizeof wasm);
  teardown(&p, dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* The damaged-cache case warns, as it should. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/program/load", test_load);
  g_test_add_func("/program/load-file", test_load_file);
  return g_test_run();
}
