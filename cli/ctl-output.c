/* Output helpers of arts-ctl: tables for people, JSON for scripts. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctl-output.h"
#include "arts-common.h"

struct _CtlTable {
  guint ncols;
  GPtrArray *rows;   /* of GStrv, the first is the header */
};

CtlTable *ctl_table_new(const char *const *headers) {
  CtlTable *t = g_new0(CtlTable, 1);
  t->ncols = g_strv_length((char **)headers);
  t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  ctl_table_add(t, headers);
  return t;
}

void ctl_table_add(CtlTable *t, const char *const *cells) {
  char **row = g_new0(char *, t->ncols + 1);
  for (guint i = 0; i < t->ncols; i++)
    row[i] = g_strdup(cells[i] ? cells[i] : "-");
  g_ptr_array_add(t->rows, row);
}

void ctl_table_print(CtlTable *t, FILE *out) {
  g_autofree glong *width = g_new0(glong, t->ncols);
  for (guint r = 0; r < t->rows->len; r++) {
    char **row = t->rows->pdata[r];
    for (guint c = 0; c < t->ncols; c++)
      width[c] = MAX(width[c], g_utf8_strlen(row[c], -1));
  }
  for (guint r = 0; r < t->rows->len; r++) {
    char **row = t->rows->pdata[r];
    for (guint c = 0; c < t->ncols; c++) {
      gboolean last = c + 1 == t->ncols;
      fputs(row[c], out);
      if (!last)
        for (glong pad = g_utf8_strlen(row[c], -1); pad < width[c] + 2; pad++)
          fputc(' ', out);
    }
    fputc('\n', out);
  }
}

void ctl_table_free(CtlTable *t) {
  if (!t)
    return;
  g_ptr_array_unref(t->rows);
  g_free(t);
}

void ctl_print_json(JsonNode *node, gboolean pretty) {
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, node);
  json_generator_set_pretty(gen, pretty);
  json_generator_set_indent(gen, 2);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  fputs(text, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

void ctl_print_json_object(JsonObject *o, gboolean pretty) {
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
  json_node_set_object(node, o);
  ctl_print_json(node, pretty);
}

char *ctl_format_bytes(double bytes) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (isnan(bytes))
    return g_strdup("-");
  guint u = 0;
  while (fabs(bytes) >= 1024.0 && u + 1 < G_N_ELEMENTS(units)) {
    bytes /= 1024.0;
    u++;
  }
  return u == 0 ? g_strdup_printf("%.0f B", bytes)
                : g_strdup_printf("%.1f %s", bytes, units[u]);
}

char *ctl_format_percent(double ratio) {
  if (isnan(ratio))
    return g_strdup("-");
  return g_strdup_printf("%.1f%%", ratio * 100.0);
}

char *ctl_format_time(gint64 ms) {
  if (ms <= 0)
    return g_strdup("-");
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(ms / 1000);
  if (!dt)
    return g_strdup("-");
  g_autofree char *base = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
  return g_strdup_printf("%s.%03d", base, (int)(ms % 1000));
}

char *ctl_format_age(gint64 ms, gint64 now_ms) {
  if (ms <= 0)
    return g_strdup("never");
  gint64 age = now_ms - ms;
  if (age < 0)
    age = 0;   /* clocks of different machines */
  if (age < 10000)
    return g_strdup_printf("%.1fs ago", age / 1000.0);
  if (age < 120000)
    return g_strdup_printf("%" G_GINT64_FORMAT "s ago", age / 1000);
  if (age < 7200000)
    return g_strdup_printf("%" G_GINT64_FORMAT "m ago", age / 60000);
  if (age < 172800000)
    return g_strdup_printf("%" G_GINT64_FORMAT "h ago", age / 3600000);
  return g_strdup_printf("%" G_GINT64_FORMAT "d ago", age / 86400000);
}

