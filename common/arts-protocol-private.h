#pragma once
/* Decoding helpers shared by the protocol files of common/ (arts-protocol.c,
 * arts-modules.c). Like the public arts_json_get_*(), each names PATH.FIELD
 * in its error and treats JSON null as absent unless REQUIRED. */
#include "arts-protocol.h"

G_BEGIN_DECLS

char *arts_field_path(const char *path, const char *field);
void arts_field_error(GError **error, int code, const char *path,
                      const char *field, const char *what);
/* A string of MIN..MAX bytes. */
gboolean arts_json_get_string_len(JsonObject *o, const char *path,
                                  const char *field, gboolean required,
                                  gsize min, gsize max, char **out,
                                  GError **error);
/* A uuid, returned in lower case. */
gboolean arts_json_get_uuid(JsonObject *o, const char *path,
                            const char *field, gboolean required, char **out,
                            GError **error);
/* A runtime or module named by uuid (returned in lower case) or by name
 * (1..255 bytes, no control characters). */
gboolean arts_json_get_ref(JsonObject *o, const char *path, const char *field,
                           gboolean required, char **out, GError **error);
/* An id such as a migration's: 1..128 of [A-Za-z0-9_-.:] (a uuid, or
 * whatever the orchestrator makes; safe in topics and properties). */
gboolean arts_json_get_token(JsonObject *o, const char *path,
                             const char *field, gboolean required, char **out,
                             GError **error);
gboolean arts_token_is_valid(const char *s);
/* One of CHOICES; *field_value keeps its default when absent. */
gboolean arts_json_get_choice(JsonObject *o, const char *path,
                              const char *field, const char *const *choices,
                              char **field_value, GError **error);
/* data.type, when present (or always, with REQUIRED), equals EXPECTED. */
gboolean arts_json_check_type(JsonObject *o, const char *path,
                              const char *expected, gboolean required,
                              GError **error);
/* A lower-case word of [a-z0-9_] of 1..MAX bytes. */
gboolean arts_is_word(const char *s, gsize max);
/* An exit code: null/absent leaves *has FALSE; else a WASI exit status
 * (-2^31 .. 2^32-1). */
gboolean arts_json_get_exit_code(JsonObject *o, const char *path,
                                 const char *field, gboolean *has,
                                 gint64 *out, GError **error);
/* A module state by name; absent leaves *out unchanged. */
gboolean arts_json_get_module_state(JsonObject *o, const char *path,
                                    const char *field, gboolean required,
                                    ArtsModuleState *out, GError **error);
JsonObject *arts_json_object_copy(JsonObject *o);

G_END_DECLS
