/* Execution: limits end in clear traps, a pause requested from another
 * thread lands, and a paused call's frames saved from one instance and
 * restored into a fresh one finish with the uninterrupted result;
 * restore refuses frames that do not fit the module.
 *
 * usage: test-wasm-exec EXEC.wasm */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "endian-private.h"
#include "engine-private.h"
#include "wasm-host.h"
#include "wasmtest.h"

static wasm_module *mod;

static wasm_instance *fresh(const wasm_limits *lim)
{
  char err[256];
  wasm_instance *inst = wasm_instantiate(mod, NULL, 0, NULL, lim, err,
                                         sizeof err);
  if (!inst) {
    fprintf(stderr, "instantiate: %s\n", err);
    exit(1);
  }
  return inst;
}

static uint64_t result0(wasm_instance *inst)
{
  uint64_t r = 0;
  wasm_results(inst, &r, 1);
  return r;
}

static void *pauser(void *arg)
{
  struct timespec ts = {0, 5 * 1000 * 1000};
  nanosleep(&ts, NULL);
  wasm_request_pause(arg);
  return NULL;
}

static void test_limits(void)
{
  wasm_instance *inst = fresh(NULL);
  uint64_t arg = 0;
  CHECK(wasm_invoke(inst, "down", &arg, 1) == WASM_TRAPPED, "recursion");
  CHECK(strcmp(wasm_trap_message(inst), "call stack exhausted") == 0, "%s",
        wasm_trap_message(inst));
  /* the instance is usable after a trap */
  arg = 20;
  CHECK(wasm_invoke(inst, "fib", &arg, 1) == WASM_FINISHED, "fib");
  CHECK(result0(inst) == 6765, "fib(20) = %llu",
        (unsigned long long)result0(inst));
  CHECK(wasm_fuel_used(inst) > 6765, "fuel %llu",
        (unsigned long long)wasm_fuel_used(inst));
  wasm_instance_free(inst);

  wasm_limits lim = {.fuel = 100000};
  inst = fresh(&lim);
  CHECK(wasm_invoke(inst, "spin", NULL, 0) == WASM_TRAPPED, "spin");
  CHECK(strcmp(wasm_trap_message(inst), "out of fuel") == 0, "%s",
        wasm_trap_message(inst));
  CHECK(wasm_fuel_used(inst) <= 100000 && wasm_fuel_used(inst) > 99000,
        "fuel used %llu", (unsigned long long)wasm_fuel_used(inst));
  wasm_instance_free(inst);

  wasm_limits small = {.max_memory = 4 * 65536, .max_frames = 100};
  inst = fresh(&small);
  arg = 3;
  CHECK(wasm_invoke(inst, "grow", &arg, 1) == WASM_FINISHED, "grow 3");
  CHECK(result0(inst) == 1, "grow 3 -> %llu",
        (unsigned long long)result0(inst));
  arg = 1;
  CHECK(wasm_invoke(inst, "grow", &arg, 1) == WASM_FINISHED, "grow 1");
  CHECK(result0(inst) == UINT32_MAX, "grow over the cap -> %llu",
        (unsigned long long)result0(inst));
  arg = 0;
  CHECK(wasm_invoke(inst, "down", &arg, 1) == WASM_TRAPPED, "100 frames");
  wasm_instance_free(inst);
}

/* Pauses FN(ARG) from another thread, moves its frames (and the global
 * they change) into a fresh instance, and finishes there. */
