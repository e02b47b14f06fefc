/* arts-runtime-item.c: one runtime's view-model, fed by the realm model. */
#include "arts-runtime-item.h"
#include "arts-module-item.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

struct _ArtsRuntimeItem {
  GObject parent_instance;
  char *uuid;
  char *short_name;  /* shown until the name is known */
  ArtsRuntime *rt;   /* NULL until its state arrives */
  ArtsStatus status;
  double cpu;
  gint64 mem_used, mem_total;
  double rx_rate, tx_rate;
  guint n_modules;
  gint64 last_sample_ms;
  gint64 last_arrival_ms;  /* our clock, for runtimes without state */
  int interval_ms;
  /* The previous live counters, for rates. */
  double prev_rx, prev_tx;
  gint64 prev_ts;
  ArtsSeries *cpu_series, *mem_series, *rx_series, *tx_series;
  GListStore *modules;
};

G_DEFINE_FINAL_TYPE(ArtsRuntimeItem, arts_runtime_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_UUID,
  PROP_NAME,
  PROP_RUNTIME_TYPE,
  PROP_HOSTNAME,
  PROP_ALIVE,
  PROP_CPU,
  PROP_MEM_USED,
  PROP_MEM_TOTAL,
  PROP_MEM_FRACTION,
  PROP_NET_RX_RATE,
  PROP_NET_TX_RATE,
  PROP_N_MODULES,
  PROP_PLATFORM,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void
arts_runtime_item_finalize(GObject *object)
{
  ArtsRuntimeItem *self = ARTS_RUNTIME_ITEM(object);

  g_free(self->uuid);
  g_free(self->short_name);
  g_clear_pointer(&self->rt, arts_runtime_free);
  g_clear_object(&self->cpu_series);
  g_clear_object(&self->mem_series);
  g_clear_object(&self->rx_series);
  g_clear_object(&self->tx_series);
  g_clear_object(&self->modules);
  G_OBJECT_CLASS(arts_runtime_item_parent_class)->finalize(object);
}

static void
arts_runtime_item_get_property(GObject *object, guint id, GValue *value,
                               GParamSpec *pspec)
{
  ArtsRuntimeItem *self = ARTS_RUNTIME_ITEM(object);

  switch (id) {
  case PROP_UUID: g_value_set_string(value, self->uuid); break;
  case PROP_NAME:
    g_value_set_string(value, arts_runtime_item_get_name(self));
    break;
  case PROP_RUNTIME_TYPE:
    g_value_set_string(value, arts_runtime_item_get_runtime_type(self));
    break;
  case PROP_HOSTNAME:
    g_value_set_string(value, arts_runtime_item_get_hostname(self));
    break;
  case PROP_ALIVE:
    g_value_set_boolean(value, arts_runtime_item_get_alive(self));
    break;
  case PROP_CPU: g_value_set_double(value, self->cpu); break;
  case PROP_MEM_USED: g_value_set_int64(value, self->mem_used); break;
  case PROP_MEM_TOTAL: g_value_set_int64(value, self->mem_total); break;
  case PROP_MEM_FRACTION:
    g_value_set_double(value, arts_runtime_item_get_mem_fraction(self));
    break;
  case PROP_NET_RX_RATE: g_value_set_double(value, self->rx_rate); break;
  case PROP_NET_TX_RATE: g_value_set_double(value, self->tx_rate); break;
  case PROP_N_MODULES: g_value_set_uint(value, self->n_modules); break;
  case PROP_PLATFORM:
    g_value_take_string(value, arts_runtime_item_dup_platform_summary(self));
    break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_runtime_item_set_property(GObject *object, guint id, const GValue *value,
                               GParamSpec *pspec)
{
  ArtsRuntimeItem *self = ARTS_RUNTIME_ITEM(object);

  switch (id) {
  case PROP_UUID: self->uuid = g_value_dup_string(value); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_runtime_item_constructed(GObject *object)
{
  ArtsRuntimeItem *self = ARTS_RUNTIME_ITEM(object);
  const char *dash = self->uuid ? strchr(self->uuid, '-') : NULL;

  G_OBJECT_CLASS(arts_runtime_item_parent_class)->constructed(object);
  self->short_name = dash ? g_strndup(self->uuid, dash - self->uuid)
                          : g_strdup(self->uuid);
}

static void
arts_runtime_item_class_init(ArtsRuntimeItemClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                   G_PARAM_EXPLICIT_NOTIFY;

  oc->finalize = arts_runtime_item_finalize;
  oc->constructed = arts_runtime_item_constructed;
  oc->get_property = arts_runtime_item_get_property;
  oc->set_property = arts_runtime_item_set_property;
  props[PROP_UUID] = g_param_spec_string("uuid", NULL, NULL, NULL,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, ro);
  props[PROP_RUNTIME_TYPE] = g_param_spec_string("runtime-type", NULL, NULL,
                                                 NULL, ro);
  props[PROP_HOSTNAME] = g_param_spec_string("hostname", NULL, NULL, NULL,
                                             ro);
  props[PROP_ALIVE] = g_param_spec_boolean("alive", NULL, NULL, TRUE, ro);
  props[PROP_CPU] = g_param_spec_double("cpu", NULL, NULL, -1, G_MAXDOUBLE,
                                        -1, ro);
  props[PROP_MEM_USED] = g_param_spec_int64("mem-used", NULL, NULL, -1,
                                            G_MAXINT64, -1, ro);
  props[PROP_MEM_TOTAL] = g_param_spec_int64("mem-total", NULL, NULL, -1,
                                             G_MAXINT64, -1, ro);
  props[PROP_MEM_FRACTION] = g_param_spec_double("mem-fraction", NULL, NULL,
                                                 -1, G_MAXDOUBLE, -1, ro);
  props[PROP_NET_RX_RATE] = g_param_spec_double("net-rx-rate", NULL, NULL,
                                                -1, G_MAXDOUBLE, -1, ro);
  props[PROP_NET_TX_RATE] = g_param_spec_double("net-tx-rate", NULL, NULL,
                                                -1, G_MAXDOUBLE, -1, ro);
  props[PROP_N_MODULES] = g_param_spec_uint("n-modules", NULL, NULL, 0,
                                            G_MAXUINT, 0, ro);
  props[PROP_PLATFORM] = g_param_spec_string("platform", NULL, NULL, NULL,
                                             ro);
  g_object_class_install_properties(oc, N_PROPS, props);
}

static void
arts_runtime_item_init(ArtsRuntimeItem *self)
{
  self->status = ARTS_STATUS_ALIVE;
  self->cpu = -1;
  self->mem_used = -1;
  self->mem_total = -1;
  self->rx_rate = -1;
  self->tx_rate = -1;
  self->cpu_series = arts_series_new(ARTS_RUNTIME_SERIES_CAPACITY);
  self->mem_series = arts_series_new(ARTS_RUNTIME_SERIES_CAPACITY);
  self->rx_series = arts_series_new(ARTS_RUNTIME_SERIES_CAPACITY);
  self->tx_series = arts_series_new(ARTS_RUNTIME_SERIES_CAPACITY);
  self->modules = g_list_store_new(ARTS_TYPE_MODULE_ITEM);
}

ArtsRuntimeItem *
arts_runtime_item_new(const char *uuid)
{
  return g_object_new(ARTS_TYPE_RUNTIME_ITEM, "uuid", uuid, NULL);
}

static void
notify(ArtsRuntimeItem *self, int prop)
{
  g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

static void
update_double(ArtsRuntimeItem *self, double *field, double value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  notify(self, prop);
}

static void
update_int64(ArtsRuntimeItem *self, gint64 *field, gint64 value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  notify(self, prop);
  if (prop == PROP_MEM_USED || prop == PROP_MEM_TOTAL)
    notify(self, PROP_MEM_FRACTION);
}

void
arts_runtime_item_set_status(ArtsRuntimeItem *self, ArtsStatus status)
{
  gboolean was_alive = arts_runtime_item_get_alive(self);

  self->status = status;
  if (was_alive != arts_runtime_item_get_alive(self))
    notify(self, PROP_ALIVE);
}

gboolean
arts_runtime_item_check_silence(ArtsRuntimeItem *self, gint64 now_ms)
{
  gint64 allowed = 3 * (gint64)MAX(self->interval_ms, 1000) + 1000;
  gboolean was_alive = arts_runtime_item_get_alive(self);

  if (self->rt || self->last_arrival_ms == 0)
    return FALSE;
  arts_runtime_item_set_status(self, now_ms - self->last_arrival_ms > allowed
                                         ? ARTS_STATUS_DEAD
                                         : ARTS_STATUS_ALIVE);
  return was_alive != arts_runtime_item_get_alive(self);
}

void
arts_runtime_item_apply_runtime(ArtsRuntimeItem *self, const ArtsRuntime *rt)
{
  g_autoptr(ArtsRuntime) old = self->rt;

  g_return_if_fail(ARTS_IS_RUNTIME_ITEM(self));
  g_object_freeze_notify(G_OBJECT(self));
  self->rt = arts_runtime_copy(rt);
  if (!old || g_strcmp0(old->name, rt->name) != 0)
    notify(self, PROP_NAME);
  if (!old || g_strcmp0(old->runtime_type, rt->runtime_type) != 0)
    notify(self, PROP_RUNTIME_TYPE);
  if (!old || g_strcmp0(old->platform.hostname, rt->platform.hostname) != 0)
    notify(self, PROP_HOSTNAME);
  notify(self, PROP_PLATFORM);
  if (rt->platform.memory_total > 0)
    update_int64(self, &self->mem_total, rt->platform.memory_total,
                 PROP_MEM_TOTAL);
  arts_runtime_item_set_status(self, rt->status);
  g_object_thaw_notify(G_OBJECT(self));
}

static double
rate(double now, double prev, gint64 dt_ms)
{
  if (isnan(now) || isnan(prev) || dt_ms <= 0 || now < prev)
    return -1; /* unknown, or the counter was reset */
  return (now - prev) * 1000.0 / dt_ms;
}

static void
apply_rates(ArtsRuntimeItem *self, const ArtsTelemetry *t)
{
  double rx = arts_telemetry_get(t, ARTS_METRIC_NET_RX);
  double tx = arts_telemetry_get(t, ARTS_METRIC_NET_TX);
  double rx_rate = rate(rx, self->prev_rx, t->timestamp_ms - self->prev_ts);
  double tx_rate = rate(tx, self->prev_tx, t->timestamp_ms - self->prev_ts);

  if (self->prev_ts > 0 && rx_rate >= 0) {
    arts_series_push(self->rx_series, t->timestamp_ms, rx_rate);
    update_double(self, &self->rx_rate, rx_rate, PROP_NET_RX_RATE);
  }
  if (self->prev_ts > 0 && tx_rate >= 0) {
    arts_series_push(self->tx_series, t->timestamp_ms, tx_rate);
    update_double(self, &self->tx_rate, tx_rate, PROP_NET_TX_RATE);
  }
  self->prev_rx = rx;
  self->prev_tx = tx;
  self->prev_ts = t->timestamp_ms;
}

void
arts_runtime_item_apply_telemetry(ArtsRuntimeItem *self,
                                  const ArtsTelemetry *t)
{
  double cpu = arts_telemetry_get(t, ARTS_METRIC_CPU_UTIL);
  double used = arts_telemetry_get(t, ARTS_METRIC_MEM_USED);
  double avail = arts_telemetry_get(t, ARTS_METRIC_MEM_AVAIL);
  /* Replayed and retained-but-old samples fill the charts; only the newest
   * one sets the current values. */
  gboolean newest = t->timestamp_ms > self->last_sample_ms;

  g_return_if_fail(ARTS_IS_RUNTIME_ITEM(self));
  g_object_freeze_notify(G_OBJECT(self));
  if (!isnan(cpu)) {
    cpu = CLAMP(cpu, 0, 1);
    arts_series_push(self->cpu_series, t->timestamp_ms, cpu);
    if (newest)
      update_double(self, &self->cpu, cpu, PROP_CPU);
  }
  if (!isnan(used) && used >= 0) {
    arts_series_push(self->mem_series, t->timestamp_ms, used);
    if (newest)
      update_int64(self, &self->mem_used, (gint64)used, PROP_MEM_USED);
    if (self->mem_total <= 0 && !isnan(avail) && avail >= 0)
      update_int64(self, &self->mem_total, (gint64)(used + avail),
                   PROP_MEM_TOTAL);
  }
  if (newest) {
    if (!t->replayed)
      apply_rates(self, t);
    self->last_sample_ms = t->timestamp_ms;
  }
  if (!t->replayed) {
    self->last_arrival_ms = arts_now_ms();
    self->interval_ms = t->interval_ms;
    if (!self->rt)
      arts_runtime_item_set_status(self, ARTS_STATUS_ALIVE);
  }
  g_object_thaw_notify(G_OBJECT(self));
}

const char *
arts_runtime_item_get_uuid(ArtsRuntimeItem *self)
{
  return self->uuid;
}

const char *
arts_runtime_item_get_name(ArtsRuntimeItem *self)
{
  return self->rt && self->rt->name ? self->rt->name : self->short_name;
}

const char *
arts_runtime_item_get_runtime_type(ArtsRuntimeItem *self)
{
  return self->rt ? self->rt->runtime_type : NULL;
}

const char *
arts_runtime_item_get_hostname(ArtsRuntimeItem *self)
{
  return self->rt ? self->rt->platform.hostname : NULL;
}

const char *
arts_runtime_item_get_arch(ArtsRuntimeItem *self)
{
  return self->rt ? self->rt->platform.arch : NULL;
}

const char *
arts_runtime_item_get_machine(ArtsRuntimeItem *self)
{
  if (!self->rt)
    return NULL;
  return self->rt->platform.machine ? self->rt->platform.machine
                                    : self->rt->platform.arch;
}

const char *
arts_runtime_item_get_os(ArtsRuntimeItem *self)
{
  return self->rt ? self->rt->platform.os : NULL;
}

const char *
arts_runtime_item_get_os_release(ArtsRuntimeItem *self)
{
  return self->rt ? self->rt->platform.os_release : NULL;
}

int
arts_runtime_item_get_cpu_cores(ArtsRuntimeItem *self)
{
  return self->rt ? self->rt->platform.cpu_cores : 0;
}

const char *const *
arts_runtime_item_get_apis(ArtsRuntimeItem *self)
{
  return self->rt ? (const char *const *)self->rt->apis : NULL;
}

int
arts_runtime_item_get_max_nmodules(ArtsRuntimeItem *self)
{
  return self->rt ? self->rt->max_nmodules : 0;
}

char *
arts_runtime_item_dup_arch_caption(ArtsRuntimeItem *self)
{
  const ArtsPlatform *p;
  g_autofree char *cls = NULL;
  GString *s;

  if (!self->rt)
    return NULL;
  p = &self->rt->platform;
  cls = arts_platform_arch_class(p);
  if (!cls)
    return NULL;
  s = g_string_new(cls);
  if (p->word_size > 0) {
    g_string_append(s, " · ");
    /* Translators: a runtime's word size, e.g. "64-bit". */
    g_string_append_printf(s, _("%d-bit"), p->word_size);
  }
  if (p->byte_order == ARTS_BYTE_ORDER_LITTLE)
    g_string_append_printf(s, " · %s", _("little-endian"));
  else if (p->byte_order == ARTS_BYTE_ORDER_BIG)
    g_string_append_printf(s, " · %s", _("big-endian"));
  return g_string_free(s, FALSE);
}

char *
arts_runtime_item_dup_platform_summary(ArtsRuntimeItem *self)
{
  const ArtsPlatform *p;
  GString *s;

  if (!self->rt)
    return NULL;
  p = &self->rt->platform;
  s = g_string_new(NULL);
  /* The kernel's word for it: the Architecture row has the class. */
  if (arts_runtime_item_get_machine(self))
    g_string_append(s, arts_runtime_item_get_machine(self));
  if (p->os)
    g_string_append_printf(s, "%s%s%s%s", s->len ? " · " : "", p->os,
                           p->os_release ? " " : "",
                           p->os_release ? p->os_release : "");
  if (p->cpu_cores > 0) {
    if (s->len)
      g_string_append(s, " · ");
    /* Translators: the number of CPU cores of a runtime's device. */
    g_string_append_printf(s, g_dngettext(GETTEXT_PACKAGE, "%d core",
                                          "%d cores", p->cpu_cores),
                           p->cpu_cores);
  }
  return g_string_free(s, FALSE);
}

gboolean
arts_runtime_item_get_alive(ArtsRuntimeItem *self)
{
  return self->status == ARTS_STATUS_ALIVE;
}

ArtsStatus
arts_runtime_item_get_status(ArtsRuntimeItem *self)
{
  return self->status;
}

double
arts_runtime_item_get_cpu(ArtsRuntimeItem *self)
{
  return self->cpu;
}

gint64
arts_runtime_item_get_mem_used(ArtsRuntimeItem *self)
{
  return self->mem_used;
}

gint64
arts_runtime_item_get_mem_total(ArtsRuntimeItem *self)
{
  return self->mem_total;
}

double
arts_runtime_item_get_mem_fraction(ArtsRuntimeItem *self)
{
  if (self->mem_used < 0 || self->mem_total <= 0)
    return -1;
  return CLAMP((double)self->mem_used / (double)self->mem_total, 0, 1);
}

double
arts_runtime_item_get_net_rx_rate(ArtsRuntimeItem *self)
{
  return self->rx_rate;
}

double
arts_runtime_item_get_net_tx_rate(ArtsRuntimeItem *self)
{
  return self->tx_rate;
}

guint
arts_runtime_item_get_n_modules(ArtsRuntimeItem *self)
{
  return self->n_modules;
}

gint64
arts_runtime_item_get_last_sample_ms(ArtsRuntimeItem *self)
{
  return self->last_sample_ms;
}

gint64
arts_runtime_item_get_last_seen_ms(ArtsRuntimeItem *self)
{
  gint64 seen = self->rt ? self->rt->last_seen_ms : 0;

  return MAX(seen, self->last_sample_ms);
}

ArtsSeries *
arts_runtime_item_get_cpu_series(ArtsRuntimeItem *self)
{
  return self->cpu_series;
}

ArtsSeries *
arts_runtime_item_get_mem_series(ArtsRuntimeItem *self)
{
  return self->mem_series;
}

ArtsSeries *
arts_runtime_item_get_rx_series(ArtsRuntimeItem *self)
{
  return self->rx_series;
}

ArtsSeries *
arts_runtime_item_get_tx_series(ArtsRuntimeItem *self)
{
  return self->tx_series;
}

GListModel *
arts_runtime_item_get_modules(ArtsRuntimeItem *self)
{
  return G_LIST_MODEL(self->modules);
}

static void
update_n_modules(ArtsRuntimeItem *self)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->modules));

  if (n != self->n_modules) {
    self->n_modules = n;
    notify(self, PROP_N_MODULES);
  }
}

void
arts_runtime_item_add_module(ArtsRuntimeItem *self, gpointer module)
{
  g_return_if_fail(ARTS_IS_MODULE_ITEM(module));
  if (g_list_store_find(self->modules, module, NULL))
    return;
  g_list_store_append(self->modules, module);
  update_n_modules(self);
}

void
arts_runtime_item_remove_module(ArtsRuntimeItem *self, gpointer module)
{
  guint pos;

  if (!g_list_store_find(self->modules, module, &pos))
    return;
  g_list_store_remove(self->modules, pos);
  update_n_modules(self);
}
