#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The realm's events, newest first, filtered by text and by kind. */
#define ARTS_TYPE_EVENTS_PAGE (arts_events_page_get_type())
G_DECLARE_FINAL_TYPE(ArtsEventsPage, arts_events_page, ARTS, EVENTS_PAGE,
                     GtkWidget)

GtkWidget *arts_events_page_new(void);
/* EVENTS: a GListModel of ArtsEventItem, or NULL. */
void arts_events_page_set_events(ArtsEventsPage *self, GListModel *events);
void arts_events_page_focus_search(ArtsEventsPage *self);
/* What the filter lets through, for tests. */
GListModel *arts_events_page_get_shown(ArtsEventsPage *self);

G_END_DECLS
