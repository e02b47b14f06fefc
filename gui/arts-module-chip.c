/* arts-module-chip.c: one module as a chip. */
#include "arts-module-chip.h"
#include "arts-format.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

struct _ArtsModuleChip {
  GtkWidget parent_instance;
  ArtsModuleItem *item;
  gulong notify_id;
  GtkImage *dot;
  GtkLabel *name_label;
  GtkLabel *cpu_label;
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
  gtk_widget_remove_css_class(GTK_WIDGET(self->dot), "running");
  if (arts_module_item_get_status(m) == 'A')
    gtk_widget_add_css_class(GTK_WIDGET(self->dot), "running");
  /* Translators: a module chip's tooltip: program name, then its state. */
  tip = g_strdup_printf(_("%s — %s"), arts_module_item_get_name(m), state);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self), tip);
}

static void
arts_module_chip_dispose(GObject *object)
{
  ArtsModuleChip *self = ARTS_MODULE_CHIP(object);

  if (self->item)
    g_clear_signal_handler(&self->notify_id, self->item);
  g_clear_object(&self->item);
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
}

static void
arts_module_chip_init(ArtsModuleChip *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
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
