/* arts-wasm's snapshot commands: a timer thread that pauses the running
 * instance, the snapshot written on the way out, and `resume`, which
 * rebuilds the instance and its WASI context from a snapshot file and
 * finishes the run. */
#include "arts-wasm-snapshot.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapshot.h"

#define WASI_HOST_NAME "wasi_snapshot_preview1"
#define TRAP_EXIT 134

typedef struct {
  wasm_instance *inst;
  long ms;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool done;
  bool fired;
} pause_timer;

static void *timer_main(void *arg) {
  pause_timer *t = arg;
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += t->ms / 1000;
  dl.tv_nsec += (t->ms % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) {
    dl.tv_sec++;
    dl.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&t->lock);
  int rc = 0;
  while (!t->done && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&t->cond, &t->lock, &dl);
  if (!t->done) {
    t->fired = true;
    wasm_request_pause(t->inst);
  }
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

int arts_wasm_exit_code(wasm_instance *inst, wasm_result r) {
  switch (r) {
  case WASM_FINISHED: return 0;
  case WASM_EXITED: return wasm_exit_status(inst);
  case WASM_TRAPPED:
    fprintf(stderr, "arts-wasm: trap: %s\n", wasm_trap_message(inst));
    return TRAP_EXIT;
  case WASM_PAUSED: break;
  }
  fprintf(stderr, "arts-wasm: the run paused unexpectedly\n");
  return 1;
}

static int save(wasm_instance *inst, wasi_ctx *wasi, const char *file) {
  char err[512];
  uint8_t *host;
  size_t host_len;
  if (wasi_save(wasi, &host, &host_len, err, sizeof err) < 0) {
    fprintf(stderr, "arts-wasm: %s\n", err);
    return 1;
  }
  int rc = wasm_snapshot_write_file(inst, WASI_HOST_NAME, host, host_len,
                                    file, err, sizeof err);
  free(host);
  if (rc < 0) {
    fprintf(stderr, "arts-wasm: snapshot: %s\n", err);
    return 1;
  }
  return 0;
}

/* Runs (START: call _start; else resume) with an optional pause timer. */
static int run_timed(wasm_instance *inst, wasi_ctx *wasi, bool start,
                     long after_ms, const char *file) {
  pause_timer t = {.inst = inst, .ms = after_ms};
  pthread_t th;
  bool timed = after_ms >= 0 && file;
  pthread_mutex_init(&t.lock, NULL);
  pthread_cond_init(&t.cond, NULL);
  if (timed && pthread_create(&th, NULL, timer_main, &t) != 0) {
    fprintf(stderr, "arts-wasm: cannot start the snapshot timer\n");
    return 1;
  }
  wasm_result r = start ? wasm_invoke(inst, "_start", NULL, 0)
                        : wasm_resume(inst);
  if (timed) {
    pthread_mutex_lock(&t.lock);
    t.done = true;
    pthread_cond_signal(&t.cond);
    pthread_mutex_unlock(&t.lock);
    pthread_join(th, NULL);
  }
  pthread_cond_destroy(&t.cond);
  pthread_mutex_destroy(&t.lock);
  if (r == WASM_PAUSED && timed) return save(inst, wasi, file);
  /* wasi-libc flushes stdio before _start returns or proc_exit runs, so
   * nothing is left to flush here. */
  return arts_wasm_exit_code(inst, r);
}

int arts_wasm_run_snapshot(wasm_instance *inst, wasi_ctx *wasi,
                           long after_ms, const char *file) {
  return run_timed(inst, wasi, true, after_ms, file);
}

static void usage(void) {
  fprintf(stderr, "usage: arts-wasm resume [--dir HOST::GUEST]... "
          "[--snapshot-after-ms N --snapshot-file FILE] SNAPSHOT\n");
}

int arts_wasm_resume_main(int argc, char **argv) {
  wasi_preopen dirs[64];
  size_t ndirs = 0;
  long after_ms = -1;
  const char *out = NULL, *in = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--dir") == 0 && i + 1 < argc && ndirs < 64) {
      char *sep = strstr(argv[++i], "::");
      if (!sep) {
        fprintf(stderr, "arts-wasm: --dir wants HOST::GUEST\n");
        return 2;
      }
      *sep = 0;
      dirs[ndirs].host = argv[i];
      dirs[ndirs++].guest = sep + 2;
    } else if (strcmp(a, "--snapshot-after-ms") == 0 && i + 1 < argc) {
      char *end;
      after_ms = strtol(argv[++i], &end, 10);
      if (*end || after_ms < 0) {
        fprintf(stderr, "arts-wasm: bad --snapshot-after-ms\n");
        return 2;
      }
    } else if (strcmp(a, "--snapshot-file") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else if (a[0] == '-' || in) {
      usage();
      return 2;
    } else {
      in = a;
    }
  }
  if (!in || (after_ms >= 0) != (out != NULL)) {
    usage();
    return 2;
  }
  char err[512];
  wasm_snapshot *s = wasm_snapshot_read_file(in, err, sizeof err);
  if (!s) {
    fprintf(stderr, "arts-wasm: %s: %s\n", in, err);
    return 1;
  }
  int rc = 1;
  wasm_module *m = NULL;
  wasi_ctx *wasi = NULL;
  wasm_instance *inst = NULL;
  const char *hname;
  size_t hlen;
  const uint8_t *host = wasm_snapshot_host_state(s, &hname, &hlen);
  if (strcmp(hname, WASI_HOST_NAME) != 0) {
    fprintf(stderr, "arts-wasm: %s: host state \"%s\" is not WASI\n", in,
            hname);
    goto out;
  }
  if (!(m = wasm_snapshot_load_module(s, NULL, err, sizeof err))) goto fail;
  wasi_config cfg = {.npreopens = ndirs, .preopens = dirs};
  if (!(wasi = wasi_restore(host, hlen, &cfg, err, sizeof err))) goto fail;
  size_t nf;
  const wasm_host_func *funcs = wasi_host_funcs(&nf);
  inst = wasm_snapshot_instantiate(s, m, funcs, nf, wasi, NULL, err,
                                   sizeof err);
  if (!inst) goto fail;
  wasm_snapshot_free(s);
  s = NULL;
  rc = run_timed(inst, wasi, false, after_ms, out);
  goto out;
fail:
  fprintf(stderr, "arts-wasm: %s: %s\n", in, err);
out:
  wasm_instance_free(inst);
  wasi_free(wasi);
  wasm_module_free(m);
  wasm_snapshot_free(s);
  return rc;
}
