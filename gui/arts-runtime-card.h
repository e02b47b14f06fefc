#pragma once
#include <gtk/gtk.h>
#include "arts-runtime-item.h"

G_BEGIN_DECLS

/* A runtime on the realm overview: name, type and host, an Online/Offline
 * badge, CPU and memory gauges, a CPU sparkline, and its modules as chips.
 * Recycled by the grid: "item" changes as the user scrolls, so it binds
 * to whatever item it is given and lets go of the previous one. */
#define ARTS_TYPE_RUNTIME_CARD (arts_runtime_card_get_type())
G_DECLARE_FINAL_TYPE(ArtsRuntimeCard, arts_runtime_card, ARTS, RUNTIME_CARD,
                     GtkWidget)

GtkWidget *arts_runtime_card_new(void);
void arts_runtime_card_set_item(ArtsRuntimeCard *self, ArtsRuntimeItem *item);
ArtsRuntimeItem *arts_runtime_card_get_item(ArtsRuntimeCard *self);
/* Gives BAR the offsets of a load gauge (shared with the runtime page). */
void arts_runtime_card_setup_gauge(GtkLevelBar *bar);

G_END_DECLS
