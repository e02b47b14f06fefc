/* The module supervisor (see supervisor.h).
 *
 * Every module has an entry here (SupModule) from its create until its
 * delete; the engine side of a running one is an AgentModule on its own
 * thread. Threads post events on one queue and poke an eventfd that this
 * loop watches, so everything below runs on the main thread: MQTT,
 * answers, output batching, acknowledgements. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include "agent-error.h"
#include "arts-channel.h"
#include "arts-program.h"
#include "arts-stream.h"
#include "channels.h"
#include "control.h"
#include "module.h"
#include "program.h"
#include "supervisor.h"

#define SUP_TOPIC_SNAPSHOT "snapshot"
#define SUP_MODULES_DIR "modules"
/* Output batching: a batch goes out at a newline, at this size, or when
 * its first byte has waited SUP_FLUSH_MS. */
#define SUP_BATCH_MAX 4096
#define SUP_FLUSH_MS 20
/* How often an order not yet taken is asked for again. */
#define SUP_KICK_MS 10
/* How long a migration may wait for the pause, the PUBACKs of the output
 * and of the snapshot before it gives up (and the module goes on). */
#define SUP_MIGRATE_MS 10000
/* How long a restore-ready module waits for its snapshot. */
#define SUP_RESTORE_WAIT_MS 60000
/* Pre-copy (docs/agent.md, "Live migration"): a module with at least this
 * much linear memory sends an image of it while it runs on, and at the
 * pause only what changed since. Below it, one whole snapshot is quicker
 * than two messages. */
#define SUP_PRECOPY_MIN ((guint64)2 << 20)
/* Largest snapshot accepted: 4 GiB of memory could not be restored by
 * this runtime anyway. */
#define SUP_SNAPSHOT_MAX ((gsize)1 << 30)
/* Ended modules are kept (for a late delete) this long. */
#define SUP_ENDED_KEEP_MS (10 * 60 * 1000)

typedef enum {
  SUP_WAIT_PROGRAM,   /* create waits for program bytes */
  SUP_WAIT_SNAPSHOT,  /* restore-ready: waits for snapshot/{uuid} */
  SUP_STARTING,       /* thread instantiating or restoring */
  SUP_RUNNING,
  SUP_PAUSED,         /* held after a migration snapshot */
  SUP_MIGRATING,      /* pausing and snapshotting for a migration */
  SUP_EXITED,
  SUP_FAILED,
} SupState;

/* As the wire says it (arts_module_state_to_string). */
static const ArtsModuleState sup_wire_state[] = {
  [SUP_WAIT_PROGRAM] = ARTS_MODULE_STARTING,
  [SUP_WAIT_SNAPSHOT] = ARTS_MODULE_STARTING,
  [SUP_STARTING] = ARTS_MODULE_STARTING, [SUP_RUNNING] = ARTS_MODULE_RUNNING,
  [SUP_PAUSED] = ARTS_MODULE_PAUSED, [SUP_MIGRATING] = ARTS_MODULE_MIGRATING,
  [SUP_EXITED] = ARTS_MODULE_EXITED, [SUP_FAILED] = ARTS_MODULE_FAILED,
};
#define sup_state_name(st) arts_module_state_to_string(sup_wire_state[st])

typedef struct {
  AgentSupervisor *s;
  char *uuid, *name, *sha256, *program_name;
  GStrv args, env;
  guint64 max_memory, fuel;
  SupState state;
  char *dir;
  char *stdout_topic, *stdin_topic, *snapshot_topic;
  char *snapshot_sub;           /* snapshot/{uuid}/#: with its subtopics */
  char *ready_topic;            /* snapshot/{uuid}/ready */
  AgentModule *mod;             /* while the thread lives */
  gboolean restore;             /* waits for a snapshot, not a program */
  char *restore_migration;      /* the migration it waits for, or NULL */
  guint restore_timer;
  gint64 started_at, resumed_at, ended_at;
  guint migrations;
  int exit_code;                /* -1: none */
  char *error;

  /* Output not yet published, oldest first: runs of one fd each
   * (SupChunk). Usually one; more while the broker is away. */
  GQueue out;
  guint out_timer;
  guint out_inflight;           /* stdout publishes not yet PUBACKed */
  gboolean out_refused;         /* the last output PUBACK was a refusal */

  ArtsEnvelope *create_req;     /* answered when the thread started */
  GPtrArray *delete_reqs;       /* answered when it ended */
  gboolean release;             /* delete reason "migrated": no event */
  ArtsEnvelope *migrate_req;
  char *migration;
  gint64 paused_at;
  GBytes *snap;                 /* taken, waiting for output PUBACKs */
  gboolean snap_delta;          /* snap is a delta against the pre-copy */
  GBytes *snap_input;           /* stdin not yet read at the pause: a
                                 * byte "end of input came" (0/1), then
                                 * the bytes (docs/protocol.md) */
  int precopy_mid;              /* pre-copy image awaiting PUBACK; -1:
                                 * asked of the thread, not yet taken */
  gboolean precopy;             /* in pre-copy: waits for the target */
  gsize precopy_bytes;
  struct wasm_memimage *image;  /* target: the pre-copy that came */
  GBytes *input;                /* target: the source's unread stdin */
  gboolean input_eof;
  guint64 snap_offset;
  int snap_mid;                 /* snapshot publish awaiting PUBACK */
  gsize snap_bytes;
  guint migrate_timer;
  ArtsEnvelope *checkpoint_req;
  int ckpt_mid;
  AgentModuleChannels *chans;   /* channels.h; NULL: none */

  double last_cpu;
  guint64 last_instr;
  gint64 last_us;
} SupModule;

typedef struct {
  int fd;
  guint64 offset;        /* of data's first byte */
  GByteArray *data;
} SupChunk;

typedef enum { SUP_MID_OUTPUT, SUP_MID_SNAPSHOT } SupMidKind;

typedef struct {
  char *uuid;
  gsize len;
  SupMidKind kind;
} SupMid;

struct _AgentSupervisor {
  char *state_dir, *realm, *runtime_uuid;
  int max_nmodules;
  char *control_topic, *log_topic;
  ArtsMqtt *mqtt;
  AgentPrograms programs;
  GHashTable *modules;          /* uuid -> SupModule */
  GHashTable *mids;             /* mid -> SupMid */
  AgentEventSink sink;
  guint wake_id;
  guint kick_id;
  guint reconnect_id;
  gboolean draining;
  AgentChannels *channels;      /* channels.h, once attached to MQTT */
};

static void sup_module_free(gpointer data);
static void sup_answer_deletes(SupModule *sm);
static void sup_start(SupModule *sm, GBytes *program, GBytes *snapshot,
                      guint64 out_offset, AgentModuleSpec *more);

/* --- small helpers ------------------------------------------------------- */

static gboolean sup_live(const SupModule *sm)
{
  return sm->state != SUP_EXITED && sm->state != SUP_FAILED;
}

static void sup_mid_free(gpointer data)
{
  SupMid *mm = data;

  g_free(mm->uuid);
  g_free(mm);
}

static void sup_track(AgentSupervisor *s, int mid, const char *uuid,
                      gsize len, SupMidKind kind)
{
  SupMid *mm = g_new0(SupMid, 1);

  mm->uuid = g_strdup(uuid);
  mm->len = len;
  mm->kind = kind;
  g_hash_table_insert(s->mids, GINT_TO_POINTER(mid), mm);
}

/* Answers REQ with R's details (docs/protocol.md: ArtsControlResult);
 * frees R. */
static void sup_answer(AgentSupervisor *s, const ArtsEnvelope *req,
                       ArtsControlResult *r)
{
  g_autoptr(JsonObject) details = arts_control_result_to_json(r);
  g_autoptr(ArtsEnvelope) resp =
    arts_response_ok(req, ARTS_TYPE_RUNTIME_RESP, details);

  arts_control_result_free(r);
  arts_mqtt_publish_envelope(s->mqtt, s->control_topic, resp, FALSE, NULL);
}

/* A result about SM in its state now. */
static ArtsControlResult *sup_result(SupModule *sm)
{
  ArtsControlResult *r = arts_control_result_new();

  r->state = sup_wire_state[sm->state];
  return r;
}

