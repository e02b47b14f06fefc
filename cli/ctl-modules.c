/* arts-ctl start, stop, modules, migrate: programs in the realm
 * (WIRE-MODULES.md). start uploads the program by its hash (retained on
 * program/{sha256}) and asks the orchestrator on control; the others name
 * a module by uuid or name and let the orchestrator resolve it, so that a
 * request means the same from every tool. */
#include <stdio.h>
#include <string.h>
#include "arts-channel.h"
#include "ctl.h"
#include "ctl-output.h"
#include "ctl-session.h"

/* A start waits for the runtime to fetch the program; a migration of a
 * 64 MiB module moves that much through the broker twice. */
#define CTL_START_TIMEOUT_MS 30000
#define CTL_MIGRATE_TIMEOUT_MS 120000
#define CTL_STOP_TIMEOUT_MS 15000

static int usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autoptr(GError) error = g_error_new_literal(CTL_ERROR, CTL_ERROR_USAGE, msg);
  return ctl_fail(error);
}

/* Requests carry "uuid" or "name" (WIRE-MODULES.md, Names). */
static void set_module_key(JsonObject *data, const char *key) {
  json_object_set_string_member(data, arts_uuid_is_valid(key) ? "uuid" : "name",
                                key);
}

/* The runtime's name when the session knows it, else its uuid. */
static const char *runtime_label(CtlSession *s, const char *uuid) {
  if (!uuid)
    return "-";
  g_autoptr(GPtrArray) all = ctl_session_runtimes(s);
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0(ctl_json_string(all->pdata[i], "uuid", NULL), uuid) == 0)
      return ctl_json_string(all->pdata[i], "name", uuid);
  return uuid;
}

/* ---- start -------------------------------------------------------------- */

/* Common's reader (the same checks as every other uploader); a file it
 * refuses is a bad command line: exit 2, before anything is sent. */
static GBytes *read_program(const char *path, GError **error) {
  g_autoptr(GError) local = NULL;
  GBytes *prog = arts_program_read(path, NULL, &local);
  if (!prog)
    g_set_error_literal(error, CTL_ERROR, CTL_ERROR_USAGE, local->message);
  return prog;
}

static gboolean check_fault_crash(const char *v, GError **error) {
  if (!v || g_str_equal(v, "ignore") || g_str_equal(v, "restart"))
    return TRUE;
  g_set_error(error, CTL_ERROR, CTL_ERROR_USAGE,
              "--fault-crash must be 'ignore' or 'restart', not '%s'", v);
  return FALSE;
}

static gboolean check_env(char **env, GError **error) {
  for (char **e = env; e && *e; e++)
    if (!strchr(*e, '=') || **e == '=') {
      g_set_error(error, CTL_ERROR, CTL_ERROR_USAGE,
                  "--env takes K=V, not '%s'", *e);
      return FALSE;
    }
  return TRUE;
}

static JsonArray *strv_array(char **v, int n) {
  JsonArray *a = json_array_new();
  for (int i = 0; v && (n < 0 ? v[i] != NULL : i < n); i++)
    json_array_add_string_element(a, v[i]);
  return a;
}

/* The default name: the file's base name without ".wasm". */
static char *default_name(const char *path) {
  g_autofree char *base = g_path_get_basename(path);
  if (g_str_has_suffix(base, ".wasm"))
    base[strlen(base) - 5] = '\0';
  return g_strdup(base);
}

/* --channel NAME:MODE options as the module's channels (checked before). */
static JsonArray *channels_array(char **specs) {
  JsonArray *a = json_array_new();
  for (char **c = specs; c && *c; c++) {
    g_autoptr(ArtsChannel) ch = arts_channel_parse_spec(*c, NULL);
    if (ch)
      json_array_add_object_element(a, arts_channel_to_json(ch));
  }
  return a;
}

static gboolean check_channels(char **specs, GError **error) {
  for (char **c = specs; c && *c; c++) {
    g_autoptr(GError) e = NULL;
    g_autoptr(ArtsChannel) ch = arts_channel_parse_spec(*c, &e);
    if (!ch) {
      g_set_error(error, CTL_ERROR, CTL_ERROR_USAGE, "--channel: %s",
                  e->message);
      return FALSE;
    }
  }
  return TRUE;
}

