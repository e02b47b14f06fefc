#pragma once
#include <glib-object.h>

G_BEGIN_DECLS

/* A time series of one metric: a ring of (unix ms, value) samples, oldest
 * first, that charts draw. Samples usually arrive in order; a late one
 * (replayed from an agent's offline buffer) is put in its place. Storage is
 * allocated on the first sample, so thousands of idle series cost little. */
#define ARTS_TYPE_SERIES (arts_series_get_type())
G_DECLARE_FINAL_TYPE(ArtsSeries, arts_series, ARTS, SERIES, GObject)

ArtsSeries *arts_series_new(guint capacity);
void arts_series_push(ArtsSeries *self, gint64 ts_ms, double value);
/* Replaces every sample (e.g. with history from the orchestrator). TS and
 * VALUES hold N samples in time order; more than the capacity keeps the
 * newest. */
void arts_series_set(ArtsSeries *self, const gint64 *ts, const double *values,
                     guint n);
void arts_series_clear(ArtsSeries *self);
guint arts_series_get_n_samples(ArtsSeries *self);
guint arts_series_get_capacity(ArtsSeries *self);
/* I counts from the oldest sample. */
void arts_series_get_sample(ArtsSeries *self, guint i, gint64 *ts_ms,
                            double *value);
/* The largest value at or after SINCE_MS; 0 when none. */
double arts_series_get_max(ArtsSeries *self, gint64 since_ms);
/* The newest sample's time, 0 when empty. */
gint64 arts_series_get_last_ts(ArtsSeries *self);

G_END_DECLS
