/* arts-ctl runtimes, arts-ctl stats RUNTIME: the realm as the retained
 * state/runtime/+ and stats/+ topics tell it. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctl.h"
#include "ctl-output.h"
#include "ctl-session.h"

static const char *status_word(const char *s) {
  if (g_strcmp0(s, "A") == 0)
    return "alive";
  if (g_strcmp0(s, "D") == 0)
    return "dead";
  if (g_strcmp0(s, "E") == 0)
    return "exiting";
  if (g_strcmp0(s, "K") == 0)
    return "killed";
  return "unknown";
}

static double metric(JsonObject *stats, const char *name) {
  return ctl_json_double(ctl_json_object(stats, "metrics"), name, NAN);
}

/* The runtime's platform as its registration stated it; what an older
 * peer left out stays unknown. */
static void read_platform(JsonObject *rt, ArtsPlatform *p) {
  JsonObject *pl = ctl_json_object(rt, "platform");
  memset(p, 0, sizeof *p);
  p->arch = g_strdup(ctl_json_string(pl, "arch", NULL));
  p->machine = g_strdup(ctl_json_string(pl, "machine", NULL));
  p->os = g_strdup(ctl_json_string(pl, "os", NULL));
  p->os_release = g_strdup(ctl_json_string(pl, "os_release", NULL));
  p->hostname = g_strdup(ctl_json_string(pl, "hostname", NULL));
  p->cpu_cores = (int)ctl_json_int(pl, "cpu_cores", 0);
  p->memory_total = ctl_json_int(pl, "memory_total", 0);
  arts_byte_order_from_string(ctl_json_string(pl, "byte_order", NULL),
                              &p->byte_order);
  gint64 w = ctl_json_int(pl, "word_size", 0);
  p->word_size = w == 32 || w == 64 ? (int)w : 0;
}

/* The device class --on-arch takes ("aarch64", "arm"), or NULL. */
static char *arch_class(JsonObject *rt) {
  ArtsPlatform p;
  read_platform(rt, &p);
  char *cls = arts_platform_arch_class(&p);
  arts_platform_clear(&p);
  return cls;
}

/* The later of the orchestrator's last_seen and the newest sample. */
static gint64 last_seen(JsonObject *rt, JsonObject *stats) {
  return MAX(ctl_json_int(rt, "last_seen", 0), ctl_json_int(stats, "ts", 0));
}

static void set_metric(JsonObject *o, const char *member, double v) {
  if (isnan(v))
    json_object_set_null_member(o, member);
  else
    json_object_set_double_member(o, member, v);
}

/* The runtime as stored by the orchestrator plus the summary a script
 * wants without digging into telemetry. */
static JsonObject *runtime_json(JsonObject *rt, JsonObject *stats) {
  JsonObject *o = json_object_new();
  GList *members = json_object_get_members(rt);
  for (GList *l = members; l; l = l->next)
    json_object_set_member(o, l->data,
                           json_node_copy(json_object_get_member(rt, l->data)));
  g_list_free(members);
  json_object_set_string_member(o, "status_text",
                                status_word(ctl_json_string(rt, "status", "")));
  json_object_set_int_member(o, "last_seen", last_seen(rt, stats));
  g_autofree char *cls = arch_class(rt);
  if (cls)
    json_object_set_string_member(o, "arch_class", cls);
  else
    json_object_set_null_member(o, "arch_class");
  set_metric(o, "cpu_utilization", metric(stats, ARTS_METRIC_CPU_UTIL));
  set_metric(o, "load_1m", metric(stats, ARTS_METRIC_LOAD_1M));
  set_metric(o, "memory_used", metric(stats, ARTS_METRIC_MEM_USED));
  set_metric(o, "memory_available", metric(stats, ARTS_METRIC_MEM_AVAIL));
  if (stats)
    json_object_set_object_member(o, "telemetry", json_object_ref(stats));
  else
    json_object_set_null_member(o, "telemetry");
  return o;
}

