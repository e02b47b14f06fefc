/* Reading stdin: each line echoed upper-cased with a running checksum;
 * totals at end of input. Snapshots land while it waits for input. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  char line[1024];
  unsigned long n = 0, bytes = 0;
  uint32_t sum = 0;
  while (fgets(line, sizeof line, stdin)) {
    n++;
    for (char *p = line; *p; p++) {
      sum = sum * 33 + (unsigned char)*p;
      bytes++;
      *p = (char)toupper((unsigned char)*p);
    }
    printf("%lu %08x %s", n, sum, line);
    fflush(stdout);
  }
  printf("lines %lu bytes %lu sum %08x\n", n, bytes, sum);
  return 0;
}
