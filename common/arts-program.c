/* Program ids and the first checks on program bytes. */
#include <errno.h>
#include <sys/stat.h>
#include <string.h>
#include <glib/gstdio.h>
#include "arts-error.h"
#include "arts-program.h"

char *arts_sha256_hex(const void *data, gsize len) {
  /* g_compute_checksum_for_data() gives lower-case hex already. */
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                     len ? data : (const guchar *)"", len);
}

gboolean arts_sha256_is_valid(const char *s) {
  gsize n = 0;
  if (!s)
    return FALSE;
  for (; s[n]; n++)
    if (!g_ascii_isdigit(s[n]) && !(s[n] >= 'a' && s[n] <= 'f'))
      return FALSE;
  return n == 64;
}

gboolean arts_wasm_check(const void *data, gsize len, GError **error) {
  static const guint8 header[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
  if (len > ARTS_MAX_PROGRAM) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "program too large: %" G_GSIZE_FORMAT " bytes (limit %d)",
                len, ARTS_MAX_PROGRAM);
    return FALSE;
  }
  if (len < 4 || memcmp(data, header, 4) != 0) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "not a WebAssembly module (no \\0asm magic)");
    return FALSE;
  }
  if (len < 8 || memcmp((const guint8 *)data + 4, header + 4, 4) != 0) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "unsupported WebAssembly version (expected 1)");
    return FALSE;
  }
  return TRUE;
}

gboolean arts_program_check(const char *sha256, const void *data, gsize len,
                            GError **error) {
  g_autofree char *want = sha256 ? g_ascii_strdown(sha256, -1) : NULL;
  if (!arts_sha256_is_valid(want)) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                        "program id: expected 64 hexadecimal digits");
    return FALSE;
  }
  if (!arts_wasm_check(data, len, error))
    return FALSE;
  g_autofree char *got = arts_sha256_hex(data, len);
  if (!g_str_equal(got, want)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "program bytes hash to %s, not %s", got, want);
    return FALSE;
  }
  return TRUE;
}

GBytes *arts_program_read(const char *path, char **sha256, GError **error) {
  GStatBuf st;
  if (sha256)
    *sha256 = NULL;
  if (g_stat(path, &st) != 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s: %s", path,
                g_strerror(errno));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s: not a regular file",
                path);
    return NULL;
  }
  /* Checked before reading, so that a huge file is not loaded at all. */
  if (st.st_size > ARTS_MAX_PROGRAM) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "%s: program too large: %" G_GINT64_FORMAT " bytes (limit "
                "%d)", path, (gint64)st.st_size, ARTS_MAX_PROGRAM);
    return NULL;
  }
  char *data;
  gsize len;
  GError *local = NULL;
  if (!g_file_get_contents(path, &data, &len, &local)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s: %s", path,
                local->message);
    g_error_free(local);
    return NULL;
  }
  if (!arts_wasm_check(data, len, &local)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD, "%s: %s", path,
                local->message);
    g_error_free(local);
    g_free(data);
    return NULL;
  }
  if (sha256)
    *sha256 = arts_sha256_hex(data, len);
  return g_bytes_new_take(data, len);
}