/* --on-arch, --on-byte-order and --on-word-size as the module's
 * "constraints", or NULL for none. The orchestrator would refuse a bad one
 * too; decoding it here makes it a bad command line (exit 2) that names
 * the option. */
static JsonObject *constraints_request(const CtlOptions *o, GError **error) {
  if (!o->on_arch && !o->on_byte_order && !o->on_word_size)
    return NULL;
  g_autoptr(JsonObject) c = json_object_new();
  if (o->on_arch) {
    JsonArray *a = json_array_new();
    for (char **v = o->on_arch; *v; v++) {
      g_auto(GStrv) parts = g_strsplit(*v, ",", -1);
      for (char **p = parts; *p; p++) {
        g_strstrip(*p);
        if (**p)
          json_array_add_string_element(a, *p);
      }
    }
    json_object_set_array_member(c, "arch", a);
  }
  if (o->on_byte_order)
    json_object_set_string_member(c, "byte_order", o->on_byte_order);
  if (o->on_word_size)
    json_object_set_int_member(c, "word_size", o->on_word_size);
  ArtsConstraints check = {0};
  g_autoptr(GError) bad = NULL;
  if (!arts_constraints_from_json(c, "--on", &check, &bad)) {
    /* "--on.byte_order: ..." reads as "--on-byte-order: ...". */
    g_autofree char *msg = g_strdup(bad->message + strlen("--on."));
    for (char *p = msg; *p && *p != ':'; p++)
      if (*p == '_')
        *p = '-';
    g_set_error(error, CTL_ERROR, CTL_ERROR_USAGE, "--on-%s", msg);
    return NULL;
  }
  arts_constraints_clear(&check);
  return g_steal_pointer(&c);
}

static JsonObject *start_request(const CtlOptions *o, const char *path,
                                 const char *sha, int argc, char **argv,
                                 JsonObject *constraints) {
  JsonObject *d = json_object_new();
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *name = o->name ? g_strdup(o->name) : default_name(path);
  json_object_set_string_member(d, "type", "module");
  json_object_set_string_member(d, "name", name);
  json_object_set_string_member(d, "filename", base);
  json_object_set_string_member(d, "filetype", "WA");
  json_object_set_string_member(d, "sha256", sha);
  json_object_set_array_member(d, "args", strv_array(argv, argc));
  json_object_set_array_member(d, "env", strv_array(o->env, -1));
  const char *apis[] = {"wasm", "wasi", NULL};
  json_object_set_array_member(d, "apis", strv_array((char **)apis, -1));
  json_object_set_string_member(d, "fault_crash",
                                o->fault_crash ? o->fault_crash : "ignore");
  json_object_set_array_member(d, "channels", channels_array(o->channels));
  json_object_set_array_member(d, "peripherals", json_array_new());
  if (o->max_memory > 0 || o->fuel > 0 || o->channel_msg_max > 0 ||
      o->channel_queue_max > 0) {
    JsonObject *r = json_object_new();
    if (o->max_memory > 0)
      json_object_set_int_member(r, "max_memory", o->max_memory);
    json_object_set_int_member(r, "fuel", o->fuel);
    if (o->channel_msg_max > 0)
      json_object_set_int_member(r, "channel_msg_max", o->channel_msg_max);
    if (o->channel_queue_max > 0)
      json_object_set_int_member(r, "channel_queue_max",
                                 o->channel_queue_max);
    json_object_set_object_member(d, "resources", r);
  } else {
    json_object_set_null_member(d, "resources");
  }
  if (o->on)
    json_object_set_string_member(d, "parent", o->on);
  if (constraints)
    json_object_set_object_member(d, "constraints",
                                  json_object_ref(constraints));
  return d;
}

