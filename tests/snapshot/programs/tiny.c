/* A small WASI module (no libc start files) for the restore fuzzer's
 * corpus: a loop through function pointers (call_indirect), recursion and
 * memory writes, printing with fd_write; never ends by itself. Built with
 * clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--strip-all. */
#include <stdint.h>
#include <wasi/api.h>

static uint32_t cells[1024];
static uint32_t f1(uint32_t x) { return x * 3 + 1; }
static uint32_t f2(uint32_t x) { return x ^ (x >> 3); }
static uint32_t (*const ops[])(uint32_t) = {f1, f2};

__attribute__((noinline)) static uint32_t down(uint32_t n, uint32_t x) {
  return n ? down(n - 1, ops[n & 1](x)) + 1 : x;
}

void _start(void) {
  static const char msg[] = "tick\n";
  for (uint32_t i = 0;; i++) {
    cells[i & 1023] = down(20 + (i & 7), i);
    if ((i & 0xffff) == 0) {
      __wasi_ciovec_t v = {(const uint8_t *)msg, sizeof msg - 1};
      __wasi_size_t n;
      (void)__wasi_fd_write(1, &v, 1, &n);
    }
  }
}
