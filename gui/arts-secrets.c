/* arts-secrets.c: passwords in a file only their owner can read. */
#include "arts-secrets.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define SECRETS_GROUP_KEY "password"

char *
arts_secrets_path(void)
{
  return g_build_filename(g_get_user_config_dir(), "arts-dashboard",
                          "secrets", NULL);
}

static GKeyFile *
load(void)
{
  g_autofree char *path = arts_secrets_path();
  GKeyFile *kf = g_key_file_new();

  /* A missing or broken file is an empty one: the user re-enters. */
  g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL);
  return kf;
}

char *
arts_secrets_lookup(const char *id)
{
  g_autoptr(GKeyFile) kf = load();

  return g_key_file_get_string(kf, id, SECRETS_GROUP_KEY, NULL);
}

gboolean
arts_secrets_store(const char *id, const char *password, GError **error)
{
  g_autoptr(GKeyFile) kf = load();
  g_autofree char *path = arts_secrets_path();
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *data = NULL;
  gsize len;
  gboolean ok;

  if (password && *password)
    g_key_file_set_string(kf, id, SECRETS_GROUP_KEY, password);
  else
    g_key_file_remove_group(kf, id, NULL);
  if (g_mkdir_with_parents(dir, 0700) < 0) {
    int errsv = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errsv),
                "%s: %s", dir, g_strerror(errsv));
    return FALSE;
  }
  data = g_key_file_to_data(kf, &len, NULL);
  /* Written whole and renamed into place, created 0600. */
  ok = g_file_set_contents_full(path, data, len,
                                G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  memset(data, 0, len);
  return ok;
}
