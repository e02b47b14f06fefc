#pragma once
#include <gtk/gtk.h>
#include "arts-realm-model.h"

G_BEGIN_DECLS

/* A runtime's own page: live charts of CPU, memory and network for the
 * last five minutes, history from the orchestrator, its programs and its
 * device. */
#define ARTS_TYPE_RUNTIME_PAGE (arts_runtime_page_get_type())
G_DECLARE_FINAL_TYPE(ArtsRuntimePage, arts_runtime_page, ARTS, RUNTIME_PAGE,
                     GtkWidget)

GtkWidget *arts_runtime_page_new(void);
/* Shows ITEM of MODEL (NULL: nothing) and asks for its history. */
void arts_runtime_page_show(ArtsRuntimePage *self, ArtsRealmModel *model,
                            ArtsRuntimeItem *item);
ArtsRuntimeItem *arts_runtime_page_get_item(ArtsRuntimePage *self);
void arts_runtime_page_reload_history(ArtsRuntimePage *self);

G_END_DECLS
