#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Errors of arts-agent itself (identity, offline buffer, options); errors
 * of the wire and the broker stay in ARTS_ERROR. */
#define AGENT_ERROR (agent_error_quark())
GQuark agent_error_quark(void);

typedef enum {
  AGENT_ERROR_OPTIONS,   /* bad command line or [agent] key */
  AGENT_ERROR_IDENTITY,  /* runtime-uuid missing, corrupt or in use */
  AGENT_ERROR_CORRUPT,   /* the telemetry buffer is not a usable database */
  AGENT_ERROR_IO,        /* file system or SQLite failure */
} AgentErrorCode;

G_END_DECLS
