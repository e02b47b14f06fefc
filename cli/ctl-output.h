/* Output helpers of arts-ctl: aligned human tables, JSON on stdout, and the
 * units of the metrics (ARTS_METRIC_* in common/arts-protocol.h). */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _CtlTable CtlTable;

/* HEADERS is NULL-terminated. */
CtlTable *ctl_table_new(const char *const *headers);
/* Takes NCOLS cells (copied); NULL prints "-". */
void ctl_table_add(CtlTable *t, const char *const *cells);
/* Left-aligned columns separated by two spaces, sized to their widest
 * cell (in characters, not bytes). */
void ctl_table_print(CtlTable *t, FILE *out);
void ctl_table_free(CtlTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlTable, ctl_table_free)

/* NODE as JSON on stdout and a newline: indented, or on one line (one
 * object per line for streams). */
void ctl_print_json(JsonNode *node, gboolean pretty);
void ctl_print_json_object(JsonObject *o, gboolean pretty);

/* Human formats. */
char *ctl_format_bytes(double bytes);          /* "1.5 GiB" */
char *ctl_format_percent(double ratio);        /* 0.123 -> "12.3%" */
char *ctl_format_time(gint64 ms);              /* local "2026-11-24 22:40:01.123" */
char *ctl_format_age(gint64 ms, gint64 now_ms);/* "3s ago" */

/* The unit of a metric in UCUM-like notation as OpenTelemetry states it
 * ("1", "By", "s"), or "" when unknown; ctl_format_metric() renders a
 * value for people ("12.3%", "512.0 MiB", "3.20 s"). */
const char *ctl_metric_unit(const char *name);
char *ctl_format_metric(const char *name, double value);

/* Lenient readers for JSON we only display: a missing or mistyped member
 * gives DEF. */
const char *ctl_json_string(JsonObject *o, const char *member,
                            const char *def);
double ctl_json_double(JsonObject *o, const char *member, double def);
gint64 ctl_json_int(JsonObject *o, const char *member, gint64 def);
JsonObject *ctl_json_object(JsonObject *o, const char *member);

G_END_DECLS
