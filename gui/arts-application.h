#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

/* The application: app.* actions (preferences, about, quit), the style
 * preference, and the command line (--broker URL --realm NAME opens that
 * realm at once). */
#define ARTS_TYPE_APPLICATION (arts_application_get_type())
G_DECLARE_FINAL_TYPE(ArtsApplication, arts_application, ARTS, APPLICATION,
                     AdwApplication)

#define ARTS_APPLICATION_ID "org.arts.Dashboard"

/* FLAGS: G_APPLICATION_NON_UNIQUE for tests, G_APPLICATION_DEFAULT_FLAGS
 * otherwise (a second launch opens its window in the first process). */
ArtsApplication *arts_application_new(GApplicationFlags flags);

G_END_DECLS
