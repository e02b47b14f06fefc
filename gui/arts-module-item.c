/* arts-module-item.c: one module's view-model. */
#include "arts-module-item.h"

struct _ArtsModuleItem {
  GObject parent_instance;
  char *uuid;
  char *name;
  char *runtime;
  char status;
  double cpu;
  int state;
  gboolean moving;
  int migrations;
  gint64 started_at;
  ArtsSeries *cpu_series, *mem_series, *instr_series;
  GPtrArray *migration_log; /* ArtsMigrationRecord*, oldest first */
  GPtrArray *declared;      /* ArtsChannel*, from its state */
  GPtrArray *counters;      /* ArtsChannelMetrics*, the newest sample */
  gint64 counters_ts;
};

/* Migrations seen are kept up to this many (the newest). */
#define MIGRATION_LOG_MAX 50

static void
migration_record_free(gpointer data)
{
  ArtsMigrationRecord *r = data;

  g_free(r->source);
  g_free(r->target);
  g_free(r->reason);
  g_free(r);
}

G_DEFINE_FINAL_TYPE(ArtsModuleItem, arts_module_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_UUID,
  PROP_NAME,
  PROP_RUNTIME,
  PROP_STATUS,
  PROP_CPU,
  PROP_STATE,
  PROP_MOVING,
  PROP_CHANNELS,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void
arts_module_item_finalize(GObject *object)
{
  ArtsModuleItem *self = ARTS_MODULE_ITEM(object);

  g_free(self->uuid);
  g_free(self->name);
  g_free(self->runtime);
  g_clear_object(&self->cpu_series);
  g_clear_object(&self->mem_series);
  g_clear_object(&self->instr_series);
  g_ptr_array_unref(self->migration_log);
  g_ptr_array_unref(self->declared);
  g_ptr_array_unref(self->counters);
  G_OBJECT_CLASS(arts_module_item_parent_class)->finalize(object);
}

static void
arts_module_item_get_property(GObject *object, guint id, GValue *value,
                              GParamSpec *pspec)
{
  ArtsModuleItem *self = ARTS_MODULE_ITEM(object);

  switch (id) {
  case PROP_UUID: g_value_set_string(value, self->uuid); break;
  case PROP_NAME: g_value_set_string(value, self->name); break;
  case PROP_RUNTIME: g_value_set_string(value, self->runtime); break;
  case PROP_STATUS: g_value_set_schar(value, self->status); break;
  case PROP_CPU: g_value_set_double(value, self->cpu); break;
  case PROP_STATE: g_value_set_int(value, self->state); break;
  case PROP_MOVING: g_value_set_boolean(value, self->moving); break;
  case PROP_CHANNELS: g_value_set_pointer(value, self->counters); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_module_item_set_property(GObject *object, guint id, const GValue *value,
                              GParamSpec *pspec)
{
  ArtsModuleItem *self = ARTS_MODULE_ITEM(object);

  switch (id) {
  case PROP_UUID: self->uuid = g_value_dup_string(value); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_module_item_class_init(ArtsModuleItemClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                   G_PARAM_EXPLICIT_NOTIFY;

  oc->finalize = arts_module_item_finalize;
  oc->get_property = arts_module_item_get_property;
  oc->set_property = arts_module_item_set_property;
  props[PROP_UUID] = g_param_spec_string("uuid", NULL, NULL, NULL,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, ro);
  props[PROP_RUNTIME] = g_param_spec_string("runtime", NULL, NULL, NULL, ro);
  props[PROP_STATUS] = g_param_spec_char("status", NULL, NULL, 0, 127, 'A',
                                         ro);
  props[PROP_CPU] = g_param_spec_double("cpu", NULL, NULL, -1, G_MAXDOUBLE,
                                        -1, ro);
  props[PROP_STATE] = g_param_spec_int("state", NULL, NULL, 0, G_MAXINT, 0,
                                       ro);
  props[PROP_MOVING] = g_param_spec_boolean("moving", NULL, NULL, FALSE, ro);
  /* The channel counters or the declared channels changed. */
  props[PROP_CHANNELS] = g_param_spec_pointer("channels", NULL, NULL, ro);
  g_object_class_install_properties(oc, N_PROPS, props);
}

static void
arts_module_item_init(ArtsModuleItem *self)
{
  self->status = 'A';
  self->cpu = -1;
  self->cpu_series = arts_series_new(600);
  self->mem_series = arts_series_new(600);
  self->instr_series = arts_series_new(600);
  self->migration_log = g_ptr_array_new_with_free_func(migration_record_free);
  self->declared = g_ptr_array_new_with_free_func(
      (GDestroyNotify)arts_channel_free);
  self->counters = g_ptr_array_new_with_free_func(
      (GDestroyNotify)arts_channel_metrics_free);
}

ArtsModuleItem *
arts_module_item_new(const char *uuid)
{
  return g_object_new(ARTS_TYPE_MODULE_ITEM, "uuid", uuid, NULL);
}

const char *
arts_module_item_get_uuid(ArtsModuleItem *self)
{
  return self->uuid;
}

const char *
arts_module_item_get_name(ArtsModuleItem *self)
{
  return self->name ? self->name : self->uuid;
}

static void
set_string(ArtsModuleItem *self, char **field, const char *value, int prop)
{
  if (g_strcmp0(*field, value) == 0)
    return;
  g_free(*field);
  *field = g_strdup(value);
  g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

void
arts_module_item_set_name(ArtsModuleItem *self, const char *name)
{
  set_string(self, &self->name, name, PROP_NAME);
}

const char *
arts_module_item_get_runtime(ArtsModuleItem *self)
{
  return self->runtime;
}

void
arts_module_item_set_runtime(ArtsModuleItem *self, const char *uuid)
{
  set_string(self, &self->runtime, uuid, PROP_RUNTIME);
}

char
arts_module_item_get_status(ArtsModuleItem *self)
{
  return self->status;
}

void
arts_module_item_set_status(ArtsModuleItem *self, char status)
{
  if (self->status == status)
    return;
  self->status = status;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATUS]);
}

double
arts_module_item_get_cpu(ArtsModuleItem *self)
{
  return self->cpu;
}

void
arts_module_item_set_cpu(ArtsModuleItem *self, double cpu)
{
  if (self->cpu == cpu)
    return;
  self->cpu = cpu;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_CPU]);
}

int
arts_module_item_get_state(ArtsModuleItem *self)
{
  return self->state;
}

void
arts_module_item_set_state(ArtsModuleItem *self, int state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATE]);
}