static void sup_refuse(AgentSupervisor *s, const ArtsEnvelope *req,
                       const GError *error)
{
  g_autoptr(ArtsEnvelope) resp =
    arts_response_error(req, ARTS_TYPE_RUNTIME_RESP, error);

  g_message("refused %s on %s: %s", req->action, s->control_topic,
            error->message);
  arts_mqtt_publish_envelope(s->mqtt, s->control_topic, resp, FALSE, NULL);
}

static void sup_refusef(AgentSupervisor *s, const ArtsEnvelope *req,
                        int code, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void sup_refusef(AgentSupervisor *s, const ArtsEnvelope *req,
                        int code, const char *fmt, ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;
  va_list ap;

  va_start(ap, fmt);
  msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  error = g_error_new_literal(ARTS_ERROR, code, msg);
  sup_refuse(s, req, error);
}

static void sup_log(AgentSupervisor *s, const char *message,
                    const char *topic)
{
  g_autoptr(ArtsLog) l = arts_log_new("error", message, topic, NULL);
  g_autoptr(JsonObject) data = arts_log_to_json(l);
  g_autoptr(ArtsEnvelope) env =
    arts_envelope_new(ARTS_TYPE_RESP, "update", NULL, data);

  g_message("%s: %s", topic, message);
  arts_mqtt_publish_envelope(s->mqtt, s->log_topic, env, FALSE, NULL);
}

/* An unsolicited module_state on control/{runtime_uuid}. */
static void sup_state(SupModule *sm, SupState state)
{
  AgentSupervisor *s = sm->s;
  g_autoptr(ArtsModuleUpdate) u = NULL;
  g_autoptr(JsonObject) data = NULL;
  g_autoptr(ArtsEnvelope) env = NULL;

  sm->state = state;
  if (sm->release && !sup_live(sm))
    return;
  u = arts_module_update_new(sm->uuid, sup_wire_state[state]);
  if (state == SUP_EXITED && sm->exit_code >= 0) {
    u->has_exit_code = TRUE;
    u->exit_code = sm->exit_code;
  }
  if (state == SUP_FAILED)
    u->error = g_strdup(sm->error);
  if (state == SUP_RUNNING && sm->resumed_at) {
    u->resumed_at_ms = sm->resumed_at;
    u->migration = g_strdup(sm->restore_migration);
  }
  data = arts_module_update_to_json(u);
  env = arts_envelope_new(ARTS_TYPE_RUNTIME_RESP, "update", NULL, data);
  arts_mqtt_publish_envelope(s->mqtt, s->control_topic, env, FALSE, NULL);
}

static SupModule *sup_find(AgentSupervisor *s, const ArtsModule *want,
                           gboolean live_only)
{
  GHashTableIter it;
  gpointer v;
  SupModule *sm;

  if (want->uuid) {
    sm = g_hash_table_lookup(s->modules, want->uuid);
    return sm && (!live_only || sup_live(sm)) ? sm : NULL;
  }
  /* A name may also belong to modules that ended: the live one wins. */
  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    sm = v;
    if (g_str_equal(sm->name, want->name) && sup_live(sm))
      return sm;
  }
  if (live_only)
    return NULL;
  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    sm = v;
    if (g_str_equal(sm->name, want->name))
      return sm;
  }
  return NULL;
}

static gboolean sup_kick(gpointer user_data)
{
  AgentSupervisor *s = user_data;
  GHashTableIter it;
  gpointer v;
  gboolean waiting = FALSE;

  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SupModule *sm = v;
    if (sm->mod && agent_module_kick(sm->mod))
      waiting = TRUE;
  }
  if (waiting)
    return G_SOURCE_CONTINUE;
  s->kick_id = 0;
  return G_SOURCE_REMOVE;
}

/* Orders go to the thread at its next pause point; until it took them
 * they are asked for again (a resume clears the engine's pause flag). */
static void sup_order(SupModule *sm, guint orders)
{
  AgentSupervisor *s = sm->s;

  if (!sm->mod)
    return;
  agent_module_order(sm->mod, orders);
  if (!s->kick_id)
    s->kick_id = g_timeout_add(SUP_KICK_MS, sup_kick, s);
}

/* --- output -------------------------------------------------------------- */

static gboolean sup_flush_timeout(gpointer user_data);

static void sup_chunk_free(gpointer data)
{
  SupChunk *c = data;

  g_byte_array_unref(c->data);
  g_free(c);
}

/* Publishes C in pieces of at most SUP_BATCH_MAX bytes, each with the
 * offset of its first byte; TRUE when all of it went out. */
static gboolean sup_flush_chunk(SupModule *sm, SupChunk *c)
{
  AgentSupervisor *s = sm->s;
  ArtsOutputProps p;
  gsize done = 0;

  while (done < c->data->len && arts_mqtt_is_connected(s->mqtt)) {
    gsize n = MIN(c->data->len - done, SUP_BATCH_MAX);
    int mid;

    arts_output_props_init(&p, (gint64)(c->offset + done), c->fd);
    mid = arts_mqtt_publish(s->mqtt, sm->stdout_topic, c->data->data + done,
                            n, 1, FALSE, p.props, G_N_ELEMENTS(p.props),
                            NULL);
    if (mid < 0)
      break;
    sup_track(s, mid, sm->uuid, n, SUP_MID_OUTPUT);
    sm->out_inflight++;
    done += n;
  }
  g_byte_array_remove_range(c->data, 0, (guint)done);
  c->offset += done;
  return c->data->len == 0;
}

/* Publishes what is batched, oldest first. While the broker is away the
 * bytes stay (and the module is held by backpressure once its backlog is
 * full). */
static void sup_flush(SupModule *sm)
{
  SupChunk *c;

  g_clear_handle_id(&sm->out_timer, g_source_remove);
  while ((c = g_queue_peek_head(&sm->out)) && sup_flush_chunk(sm, c))
    sup_chunk_free(g_queue_pop_head(&sm->out));
}

static gboolean sup_flush_timeout(gpointer user_data)
{
  SupModule *sm = user_data;

  sm->out_timer = 0;
  sup_flush(sm);
  return G_SOURCE_REMOVE;
}

/* A write joins the last run when it continues it (same fd, next
 * offset); a change of fd flushes what came before. */
static void sup_output(SupModule *sm, AgentEvent *ev)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(ev->bytes, &len);
  SupChunk *c = g_queue_peek_tail(&sm->out);

  if (c && (c->fd != ev->fd || c->offset + c->data->len != ev->offset)) {
    sup_flush(sm);
    c = g_queue_peek_tail(&sm->out);
    if (c && (c->fd != ev->fd || c->offset + c->data->len != ev->offset))
      c = NULL;
  }
  if (!c) {
    c = g_new0(SupChunk, 1);
    c->fd = ev->fd;
    c->offset = ev->offset;
    c->data = g_byte_array_new();
    g_queue_push_tail(&sm->out, c);
  }
  g_byte_array_append(c->data, data, (guint)len);
  if (c->data->len >= SUP_BATCH_MAX)
    sup_flush(sm);
}

static gboolean sup_out_empty(SupModule *sm)
{
  return g_queue_is_empty(&sm->out);
}

/* After a round of events: a batch that ends a line goes now, a partial
 * line waits at most SUP_FLUSH_MS for more. */
static void sup_settle(SupModule *sm)
{
  SupChunk *c = g_queue_peek_tail(&sm->out);

  if (!c)
    return;
  if (c->data->len > 0 && c->data->data[c->data->len - 1] == '\n')
    sup_flush(sm);
  else if (!sm->out_timer)
    sm->out_timer = g_timeout_add(SUP_FLUSH_MS, sup_flush_timeout, sm);
}

/* --- migrate and checkpoint (source side) -------------------------------- */

