/* arts-runtime-card.c: a runtime on the overview grid.
 *
 * The grid recycles cards, so a card holds one "notify" handler on its
 * current item and updates every label from it; with only the visible
 * cards bound, a realm of any size costs what one screenful costs. */
#include "arts-runtime-card.h"
#include "arts-chart.h"
#include "arts-format.h"
#include "arts-module-chip.h"
#include "arts-module-item.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

struct _ArtsRuntimeCard {
  GtkWidget parent_instance;
  ArtsRuntimeItem *item;
  gulong notify_id;
  GtkImage *icon;
  GtkLabel *name_label;
  GtkLabel *subtitle_label;
  GtkLabel *arch_label;
  GtkLabel *status_badge;
  GtkLevelBar *cpu_bar;
  GtkLabel *cpu_value;
  GtkLevelBar *mem_bar;
  GtkLabel *mem_value;
  ArtsChart *sparkline;
  GtkLabel *modules_label;
  GtkFlowBox *chips;
};

G_DEFINE_FINAL_TYPE(ArtsRuntimeCard, arts_runtime_card, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_ITEM, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
update_alive(ArtsRuntimeCard *self, gboolean alive)
{
  GtkWidget *badge = GTK_WIDGET(self->status_badge);

  gtk_label_set_label(self->status_badge,
                      alive ? _("Online") : _("Offline"));
  gtk_widget_remove_css_class(badge, alive ? "offline" : "online");
  gtk_widget_add_css_class(badge, alive ? "online" : "offline");
  if (alive)
    gtk_widget_remove_css_class(GTK_WIDGET(self), "dead");
  else
    gtk_widget_add_css_class(GTK_WIDGET(self), "dead");
}

/* The device class under the name: in a mixed realm, which card is the
 * s390x matters as much as how busy it is. The tooltip keeps what the
 * kernel said (uname -m), which the class may have normalised. */
static void
update_arch(ArtsRuntimeCard *self, ArtsRuntimeItem *it)
{
  g_autofree char *caption = arts_runtime_item_dup_arch_caption(it);
  const char *machine = arts_runtime_item_get_machine(it);
  g_autofree char *tip = NULL;

  gtk_widget_set_visible(GTK_WIDGET(self->arch_label), caption != NULL);
  if (!caption)
    return;
  gtk_label_set_label(self->arch_label, caption);
  /* Translators: tooltip of a runtime's architecture, e.g.
   * "Architecture (uname -m): armv7l". */
  tip = g_strdup_printf(_("Architecture (uname -m): %s"), machine);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->arch_label), tip);
}

static void
update(ArtsRuntimeCard *self)
{
  ArtsRuntimeItem *it = self->item;
  const char *type = arts_runtime_item_get_runtime_type(it);
  const char *host = arts_runtime_item_get_hostname(it);
  double cpu = arts_runtime_item_get_cpu(it);
  double mem = arts_runtime_item_get_mem_fraction(it);
  guint n = arts_runtime_item_get_n_modules(it);
  g_autofree char *subtitle = NULL, *cpu_text = NULL, *mem_text = NULL;
  g_autofree char *modules = NULL, *mem_tip = NULL;
  g_autofree char *used = NULL, *total = NULL;

  gtk_label_set_label(self->name_label, arts_runtime_item_get_name(it));
  if (!arts_runtime_item_get_alive(it) &&
      arts_runtime_item_get_last_seen_ms(it) > 0) {
    g_autofree char *when =
        arts_format_time(arts_runtime_item_get_last_seen_ms(it));

    /* Translators: a dead runtime's card, e.g. "Last seen 23:15:05". */
    subtitle = g_strdup_printf(_("Last seen %s"), when);
  } else if (type && host) {
    subtitle = g_strdup_printf("%s · %s", type, host);
  } else {
    subtitle = g_strdup(type ? type : host ? host : _("Waiting for details"));
  }
  gtk_label_set_label(self->subtitle_label, subtitle);
  update_arch(self, it);
  update_alive(self, arts_runtime_item_get_alive(it));

  gtk_level_bar_set_value(self->cpu_bar, MAX(cpu, 0));
  cpu_text = arts_format_percent(cpu);
  gtk_label_set_label(self->cpu_value, cpu_text);
  gtk_level_bar_set_value(self->mem_bar, MAX(mem, 0));
  mem_text = arts_format_percent(mem);
  gtk_label_set_label(self->mem_value, mem_text);
  used = arts_format_bytes(arts_runtime_item_get_mem_used(it));
  total = arts_format_bytes(arts_runtime_item_get_mem_total(it));
  /* Translators: memory in use of the total, e.g. "1.2 GB of 8.0 GB". */
  mem_tip = g_strdup_printf(_("%s of %s"), used, total);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->mem_bar), mem_tip);

  if (n == 0)
    modules = g_strdup(_("No programs"));
  else
    modules = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u program",
                                          "%u programs", n), n);
  gtk_label_set_label(self->modules_label, modules);
  gtk_widget_set_visible(GTK_WIDGET(self->chips), n > 0);
}

static GtkWidget *
create_chip(gpointer item, gpointer user_data)
{
  return arts_module_chip_new(item);
}

