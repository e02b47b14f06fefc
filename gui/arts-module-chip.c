/* arts-module-chip.c: one module as a chip. */
#include "arts-module-chip.h"
#include "arts-format.h"
#include "arts-window.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

struct _ArtsModuleChip {
  GtkWidget parent_instance;
  ArtsModuleItem *item;
  gulong notify_id;
  GtkImage *dot;
  GtkLabel *name_label;
  GtkLabel *cpu_label;
  GtkWidget *menu;       /* the context menu's popover, while shown */
};

G_DEFINE_FINAL_TYPE(ArtsModuleChip, arts_module_chip, GTK_TYPE_WIDGET)

static void
update(ArtsModuleChip *self)
{
  ArtsModuleItem *m = self->item;
  g_autofree char *cpu = NULL;
  g_autofree char *tip = NULL;
  const char *state;

  gtk_label_set_label(self->name_label, arts_module_item_get_name(m));
  cpu = arts_module_item_get_cpu(m) >= 0
            ? arts_format_percent(arts_module_item_get_cpu(m))
            : g_strdup("");
  gtk_label_set_label(self->cpu_label, cpu);
  switch (arts_module_item_get_status(m)) {
  case 'A': state = _("Running"); break;
  case 'E': state = _("Exiting"); break;
  case 'K': state = _("Waiting for its runtime"); break;
  default: state = _("Stopped"); break;
  }
  if (arts_module_item_get_moving(m) ||
      arts_module_item_get_state(m) == ARTS_MODULE_MIGRATING)
    gtk_widget_add_css_class(GTK_WIDGET(self), "moving");
  else
    gtk_widget_remove_css_class(GTK_WIDGET(self), "moving");
  gtk_widget_remove_css_class(GTK_WIDGET(self->dot), "running");
  if (arts_module_item_get_status(m) == 'A')
    gtk_widget_add_css_class(GTK_WIDGET(self->dot), "running");
  /* Translators: a module chip's tooltip: program name, then its state. */
  tip = g_strdup_printf(_("%s — %s"), arts_module_item_get_name(m), state);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self), tip);
}

/* ---- drag to migrate ---- */

static GdkContentProvider *
on_drag_prepare(GtkDragSource *source, double x, double y,
                ArtsModuleChip *self)
{
  if (!self->item || arts_module_item_get_moving(self->item))
    return NULL;
  /* What a runtime card's drop target receives: the module's uuid. */
  return gdk_content_provider_new_typed(G_TYPE_STRING,
                                        arts_module_item_get_uuid(self->item));
}

static void
on_drag_begin(GtkDragSource *source, GdkDrag *drag, ArtsModuleChip *self)
{
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new(GTK_WIDGET(self));

  gtk_drag_source_set_icon(source, icon, 0, 0);
  gtk_widget_add_css_class(GTK_WIDGET(self), "dragged");
}

static void
on_drag_end(GtkDragSource *source, GdkDrag *drag, gboolean delete_data,
            ArtsModuleChip *self)
{
  gtk_widget_remove_css_class(GTK_WIDGET(self), "dragged");
}

/* ---- context menu: Move to…, Stop… ---- */

static GMenuModel *
build_menu(ArtsModuleChip *self)
{
  GtkWidget *win = gtk_widget_get_ancestor(GTK_WIDGET(self),
                                           ARTS_TYPE_WINDOW);
  ArtsRealmModel *model = win ? arts_window_get_model(ARTS_WINDOW(win))
                              : NULL;
  GMenu *menu = g_menu_new();
  g_autoptr(GMenu) targets = g_menu_new();
  g_autoptr(GMenu) stop = g_menu_new();
  const char *uuid = arts_module_item_get_uuid(self->item);
  GListModel *runtimes = model ? arts_realm_model_get_runtimes(model) : NULL;

  for (guint i = 0; runtimes && i < g_list_model_get_n_items(runtimes);
       i++) {
    g_autoptr(ArtsRuntimeItem) rt = g_list_model_get_item(runtimes, i);
    g_autoptr(GMenuItem) item = NULL;

    if (!arts_runtime_item_get_alive(rt) ||
        g_strcmp0(arts_runtime_item_get_uuid(rt),
                  arts_module_item_get_runtime(self->item)) == 0)
      continue;
    item = g_menu_item_new(arts_runtime_item_get_name(rt), NULL);
    g_menu_item_set_action_and_target(item, "win.migrate-module", "(ss)",
                                      uuid, arts_runtime_item_get_uuid(rt));
    g_menu_append_item(targets, item);
  }
  {
    /* A plain click belongs to the card (its runtime's page); the
     * program's own page is here and in the runtime page's list. */
    g_autoptr(GMenuItem) item = g_menu_item_new(_("_Details"), NULL);

    g_menu_item_set_action_and_target(item, "win.show-module", "s", uuid);
    g_menu_append_item(menu, item);
  }
  g_menu_append_submenu(menu, _("_Move to"), G_MENU_MODEL(targets));
  {
    g_autoptr(GMenuItem) item = g_menu_item_new(_("_Stop…"), NULL);

    g_menu_item_set_action_and_target(item, "win.stop-module", "s", uuid);
    g_menu_append_item(stop, item);
  }
  g_menu_append_section(menu, NULL, G_MENU_MODEL(stop));
  return G_MENU_MODEL(menu);
}

