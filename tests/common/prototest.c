#include "prototest.h"

#include <string.h>

JsonObject *prototest_parse(const char *json) {
  g_autoptr(GError) err = NULL;
  JsonObject *o = arts_json_parse_object(json, strlen(json), &err);
  g_assert_no_error(err);
  return o;
}

char *prototest_damage(GRand *rand, const char *base, gsize len) {
  char *m = g_memdup2(base, len);
  int n = g_rand_int_range(rand, 1, 4);
  for (int k = 0; k < n; k++)
    m[g_rand_int_range(rand, 0, (gint32)len)] =
        (char)g_rand_int_range(rand, 0, 256);
  return m;
}

void prototest_bad_cases(const ProtoBadCase *cases, guint n,
                         ProtoDecode decode) {
  for (guint i = 0; i < n; i++) {
    const ProtoBadCase *c = &cases[i];
    g_autoptr(GError) err = decode(c->kind, c->json);
    if (!err)
      g_error("case %u accepted: %s", i, c->json);
    if (!g_error_matches(err, ARTS_ERROR, c->code) ||
        !g_str_equal(err->message, c->message))
      g_error("case %u: %s\n  got (%d) %s\n  want (%d) %s", i, c->json,
              err->code, err->message, c->code, c->message);
  }
}