static void sup_migrate_end(SupModule *sm)
{
  g_clear_pointer(&sm->migrate_req, arts_envelope_free);
  g_clear_pointer(&sm->migration, g_free);
  g_clear_pointer(&sm->snap, g_bytes_unref);
  g_clear_pointer(&sm->snap_input, g_bytes_unref);
  g_clear_handle_id(&sm->migrate_timer, g_source_remove);
  sm->snap_mid = 0;
  sm->precopy_mid = 0;
  if (sm->precopy && sm->s->mqtt)
    arts_mqtt_unsubscribe(sm->s->mqtt, sm->ready_topic);
  sm->precopy = FALSE;
}

/* The migration cannot go on: say why, and the module goes on here. */
static void sup_migrate_fail(SupModule *sm, const char *why)
{
  AgentSupervisor *s = sm->s;

  if (!sm->migrate_req)
    return;
  sup_refusef(s, sm->migrate_req, ARTS_ERROR_IO, "migration %s of %s: %s",
              sm->migration, sm->uuid, why);
  sup_migrate_end(sm);
  if (sm->mod && (sm->state == SUP_MIGRATING || sm->state == SUP_PAUSED)) {
    sup_order(sm, AGENT_ORDER_RESUME);
  }
}

static gboolean sup_migrate_timeout(gpointer user_data)
{
  SupModule *sm = user_data;

  sm->migrate_timer = 0;
  sup_migrate_fail(sm, "timed out waiting for the pause and the broker's "
                   "acknowledgements");
  return G_SOURCE_REMOVE;
}

/* SUFFIX: "" for the snapshot itself, ARTS_SNAPSHOT_PRECOPY_SUFFIX or
 * ARTS_SNAPSHOT_INPUT_SUFFIX for what goes before it (docs/protocol.md). */
static int sup_publish_snapshot(SupModule *sm, const char *suffix,
                                GBytes *snap, guint64 offset,
                                ArtsSnapshotKind kind, gboolean delta)
{
  AgentSupervisor *s = sm->s;
  ArtsSnapshotProps p;
  gsize len;
  const guint8 *data = g_bytes_get_data(snap, &len);
  g_autoptr(GError) error = NULL;
  g_autofree char *topic = g_strconcat(sm->snapshot_topic, suffix, NULL);
  int mid;

  arts_snapshot_props_init(&p, kind, kind == ARTS_SNAPSHOT_CHECKPOINT
                                     ? NULL : sm->migration,
                           (gint64)MIN(offset, (guint64)G_MAXINT64));
  arts_snapshot_props_add(&p, sm->migrations, delta);
  mid = arts_mqtt_publish(s->mqtt, topic, data, len, 1, FALSE, p.props,
                          p.n_props, &error);
  if (mid < 0) {
    g_warning("snapshot of %s not sent: %s", sm->uuid, error->message);
    return -1;
  }
  sup_track(s, mid, sm->uuid, len, SUP_MID_SNAPSHOT);
  return mid;
}

/* The snapshot leaves only once every output message published before the
 * pause is acknowledged by the broker: the target's output then continues
 * after bytes that are surely out. */
static void sup_migrate_progress(SupModule *sm)
{
  if (!sm->migrate_req || !sm->snap || sm->snap_mid || sm->paused_at == 0)
    return;
  if (!sup_out_empty(sm))
    sup_flush(sm);
  if (!sup_out_empty(sm) || sm->out_inflight > 0)
    return;
  sm->snap_bytes = g_bytes_get_size(sm->snap);
  g_debug("module %s: output acknowledged, publishing the snapshot %"
          G_GINT64_FORMAT " ms after the pause", sm->uuid,
          arts_now_ms() - sm->paused_at);
  /* Same publisher, QoS 1: the broker hands the input on before the
   * snapshot, and the target feeds it before the program reads on. */
  if (sm->snap_input &&
      sup_publish_snapshot(sm, ARTS_SNAPSHOT_INPUT_SUFFIX, sm->snap_input,
                           sm->snap_offset, ARTS_SNAPSHOT_MIGRATION,
                           FALSE) < 0) {
    sup_migrate_fail(sm, "the unread input could not be published");
    return;
  }
  sm->snap_mid = sup_publish_snapshot(sm, "", sm->snap, sm->snap_offset,
                                      ARTS_SNAPSHOT_MIGRATION,
                                      sm->snap_delta);
  g_clear_pointer(&sm->snap, g_bytes_unref);
  g_clear_pointer(&sm->snap_input, g_bytes_unref);
  if (sm->snap_mid < 0) {
    sm->snap_mid = 0;
    sup_migrate_fail(sm, "the snapshot could not be published");
  }
}

/* The image is at the broker; the pause waits for the target's word that
 * it has decoded it (sup_precopy_ready): the delta would otherwise queue
 * behind the image on the target's connection, and count as downtime. */
static void sup_precopy_acked(SupModule *sm, int reason)
{
  sm->precopy_mid = 0;
  if (!sm->migrate_req)
    return;
  if (reason >= 0x80) {
    g_autofree char *why =
      g_strdup_printf("the broker refused the memory image (reason "
                      "0x%02x)", reason);
    sup_migrate_fail(sm, why);
    return;
  }
  g_debug("module %s: memory image of %" G_GSIZE_FORMAT " bytes is out",
          sm->uuid, sm->precopy_bytes);
}

/* The target has the image: now the pause, and only what changed. */
static void sup_precopy_ready(SupModule *sm, const char *migration,
                              const guint8 *payload, gsize len)
{
  g_autofree char *said = g_strndup((const char *)payload, MIN(len, 300));

  if (!sm->migrate_req || !sm->precopy || !migration ||
      !g_str_equal(migration, sm->migration))
    return;
  arts_mqtt_unsubscribe(sm->s->mqtt, sm->ready_topic);
  sm->precopy = FALSE;
  if (!g_str_equal(said, "ok")) {
    g_autofree char *why = g_strdup_printf("the target has no memory "
                                           "image: %s", said);
    sup_migrate_fail(sm, why);
    return;
  }
  sup_order(sm, AGENT_ORDER_HOLD);
}

static void sup_on_precopy_event(SupModule *sm, AgentEvent *ev)
{
  if (!sm->migrate_req || sm->precopy_mid != -1)
    return;   /* called off meanwhile: the thread dropped its image */
  sm->precopy_mid = 0;
  if (ev->error) {
    g_warning("module %s: no memory image (%s); sending the whole "
              "snapshot", sm->uuid, ev->error);
    arts_mqtt_unsubscribe(sm->s->mqtt, sm->ready_topic);
    sm->precopy = FALSE;
    sup_order(sm, AGENT_ORDER_HOLD);
    return;
  }
  sm->precopy_bytes = g_bytes_get_size(ev->bytes);
  sm->precopy_mid = sup_publish_snapshot(sm, ARTS_SNAPSHOT_PRECOPY_SUFFIX,
                                         ev->bytes, 0, ARTS_SNAPSHOT_PRECOPY,
                                         FALSE);
  if (sm->precopy_mid < 0) {
    sm->precopy_mid = 0;
    sup_migrate_fail(sm, "the memory image could not be published");
  }
}

static ArtsControlResult *sup_snapshot_result(SupModule *sm)
{
  ArtsControlResult *r = arts_control_result_new();

  r->snapshot_bytes = (gint64)sm->snap_bytes;
  r->stdout_offset = (gint64)MIN(sm->snap_offset, (guint64)G_MAXINT64);
  return r;
}

static void sup_snapshot_acked(SupModule *sm, int mid, int reason)
{
  AgentSupervisor *s = sm->s;
  ArtsControlResult *r;

  if (mid == sm->precopy_mid) {
    sup_precopy_acked(sm, reason);
    return;
  }
  if (mid == sm->ckpt_mid && sm->checkpoint_req) {
    if (reason >= 0x80) {
      sup_refusef(s, sm->checkpoint_req, ARTS_ERROR_MQTT,
                  "the broker refused the checkpoint (reason 0x%02x)",
                  reason);
    } else {
      sup_answer(s, sm->checkpoint_req, sup_snapshot_result(sm));
    }
    g_clear_pointer(&sm->checkpoint_req, arts_envelope_free);
    sm->ckpt_mid = 0;
    return;
  }
  if (mid != sm->snap_mid || !sm->migrate_req)
    return;
  if (reason >= 0x80) {
    g_autofree char *why =
      g_strdup_printf("the broker refused the snapshot (reason 0x%02x)",
                      reason);
    sup_migrate_fail(sm, why);
    return;
  }
  r = sup_snapshot_result(sm);
  r->paused_at_ms = sm->paused_at;
  sup_answer(s, sm->migrate_req, r);
  g_message("module %s: snapshot of migration %s is out (%" G_GSIZE_FORMAT
            " bytes); holding it paused", sm->uuid, sm->migration,
            sm->snap_bytes);
  sup_migrate_end(sm);
  sup_state(sm, SUP_PAUSED);
}

