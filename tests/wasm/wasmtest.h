/* What the engine's unit tests share: a check that counts failures and
 * says why, reading the test program, and the verdict. */
#ifndef WASMTEST_H
#define WASMTEST_H

#include <stdint.h>
#include <stdio.h>

extern int wasmtest_failures;

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond)) {                                                      \
      wasmtest_failures++;                                              \
      fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                     \
      fputc('\n', stderr);                                              \
    }                                                                   \
  } while (0)

/* PATH's first 64 KiB (malloc'd; the test programs are smaller), or NULL
 * after perror. */
uint8_t *wasmtest_read(const char *path, size_t *len);

/* Prints "ok" or "FAILED": main's exit status. */
int wasmtest_verdict(void);

#endif
