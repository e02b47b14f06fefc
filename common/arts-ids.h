#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* A new random RFC 4122 version-4 uuid, lowercase. */
char *arts_uuid_new(void);
/* TRUE when S is a canonical 36-character uuid (any version). */
gboolean arts_uuid_is_valid(const char *s);
/* Wall-clock time in milliseconds since the Unix epoch. */
gint64 arts_now_ms(void);

G_END_DECLS