static GBytes *sup_input_message(GBytes *input, gboolean eof)
{
  GByteArray *a;
  guint8 flag = eof ? 1 : 0;

  if (!input && !eof)
    return NULL;
  a = g_byte_array_new();
  g_byte_array_append(a, &flag, 1);
  if (input)
    g_byte_array_append(a, g_bytes_get_data(input, NULL),
                        (guint)g_bytes_get_size(input));
  return g_byte_array_free_to_bytes(a);
}

static void sup_on_snapshot_event(SupModule *sm, AgentEvent *ev)
{
  AgentSupervisor *s = sm->s;

  if (ev->checkpoint) {
    if (!sm->checkpoint_req)
      return;
    if (ev->error) {
      sup_refusef(s, sm->checkpoint_req, ARTS_ERROR_IO, "checkpoint: %s",
                  ev->error);
      g_clear_pointer(&sm->checkpoint_req, arts_envelope_free);
      return;
    }
    sm->snap_bytes = g_bytes_get_size(ev->bytes);
    sm->snap_offset = ev->offset;
    sm->ckpt_mid = sup_publish_snapshot(sm, "", ev->bytes, ev->offset,
                                        ARTS_SNAPSHOT_CHECKPOINT, FALSE);
    if (sm->ckpt_mid < 0) {
      sm->ckpt_mid = 0;
      sup_refusef(s, sm->checkpoint_req, ARTS_ERROR_MQTT,
                  "the checkpoint could not be published");
      g_clear_pointer(&sm->checkpoint_req, arts_envelope_free);
    }
    return;
  }
  if (!sm->migrate_req)
    return;   /* resumed meanwhile: this snapshot is of no use */
  if (ev->error) {
    g_autofree char *why = g_strdup_printf("snapshot: %s", ev->error);
    sup_migrate_fail(sm, why);
    return;
  }
  g_clear_pointer(&sm->snap, g_bytes_unref);
  g_clear_pointer(&sm->snap_input, g_bytes_unref);
  sm->snap = g_bytes_ref(ev->bytes);
  sm->snap_delta = ev->delta;
  sm->snap_input = sup_input_message(ev->input, ev->input_eof);
  sm->snap_offset = ev->offset;
  g_debug("module %s: snapshot taken %" G_GINT64_FORMAT " ms after the "
          "pause", sm->uuid, ev->ts_ms - sm->paused_at);
  sup_migrate_progress(sm);
}

/* --- events from module threads ----------------------------------------- */

static ArtsControlResult *sup_module_details(SupModule *sm)
{
  ArtsControlResult *r = sup_result(sm);

  r->uuid = g_strdup(sm->uuid);
  r->name = g_strdup(sm->name);
  r->started_at_ms = sm->started_at;
  return r;
}

static void sup_on_started(SupModule *sm, AgentEvent *ev)
{
  AgentSupervisor *s = sm->s;

  if (ev->error) {
    agent_module_free(g_steal_pointer(&sm->mod));
    sm->ended_at = arts_now_ms();
    if (sm->create_req) {
      /* A fresh start that never ran: as if it was never asked. */
      sup_refusef(s, sm->create_req, ARTS_ERROR_FIELD, "%s", ev->error);
      sm->state = SUP_FAILED;
      sup_answer_deletes(sm);
      g_hash_table_remove(s->modules, sm->uuid);
      return;
    }
    g_warning("module %s: restore failed: %s", sm->uuid, ev->error);
    sm->error = g_strdup_printf("restore failed: %s", ev->error);
    sup_state(sm, SUP_FAILED);
    if (sm->delete_reqs->len > 0) {
      sup_answer_deletes(sm);
      g_hash_table_remove(s->modules, sm->uuid);
    }
    return;
  }
  sm->last_us = g_get_monotonic_time();
  arts_mqtt_subscribe(s->mqtt, sm->stdin_topic, 1);
  if (sm->restore) {
    sm->resumed_at = ev->ts_ms;
    if (!sm->started_at)
      sm->started_at = ev->ts_ms;
    g_message("module %s (%s) restored and running", sm->name, sm->uuid);
  } else {
    sm->started_at = ev->ts_ms;
    g_message("module %s (%s) running", sm->name, sm->uuid);
  }
  sm->state = SUP_RUNNING;
  if (sm->create_req) {
    sup_answer(s, sm->create_req, sup_module_details(sm));
    g_clear_pointer(&sm->create_req, arts_envelope_free);
  }
  sup_state(sm, SUP_RUNNING);
}

static void sup_answer_deletes(SupModule *sm)
{
  AgentSupervisor *s = sm->s;

  for (guint i = 0; i < sm->delete_reqs->len; i++) {
    ArtsControlResult *r = sup_result(sm);
    r->has_exit_code = sm->exit_code >= 0;
    r->exit_code = sm->exit_code;
    r->error = g_strdup(sm->error);
    sup_answer(s, g_ptr_array_index(sm->delete_reqs, i), r);
  }
  g_ptr_array_set_size(sm->delete_reqs, 0);
}

static void sup_on_ended(SupModule *sm, AgentEvent *ev)
{
  AgentSupervisor *s = sm->s;
  gboolean deleted = sm->delete_reqs->len > 0;

  agent_module_free(g_steal_pointer(&sm->mod));
  agent_channels_detach(g_steal_pointer(&sm->chans));
  sup_flush(sm);
  arts_mqtt_unsubscribe(s->mqtt, sm->stdin_topic);
  sm->ended_at = arts_now_ms();
  sup_migrate_fail(sm, "the module ended");
  if (ev->end == AGENT_END_TRAPPED) {
    g_free(sm->error);
    sm->error = g_strdup(ev->error);
    g_message("module %s (%s) failed: %s", sm->name, sm->uuid, ev->error);
    sup_state(sm, SUP_FAILED);
  } else {
    sm->exit_code = ev->end == AGENT_END_EXITED ? ev->exit_code : -1;
    g_message("module %s (%s) %s", sm->name, sm->uuid,
              ev->end == AGENT_END_STOPPED ? "stopped" : "exited");
    sup_state(sm, SUP_EXITED);
  }
  if (sm->checkpoint_req && !sm->ckpt_mid) {
    sup_refusef(s, sm->checkpoint_req, ARTS_ERROR_IO,
                "the module ended before its checkpoint");
    g_clear_pointer(&sm->checkpoint_req, arts_envelope_free);
  }
  sup_answer_deletes(sm);
  if (deleted)
    g_hash_table_remove(s->modules, sm->uuid);
}

/* A module's entry outlives its thread (it is freed only after ENDED, or
 * after joining at shutdown), so the owner pointer is safe here. */
static void sup_on_event(AgentSupervisor *s, AgentEvent *ev)
{
  SupModule *sm = ev->owner;

  if (!sm || sm->mod != ev->module)
    return;
  switch (ev->kind) {
  case AGENT_EVENT_STARTED:
    sup_on_started(sm, ev);
    break;
  case AGENT_EVENT_OUTPUT:
    sup_output(sm, ev);
    break;
  case AGENT_EVENT_PAUSED:
    sm->paused_at = ev->ts_ms;
    sup_migrate_progress(sm);
    break;
  case AGENT_EVENT_SNAPSHOT:
    sup_on_snapshot_event(sm, ev);
    break;
  case AGENT_EVENT_PRECOPY:
    sup_on_precopy_event(sm, ev);
    break;
  case AGENT_EVENT_RESUMED:
    /* Not while a newer migration is under way (its order came after). */
    if (!sm->migrate_req &&
        (sm->state == SUP_PAUSED || sm->state == SUP_MIGRATING))
      sup_state(sm, SUP_RUNNING);
    break;
  case AGENT_EVENT_ENDED:
    sup_on_ended(sm, ev);
    break;
  }
}

