/* Unit tests of the runtime identity file (STATE_DIR/runtime-uuid). */
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "arts-common.h"
#include "agent-error.h"
#include "identity.h"

typedef struct {
  char *root;
  char *state;
  char *file;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
  f->root = g_dir_make_tmp("arts-identity-XXXXXX", NULL);
  g_assert_nonnull(f->root);
  /* Two levels that do not exist yet: the agent creates them. */
  f->state = g_build_filename(f->root, "var", "state", NULL);
  f->file = g_build_filename(f->state, "runtime-uuid", NULL);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
  g_autofree char *var = g_build_filename(f->root, "var", NULL);

  g_unlink(f->file);
  g_rmdir(f->state);
  g_rmdir(var);
  g_rmdir(f->root);
  g_free(f->root);
  g_free(f->state);
  g_free(f->file);
}

static guint count_entries(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name(d))
    n++;
  if (d)
    g_dir_close(d);
  return n;
}

static void test_create_and_keep(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *first = NULL;
  AgentIdentity id;
  GStatBuf st;

  g_assert_true(agent_identity_load(&id, f->state, &error));
  g_assert_no_error(error);
  g_assert_true(arts_uuid_is_valid(id.uuid));
  first = g_strdup(id.uuid);
  g_assert_true(g_file_get_contents(f->file, &contents, NULL, NULL));
  g_assert_true(g_str_has_prefix(contents, id.uuid));
  g_assert_cmpstr(contents + 36, ==, "\n");
  /* The state dir is private; no temporary file is left behind. */
  g_assert_cmpint(g_stat(f->state, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0700);
  g_assert_cmpuint(count_entries(f->state), ==, 1);
  agent_identity_clear(&id);

  g_assert_true(agent_identity_load(&id, f->state, &error));
  g_assert_cmpstr(id.uuid, ==, first);
  agent_identity_clear(&id);
}

static void test_lock(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentIdentity a, b;

  g_assert_true(agent_identity_load(&a, f->state, &error));
  g_assert_false(agent_identity_load(&b, f->state, &error));
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_IDENTITY);
  g_assert_nonnull(strstr(error->message, "another arts-agent"));
  agent_identity_clear(&b);
  agent_identity_clear(&a);
  /* Released with the first agent. */
  g_clear_error(&error);
  g_assert_true(agent_identity_load(&b, f->state, &error));
  agent_identity_clear(&b);
}

static void check_refused(Fixture *f, const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  AgentIdentity id;

  g_assert_cmpint(g_mkdir_with_parents(f->state, 0700), ==, 0);
  g_assert_true(g_file_set_contents(f->file, contents, -1, NULL));
  g_assert_false(agent_identity_load(&id, f->state, &error));
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_IDENTITY);
  g_assert_nonnull(strstr(error->message, f->file));
  agent_identity_clear(&id);
  /* Never silently replaced. */
  g_assert_true(g_file_get_contents(f->file, &after, NULL, NULL));
  g_assert_cmpstr(after, ==, contents);
}

static void test_corrupt(Fixture *f, gconstpointer data)
{
  check_refused(f, "not-a-uuid\n");
  check_refused(f, "");
  check_refused(f, "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6");      /* short */
  check_refused(f, "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6b7\n");  /* long */
  check_refused(f, "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6b\n"
                   "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6b\n");   /* two */
}

static void test_provisioned(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentIdentity id;

  /* An operator may write it before the first start (docs/operations.md),
   * with or without a line end, in either case. */
  g_assert_cmpint(g_mkdir_with_parents(f->state, 0700), ==, 0);
  g_assert_true(g_file_set_contents(
    f->file, "3F0C8A1E-2D4B-4E6F-8A9B-1C2D3E4F5A6B", -1, NULL));
  g_assert_true(agent_identity_load(&id, f->state, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(id.uuid, ==, "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6b");
  agent_identity_clear(&id);
}

static void test_unusable_dir(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = g_build_filename(f->root, "var", NULL);
  AgentIdentity id;

  /* A file where the state dir should be. */
  g_assert_true(g_file_set_contents(blocker, "x", -1, NULL));
  g_assert_false(agent_identity_load(&id, f->state, &error));
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_IDENTITY);
  agent_identity_clear(&id);
  g_unlink(blocker);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add("/agent/identity/" name, Fixture, NULL, fixture_set_up, fn, \
             fixture_tear_down)
  ADD("create-and-keep", test_create_and_keep);
  ADD("lock", test_lock);
  ADD("corrupt", test_corrupt);
  ADD("provisioned", test_provisioned);
  ADD("unusable-dir", test_unusable_dir);
#undef ADD
  return g_test_run();
}
