/* arts-ctl logs MODULE [--follow], arts-ctl stdin MODULE: a module's output
 * and input streams (WIRE-MODULES.md, "Output and input").
 *
 * logs prints the output exactly as the program wrote it and nothing else
 * on stdout: first what the orchestrator stored (query logs), then live
 * stdout/{module} messages. Every live message carries the offset of its
 * first byte, so bytes below what is already printed are dropped (a
 * migration, a reconnect, the overlap of stored and live) and a hole is
 * reported on stderr. The live subscription is made before the query, so
 * nothing falls between the two. */
#include <errno.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include "ctl.h"
#include "ctl-output.h"
#include "ctl-session.h"

/* After the module ended, output published just before its end may still
 * be on its way from the runtime (another client than the orchestrator
 * that announced the end). */
#define CTL_LOGS_GRACE_MS 500

typedef struct {
  CtlSession *s;
  const char *uuid;
  gint64 next;          /* the offset of the next byte to print */
  gboolean stored_done; /* the stored part is printed: print live now */
  GPtrArray *early;     /* live messages that came meanwhile (GBytes + off) */
  guint grace;
  gboolean ended;
} Logs;

typedef struct {
  gint64 offset;        /* -1: the message carried none */
  GBytes *data;
} LiveChunk;

static void live_chunk_free(LiveChunk *c) {
  g_bytes_unref(c->data);
  g_free(c);
}

static void print_bytes(const guint8 *p, gsize len) {
  if (len > 0 && fwrite(p, 1, len, stdout) != len) {
    g_printerr("arts-ctl: cannot write the output: stdout closed\n");
    exit(CTL_EXIT_ERROR);
  }
  fflush(stdout);
}

static void report_gap(gint64 at, gint64 gap) {
  g_printerr("arts-ctl: %" G_GINT64_FORMAT " bytes of output missing before "
             "offset %" G_GINT64_FORMAT "\n", gap, at);
}

static void print_at(Logs *l, gint64 offset, const guint8 *p, gsize len) {
  if (offset < 0) {   /* a writer without offsets (an ARTS runtime) */
    print_bytes(p, len);
    return;
  }
  gint64 gap = 0;
  gsize skip = arts_output_accept(&l->next, offset, len, &gap);
  if (gap > 0)
    report_gap(offset, gap);
  if (skip < len)
    print_bytes(p + skip, len - skip);
}

static void on_stdout(CtlSession *s, const char *rest, const guint8 *payload,
                      gsize len, const ArtsMqttProp *props, guint n_props,
                      gpointer user_data) {
  (void)s;
  (void)rest;
  Logs *l = user_data;
  gint64 offset;
  int fd;
  if (!arts_output_props_parse(props, n_props, &offset, &fd, NULL))
    offset = -1;
  if (l->stored_done) {
    print_at(l, offset, payload, len);
    return;
  }
  LiveChunk *c = g_new0(LiveChunk, 1);
  c->offset = offset;
  c->data = g_bytes_new(payload, len);
  g_ptr_array_add(l->early, c);
}

static gboolean module_ended(JsonObject *m) {
  const char *status = ctl_json_string(m, "status", "");
  const char *state = ctl_json_string(m, "state", "");
  return g_str_equal(status, "D") || g_str_equal(status, "E") ||
         g_str_equal(state, "exited") || g_str_equal(state, "failed");
}

static gboolean on_grace(gpointer user_data) {
  Logs *l = user_data;
  l->grace = 0;
  ctl_session_quit(l->s);
  return G_SOURCE_REMOVE;
}

static void watch_end(Logs *l) {
  JsonObject *m = ctl_session_module(l->s, l->uuid);
  if (l->ended || !m || !module_ended(m))
    return;
  l->ended = TRUE;
  l->grace = g_timeout_add(CTL_LOGS_GRACE_MS, on_grace, l);
}

static void on_state(CtlSession *s, const char *leaf, const char *rest,
                     ArtsEnvelope *env, gpointer user_data) {
  (void)s;
  (void)leaf;
  (void)rest;
  (void)env;
  watch_end(user_data);
}

/* The stored output, chunk by chunk (an answer holds at most
 * ARTS_MAX_LOG_CHUNK bytes). */
