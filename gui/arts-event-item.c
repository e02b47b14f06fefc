/* arts-event-item.c: one realm event and how it reads. */
#include "arts-event-item.h"

#include <glib/gi18n-lib.h>

struct _ArtsEventItem {
  GObject parent_instance;
  char *event, *uuid, *name, *reason;
  gint64 ts;
};

G_DEFINE_FINAL_TYPE(ArtsEventItem, arts_event_item, G_TYPE_OBJECT)

enum { PROP_0, PROP_EVENT, PROP_NAME, PROP_TITLE, PROP_REASON, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
arts_event_item_finalize(GObject *object)
{
  ArtsEventItem *self = ARTS_EVENT_ITEM(object);

  g_free(self->event);
  g_free(self->uuid);
  g_free(self->name);
  g_free(self->reason);
  G_OBJECT_CLASS(arts_event_item_parent_class)->finalize(object);
}

static void
arts_event_item_get_property(GObject *object, guint id, GValue *value,
                             GParamSpec *pspec)
{
  ArtsEventItem *self = ARTS_EVENT_ITEM(object);

  switch (id) {
  case PROP_EVENT: g_value_set_string(value, self->event); break;
  case PROP_NAME: g_value_set_string(value, self->name); break;
  case PROP_TITLE:
    g_value_take_string(value, arts_event_item_dup_title(self));
    break;
  case PROP_REASON: g_value_set_string(value, self->reason); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_event_item_class_init(ArtsEventItemClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  oc->finalize = arts_event_item_finalize;
  oc->get_property = arts_event_item_get_property;
  /* Read by GtkStringFilter expressions on the events page. */
  props[PROP_EVENT] = g_param_spec_string("event", NULL, NULL, NULL, ro);
  props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, ro);
  props[PROP_TITLE] = g_param_spec_string("title", NULL, NULL, NULL, ro);
  props[PROP_REASON] = g_param_spec_string("reason", NULL, NULL, NULL, ro);
  g_object_class_install_properties(oc, N_PROPS, props);
}

static void
arts_event_item_init(ArtsEventItem *self)
{
}

ArtsEventItem *
arts_event_item_new(const char *event, const char *uuid, const char *name,
                    gint64 ts_ms, const char *reason)
{
  ArtsEventItem *self = g_object_new(ARTS_TYPE_EVENT_ITEM, NULL);

  self->event = g_strdup(event);
  self->uuid = g_strdup(uuid);
  self->name = g_strdup(name ? name : uuid);
  self->reason = g_strdup(reason);
  self->ts = ts_ms;
  return self;
}

const char *
arts_event_item_get_event(ArtsEventItem *self)
{
  return self->event;
}

const char *
arts_event_item_get_uuid(ArtsEventItem *self)
{
  return self->uuid;
}

const char *
arts_event_item_get_name(ArtsEventItem *self)
{
  return self->name;
}

const char *
arts_event_item_get_reason(ArtsEventItem *self)
{
  return self->reason;
}

gint64
arts_event_item_get_ts(ArtsEventItem *self)
{
  return self->ts;
}

ArtsEventCategory
arts_event_item_get_category(ArtsEventItem *self)
{
  if (g_str_has_prefix(self->event, "module_"))
    return ARTS_EVENT_CATEGORY_MODULE;
  if (g_str_has_prefix(self->event, "broker_"))
    return ARTS_EVENT_CATEGORY_CONNECTION;
  return ARTS_EVENT_CATEGORY_RUNTIME;
}

char *
arts_event_item_dup_title(ArtsEventItem *self)
{
  const char *e = self->event, *name = self->name ? self->name : "?";

  /* Literal formats one by one, so that the compiler checks each
   * translation's format against its arguments. */
  if (g_str_equal(e, "runtime_joined"))
    return g_strdup_printf(_("Runtime %s joined"), name);
  if (g_str_equal(e, "runtime_died"))
    return g_strdup_printf(_("Runtime %s died"), name);
  if (g_str_equal(e, "runtime_left"))
    return g_strdup_printf(_("Runtime %s left"), name);
  if (g_str_equal(e, "runtime_returned"))
    return g_strdup_printf(_("Runtime %s returned"), name);
  if (g_str_equal(e, "module_started"))
    return g_strdup_printf(_("Program %s started"), name);
  if (g_str_equal(e, "module_exited"))
    return g_strdup_printf(_("Program %s exited"), name);
  if (g_str_equal(e, "module_failed"))
    return g_strdup_printf(_("Program %s failed"), name);
  if (g_str_equal(e, "module_migrated"))
    return g_strdup_printf(_("Program %s moved"), name);
  if (g_str_equal(e, "module_restarted"))
    return g_strdup_printf(_("Program %s restarted"), name);
  if (g_str_equal(e, "broker_connected"))
    return g_strdup_printf(_("Connected to %s"), name);
  if (g_str_equal(e, "broker_disconnected"))
    return g_strdup_printf(_("Lost the connection to %s"), name);
  /* An event this version does not know: show it as sent. */
  return g_strdup_printf("%s: %s", e, name);
}

const char *
arts_event_item_get_icon_name(ArtsEventItem *self)
{
  if (arts_event_item_is_problem(self))
    return "dialog-warning-symbolic";
  switch (arts_event_item_get_category(self)) {
  case ARTS_EVENT_CATEGORY_MODULE: return "application-x-executable-symbolic";
  case ARTS_EVENT_CATEGORY_CONNECTION: return "network-wired-symbolic";
  case ARTS_EVENT_CATEGORY_RUNTIME: break;
  }
  return "computer-symbolic";
}

gboolean
arts_event_item_is_problem(ArtsEventItem *self)
{
  return g_str_has_suffix(self->event, "_died") ||
         g_str_has_suffix(self->event, "_failed") ||
         g_str_equal(self->event, "broker_disconnected");
}
