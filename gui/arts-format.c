/* arts-format.c: numbers for people. */
#include "arts-format.h"

#include <glib/gi18n-lib.h>
#include <math.h>

char *
arts_format_percent(double fraction)
{
  if (fraction < 0)
    return g_strdup("—");
  /* Translators: a percentage, e.g. CPU load. */
  return g_strdup_printf(_("%.0f %%"), fraction * 100);
}

char *
arts_format_bytes(gint64 bytes)
{
  if (bytes < 0)
    return g_strdup("—");
  return g_format_size((guint64)bytes);
}

char *
arts_format_rate(double bytes_per_s)
{
  g_autofree char *size = NULL;

  if (bytes_per_s < 0)
    return g_strdup("—");
  size = g_format_size((guint64)bytes_per_s);
  /* Translators: a data rate, e.g. "1.2 MB/s". */
  return g_strdup_printf(_("%s/s"), size);
}

char *
arts_format_time(gint64 unix_ms)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(unix_ms / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_now_local();

  if (!t)
    return g_strdup("—");
  if (g_date_time_get_year(t) == g_date_time_get_year(now) &&
      g_date_time_get_day_of_year(t) == g_date_time_get_day_of_year(now))
    return g_date_time_format(t, "%H:%M:%S");
  /* Translators: a date and time, see g_date_time_format(). */
  return g_date_time_format(t, _("%b %e, %H:%M"));
}

char *
arts_format_ago(gint64 unix_ms, gint64 now_ms)
{
  gint64 s = (now_ms - unix_ms) / 1000;

  if (unix_ms <= 0)
    return g_strdup(_("never"));
  if (s < 10)
    return g_strdup(_("just now"));
  if (s < 60)
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%d second ago",
                                       "%d seconds ago", (gulong)s), (int)s);
  if (s < 3600)
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%d minute ago",
                                       "%d minutes ago", (gulong)(s / 60)),
                           (int)(s / 60));
  return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%d hour ago",
                                     "%d hours ago", (gulong)(s / 3600)),
                         (int)(s / 3600));
}

char *
arts_format_count_rate(double per_s)
{
  static const char *const prefixes[] = { "", "k", "M", "G", "T" };
  guint i = 0;

  if (per_s < 0)
    return g_strdup("—");
  while (per_s >= 1000 && i + 1 < G_N_ELEMENTS(prefixes)) {
    per_s /= 1000;
    i++;
  }
  /* Translators: a rate, e.g. "410 M/s" (millions per second). */
  return g_strdup_printf(_("%.3g %s/s"), per_s, prefixes[i]);
}

char *
arts_format_count(double n)
{
  if (!isfinite(n) || n < 0)
    return g_strdup("—");
  /* The ' flag groups thousands as the locale does (none in C). */
  return g_strdup_printf("%'.0f", n);
}
