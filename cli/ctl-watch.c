/* arts-ctl watch: realm events (notif) as they happen, one line each.
 * It starts with one "runtime_present" line per runtime already in the
 * realm, so a watcher that joins late knows what the events refer to. */
#include <stdio.h>
#include "ctl.h"
#include "ctl-output.h"
#include "ctl-session.h"

typedef struct {
  const CtlOptions *opts;
  GPtrArray *early;   /* events that came while the realm settled, or NULL */
} Watch;

/* The runtime's name for a uuid in a module event, when known. */
static const char *runtime_name(CtlSession *s, const char *uuid) {
  if (!s || !uuid)
    return uuid ? uuid : "?";
  g_autoptr(GError) error = NULL;
  JsonObject *rt = ctl_session_find_runtime(s, uuid, &error);
  return rt ? ctl_json_string(rt, "name", uuid) : uuid;
}

/* What module events add to the reason: where it moved and how long it
 * was paused, how it ended, where it was restarted. */
static char *module_details(CtlSession *s, JsonObject *ev) {
  GString *d = g_string_new(NULL);
  if (json_object_has_member(ev, "target"))
    g_string_append_printf(d, "%s -> %s, downtime %" G_GINT64_FORMAT
                           " ms, total %" G_GINT64_FORMAT " ms",
                           runtime_name(s, ctl_json_string(ev, "source", NULL)),
                           runtime_name(s, ctl_json_string(ev, "target", NULL)),
                           ctl_json_int(ev, "downtime_ms", 0),
                           ctl_json_int(ev, "total_ms", 0));
  if (json_object_has_member(ev, "exit_code") &&
      !json_object_get_null_member(ev, "exit_code"))
    g_string_append_printf(d, "exit code %" G_GINT64_FORMAT,
                           ctl_json_int(ev, "exit_code", 0));
  const char *err = ctl_json_string(ev, "error", NULL);
  if (err)
    g_string_append_printf(d, "%s%s", d->len ? ", " : "", err);
  if (json_object_has_member(ev, "from_checkpoint"))
    g_string_append_printf(
        d, "%son %s, %s", d->len ? ", " : "",
        runtime_name(s, ctl_json_string(ev, "runtime", NULL)),
        json_object_get_boolean_member_with_default(ev, "from_checkpoint",
                                                    FALSE)
            ? "from its checkpoint" : "fresh");
  return g_string_free(d, d->len == 0);
}

static void print_event(const CtlOptions *o, CtlSession *s, JsonObject *ev) {
  if (o->json) {
    ctl_print_json_object(ev, FALSE);
    return;
  }
  g_autofree char *when = ctl_format_time(ctl_json_int(ev, "ts", 0));
  const char *event = ctl_json_string(ev, "event", "?");
  const char *reason = ctl_json_string(ev, "reason", NULL);
  g_autofree char *details = module_details(s, ev);
  printf("%s  %-16s  %-16s  %s%s%s%s%s\n", when, event,
         ctl_json_string(ev, "name", "-"), ctl_json_string(ev, "uuid", "-"),
         reason ? "  " : "", reason ? reason : "", details ? "  " : "",
         details ? details : "");
  fflush(stdout);
}

static void on_notif(CtlSession *s, const char *leaf, const char *rest,
                     ArtsEnvelope *env, gpointer user_data) {
  Watch *w = user_data;
  /* notif carries the orchestrator's events; anything else there is not
   * ours to show */
  if (!env || g_strcmp0(ctl_json_string(env->data, "type", ""), "event") != 0)
    return;
  if (w->early)
    g_ptr_array_add(w->early, json_object_ref(env->data));
  else
    print_event(w->opts, s, env->data);
}

static gboolean mentioned_early(Watch *w, const char *uuid) {
  for (guint i = 0; i < w->early->len; i++)
    if (g_strcmp0(ctl_json_string(w->early->pdata[i], "uuid", NULL), uuid) == 0)
      return TRUE;
  return FALSE;
}

/* The realm as found, then what happened while it settled: a runtime that
 * joined during that time shows once, by its event. */
static void print_start(CtlSession *s, Watch *w) {
  const CtlOptions *o = w->opts;
  g_autoptr(GPtrArray) all = ctl_session_runtimes(s);
  for (guint i = 0; i < all->len; i++) {
    JsonObject *rt = all->pdata[i];
    if (mentioned_early(w, ctl_json_string(rt, "uuid", "")))
      continue;
    g_autoptr(JsonObject) ev = json_object_new();
    json_object_set_string_member(ev, "type", "event");
    json_object_set_string_member(ev, "event", "runtime_present");
    json_object_set_string_member(ev, "uuid", ctl_json_string(rt, "uuid", ""));
    json_object_set_string_member(ev, "name", ctl_json_string(rt, "name", ""));
    json_object_set_string_member(ev, "status",
                                  ctl_json_string(rt, "status", "?"));
    json_object_set_int_member(ev, "ts", ctl_json_int(rt, "last_seen", 0));
    g_autofree char *reason =
        g_strdup_printf("status %s", ctl_json_string(rt, "status", "?"));
    if (!o->json)
      json_object_set_string_member(ev, "reason", reason);
    print_event(o, s, ev);
  }
  for (guint i = 0; i < w->early->len; i++)
    print_event(o, s, w->early->pdata[i]);
  g_clear_pointer(&w->early, g_ptr_array_unref);
}

int ctl_cmd_watch(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  if (argc != 0) {
    g_set_error(&error, CTL_ERROR, CTL_ERROR_USAGE, "watch takes no arguments");
    return ctl_fail(error);
  }
  g_autoptr(CtlSession) s = ctl_session_new(o, &error);
  if (!s)
    return ctl_fail(error);
  ctl_session_track_realm(s);
  Watch w = {
    .opts = o,
    .early = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref),
  };
  ctl_session_follow(s, ARTS_TOPIC_NOTIF, on_notif, &w);
  if (!ctl_session_connect(s, &error)) {
    g_clear_pointer(&w.early, g_ptr_array_unref);
    return ctl_fail(error);
  }
  print_start(s, &w);
  if (!o->json) {
    g_printerr("arts-ctl: watching realm '%s' on %s (Ctrl-C stops)\n",
               ctl_session_realm(s), o->cfg.broker_url);
  }
  ctl_session_run(s, o->duration_s);
  return CTL_EXIT_OK;
}