static gboolean sup_on_wake(int fd, GIOCondition cond, gpointer user_data)
{
  AgentSupervisor *s = user_data;
  AgentEvent *ev;
  GHashTableIter it;
  gpointer v;

  agent_event_sink_rearm(&s->sink);
  while ((ev = g_async_queue_try_pop(s->sink.queue))) {
    sup_on_event(s, ev);
    agent_event_free(ev);
  }
  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v))
    sup_settle(v);
  return G_SOURCE_CONTINUE;
}

/* --- create -------------------------------------------------------------- */

static SupModule *sup_module_new(AgentSupervisor *s, AgentControl *c)
{
  SupModule *sm = g_new0(SupModule, 1);
  ArtsModule *am = c->module;

  sm->s = s;
  sm->uuid = am->uuid ? g_strdup(am->uuid) : arts_uuid_new();
  sm->name = g_strdup(am->name ? am->name
                      : am->filename ? am->filename : sm->uuid);
  sm->sha256 = g_strdup(am->sha256);
  sm->program_name = g_strdup(am->filename ? am->filename : sm->name);
  sm->args = g_strdupv(am->args);
  sm->env = g_strdupv(am->env);
  sm->max_memory = c->max_memory;
  sm->fuel = c->fuel;
  sm->restore = c->restore;
  sm->restore_migration = g_strdup(c->restore_migration);
  sm->exit_code = -1;
  sm->dir = g_build_filename(s->state_dir, SUP_MODULES_DIR, sm->uuid, NULL);
  sm->stdout_topic = arts_topic(s->realm, ARTS_TOPIC_STDOUT, sm->uuid);
  sm->stdin_topic = arts_topic(s->realm, ARTS_TOPIC_STDIN, sm->uuid);
  sm->snapshot_topic = arts_topic(s->realm, SUP_TOPIC_SNAPSHOT, sm->uuid);
  sm->snapshot_sub = g_strconcat(sm->snapshot_topic, "/#", NULL);
  sm->ready_topic = g_strconcat(sm->snapshot_topic,
                                ARTS_SNAPSHOT_READY_SUFFIX, NULL);
  g_queue_init(&sm->out);
  sm->delete_reqs = g_ptr_array_new_with_free_func(
    (GDestroyNotify)arts_envelope_free);
  return sm;
}

static void sup_module_free(gpointer data)
{
  SupModule *sm = data;
  AgentSupervisor *s = sm->s;

  if (sm->mod) {
    agent_module_free(sm->mod);
    sm->mod = NULL;
  }
  agent_channels_detach(g_steal_pointer(&sm->chans));
  if (s->mqtt) {
    arts_mqtt_unsubscribe(s->mqtt, sm->stdin_topic);
    if (sm->state == SUP_WAIT_SNAPSHOT)
      arts_mqtt_unsubscribe(s->mqtt, sm->snapshot_sub);
  }
  /* The module's directory goes when the program left nothing in it. */
  if (sm->dir)
    g_rmdir(sm->dir);
  g_clear_handle_id(&sm->restore_timer, g_source_remove);
  g_clear_handle_id(&sm->out_timer, g_source_remove);
  sup_migrate_end(sm);
  g_clear_pointer(&sm->create_req, arts_envelope_free);
  g_clear_pointer(&sm->checkpoint_req, arts_envelope_free);
  g_ptr_array_unref(sm->delete_reqs);
  g_queue_clear_full(&sm->out, sup_chunk_free);
  g_strfreev(sm->args);
  g_strfreev(sm->env);
  g_free(sm->uuid);
  g_free(sm->name);
  g_free(sm->sha256);
  g_free(sm->program_name);
  g_free(sm->restore_migration);
  g_free(sm->error);
  g_free(sm->dir);
  g_free(sm->stdout_topic);
  g_free(sm->stdin_topic);
  g_free(sm->snapshot_topic);
  g_free(sm->snapshot_sub);
  g_free(sm->ready_topic);
  g_clear_pointer(&sm->image, agent_module_image_free);
  g_clear_pointer(&sm->input, g_bytes_unref);
  g_free(sm);
}

/* MORE: a restore's image and input (taken), or NULL. */
static void sup_start(SupModule *sm, GBytes *program, GBytes *snapshot,
                      guint64 out_offset, AgentModuleSpec *more)
{
  AgentSupervisor *s = sm->s;
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  AgentModuleSpec spec = { 0 };

  if (more) {
    spec.image = g_steal_pointer(&more->image);
    spec.input = more->input;
    spec.input_eof = more->input_eof;
  }

  g_ptr_array_add(argv, sm->program_name);
  for (guint i = 0; sm->args && sm->args[i]; i++)
    g_ptr_array_add(argv, sm->args[i]);
  g_ptr_array_add(argv, NULL);
  spec.uuid = sm->uuid;
  spec.owner = sm;
  spec.sha256 = sm->sha256;
  spec.dir = sm->dir;
  spec.program = program;
  spec.snapshot = snapshot;
  spec.argv = (const char *const *)argv->pdata;
  spec.env = (const char *const *)sm->env;
  spec.max_memory = sm->max_memory;
  spec.fuel = sm->fuel;
  spec.out_offset = out_offset;
  spec.channels = sm->chans;
  sm->state = SUP_STARTING;
  if (g_mkdir_with_parents(sm->dir, 0700) != 0) {
    g_set_error(&error, AGENT_ERROR, AGENT_ERROR_IO, "cannot create %s: %s",
                sm->dir, g_strerror(errno));
  } else {
    sm->mod = agent_module_start(&spec, &s->sink, &error);
    spec.image = NULL;   /* the module's now, also when it failed */
  }
  g_clear_pointer(&spec.image, agent_module_image_free);
  if (sm->mod)
    return;
  if (sm->create_req) {
    sup_refuse(s, sm->create_req, error);
    g_hash_table_remove(s->modules, sm->uuid);
    return;
  }
  sm->error = g_strdup(error->message);
  sm->ended_at = arts_now_ms();
  sup_state(sm, SUP_FAILED);
}

static gboolean sup_restore_timeout(gpointer user_data)
{
  SupModule *sm = user_data;

  sm->restore_timer = 0;
  arts_mqtt_unsubscribe(sm->s->mqtt, sm->snapshot_sub);
  sm->error = g_strdup_printf("no snapshot arrived within %d s",
                              SUP_RESTORE_WAIT_MS / 1000);
  sm->ended_at = arts_now_ms();
  g_message("module %s: %s", sm->uuid, sm->error);
  sup_state(sm, SUP_FAILED);
  return G_SOURCE_REMOVE;
}

/* The program's bytes are here: start, or get ready for a snapshot. */
static void sup_program_ready(SupModule *sm, GBytes *bytes)
{
  AgentSupervisor *s = sm->s;
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  ArtsControlResult *r;
  g_autoptr(GError) error = NULL;

  if (!arts_wasm_check(data, len, &error)) {
    sup_refuse(s, sm->create_req, error);
    g_hash_table_remove(s->modules, sm->uuid);
    return;
  }
  if (!sm->restore) {
    sup_start(sm, bytes, NULL, 0, NULL);
    return;
  }
  sm->state = SUP_WAIT_SNAPSHOT;
  arts_mqtt_subscribe(s->mqtt, sm->snapshot_sub, 1);
  sm->restore_timer = g_timeout_add(SUP_RESTORE_WAIT_MS, sup_restore_timeout,
                                    sm);
  r = arts_control_result_new();
  r->ready = TRUE;
  r->uuid = g_strdup(sm->uuid);
  sup_answer(s, sm->create_req, r);
  g_clear_pointer(&sm->create_req, arts_envelope_free);
  g_message("module %s: ready for the snapshot of %s", sm->uuid,
            sm->restore_migration ? sm->restore_migration : "a checkpoint");
}

