/* arts-wasm's snapshot side, plugged into arts-wasm.c's run hooks:
 *
 *   arts-wasm run --snapshot-after-ms N --snapshot-file FILE PROG.wasm ...
 *     a timer thread pauses the instance after N ms; the snapshot (module
 *     bytes, instance, WASI state) goes to FILE and arts-wasm exits 0
 *     without finishing. A program that ends first ends as in a plain run
 *     (its own status) and no FILE is written.
 *   arts-wasm resume [--dir HOST::GUEST]... [--snapshot-after-ms N
 *                    --snapshot-file FILE2] FILE
 *     rebuilds the instance and its WASI context from FILE and finishes
 *     the run (same output and status as an uninterrupted one), or
 *     snapshots it again into FILE2 (chains). --dir maps a saved guest
 *     directory to another host directory.
 *   arts-wasm inspect FILE
 *     prints what the snapshot holds (after the checks a resume makes).
 *
 * Pre-copy (a migration's memory image, then a delta snapshot), for tests
 * across hosts: with --image-after-ms M --image-file IMG as well (M below
 * N), run and resume first pause after M ms to write a memory image to
 * IMG and go on; the snapshot at N ms is then a delta against it.
 * `resume --image IMG FILE` gives a delta snapshot its image. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arts-wasm.h"
#include "snapshot.h"

#define WASI_HOST_NAME "wasi_snapshot_preview1"

/* One run per process: one timer. */
typedef struct {
  pthread_t th;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  wasm_instance *inst;
  long ms;
  bool running, done, fired;
  bool image_due;     /* the pause asked for is the memory image's */
} pause_timer;

static pause_timer timer = {
  .lock = PTHREAD_MUTEX_INITIALIZER,
  .cond = PTHREAD_COND_INITIALIZER,
};
static bool after_given;

/* --image-after-ms, --image-file (the image made), --image (the one a
 * delta snapshot given to resume was made against). */
static struct {
  long ms;
  bool ms_given;
  const char *file, *use;
  uint8_t *bytes;     /* the image written, for the delta */
  size_t len;
} image;

/* Waits on the timer's lock until MS ms after T0 or timer_stop(): TRUE
 * when the time came. */
static bool timer_wait(const struct timespec *t0, long ms) {
  struct timespec dl = *t0;
  dl.tv_sec += ms / 1000;
  dl.tv_nsec += (ms % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) {
    dl.tv_sec++;
    dl.tv_nsec -= 1000000000L;
  }
  int rc = 0;
  while (!timer.done && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&timer.cond, &timer.lock, &dl);
  return !timer.done;
}

static void *timer_main(void *arg) {
  (void)arg;
  struct timespec t0;
  clock_gettime(CLOCK_REALTIME, &t0);
  pthread_mutex_lock(&timer.lock);
  if (image.file && timer_wait(&t0, image.ms)) {
    timer.image_due = true;
    wasm_request_pause(timer.inst);
  }
  if (timer_wait(&t0, timer.ms)) {
    timer.fired = true;
    wasm_request_pause(timer.inst);
  }
  /* Resuming after the image clears a request that came meanwhile: ask
   * again every 10 ms until the snapshot is taken (timer_stop). */
  for (long ms = timer.ms + 10; image.file && timer_wait(&t0, ms); ms += 10)
    wasm_request_pause(timer.inst);
  pthread_mutex_unlock(&timer.lock);
  return NULL;
}

static int timer_start(wasm_instance *inst, long ms) {
  timer.inst = inst;
  timer.ms = ms;
  timer.done = timer.fired = timer.image_due = false;
  if (pthread_create(&timer.th, NULL, timer_main, NULL) != 0) {
    fprintf(stderr, "arts-wasm: cannot start the snapshot timer\n");
    return -1;
  }
  timer.running = true;
  return 0;
}

/* After this the timer can no longer touch the instance. */
static void timer_stop(void) {
  if (!timer.running) return;
  pthread_mutex_lock(&timer.lock);
  timer.done = true;
  pthread_cond_signal(&timer.cond);
  pthread_mutex_unlock(&timer.lock);
  pthread_join(timer.th, NULL);
  timer.running = false;
}

