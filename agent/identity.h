#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Who this runtime is across restarts: the uuid in STATE_DIR/runtime-uuid.
 *
 * The file is created on first start (written to a temporary file, then
 * linked into place, so a crash or a second agent never leaves a half
 * written or overwritten identity). A file that does not hold a uuid is an
 * error, never silently replaced: a new uuid would make the realm see a new
 * device. The open file stays locked (flock) while the agent runs, so two
 * agents cannot share one state dir. */

typedef struct {
  char *uuid;
  char *path;
  int lock_fd;
} AgentIdentity;

#define AGENT_IDENTITY_FILE "runtime-uuid"

/* Creates STATE_DIR (0700) when missing. */
gboolean agent_identity_load(AgentIdentity *id, const char *state_dir,
                             GError **error);
void agent_identity_clear(AgentIdentity *id);

G_END_DECLS
