/* arts-wasm: the engine alone.
 *
 *   arts-wasm run [--dir HOST::GUEST]... [--env K=V]... [--fuel N]
 *                 [--max-memory BYTES] PROG.wasm [ARGS...]
 *   arts-wasm validate PROG.wasm
 *   arts-wasm spec FILE.json
 *
 * `run` exits with the program's status (proc_exit or 0 when _start
 * returns); a trap prints "arts-wasm: trap: REASON" and exits 134. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arts-wasm.h"
#include "size-check.h"
#include "spec.h"
#include "wasi.h"
#include "wasm.h"

#define TRAP_STATUS 134

static void usage(void)
{
  fprintf(stderr,
          "usage: arts-wasm run [--dir HOST::GUEST]... [--env K=V]... "
          "[--fuel N] [--max-memory BYTES] PROG.wasm [ARGS...]\n"
          "       arts-wasm validate PROG.wasm\n"
          "       arts-wasm spec FILE.json\n");
}

uint8_t *arts_wasm_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 16, n = 0, got;
  uint8_t *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      /* doubling must not wrap (a file of 2 GiB on a 32-bit host) */
      uint8_t *nb = size_mul(cap, 2, &cap) ? realloc(buf, cap) : NULL;
      if (!nb)
        free(buf);
      buf = nb;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (bad || !buf) {
    free(buf);
    errno = bad ? EIO : ENOMEM;
    return NULL;
  }
  *len = n;
  return buf;
}

static int cmd_validate(int argc, char **argv)
{
  if (argc != 1) {
    usage();
    return 2;
  }
  size_t len;
  uint8_t *bytes = arts_wasm_read_file(argv[0], &len);
  if (!bytes) {
    fprintf(stderr, "arts-wasm: %s: %s\n", argv[0], strerror(errno));
    return 1;
  }
  char err[512];
  wasm_module *m = wasm_module_load(bytes, len, NULL, err, sizeof err);
  free(bytes);
  if (!m) {
    fprintf(stderr, "arts-wasm: %s: invalid module: %s\n", argv[0], err);
    return 1;
  }
  wasm_module_free(m);
  printf("%s: valid\n", argv[0]);
  return 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-')
    return false;
  *out = v;
  return true;
}

/* Parses run's options into O; returns the index of PROG.wasm in ARGV, or
 * -1 after printing why. */
int arts_run_parse(arts_run_opts *o, int argc, char **argv)
{
  int i = 0;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || strcmp(a, "-") == 0)
      break;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    const char *val = NULL;
    size_t nlen = strcspn(a, "=");
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)nlen, a);
    if (a[nlen] == '=')
      val = a + nlen + 1;
    else if (i + 1 < argc)
      val = argv[++i];
    if (!val) {
      fprintf(stderr, "arts-wasm: %s needs a value\n", name);
      return -1;
    }
    if (strcmp(name, "--dir") == 0) {
      const char *sep = strstr(val, "::");
      if (o->ndirs >= ARTS_RUN_MAX) {
        fprintf(stderr, "arts-wasm: too many --dir\n");
        return -1;
      }
      arts_run_dir *d = &o->dirs[o->ndirs++];
      if (sep) {
        d->host = strndup(val, (size_t)(sep - val));
        d->guest = strdup(sep + 2);
      } else {
        d->host = strdup(val);
        d->guest = strdup(val);
      }
    } else if (strcmp(name, "--env") == 0) {
      if (!strchr(val, '=') || o->nenv >= ARTS_RUN_MAX) {
        fprintf(stderr, "arts-wasm: --env wants KEY=VALUE\n");
        return -1;
      }
      o->env[o->nenv++] = val;
    } else if (strcmp(name, "--fuel") == 0) {
      if (!parse_u64(val, &o->limits.fuel)) {
        fprintf(stderr, "arts-wasm: bad --fuel %s\n", val);
        return -1;
      }
    } else if (strcmp(name, "--max-memory") == 0) {
      if (!parse_u64(val, &o->limits.max_memory)) {
        fprintf(stderr, "arts-wasm: bad --max-memory %s\n", val);
        return -1;
      }
    } else if (arts_run_extra_option && arts_run_extra_option(o, name, val)) {
      /* taken by an extension (snapshots) */
    } else {
      fprintf(stderr, "arts-wasm: unknown option %s\n", name);
      return -1;
    }
  }
  if (i >= argc) {
    usage();
    return -1;
  }
  return i;
}

void arts_run_opts_free(arts_run_opts *o)
{
  for (size_t i = 0; i < o->ndirs; i++) {
    free(o->dirs[i].host);
    free(o->dirs[i].guest);
  }
  o->ndirs = 0;
}

