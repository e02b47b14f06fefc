/* An instance for the snapshot benchmark: linear memory grown to 64 MiB,
 * one 4 KiB chunk in ten written (10% touched), then "ready" and a spin
 * that a pause interrupts at a loop back-edge. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  size_t have = __builtin_wasm_memory_size(0);
  if (have < 1024) __builtin_wasm_memory_grow(0, 1024 - have);
  uint8_t *mem = (uint8_t *)0;
  size_t touched = 0;
  /* Chunks of the grown memory above what libc uses: the first 1 MiB is
   * left to libc (its own data is in there and counts as touched). */
  for (size_t c = 256; c < 16384; c += 10) {
    uint8_t *p = mem + c * 4096;
    for (size_t i = 0; i < 4096; i += 8) *(volatile uint64_t *)(p + i) = c * 4096 + i + 1;
    touched++;
  }
  printf("ready %zu KiB touched of %zu KiB\n", touched * 4,
         (size_t)__builtin_wasm_memory_size(0) * 64);
  fflush(stdout);
  volatile uint64_t spin = 0;
  for (;;) spin++;
}
