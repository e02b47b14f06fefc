#pragma once
#include <gtk/gtk.h>
#include "arts-module-item.h"
#include "arts-realm-model.h"

G_BEGIN_DECLS

/* A module's own page: CPU, linear memory and instructions per second for
 * the last five minutes, a console that follows its output live with an
 * input line for its stdin, its state, runtime, start time and
 * migrations. */
#define ARTS_TYPE_MODULE_PAGE (arts_module_page_get_type())
G_DECLARE_FINAL_TYPE(ArtsModulePage, arts_module_page, ARTS, MODULE_PAGE,
                     GtkWidget)

/* Shows MODULE of MODEL and follows its output; NULL stops following. */
void arts_module_page_show(ArtsModulePage *self, ArtsRealmModel *model,
                           ArtsModuleItem *module);
ArtsModuleItem *arts_module_page_get_module(ArtsModulePage *self);
/* The console's text, for tests. */
char *arts_module_page_dup_console(ArtsModulePage *self);

G_END_DECLS