int arts_run_status(wasm_instance *inst, wasi_ctx *wasi, wasm_result r)
{
  switch (r) {
  case WASM_FINISHED:
    return 0;
  case WASM_EXITED: {
    int st = wasi ? wasi_exit_status(wasi) : -1;
    return st >= 0 ? st : wasm_exit_status(inst);
  }
  case WASM_TRAPPED:
    fflush(stdout);
    fprintf(stderr, "arts-wasm: trap: %s\n", wasm_trap_message(inst));
    return TRAP_STATUS;
  default:
    fprintf(stderr, "arts-wasm: paused\n");
    return 1;
  }
}

/* Runs a started program to its end, handing pauses to the extension. */
int arts_run_loop(arts_run_opts *o, wasm_instance *inst, wasi_ctx *wasi,
                  wasm_result r)
{
  while (r == WASM_PAUSED) {
    if (!arts_run_on_pause)
      r = wasm_resume(inst);
    else {
      int done = -1;
      r = arts_run_on_pause(o, inst, wasi, &done);
      if (done >= 0)
        return done;
    }
  }
  return arts_run_status(inst, wasi, r);
}

int (*arts_run_on_start)(arts_run_opts *o, wasm_instance *inst,
                         wasi_ctx *wasi);
wasm_result (*arts_run_on_pause)(arts_run_opts *o, wasm_instance *inst,
                                 wasi_ctx *wasi, int *done);
bool (*arts_run_extra_option)(arts_run_opts *o, const char *name,
                              const char *val);
void (*arts_run_on_end)(arts_run_opts *o, wasm_instance *inst);

static int cmd_run(int argc, char **argv)
{
  arts_run_opts o;
  memset(&o, 0, sizeof o);
  int p = arts_run_parse(&o, argc, argv);
  if (p < 0) {
    arts_run_opts_free(&o);
    return 2;
  }
  const char *prog = argv[p];
  size_t len;
  uint8_t *bytes = arts_wasm_read_file(prog, &len);
  if (!bytes) {
    fprintf(stderr, "arts-wasm: %s: %s\n", prog, strerror(errno));
    arts_run_opts_free(&o);
    return 2;
  }
  char err[512];
  wasm_module *m = wasm_module_load(bytes, len, NULL, err, sizeof err);
  free(bytes);
  if (!m) {
    fprintf(stderr, "arts-wasm: %s: invalid module: %s\n", prog, err);
    arts_run_opts_free(&o);
    return 2;
  }
  wasi_preopen pre[ARTS_RUN_MAX];
  for (size_t i = 0; i < o.ndirs; i++) {
    pre[i].host = o.dirs[i].host;
    pre[i].guest = o.dirs[i].guest;
  }
  wasi_config cfg = {
    .argc = (size_t)(argc - p), .argv = (const char *const *)(argv + p),
    .envc = o.nenv, .env = o.env,
    .npreopens = o.ndirs, .preopens = pre,
  };
  int status = 2;
  wasm_instance *inst = NULL;
  wasi_ctx *wasi = wasi_new(&cfg, err, sizeof err);
  if (!wasi) {
    fprintf(stderr, "arts-wasm: %s\n", err);
    goto out;
  }
  size_t nhost;
  const wasm_host_func *host = wasi_host_funcs(&nhost);
  inst = wasm_instantiate(m, host, nhost, wasi, &o.limits, err, sizeof err);
  if (!inst) {
    fprintf(stderr, "arts-wasm: %s: %s\n", prog, err);
    goto out;
  }
  if (arts_run_on_start && arts_run_on_start(&o, inst, wasi) < 0)
    goto out;
  wasm_result r;
  if (wasm_export_func(inst, "_start") >= 0)
    r = wasm_invoke(inst, "_start", NULL, 0);
  else
    r = wasm_invoke(inst, "run", NULL, 0);
  status = arts_run_loop(&o, inst, wasi, r);
out:
  fflush(stdout);
  if (arts_run_on_end && inst)
    arts_run_on_end(&o, inst);
  wasm_instance_free(inst);
  if (wasi)
    wasi_free(wasi);
  wasm_module_free(m);
  arts_run_opts_free(&o);
  return status;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage();
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "run") == 0)
    return cmd_run(argc - 2, argv + 2);
  if (strcmp(cmd, "validate") == 0)
    return cmd_validate(argc - 2, argv + 2);
  if (strcmp(cmd, "spec") == 0) {
    if (argc != 3) {
      usage();
      return 2;
    }
    return wasm_spec_run(argv[2], false);
  }
  if (arts_wasm_extra_command) {
    int rc = arts_wasm_extra_command(cmd, argc - 2, argv + 2);
    if (rc >= 0)
      return rc;
  }
  usage();
  return 2;
}

int (*arts_wasm_extra_command)(const char *cmd, int argc, char **argv);
