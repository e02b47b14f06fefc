#pragma once
#include <glib-object.h>

G_BEGIN_DECLS

/* One realm event from "notif" (runtime joined, died, left, returned;
 * module started, exited, migrated — whatever the orchestrator reports),
 * or one the dashboard itself saw (connected, disconnected). */
#define ARTS_TYPE_EVENT_ITEM (arts_event_item_get_type())
G_DECLARE_FINAL_TYPE(ArtsEventItem, arts_event_item, ARTS, EVENT_ITEM,
                     GObject)

typedef enum {
  ARTS_EVENT_CATEGORY_RUNTIME,
  ARTS_EVENT_CATEGORY_MODULE,
  ARTS_EVENT_CATEGORY_CONNECTION,
} ArtsEventCategory;

ArtsEventItem *arts_event_item_new(const char *event, const char *uuid,
                                   const char *name, gint64 ts_ms,
                                   const char *reason);
/* As sent: "runtime_joined", "module_migrated", ... */
const char *arts_event_item_get_event(ArtsEventItem *self);
const char *arts_event_item_get_uuid(ArtsEventItem *self);
const char *arts_event_item_get_name(ArtsEventItem *self);
const char *arts_event_item_get_reason(ArtsEventItem *self);
gint64 arts_event_item_get_ts(ArtsEventItem *self);
ArtsEventCategory arts_event_item_get_category(ArtsEventItem *self);
/* A translated sentence ("Runtime lab-3 died"), newly allocated. */
char *arts_event_item_dup_title(ArtsEventItem *self);
/* A symbolic icon name for the event. */
const char *arts_event_item_get_icon_name(ArtsEventItem *self);
/* TRUE for bad news (died, failed, disconnected). */
gboolean arts_event_item_is_problem(ArtsEventItem *self);

G_END_DECLS