static bool opt_snapshot(arts_run_opts *o, const char *name, const char *val) {
  if (strcmp(name, "--snapshot-after-ms") == 0) {
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end || v < 0) {
      fprintf(stderr, "arts-wasm: bad --snapshot-after-ms %s\n", val);
      exit(2);
    }
    o->snapshot_after_ms = v;
    after_given = true;
    return true;
  }
  if (strcmp(name, "--snapshot-file") == 0) {
    o->snapshot_file = val;
    return true;
  }
  if (strcmp(name, "--image-after-ms") == 0) {
    char *end;
    errno = 0;
    image.ms = strtol(val, &end, 10);
    if (errno || end == val || *end || image.ms < 0) {
      fprintf(stderr, "arts-wasm: bad --image-after-ms %s\n", val);
      exit(2);
    }
    image.ms_given = true;
    return true;
  }
  if (strcmp(name, "--image-file") == 0) {
    image.file = val;
    return true;
  }
  if (strcmp(name, "--image") == 0) {
    image.use = val;
    return true;
  }
  return false;
}

static int on_start(arts_run_opts *o, wasm_instance *inst, wasi_ctx *wasi) {
  (void)wasi;
  if (after_given != (o->snapshot_file != NULL)) {
    fprintf(stderr, "arts-wasm: --snapshot-after-ms and --snapshot-file go "
            "together\n");
    return -1;
  }
  if (image.ms_given != (image.file != NULL) ||
      (image.file && (!o->snapshot_file ||
                      image.ms >= o->snapshot_after_ms))) {
    fprintf(stderr, "arts-wasm: --image-after-ms and --image-file go "
            "together, with an earlier --snapshot-after-ms\n");
    return -1;
  }
  return o->snapshot_file ? timer_start(inst, o->snapshot_after_ms) : 0;
}

