#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Errors of libarts-common: protocol decoding, configuration, MQTT. Each
 * message names the offending field ("data.uuid: expected a string"). */
#define ARTS_ERROR (arts_error_quark())
GQuark arts_error_quark(void);

typedef enum {
  ARTS_ERROR_PARSE,        /* not JSON, not an object, too large */
  ARTS_ERROR_FIELD,        /* a field missing, mistyped or out of range */
  ARTS_ERROR_UNKNOWN,      /* unknown action, type or field */
  ARTS_ERROR_CONFIG,       /* bad configuration or command line */
  ARTS_ERROR_MQTT,         /* broker unreachable, refused, publish failed */
  ARTS_ERROR_NOT_FOUND,    /* no such runtime/module/program */
  ARTS_ERROR_CONFLICT,     /* duplicate uuid or name, wrong owner */
  ARTS_ERROR_IO,           /* files, SQLite */
  ARTS_ERROR_NO_FIT,       /* no runtime can take the module (says why) */
} ArtsErrorCode;

/* The code's name on the wire ("parse", "field", "unknown", "config",
 * "mqtt", "not-found", "conflict", "io", "no_fit"); "error" for anything
 * else. Decoding also accepts "not_found" and "no-fit". */
const char *arts_error_code_to_string(int code);
gboolean arts_error_code_from_string(const char *nick, ArtsErrorCode *out);

G_END_DECLS
