/* WASI context, descriptor table, and the calls that touch no files:
 * arguments, environment, randomness, exit, sockets (refused). */
#include "wasi-channel.h"
#include "wasi-private.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void wasi_set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

char *wasi_strndup(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

/* Drops "." and empty components in place ("./a//b/." -> "a/b"; "" ->
 * "."). ".." stays: with symlinks inside the tree only the resolver knows
 * where it leads. */
static void path_tidy(char *p) {
  char *out = p;
  const char *s = p;
  while (*s) {
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n && !(n == 1 && s[0] == '.')) {
      if (out != p) *out++ = '/';
      memmove(out, s, n);
      out += n;
    }
    s += n;
    while (*s == '/') s++;
  }
  if (out == p) *out++ = '.';
  *out = 0;
}

/* DIR "/" REL, tidied: the path of a descriptor from its preopen's root,
 * for restoring it by path and for following renames. */
char *wasi_path_join(const char *dir, const char *rel, size_t rel_len) {
  size_t dl = strlen(dir);
  char *p = malloc(dl + 1 + rel_len + 1);
  if (!p) return NULL;
  memcpy(p, dir, dl);
  p[dl] = '/';
  memcpy(p + dl + 1, rel, rel_len);
  p[dl + 1 + rel_len] = 0;
  path_tidy(p);
  return p;
}

/* After a rename of FROM to TO (both tidied, from their preopens' roots),
 * descriptors open at FROM or beneath it follow, so a snapshot reopens
 * what the program holds rather than what now lies at the old name. */
void wasi_paths_renamed(wasi_ctx *ctx, int pre_from, const char *from,
                        int pre_to, const char *to) {
  size_t fl = strlen(from), tl = strlen(to);
  for (uint32_t i = 0; i < ctx->nfds; i++) {
    wasi_fd *f = &ctx->fds[i];
    if ((f->kind != WASI_FD_FILE && f->kind != WASI_FD_DIR) || f->is_preopen ||
        f->preopen != pre_from || strncmp(f->path, from, fl) != 0 ||
        (f->path[fl] != 0 && f->path[fl] != '/'))
      continue;
    size_t rest = strlen(f->path + fl);
    char *p = malloc(tl + rest + 1);
    if (!p) continue;  /* keeps the old name: a restore may then fail */
    memcpy(p, to, tl);
    memcpy(p + tl, f->path + fl, rest + 1);
    free(f->path);
    f->path = p;
    f->preopen = pre_to;
  }
}

int wasi_errno(int e) {
  switch (e) {
  case 0: return WASI_ESUCCESS;
  case E2BIG: return WASI_E2BIG;
  case EACCES: return WASI_EACCES;
  case EAGAIN: return WASI_EAGAIN;
  case EBADF: return WASI_EBADF;
  case EBUSY: return WASI_EBUSY;
  case EEXIST: return WASI_EEXIST;
  case EFAULT: return WASI_EFAULT;
  case EFBIG: return WASI_EFBIG;
  case EINTR: return WASI_EINTR;
  case EINVAL: return WASI_EINVAL;
  case EIO: return WASI_EIO;
  case EISDIR: return WASI_EISDIR;
  case ELOOP: return WASI_ELOOP;
  case EMFILE: return WASI_EMFILE;
  case EMLINK: return WASI_EMLINK;
  case ENAMETOOLONG: return WASI_ENAMETOOLONG;
  case ENFILE: return WASI_ENFILE;
  case ENODEV: return WASI_ENODEV;
  case ENOENT: return WASI_ENOENT;
  case ENOMEM: return WASI_ENOMEM;
  case ENOSPC: return WASI_ENOSPC;
  case ENOSYS: return WASI_ENOSYS;
  case ENOTDIR: return WASI_ENOTDIR;
  case ENOTEMPTY: return WASI_ENOTEMPTY;
  case EOPNOTSUPP: return WASI_ENOTSUP;
  case ENOTTY: return WASI_ENOTTY;
  case ENXIO: return WASI_ENXIO;
  case EOVERFLOW: return WASI_EOVERFLOW;
  case EPERM: return WASI_EPERM;
  case EPIPE: return WASI_EPIPE;
  case ERANGE: return WASI_ERANGE;
  case EROFS: return WASI_EROFS;
  case ESPIPE: return WASI_ESPIPE;
  case ETXTBSY: return WASI_ETXTBSY;
  /* openat2's RESOLVE_BENEATH says EXDEV for an escape attempt. */
  case EXDEV: return WASI_ENOTCAPABLE;
  default: return WASI_EIO;
  }
}