/* LEN bytes into PATH (through PATH.tmp, renamed): 0, or -1 with ERR. */
static int write_file(const char *path, const uint8_t *b, size_t len,
                      char *err, size_t errlen) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  bool ok = f && fwrite(b, 1, len, f) == len;
  if (f && fclose(f) != 0) ok = false;
  if (!ok || rename(tmp, path) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* The memory image (kept for the delta) into image.file. */
static int save_image(wasm_instance *inst) {
  char err[512];
  if (wasm_memimage_write(inst, &image.bytes, &image.len, err,
                          sizeof err) < 0 ||
      write_file(image.file, image.bytes, image.len, err, sizeof err) < 0) {
    fprintf(stderr, "arts-wasm: image: %s\n", err);
    free(image.bytes);
    image.bytes = NULL;
    return 1;
  }
  return 0;
}

static int save(wasm_instance *inst, wasi_ctx *wasi, const char *file) {
  char err[512];
  uint8_t *host, *delta = NULL;
  size_t host_len, delta_len;
  if (wasi_save(wasi, &host, &host_len, err, sizeof err) < 0) {
    fprintf(stderr, "arts-wasm: %s\n", err);
    return 1;
  }
  int rc = image.bytes
    ? wasm_snapshot_write_delta(inst, WASI_HOST_NAME, host, host_len,
                                image.bytes, image.len, &delta, &delta_len,
                                err, sizeof err)
    : wasm_snapshot_write_file(inst, WASI_HOST_NAME, host, host_len,
                               file, err, sizeof err);
  if (rc == 0 && delta)
    rc = write_file(file, delta, delta_len, err, sizeof err);
  free(delta);
  free(host);
  if (rc < 0) {
    fprintf(stderr, "arts-wasm: snapshot: %s\n", err);
    return 1;
  }
  return 0;
}

static wasm_result on_pause(arts_run_opts *o, wasm_instance *inst,
                            wasi_ctx *wasi, int *done) {
  if (!o->snapshot_file) return wasm_resume(inst);
  pthread_mutex_lock(&timer.lock);
  bool image_due = timer.image_due, fired = timer.fired;
  timer.image_due = false;
  pthread_mutex_unlock(&timer.lock);
  /* The snapshot's own pause may have come during the image's: then
   * snapshot now, the request would be lost on resuming. */
  if (image_due && save_image(inst) == 0 && !fired)
    return wasm_resume(inst);
  timer_stop();
  if (image_due && !image.bytes) {  /* the image failed: no delta */
    *done = 1;
    return WASM_PAUSED;
  }
  fflush(stdout);
  *done = save(inst, wasi, o->snapshot_file);
  return WASM_PAUSED;
}

static void on_end(arts_run_opts *o, wasm_instance *inst) {
  (void)o;
  (void)inst;
  timer_stop();
  free(image.bytes);
  image.bytes = NULL;
}

static void usage(void) {
  fprintf(stderr, "usage: arts-wasm resume [--dir HOST::GUEST]... "
          "[--image IMAGE] [--snapshot-after-ms N --snapshot-file FILE] "
          "SNAPSHOT\n");
}

/* A delta snapshot's image from --image: 0, or -1 with ERR. */
static int use_image(wasm_snapshot *s, char *err, size_t errlen) {
  if (!image.use) return 0;
  size_t len;
  uint8_t *b = arts_wasm_read_file(image.use, &len);
  if (!b) {
    snprintf(err, errlen, "%s: %s", image.use, strerror(errno));
    return -1;
  }
  wasm_memimage *img = wasm_memimage_read(b, len, err, errlen);
  free(b);
  if (!img) return -1;
  if (wasm_snapshot_use_image(s, img, err, errlen) < 0) {
    wasm_memimage_free(img);
    return -1;
  }
  return 0;
}

static int cmd_resume(int argc, char **argv) {
  arts_run_opts o;
  memset(&o, 0, sizeof o);
  int p = arts_run_parse(&o, argc, argv);
  if (p < 0 || p != argc - 1 || o.nenv || o.limits.fuel ||
      o.limits.max_memory) {
    if (p >= 0) usage();
    arts_run_opts_free(&o);
    return 2;
  }
  const char *in = argv[p];
  char err[512];
  int rc = 1;
  wasm_module *m = NULL;
  wasi_ctx *wasi = NULL;
  wasm_instance *inst = NULL;
  wasm_snapshot *s = wasm_snapshot_read_file(in, err, sizeof err);
  if (!s) goto fail;
  const char *hname;
  size_t hlen;
  const uint8_t *host = wasm_snapshot_host_state(s, &hname, &hlen);
  if (strcmp(hname, WASI_HOST_NAME) != 0) {
    snprintf(err, sizeof err, "host state \"%.64s\" is not WASI", hname);
    goto fail;
  }
  if (!(m = wasm_snapshot_load_module(s, NULL, err, sizeof err))) goto fail;
  if (use_image(s, err, sizeof err) < 0) goto fail;
  wasi_preopen pre[ARTS_RUN_MAX];
  for (size_t i = 0; i < o.ndirs; i++) {
    pre[i].host = o.dirs[i].host;
    pre[i].guest = o.dirs[i].guest;
  }
  wasi_config cfg = {.npreopens = o.ndirs, .preopens = pre};
  if (!(wasi = wasi_restore(host, hlen, &cfg, err, sizeof err))) goto fail;
  size_t nf;
  const wasm_host_func *funcs = wasi_host_funcs(&nf);
  inst = wasm_snapshot_instantiate(s, m, funcs, nf, wasi, NULL, err,
                                   sizeof err);
  if (!inst) goto fail;
  wasm_snapshot_free(s);
  s = NULL;
  if (on_start(&o, inst, wasi) < 0) {
    rc = 2;
    goto out;
  }
  rc = arts_run_loop(&o, inst, wasi, wasm_resume(inst));
  goto out;
fail:
  fprintf(stderr, "arts-wasm: %s: %s\n", in, err);
out:
  fflush(stdout);
  timer_stop();
  wasm_instance_free(inst);
  wasi_free(wasi);
  wasm_module_free(m);
  wasm_snapshot_free(s);
  arts_run_opts_free(&o);
  return rc;
}

/* `arts-wasm inspect FILE`: what a snapshot holds, after all the checks a
 * resume makes before instantiating. */
static int cmd_inspect(int argc, char **argv) {
  if (argc != 1) {
    fprintf(stderr, "usage: arts-wasm inspect SNAPSHOT\n");
    return 2;
  }
  char err[512];
  wasm_snapshot *s = wasm_snapshot_read_file(argv[0], err, sizeof err);
  wasm_module *m = s ? wasm_snapshot_load_module(s, NULL, err, sizeof err)
                     : NULL;
  if (!m) {
    fprintf(stderr, "arts-wasm: %s: %s\n", argv[0], err);
    wasm_snapshot_free(s);
    return 1;
  }
  wasm_snapshot_describe(s, stdout);
  wasm_module_free(m);
  wasm_snapshot_free(s);
  return 0;
}

static int extra_command(const char *cmd, int argc, char **argv) {
  if (strcmp(cmd, "resume") == 0) return cmd_resume(argc, argv);
  if (strcmp(cmd, "inspect") == 0) return cmd_inspect(argc, argv);
  return -1;
}

__attribute__((constructor)) static void snapshot_hooks(void) {
  arts_run_extra_option = opt_snapshot;
  arts_run_on_start = on_start;
  arts_run_on_pause = on_pause;
  arts_run_on_end = on_end;
  arts_wasm_extra_command = extra_command;
}
