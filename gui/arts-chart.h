#pragma once
#include <gtk/gtk.h>
#include "arts-series.h"

G_BEGIN_DECLS

/* The one chart widget: draws one or two ArtsSeries as filled lines over a
 * time window, with light grid lines, the scale's top value and the
 * window's span. Redraws when a series changes; costs one cairo node per
 * frame, nothing per sample. "compact" drops labels and grid for
 * sparklines on cards. */
#define ARTS_TYPE_CHART (arts_chart_get_type())
G_DECLARE_FINAL_TYPE(ArtsChart, arts_chart, ARTS, CHART, GtkWidget)

typedef enum {
  ARTS_CHART_UNIT_FRACTION,       /* 0..1, labelled as percent */
  ARTS_CHART_UNIT_BYTES,
  ARTS_CHART_UNIT_BYTES_PER_S,
  ARTS_CHART_UNIT_PER_S,          /* a count per second */
} ArtsChartUnit;

#define ARTS_TYPE_CHART_UNIT (arts_chart_unit_get_type())
GType arts_chart_unit_get_type(void);

GtkWidget *arts_chart_new(void);
void arts_chart_set_series(ArtsChart *self, ArtsSeries *series);
ArtsSeries *arts_chart_get_series(ArtsChart *self);
/* A second line (e.g. transmit beside receive); NULL for none. */
void arts_chart_set_series2(ArtsChart *self, ArtsSeries *series);
/* 0: the whole series (history); otherwise the window ending at the newest
 * sample. */
void arts_chart_set_span_ms(ArtsChart *self, gint64 span_ms);
/* The top of the scale; 0: from the data (fractions: always 1). */
void arts_chart_set_max_value(ArtsChart *self, double max);
void arts_chart_set_unit(ArtsChart *self, ArtsChartUnit unit);
void arts_chart_set_compact(ArtsChart *self, gboolean compact);

G_END_DECLS
