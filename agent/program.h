#pragma once
#include <glib.h>
#include "arts-common.h"

G_BEGIN_DECLS

/* The program cache: STATE_DIR/programs/{sha256}.wasm, filled from the
 * broker. A program travels by content hash: the orchestrator (or any
 * client) keeps it retained on program/{sha256}; a runtime that lacks it
 * subscribes there, checks the bytes' hash, stores them atomically
 * (written to a temporary file, fsynced, renamed) and unsubscribes. A
 * fetch that brings nothing within AGENT_PROGRAM_WAIT_MS fails with a
 * message saying so. Hashes and the first checks on the bytes are
 * common's (arts-program.h), shared with arts-ctl and the orchestrator. */

#define AGENT_PROGRAM_DIR "programs"
#define AGENT_PROGRAM_WAIT_MS 10000

/* A fetch ended: BYTES (verified) or ERROR. */
typedef void (*AgentProgramFunc)(const char *sha256, GBytes *bytes,
                                 const GError *error, gpointer user_data);

typedef struct {
  char *dir;
  char *realm;
  ArtsMqtt *mqtt;            /* borrowed */
  GHashTable *fetches;       /* sha256 -> fetch in progress */
  AgentProgramFunc fn;
  gpointer user_data;
} AgentPrograms;

gboolean agent_programs_init(AgentPrograms *p, const char *state_dir,
                             const char *realm, GError **error);
void agent_programs_attach(AgentPrograms *p, ArtsMqtt *mqtt,
                           AgentProgramFunc fn, gpointer user_data);
void agent_programs_clear(AgentPrograms *p);

/* The cached program SHA256 (hash checked; a damaged copy is removed), or
 * NULL with ARTS_ERROR_NOT_FOUND when not cached. */
GBytes *agent_programs_load(AgentPrograms *p, const char *sha256,
                            GError **error);
/* ARTS style: a file NAME in the programs dir (a plain file name: no
 * '/', not starting with '.'). */
GBytes *agent_programs_load_file(AgentPrograms *p, const char *name,
                                 GError **error);
/* Starts fetching SHA256 from the broker (once; later calls while it runs
 * do nothing). The function given to attach() is called when it ends. */
void agent_programs_fetch(AgentPrograms *p, const char *sha256);
/* A message on program/{sha256}: TRUE when it was one (handled). */
gboolean agent_programs_on_message(AgentPrograms *p, const char *sha256,
                                   const guint8 *payload, gsize len);

G_END_DECLS
