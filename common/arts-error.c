/* The error domain of libarts-common and the wire names of its codes. */
#include "arts-error.h"

G_DEFINE_QUARK(arts-error-quark, arts_error)

/* Indexed by ArtsErrorCode; these nicks travel in error answers
 * ("details": {"code": "field"}), so they never change. */
static const char *const error_nicks[] = {
  [ARTS_ERROR_PARSE] = "parse",
  [ARTS_ERROR_FIELD] = "field",
  [ARTS_ERROR_UNKNOWN] = "unknown",
  [ARTS_ERROR_CONFIG] = "config",
  [ARTS_ERROR_MQTT] = "mqtt",
  [ARTS_ERROR_NOT_FOUND] = "not-found",
  [ARTS_ERROR_CONFLICT] = "conflict",
  [ARTS_ERROR_IO] = "io",
  [ARTS_ERROR_NO_FIT] = "no_fit",   /* spelled as WIRE-MODULES.md fixed it */
};

const char *arts_error_code_to_string(int code) {
  if (code < 0 || code >= (int)G_N_ELEMENTS(error_nicks))
    return "error";
  return error_nicks[code];
}

gboolean arts_error_code_from_string(const char *nick, ArtsErrorCode *out) {
  if (!nick)
    return FALSE;
  /* The two spellings of the issue 4 wire text mix '-' and '_'. */
  if (g_str_equal(nick, "not_found"))
    nick = "not-found";
  else if (g_str_equal(nick, "no-fit"))
    nick = "no_fit";
  for (guint i = 0; i < G_N_ELEMENTS(error_nicks); i++) {
    if (g_str_equal(nick, error_nicks[i])) {
      *out = (ArtsErrorCode)i;
      return TRUE;
    }
  }
  return FALSE;
}