static gboolean print_stored(Logs *l, GError **error) {
  for (;;) {
    g_autoptr(JsonObject) data = json_object_new();
    json_object_set_string_member(data, "type", "logs");
    json_object_set_string_member(data, "module", l->uuid);
    json_object_set_int_member(data, "since_offset", l->next);
    g_autoptr(JsonObject) details =
        ctl_session_request(l->s, ARTS_TOPIC_QUERY, "query", data, error);
    if (!details)
      return FALSE;
    g_autoptr(ArtsLogChunk) c =
        arts_log_chunk_from_json(details, "data.details", error);
    if (!c)
      return FALSE;
    gsize len;
    const guint8 *p = g_bytes_get_data(c->data, &len);
    if (c->start_offset > l->next) {
      if (l->next == 0)
        g_printerr("arts-ctl: the first %" G_GINT64_FORMAT " bytes of output "
                   "are no longer stored\n", c->start_offset);
      else
        report_gap(c->start_offset, c->start_offset - l->next);
    }
    print_at(l, c->start_offset, p, len);
    if (!c->more || len == 0)
      return TRUE;
  }
}

static const char *resolve_module(CtlSession *s, const char *key,
                                  GError **error) {
  g_autoptr(GError) local = NULL;
  JsonObject *m = ctl_session_find_module(s, key, &local);
  if (m)
    return ctl_json_string(m, "uuid", NULL);
  /* A uuid the realm's retained state does not show (yet) is still a
   * valid topic to read. */
  if (arts_uuid_is_valid(key))
    return key;
  g_propagate_error(error, g_steal_pointer(&local));
  return NULL;
}

int ctl_cmd_logs(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  g_autoptr(CtlSession) s = ctl_module_session(o, "logs", argc, TRUE, &error);
  if (!s)
    return ctl_fail(error);
  g_autofree char *uuid = g_strdup(resolve_module(s, argv[0], &error));
  if (!uuid)
    return ctl_fail(error);
  Logs l = {
    .s = s,
    .uuid = uuid,
    .early = g_ptr_array_new_with_free_func((GDestroyNotify)live_chunk_free),
  };
  ctl_session_follow_raw(s, ARTS_TOPIC_STDOUT, uuid, on_stdout, &l);
  ctl_session_follow(s, ARTS_TOPIC_STATE, on_state, &l);
  gboolean ok = print_stored(&l, &error);
  /* Then what came live meanwhile: mostly the same bytes, dropped by
   * offset. */
  l.stored_done = TRUE;
  for (guint i = 0; ok && i < l.early->len; i++) {
    LiveChunk *c = l.early->pdata[i];
    gsize len;
    const guint8 *p = g_bytes_get_data(c->data, &len);
    print_at(&l, c->offset, p, len);
  }
  g_ptr_array_unref(l.early);
  if (!ok)
    return ctl_fail(error);
  if (o->follow) {
    watch_end(&l);
    ctl_session_run(s, 0);
    if (l.grace)
      g_source_remove(l.grace);
  }
  return CTL_EXIT_OK;
}

/* ---- stdin -------------------------------------------------------------- */

typedef struct {
  CtlSession *s;
  const char *uuid;
  GError *error;
  guint watch;
} Feed;

static gboolean on_input(gint fd, GIOCondition cond, gpointer user_data) {
  (void)cond;
  Feed *f = user_data;
  guint8 buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  /* An empty payload is the module's end of input. */
  if (!ctl_session_publish(f->s, ARTS_TOPIC_STDIN, f->uuid, buf,
                           n > 0 ? (gsize)n : 0, FALSE, &f->error) ||
      n <= 0) {
    f->watch = 0;
    ctl_session_quit(f->s);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

int ctl_cmd_stdin(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  g_autoptr(CtlSession) s = ctl_module_session(o, "stdin", argc, TRUE, &error);
  if (!s)
    return ctl_fail(error);
  JsonObject *m = ctl_session_find_module(s, argv[0], &error);
  if (!m)
    return ctl_fail(error);
  if (module_ended(m)) {
    g_set_error(&error, CTL_ERROR, CTL_ERROR_NOT_FOUND,
                "module '%s' has ended", argv[0]);
    return ctl_fail(error);
  }
  Feed f = {.s = s, .uuid = ctl_json_string(m, "uuid", argv[0])};
  f.watch = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR,
                          on_input, &f);
  ctl_session_run(s, 0);
  if (f.watch)
    g_source_remove(f.watch);
  if (f.error) {
    g_propagate_error(&error, f.error);
    return ctl_fail(error);
  }
  if (!ctl_session_flush(s, o->timeout_ms)) {
    g_set_error(&error, CTL_ERROR, CTL_ERROR_TIMEOUT,
                "the broker did not take all input within %d ms",
                o->timeout_ms);
    return ctl_fail(error);
  }
  return CTL_EXIT_OK;
}
