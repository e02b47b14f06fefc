#pragma once
#include <adwaita.h>
#include "arts-realm-model.h"

G_BEGIN_DECLS

/* The main window: the realm overview (a grid of runtime cards), the
 * realm's events, and a runtime's page, with the connection's state in
 * the header bar. One realm at a time per window. */
#define ARTS_TYPE_WINDOW (arts_window_get_type())
G_DECLARE_FINAL_TYPE(ArtsWindow, arts_window, ARTS, WINDOW,
                     AdwApplicationWindow)

ArtsWindow *arts_window_new(GtkApplication *app);
/* Drops the current realm (if any) and connects to this one. Errors (a bad
 * URL or realm name) are shown in the window and returned. */
gboolean arts_window_open_realm(ArtsWindow *self, const char *broker_url,
                                const char *realm, const char *username,
                                const char *password, const char *cafile,
                                GError **error);
/* The realm shown, or NULL. */
ArtsRealmModel *arts_window_get_model(ArtsWindow *self);
void arts_window_show_toast(ArtsWindow *self, const char *text);

G_END_DECLS