uint8_t wasi_filetype_of(unsigned m) {
  switch (m & S_IFMT) {
  case S_IFREG: return WASI_FT_FILE;
  case S_IFDIR: return WASI_FT_DIR;
  case S_IFCHR: return WASI_FT_CHAR;
  case S_IFBLK: return WASI_FT_BLOCK;
  case S_IFLNK: return WASI_FT_SYMLINK;
  case S_IFSOCK: return WASI_FT_SOCK_STREAM;
  default: return WASI_FT_UNKNOWN;
  }
}

/* ---- default stdio: the process's own descriptors ---- */

static long fd_stream_read(void *c, void *buf, size_t len, int timeout_ms) {
  int fd = (int)(intptr_t)c;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r = poll(&p, 1, timeout_ms);
  if (r < 0) return errno == EINTR ? -EAGAIN : -errno;
  if (r == 0) return -EAGAIN;
  ssize_t n = read(fd, buf, len);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? -EAGAIN : -errno;
  return n;
}

static long fd_stream_write(void *c, const void *buf, size_t len) {
  int fd = (int)(intptr_t)c;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, (const char *)buf + done, len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        poll(&p, 1, 100);
        continue;
      }
      return -errno;
    }
    done += (size_t)n;
  }
  return (long)len;
}

void wasi_stdio_default(wasi_stream *s, int fd) {
  s->ctx = (void *)(intptr_t)fd;
  s->read = fd_stream_read;
  s->write = fd_stream_write;
}

/* ---- descriptor table ---- */

wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint32_t fd) {
  if (fd >= ctx->nfds || ctx->fds[fd].kind == WASI_FD_FREE) return NULL;
  return &ctx->fds[fd];
}

int wasi_fd_alloc(wasi_ctx *ctx) {
  for (uint32_t i = 0; i < ctx->nfds; i++)
    if (ctx->fds[i].kind == WASI_FD_FREE) return (int)i;
  if (ctx->nfds >= WASI_MAX_FDS) return -1;
  ctx->fds[ctx->nfds].kind = WASI_FD_FREE;
  return (int)ctx->nfds++;
}

void wasi_fd_release(wasi_fd *f) {
  if (f->host >= 0) close(f->host);
  free(f->path);
  memset(f, 0, sizeof *f);
  f->host = -1;
  f->kind = WASI_FD_FREE;
}

static bool dup_strings(char ***dst, const char *const *src, size_t n,
                        const char *what, char *err, size_t errlen) {
  *dst = calloc(n + 1, sizeof(char *));
  if (!*dst) return false;
  for (size_t i = 0; i < n; i++) {
    if (!src[i]) {
      wasi_set_err(err, errlen, "%s %zu is NULL", what, i);
      return false;
    }
    if (!((*dst)[i] = strdup(src[i]))) return false;
  }
  return true;
}

