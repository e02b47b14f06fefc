/* Engine measurements that need the engine's API rather than a process:
 *
 *   engine-bench fuel PROG.wasm [ARGS...]
 *     runs PROG compiled with and without fuel counting (best of three
 *     each, interleaved) and prints "fuel_on_s X" and "fuel_off_s Y"
 *     (stdout of PROG discarded).
 *   engine-bench snapshot TOUCH.wasm
 *     runs the 64 MiB / 10%-touched instance until it is ready, then
 *     prints the pause latency, the snapshot time (WASI state + instance
 *     into a buffer, then to a file), its size, and the restore time
 *     (parse + module load, WASI restore + instantiate + state) in ms. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"
#include "wasi.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*len);
  if (b && fread(b, 1, *len, f) != *len) *len = 0;
  fclose(f);
  return b;
}

static volatile int ready;
static long discard(void *c, const void *b, size_t n) {
  (void)c;
  if (memchr(b, '\n', n)) ready = 1;
  return (long)n;
}

static int die(const char *what, const char *err) {
  fprintf(stderr, "engine-bench: %s: %s\n", what, err);
  return 1;
}

static double run_once(const uint8_t *bytes, size_t len, bool fuel, int argc,
                       char **argv, int *rc) {
  char err[512];
  wasm_load_options opt = {.no_fuel = !fuel};
  wasi_stream out = {NULL, NULL, discard};
  wasi_config cfg = {.argc = (size_t)argc, .argv = (const char *const *)argv,
                     .stdio = {NULL, &out, &out}};
  double t0 = now();
  wasm_module *m = wasm_module_load(bytes, len, &opt, err, sizeof err);
  if (!m) return die("load", err), -1;
  wasi_ctx *w = wasi_new(&cfg, err, sizeof err);
  size_t nf;
  const wasm_host_func *f = wasi_host_funcs(&nf);
  wasm_instance *inst = wasm_instantiate(m, f, nf, w, NULL, err, sizeof err);
  if (!inst) return die("instantiate", err), -1;
  wasm_result r = wasm_invoke(inst, "_start", NULL, 0);
  *rc = r == WASM_FINISHED ? 0 : r == WASM_EXITED ? wasm_exit_status(inst) : -1;
  double t = now() - t0;
  wasm_instance_free(inst);
  wasi_free(w);
  wasm_module_free(m);
  return t;
}

static int cmd_fuel(int argc, char **argv) {
  size_t len;
  uint8_t *b = read_all(argv[0], &len);
  if (!b) return die(argv[0], "cannot read");
  /* Interleaved, best of three each: the machine is shared. */
  double on = 1e30, off = 1e30;
  for (int k = 0; k < 3; k++) {
    int rc1, rc2;
    double t_off = run_once(b, len, false, argc, argv, &rc1);
    double t_on = run_once(b, len, true, argc, argv, &rc2);
    if (t_off < 0 || t_on < 0 || rc1 != 0 || rc2 != 0) return 1;
    if (t_off < off) off = t_off;
    if (t_on < on) on = t_on;
  }
  printf("fuel_on_s %.4f\nfuel_off_s %.4f\n", on, off);
  free(b);
  return 0;
}

static void *runner(void *arg) {
  static wasm_result r;
  r = wasm_invoke(arg, "_start", NULL, 0);
  return &r;
}

