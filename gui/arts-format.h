#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* How the dashboard writes numbers: sizes as GNOME writes them
 * (g_format_size), shares as percentages, unknowns as an em dash. */
char *arts_format_percent(double fraction);          /* "12 %", "—" if < 0 */
char *arts_format_bytes(gint64 bytes);               /* "1.2 GB", "—" if < 0 */
char *arts_format_rate(double bytes_per_s);          /* "1.2 MB/s" */
/* A count per second with an SI prefix: "410 M/s", "1.2 k/s". */
char *arts_format_count_rate(double per_s);
/* A count as a whole number with the locale's grouping: "1,036"; "—" when
 * not finite or negative. */
char *arts_format_count(double n);
/* "12:03:55" today, "Nov 24, 12:03" before. */
char *arts_format_time(gint64 unix_ms);
/* "just now", "3 min ago", ... */
char *arts_format_ago(gint64 unix_ms, gint64 now_ms);

G_END_DECLS