static void free_strings(char **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static wasi_ctx *ctx_alloc(const wasi_config *cfg) {
  wasi_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return NULL;
  ctx->fds = calloc(WASI_MAX_FDS, sizeof(wasi_fd));
  if (!ctx->fds) {
    free(ctx);
    return NULL;
  }
  for (int i = 0; i < WASI_MAX_FDS; i++) ctx->fds[i].host = -1;
  ctx->exit_status = -1;
  for (int i = 0; i < 3; i++) {
    if (cfg && cfg->stdio[i]) ctx->stdio[i] = *cfg->stdio[i];
    else wasi_stdio_default(&ctx->stdio[i], i);
    wasi_fd *f = &ctx->fds[i];
    f->kind = WASI_FD_STREAM;
    f->stdio = i;
    f->preopen = -1;
    f->filetype = WASI_FT_CHAR;
    f->readable = i == 0;
    f->writable = i != 0;
    f->rights_base = WASI_RIGHTS_ALL;
  }
  ctx->nfds = 3;
  wasi_clock_init(ctx);
  return ctx;
}

/* Opens preopen I of CTX (its host directory) into the next descriptor. */
static bool open_preopen(wasi_ctx *ctx, size_t i, char *err, size_t errlen) {
  int h = open(ctx->dirs[i].host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (h < 0) {
    wasi_set_err(err, errlen, "preopen %s: %s", ctx->dirs[i].host,
                 strerror(errno));
    return false;
  }
  int slot = wasi_fd_alloc(ctx);
  if (slot < 0) {
    close(h);
    wasi_set_err(err, errlen, "too many descriptors");
    return false;
  }
  wasi_fd *f = &ctx->fds[slot];
  f->kind = WASI_FD_DIR;
  f->host = h;
  f->preopen = (int)i;
  f->is_preopen = true;
  f->path = strdup(".");
  f->filetype = WASI_FT_DIR;
  f->readable = true;
  f->rights_base = f->rights_inh = WASI_RIGHTS_ALL;
  f->oflags = WASI_OFLAG_DIRECTORY;
  return f->path != NULL;
}

wasi_ctx *wasi_new(const wasi_config *cfg, char *err, size_t errlen) {
  wasi_ctx *ctx = ctx_alloc(cfg);
  if (!ctx) {
    wasi_set_err(err, errlen, "out of memory");
    return NULL;
  }
  wasi_set_err(err, errlen, "out of memory");
  ctx->channels = cfg ? cfg->channels : NULL;  /* ours from here */
  size_t np = cfg ? cfg->npreopens : 0;
  if (np > 256) {  /* what a snapshot can carry (wasi-save.c) */
    wasi_set_err(err, errlen, "more than 256 preopened directories");
    wasi_free(ctx);
    return NULL;
  }
  if (cfg && (!dup_strings(&ctx->argv, cfg->argv, cfg->argc, "argument", err,
                           errlen) ||
              !dup_strings(&ctx->env, cfg->env, cfg->envc, "environment entry",
                           err, errlen)))
    goto fail;
  ctx->argc = cfg ? cfg->argc : 0;
  ctx->envc = cfg ? cfg->envc : 0;
  if (np && !(ctx->dirs = calloc(np, sizeof(wasi_dir)))) goto fail;
  for (size_t i = 0; i < np; i++) {
    const wasi_preopen *p = &cfg->preopens[i];
    if (!p->host || !p->guest || !*p->guest) {
      wasi_set_err(err, errlen, "preopen %zu lacks a host or guest path", i);
      goto fail;
    }
    ctx->dirs[i].host = strdup(p->host);
    ctx->dirs[i].guest = strdup(p->guest);
    ctx->ndirs = i + 1;
    if (!ctx->dirs[i].host || !ctx->dirs[i].guest) goto fail;
    if (!open_preopen(ctx, i, err, errlen)) goto fail;
  }
  if (ctx->channels && !wasi_ch_attach(ctx, ctx->channels, err, errlen))
    goto fail;  /* channels: /ch after the preopens */
  return ctx;
fail:
  wasi_free(ctx);
  return NULL;
}

void wasi_free(wasi_ctx *ctx) {
  if (!ctx) return;
  for (uint32_t i = 0; i < ctx->nfds; i++)
    if (ctx->fds[i].kind != WASI_FD_FREE) wasi_fd_release(&ctx->fds[i]);
  free(ctx->fds);
  free_strings(ctx->argv, ctx->argc);
  free_strings(ctx->env, ctx->envc);
  for (size_t i = 0; i < ctx->ndirs; i++) {
    free(ctx->dirs[i].host);
    free(ctx->dirs[i].guest);
  }
  free(ctx->dirs);
  wasi_poll_clear(ctx);
  wasi_channels_free(ctx->channels);
  free(ctx);
}

int wasi_exit_status(const wasi_ctx *ctx) { return ctx->exit_status; }

uint64_t wasi_stream_offset(const wasi_ctx *ctx, int fd) {
  return fd >= 0 && fd < 3 ? ctx->stream_off[fd] : 0;
}

/* ---- args and environ: a pointer array plus NUL-terminated strings ---- */

static wasm_host_status strings_get(wasm_instance *inst, char **v, size_t n,
                                    const uint64_t *args, uint64_t *results) {
  wasi_mem m;
  if (!wasi_mem_get(inst, &m)) WASI_RET(WASI_EFAULT);
  uint32_t ptrs = WASI_A32(0), buf = WASI_A32(1);
  if (!wasi_mem_at(&m, ptrs, (uint64_t)n * 4)) WASI_RET(WASI_EFAULT);
  uint64_t off = buf;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(v[i]) + 1;
    uint8_t *dst = wasi_mem_at(&m, off, len);
    if (!dst || off > UINT32_MAX) WASI_RET(WASI_EFAULT);
    memcpy(dst, v[i], len);
    wasi_st32(m.base + ptrs + 4 * i, (uint32_t)off);
    off += len;
  }
  WASI_RET(WASI_ESUCCESS);
}

static wasm_host_status strings_sizes(wasm_instance *inst, char **v, size_t n,
                                      const uint64_t *args,
                                      uint64_t *results) {
  wasi_mem m;
  if (!wasi_mem_get(inst, &m)) WASI_RET(WASI_EFAULT);
  uint8_t *pc = wasi_mem_at(&m, WASI_A32(0), 4);
  uint8_t *ps = wasi_mem_at(&m, WASI_A32(1), 4);
  if (!pc || !ps) WASI_RET(WASI_EFAULT);
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) total += strlen(v[i]) + 1;
  wasi_st32(pc, (uint32_t)n);
  wasi_st32(ps, (uint32_t)total);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(args_get) {
  wasi_ctx *c = vctx;
  return strings_get(inst, c->argv, c->argc, args, results);
}
WASI_FN(args_sizes_get) {
  wasi_ctx *c = vctx;
  return strings_sizes(inst, c->argv, c->argc, args, results);
}
WASI_FN(environ_get) {
  wasi_ctx *c = vctx;
  return strings_get(inst, c->env, c->envc, args, results);
}
WASI_FN(environ_sizes_get) {
  wasi_ctx *c = vctx;
  return strings_sizes(inst, c->env, c->envc, args, results);
}

WASI_FN(random_get) {
  wasi_mem m;
  if (!wasi_mem_get(inst, &m)) WASI_RET(WASI_EFAULT);
  uint8_t *p = wasi_mem_at(&m, WASI_A32(0), WASI_A32(1));
  if (!p) WASI_RET(WASI_EFAULT);
  size_t len = WASI_A32(1), done = 0;
  while (done < len) {
    ssize_t n = getrandom(p + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      WASI_RET(wasi_errno(errno));
    }
    done += (size_t)n;
  }
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(proc_exit) {
  wasi_ctx *c = vctx;
  c->exit_status = (int)WASI_A32(0);
  wasm_host_exit(inst, c->exit_status);
  return WASM_HOST_EXIT;
}

WASI_FN(proc_raise) { WASI_RET(WASI_ENOSYS); }

WASI_FN(sched_yield) {
  sched_yield();
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(sock_accept) { WASI_RET(WASI_ENOTSUP); }
WASI_FN(sock_recv) { WASI_RET(WASI_ENOTSUP); }
WASI_FN(sock_send) { WASI_RET(WASI_ENOTSUP); }
WASI_FN(sock_shutdown) { WASI_RET(WASI_ENOTSUP); }

#define F(name, type) {"wasi_snapshot_preview1", #name, type, wasi_##name}
static const wasm_host_func funcs[] = {
  F(args_get, "ii:i"),
  F(args_sizes_get, "ii:i"),
  F(environ_get, "ii:i"),
  F(environ_sizes_get, "ii:i"),
  F(clock_res_get, "ii:i"),
  F(clock_time_get, "iIi:i"),
  F(fd_advise, "iIIi:i"),
  F(fd_allocate, "iII:i"),
  F(fd_close, "i:i"),
  F(fd_datasync, "i:i"),
  F(fd_fdstat_get, "ii:i"),
  F(fd_fdstat_set_flags, "ii:i"),
  F(fd_fdstat_set_rights, "iII:i"),
  F(fd_filestat_get, "ii:i"),
  F(fd_filestat_set_size, "iI:i"),
  F(fd_filestat_set_times, "iIIi:i"),
  F(fd_pread, "iiiIi:i"),
  F(fd_prestat_get, "ii:i"),
  F(fd_prestat_dir_name, "iii:i"),
  F(fd_pwrite, "iiiIi:i"),
  F(fd_read, "iiii:i"),
  F(fd_readdir, "iiiIi:i"),
  F(fd_renumber, "ii:i"),
  F(fd_seek, "iIii:i"),
  F(fd_sync, "i:i"),
  F(fd_tell, "ii:i"),
  F(fd_write, "iiii:i"),
  F(path_create_directory, "iii:i"),
  F(path_filestat_get, "iiiii:i"),
  F(path_filestat_set_times, "iiiiIIi:i"),
  F(path_link, "iiiiiii:i"),
  F(path_open, "iiiiiIIii:i"),
  F(path_readlink, "iiiiii:i"),
  F(path_remove_directory, "iii:i"),
  F(path_rename, "iiiiii:i"),
  F(path_symlink, "iiiii:i"),
  F(path_unlink_file, "iii:i"),
  F(poll_oneoff, "iiii:i"),
  F(proc_exit, "i:"),
  F(proc_raise, "i:i"),
  F(sched_yield, ":i"),
  F(random_get, "ii:i"),
  F(sock_accept, "iii:i"),
  F(sock_recv, "iiiiii:i"),
  F(sock_send, "iiiii:i"),
  F(sock_shutdown, "ii:i"),
};
#undef F

const wasm_host_func *wasi_host_funcs(size_t *n) {
  *n = sizeof funcs / sizeof funcs[0];
  return funcs;
}