static void print_runtimes_table(CtlSession *s, GPtrArray *all) {
  static const char *const head[] = {"NAME", "UUID", "STATUS", "ARCH", "CPU",
                                     "MEMORY USED/AVAILABLE", "LOAD",
                                     "LAST SEEN", NULL};
  g_autoptr(CtlTable) t = ctl_table_new(head);
  gint64 now = arts_now_ms();
  for (guint i = 0; i < all->len; i++) {
    JsonObject *rt = all->pdata[i];
    const char *uuid = ctl_json_string(rt, "uuid", "");
    JsonObject *st = ctl_session_stats(s, uuid);
    g_autofree char *cpu = ctl_format_percent(metric(st, ARTS_METRIC_CPU_UTIL));
    g_autofree char *used = ctl_format_bytes(metric(st, ARTS_METRIC_MEM_USED));
    g_autofree char *avail = ctl_format_bytes(metric(st, ARTS_METRIC_MEM_AVAIL));
    g_autofree char *mem = g_strdup_printf("%s / %s", used, avail);
    double l = metric(st, ARTS_METRIC_LOAD_1M);
    g_autofree char *load = isnan(l) ? g_strdup("-") : g_strdup_printf("%.2f", l);
    g_autofree char *seen = ctl_format_age(last_seen(rt, st), now);
    g_autofree char *cls = arch_class(rt);
    const char *row[] = {ctl_json_string(rt, "name", "-"), uuid,
                         status_word(ctl_json_string(rt, "status", "")),
                         cls, cpu, mem, load, seen};
    ctl_table_add(t, row);
  }
  if (all->len == 0)
    printf("no runtimes in realm '%s'\n", ctl_session_realm(s));
  else
    ctl_table_print(t, stdout);
}

int ctl_cmd_runtimes(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  if (argc != 0) {
    g_set_error(&error, CTL_ERROR, CTL_ERROR_USAGE,
                "runtimes takes no arguments");
    return ctl_fail(error);
  }
  g_autoptr(CtlSession) s = ctl_session_open(o, TRUE, FALSE, &error);
  if (!s)
    return ctl_fail(error);
  g_autoptr(GPtrArray) all = ctl_session_runtimes(s);
  if (!o->json) {
    print_runtimes_table(s, all);
    return CTL_EXIT_OK;
  }
  g_autoptr(JsonArray) arr = json_array_new();
  for (guint i = 0; i < all->len; i++) {
    JsonObject *rt = all->pdata[i];
    JsonObject *st = ctl_session_stats(s, ctl_json_string(rt, "uuid", ""));
    json_array_add_object_element(arr, runtime_json(rt, st));
  }
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
  json_node_set_array(node, arr);
  ctl_print_json(node, TRUE);
  return CTL_EXIT_OK;
}

/* "arm, 32-bit, little-endian, 4 cores, 15.5 GiB (uname -m aarch64, Linux
 * 6.1.0-18-arm64)"; what the registration left out is left out. An older
 * agent's arch is its uname -m. */
static char *platform_line(JsonObject *rt) {
  ArtsPlatform p;
  read_platform(rt, &p);
  g_autofree char *cls = arts_platform_arch_class(&p);
  GString *s = g_string_new(cls ? cls : "unknown arch");
  if (p.word_size)
    g_string_append_printf(s, ", %d-bit", p.word_size);
  if (p.byte_order)
    g_string_append_printf(s, ", %s-endian",
                           arts_byte_order_to_string(p.byte_order));
  if (p.cpu_cores > 0)
    g_string_append_printf(s, ", %d core%s", p.cpu_cores,
                           p.cpu_cores == 1 ? "" : "s");
  if (p.memory_total > 0) {
    g_autofree char *mem = ctl_format_bytes((double)p.memory_total);
    g_string_append_printf(s, ", %s", mem);
  }
  const char *machine = p.machine ? p.machine : p.arch;
  if (machine || p.os) {
    g_string_append(s, " (");
    if (machine)
      g_string_append_printf(s, "uname -m %s%s", machine, p.os ? ", " : "");
    if (p.os)
      g_string_append_printf(s, "%s%s%s", p.os, p.os_release ? " " : "",
                             p.os_release ? p.os_release : "");
    g_string_append_c(s, ')');
  }
  arts_platform_clear(&p);
  return g_string_free(s, FALSE);
}

