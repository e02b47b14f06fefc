/* arts-ctl: the realm from a shell. Shared declarations of the command
 * groups (ctl-runtimes.c, ctl-watch.c, ctl-history.c). */
#pragma once
#include <glib.h>
#include "arts-common.h"

G_BEGIN_DECLS

#define CTL_ERROR (ctl_error_quark())
GQuark ctl_error_quark(void);

typedef enum {
  CTL_ERROR_USAGE,       /* bad command line: exit 2 */
  CTL_ERROR_NOT_FOUND,   /* unknown runtime or metric: exit 1 */
  CTL_ERROR_REFUSED,     /* the orchestrator answered with an error: exit 1 */
  CTL_ERROR_BROKER,      /* broker unreachable or connection refused: exit 3 */
  CTL_ERROR_TIMEOUT,     /* no answer within --timeout: exit 3 */
} CtlErrorCode;

enum {
  CTL_EXIT_OK = 0,
  CTL_EXIT_ERROR = 1,
  CTL_EXIT_USAGE = 2,
  CTL_EXIT_BROKER = 3,
};

/* What every command gets from the command line. */
typedef struct {
  ArtsConfig cfg;
  gboolean json;
  int timeout_ms;        /* connecting, waiting for answers */
  gboolean timeout_given;/* --timeout on the command line */
  char *since;           /* history: a duration ("90s", "10m", "2h", "1d") */
  int duration_s;        /* watch: stop after this long (0: never) */
  /* start */
  char *name;            /* --name */
  char *on;              /* --on RUNTIME */
  char **env;            /* --env K=V, repeated */
  char **channels;       /* --channel NAME:r|w|rw, repeated */
  char *fault_crash;     /* --fault-crash ignore|restart */
  gint64 max_memory;     /* --max-memory BYTES (0: none) */
  gint64 fuel;           /* --fuel N (0: none) */
  gint64 channel_msg_max;   /* --channel-msg-max BYTES (0: default) */
  gint64 channel_queue_max; /* --channel-queue-max N (0: default) */
  char **on_arch;        /* --on-arch ARCH[,ARCH], repeated */
  char *on_byte_order;   /* --on-byte-order little|big */
  int on_word_size;      /* --on-word-size 32|64 (0: any) */
  /* logs */
  gboolean follow;       /* --follow */
} CtlOptions;

/* Each returns an exit status (CTL_EXIT_*); ARGV holds the command's
 * positional arguments after the command name. */
int ctl_cmd_runtimes(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_stats(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_watch(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_history(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_start(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_stop(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_modules(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_migrate(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_logs(const CtlOptions *o, int argc, char **argv);
int ctl_cmd_stdin(const CtlOptions *o, int argc, char **argv);

/* O with a longer --timeout unless one was given: commands that wait for
 * work in the realm (a migration of a large module, a stop). */
CtlOptions ctl_options_patient(const CtlOptions *o, int timeout_ms);

/* Prints ERROR on stderr as "arts-ctl: message" and maps it to an exit
 * status. */
int ctl_fail(const GError *error);

G_END_DECLS
