#pragma once
#include <gtk/gtk.h>
#include "arts-module-item.h"

G_BEGIN_DECLS

/* A module on its runtime's card: a pill with a state dot, the program's
 * name and its CPU share. It can be dragged onto another runtime's card
 * (the drag carries the module's uuid as a string) to migrate it. */
#define ARTS_TYPE_MODULE_CHIP (arts_module_chip_get_type())
G_DECLARE_FINAL_TYPE(ArtsModuleChip, arts_module_chip, ARTS, MODULE_CHIP,
                     GtkWidget)

GtkWidget *arts_module_chip_new(ArtsModuleItem *item);
ArtsModuleItem *arts_module_chip_get_item(ArtsModuleChip *self);
/* The chip's menu: Move to (each other live runtime), Stop… — also on a
 * right click, the Menu key and Shift+F10. */
void arts_module_chip_popup_menu(ArtsModuleChip *self);

G_END_DECLS
