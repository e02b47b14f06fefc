#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* The offline telemetry buffer: a bounded SQLite table of ready-to-send
 * MQTT payloads, oldest first, that survives restarts.
 *
 * Beyond MAX_ROWS the oldest rows are dropped; every dropped sample (bound,
 * full disk, SQLite error, refused by the broker) adds to a counter that is
 * kept in the same file, so a device owner can see what was lost even across
 * restarts. A write failure never aborts anything: it comes back as a
 * GError (the caller logs it) and the sample counts as dropped. */

typedef struct _AgentBuffer AgentBuffer;

#define AGENT_BUFFER_FILE "telemetry-buffer.sqlite"

/* Opens or creates PATH. A file that is not a database of ours (garbage,
 * failed integrity check, a newer schema) is AGENT_ERROR_CORRUPT and left
 * untouched; other failures are AGENT_ERROR_IO. */
AgentBuffer *agent_buffer_open(const char *path, guint max_rows,
                               GError **error);
/* Moves an unusable PATH (and its -wal/-shm companions) aside to
 * PATH.corrupt, then opens a fresh buffer there. */
AgentBuffer *agent_buffer_recover(const char *path, guint max_rows,
                                  GError **error);
void agent_buffer_close(AgentBuffer *b);

/* Appends one sample; drops the oldest beyond the bound. On failure the
 * sample counts as dropped and FALSE is returned. */
gboolean agent_buffer_push(AgentBuffer *b, gint64 ts_ms, const void *payload,
                           gsize len, GError **error);

/* Calls FN for at most LIMIT rows with id > AFTER_ID, oldest first; FN
 * returns FALSE to stop. PAYLOAD is valid during the call only. Returns the
 * number of rows FN accepted, or -1 with ERROR set. */
typedef gboolean (*AgentBufferRowFunc)(gint64 id, gint64 ts_ms,
                                       const void *payload, gsize len,
                                       gpointer user_data);
int agent_buffer_foreach(AgentBuffer *b, gint64 after_id, guint limit,
                         AgentBufferRowFunc fn, gpointer user_data,
                         GError **error);

/* Deletes row ID once it is delivered (a missing row is not an error: the
 * bound may have dropped it meanwhile). */
gboolean agent_buffer_remove(AgentBuffer *b, gint64 id, GError **error);

/* Counts N samples lost outside the buffer (e.g. refused by the broker). */
void agent_buffer_add_dropped(AgentBuffer *b, guint64 n);

guint agent_buffer_count(const AgentBuffer *b);
guint64 agent_buffer_dropped(const AgentBuffer *b);

/* Caps the file at N_PAGES database pages (0: no cap). Only the tests use
 * it: it makes SQLite behave as on a full disk. */
void agent_buffer_set_page_limit(AgentBuffer *b, guint n_pages);

G_END_DECLS