static void sup_on_program(const char *sha256, GBytes *bytes,
                           const GError *error, gpointer user_data)
{
  AgentSupervisor *s = user_data;
  g_autoptr(GPtrArray) waiting = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SupModule *sm = v;
    if (sm->state == SUP_WAIT_PROGRAM && sm->sha256 &&
        g_str_equal(sm->sha256, sha256))
      g_ptr_array_add(waiting, sm);
  }
  for (guint i = 0; i < waiting->len; i++) {
    SupModule *sm = g_ptr_array_index(waiting, i);
    if (bytes) {
      sup_program_ready(sm, bytes);
    } else {
      sup_refuse(s, sm->create_req, error);
      g_hash_table_remove(s->modules, sm->uuid);
    }
  }
}

static guint sup_count_live(AgentSupervisor *s)
{
  GHashTableIter it;
  gpointer v;
  guint n = 0;

  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v))
    n += sup_live(v);
  return n;
}

static void sup_create(AgentSupervisor *s, const ArtsEnvelope *req,
                       AgentControl *c)
{
  ArtsModule *am = c->module;
  SupModule *sm, *old = am->uuid ?
    g_hash_table_lookup(s->modules, am->uuid) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint live = sup_count_live(s);

  if (old && sup_live(old)) {
    sup_refusef(s, req, ARTS_ERROR_CONFLICT,
                "module %s already exists on this runtime", am->uuid);
    return;
  }
  if (am->name) {
    ArtsModule want = { .name = am->name };
    if (sup_find(s, &want, TRUE)) {
      sup_refusef(s, req, ARTS_ERROR_CONFLICT,
                  "a module named \"%s\" already runs on this runtime",
                  am->name);
      return;
    }
  }
  if (s->draining) {
    sup_refusef(s, req, ARTS_ERROR_NO_FIT,
                "this runtime is draining (shutting down)");
    return;
  }
  if (live >= (guint)s->max_nmodules) {
    sup_refusef(s, req, ARTS_ERROR_NO_FIT,
                "runtime full: %u of max_nmodules %d modules", live,
                s->max_nmodules);
    return;
  }
  {  /* channels: a bad list is refused before anything changes */
    GPtrArray *chl = arts_channels_from_json(am->channels, &error);
    if (!chl) {
      sup_refuse(s, req, error);
      return;
    }
    g_ptr_array_unref(chl);
  }
  if (old)
    g_hash_table_remove(s->modules, am->uuid);
  if (am->sha256)
    bytes = agent_programs_load(&s->programs, am->sha256, &error);
  else
    bytes = agent_programs_load_file(&s->programs, am->filename, &error);
  if (!bytes && !(am->sha256 && g_error_matches(error, ARTS_ERROR,
                                                ARTS_ERROR_NOT_FOUND))) {
    sup_refuse(s, req, error);
    return;
  }
  sm = sup_module_new(s, c);
  if (s->channels)  /* channels: subscribed now, before any snapshot */
    sm->chans = agent_channels_attach_module(s->channels, sm->uuid, am,
                                             NULL);
  sm->create_req = arts_envelope_copy(req);
  g_hash_table_insert(s->modules, sm->uuid, sm);
  if (bytes) {
    sup_program_ready(sm, bytes);
    return;
  }
  sm->state = SUP_WAIT_PROGRAM;
  agent_programs_fetch(&s->programs, am->sha256);
}

/* --- delete, migrate, resume, checkpoint ------------------------------- */

static void sup_delete(AgentSupervisor *s, const ArtsEnvelope *req,
                       AgentControl *c, SupModule *sm)
{
  ArtsEnvelope *copy = arts_envelope_copy(req);

  if (c->reason && g_str_equal(c->reason, "migrated"))
    sm->release = TRUE;
  g_ptr_array_add(sm->delete_reqs, copy);
  if (!sup_live(sm)) {
    sup_answer_deletes(sm);
    g_hash_table_remove(s->modules, sm->uuid);
    return;
  }
  if (!sm->mod) {
    /* Not started yet (waits for program or snapshot): nothing runs. */
    if (sm->create_req)
      sup_refusef(s, sm->create_req, ARTS_ERROR_NOT_FOUND,
                  "module %s was deleted before it started", sm->uuid);
    sm->state = SUP_EXITED;
    sup_answer_deletes(sm);
    g_hash_table_remove(s->modules, sm->uuid);
    return;
  }
  sup_migrate_fail(sm, "the module is being deleted");
  sup_order(sm, AGENT_ORDER_STOP);
}

static void sup_migrate(AgentSupervisor *s, const ArtsEnvelope *req,
                        AgentControl *c, SupModule *sm)
{
  if (sm->migrate_req) {
    sup_refusef(s, req, ARTS_ERROR_CONFLICT,
                "module %s is already migrating (%s)", sm->uuid,
                sm->migration);
    return;
  }
  if (!sm->mod || (sm->state != SUP_RUNNING && sm->state != SUP_PAUSED)) {
    sup_refusef(s, req, ARTS_ERROR_CONFLICT,
                "module %s is %s, not running", sm->uuid,
                sup_state_name(sm->state));
    return;
  }
  sm->migrate_req = arts_envelope_copy(req);
  sm->migration = g_strdup(c->migration);
  sm->migrate_timer = g_timeout_add(SUP_MIGRATE_MS, sup_migrate_timeout, sm);
  g_message("module %s: migration %s to %s", sm->uuid, c->migration,
            c->target ? c->target : "(unnamed target)");
  if (sm->state == SUP_RUNNING) {
    AgentModuleStats st;
    agent_module_stats(sm->mod, &st);
    sm->paused_at = 0;
    sup_state(sm, SUP_MIGRATING);
    if (st.memory >= SUP_PRECOPY_MIN) {
      sm->precopy_mid = -1;
      sm->precopy = TRUE;
      arts_mqtt_subscribe(s->mqtt, sm->ready_topic, 1);
      sup_order(sm, AGENT_ORDER_PRECOPY);
      return;
    }
  }
  sup_order(sm, AGENT_ORDER_HOLD);
}

static void sup_resume(AgentSupervisor *s, const ArtsEnvelope *req,
                       SupModule *sm)
{
  ArtsControlResult *r;

  if (!sm->mod) {
    sup_refusef(s, req, ARTS_ERROR_CONFLICT, "module %s is %s", sm->uuid,
                sup_state_name(sm->state));
    return;
  }
  if (sm->migrate_req)
    sup_migrate_fail(sm, "resumed before the snapshot left");
  else if (sm->state == SUP_PAUSED || sm->state == SUP_MIGRATING)
    sup_order(sm, AGENT_ORDER_RESUME);
  r = arts_control_result_new();
  r->state = ARTS_MODULE_RUNNING;
  sup_answer(s, req, r);
}

static void sup_checkpoint(AgentSupervisor *s, const ArtsEnvelope *req,
                           SupModule *sm)
{
  if (sm->checkpoint_req) {
    sup_refusef(s, req, ARTS_ERROR_CONFLICT,
                "a checkpoint of module %s is already being taken",
                sm->uuid);
    return;
  }
  if (!sm->mod || sm->state == SUP_STARTING) {
    sup_refusef(s, req, ARTS_ERROR_CONFLICT, "module %s is %s, not running",
                sm->uuid, sup_state_name(sm->state));
    return;
  }
  sm->checkpoint_req = arts_envelope_copy(req);
  sup_order(sm, AGENT_ORDER_CHECKPOINT);
}

