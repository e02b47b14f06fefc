/* Identifiers and clocks. */
#include "arts-ids.h"

char *arts_uuid_new(void) {
  return g_uuid_string_random();
}

/* Canonical 8-4-4-4-12 hex form; either case, since older ARTS clients
 * may print uuids in upper case. */
gboolean arts_uuid_is_valid(const char *s) {
  if (!s)
    return FALSE;
  for (int i = 0; i < 36; i++) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-')
        return FALSE;
    } else if (!g_ascii_isxdigit(c)) {
      return FALSE;   /* also stops at a short string's NUL */
    }
  }
  return s[36] == '\0';
}

gint64 arts_now_ms(void) {
  return g_get_real_time() / 1000;
}