static void print_stats_human(JsonObject *rt, JsonObject *st) {
  const char *uuid = ctl_json_string(rt, "uuid", "-");
  g_autofree char *when = ctl_format_time(ctl_json_int(st, "ts", 0));
  g_autofree char *platform = platform_line(rt);
  printf("runtime   %s (%s)\n", ctl_json_string(rt, "name", "-"), uuid);
  printf("status    %s\n", status_word(ctl_json_string(rt, "status", "")));
  printf("platform  %s\n", platform);
  printf("sampled   %s, every %" G_GINT64_FORMAT " ms\n\n", when,
         ctl_json_int(st, "interval_ms", 0));

  static const char *const head[] = {"METRIC", "VALUE", "RAW", "UNIT", NULL};
  g_autoptr(CtlTable) t = ctl_table_new(head);
  JsonObject *metrics = ctl_json_object(st, "metrics");
  GList *names = metrics ? json_object_get_members(metrics) : NULL;
  names = g_list_sort(names, (GCompareFunc)g_strcmp0);
  for (GList *l = names; l; l = l->next) {
    double v = ctl_json_double(metrics, l->data, NAN);
    g_autofree char *human = ctl_format_metric(l->data, v);
    g_autofree char *raw = g_strdup_printf("%.15g", v);
    const char *row[] = {l->data, human, raw, ctl_metric_unit(l->data)};
    ctl_table_add(t, row);
  }
  g_list_free(names);
  ctl_table_print(t, stdout);
}

int ctl_cmd_stats(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  if (argc != 1) {
    g_set_error(&error, CTL_ERROR, CTL_ERROR_USAGE,
                "usage: arts-ctl stats RUNTIME (a name or uuid)");
    return ctl_fail(error);
  }
  g_autoptr(CtlSession) s = ctl_session_open(o, TRUE, FALSE, &error);
  if (!s)
    return ctl_fail(error);
  JsonObject *rt = ctl_session_find_runtime(s, argv[0], &error);
  if (!rt)
    return ctl_fail(error);
  JsonObject *st = ctl_session_stats(s, ctl_json_string(rt, "uuid", ""));
  if (!st) {
    g_set_error(&error, CTL_ERROR, CTL_ERROR_NOT_FOUND,
                "runtime '%s' has published no telemetry yet", argv[0]);
    return ctl_fail(error);
  }
  if (!o->json) {
    print_stats_human(rt, st);
    return CTL_EXIT_OK;
  }
  /* The sample as sent plus each metric's unit, so scripts need no table. */
  g_autoptr(JsonObject) out = json_object_new();
  json_object_set_string_member(out, "uuid", ctl_json_string(rt, "uuid", ""));
  json_object_set_string_member(out, "name", ctl_json_string(rt, "name", ""));
  json_object_set_string_member(out, "status",
                                ctl_json_string(rt, "status", "?"));
  g_autofree char *cls = arch_class(rt);
  if (cls)
    json_object_set_string_member(out, "arch_class", cls);
  else
    json_object_set_null_member(out, "arch_class");
  JsonObject *platform = ctl_json_object(rt, "platform");
  json_object_set_object_member(out, "platform",
                                platform ? json_object_ref(platform)
                                         : json_object_new());
  json_object_set_int_member(out, "ts", ctl_json_int(st, "ts", 0));
  json_object_set_int_member(out, "interval_ms",
                             ctl_json_int(st, "interval_ms", 0));
  JsonObject *metrics = ctl_json_object(st, "metrics");
  JsonObject *units = json_object_new();
  GList *names = metrics ? json_object_get_members(metrics) : NULL;
  for (GList *l = names; l; l = l->next)
    json_object_set_string_member(units, l->data, ctl_metric_unit(l->data));
  g_list_free(names);
  json_object_set_object_member(out, "metrics",
                                metrics ? json_object_ref(metrics)
                                        : json_object_new());
  json_object_set_object_member(out, "units", units);
  JsonNode *mods = json_object_get_member(st, "modules");
  json_object_set_member(out, "modules",
                         mods ? json_node_copy(mods)
                              : json_node_new(JSON_NODE_NULL));
  ctl_print_json_object(out, TRUE);
  return CTL_EXIT_OK;
}