static void sup_control(AgentSupervisor *s, const char *topic,
                        const guint8 *payload, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEnvelope) req = arts_envelope_parse((const char *)payload,
                                                    len, &error);
  g_autoptr(AgentControl) c = NULL;
  SupModule *sm;

  if (!req) {
    g_autofree char *oid = NULL, *action = NULL;
    if (arts_envelope_peek((const char *)payload, len, &oid, &action)) {
      g_autoptr(ArtsEnvelope) resp = arts_response_error_for(
        oid, action, ARTS_TYPE_RUNTIME_RESP, error);
      arts_mqtt_publish_envelope(s->mqtt, s->control_topic, resp, FALSE,
                                 NULL);
    } else {
      sup_log(s, error->message, topic);
    }
    return;
  }
  /* Our own answers and state updates come back on this topic. */
  if (req->type != ARTS_TYPE_REQ)
    return;
  c = agent_control_parse(req, &error);
  if (!c) {
    sup_refuse(s, req, error);
    return;
  }
  if (c->action == AGENT_CONTROL_CREATE) {
    sup_create(s, req, c);
    return;
  }
  sm = sup_find(s, c->module, c->action != AGENT_CONTROL_DELETE);
  if (!sm) {
    sup_refusef(s, req, ARTS_ERROR_NOT_FOUND, "no module %s on this runtime",
                c->module->uuid ? c->module->uuid : c->module->name);
    return;
  }
  switch (c->action) {
  case AGENT_CONTROL_DELETE:
    sup_delete(s, req, c, sm);
    break;
  case AGENT_CONTROL_MIGRATE:
    sup_migrate(s, req, c, sm);
    break;
  case AGENT_CONTROL_RESUME:
    sup_resume(s, req, sm);
    break;
  default:
    sup_checkpoint(s, req, sm);
    break;
  }
}

/* --- snapshots and stdin arriving ---------------------------------------- */

/* The restore fails before it began: nothing runs, the orchestrator is
 * told by the module's state. */
static void sup_restore_fail(SupModule *sm, const char *fmt, ...)
  G_GNUC_PRINTF(2, 3);
static void sup_restore_fail(SupModule *sm, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  sm->error = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sm->ended_at = arts_now_ms();
  g_clear_handle_id(&sm->restore_timer, g_source_remove);
  arts_mqtt_unsubscribe(sm->s->mqtt, sm->snapshot_sub);
  g_message("module %s: %s", sm->uuid, sm->error);
  sup_state(sm, SUP_FAILED);
}

static void sup_say_ready(SupModule *sm, const GError *error)
{
  ArtsSnapshotProps p;
  g_autofree char *said = error ? g_strdup_printf("error: %s",
                                                  error->message)
                                : g_strdup("ok");
  g_autoptr(GError) local = NULL;

  arts_snapshot_props_init(&p, ARTS_SNAPSHOT_PRECOPY, sm->restore_migration,
                           0);
  if (arts_mqtt_publish(sm->s->mqtt, sm->ready_topic, said, strlen(said), 1,
                        FALSE, p.props, p.n_props, &local) < 0)
    g_warning("module %s: cannot answer the memory image: %s", sm->uuid,
              local->message);
}

/* What comes before a migration's snapshot: the pre-copy memory image
 * (decoded now, while the source still runs the module) and the input
 * the source had not read. A bad image is only logged: the delta that
 * needs it then fails to restore, and the module goes on at the source. */
static void sup_before_snapshot(SupModule *sm, ArtsSnapshotKind kind,
                                const char *suffix, const guint8 *payload,
                                gsize len)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal(suffix, ARTS_SNAPSHOT_INPUT_SUFFIX) &&
      kind == ARTS_SNAPSHOT_MIGRATION && payload[0] <= 1) {
    g_clear_pointer(&sm->input, g_bytes_unref);
    sm->input = g_bytes_new(payload + 1, MIN(len - 1, AGENT_STDIN_MAX));
    sm->input_eof = payload[0] == 1;
    return;
  }
  if (!g_str_equal(suffix, ARTS_SNAPSHOT_PRECOPY_SUFFIX) ||
      kind != ARTS_SNAPSHOT_PRECOPY)
    return;
  g_clear_pointer(&sm->image, agent_module_image_free);
  sm->image = agent_module_image_read(payload, len, sm->max_memory, &error);
  if (!sm->image)
    g_warning("module %s: %s", sm->uuid, error->message);
  else
    g_debug("module %s: memory image of %" G_GSIZE_FORMAT " bytes decoded",
            sm->uuid, len);
  sup_say_ready(sm, error);
}

/* TOPIC_REST is "{uuid}" or "{uuid}/precopy" or "{uuid}/input". */
static void sup_snapshot_in(AgentSupervisor *s, const char *topic_rest,
                            const guint8 *payload, gsize len,
                            const ArtsMqttProp *props, guint n_props)
{
  const char *slash = strchr(topic_rest, '/');
  g_autofree char *uuid = g_strndup(topic_rest, slash ? (gsize)(slash -
                                    topic_rest) : strlen(topic_rest));
  SupModule *sm = g_hash_table_lookup(s->modules, uuid);
  ArtsSnapshotKind kind;
  g_autofree char *migration = NULL;
  gint64 offset = -1, migs = -1;
  gboolean delta = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) snap = NULL;
  AgentModuleSpec more = { 0 };

  if (!sm || len == 0)
    return;
  if (!arts_snapshot_props_parse(props, n_props, &kind, &migration, &offset,
                                 &error)) {
    g_debug("module %s: snapshot ignored: %s", uuid, error->message);
    return;
  }
  if (slash && g_str_equal(slash, ARTS_SNAPSHOT_READY_SUFFIX)) {
    sup_precopy_ready(sm, migration, payload, len);
    return;
  }
  if (sm->state != SUP_WAIT_SNAPSHOT)
    return;
  if (sm->restore_migration &&
      (kind == ARTS_SNAPSHOT_CHECKPOINT || !migration ||
       !g_str_equal(migration, sm->restore_migration))) {
    g_debug("module %s: snapshot of another migration ignored", uuid);
    return;
  }
  if (len > SUP_SNAPSHOT_MAX) {
    sup_restore_fail(sm, "restore failed: snapshot of %" G_GSIZE_FORMAT
                     " bytes is too large", len);
    return;
  }
  if (slash) {
    /* Only a migration has an image and input before its snapshot. */
    if (sm->restore_migration)
      sup_before_snapshot(sm, kind, slash, payload, len);
    return;
  }
  if (kind == ARTS_SNAPSHOT_PRECOPY)
    return;
  if (!arts_snapshot_props_parse_extra(props, n_props, &migs, &delta,
                                       &error)) {
    sup_restore_fail(sm, "restore failed: %s", error->message);
    return;
  }
  if (migs >= 0)
    sm->migrations = (guint)MIN(migs, G_MAXUINT - 1);
  if (kind == ARTS_SNAPSHOT_MIGRATION)
    sm->migrations++;
  g_clear_handle_id(&sm->restore_timer, g_source_remove);
  arts_mqtt_unsubscribe(s->mqtt, sm->snapshot_sub);
  snap = g_bytes_new(payload, len);
  g_message("module %s: %s%s arrived (%" G_GSIZE_FORMAT " bytes), restoring",
            uuid, delta ? "delta " : "", "snapshot", len);
  more.image = delta ? g_steal_pointer(&sm->image) : NULL;
  more.input = sm->input;
  more.input_eof = sm->input_eof;
  /* A missing offset is taken from the WASI state (bytes written so far). */
  sup_start(sm, NULL, snap, offset < 0 ? G_MAXUINT64 : (guint64)offset,
            &more);
  g_clear_pointer(&sm->image, agent_module_image_free);
  g_clear_pointer(&sm->input, g_bytes_unref);
}

static void sup_stdin(AgentSupervisor *s, const char *uuid,
                      const guint8 *payload, gsize len)
{
  SupModule *sm = g_hash_table_lookup(s->modules, uuid);
  gsize took;

  if (!sm || !sm->mod)
    return;
  took = agent_module_feed(sm->mod, payload, len);
  if (took < len)
    g_warning("module %s: stdin buffer full, %" G_GSIZE_FORMAT
              " bytes dropped", uuid, len - took);
}

