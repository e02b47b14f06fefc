/* User properties of the binary messages (output, snapshots) and output
 * offsets. Properties come from the network: parsed strictly. */
#include <string.h>
#include "arts-error.h"
#include "arts-protocol-private.h"
#include "arts-stream.h"

gboolean arts_parse_offset(const char *s, gint64 *out) {
  gint64 v = 0;
  gsize n = 0;
  if (!s)
    return FALSE;
  for (; s[n]; n++) {
    if (!g_ascii_isdigit(s[n]))
      return FALSE;
    int d = s[n] - '0';
    if (v > (G_MAXINT64 - d) / 10)
      return FALSE;
    v = v * 10 + d;
  }
  if (n == 0)
    return FALSE;
  *out = v;
  return TRUE;
}

/* The single value of property NAME, NULL when absent; FALSE when it is
 * there more than once. */
static gboolean prop_get(const ArtsMqttProp *props, guint n, const char *name,
                         const char **value, GError **error) {
  *value = NULL;
  for (guint i = 0; i < n; i++) {
    if (!props[i].name || strcmp(props[i].name, name) != 0)
      continue;
    if (*value) {
      g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                  "user property %s: given more than once", name);
      return FALSE;
    }
    *value = props[i].value ? props[i].value : "";
  }
  return TRUE;
}

static gboolean prop_offset(const ArtsMqttProp *props, guint n,
                            const char *name, gint64 *out, GError **error) {
  const char *v;
  if (!prop_get(props, n, name, &v, error))
    return FALSE;
  if (!v) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "user property %s: missing", name);
    return FALSE;
  }
  if (!arts_parse_offset(v, out)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "user property %s: expected a decimal byte offset", name);
    return FALSE;
  }
  return TRUE;
}

void arts_output_props_init(ArtsOutputProps *p, gint64 offset, int fd) {
  g_snprintf(p->offset, sizeof p->offset, "%" G_GINT64_FORMAT,
             offset < 0 ? 0 : offset);
  g_snprintf(p->fd, sizeof p->fd, "%d", fd == 2 ? 2 : 1);
  p->props[0] = (ArtsMqttProp){ ARTS_PROP_OFFSET, p->offset };
  p->props[1] = (ArtsMqttProp){ ARTS_PROP_FD, p->fd };
}

gboolean arts_output_props_parse(const ArtsMqttProp *props, guint n_props,
                                 gint64 *offset, int *fd, GError **error) {
  const char *f;
  if (!prop_offset(props, n_props, ARTS_PROP_OFFSET, offset, error) ||
      !prop_get(props, n_props, ARTS_PROP_FD, &f, error))
    return FALSE;
  if (!f || g_str_equal(f, "1")) {
    *fd = 1;
  } else if (g_str_equal(f, "2")) {
    *fd = 2;
  } else {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "user property fd: expected \"1\" or \"2\"");
    return FALSE;
  }
  return TRUE;
}

const char *arts_snapshot_kind_to_string(ArtsSnapshotKind k) {
  return k == ARTS_SNAPSHOT_CHECKPOINT ? "checkpoint"
         : k == ARTS_SNAPSHOT_PRECOPY  ? "precopy"
                                       : "migration";
}

void arts_snapshot_props_init(ArtsSnapshotProps *p, ArtsSnapshotKind kind,
                              const char *migration, gint64 stdout_offset) {
  g_snprintf(p->stdout_offset, sizeof p->stdout_offset, "%" G_GINT64_FORMAT,
             stdout_offset < 0 ? 0 : stdout_offset);
  p->props[0] = (ArtsMqttProp){ ARTS_PROP_KIND,
                                arts_snapshot_kind_to_string(kind) };
  p->props[1] = (ArtsMqttProp){ ARTS_PROP_STDOUT_OFFSET, p->stdout_offset };
  p->n_props = 2;
  if (migration) {
    g_strlcpy(p->migration, migration, sizeof p->migration);
    p->props[2] = (ArtsMqttProp){ ARTS_PROP_MIGRATION, p->migration };
    p->n_props = 3;
  }
}

void arts_snapshot_props_add(ArtsSnapshotProps *p, guint migrations,
                             gboolean delta) {
  g_snprintf(p->migrations, sizeof p->migrations, "%u", migrations);
  p->props[p->n_props++] = (ArtsMqttProp){ ARTS_PROP_MIGRATIONS,
                                           p->migrations };
  if (delta)
    p->props[p->n_props++] = (ArtsMqttProp){ ARTS_PROP_BASE,
                                             ARTS_BASE_PRECOPY };
}

gboolean arts_snapshot_props_parse_extra(const ArtsMqttProp *props,
                                         guint n_props, gint64 *migrations,
                                         gboolean *delta, GError **error) {
  const char *base, *count;
  if (!prop_get(props, n_props, ARTS_PROP_MIGRATIONS, &count, error) ||
      !prop_get(props, n_props, ARTS_PROP_BASE, &base, error))
    return FALSE;
  *migrations = -1;
  if (count && !arts_parse_offset(count, migrations)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "user property migrations: expected a decimal count");
    return FALSE;
  }
  if (base && !g_str_equal(base, ARTS_BASE_PRECOPY)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "user property base: expected \"precopy\"");
    return FALSE;
  }
  *delta = base != NULL;
  return TRUE;
}

gboolean arts_snapshot_props_parse(const ArtsMqttProp *props, guint n_props,
                                   ArtsSnapshotKind *kind, char **migration,
                                   gint64 *stdout_offset, GError **error) {
  const char *k, *mig;
  *migration = NULL;
  if (!prop_get(props, n_props, ARTS_PROP_KIND, &k, error) ||
      !prop_get(props, n_props, ARTS_PROP_MIGRATION, &mig, error))
    return FALSE;
  if (k && g_str_equal(k, "migration")) {
    *kind = ARTS_SNAPSHOT_MIGRATION;
  } else if (k && g_str_equal(k, "checkpoint")) {
    *kind = ARTS_SNAPSHOT_CHECKPOINT;
  } else if (k && g_str_equal(k, "precopy")) {
    *kind = ARTS_SNAPSHOT_PRECOPY;
  } else {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        k ? "user property kind: expected \"migration\", "
                            "\"checkpoint\" or \"precopy\""
                          : "user property kind: missing");
    return FALSE;
  }
  if (mig && !arts_token_is_valid(mig)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "user property migration: expected 1..128 of "
                        "A-Z a-z 0-9 _ - . :");
    return FALSE;
  }
  if (!mig && *kind != ARTS_SNAPSHOT_CHECKPOINT) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "user property migration: missing");
    return FALSE;
  }
  const char *off;
  if (!prop_get(props, n_props, ARTS_PROP_STDOUT_OFFSET, &off, error))
    return FALSE;
  *stdout_offset = -1;
  if (off && !prop_offset(props, n_props, ARTS_PROP_STDOUT_OFFSET,
                          stdout_offset, error))
    return FALSE;
  *migration = g_strdup(mig);
  return TRUE;
}

gsize arts_output_accept(gint64 *next, gint64 offset, gsize len,
                         gint64 *gap) {
  gint64 end = offset > G_MAXINT64 - (gint64)len ? G_MAXINT64
                                                 : offset + (gint64)len;
  *gap = 0;
  if (end <= *next)
    return len;
  if (offset > *next) {
    *gap = offset - *next;
    *next = end;
    return 0;
  }
  gsize skip = (gsize)(*next - offset);
  *next = end;
  return skip;
}
