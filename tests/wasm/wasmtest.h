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

/* The program named by the one argument: its first 64 KiB (malloc'd; the
 * test programs are smaller), or NULL after saying why (usage with WHAT
 * for the file, or perror). */
uint8_t *wasmtest_program(int argc, char **argv, const char *what,
                          size_t *len);

/* Prints "ok" or "FAILED": main's exit status. */
int wasmtest_verdict(void);

#endif
