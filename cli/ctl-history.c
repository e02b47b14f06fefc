/* arts-ctl history RUNTIME METRIC [--since DURATION]: metric history from
 * the orchestrator's store, asked on the query topic (WIRE.md item 6). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "ctl.h"
#include "ctl-output.h"
#include "ctl-session.h"

/* "90", "90s", "10m", "2h", "1d" -> milliseconds. */
static gboolean parse_duration(const char *text, gint64 *ms, GError **error) {
  char *end = NULL;
  double v = g_ascii_strtod(text, &end);
  double unit = 1000.0;
  if (end == text || isnan(v) || v <= 0)
    goto bad;
  if (*end == 's' || *end == '\0')
    unit = 1000.0;
  else if (*end == 'm')
    unit = 60e3;
  else if (*end == 'h')
    unit = 3600e3;
  else if (*end == 'd')
    unit = 86400e3;
  else
    goto bad;
  if (*end && end[1])
    goto bad;
  if (v * unit > 3650.0 * 86400e3)
    goto bad;
  *ms = (gint64)(v * unit);
  return TRUE;
bad:
  g_set_error(error, CTL_ERROR, CTL_ERROR_USAGE,
              "--since: '%s' is not a duration like 90s, 10m, 2h or 1d", text);
  return FALSE;
}

static double point_at(JsonArray *p, guint i) {
  if (i >= json_array_get_length(p))
    return NAN;
  JsonNode *n = json_array_get_element(p, i);
  if (!JSON_NODE_HOLDS_VALUE(n))
    return NAN;
  return json_node_get_value_type(n) == G_TYPE_INT64 ? (double)json_node_get_int(n)
                                                      : json_node_get_double(n);
}

static void print_history_human(JsonObject *details, JsonObject *rt,
                                const char *metric) {
  const char *res = ctl_json_string(details, "resolution", "raw");
  gboolean agg = g_strcmp0(res, "1m") == 0;
  JsonNode *pn = json_object_get_member(details, "points");
  JsonArray *points = pn && JSON_NODE_HOLDS_ARRAY(pn) ? json_node_get_array(pn)
                                                      : NULL;
  guint n = points ? json_array_get_length(points) : 0;
  printf("%s of %s (%s), %s resolution, %u points (unit %s)\n\n", metric,
         ctl_json_string(rt, "name", "?"),
         ctl_json_string(details, "runtime", "?"), res, n,
         *ctl_metric_unit(metric) ? ctl_metric_unit(metric) : "none");
  static const char *const raw_head[] = {"TIME", "VALUE", NULL};
  static const char *const agg_head[] = {"MINUTE", "AVG", "MIN", "MAX", NULL};
  g_autoptr(CtlTable) t = ctl_table_new(agg ? agg_head : raw_head);
  for (guint i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element(points, i);
    if (!JSON_NODE_HOLDS_ARRAY(e))
      continue;
    JsonArray *p = json_node_get_array(e);
    g_autofree char *when = ctl_format_time((gint64)point_at(p, 0));
    g_autofree char *v1 = ctl_format_metric(metric, point_at(p, 1));
    g_autofree char *v2 = ctl_format_metric(metric, point_at(p, 2));
    g_autofree char *v3 = ctl_format_metric(metric, point_at(p, 3));
    const char *row[] = {when, v1, v2, v3};
    ctl_table_add(t, row);
  }
  ctl_table_print(t, stdout);
}

int ctl_cmd_history(const CtlOptions *o, int argc, char **argv) {
  g_autoptr(GError) error = NULL;
  gint64 since_ms = 10 * 60 * 1000;
  if (argc != 2) {
    g_set_error(&error, CTL_ERROR, CTL_ERROR_USAGE,
                "usage: arts-ctl history RUNTIME METRIC [--since DURATION]");
    return ctl_fail(error);
  }
  if (o->since && !parse_duration(o->since, &since_ms, &error))
    return ctl_fail(error);
  g_autoptr(CtlSession) s = ctl_session_new(o, &error);
  if (!s)
    return ctl_fail(error);
  /* Resolve the runtime here: a name typo gets the same clear error as in
   * every other command, and the orchestrator gets a uuid. */
  ctl_session_track_realm(s);
  ctl_session_follow(s, ARTS_TOPIC_QUERY, NULL, NULL);
  if (!ctl_session_connect(s, &error))
    return ctl_fail(error);
  JsonObject *rt = ctl_session_find_runtime(s, argv[0], &error);
  if (!rt)
    return ctl_fail(error);
  gint64 now = arts_now_ms();
  g_autoptr(JsonObject) data = json_object_new();
  json_object_set_string_member(data, "type", "history");
  json_object_set_string_member(data, "runtime",
                                ctl_json_string(rt, "uuid", argv[0]));
  json_object_set_string_member(data, "metric", argv[1]);
  json_object_set_int_member(data, "since", now - since_ms);
  json_object_set_int_member(data, "until", now);
  g_autoptr(JsonObject) details =
      ctl_session_request(s, ARTS_TOPIC_QUERY, "query", data, &error);
  if (!details)
    return ctl_fail(error);
  if (o->json)
    ctl_print_json_object(details, TRUE);
  else
    print_history_human(details, rt, argv[1]);
  return CTL_EXIT_OK;
}
