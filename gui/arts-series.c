/* arts-series.c: the sample ring behind every chart.
 *
 * Charts redraw from the ring on "changed"; nothing here knows about
 * widgets. A ring rather than a growing array keeps memory fixed for a
 * realm of thousands of runtimes sampled every second. */
#include "arts-series.h"

#include <string.h>

struct _ArtsSeries {
  GObject parent_instance;
  guint capacity;
  guint start;      /* index of the oldest sample */
  guint n;
  gint64 *ts;       /* NULL until the first sample */
  double *values;
};

G_DEFINE_FINAL_TYPE(ArtsSeries, arts_series, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
arts_series_finalize(GObject *object)
{
  ArtsSeries *self = ARTS_SERIES(object);

  g_free(self->ts);
  g_free(self->values);
  G_OBJECT_CLASS(arts_series_parent_class)->finalize(object);
}

static void
arts_series_class_init(ArtsSeriesClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = arts_series_finalize;
  /* Emitted after every change; charts queue a redraw. */
  signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 0);
}

static void
arts_series_init(ArtsSeries *self)
{
}

ArtsSeries *
arts_series_new(guint capacity)
{
  ArtsSeries *self = g_object_new(ARTS_TYPE_SERIES, NULL);

  self->capacity = MAX(capacity, 2);
  return self;
}

static guint
slot(ArtsSeries *self, guint i)
{
  return (self->start + i) % self->capacity;
}

static void
ensure_storage(ArtsSeries *self)
{
  if (self->ts)
    return;
  self->ts = g_new0(gint64, self->capacity);
  self->values = g_new0(double, self->capacity);
}

static void
append(ArtsSeries *self, gint64 ts_ms, double value)
{
  guint at;

  if (self->n < self->capacity) {
    at = slot(self, self->n);
    self->n++;
  } else {
    at = self->start;
    self->start = (self->start + 1) % self->capacity;
  }
  self->ts[at] = ts_ms;
  self->values[at] = value;
}

/* A late sample: rebuild the ring in order. Rare (replays after an agent
 * was offline), so simplicity wins over speed. */
static void
insert_late(ArtsSeries *self, gint64 ts_ms, double value)
{
  g_autofree gint64 *ts = g_new(gint64, self->n + 1);
  g_autofree double *values = g_new(double, self->n + 1);
  guint n = 0;
  gboolean placed = FALSE;

  for (guint i = 0; i < self->n; i++) {
    guint s = slot(self, i);

    if (self->ts[s] == ts_ms)
      return; /* already have it */
    if (!placed && self->ts[s] > ts_ms) {
      ts[n] = ts_ms;
      values[n++] = value;
      placed = TRUE;
    }
    ts[n] = self->ts[s];
    values[n++] = self->values[s];
  }
  if (!placed) {
    ts[n] = ts_ms;
    values[n++] = value;
  }
  /* A full ring drops its oldest, which may be the late sample itself. */
  self->start = 0;
  self->n = 0;
  for (guint i = n > self->capacity ? n - self->capacity : 0; i < n; i++)
    append(self, ts[i], values[i]);
}

void
arts_series_push(ArtsSeries *self, gint64 ts_ms, double value)
{
  g_return_if_fail(ARTS_IS_SERIES(self));

  ensure_storage(self);
  if (self->n > 0 && ts_ms <= arts_series_get_last_ts(self))
    insert_late(self, ts_ms, value);
  else
    append(self, ts_ms, value);
  g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

void
arts_series_set(ArtsSeries *self, const gint64 *ts, const double *values,
                guint n)
{
  g_return_if_fail(ARTS_IS_SERIES(self));

  ensure_storage(self);
  self->start = 0;
  self->n = 0;
  for (guint i = n > self->capacity ? n - self->capacity : 0; i < n; i++)
    append(self, ts[i], values[i]);
  g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

void
arts_series_clear(ArtsSeries *self)
{
  g_return_if_fail(ARTS_IS_SERIES(self));

  self->start = 0;
  self->n = 0;
  g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

guint
arts_series_get_n_samples(ArtsSeries *self)
{
  g_return_val_if_fail(ARTS_IS_SERIES(self), 0);
  return self->n;
}

guint
arts_series_get_capacity(ArtsSeries *self)
{
  g_return_val_if_fail(ARTS_IS_SERIES(self), 0);
  return self->capacity;
}

void
arts_series_get_sample(ArtsSeries *self, guint i, gint64 *ts_ms,
                       double *value)
{
  g_return_if_fail(ARTS_IS_SERIES(self));
  g_return_if_fail(i < self->n);

  if (ts_ms)
    *ts_ms = self->ts[slot(self, i)];
  if (value)
    *value = self->values[slot(self, i)];
}

double
arts_series_get_max(ArtsSeries *self, gint64 since_ms)
{
  double max = 0;

  g_return_val_if_fail(ARTS_IS_SERIES(self), 0);
  for (guint i = 0; i < self->n; i++) {
    guint s = slot(self, i);

    if (self->ts[s] >= since_ms && self->values[s] > max)
      max = self->values[s];
  }
  return max;
}

gint64
arts_series_get_last_ts(ArtsSeries *self)
{
  g_return_val_if_fail(ARTS_IS_SERIES(self), 0);
  return self->n ? self->ts[slot(self, self->n - 1)] : 0;
}
