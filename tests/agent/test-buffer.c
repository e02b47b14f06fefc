/* Unit tests of the agent's offline telemetry buffer: order, bound and
 * dropped count, persistence across reopen, damaged files, full disk. */
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include "agent-error.h"
#include "buffer.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp("arts-buffer-XXXXXX", &error);
  g_assert_no_error(error);
  f->path = g_build_filename(f->dir, "telemetry-buffer.sqlite", NULL);
}

static void remove_tree(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, name, NULL);
    g_unlink(p);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(dir);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
  remove_tree(f->dir);
  g_free(f->dir);
  g_free(f->path);
}

static void push_n(AgentBuffer *b, gint64 first_ts, guint n)
{
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *payload = g_strdup_printf("{\"ts\":%" G_GINT64_FORMAT "}",
                                               first_ts + i);
    g_assert_true(agent_buffer_push(b, first_ts + i, payload,
                                    strlen(payload), &error));
    g_assert_no_error(error);
  }
}

typedef struct {
  GArray *ids;
  GArray *ts;
  guint stop_after;      /* 0: never */
} Rows;

static gboolean collect_row(gint64 id, gint64 ts_ms, const void *payload,
                            gsize len, gpointer user_data)
{
  Rows *r = user_data;
  g_autofree char *expected = g_strdup_printf("{\"ts\":%" G_GINT64_FORMAT "}",
                                              ts_ms);

  if (r->stop_after && r->ids->len == r->stop_after)
    return FALSE;
  /* The payload comes back byte for byte. */
  g_assert_cmpmem(payload, len, expected, strlen(expected));
  g_array_append_val(r->ids, id);
  g_array_append_val(r->ts, ts_ms);
  return TRUE;
}

static void rows_init(Rows *r)
{
  r->ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  r->ts = g_array_new(FALSE, FALSE, sizeof(gint64));
  r->stop_after = 0;
}

static void rows_clear(Rows *r)
{
  g_array_unref(r->ids);
  g_array_unref(r->ts);
}

static int read_all(AgentBuffer *b, gint64 after, guint limit, Rows *r)
{
  g_autoptr(GError) error = NULL;
  int n = agent_buffer_foreach(b, after, limit, collect_row, r, &error);

  g_assert_no_error(error);
  return n;
}

static void test_order(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentBuffer *b = agent_buffer_open(f->path, 100, &error);
  Rows r;

  g_assert_no_error(error);
  g_assert_nonnull(b);
  g_assert_cmpuint(agent_buffer_count(b), ==, 0);
  push_n(b, 1000, 10);
  g_assert_cmpuint(agent_buffer_count(b), ==, 10);

  rows_init(&r);
  g_assert_cmpint(read_all(b, 0, 4, &r), ==, 4);
  g_assert_cmpint(read_all(b, g_array_index(r.ids, gint64, 3), 100, &r), ==,
                  6);
  g_assert_cmpuint(r.ts->len, ==, 10);
  for (guint i = 0; i < r.ts->len; i++) {
    g_assert_cmpint(g_array_index(r.ts, gint64, i), ==, 1000 + i);
    if (i > 0)
      g_assert_cmpint(g_array_index(r.ids, gint64, i), >,
                      g_array_index(r.ids, gint64, i - 1));
  }

  /* Delivered rows go; a row already gone is not an error. */
  g_assert_true(agent_buffer_remove(b, g_array_index(r.ids, gint64, 0),
                                    &error));
  g_assert_true(agent_buffer_remove(b, g_array_index(r.ids, gint64, 0),
                                    &error));
  g_assert_no_error(error);
  g_assert_cmpuint(agent_buffer_count(b), ==, 9);
  rows_clear(&r);

  /* The callback can stop early. */
  rows_init(&r);
  r.stop_after = 3;
  g_assert_cmpint(read_all(b, 0, 100, &r), ==, 3);
  g_assert_cmpint(g_array_index(r.ts, gint64, 0), ==, 1001);
  rows_clear(&r);
  agent_buffer_close(b);
}

