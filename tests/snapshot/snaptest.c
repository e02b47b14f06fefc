#include "snaptest.h"

#include <stdlib.h>
#include <string.h>

int snaptest_failures;

long snaptest_sink_write(void *c, const void *b, size_t n) {
  snaptest_sink *s = c;
  if (s->len + n > s->cap) {
    s->cap = (s->len + n) * 2;
    s->buf = realloc(s->buf, s->cap);
  }
  memcpy(s->buf + s->len, b, n);
  __atomic_store_n(&s->len, s->len + n, __ATOMIC_RELEASE);
  /* The programs flush once per line: pause right after it, at the
   * same instruction in every run. */
  if (s->pause && memchr(b, '\n', n)) wasm_request_pause(s->pause);
  return (long)n;
}

static long discard(void *c, const void *b, size_t n) {
  (void)c;
  (void)b;
  return (long)n;
}

static const wasi_stream discarded = {NULL, NULL, discard};
const wasi_config snaptest_quiet = {.stdio = {NULL, &discarded, &discarded}};

uint8_t *snaptest_read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*len ? *len : 1);
  if (fread(b, 1, *len, f) != *len) *len = 0;
  fclose(f);
  return b;
}

wasm_module *snaptest_load_program(const char *path, uint8_t **bytes) {
  size_t len;
  char err[512];
  *bytes = snaptest_read_all(path, &len);
  if (!*bytes || !len) {
    fprintf(stderr, "cannot read %s\n", path);
    return NULL;
  }
  wasm_module *m = wasm_module_load(*bytes, len, NULL, err, sizeof err);
  if (!m) fprintf(stderr, "load: %s\n", err);
  return m;
}

int snaptest_end(wasm_module *m, uint8_t *bytes) {
  wasm_module_free(m);
  free(bytes);
  if (snaptest_failures) {
    fprintf(stderr, "%d checks failed\n", snaptest_failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}

uint32_t snaptest_crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78u ^ (c >> 1) : c >> 1;
  }
  return ~c;
}

void snaptest_reseal(uint8_t *b, size_t len) {
  uint32_t c = snaptest_crc32(b, len - 4);
  for (int i = 0; i < 4; i++) b[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

uint8_t *snaptest_sealed(const uint8_t *p, size_t n) {
  if (n < 4) return NULL;
  uint8_t *b = malloc(n);
  memcpy(b, p, n);
  snaptest_reseal(b, n);
  return b;
}

wasm_instance *snaptest_start(snaptest_run *run, wasm_module *m, size_t argc,
                              const char *const *argv, snaptest_sink *out) {
  char err[512];
  size_t nf;
  const wasm_host_func *f = wasi_host_funcs(&nf);
  run->out = (wasi_stream){out, NULL, snaptest_sink_write};
  wasi_config cfg = {.argc = argc, .argv = argv,
                     .stdio = {NULL, &run->out, &run->out}};
  run->w = wasi_new(&cfg, err, sizeof err);
  run->inst = wasm_instantiate(m, f, nf, run->w, NULL, err, sizeof err);
  return run->inst;
}

int snaptest_restore(snaptest_run *run, wasm_snapshot *s, wasm_module *m,
                     snaptest_sink *out, char *err, size_t errlen) {
  size_t hlen, nf;
  const uint8_t *h = wasm_snapshot_host_state(s, NULL, &hlen);
  run->out = (wasi_stream){out, NULL, snaptest_sink_write};
  wasi_config cfg = {.stdio = {NULL, &run->out, &run->out}};
  run->inst = NULL;
  run->w = wasi_restore(h, hlen, &cfg, err, errlen);
  if (!run->w) return -1;
  const wasm_host_func *f = wasi_host_funcs(&nf);
  run->inst = wasm_snapshot_instantiate(s, m, f, nf, run->w, NULL, err,
                                        errlen);
  return run->inst ? 0 : -1;
}

void snaptest_run_free(snaptest_run *run) {
  wasm_instance_free(run->inst);
  wasi_free(run->w);
  memset(run, 0, sizeof *run);
}

void snaptest_fuzz_run(wasm_snapshot *s, wasm_module *m,
                       void (*check)(const wasm_instance *inst)) {
  char err[512];
  wasi_ctx *w = wasi_new(&snaptest_quiet, err, sizeof err);
  size_t nf;
  const wasm_host_func *f = wasi_host_funcs(&nf);
  wasm_limits lim = {.max_memory = 16 << 20, .max_frames = 500,
                     .max_stack_slots = 1 << 16};
  wasm_instance *inst = wasm_snapshot_instantiate(s, m, f, nf, w, &lim, err,
                                                  sizeof err);
  if (inst) {
    if (check) check(inst);
    wasm_set_fuel(inst, 20000);
    wasm_resume(inst);
    wasm_instance_free(inst);
  }
  wasi_free(w);
}