int ctl_cmd_start(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  if (argc < 1)
    return usage("start needs a program: start PROG.wasm [-- ARGS...]");
  if (o->max_memory < 0 || o->fuel < 0)
    return usage("--max-memory and --fuel must not be negative");
  if (o->channel_msg_max < 0 ||
      o->channel_msg_max > ARTS_CHANNEL_MSG_MAX_LIMIT)
    return usage("--channel-msg-max: 1 to 1048576 bytes");
  if (o->channel_queue_max < 0 ||
      o->channel_queue_max > ARTS_CHANNEL_QUEUE_MAX_LIMIT)
    return usage("--channel-queue-max: 1 to 100000 messages");
  if (!check_fault_crash(o->fault_crash, &error) ||
      !check_env(o->env, &error) || !check_channels(o->channels, &error))
    return ctl_fail(error);
  g_autoptr(JsonObject) constraints = constraints_request(o, &error);
  if (error)
    return ctl_fail(error);
  const char *path = argv[0];
  int nargs = argc - 1;
  char **args = argv + 1;
  if (nargs > 0 && g_str_equal(args[0], "--")) {
    nargs--;
    args++;
  }
  g_autoptr(GBytes) prog = read_program(path, &error);
  if (!prog)
    return ctl_fail(error);
  gsize len;
  const guint8 *bytes = g_bytes_get_data(prog, &len);
  g_autofree char *sha = arts_sha256_hex(bytes, len);

  CtlOptions po = ctl_options_patient(o, CTL_START_TIMEOUT_MS);
  g_autoptr(CtlSession) s = ctl_session_open(&po, TRUE, FALSE, &error);
  if (!s)
    return ctl_fail(error);
  /* Retained, so that the orchestrator, and a runtime that lacks it,
   * fetch it by hash; QoS 1 and the same connection as the create keep
   * the upload ahead of the request. */
  if (!ctl_session_publish(s, ARTS_TOPIC_PROGRAM, sha, bytes, len, TRUE,
                           &error))
    return ctl_fail(error);
  g_autoptr(JsonObject) req = start_request(o, path, sha, nargs, args,
                                            constraints);
  g_autoptr(JsonObject) mod =
      ctl_session_request(s, ARTS_TOPIC_CONTROL, "create", req, &error);
  if (!mod) {
    g_prefix_error(&error, "cannot start %s: ", path);
    return ctl_fail(error);
  }
  if (o->json) {
    ctl_print_json_object(mod, TRUE);
    return CTL_EXIT_OK;
  }
  const char *parent = ctl_json_string(mod, "parent", NULL);
  printf("started %s (%s) on %s (%s)\n", ctl_json_string(mod, "name", "?"),
         ctl_json_string(mod, "uuid", "?"),
         ctl_json_string(mod, "runtime_name", runtime_label(s, parent)),
         parent ? parent : "-");
  return CTL_EXIT_OK;
}

/* ---- stop --------------------------------------------------------------- */

int ctl_cmd_stop(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  CtlOptions po = ctl_options_patient(o, CTL_STOP_TIMEOUT_MS);
  g_autoptr(CtlSession) s =
      ctl_module_session(&po, "stop", argc, FALSE, &error);
  if (!s)
    return ctl_fail(error);
  g_autoptr(JsonObject) data = json_object_new();
  json_object_set_string_member(data, "type", "module");
  set_module_key(data, argv[0]);
  g_autoptr(JsonObject) mod =
      ctl_session_request(s, ARTS_TOPIC_CONTROL, "delete", data, &error);
  if (!mod) {
    g_prefix_error(&error, "cannot stop %s: ", argv[0]);
    return ctl_fail(error);
  }
  if (o->json) {
    ctl_print_json_object(mod, TRUE);
    return CTL_EXIT_OK;
  }
  printf("stopped %s (%s)\n", ctl_json_string(mod, "name", argv[0]),
         ctl_json_string(mod, "uuid", "?"));
  return CTL_EXIT_OK;
}

/* ---- modules ------------------------------------------------------------ */

static char *module_runtime(CtlSession *s, JsonObject *m) {
  const char *parent = ctl_json_string(m, "parent", NULL);
  return g_strdup(ctl_json_string(m, "runtime_name", runtime_label(s, parent)));
}

