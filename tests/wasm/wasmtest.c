#include "wasmtest.h"

#include <stdlib.h>
#include <string.h>

int wasmtest_failures;

uint8_t *wasmtest_program(int argc, char **argv, const char *what,
                          size_t *len)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s %s\n", argv[0], what);
    return NULL;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return NULL;
  }
  static uint8_t buf[1 << 16];
  *len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  uint8_t *out = malloc(*len ? *len : 1);
  memcpy(out, buf, *len);
  return out;
}

int wasmtest_verdict(void)
{
  printf("%s\n", wasmtest_failures ? "FAILED" : "ok");
  return wasmtest_failures ? 1 : 0;
}
