#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

/* Preferences: style (follow the system, light, dark), startup, history
 * range, and the saved realms (forget one, with its password). */
#define ARTS_TYPE_PREFERENCES_WINDOW (arts_preferences_window_get_type())
G_DECLARE_FINAL_TYPE(ArtsPreferencesWindow, arts_preferences_window, ARTS,
                     PREFERENCES_WINDOW, AdwPreferencesWindow)

ArtsPreferencesWindow *arts_preferences_window_new(GtkWindow *parent);

G_END_DECLS