gboolean agent_supervisor_on_message(AgentSupervisor *s, const char *topic,
                                     const guint8 *payload, gsize len,
                                     const ArtsMqttProp *props,
                                     guint n_props)
{
  g_autofree char *leaf = NULL, *rest = NULL;

  if (s->channels && agent_channels_on_message(s->channels, topic, payload,
                                               len, props, n_props))
    return TRUE;
  if (!arts_topic_parse(s->realm, topic, &leaf, &rest) || !rest)
    return FALSE;
  if (g_str_equal(leaf, ARTS_TOPIC_CONTROL) &&
      g_str_equal(rest, s->runtime_uuid))
    sup_control(s, topic, payload, len);
  else if (g_str_equal(leaf, ARTS_TOPIC_PROGRAM))
    agent_programs_on_message(&s->programs, rest, payload, len);
  else if (g_str_equal(leaf, SUP_TOPIC_SNAPSHOT))
    sup_snapshot_in(s, rest, payload, len, props, n_props);
  else if (g_str_equal(leaf, ARTS_TOPIC_STDIN))
    sup_stdin(s, rest, payload, len);
  else
    return FALSE;
  return TRUE;
}

gboolean agent_supervisor_on_publish(AgentSupervisor *s, int mid, int reason)
{
  SupMid *mm = g_hash_table_lookup(s->mids, GINT_TO_POINTER(mid));
  SupModule *sm;

  if (!mm)
    return FALSE;
  sm = g_hash_table_lookup(s->modules, mm->uuid);
  if (sm && mm->kind == SUP_MID_OUTPUT) {
    /* Refused output (an ACL without stdout/ for runtimes) is said once
     * per module, not once per line. */
    if (reason >= 0x80 && !sm->out_refused)
      g_warning("module %s: the broker refuses its output (reason 0x%02x); "
                "it is dropped", sm->uuid, reason);
    sm->out_refused = reason >= 0x80;
    if (sm->out_inflight > 0)
      sm->out_inflight--;
    if (sm->mod)
      agent_module_output_done(sm->mod, mm->len);
    sup_migrate_progress(sm);
  } else if (sm) {
    sup_snapshot_acked(sm, mid, reason);
  }
  g_hash_table_remove(s->mids, GINT_TO_POINTER(mid));
  return TRUE;
}

static gboolean sup_flush_all(gpointer user_data)
{
  AgentSupervisor *s = user_data;
  GHashTableIter it;
  gpointer v;

  s->reconnect_id = 0;
  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v))
    sup_flush(v);
  return G_SOURCE_REMOVE;
}

/* Output kept while the broker was away goes out after a reconnect, but
 * not from inside the connect callback: libmosquitto re-sends the
 * publishes that were in flight only after that callback returns, and
 * they must go first, or a viewer would see later bytes before them. */
void agent_supervisor_on_connect(AgentSupervisor *s, gboolean connected)
{
  if (connected && !s->reconnect_id)
    s->reconnect_id = g_idle_add(sup_flush_all, s);
}

/* --- telemetry ----------------------------------------------------------- */

static void sup_metrics(SupModule *sm, ArtsTelemetry *t, gint64 now_us)
{
  AgentModuleStats st;
  double dt = (double)(now_us - sm->last_us) / 1e6;

  agent_module_stats(sm->mod, &st);
  arts_telemetry_set_module_info(t, sm->uuid, sm->name,
                                 sup_wire_state[sm->state]);
  arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_PROC_CPU_TIME, st.cpu_s);
  if (dt > 0.01 && sm->last_us) {
    arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_PROC_CPU_UTIL,
                              CLAMP((st.cpu_s - sm->last_cpu) / dt, 0, 1));
    arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_MOD_INSTR_RATE,
                              st.instructions >= sm->last_instr
                                ? (double)(st.instructions - sm->last_instr) /
                                  dt : 0);
  }
  arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_MOD_INSTRUCTIONS,
                            (double)st.instructions);
  arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_MOD_MEMORY,
                            (double)st.memory);
  arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_MOD_IO_READ,
                            (double)st.io_read);
  arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_MOD_IO_WRITE,
                            (double)st.io_write);
  arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_MOD_UPTIME,
                            (double)(arts_now_ms() - sm->started_at) / 1e3);
  arts_telemetry_add_module(t, sm->uuid, ARTS_METRIC_MOD_MIGRATIONS,
                            sm->migrations);
  agent_module_channels_metrics(sm->chans, t, sm->uuid);  /* channels */
  sm->last_cpu = st.cpu_s;
  sm->last_instr = st.instructions;
  sm->last_us = now_us;
  /* Instructions and memory are recorded by the thread at a pause. */
  sup_order(sm, AGENT_ORDER_SAMPLE);
}

void agent_supervisor_add_metrics(AgentSupervisor *s, ArtsTelemetry *sample)
{
  GHashTableIter it;
  gpointer v;
  gint64 now_us = g_get_monotonic_time(), now = arts_now_ms();

  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SupModule *sm = v;
    if (sm->mod && sup_live(sm) && sm->state != SUP_STARTING)
      sup_metrics(sm, sample, now_us);
    else if (!sup_live(sm) && !sm->mod &&
             now - sm->ended_at > SUP_ENDED_KEEP_MS)
      g_hash_table_iter_remove(&it);
  }
}

/* --- life cycle ---------------------------------------------------------- */

AgentSupervisor *agent_supervisor_new(const AgentSupervisorConfig *cfg,
                                      GError **error)
{
  AgentSupervisor *s = g_new0(AgentSupervisor, 1);

  s->state_dir = g_strdup(cfg->state_dir);
  s->realm = g_strdup(cfg->realm);
  s->runtime_uuid = g_strdup(cfg->runtime_uuid);
  s->max_nmodules = cfg->max_nmodules;
  s->control_topic = arts_topic(cfg->realm, ARTS_TOPIC_CONTROL,
                                cfg->runtime_uuid);
  s->log_topic = arts_topic(cfg->realm, ARTS_TOPIC_LOG, cfg->runtime_uuid);
  s->modules = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                     sup_module_free);
  s->mids = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                  sup_mid_free);
  s->sink.queue = g_async_queue_new();
  s->sink.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->sink.wake_fd < 0) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_IO, "eventfd: %s",
                g_strerror(errno));
    agent_supervisor_free(s);
    return NULL;
  }
  if (!agent_programs_init(&s->programs, cfg->state_dir, cfg->realm,
                           error)) {
    agent_supervisor_free(s);
    return NULL;
  }
  s->wake_id = g_unix_fd_add(s->sink.wake_fd, G_IO_IN, sup_on_wake, s);
  return s;
}

void agent_supervisor_attach(AgentSupervisor *s, ArtsMqtt *mqtt)
{
  s->mqtt = mqtt;
  if (!s->channels)
    s->channels = agent_channels_new(mqtt, s->realm);
  agent_programs_attach(&s->programs, mqtt, sup_on_program, s);
  arts_mqtt_subscribe(mqtt, s->control_topic, 1);
}

guint agent_supervisor_live(AgentSupervisor *s)
{
  return sup_count_live(s);
}

void agent_supervisor_drain(AgentSupervisor *s)
{
  s->draining = TRUE;
}

void agent_supervisor_stop_all(AgentSupervisor *s)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init(&it, s->modules);
  while (g_hash_table_iter_next(&it, NULL, &v))
    sup_order(v, AGENT_ORDER_STOP);
}

void agent_supervisor_free(AgentSupervisor *s)
{
  AgentEvent *ev;

  if (!s)
    return;
  g_clear_handle_id(&s->wake_id, g_source_remove);
  g_clear_handle_id(&s->kick_id, g_source_remove);
  g_clear_handle_id(&s->reconnect_id, g_source_remove);
  /* Freeing a module stops and joins its thread; then nothing posts. */
  if (s->modules)
    g_hash_table_destroy(s->modules);
  agent_channels_free(s->channels);  /* after every module detached */
  if (s->sink.queue) {
    while ((ev = g_async_queue_try_pop(s->sink.queue)))
      agent_event_free(ev);
    g_async_queue_unref(s->sink.queue);
  }
  if (s->sink.wake_fd >= 0)
    close(s->sink.wake_fd);
  if (s->mids)
    g_hash_table_destroy(s->mids);
  if (s->programs.fetches)
    agent_programs_clear(&s->programs);
  g_free(s->state_dir);
  g_free(s->realm);
  g_free(s->runtime_uuid);
  g_free(s->control_topic);
  g_free(s->log_topic);
  g_free(s);
}
