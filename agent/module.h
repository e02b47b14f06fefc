#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* One hosted WebAssembly module: an engine instance with its WASI context,
 * run on a thread of its own. The thread never touches MQTT or the main
 * loop: it talks to the supervisor through events (output bytes, "started",
 * "paused", "snapshot taken", "ended") pushed on a queue that wakes the main
 * loop, and takes orders (stop, snapshot and hold, checkpoint, resume,
 * sample) at the instance's pause points. Orders are bits in a mask set
 * under the module's lock together with wasm_request_pause(); since
 * wasm_resume() clears a pause request, the supervisor calls
 * agent_module_kick() every few ms while an order is not yet taken. */

typedef struct _AgentModule AgentModule;

typedef enum {
  AGENT_ORDER_STOP = 1 << 0,        /* end the module (delete) */
  AGENT_ORDER_HOLD = 1 << 1,        /* snapshot, then stay paused (migrate) */
  AGENT_ORDER_CHECKPOINT = 1 << 2,  /* snapshot, then go on */
  AGENT_ORDER_RESUME = 1 << 3,      /* leave a hold */
  AGENT_ORDER_SAMPLE = 1 << 4,      /* record instructions and memory */
  AGENT_ORDER_PRECOPY = 1 << 5,     /* image of the memory, then go on: the
                                     * next HOLD snapshot is a delta */
} AgentOrder;

typedef enum {
  AGENT_EVENT_STARTED,   /* error NULL: running; else it never ran */
  AGENT_EVENT_OUTPUT,    /* fd, offset, bytes */
  AGENT_EVENT_PAUSED,    /* held for a migration; ts_ms = paused_at */
  AGENT_EVENT_SNAPSHOT,  /* bytes (or error), offset = output offset */
  AGENT_EVENT_RESUMED,   /* a hold ended */
  AGENT_EVENT_ENDED,     /* the thread is done: join with agent_module_free */
  AGENT_EVENT_PRECOPY,   /* bytes: a memory image (or error); it runs on */
} AgentEventKind;

typedef enum {
  AGENT_END_EXITED,      /* returned from _start or proc_exit: exit_code */
  AGENT_END_TRAPPED,     /* error says why */
  AGENT_END_STOPPED,     /* by AGENT_ORDER_STOP */
} AgentEndKind;

typedef struct {
  AgentEventKind kind;
  AgentModule *module;
  gpointer owner;        /* the spec's owner */
  int fd;                /* OUTPUT: 1 or 2 */
  guint64 offset;        /* OUTPUT: of the first byte; SNAPSHOT: at the pause */
  GBytes *bytes;         /* OUTPUT, SNAPSHOT, PRECOPY */
  GBytes *input;         /* SNAPSHOT (hold): stdin not yet read, or NULL */
  gboolean input_eof;    /* SNAPSHOT (hold): and its end had come */
  gboolean delta;        /* SNAPSHOT: against the last PRECOPY image */
  char *error;           /* STARTED, SNAPSHOT, ENDED(TRAPPED) */
  gboolean checkpoint;   /* SNAPSHOT: taken for a checkpoint */
  gint64 ts_ms;
  AgentEndKind end;      /* ENDED */
  int exit_code;         /* ENDED(EXITED) */
} AgentEvent;

void agent_event_free(AgentEvent *ev);

/* Where threads post events: QUEUE is read by the main loop when WAKE_FD
 * (an eventfd) becomes readable. Only the first event after a drain
 * writes the eventfd, so a chatty module costs one wakeup per main-loop
 * round, not one syscall per write. */
typedef struct {
  GAsyncQueue *queue;
  int wake_fd;
  gint woken;            /* atomic: wake_fd was written, not yet read */
} AgentEventSink;

/* Call before draining the queue: later events wake the loop again. */
void agent_event_sink_rearm(AgentEventSink *sink);

typedef struct {
  const char *uuid;
  gpointer owner;           /* passed back in every event */
  const char *sha256;       /* restore: the program the snapshot must hold
                             * (hex), or NULL */
  const char *dir;          /* host directory, seen as /data and . */
  GBytes *program;          /* fresh start: the .wasm bytes */
  GBytes *snapshot;         /* restore: the snapshot (program ignored) */
  struct wasm_memimage *image;  /* restore: the decoded memory image a
                             * delta snapshot needs, or NULL; taken */
  GBytes *input;            /* restore: stdin the source had not read */
  gboolean input_eof;       /* restore: the end of stdin had come */
  const char *const *argv;  /* argv[0] is the program's name */
  const char *const *env;   /* "K=V", NULL-terminated, may be NULL */
  guint64 max_memory;       /* 0: the engine's default */
  guint64 fuel;             /* 0: unlimited */
  guint64 out_offset;       /* output offset to continue from;
                             * G_MAXUINT64: from the snapshot's WASI state */
  struct _AgentModuleChannels *channels;  /* channels.h; NULL: none. Must
                             * outlive the module (detach after free) */
} AgentModuleSpec;

/* Decodes and checks a pre-copy memory image (AGENT_EVENT_PRECOPY's bytes,
 * arrived from another runtime) for a later restore's spec.image; one
 * larger than MAX_MEMORY bytes (0: no limit of the module's) is refused. */
struct wasm_memimage *agent_module_image_read(const guint8 *data, gsize len,
                                              guint64 max_memory,
                                              GError **error);
void agent_module_image_free(struct wasm_memimage *image);

/* Starts the module's thread; the first event it posts is STARTED. */
AgentModule *agent_module_start(const AgentModuleSpec *spec,
                                AgentEventSink *sink, GError **error);
/* Adds ORDERS (AgentOrder bits) and asks the instance to pause. */
void agent_module_order(AgentModule *m, guint orders);
/* Asks again while orders wait: TRUE while some (other than a sample)
 * are not taken yet. */
gboolean agent_module_kick(AgentModule *m);
/* Appends stdin bytes (LEN 0 = end of input). Returns the bytes taken:
 * the buffer is bounded (AGENT_STDIN_MAX), the rest is refused. */
#define AGENT_STDIN_MAX (64 * 1024)
gsize agent_module_feed(AgentModule *m, const guint8 *data, gsize len);
/* The supervisor got PUBACKs for LEN output bytes: a writer blocked on a
 * full output backlog (AGENT_OUTPUT_BACKLOG) may go on. */
#define AGENT_OUTPUT_BACKLOG (1024 * 1024)
void agent_module_output_done(AgentModule *m, gsize len);

typedef struct {
  double cpu_s;            /* CPU time of the module's thread */
  guint64 instructions;    /* fuel used, as of the last pause */
  guint64 memory;          /* linear memory bytes, as of the last pause */
  guint64 io_read;         /* stdin bytes the program took */
  guint64 io_write;        /* stdout+stderr bytes it wrote */
} AgentModuleStats;

void agent_module_stats(AgentModule *m, AgentModuleStats *out);
/* Waits for the thread (after ENDED, or after ordering STOP) and frees. */
void agent_module_free(AgentModule *m);

G_END_DECLS
