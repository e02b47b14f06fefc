/* What the protocol decoders' tests share: the sample uuids, parsing a
 * JSON object that must be valid, random damage to a message, and the
 * table of inputs each decoder must refuse with an exact error. */
#ifndef PROTOTEST_H
#define PROTOTEST_H

#include "arts-common.h"

#define RT_UUID "3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6b"
#define MOD_UUID "2222aaaa-bbbb-4ccc-8ddd-eeeeffff0000"

/* JSON, which must parse as an object. */
JsonObject *prototest_parse(const char *json);

/* A copy of BASE (LEN bytes) with 1 to 3 bytes set to random values. */
char *prototest_damage(GRand *rand, const char *base, gsize len);

/* An input that decoder KIND (the test's own numbering) must refuse with
 * error CODE and exactly MESSAGE. */
typedef struct {
  int kind;
  const char *json;
  int code;
  const char *message;
} ProtoBadCase;

/* Decodes JSON as KIND: NULL when accepted, else the error. */
typedef GError *(*ProtoDecode)(int kind, const char *json);

/* Every case of CASES through DECODE; aborts the test at the first one
 * accepted or refused with another error. */
void prototest_bad_cases(const ProtoBadCase *cases, guint n,
                         ProtoDecode decode);

#endif
