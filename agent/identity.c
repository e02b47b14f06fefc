/* The runtime uuid file (see identity.h). */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "arts-common.h"
#include "agent-error.h"
#include "identity.h"

/* A uuid plus a newline, with room to notice a longer file. */
#define IDENTITY_READ_MAX 64

static gboolean identity_fail(GError **error, const char *path,
                              const char *what)
{
  int saved = errno;

  g_set_error(error, AGENT_ERROR, AGENT_ERROR_IDENTITY, "%s: %s: %s", path,
              what, g_strerror(saved));
  return FALSE;
}

/* Makes the directory entry itself durable after a link(). */
static void identity_sync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* Writes a fresh uuid next to PATH and links it into place. EEXIST from
 * link() means another agent won the race: its uuid is the one to use. */
static gboolean identity_create(const char *state_dir, const char *path,
                                GError **error)
{
  g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
  g_autofree char *uuid = arts_uuid_new();
  g_autofree char *line = g_strconcat(uuid, "\n", NULL);
  gsize len = strlen(line);
  int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
  gboolean ok;

  if (fd < 0)
    return identity_fail(error, tmp, "cannot create");
  ok = write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
  if (!ok)
    identity_fail(error, tmp, "cannot write");
  close(fd);
  if (ok && link(tmp, path) != 0 && errno != EEXIST)
    ok = identity_fail(error, path, "cannot create");
  g_unlink(tmp);
  if (ok)
    identity_sync_dir(state_dir);
  return ok;
}

static gboolean identity_read(AgentIdentity *id, GError **error)
{
  char buf[IDENTITY_READ_MAX + 1];
  ssize_t n = read(id->lock_fd, buf, IDENTITY_READ_MAX);

  if (n < 0)
    return identity_fail(error, id->path, "cannot read");
  buf[n] = '\0';
  g_strchomp(buf);
  if (!arts_uuid_is_valid(buf)) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_IDENTITY,
                "%s: does not hold a runtime uuid (corrupt?); move it away "
                "to start as a new runtime", id->path);
    return FALSE;
  }
  id->uuid = g_ascii_strdown(buf, -1);
  return TRUE;
}

gboolean agent_identity_load(AgentIdentity *id, const char *state_dir,
                             GError **error)
{
  id->uuid = NULL;
  id->lock_fd = -1;
  id->path = g_build_filename(state_dir, AGENT_IDENTITY_FILE, NULL);
  if (g_mkdir_with_parents(state_dir, 0700) != 0)
    return identity_fail(error, state_dir, "cannot create state dir");
  id->lock_fd = open(id->path, O_RDONLY | O_CLOEXEC);
  if (id->lock_fd < 0 && errno == ENOENT) {
    if (!identity_create(state_dir, id->path, error))
      return FALSE;
    id->lock_fd = open(id->path, O_RDONLY | O_CLOEXEC);
  }
  if (id->lock_fd < 0)
    return identity_fail(error, id->path, "cannot open");
  if (flock(id->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      g_set_error(error, AGENT_ERROR, AGENT_ERROR_IDENTITY,
                  "%s: another arts-agent is running on state dir %s",
                  id->path, state_dir);
      return FALSE;
    }
    return identity_fail(error, id->path, "cannot lock");
  }
  return identity_read(id, error);
}

void agent_identity_clear(AgentIdentity *id)
{
  if (id->lock_fd >= 0)
    close(id->lock_fd);
  id->lock_fd = -1;
  g_clear_pointer(&id->uuid, g_free);
  g_clear_pointer(&id->path, g_free);
}