static gboolean
drop_menu(gpointer popover)
{
  /* The chip may have gone (and taken its children) in the meantime. */
  if (gtk_widget_get_parent(popover))
    gtk_widget_unparent(popover);
  return G_SOURCE_REMOVE;
}

static void
on_menu_closed(GtkPopover *popover, ArtsModuleChip *self)
{
  /* Unparented later: the menu's action may still be on its way. */
  g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, drop_menu, g_object_ref(popover),
                  g_object_unref);
  self->menu = NULL;
}

/* Opens the chip's menu; the keyboard's way to "Move to…". */
void
arts_module_chip_popup_menu(ArtsModuleChip *self)
{
  g_autoptr(GMenuModel) model = NULL;

  if (!self->item || self->menu)
    return;
  model = build_menu(self);
  self->menu = gtk_popover_menu_new_from_model(model);
  gtk_widget_set_parent(self->menu, GTK_WIDGET(self));
  gtk_popover_set_has_arrow(GTK_POPOVER(self->menu), TRUE);
  g_signal_connect(self->menu, "closed", G_CALLBACK(on_menu_closed), self);
  gtk_popover_popup(GTK_POPOVER(self->menu));
}

static void
on_secondary_click(GtkGestureClick *click, int n, double x, double y,
                   ArtsModuleChip *self)
{
  arts_module_chip_popup_menu(self);
}

static void
menu_action(GtkWidget *widget, const char *name, GVariant *param)
{
  arts_module_chip_popup_menu(ARTS_MODULE_CHIP(widget));
}

static void
arts_module_chip_dispose(GObject *object)
{
  ArtsModuleChip *self = ARTS_MODULE_CHIP(object);

  if (self->item)
    g_clear_signal_handler(&self->notify_id, self->item);
  g_clear_object(&self->item);
  if (self->menu) {
    g_signal_handlers_disconnect_by_data(self->menu, self);
    gtk_widget_unparent(g_steal_pointer(&self->menu));
  }
  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_MODULE_CHIP);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child(GTK_WIDGET(self)));)
    gtk_widget_unparent(c);
  G_OBJECT_CLASS(arts_module_chip_parent_class)->dispose(object);
}

static void
arts_module_chip_class_init(ArtsModuleChipClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_module_chip_dispose;
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-module-chip.ui");
  gtk_widget_class_bind_template_child(wc, ArtsModuleChip, dot);
  gtk_widget_class_bind_template_child(wc, ArtsModuleChip, name_label);
  gtk_widget_class_bind_template_child(wc, ArtsModuleChip, cpu_label);
  gtk_widget_class_set_css_name(wc, "modulechip");
  gtk_widget_class_install_action(wc, "chip.menu", NULL, menu_action);
  gtk_widget_class_add_binding_action(wc, GDK_KEY_Menu, 0, "chip.menu",
                                      NULL);
  gtk_widget_class_add_binding_action(wc, GDK_KEY_F10, GDK_SHIFT_MASK,
                                      "chip.menu", NULL);
}

static void
arts_module_chip_init(ArtsModuleChip *self)
{
  GtkDragSource *drag = gtk_drag_source_new();
  GtkGesture *click = gtk_gesture_click_new();

  gtk_widget_init_template(GTK_WIDGET(self));
  gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);
  gtk_drag_source_set_actions(drag, GDK_ACTION_MOVE);
  g_signal_connect(drag, "prepare", G_CALLBACK(on_drag_prepare), self);
  g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), self);
  g_signal_connect(drag, "drag-end", G_CALLBACK(on_drag_end), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drag));
  gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(click),
                                GDK_BUTTON_SECONDARY);
  g_signal_connect(click, "pressed", G_CALLBACK(on_secondary_click), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(click));
}

GtkWidget *
arts_module_chip_new(ArtsModuleItem *item)
{
  ArtsModuleChip *self = g_object_new(ARTS_TYPE_MODULE_CHIP, NULL);

  self->item = g_object_ref(item);
  self->notify_id = g_signal_connect_swapped(item, "notify",
                                             G_CALLBACK(update), self);
  update(self);
  return GTK_WIDGET(self);
}

ArtsModuleItem *
arts_module_chip_get_item(ArtsModuleChip *self)
{
  return self->item;
}