static void test_bound(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentBuffer *b = agent_buffer_open(f->path, 5, &error);
  Rows r;

  g_assert_no_error(error);
  push_n(b, 1, 12);
  g_assert_cmpuint(agent_buffer_count(b), ==, 5);
  g_assert_cmpuint(agent_buffer_dropped(b), ==, 7);

  rows_init(&r);
  g_assert_cmpint(read_all(b, 0, 100, &r), ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint(g_array_index(r.ts, gint64, i), ==, 8 + i);
  rows_clear(&r);

  agent_buffer_add_dropped(b, 3);
  g_assert_cmpuint(agent_buffer_dropped(b), ==, 10);
  agent_buffer_close(b);
}

static void test_persistence(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentBuffer *b = agent_buffer_open(f->path, 5, &error);
  Rows r;
  gint64 last_id;

  g_assert_no_error(error);
  push_n(b, 100, 8);
  rows_init(&r);
  read_all(b, 0, 100, &r);
  last_id = g_array_index(r.ids, gint64, r.ids->len - 1);
  rows_clear(&r);
  agent_buffer_close(b);

  /* Rows, their order and the dropped count survive a reopen. */
  b = agent_buffer_open(f->path, 5, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(agent_buffer_count(b), ==, 5);
  g_assert_cmpuint(agent_buffer_dropped(b), ==, 3);
  rows_init(&r);
  g_assert_cmpint(read_all(b, 0, 100, &r), ==, 5);
  g_assert_cmpint(g_array_index(r.ts, gint64, 0), ==, 103);
  g_assert_cmpint(g_array_index(r.ts, gint64, 4), ==, 107);
  rows_clear(&r);

  /* Ids keep growing after the table empties, so a replay cursor never
   * skips a new row. */
  for (gint64 id = 0; id <= last_id; id++)
    g_assert_true(agent_buffer_remove(b, id, NULL));
  g_assert_cmpuint(agent_buffer_count(b), ==, 0);
  push_n(b, 200, 1);
  rows_init(&r);
  g_assert_cmpint(read_all(b, last_id, 100, &r), ==, 1);
  g_assert_cmpint(g_array_index(r.ids, gint64, 0), >, last_id);
  rows_clear(&r);
  agent_buffer_close(b);

  /* A smaller bound applies at open and is counted. */
  b = agent_buffer_open(f->path, 5, &error);
  push_n(b, 300, 4);
  g_assert_cmpuint(agent_buffer_count(b), ==, 5);
  agent_buffer_close(b);
  b = agent_buffer_open(f->path, 2, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(agent_buffer_count(b), ==, 2);
  g_assert_cmpuint(agent_buffer_dropped(b), ==, 6);
  agent_buffer_close(b);
}

static void write_file(const char *path, const char *contents, gsize len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents(path, contents, (gssize)len, &error);
  g_assert_no_error(error);
}

static void test_garbage(Fixture *f, gconstpointer data)
{
  static const char garbage[] =
    "this is not an SQLite database, but it is long enough to have a "
    "header where SQLite looks for its magic string..................";
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL, *aside = NULL;
  AgentBuffer *b;
  gsize len;

  write_file(f->path, garbage, sizeof garbage - 1);
  b = agent_buffer_open(f->path, 10, &error);
  g_assert_null(b);
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT);
  g_assert_nonnull(strstr(error->message, f->path));
  g_clear_error(&error);
  /* A refused file is left as it was. */
  g_assert_true(g_file_get_contents(f->path, &after, &len, NULL));
  g_assert_cmpmem(after, len, garbage, sizeof garbage - 1);

  /* Recovery moves it aside and starts empty. */
  b = agent_buffer_recover(f->path, 10, &error);
  g_assert_no_error(error);
  g_assert_nonnull(b);
  g_assert_cmpuint(agent_buffer_count(b), ==, 0);
  push_n(b, 1, 1);
  agent_buffer_close(b);
  aside = g_strconcat(f->path, ".corrupt", NULL);
  g_assert_true(g_file_test(aside, G_FILE_TEST_IS_REGULAR));
}

/* Damages the file past its first page: the header is fine, the data is
 * not; the integrity check at open must notice. */
static void test_damaged_pages(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  AgentBuffer *b = agent_buffer_open(f->path, 1000, &error);
  gsize len;

  g_assert_no_error(error);
  push_n(b, 1, 500);
  agent_buffer_close(b);
  g_assert_true(g_file_get_contents(f->path, &contents, &len, NULL));
  g_assert_cmpuint(len, >, 3 * 4096);
  memset(contents + 4096, 0xA5, len - 4096);
  write_file(f->path, contents, len);

  b = agent_buffer_open(f->path, 1000, &error);
  g_assert_null(b);
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT);
}

static void sql(const char *path, const char *statement)
{
  sqlite3 *db = NULL;

  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, statement, NULL, NULL, NULL), ==,
                  SQLITE_OK);
  sqlite3_close(db);
}