gboolean
arts_module_item_get_moving(ArtsModuleItem *self)
{
  return self->moving;
}

void
arts_module_item_set_moving(ArtsModuleItem *self, gboolean moving)
{
  if (self->moving == moving)
    return;
  self->moving = moving;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_MOVING]);
}

ArtsSeries *
arts_module_item_get_cpu_series(ArtsModuleItem *self)
{
  return self->cpu_series;
}

ArtsSeries *
arts_module_item_get_mem_series(ArtsModuleItem *self)
{
  return self->mem_series;
}

ArtsSeries *
arts_module_item_get_instr_series(ArtsModuleItem *self)
{
  return self->instr_series;
}

int
arts_module_item_get_migrations(ArtsModuleItem *self)
{
  return self->migrations;
}

gint64
arts_module_item_get_started_at(ArtsModuleItem *self)
{
  return self->started_at;
}

void
arts_module_item_set_record(ArtsModuleItem *self, int migrations,
                            gint64 started_at_ms)
{
  if (self->migrations == migrations && self->started_at == started_at_ms)
    return;
  self->migrations = migrations;
  self->started_at = started_at_ms;
  /* One notification for both: the module page redraws its rows. */
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATE]);
}

void
arts_module_item_add_migration(ArtsModuleItem *self, gint64 ts_ms,
                               const char *source, const char *target,
                               gboolean has_times, gint64 downtime_ms,
                               const char *reason)
{
  ArtsMigrationRecord *r = g_new0(ArtsMigrationRecord, 1);

  r->ts_ms = ts_ms;
  r->source = g_strdup(source);
  r->target = g_strdup(target);
  r->has_times = has_times;
  r->downtime_ms = downtime_ms;
  r->reason = g_strdup(reason);
  g_ptr_array_add(self->migration_log, r);
  if (self->migration_log->len > MIGRATION_LOG_MAX)
    g_ptr_array_remove_index(self->migration_log, 0);
  /* The module page listens to every notification of its module. */
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATE]);
}

GPtrArray *
arts_module_item_get_migration_log(ArtsModuleItem *self)
{
  return self->migration_log;
}

static gboolean
same_declared(GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    ArtsChannel *x = a->pdata[i], *y = b->pdata[i];
    if (x->mode != y->mode || g_strcmp0(x->name, y->name) != 0)
      return FALSE;
  }
  return TRUE;
}

void
arts_module_item_set_declared_channels(ArtsModuleItem *self,
                                       GPtrArray *channels)
{
  g_autoptr(GPtrArray) list = channels ? channels
      : g_ptr_array_new_with_free_func((GDestroyNotify)arts_channel_free);

  if (same_declared(self->declared, list))
    return;
  g_ptr_array_unref(self->declared);
  self->declared = g_steal_pointer(&list);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_CHANNELS]);
}

GPtrArray *
arts_module_item_get_declared_channels(ArtsModuleItem *self)
{
  return self->declared;
}

void
arts_module_item_set_channel_counters(ArtsModuleItem *self,
                                      const GPtrArray *list, gint64 ts_ms)
{
  if (!list || ts_ms < self->counters_ts)
    return;
  g_ptr_array_unref(self->counters);
  self->counters = arts_channel_metrics_list_copy(list);
  self->counters_ts = ts_ms;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_CHANNELS]);
}

GPtrArray *
arts_module_item_get_channel_counters(ArtsModuleItem *self)
{
  return self->counters;
}
