#pragma once
#include <glib.h>
#include "arts-common.h"

G_BEGIN_DECLS

/* Requests the orchestrator sends on control/{runtime_uuid}, decoded and
 * checked field by field (WIRE-MODULES.md): create (fresh, or restore-ready
 * with "restore"), delete (with an optional "reason"), migrate, resume and
 * checkpoint, all with data.type "module". Anything else is refused with an
 * error naming the field. */

typedef enum {
  AGENT_CONTROL_CREATE,
  AGENT_CONTROL_DELETE,
  AGENT_CONTROL_MIGRATE,
  AGENT_CONTROL_RESUME,
  AGENT_CONTROL_CHECKPOINT,
} AgentControlAction;

/* Longest migration id we carry in an MQTT user property. */
#define AGENT_CONTROL_ID_MAX 128
/* Largest linear memory a module may ask for: the engine's 4 GiB. */
#define AGENT_CONTROL_MEMORY_MAX (G_GUINT64_CONSTANT(4) << 30)

typedef struct {
  AgentControlAction action;
  ArtsModule *module;        /* create: the module; others: uuid or name */
  gboolean restore;          /* create: wait for a snapshot */
  char *restore_migration;   /* ... of this migration; NULL: a checkpoint */
  guint64 max_memory;        /* create: resources.max_memory, 0 = default */
  guint64 fuel;              /* create: resources.fuel, 0 = unlimited */
  char *reason;              /* delete: "migrated" = release, no event */
  char *migration;           /* migrate: the id */
  char *target;              /* migrate: the target runtime (for logs) */
} AgentControl;

AgentControl *agent_control_parse(const ArtsEnvelope *env, GError **error);
void agent_control_free(AgentControl *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentControl, agent_control_free)

G_END_DECLS