int ctl_cmd_modules(const CtlOptions *o, int argc, char **argv) {
  (void)argv;
  g_autoptr(GError) error = NULL;
  if (argc != 0)
    return usage("modules takes no arguments");
  g_autoptr(CtlSession) s = ctl_session_open(o, TRUE, TRUE, &error);
  if (!s)
    return ctl_fail(error);
  g_autoptr(GPtrArray) all = ctl_session_modules(s);
  if (o->json) {
    g_autoptr(JsonArray) arr = json_array_new();
    for (guint i = 0; i < all->len; i++) {
      JsonObject *m = json_object_new();
      JsonObject *src = all->pdata[i];
      GList *members = json_object_get_members(src);
      for (GList *l = members; l; l = l->next)
        json_object_set_member(m, l->data, json_node_copy(
                                   json_object_get_member(src, l->data)));
      g_list_free(members);
      if (!json_object_has_member(m, "runtime_name")) {
        g_autofree char *rt = module_runtime(s, src);
        json_object_set_string_member(m, "runtime_name", rt);
      }
      json_array_add_object_element(arr, m);
    }
    g_autoptr(JsonNode) node = json_node_init_array(json_node_alloc(), arr);
    ctl_print_json(node, TRUE);
    return CTL_EXIT_OK;
  }
  if (all->len == 0) {
    g_printerr("arts-ctl: no modules in realm '%s'\n", ctl_session_realm(s));
    return CTL_EXIT_OK;
  }
  static const char *const head[] = {"NAME", "UUID", "RUNTIME", "STATE",
                                     "STATUS", "STARTED", "MIGRATIONS", NULL};
  g_autoptr(CtlTable) t = ctl_table_new(head);
  for (guint i = 0; i < all->len; i++) {
    JsonObject *m = all->pdata[i];
    g_autofree char *rt = module_runtime(s, m);
    gint64 started = ctl_json_int(m, "started_at", 0);
    g_autofree char *when = started ? ctl_format_time(started) : NULL;
    g_autofree char *migs =
        g_strdup_printf("%" G_GINT64_FORMAT, ctl_json_int(m, "migrations", 0));
    const char *cells[] = {ctl_json_string(m, "name", "-"),
                           ctl_json_string(m, "uuid", "-"), rt,
                           ctl_json_string(m, "state", "-"),
                           ctl_json_string(m, "status", "-"), when, migs};
    ctl_table_add(t, cells);
  }
  ctl_table_print(t, stdout);
  return CTL_EXIT_OK;
}

/* ---- migrate ------------------------------------------------------------ */

int ctl_cmd_migrate(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  if (argc != 2)
    return usage("migrate takes a module and a runtime: migrate MODULE RUNTIME");
  CtlOptions po = ctl_options_patient(o, CTL_MIGRATE_TIMEOUT_MS);
  g_autoptr(CtlSession) s = ctl_session_open(&po, TRUE, FALSE, &error);
  if (!s)
    return ctl_fail(error);
  g_autoptr(JsonObject) data = json_object_new();
  json_object_set_string_member(data, "type", "module");
  set_module_key(data, argv[0]);
  json_object_set_string_member(data, "target", argv[1]);
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(JsonObject) details =
      ctl_session_request(s, ARTS_TOPIC_CONTROL, "migrate", data, &error);
  if (!details) {
    g_prefix_error(&error, "cannot migrate %s to %s: ", argv[0], argv[1]);
    return ctl_fail(error);
  }
  g_autoptr(ArtsMigration) mig =
      arts_migration_from_json(details, "data.details", &error);
  if (!mig) {
    g_prefix_error(&error, "the orchestrator's answer is not understood: ");
    return ctl_fail(error);
  }
  if (o->json) {
    json_object_set_int_member(details, "request_ms",
                               (g_get_monotonic_time() - t0) / 1000);
    ctl_print_json_object(details, TRUE);
    return CTL_EXIT_OK;
  }
  printf("migrated %s from %s to %s: downtime %" G_GINT64_FORMAT
         " ms, total %" G_GINT64_FORMAT " ms\n",
         argv[0], runtime_label(s, mig->source), runtime_label(s, mig->target),
         mig->downtime_ms, mig->total_ms);
  return CTL_EXIT_OK;
}