void
arts_runtime_card_set_item(ArtsRuntimeCard *self, ArtsRuntimeItem *item)
{
  g_return_if_fail(ARTS_IS_RUNTIME_CARD(self));
  if (self->item == item)
    return;
  if (self->item)
    g_clear_signal_handler(&self->notify_id, self->item);
  g_set_object(&self->item, item);
  if (item) {
    self->notify_id = g_signal_connect_swapped(item, "notify",
                                               G_CALLBACK(update), self);
    update(self);
  }
  arts_chart_set_series(self->sparkline,
                        item ? arts_runtime_item_get_cpu_series(item) : NULL);
  gtk_flow_box_bind_model(self->chips,
                          item ? arts_runtime_item_get_modules(item) : NULL,
                          create_chip, NULL, NULL);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ITEM]);
}

ArtsRuntimeItem *
arts_runtime_card_get_item(ArtsRuntimeCard *self)
{
  return self->item;
}

static void
arts_runtime_card_dispose(GObject *object)
{
  ArtsRuntimeCard *self = ARTS_RUNTIME_CARD(object);

  arts_runtime_card_set_item(self, NULL);
  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_RUNTIME_CARD);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child(GTK_WIDGET(self)));)
    gtk_widget_unparent(c);
  G_OBJECT_CLASS(arts_runtime_card_parent_class)->dispose(object);
}

static void
arts_runtime_card_get_property(GObject *object, guint id, GValue *value,
                               GParamSpec *pspec)
{
  switch (id) {
  case PROP_ITEM:
    g_value_set_object(value, ARTS_RUNTIME_CARD(object)->item);
    break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_runtime_card_set_property(GObject *object, guint id, const GValue *value,
                               GParamSpec *pspec)
{
  switch (id) {
  case PROP_ITEM:
    arts_runtime_card_set_item(ARTS_RUNTIME_CARD(object),
                               g_value_get_object(value));
    break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_runtime_card_class_init(ArtsRuntimeCardClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  oc->dispose = arts_runtime_card_dispose;
  oc->get_property = arts_runtime_card_get_property;
  oc->set_property = arts_runtime_card_set_property;
  props[PROP_ITEM] = g_param_spec_object("item", NULL, NULL,
      ARTS_TYPE_RUNTIME_ITEM,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties(oc, N_PROPS, props);

  g_type_ensure(ARTS_TYPE_CHART);
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-runtime-card.ui");
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, icon);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, name_label);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, subtitle_label);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, arch_label);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, status_badge);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, cpu_bar);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, cpu_value);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, mem_bar);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, mem_value);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, sparkline);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, modules_label);
  gtk_widget_class_bind_template_child(wc, ArtsRuntimeCard, chips);
  gtk_widget_class_set_css_name(wc, "runtimecard");
  gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_GROUP);
}

/* A level bar's default offsets suit a battery (low is bad); a load gauge
 * is the other way round: calm up to 75 %, a warning to 90 %, then alarm. */
void
arts_runtime_card_setup_gauge(GtkLevelBar *bar)
{
  gtk_level_bar_remove_offset_value(bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value(bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value(bar, GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_level_bar_add_offset_value(bar, "load-normal", 0.75);
  gtk_level_bar_add_offset_value(bar, "load-high", 0.9);
  gtk_level_bar_add_offset_value(bar, "load-full", 1.0);
}

/* ---- dropping a module chip here migrates it ---- */

static gboolean
chip_is_ours(ArtsRuntimeCard *self, const char *module_uuid)
{
  GListModel *mods = self->item ? arts_runtime_item_get_modules(self->item)
                                : NULL;

  for (guint i = 0; mods && i < g_list_model_get_n_items(mods); i++) {
    g_autoptr(ArtsModuleItem) m = g_list_model_get_item(mods, i);

    if (g_str_equal(arts_module_item_get_uuid(m), module_uuid))
      return TRUE;
  }
  return FALSE;
}

static GdkDragAction
on_drop_enter(GtkDropTarget *target, double x, double y,
              ArtsRuntimeCard *self)
{
  /* A dead runtime takes nothing: no highlight, no drop. */
  if (!self->item || !arts_runtime_item_get_alive(self->item))
    return 0;
  gtk_widget_add_css_class(GTK_WIDGET(self), "drop-target");
  return GDK_ACTION_MOVE;
}

static void
on_drop_leave(GtkDropTarget *target, ArtsRuntimeCard *self)
{
  gtk_widget_remove_css_class(GTK_WIDGET(self), "drop-target");
}

static gboolean
on_drop(GtkDropTarget *target, const GValue *value, double x, double y,
        ArtsRuntimeCard *self)
{
  const char *module = g_value_get_string(value);

  gtk_widget_remove_css_class(GTK_WIDGET(self), "drop-target");
  if (!module || !self->item || !arts_runtime_item_get_alive(self->item) ||
      chip_is_ours(self, module))
    return FALSE; /* back where it came from: nothing to do */
  return gtk_widget_activate_action(GTK_WIDGET(self), "win.migrate-module",
                                    "(ss)", module,
                                    arts_runtime_item_get_uuid(self->item));
}

static void
arts_runtime_card_init(ArtsRuntimeCard *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template(GTK_WIDGET(self));
  drop = gtk_drop_target_new(G_TYPE_STRING, GDK_ACTION_MOVE);
  arts_runtime_card_setup_gauge(self->cpu_bar);
  arts_runtime_card_setup_gauge(self->mem_bar);
  g_signal_connect(drop, "enter", G_CALLBACK(on_drop_enter), self);
  g_signal_connect(drop, "leave", G_CALLBACK(on_drop_leave), self);
  g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
}

GtkWidget *
arts_runtime_card_new(void)
{
  return g_object_new(ARTS_TYPE_RUNTIME_CARD, NULL);
}