static void test_move(const char *fn, uint64_t arg, uint64_t want)
{
  /* the uninterrupted run's instruction count */
  wasm_instance *ref = fresh(NULL);
  CHECK(wasm_invoke(ref, fn, &arg, 1) == WASM_FINISHED, "%s", fn);
  uint64_t ref_fuel = wasm_fuel_used(ref);
  wasm_instance_free(ref);

  wasm_instance *a = fresh(NULL);
  pthread_t th;
  pthread_create(&th, NULL, pauser, a);
  wasm_result r = wasm_invoke(a, fn, &arg, 1);
  pthread_join(th, NULL);
  CHECK(r == WASM_PAUSED, "%s did not pause (%d)", fn, r);
  if (r != WASM_PAUSED) {
    wasm_instance_free(a);
    return;
  }
  uint32_t n = wasm_exec_frame_count(a);
  CHECK(n >= 1, "no frames");
  wasm_frame_info *info = calloc(n, sizeof *info);
  uint64_t **slots = calloc(n, sizeof *slots);
  for (uint32_t i = 0; i < n; i++) {
    CHECK(wasm_exec_frame(a, i, &info[i], NULL, NULL), "frame %u", i);
    slots[i] = calloc(info[i].nslots + 1, sizeof **slots);
    CHECK(wasm_exec_frame(a, i, &info[i], slots[i], NULL), "frame %u", i);
    uint32_t ns;
    CHECK(wasm_exec_frame_layout(mod, info[i].func, info[i].wasm_pc,
                                 i == n - 1, &ns, NULL) && ns == info[i].nslots,
          "layout of frame %u", i);
  }
  wasm_instance *b = fresh(NULL);
  b->globals[0]->v[0] = a->globals[0]->v[0];
  b->fuel_used = a->fuel_used;
  char err[256];
  /* a wrong pc and a wrong slot count are refused, changing nothing */
  wasm_frame_info bad = info[n - 1];
  bad.wasm_pc += 1;
  wasm_frame_info *copy = calloc(n, sizeof *copy);
  memcpy(copy, info, n * sizeof *info);
  copy[n - 1] = bad;
  CHECK(wasm_exec_restore(b, copy, (const uint64_t *const *)slots, n, err,
                          sizeof err) < 0, "bad pc restored");
  copy[n - 1] = info[n - 1];
  copy[0].nslots += 1;
  CHECK(wasm_exec_restore(b, copy, (const uint64_t *const *)slots, n, err,
                          sizeof err) < 0, "bad slot count restored");
  CHECK(!wasm_is_paused(b), "refused restore left state");
  CHECK(wasm_exec_restore(b, info, (const uint64_t *const *)slots, n, err,
                          sizeof err) == 0, "restore: %s", err);
  r = wasm_resume(b);
  CHECK(r == WASM_FINISHED, "resume %s: %d %s", fn, r, wasm_trap_message(b));
  CHECK(result0(b) == want, "%s = %llu, want %llu", fn,
        (unsigned long long)result0(b), (unsigned long long)want);
  CHECK(wasm_fuel_used(b) == ref_fuel, "%s: fuel %llu after the move, %llu "
        "without", fn, (unsigned long long)wasm_fuel_used(b),
        (unsigned long long)ref_fuel);
  printf("%s: moved %u frames\n", fn, n);
  for (uint32_t i = 0; i < n; i++)
    free(slots[i]);
  free(slots);
  free(info);
  free(copy);
  wasm_instance_free(a);
  wasm_instance_free(b);
}

/* FN(ARGS) run to the end on INST: its first result. */
static uint64_t call(wasm_instance *inst, const char *fn, uint64_t *args,
                     size_t nargs)
{
  CHECK(wasm_invoke(inst, fn, args, nargs) == WASM_FINISHED, "%s", fn);
  return result0(inst);
}

/* Byte order with known patterns, so that a build for a big-endian host
 * fails here: the helpers, memory seen from the host and from loads, and
 * v128 lanes, constants, shuffles and stores by lane number. */
static void test_byte_order(void)
{
  const uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t o[8];
  CHECK(le_get16(b) == 0x0201 && le_get32(b) == 0x04030201 &&
        le_get64(b) == 0x0807060504030201ull, "le_get");
  CHECK(le_getn(b + 1, 1) == 2 && le_getn(b, 2) == 0x0201, "le_getn");
  le_put64(o, 0x0807060504030201ull);
  CHECK(memcmp(o, b, 8) == 0, "le_put64");
  le_put32(o, 0x0d0c0b0a);
  le_put16(o + 4, 0x0f0e);
  CHECK(o[0] == 0x0a && o[3] == 0x0d && o[4] == 0x0e && o[5] == 0x0f,
        "le_put32/16");

  wasm_instance *inst = fresh(NULL);
  uint64_t size, a[2] = {8, 0x0807060504030201ull};
  call(inst, "store64", a, 2);
  const uint8_t *mem = wasm_host_memory(inst, &size);
  CHECK(mem && memcmp(mem + 8, b, 8) == 0, "i64.store is not little-endian");
  a[0] = 9;
  CHECK(call(inst, "load32", a, 1) == 0x05040302, "i32.load");
  a[0] = 32;
  a[1] = 0xfffe;
  call(inst, "store64", a, 2);
  CHECK(call(inst, "load16s", a, 1) == 0xfffffffe, "i32.load16_s");
  a[0] = 16;
  call(inst, "v128store", a, 1);
  for (int i = 0; mem && i < 16; i++)
    CHECK(mem[16 + i] == i, "v128.store byte %d", i);
  CHECK(call(inst, "lane16", a, 1) == 0x0302, "i16x8 lane 1 of memory");
  CHECK(call(inst, "lane64", NULL, 0) == 0x0f0e0d0c0b0a0908ull,
        "i64x2 lane 1 of a constant");
  CHECK(call(inst, "shuffle", NULL, 0) == 0x0c0d0e0f, "i8x16.shuffle");
  wasm_instance_free(inst);
}

int main(int argc, char **argv)
{
  size_t len;
  uint8_t *buf = wasmtest_program(argc, argv, "EXEC.wasm", &len);
  if (!buf) return 2;
  char err[256];
  mod = wasm_module_load(buf, len, NULL, err, sizeof err);
  if (!mod) {
    fprintf(stderr, "load: %s\n", err);
    return 1;
  }
  test_limits();
  test_byte_order();
  /* sum(n) = n(n+1)/2; each run lasts well over the 5 ms before the pause */
  test_move("sum", 10000000, 10000000ull * 10000001ull / 2);
  test_move("fib", 32, 2178309);
  test_move("ifib", 32, 2178309);
  wasm_module_free(mod);
  free(buf);
  return wasmtest_verdict();
}
