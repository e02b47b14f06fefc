/* arts-chart.c: time series drawn with cairo inside one snapshot node.
 *
 * x is time (the window ends at the newest sample, so a runtime whose
 * clock differs from ours still draws right), y the value from 0 to the
 * scale's top. A gap longer than three typical intervals breaks the line,
 * so a runtime that was offline shows a hole, not a ramp. */
#include "arts-chart.h"
#include "arts-format.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <math.h>

struct _ArtsChart {
  GtkWidget parent_instance;
  ArtsSeries *series, *series2;
  gulong changed_id, changed2_id;
  gint64 span_ms;
  double max_value;
  ArtsChartUnit unit;
  gboolean compact;
};

G_DEFINE_FINAL_TYPE(ArtsChart, arts_chart, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE(ArtsChartUnit, arts_chart_unit,
  G_DEFINE_ENUM_VALUE(ARTS_CHART_UNIT_FRACTION, "fraction"),
  G_DEFINE_ENUM_VALUE(ARTS_CHART_UNIT_BYTES, "bytes"),
  G_DEFINE_ENUM_VALUE(ARTS_CHART_UNIT_BYTES_PER_S, "bytes-per-s"),
  G_DEFINE_ENUM_VALUE(ARTS_CHART_UNIT_PER_S, "per-s"))

enum {
  PROP_0,
  PROP_SERIES,
  PROP_SERIES2,
  PROP_SPAN_MS,
  PROP_MAX_VALUE,
  PROP_UNIT,
  PROP_COMPACT,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void
set_series(ArtsChart *self, ArtsSeries **field, gulong *id,
           ArtsSeries *series)
{
  if (*field == series)
    return;
  if (*field) {
    g_clear_signal_handler(id, *field);
    g_object_unref(*field);
  }
  *field = series ? g_object_ref(series) : NULL;
  if (series)
    *id = g_signal_connect_swapped(series, "changed",
                                   G_CALLBACK(gtk_widget_queue_draw), self);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
arts_chart_dispose(GObject *object)
{
  ArtsChart *self = ARTS_CHART(object);

  set_series(self, &self->series, &self->changed_id, NULL);
  set_series(self, &self->series2, &self->changed2_id, NULL);
  G_OBJECT_CLASS(arts_chart_parent_class)->dispose(object);
}

static void
arts_chart_get_property(GObject *object, guint id, GValue *value,
                        GParamSpec *pspec)
{
  ArtsChart *self = ARTS_CHART(object);

  switch (id) {
  case PROP_SERIES: g_value_set_object(value, self->series); break;
  case PROP_SERIES2: g_value_set_object(value, self->series2); break;
  case PROP_SPAN_MS: g_value_set_int64(value, self->span_ms); break;
  case PROP_MAX_VALUE: g_value_set_double(value, self->max_value); break;
  case PROP_UNIT: g_value_set_enum(value, self->unit); break;
  case PROP_COMPACT: g_value_set_boolean(value, self->compact); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_chart_set_property(GObject *object, guint id, const GValue *value,
                        GParamSpec *pspec)
{
  ArtsChart *self = ARTS_CHART(object);

  switch (id) {
  case PROP_SERIES: arts_chart_set_series(self, g_value_get_object(value));
    break;
  case PROP_SERIES2: arts_chart_set_series2(self, g_value_get_object(value));
    break;
  case PROP_SPAN_MS: arts_chart_set_span_ms(self, g_value_get_int64(value));
    break;
  case PROP_MAX_VALUE:
    arts_chart_set_max_value(self, g_value_get_double(value));
    break;
  case PROP_UNIT: arts_chart_set_unit(self, g_value_get_enum(value)); break;
  case PROP_COMPACT:
    arts_chart_set_compact(self, g_value_get_boolean(value));
    break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_chart_measure(GtkWidget *widget, GtkOrientation orientation,
                   int for_size, int *minimum, int *natural,
                   int *minimum_baseline, int *natural_baseline)
{
  ArtsChart *self = ARTS_CHART(widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL) {
    *minimum = 60;
    *natural = self->compact ? 120 : 300;
  } else {
    *minimum = self->compact ? 24 : 80;
    *natural = self->compact ? 32 : 140;
  }
}

/* 1, 2, 2.5, 5 times a power of ten, at least V: a scale people read. */
static double
nice_ceiling(double v)
{
  static const double steps[] = { 1, 2, 2.5, 5, 10 };
  double p;

  if (v <= 0)
    return 1;
  p = pow(10, floor(log10(v)));
  for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
    if (steps[i] * p >= v)
      return steps[i] * p;
  }
  return 10 * p;
}

static char *
format_value(ArtsChart *self, double v)
{
  switch (self->unit) {
  case ARTS_CHART_UNIT_FRACTION: return arts_format_percent(v);
  case ARTS_CHART_UNIT_BYTES: return arts_format_bytes((gint64)v);
  case ARTS_CHART_UNIT_BYTES_PER_S: return arts_format_rate(v);
  case ARTS_CHART_UNIT_PER_S: return arts_format_count_rate(v);
  }
  return NULL;
}

static void
color(GtkWidget *widget, const char *name, const char *fallback,
      GdkRGBA *rgba)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *ctx = gtk_widget_get_style_context(widget);

  if (!gtk_style_context_lookup_color(ctx, name, rgba))
    gdk_rgba_parse(rgba, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
foreground(GtkWidget *widget, GdkRGBA *rgba)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color(gtk_widget_get_style_context(widget), rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
time_range(ArtsChart *self, gint64 *t0, gint64 *t1)
{
  gint64 last = arts_series_get_last_ts(self->series);

  if (self->series2)
    last = MAX(last, arts_series_get_last_ts(self->series2));
  *t1 = last;
  if (self->span_ms > 0) {
    *t0 = last - self->span_ms;
  } else {
    *t0 = last;
    if (arts_series_get_n_samples(self->series) > 0)
      arts_series_get_sample(self->series, 0, t0, NULL);
  }
  if (*t1 <= *t0)
    *t0 = *t1 - 1000;
}

/* TRUE when sample I does not exist or lies before T0. */
static gboolean
left_of_window(ArtsSeries *series, guint i, gint64 t0)
{
  gint64 ts;

  if (i >= arts_series_get_n_samples(series))
    return TRUE;
  arts_series_get_sample(series, i, &ts, NULL);
  return ts < t0;
}

static void
draw_line(ArtsChart *self, cairo_t *cr, ArtsSeries *series, gint64 t0,
          gint64 t1, double top, double w, double h, const GdkRGBA *c)
{
  guint n = arts_series_get_n_samples(series);
  gint64 first_ts = 0, last_ts = 0, gap;
  gboolean open = FALSE;
  double start_x = 0, x = 0, last_y = 0;
  guint seg_n = 0;

  if (n == 0)
    return;
  arts_series_get_sample(series, 0, &first_ts, NULL);
  arts_series_get_sample(series, n - 1, &last_ts, NULL);
  gap = n > 1 ? MAX((last_ts - first_ts) / (gint64)(n - 1) * 3, 1500)
              : 1500;
  cairo_set_line_width(cr, self->compact ? 1.5 : 2);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);

  for (guint i = 0; i <= n; i++) {
    gint64 ts = 0, prev_ts = 0;
    double v = 0, y;
    gboolean end = i == n;

    if (!end) {
      arts_series_get_sample(series, i, &ts, &v);
      if (i > 0)
        arts_series_get_sample(series, i - 1, &prev_ts, NULL);
    }
    if (open && seg_n == 1 && (end || ts - prev_ts > gap)) {
      /* A lone sample: a dot, so that it is seen. */
      cairo_new_path(cr);
      cairo_arc(cr, x, last_y, self->compact ? 1.5 : 2.5, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba(cr, c);
      cairo_fill(cr);
      open = FALSE;
    } else if (open && (end || ts - prev_ts > gap)) {
      /* Close the segment: stroke the line, then fill below it. */
      cairo_path_t *line = cairo_copy_path(cr);

      gdk_cairo_set_source_rgba(cr, c);
      cairo_stroke(cr);
      cairo_append_path(cr, line);
      cairo_line_to(cr, x, h);
      cairo_line_to(cr, start_x, h);
      cairo_close_path(cr);
      cairo_set_source_rgba(cr, c->red, c->green, c->blue, 0.18);
      cairo_fill(cr);
      cairo_path_destroy(line);
      open = FALSE;
    }
    if (end)
      break;
    if (ts < t0 && left_of_window(series, i + 1, t0))
      continue; /* the next sample is left of the window too */
    x = (double)(ts - t0) / (double)(t1 - t0) * w;
    y = h - CLAMP(v / top, 0, 1) * (h - 1);
    if (!open) {
      cairo_move_to(cr, x, y);
      start_x = x;
      open = TRUE;
      seg_n = 0;
    } else {
      cairo_line_to(cr, x, y);
    }
    seg_n++;
    last_y = y;
  }
}

static void
draw_label(GtkWidget *widget, GtkSnapshot *snapshot, const char *text,
           double x, double y, gboolean right)
{
  PangoLayout *layout = gtk_widget_create_pango_layout(widget, text);
  GdkRGBA fg;
  int lw, lh;

  foreground(widget, &fg);
  fg.alpha *= 0.6;
  pango_layout_get_pixel_size(layout, &lw, &lh);
  gtk_snapshot_save(snapshot);
  gtk_snapshot_translate(snapshot,
                         &GRAPHENE_POINT_INIT(right ? x - lw : x, y));
  gtk_snapshot_append_layout(snapshot, layout, &fg);
  gtk_snapshot_restore(snapshot);
  g_object_unref(layout);
}

static void
arts_chart_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  ArtsChart *self = ARTS_CHART(widget);
  double w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  GdkRGBA fg, c1, c2;
  gint64 t0, t1;
  double top = self->max_value;
  cairo_t *cr;

  if (w <= 0 || h <= 0)
    return;
  foreground(widget, &fg);
  color(widget, "accent_color", "#3584e4", &c1);
  color(widget, "purple_3", "#9141ac", &c2);
  if (!self->series)
    return;
  time_range(self, &t0, &t1);
  if (top <= 0) {
    if (self->unit == ARTS_CHART_UNIT_FRACTION) {
      top = 1;
    } else {
      top = arts_series_get_max(self->series, t0);
      if (self->series2)
        top = MAX(top, arts_series_get_max(self->series2, t0));
      top = nice_ceiling(top * 1.05);
    }
  }

  cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
  if (!self->compact) {
    /* Four bands, as System Monitor draws them. */
    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.08);
    cairo_set_line_width(cr, 1);
    for (int i = 0; i <= 4; i++) {
      double y = floor(i * (h - 1) / 4) + 0.5;

      cairo_move_to(cr, 0, y);
      cairo_line_to(cr, w, y);
    }
    cairo_stroke(cr);
  }
  if (self->series2)
    draw_line(self, cr, self->series2, t0, t1, top, w, h, &c2);
  draw_line(self, cr, self->series, t0, t1, top, w, h, &c1);
  cairo_destroy(cr);

  if (!self->compact) {
    g_autofree char *top_label = format_value(self, top);
    g_autofree char *span = NULL;

    draw_label(widget, snapshot, top_label, 4, 2, FALSE);
    if (self->span_ms > 0) {
      if (self->span_ms >= 2 * 3600 * 1000)
        /* Translators: the time span a chart shows, in hours. */
        span = g_strdup_printf(_("%d h"), (int)(self->span_ms / 3600000));
      else
        /* Translators: the time span a chart shows, in minutes. */
        span = g_strdup_printf(_("%d min"), (int)(self->span_ms / 60000));
      draw_label(widget, snapshot, span, w - 4, 2, TRUE);
    }
  }
}

static void
arts_chart_class_init(ArtsChartClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                   G_PARAM_EXPLICIT_NOTIFY;

  oc->dispose = arts_chart_dispose;
  oc->get_property = arts_chart_get_property;
  oc->set_property = arts_chart_set_property;
  wc->measure = arts_chart_measure;
  wc->snapshot = arts_chart_snapshot;
  props[PROP_SERIES] = g_param_spec_object("series", NULL, NULL,
                                           ARTS_TYPE_SERIES, rw);
  props[PROP_SERIES2] = g_param_spec_object("series2", NULL, NULL,
                                            ARTS_TYPE_SERIES, rw);
  props[PROP_SPAN_MS] = g_param_spec_int64("span-ms", NULL, NULL, 0,
                                           G_MAXINT64, 300000, rw);
  props[PROP_MAX_VALUE] = g_param_spec_double("max-value", NULL, NULL, 0,
                                              G_MAXDOUBLE, 0, rw);
  props[PROP_UNIT] = g_param_spec_enum("unit", NULL, NULL,
                                       ARTS_TYPE_CHART_UNIT,
                                       ARTS_CHART_UNIT_FRACTION, rw);
  props[PROP_COMPACT] = g_param_spec_boolean("compact", NULL, NULL, FALSE,
                                             rw);
  g_object_class_install_properties(oc, N_PROPS, props);
  gtk_widget_class_set_css_name(wc, "chart");
  gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
arts_chart_init(ArtsChart *self)
{
  self->span_ms = 300000;
}

GtkWidget *
arts_chart_new(void)
{
  return g_object_new(ARTS_TYPE_CHART, NULL);
}

void
arts_chart_set_series(ArtsChart *self, ArtsSeries *series)
{
  g_return_if_fail(ARTS_IS_CHART(self));
  if (self->series == series)
    return;
  set_series(self, &self->series, &self->changed_id, series);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SERIES]);
}

ArtsSeries *
arts_chart_get_series(ArtsChart *self)
{
  return self->series;
}

void
arts_chart_set_series2(ArtsChart *self, ArtsSeries *series)
{
  g_return_if_fail(ARTS_IS_CHART(self));
  if (self->series2 == series)
    return;
  set_series(self, &self->series2, &self->changed2_id, series);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SERIES2]);
}

void
arts_chart_set_span_ms(ArtsChart *self, gint64 span_ms)
{
  if (self->span_ms == span_ms)
    return;
  self->span_ms = span_ms;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SPAN_MS]);
}

void
arts_chart_set_max_value(ArtsChart *self, double max)
{
  if (self->max_value == max)
    return;
  self->max_value = max;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_MAX_VALUE]);
}

void
arts_chart_set_unit(ArtsChart *self, ArtsChartUnit unit)
{
  if (self->unit == unit)
    return;
  self->unit = unit;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_UNIT]);
}

void
arts_chart_set_compact(ArtsChart *self, gboolean compact)
{
  if (self->compact == compact)
    return;
  self->compact = compact;
  gtk_widget_queue_resize(GTK_WIDGET(self));
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_COMPACT]);
}
