/* wasi_save / wasi_restore: WASI state as portable bytes (LEB128 varints,
 * length-prefixed strings; layout in docs/snapshot-format.md). Restore
 * treats the bytes as hostile: everything is checked, descriptors are
 * reopened beneath their preopen by path, and any failure leaves nothing
 * behind. */
#include "wasi-channel.h"
#include "wasi-private.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define WASI_SAVE_VERSION 1
#define MAX_STRING (1u << 20)
#define MAX_STRINGS 65536u
#define WASI_MAX_PREOPENS 256

typedef struct {
  uint8_t *buf;
  size_t len, cap;
  bool oom;
} wbuf;

static void put(wbuf *w, const void *p, size_t n) {
  if (w->oom) return;
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 256;
    while (cap < w->len + n) cap *= 2;
    uint8_t *b = realloc(w->buf, cap);
    if (!b) {
      w->oom = true;
      return;
    }
    w->buf = b;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

static void put_u8(wbuf *w, uint8_t v) { put(w, &v, 1); }

static void put_var(wbuf *w, uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  do {
    b[n] = v & 0x7f;
    v >>= 7;
    if (v) b[n] |= 0x80;
    n++;
  } while (v);
  put(w, b, n);
}

static void put_str(wbuf *w, const char *s, size_t n) {
  put_var(w, n);
  put(w, s, n);
}

static void put_cstr(wbuf *w, const char *s) { put_str(w, s, strlen(s)); }

static void save_fd(wbuf *w, const wasi_fd *f, uint32_t num) {
  put_var(w, num);
  put_u8(w, (uint8_t)f->kind);
  if (f->kind == WASI_FD_STREAM) {
    put_u8(w, (uint8_t)f->stdio);
    put_var(w, f->fdflags);
    return;
  }
  if (f->kind == WASI_FD_CHDIR || f->kind == WASI_FD_CHANNEL) {  /* channels */
    put_var(w, (uint64_t)(f->chan + 1));
    put_var(w, f->fdflags);
    put_u8(w, (uint8_t)(f->readable | f->writable << 1));
    return;
  }
  put_var(w, (uint64_t)f->preopen);
  put_u8(w, f->is_preopen);
  put_cstr(w, f->path);
  put_var(w, f->oflags);
  put_var(w, f->fdflags);
  put_var(w, f->rights_base);
  put_var(w, f->rights_inh);
  put_u8(w, (uint8_t)(f->readable | f->writable << 1));
  off_t pos = f->kind == WASI_FD_FILE ? lseek(f->host, 0, SEEK_CUR) : 0;
  put_var(w, pos < 0 ? 0 : (uint64_t)pos);
}

int wasi_save(const wasi_ctx *cctx, uint8_t **out, size_t *outlen, char *err,
              size_t errlen) {
  wasi_ctx *ctx = (wasi_ctx *)cctx;  /* the cpu clock bookkeeping moves */
  wbuf w = {0};
  put_u8(&w, WASI_SAVE_VERSION);
  put_var(&w, ctx->argc);
  for (size_t i = 0; i < ctx->argc; i++) put_cstr(&w, ctx->argv[i]);
  put_var(&w, ctx->envc);
  for (size_t i = 0; i < ctx->envc; i++) put_cstr(&w, ctx->env[i]);
  put_var(&w, ctx->ndirs);
  for (size_t i = 0; i < ctx->ndirs; i++) {
    put_cstr(&w, ctx->dirs[i].guest);
    put_cstr(&w, ctx->dirs[i].host);
  }
  put_var(&w, wasi_clock_mono(ctx));
  put_var(&w, wasi_clock_cpu(ctx));
  for (int i = 0; i < 3; i++) put_var(&w, ctx->stream_off[i]);
  put_str(&w, (const char *)ctx->peek, ctx->peek_len);
  put_u8(&w, ctx->stdin_eof);
  put_u8(&w, ctx->poll.active);
  if (ctx->poll.active) {
    put_var(&w, ctx->poll.in_ptr);
    put_var(&w, ctx->poll.nsubs);
    put(&w, ctx->poll.subs, (size_t)ctx->poll.nsubs * 48);
    for (uint32_t i = 0; i < ctx->poll.nsubs; i++)
      put_var(&w, ctx->poll.deadline[i]);
  }
  uint32_t used = 0;
  for (uint32_t i = 0; i < ctx->nfds; i++)
    used += ctx->fds[i].kind != WASI_FD_FREE;
  put_var(&w, used);
  for (uint32_t i = 0; i < ctx->nfds; i++)
    if (ctx->fds[i].kind != WASI_FD_FREE) save_fd(&w, &ctx->fds[i], i);
  if (ctx->channels) {  /* channels: an optional last section */
    uint8_t *cb;
    size_t cl;
    if (wasi_channels_save(ctx->channels, &cb, &cl, err, errlen) < 0) {
      free(w.buf);
      return -1;
    }
    put_str(&w, (const char *)cb, cl);
    free(cb);
  }
  if (w.oom) {
    free(w.buf);
    wasi_set_err(err, errlen, "out of memory saving WASI state");
    return -1;
  }
  *out = w.buf;
  *outlen = w.len;
  return 0;
}

/* ---- restore ---- */

typedef struct {
  const uint8_t *p, *end;
  char *err;
  size_t errlen;
  bool bad;
} rbuf;

static bool fail(rbuf *r, const char *what) {
  if (!r->bad) wasi_set_err(r->err, r->errlen, "WASI state: %s", what);
  r->bad = true;
  return false;
}

static uint8_t get_u8(rbuf *r) {
  if (r->bad || r->p >= r->end) return fail(r, "truncated"), 0;
  return *r->p++;
}

static uint64_t get_var(rbuf *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = get_u8(r);
    if (r->bad) return 0;
    if (shift == 63 && b > 1) return fail(r, "varint overflows"), 0;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return fail(r, "varint too long"), 0;
}

/* A string without NULs, malloc'd. */
static char *get_str(rbuf *r, size_t max) {
  uint64_t n = get_var(r);
  if (r->bad) return NULL;
  if (n > max || n > (uint64_t)(r->end - r->p))
    return fail(r, "string length out of bounds"), NULL;
  if (memchr(r->p, 0, n)) return fail(r, "NUL inside a string"), NULL;
  char *s = wasi_strndup((const char *)r->p, n);
  if (!s) return fail(r, "out of memory"), NULL;
  r->p += n;
  return s;
}

static bool get_strings(rbuf *r, char ***v, size_t *n) {
  uint64_t c = get_var(r);
  if (r->bad) return false;
  if (c > MAX_STRINGS || c > (uint64_t)(r->end - r->p))
    return fail(r, "too many strings");
  *v = calloc(c + 1, sizeof(char *));
  if (!*v) return fail(r, "out of memory");
  *n = 0;
  for (uint64_t i = 0; i < c; i++) {
    if (!((*v)[i] = get_str(r, MAX_STRING))) return false;
    *n = i + 1;
  }
  return true;
}

/* A relative path that stays beneath its root, read lexically (the kernel
 * or the walk checks again at open time). */
static bool path_ok(const char *p) {
  if (!*p || p[0] == '/') return false;
  int depth = 0;
  const char *s = p;
  while (*s) {
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n == 2 && s[0] == '.' && s[1] == '.') {
      if (--depth < 0) return false;
    } else if (n && !(n == 1 && s[0] == '.')) {
      depth++;
    }
    s += n;
    while (*s == '/') s++;
  }
  return true;
}