static void test_newer_schema(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentBuffer *b = agent_buffer_open(f->path, 10, &error);

  g_assert_no_error(error);
  agent_buffer_close(b);
  sql(f->path, "PRAGMA user_version = 99");
  b = agent_buffer_open(f->path, 10, &error);
  g_assert_null(b);
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT);
  g_assert_nonnull(strstr(error->message, "newer"));
}

/* Another program's database under our name is refused, not altered. */
static void test_foreign(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentBuffer *b;

  sql(f->path, "CREATE TABLE samples (x); PRAGMA user_version = 1");
  b = agent_buffer_open(f->path, 10, &error);
  g_assert_null(b);
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_CORRUPT);
}

/* A full disk drops the oldest to make room; when even that fails, the new
 * sample is dropped and counted, and nothing crashes. */
static void test_full(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AgentBuffer *b = agent_buffer_open(f->path, 100000, &error);
  g_autofree char *big = g_malloc(2000);
  guint pushed = 0, failed = 0;

  g_assert_no_error(error);
  agent_buffer_set_page_limit(b, 12);
  memset(big, 'x', 2000);
  for (guint i = 0; i < 200; i++) {
    g_autoptr(GError) e = NULL;
    if (agent_buffer_push(b, i, big, 2000, &e)) {
      pushed++;
    } else {
      g_assert_error(e, AGENT_ERROR, AGENT_ERROR_IO);
      failed++;
    }
  }
  /* Every sample either sits in the buffer or is counted as dropped. */
  g_assert_cmpuint(agent_buffer_count(b) + agent_buffer_dropped(b), ==, 200);
  g_assert_cmpuint(agent_buffer_dropped(b), >, 0);
  g_assert_cmpuint(agent_buffer_count(b), >, 0);
  g_assert_cmpuint(agent_buffer_count(b), <, 200);
  g_test_message("pushed %u, failed %u, kept %u", pushed, failed,
                 agent_buffer_count(b));
  agent_buffer_close(b);

  /* The count of what was lost survives, too. */
  b = agent_buffer_open(f->path, 100000, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(agent_buffer_count(b) + agent_buffer_dropped(b), ==, 200);
  agent_buffer_close(b);
}

static void test_unwritable(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(f->dir, "missing", "x.sqlite",
                                           NULL);
  AgentBuffer *b = agent_buffer_open(path, 10, &error);

  g_assert_null(b);
  g_assert_error(error, AGENT_ERROR, AGENT_ERROR_IO);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add("/agent/buffer/" name, Fixture, NULL, fixture_set_up, fn, \
             fixture_tear_down)
  ADD("order", test_order);
  ADD("bound", test_bound);
  ADD("persistence", test_persistence);
  ADD("garbage", test_garbage);
  ADD("damaged-pages", test_damaged_pages);
  ADD("newer-schema", test_newer_schema);
  ADD("foreign", test_foreign);
  ADD("full", test_full);
  ADD("unwritable", test_unwritable);
#undef ADD
  return g_test_run();
}