typedef enum {
  KIND_RATIO,    /* 0..1, shown as percent */
  KIND_BYTES,
  KIND_SECONDS,
  KIND_LOAD,     /* two decimals */
  KIND_COUNT,    /* whole numbers */
  KIND_PLAIN,    /* unknown: whole when whole, else two decimals */
} MetricKind;

static const struct {
  const char *name;
  const char *unit;
  MetricKind kind;
} metric_units[] = {
  {ARTS_METRIC_CPU_UTIL, "1", KIND_RATIO},
  {ARTS_METRIC_LOAD_1M, "1", KIND_LOAD},
  {ARTS_METRIC_MEM_USED, "By", KIND_BYTES},
  {ARTS_METRIC_MEM_AVAIL, "By", KIND_BYTES},
  {ARTS_METRIC_NET_RX, "By", KIND_BYTES},
  {ARTS_METRIC_NET_TX, "By", KIND_BYTES},
  {ARTS_METRIC_PROC_CPU_UTIL, "1", KIND_RATIO},
  {ARTS_METRIC_PROC_CPU_TIME, "s", KIND_SECONDS},
  {ARTS_METRIC_PROC_RSS, "By", KIND_BYTES},
  /* the agent's offline buffer (docs/agent.md) */
  {"arts.agent.telemetry.buffered", "1", KIND_COUNT},
  {"arts.agent.telemetry.dropped", "1", KIND_COUNT},
};

/* Names we do not know are guessed from OpenTelemetry's naming habits, so
 * that metrics added later (per-module ones) still read well. */
static MetricKind metric_kind(const char *name, const char **unit) {
  for (guint i = 0; i < G_N_ELEMENTS(metric_units); i++)
    if (g_str_equal(name, metric_units[i].name)) {
      *unit = metric_units[i].unit;
      return metric_units[i].kind;
    }
  if (g_str_has_suffix(name, ".utilization")) {
    *unit = "1";
    return KIND_RATIO;
  }
  if (g_str_has_suffix(name, ".time")) {
    *unit = "s";
    return KIND_SECONDS;
  }
  if (strstr(name, "memory") || strstr(name, ".io.")) {
    *unit = "By";
    return KIND_BYTES;
  }
  *unit = "";
  return KIND_PLAIN;
}

const char *ctl_metric_unit(const char *name) {
  const char *unit;
  metric_kind(name, &unit);
  return unit;
}

char *ctl_format_metric(const char *name, double value) {
  const char *unit;
  if (isnan(value))
    return g_strdup("-");
  switch (metric_kind(name, &unit)) {
  case KIND_RATIO:
    return ctl_format_percent(value);
  case KIND_BYTES:
    return ctl_format_bytes(value);
  case KIND_SECONDS:
    return g_strdup_printf("%.2f s", value);
  case KIND_LOAD:
    return g_strdup_printf("%.2f", value);
  case KIND_COUNT:
    return g_strdup_printf("%.0f", value);
  case KIND_PLAIN:
  default:
    if (value == floor(value) && fabs(value) < 1e15)
      return g_strdup_printf("%.0f", value);
    return g_strdup_printf("%.2f", value);
  }
}

const char *ctl_json_string(JsonObject *o, const char *member,
                            const char *def) {
  JsonNode *n = o ? json_object_get_member(o, member) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
      json_node_get_value_type(n) != G_TYPE_STRING)
    return def;
  return json_node_get_string(n);
}

double ctl_json_double(JsonObject *o, const char *member, double def) {
  JsonNode *n = o ? json_object_get_member(o, member) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return def;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_DOUBLE)
    return json_node_get_double(n);
  if (t == G_TYPE_INT64)
    return (double)json_node_get_int(n);
  return def;
}

gint64 ctl_json_int(JsonObject *o, const char *member, gint64 def) {
  JsonNode *n = o ? json_object_get_member(o, member) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return def;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64)
    return json_node_get_int(n);
  if (t == G_TYPE_DOUBLE)
    return (gint64)json_node_get_double(n);
  return def;
}

JsonObject *ctl_json_object(JsonObject *o, const char *member) {
  JsonNode *n = o ? json_object_get_member(o, member) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}