static int reopen(wasi_ctx *ctx, int *roots, wasi_fd *f, uint64_t pos,
                  rbuf *r) {
  int flags = f->kind == WASI_FD_DIR ? O_RDONLY | O_DIRECTORY
              : f->writable ? (f->readable ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (f->fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
  /* Never wait in a restore: a FIFO would block the open until a peer
   * came. The program's own flag is put back below. */
  flags |= O_NONBLOCK;
  int h = wasi_open_beneath(roots[f->preopen], f->path, flags, 0, true);
  if (h < 0) {
    char msg[512];
    snprintf(msg, sizeof msg, "cannot reopen %s%s%s: %s",
             ctx->dirs[f->preopen].guest, "/", f->path, strerror(-h));
    fail(r, msg);
    return -1;
  }
  struct stat st;
  if (fstat(h, &st) < 0 ||
      (f->kind == WASI_FD_DIR) != (S_ISDIR(st.st_mode) != 0)) {
    close(h);
    fail(r, "a reopened descriptor changed type");
    return -1;
  }
  if (!(f->fdflags & WASI_FDFLAG_NONBLOCK)) {
    int fl = fcntl(h, F_GETFL);
    if (fl >= 0) fcntl(h, F_SETFL, fl & ~O_NONBLOCK);
  }
  f->filetype = wasi_filetype_of(st.st_mode);
  if (f->kind == WASI_FD_FILE && S_ISREG(st.st_mode) &&
      lseek(h, (off_t)pos, SEEK_SET) < 0) {
    close(h);
    fail(r, "cannot seek a reopened file");
    return -1;
  }
  return h;
}

static bool restore_fds(rbuf *r, wasi_ctx *ctx, int *roots) {
  uint64_t n = get_var(r);
  if (r->bad) return false;
  if (n > WASI_MAX_FDS) return fail(r, "too many descriptors");
  /* The three stdio slots exist from ctx_alloc: start from an empty table. */
  for (int i = 0; i < 3; i++) ctx->fds[i].kind = WASI_FD_FREE;
  ctx->nfds = 0;
  int64_t last = -1;
  for (uint64_t k = 0; k < n; k++) {
    uint64_t num = get_var(r);
    uint8_t kind = get_u8(r);
    if (r->bad) return false;
    if (num >= WASI_MAX_FDS || (int64_t)num <= last)
      return fail(r, "descriptor numbers out of order or too large");
    last = (int64_t)num;
    if (num >= ctx->nfds) ctx->nfds = (uint32_t)num + 1;
    wasi_fd *f = &ctx->fds[num];
    memset(f, 0, sizeof *f);
    f->host = -1;
    if (kind == WASI_FD_STREAM) {
      uint8_t s = get_u8(r);
      uint64_t fl = get_var(r);
      if (r->bad) return false;
      if (s > 2 || fl > 0x1f) return fail(r, "bad stream descriptor");
      f->kind = WASI_FD_STREAM;
      f->stdio = s;
      f->preopen = -1;
      f->fdflags = (uint16_t)fl;
      f->filetype = WASI_FT_CHAR;
      f->readable = s == 0;
      f->writable = s != 0;
      f->rights_base = WASI_RIGHTS_ALL;
      continue;
    }
    if (kind == WASI_FD_CHDIR || kind == WASI_FD_CHANNEL) {  /* channels */
      uint64_t ch = get_var(r), fl = get_var(r);
      uint8_t rw = get_u8(r);
      if (r->bad) return false;
      if (!wasi_ch_restore_fd(ctx, (uint32_t)num, kind, ch, fl, rw))
        return fail(r, "bad channel descriptor");
      continue;
    }
    if (kind != WASI_FD_FILE && kind != WASI_FD_DIR)
      return fail(r, "bad descriptor kind");
    uint64_t pre = get_var(r);
    uint8_t is_pre = get_u8(r);
    char *path = get_str(r, 4096);
    if (!path) return false;
    f->path = path;
    f->kind = kind;  /* from here wasi_free releases it */
    uint64_t of = get_var(r), ff = get_var(r);
    f->rights_base = get_var(r);
    f->rights_inh = get_var(r);
    uint8_t rw = get_u8(r);
    uint64_t pos = get_var(r);
    if (r->bad) return false;
    if (pre >= ctx->ndirs) return fail(r, "descriptor of an unknown preopen");
    if (is_pre > 1 || (is_pre && (kind != WASI_FD_DIR || strcmp(path, "."))))
      return fail(r, "bad preopen descriptor");
    if (!path_ok(path)) return fail(r, "descriptor path leaves its preopen");
    if (of > 0xf || ff > 0x1f || rw > 3 || pos > INT64_MAX)
      return fail(r, "bad descriptor flags");
    f->preopen = (int)pre;
    f->is_preopen = is_pre;
    f->oflags = (uint16_t)of;
    f->fdflags = (uint16_t)ff;
    f->readable = rw & 1;
    f->writable = (rw >> 1) & 1;
    if ((f->host = reopen(ctx, roots, f, pos, r)) < 0) return false;
  }
  return true;
}

/* Preopens: guest and host paths, the host ones remapped by CFG. */
static bool restore_dirs(rbuf *r, wasi_ctx *ctx, const wasi_config *cfg) {
  uint64_t nd = get_var(r);
  if (r->bad) return false;
  if (nd > WASI_MAX_PREOPENS) return fail(r, "too many preopens");
  ctx->dirs = calloc(nd ? nd : 1, sizeof(wasi_dir));
  if (!ctx->dirs) return fail(r, "out of memory");
  for (uint64_t i = 0; i < nd; i++) {
    ctx->dirs[i].guest = get_str(r, 4096);
    ctx->dirs[i].host = get_str(r, 4096);
    ctx->ndirs = i + 1;
    if (r->bad) return false;
    if (!*ctx->dirs[i].guest || !*ctx->dirs[i].host)
      return fail(r, "empty preopen path");
  }
  for (size_t j = 0; cfg && j < cfg->npreopens; j++)
    for (size_t i = 0; i < ctx->ndirs; i++)
      if (cfg->preopens[j].guest && cfg->preopens[j].host &&
          strcmp(cfg->preopens[j].guest, ctx->dirs[i].guest) == 0) {
        char *h = strdup(cfg->preopens[j].host);
        if (!h) return fail(r, "out of memory");
        free(ctx->dirs[i].host);
        ctx->dirs[i].host = h;
      }
  return true;
}

/* Stream offsets, unread stdin bytes and its end flag. */
static bool restore_streams(rbuf *r, wasi_ctx *ctx) {
  for (int i = 0; i < 3; i++) ctx->stream_off[i] = get_var(r);
  uint64_t plen = get_var(r);
  if (r->bad) return false;
  if (plen > WASI_PEEK_MAX || plen > (uint64_t)(r->end - r->p))
    return fail(r, "stdin buffer too large");
  memcpy(ctx->peek, r->p, plen);
  r->p += plen;
  ctx->peek_len = (uint32_t)plen;
  uint8_t eof = get_u8(r);
  if (r->bad) return false;
  if (eof > 1) return fail(r, "bad flag byte");
  ctx->stdin_eof = eof;
  return true;
}

/* A poll_oneoff a pause interrupted: its subscriptions and deadlines. */
static bool restore_poll(rbuf *r, wasi_ctx *ctx) {
  uint8_t active = get_u8(r);
  if (r->bad) return false;
  if (active > 1) return fail(r, "bad flag byte");
  if (!active) return true;
  uint64_t in_ptr = get_var(r), ns = get_var(r);
  if (r->bad) return false;
  if (in_ptr > UINT32_MAX || ns == 0 || ns > 4096 ||
      ns * 48 > (uint64_t)(r->end - r->p))
    return fail(r, "bad pending poll");
  wasi_pending_poll *p = &ctx->poll;
  p->subs = malloc(ns * 48);
  p->deadline = calloc(ns, sizeof(uint64_t));
  if (!p->subs || !p->deadline) return fail(r, "out of memory");
  memcpy(p->subs, r->p, ns * 48);
  r->p += ns * 48;
  p->in_ptr = (uint32_t)in_ptr;
  p->nsubs = (uint32_t)ns;
  for (uint64_t i = 0; i < ns; i++) p->deadline[i] = get_var(r);
  p->active = true;
  return !r->bad;
}

/* Descriptors, reopened beneath their preopens' host directories. */
static bool restore_open(rbuf *r, wasi_ctx *ctx) {
  int roots[WASI_MAX_PREOPENS];
  bool ok = true;
  for (size_t i = 0; i < ctx->ndirs; i++) roots[i] = -1;
  for (size_t i = 0; i < ctx->ndirs && ok; i++) {
    roots[i] = open(ctx->dirs[i].host, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (roots[i] < 0) {
      char msg[512];
      snprintf(msg, sizeof msg, "preopen %s (%s): %s", ctx->dirs[i].guest,
               ctx->dirs[i].host, strerror(errno));
      ok = fail(r, msg);
    }
  }
  if (ok) ok = restore_fds(r, ctx, roots);
  for (size_t i = 0; i < ctx->ndirs; i++)
    if (roots[i] >= 0) close(roots[i]);
  return ok;
}

static bool restore_body(rbuf *r, wasi_ctx *ctx, const wasi_config *cfg) {
  if (get_u8(r) != WASI_SAVE_VERSION && !r->bad)
    return fail(r, "unknown version");
  if (!get_strings(r, &ctx->argv, &ctx->argc) ||
      !get_strings(r, &ctx->env, &ctx->envc) || !restore_dirs(r, ctx, cfg))
    return false;
  uint64_t mono = get_var(r), cpu = get_var(r);
  if (!restore_streams(r, ctx) || !restore_poll(r, ctx) ||
      !restore_open(r, ctx))
    return false;
  if (r->p != r->end) {  /* channels: the optional last section */
    uint64_t n = get_var(r);
    if (r->bad || n > (uint64_t)(r->end - r->p))
      return fail(r, "bad channel section");
    if (!(ctx->channels = wasi_channels_restore(r->p, n, r->err, r->errlen)))
      return r->bad = true, false;
    r->p += n;
  }
  if (!wasi_ch_restore_check(ctx, r->err, r->errlen))
    return r->bad = true, false;
  if (r->p != r->end) return fail(r, "trailing bytes");
  wasi_clock_set(ctx, mono, cpu);
  return true;
}

wasi_ctx *wasi_restore(const uint8_t *buf, size_t len, const wasi_config *cfg,
                       char *err, size_t errlen) {
  /* ctx_alloc is wasi.c's; a new context with no preopens does the same. */
  wasi_config base = {0};
  if (cfg) for (int i = 0; i < 3; i++) base.stdio[i] = cfg->stdio[i];
  wasi_ctx *ctx = wasi_new(&base, err, errlen);
  if (!ctx) return NULL;
  free(ctx->argv);  /* empty arrays from wasi_new; the saved ones follow */
  free(ctx->env);
  ctx->argv = ctx->env = NULL;
  rbuf r = {buf, buf + len, err, errlen, false};
  if (!restore_body(&r, ctx, cfg)) {
    wasi_free(ctx);
    return NULL;
  }
  return ctx;
}
