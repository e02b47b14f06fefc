/* The topic tree under "{realm}/proc/". */
#include <string.h>
#include "arts-topics.h"

char *arts_topic(const char *realm, const char *leaf, const char *id) {
  if (id)
    return g_strdup_printf("%s/proc/%s/%s", realm, leaf, id);
  return g_strdup_printf("%s/proc/%s", realm, leaf);
}

char *arts_topic_state(const char *realm, const char *kind, const char *uuid) {
  return g_strdup_printf("%s/proc/%s/%s/%s", realm, ARTS_TOPIC_STATE, kind,
                         uuid);
}

gboolean arts_topic_parse(const char *realm, const char *topic, char **leaf,
                          char **rest) {
  *leaf = NULL;
  if (rest)
    *rest = NULL;
  if (!realm || !topic)
    return FALSE;
  gsize rlen = strlen(realm);
  if (strncmp(topic, realm, rlen) != 0 ||
      strncmp(topic + rlen, "/proc/", 6) != 0)
    return FALSE;
  const char *p = topic + rlen + 6;
  const char *slash = strchr(p, '/');
  gsize llen = slash ? (gsize)(slash - p) : strlen(p);
  if (llen == 0)
    return FALSE;
  *leaf = g_strndup(p, llen);
  if (rest && slash)
    *rest = g_strdup(slash + 1);
  return TRUE;
}

gboolean arts_realm_is_valid(const char *realm) {
  if (!realm || !*realm)
    return FALSE;
  gsize n = 0;
  for (const char *p = realm; *p; p++, n++) {
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
      return FALSE;
  }
  return n <= 64;
}
