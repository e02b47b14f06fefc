/* The program cache and its fetches over MQTT (see program.h). */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include "agent-error.h"
#include "arts-program.h"
#include "program.h"

typedef struct {
  AgentPrograms *p;
  char *sha256;
  char *topic;
  guint timer_id;
} ProgramFetch;

static void fetch_free(gpointer data)
{
  ProgramFetch *f = data;

  g_clear_handle_id(&f->timer_id, g_source_remove);
  if (f->p->mqtt)
    arts_mqtt_unsubscribe(f->p->mqtt, f->topic);
  g_free(f->sha256);
  g_free(f->topic);
  g_free(f);
}

gboolean agent_programs_init(AgentPrograms *p, const char *state_dir,
                             const char *realm, GError **error)
{
  memset(p, 0, sizeof *p);
  p->dir = g_build_filename(state_dir, AGENT_PROGRAM_DIR, NULL);
  p->realm = g_strdup(realm);
  p->fetches = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                     fetch_free);
  if (g_mkdir_with_parents(p->dir, 0700) != 0) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_IO, "cannot create %s: %s",
                p->dir, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

void agent_programs_attach(AgentPrograms *p, ArtsMqtt *mqtt,
                           AgentProgramFunc fn, gpointer user_data)
{
  p->mqtt = mqtt;
  p->fn = fn;
  p->user_data = user_data;
}

void agent_programs_clear(AgentPrograms *p)
{
  g_clear_pointer(&p->fetches, g_hash_table_destroy);
  g_clear_pointer(&p->dir, g_free);
  g_clear_pointer(&p->realm, g_free);
}

static GBytes *programs_read(const char *path, GError **error)
{
  char *data;
  gsize len;

  if (!g_file_get_contents(path, &data, &len, error))
    return NULL;
  return g_bytes_new_take(data, len);
}

GBytes *agent_programs_load(AgentPrograms *p, const char *sha256,
                            GError **error)
{
  g_autofree char *name = g_strdup_printf("%s.wasm", sha256);
  g_autofree char *path = g_build_filename(p->dir, name, NULL);
  g_autofree char *have = NULL;
  GBytes *bytes;
  gsize len;
  const guint8 *data;

  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "program %s is not cached", sha256);
    return NULL;
  }
  bytes = programs_read(path, error);
  if (!bytes)
    return NULL;
  data = g_bytes_get_data(bytes, &len);
  have = arts_sha256_hex(data, len);
  if (!g_str_equal(have, sha256)) {
    /* Damaged on disk: fetch it again. */
    g_warning("cached program %s does not match its hash; removing it",
              path);
    g_unlink(path);
    g_bytes_unref(bytes);
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "program %s is not cached", sha256);
    return NULL;
  }
  return bytes;
}

GBytes *agent_programs_load_file(AgentPrograms *p, const char *name,
                                 GError **error)
{
  g_autofree char *path = NULL;

  if (!*name || name[0] == '.' || strchr(name, '/')) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.filename: expected a plain file name");
    return NULL;
  }
  path = g_build_filename(p->dir, name, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "program file %s is not on this runtime", name);
    return NULL;
  }
  return programs_read(path, error);
}

static void programs_done(AgentPrograms *p, const char *sha256,
                          GBytes *bytes, const GError *error)
{
  g_autofree char *sha = g_strdup(sha256);

  g_hash_table_remove(p->fetches, sha);
  if (p->fn)
    p->fn(sha, bytes, error, p->user_data);
}

static gboolean fetch_timeout(gpointer data)
{
  ProgramFetch *f = data;
  g_autoptr(GError) error = NULL;

  f->timer_id = 0;
  g_set_error(&error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
              "program %s did not arrive on %s within %d s", f->sha256,
              f->topic, AGENT_PROGRAM_WAIT_MS / 1000);
  programs_done(f->p, f->sha256, NULL, error);
  return G_SOURCE_REMOVE;
}

void agent_programs_fetch(AgentPrograms *p, const char *sha256)
{
  ProgramFetch *f;

  if (g_hash_table_contains(p->fetches, sha256))
    return;
  f = g_new0(ProgramFetch, 1);
  f->p = p;
  f->sha256 = g_strdup(sha256);
  f->topic = arts_topic(p->realm, ARTS_TOPIC_PROGRAM, sha256);
  f->timer_id = g_timeout_add(AGENT_PROGRAM_WAIT_MS, fetch_timeout, f);
  g_hash_table_insert(p->fetches, f->sha256, f);
  g_debug("fetching program %s", sha256);
  arts_mqtt_subscribe(p->mqtt, f->topic, 1);
}

static gboolean programs_store(AgentPrograms *p, const char *sha256,
                               const guint8 *data, gsize len, GError **error)
{
  g_autofree char *name = g_strdup_printf("%s.wasm", sha256);
  g_autofree char *path = g_build_filename(p->dir, name, NULL);

  return g_file_set_contents_full(path, (const char *)data, (gssize)len,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                  error);
}

gboolean agent_programs_on_message(AgentPrograms *p, const char *sha256,
                                   const guint8 *payload, gsize len)
{
  g_autofree char *have = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!g_hash_table_contains(p->fetches, sha256))
    return FALSE;
  if (len == 0)
    return TRUE;   /* a retained copy being removed */
  have = arts_sha256_hex(payload, len);
  if (len > ARTS_MAX_PROGRAM || !g_str_equal(have, sha256)) {
    /* Not the program: keep waiting for the right bytes. */
    g_warning("program/%s: %" G_GSIZE_FORMAT " bytes with another hash "
              "(%s) ignored", sha256, len, have);
    return TRUE;
  }
  if (!arts_wasm_check(payload, len, &error)) {
    g_prefix_error(&error, "program %s: ", sha256);
    programs_done(p, sha256, NULL, error);
    return TRUE;
  }
  if (!programs_store(p, sha256, payload, len, &error))
    g_warning("program %s not cached: %s", sha256, error->message);
  bytes = g_bytes_new(payload, len);
  g_debug("program %s arrived (%" G_GSIZE_FORMAT " bytes)", sha256, len);
  programs_done(p, sha256, bytes, NULL);
  return TRUE;
}