static void *resumer(void *arg) {
  static wasm_result r;
  r = wasm_resume(arg);
  return &r;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* "NAME min MIN median MED" of N samples in seconds, printed in ms. */
static void report(const char *name, double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  printf("%s_ms %.3f %.3f\n", name, v[0] * 1e3, v[n / 2] * 1e3);
}

#define REPS 7

static int cmd_snapshot(const char *path) {
  size_t len;
  uint8_t *bytes = read_all(path, &len);
  if (!bytes) return die(path, "cannot read");
  char err[512];
  wasm_module *m = wasm_module_load(bytes, len, NULL, err, sizeof err);
  if (!m) return die("load", err);
  wasi_stream out = {NULL, NULL, discard};
  const char *args[] = {"touch64"};
  wasi_config cfg = {.argc = 1, .argv = args, .stdio = {NULL, &out, &out}};
  wasi_ctx *w = wasi_new(&cfg, err, sizeof err);
  size_t nf;
  const wasm_host_func *f = wasi_host_funcs(&nf);
  wasm_instance *inst = wasm_instantiate(m, f, nf, w, NULL, err, sizeof err);
  if (!inst) return die("instantiate", err);
  pthread_t th;
  pthread_create(&th, NULL, runner, inst);
  while (!ready) usleep(1000);

  /* Pause, snapshot into memory, resume: REPS times. */
  double pause_s[REPS], snap_s[REPS], write_s = 0;
  uint8_t *snap = NULL;
  size_t slen = 0;
  char file[] = "/tmp/arts-bench-snapXXXXXX";
  for (int k = 0; k < REPS; k++) {
    usleep(30000);
    double t0 = now();
    wasm_request_pause(inst);
    void *res;
    pthread_join(th, &res);
    double t1 = now();
    if (*(wasm_result *)res != WASM_PAUSED) return die("run", "did not pause");
    uint8_t *host;
    size_t hlen;
    free(snap);
    if (wasi_save(w, &host, &hlen, err, sizeof err) < 0) return die("wasi", err);
    if (wasm_snapshot_write(inst, "wasi_snapshot_preview1", host, hlen, &snap,
                            &slen, err, sizeof err) < 0)
      return die("snapshot", err);
    double t2 = now();
    free(host);
    pause_s[k] = t1 - t0;
    snap_s[k] = t2 - t1;
    if (k == REPS - 1) {
      int fd = mkstemp(file);
      if (fd < 0 || write(fd, snap, slen) != (ssize_t)slen)
        return die(file, "write");
      close(fd);
      write_s = now() - t2;
    } else {
      pthread_create(&th, NULL, resumer, inst);
    }
  }
  uint64_t memsize = wasm_memory_size(inst);
  wasm_instance_free(inst);
  wasi_free(w);

  /* Restore from the file as a resuming process would, REPS times; the
   * last one runs on and is paused again. */
  double rest_s[REPS], state_s[REPS], load_s[REPS];
  for (int k = 0; k < REPS; k++) {
    double r0 = now();
    wasm_snapshot *s = wasm_snapshot_read_file(file, err, sizeof err);
    if (!s) return die("read", err);
    double r1 = now();
    wasm_module *m2 = wasm_snapshot_load_module(s, NULL, err, sizeof err);
    if (!m2) return die("module", err);
    double r2 = now();
    const char *hn;
    size_t hl;
    const uint8_t *h = wasm_snapshot_host_state(s, &hn, &hl);
    wasi_config rcfg = {.stdio = {NULL, &out, &out}};
    wasi_ctx *w2 = wasi_restore(h, hl, &rcfg, err, sizeof err);
    if (!w2) return die("wasi restore", err);
    wasm_instance *i2 = wasm_snapshot_instantiate(s, m2, f, nf, w2, NULL, err,
                                                  sizeof err);
    if (!i2) return die("restore", err);
    double r3 = now();
    rest_s[k] = r3 - r0;
    state_s[k] = (r3 - r2) + (r1 - r0);
    load_s[k] = r2 - r1;
    if (k == REPS - 1) {
      void *res;
      pthread_create(&th, NULL, resumer, i2);
      usleep(20000);
      wasm_request_pause(i2);
      pthread_join(th, &res);
      if (*(wasm_result *)res != WASM_PAUSED)
        return die("resume", "did not run on");
    }
    wasm_instance_free(i2);
    wasi_free(w2);
    wasm_module_free(m2);
    wasm_snapshot_free(s);
  }
  unlink(file);
  printf("memory_mib %.1f\n", (double)memsize / 1048576.0);
  printf("snapshot_bytes %zu\n", slen);
  printf("# name min median (ms, %d runs)\n", REPS);
  report("pause", pause_s, REPS);
  report("snapshot", snap_s, REPS);
  printf("file_write_ms %.3f %.3f\n", write_s * 1e3, write_s * 1e3);
  report("restore_total", rest_s, REPS);
  report("restore_module_load", load_s, REPS);
  report("restore_state", state_s, REPS);
  wasm_module_free(m);
  free(snap);
  free(bytes);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "fuel") == 0)
    return cmd_fuel(argc - 2, argv + 2);
  if (argc == 3 && strcmp(argv[1], "snapshot") == 0)
    return cmd_snapshot(argv[2]);
  fprintf(stderr, "usage: engine-bench fuel PROG.wasm [ARGS...]\n"
                  "       engine-bench snapshot TOUCH.wasm\n");
  return 2;
}
