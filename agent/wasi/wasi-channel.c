/* Channels of one module: queues, limits, counters, exactly-once
 * bookkeeping and save/restore. One mutex guards the whole set: the
 * agent's main thread delivers while the module's thread reads, and a
 * snapshot may be taken while messages keep arriving. */
#include "wasi-channel.h"
#include "endian-private.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ch_msg {
  struct ch_msg *next;
  size_t len;
  uint8_t data[];
} ch_msg;

typedef struct {
  char src[WASI_CH_SRC_MAX + 1];
  uint64_t last;
} ch_pub;

typedef struct {
  char *name;
  unsigned mode;
  ch_msg *head, *tail;
  size_t count;
  ch_pub *pubs;
  size_t npubs, pub_evict;
  wasi_channel_stats st;
} ch_chan;

struct wasi_channels {
  pthread_mutex_t lock;
  pthread_cond_t arrived;
  char self[WASI_CH_SRC_MAX + 1];
  size_t msg_max, queue_max;
  uint64_t next_seq;
  ch_chan *ch;
  size_t n;
  wasi_channel_backend backend;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* The same rule as arts_channel_name_valid() in common/: 1..128 chars of
 * [A-Za-z0-9_.-] segments separated by '/', none empty, '.' or '..'. */
static bool name_ok(const char *s, size_t len) {
  if (len == 0 || len > WASI_CH_NAME_MAX) return false;
  size_t seg = 0;
  for (size_t i = 0; i <= len; i++) {
    char c = i < len ? s[i] : '/';
    if (c == '/') {
      if (i == seg) return false;
      size_t sl = i - seg;
      if ((sl == 1 && s[seg] == '.') ||
          (sl == 2 && s[seg] == '.' && s[seg + 1] == '.'))
        return false;
      seg = i + 1;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

static bool src_ok(const char *s, size_t len) {
  if (len > WASI_CH_SRC_MAX) return false;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) return false;
  return true;
}

static wasi_channels *set_alloc(const char *self, size_t n) {
  wasi_channels *set = calloc(1, sizeof *set);
  if (!set) return NULL;
  set->ch = calloc(n ? n : 1, sizeof *set->ch);
  if (!set->ch) {
    free(set);
    return NULL;
  }
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&set->arrived, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&set->lock, NULL);
  snprintf(set->self, sizeof set->self, "%s", self ? self : "");
  set->n = n;
  return set;
}

wasi_channels *wasi_channels_new(const char *self,
                                 const wasi_channel_spec *specs, size_t n,
                                 const wasi_channel_limits *limits,
                                 char *err, size_t errlen) {
  if (n > WASI_CH_MAX_CHANNELS) {
    set_err(err, errlen, "too many channels (%zu, at most %d)", n,
            WASI_CH_MAX_CHANNELS);
    return NULL;
  }
  if (self && !src_ok(self, strlen(self))) {
    set_err(err, errlen, "bad module id for channels");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    const char *name = specs[i].name;
    if (!name || !name_ok(name, strlen(name))) {
      set_err(err, errlen, "channel %zu: bad name", i);
      return NULL;
    }
    if (!specs[i].mode || specs[i].mode & ~(WASI_CH_READ | WASI_CH_WRITE)) {
      set_err(err, errlen, "channel %s: bad mode", name);
      return NULL;
    }
    for (size_t j = 0; j < i; j++)
      if (!strcmp(specs[j].name, name)) {
        set_err(err, errlen, "channel %s listed twice", name);
        return NULL;
      }
  }
  wasi_channels *set = set_alloc(self, n);
  if (!set) {
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  set->msg_max = limits && limits->msg_max ? limits->msg_max
                                           : WASI_CH_DEFAULT_MSG_MAX;
  set->queue_max = limits && limits->queue_max ? limits->queue_max
                                               : WASI_CH_DEFAULT_QUEUE_MAX;
  for (size_t i = 0; i < n; i++) {
    set->ch[i].mode = specs[i].mode;
    if (!(set->ch[i].name = strdup(specs[i].name))) {
      wasi_channels_free(set);
      set_err(err, errlen, "out of memory");
      return NULL;
    }
  }
  return set;
}

static void chan_clear(ch_chan *c) {
  for (ch_msg *m = c->head, *next; m; m = next) {
    next = m->next;
    free(m);
  }
  free(c->pubs);
  free(c->name);
}

void wasi_channels_free(wasi_channels *set) {
  if (!set) return;
  for (size_t i = 0; i < set->n; i++) chan_clear(&set->ch[i]);
  free(set->ch);
  pthread_cond_destroy(&set->arrived);
  pthread_mutex_destroy(&set->lock);
  free(set);
}

void wasi_channels_set_backend(wasi_channels *set,
                               const wasi_channel_backend *backend) {
  pthread_mutex_lock(&set->lock);
  static const wasi_channel_backend none;
  set->backend = backend ? *backend : none;
  pthread_mutex_unlock(&set->lock);
}

size_t wasi_channels_count(const wasi_channels *set) {
  return set ? set->n : 0;
}

const char *wasi_channels_name(const wasi_channels *set, size_t i) {
  return i < set->n ? set->ch[i].name : NULL;
}

unsigned wasi_channels_mode(const wasi_channels *set, size_t i) {
  return i < set->n ? set->ch[i].mode : 0;
}

int wasi_channels_find(const wasi_channels *set, const char *name) {
  if (!set || !name) return -1;
  for (size_t i = 0; i < set->n; i++)
    if (set->ch[i].name && !strcmp(set->ch[i].name, name)) return (int)i;
  return -1;
}

void wasi_channels_stats(wasi_channels *set, size_t i,
                         wasi_channel_stats *out) {
  memset(out, 0, sizeof *out);
  if (i >= set->n) return;
  pthread_mutex_lock(&set->lock);
  *out = set->ch[i].st;
  out->queued = set->ch[i].count;
  pthread_mutex_unlock(&set->lock);
}

/* The last-seq slot of SRC on C, made when missing. When the table is
 * full the slots are reused in turn: a publisher forgotten that way
 * loses only its duplicate protection, never a message. */
static ch_pub *pub_slot(ch_chan *c, const char *src) {
  for (size_t i = 0; i < c->npubs; i++)
    if (!strcmp(c->pubs[i].src, src)) return &c->pubs[i];
  if (c->npubs == WASI_CH_MAX_PUBLISHERS) {
    ch_pub *p = &c->pubs[c->pub_evict++ % WASI_CH_MAX_PUBLISHERS];
    snprintf(p->src, sizeof p->src, "%s", src);
    p->last = 0;
    return p;
  }
  ch_pub *pubs = realloc(c->pubs, (c->npubs + 1) * sizeof *pubs);
  if (!pubs) return NULL;
  c->pubs = pubs;
  ch_pub *p = &pubs[c->npubs++];
  snprintf(p->src, sizeof p->src, "%s", src);
  p->last = 0;
  return p;
}

static void enqueue(ch_chan *c, ch_msg *m) {
  m->next = NULL;
  if (c->tail) c->tail->next = m;
  else c->head = m;
  c->tail = m;
  c->count++;
}

int wasi_channel_deliver(wasi_channels *set, const char *name,
                         const char *src, uint64_t seq,
                         const void *buf, size_t len) {
  if (!set || !name || !src || !src_ok(src, strlen(src))) return 0;
  int r = 0;
  pthread_mutex_lock(&set->lock);
  int i = wasi_channels_find(set, name);
  ch_chan *c = i >= 0 ? &set->ch[i] : NULL;
  if (!c || !(c->mode & WASI_CH_READ) || !strcmp(src, set->self)) goto out;
  ch_pub *p = pub_slot(c, src);
  if (p && seq <= p->last) goto out;  /* already delivered: a duplicate */
  if (p) p->last = seq;
  r = -1;
  if (len > set->msg_max || c->count >= set->queue_max) {
    c->st.dropped++;
    goto out;
  }
  ch_msg *m = malloc(sizeof *m + len);
  if (!m) {
    c->st.dropped++;
    goto out;
  }
  m->len = len;
  if (len) memcpy(m->data, buf, len);
  enqueue(c, m);
  c->st.msgs_in++;
  c->st.bytes_in += len;
  r = 1;
  pthread_cond_broadcast(&set->arrived);
out:
  pthread_mutex_unlock(&set->lock);
  return r;
}

int wasi_channel_send(wasi_channels *set, size_t i, const void *buf,
                      size_t len) {
  if (i >= set->n || !(set->ch[i].mode & WASI_CH_WRITE)) return -EBADF;
  if (len > set->msg_max) return -EMSGSIZE;
  pthread_mutex_lock(&set->lock);
  wasi_channel_backend b = set->backend;
  uint64_t seq = ++set->next_seq;
  pthread_mutex_unlock(&set->lock);
  if (!b.publish) return -EIO;
  /* Published outside the lock: the host may block on its own queue. */
  int r = b.publish(b.ctx, set->ch[i].name, buf, len, set->self, seq);
  if (r < 0) return r;
  pthread_mutex_lock(&set->lock);
  set->ch[i].st.msgs_out++;
  set->ch[i].st.bytes_out += len;
  pthread_mutex_unlock(&set->lock);
  return 0;
}

/* Channels by bit (at most 64 of them: WASI_CH_MAX_CHANNELS). */
static uint64_t chan_mask(size_t i) {
  return i == SIZE_MAX ? UINT64_MAX : (uint64_t)1 << i;
}

static bool any_ready(wasi_channels *set, uint64_t mask) {
  for (size_t k = 0; k < set->n; k++)
    if ((mask >> k & 1) && set->ch[k].count) return true;
  return false;
}

/* Waits with the lock held; true when something is ready. */
static bool wait_locked(wasi_channels *set, uint64_t mask, int timeout_ms) {
  if (any_ready(set, mask) || timeout_ms <= 0) return any_ready(set, mask);
  struct timespec dl;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  dl.tv_sec += timeout_ms / 1000;
  dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) {
    dl.tv_sec++;
    dl.tv_nsec -= 1000000000L;
  }
  while (!any_ready(set, mask))
    if (pthread_cond_timedwait(&set->arrived, &set->lock, &dl) == ETIMEDOUT)
      break;
  return any_ready(set, mask);
}

bool wasi_channel_wait_mask(wasi_channels *set, uint64_t mask,
                            int timeout_ms) {
  if (!set) return false;
  pthread_mutex_lock(&set->lock);
  bool r = wait_locked(set, mask, timeout_ms);
  pthread_mutex_unlock(&set->lock);
  return r;
}

bool wasi_channel_wait(wasi_channels *set, size_t i, int timeout_ms) {
  if (!set || (i != SIZE_MAX && i >= set->n)) return false;
  return wasi_channel_wait_mask(set, chan_mask(i), timeout_ms);
}

long wasi_channel_recv(wasi_channels *set, size_t i, void *buf, size_t len,
                       int timeout_ms) {
  if (i >= set->n || !(set->ch[i].mode & WASI_CH_READ)) return -EBADF;
  pthread_mutex_lock(&set->lock);
  ch_chan *c = &set->ch[i];
  if (!wait_locked(set, chan_mask(i), timeout_ms)) {
    pthread_mutex_unlock(&set->lock);
    return -EAGAIN;
  }
  ch_msg *m = c->head;
  c->head = m->next;
  if (!c->head) c->tail = NULL;
  c->count--;
  size_t n = m->len < len ? m->len : len;
  if (m->len > len) c->st.truncated++;
  pthread_mutex_unlock(&set->lock);
  if (n) memcpy(buf, m->data, n);
  free(m);
  return (long)n;
}

long wasi_channel_peek(wasi_channels *set, size_t i) {
  if (i >= set->n) return -1;
  pthread_mutex_lock(&set->lock);
  long r = set->ch[i].head ? (long)set->ch[i].head->len : -1;
  pthread_mutex_unlock(&set->lock);
  return r;
}

/* ---- save / restore ---- */

#define CH_MAGIC "ARTSCHN1"

typedef struct {
  uint8_t *p;
  size_t len, cap;
  bool oom;
} wbuf;

static void put(wbuf *w, const void *p, size_t n) {
  if (w->oom) return;
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n) cap *= 2;
    uint8_t *np = realloc(w->p, cap);
    if (!np) {
      w->oom = true;
      return;
    }
    w->p = np;
    w->cap = cap;
  }
  memcpy(w->p + w->len, p, n);
  w->len += n;
}

static void put_u64(wbuf *w, uint64_t v) {
  uint8_t b[8];
  le_put64(b, v);
  put(w, b, 8);
}

static void put_str(wbuf *w, const char *s) {
  size_t n = strlen(s);
  put_u64(w, n);
  put(w, s, n);
}

static void save_chan(wbuf *w, const ch_chan *c) {
  put_str(w, c->name);
  put_u64(w, c->mode);
  const wasi_channel_stats *s = &c->st;
  uint64_t v[] = {s->msgs_in, s->bytes_in, s->msgs_out, s->bytes_out,
                  s->dropped, s->truncated};
  for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) put_u64(w, v[k]);
  put_u64(w, c->npubs);
  for (size_t k = 0; k < c->npubs; k++) {
    put_str(w, c->pubs[k].src);
    put_u64(w, c->pubs[k].last);
  }
  put_u64(w, c->count);
  for (const ch_msg *m = c->head; m; m = m->next) {
    put_u64(w, m->len);
    put(w, m->data, m->len);
  }
}

int wasi_channels_save(wasi_channels *set, uint8_t **out, size_t *outlen,
                       char *err, size_t errlen) {
  wbuf w = {0};
  pthread_mutex_lock(&set->lock);
  put(&w, CH_MAGIC, 8);
  put_str(&w, set->self);
  put_u64(&w, set->msg_max);
  put_u64(&w, set->queue_max);
  put_u64(&w, set->next_seq);
  put_u64(&w, set->n);
  for (size_t i = 0; i < set->n; i++) save_chan(&w, &set->ch[i]);
  pthread_mutex_unlock(&set->lock);
  if (w.oom) {
    free(w.p);
    set_err(err, errlen, "out of memory saving channels");
    return -1;
  }
  *out = w.p;
  *outlen = w.len;
  return 0;
}

typedef struct {
  const uint8_t *p;
  size_t len, pos;
  char *err;
  size_t errlen;
  bool bad;
} rbuf;

/* "bad snapshot: " first: the agent passes such messages on as they are. */
static bool fail(rbuf *r, const char *what) {
  if (!r->bad)
    set_err(r->err, r->errlen, "bad snapshot: channel state: %s", what);
  r->bad = true;
  return false;
}

static uint64_t get_u64(rbuf *r) {
  if (r->bad || r->len - r->pos < 8) return fail(r, "truncated"), 0;
  uint64_t v = le_get64(r->p + r->pos);
  r->pos += 8;
  return v;
}

/* A string of at most MAX bytes into DST (MAX + 1 bytes). */
static bool get_str(rbuf *r, char *dst, size_t max) {
  uint64_t n = get_u64(r);
  if (r->bad) return false;
  if (n > max || n > r->len - r->pos) return fail(r, "bad string length");
  if (memchr(r->p + r->pos, 0, n)) return fail(r, "NUL inside a string");
  memcpy(dst, r->p + r->pos, n);
  dst[n] = 0;
  r->pos += n;
  return true;
}

static bool restore_chan(rbuf *r, wasi_channels *set, ch_chan *c) {
  char name[WASI_CH_NAME_MAX + 1];
  if (!get_str(r, name, WASI_CH_NAME_MAX)) return false;
  if (!name_ok(name, strlen(name))) return fail(r, "bad channel name");
  if (wasi_channels_find(set, name) >= 0) return fail(r, "channel twice");
  if (!(c->name = strdup(name))) return fail(r, "out of memory");
  uint64_t mode = get_u64(r);
  if (!mode || mode > (WASI_CH_READ | WASI_CH_WRITE))
    return fail(r, "bad channel mode");
  c->mode = (unsigned)mode;
  wasi_channel_stats *s = &c->st;
  uint64_t *v[] = {&s->msgs_in, &s->bytes_in, &s->msgs_out, &s->bytes_out,
                   &s->dropped, &s->truncated};
  for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) *v[k] = get_u64(r);
  uint64_t np = get_u64(r);
  if (r->bad) return false;
  if (np > WASI_CH_MAX_PUBLISHERS) return fail(r, "too many publishers");
  for (uint64_t k = 0; k < np; k++) {
    char src[WASI_CH_SRC_MAX + 1];
    if (!get_str(r, src, WASI_CH_SRC_MAX)) return false;
    if (!src_ok(src, strlen(src))) return fail(r, "bad publisher id");
    for (size_t j = 0; j < c->npubs; j++)
      if (!strcmp(c->pubs[j].src, src)) return fail(r, "publisher twice");
    ch_pub *p = pub_slot(c, src);
    if (!p) return fail(r, "out of memory");
    p->last = get_u64(r);
  }
  uint64_t nq = get_u64(r);
  if (r->bad) return false;
  if (nq > set->queue_max) return fail(r, "queue above its limit");
  for (uint64_t k = 0; k < nq; k++) {
    uint64_t len = get_u64(r);
    if (r->bad) return false;
    if (len > set->msg_max || len > r->len - r->pos)
      return fail(r, "bad message length");
    ch_msg *m = malloc(sizeof *m + len);
    if (!m) return fail(r, "out of memory");
    m->len = len;
    if (len) memcpy(m->data, r->p + r->pos, len);
    r->pos += len;
    enqueue(c, m);
  }
  return true;
}

wasi_channels *wasi_channels_restore(const uint8_t *buf, size_t len,
                                     char *err, size_t errlen) {
  rbuf r = {buf, len, 0, err, errlen, false};
  if (len < 8 || memcmp(buf, CH_MAGIC, 8)) {
    fail(&r, "not a channel state");
    return NULL;
  }
  r.pos = 8;
  char self[WASI_CH_SRC_MAX + 1];
  if (!get_str(&r, self, WASI_CH_SRC_MAX)) return NULL;
  if (!src_ok(self, strlen(self))) {
    fail(&r, "bad module id");
    return NULL;
  }
  uint64_t msg_max = get_u64(&r), queue_max = get_u64(&r);
  uint64_t next_seq = get_u64(&r), n = get_u64(&r);
  if (r.bad) return NULL;
  /* Limits are checked against what a module may be given: 64 MiB per
   * message, a million queued. */
  if (!msg_max || msg_max > (64u << 20) || !queue_max ||
      queue_max > 1000000 || n > WASI_CH_MAX_CHANNELS) {
    fail(&r, "limits out of range");
    return NULL;
  }
  wasi_channels *set = set_alloc(self, (size_t)n);
  if (!set) {
    fail(&r, "out of memory");
    return NULL;
  }
  set->msg_max = (size_t)msg_max;
  set->queue_max = (size_t)queue_max;
  set->next_seq = next_seq;
  set->n = 0;
  for (uint64_t i = 0; i < n; i++) {
    set->n = (size_t)i + 1;
    if (!restore_chan(&r, set, &set->ch[i])) break;
  }
  if (!r.bad && r.pos != len) fail(&r, "trailing bytes");
  if (r.bad) {
    wasi_channels_free(set);
    return NULL;
  }
  return set;
}

/* ---- the guest side ---- */

#include "wasi-private.h"

#define CH_GUEST_DIR "/ch"
#define WASI_EMSGSIZE 35

wasi_channels *wasi_ctx_channels(wasi_ctx *ctx) { return ctx->channels; }

/* Takes SET and opens the /ch directory in the next descriptor. */
bool wasi_ch_attach(wasi_ctx *ctx, wasi_channels *set, char *err,
                    size_t errlen) {
  ctx->channels = set;
  int slot = wasi_fd_alloc(ctx);
  if (slot < 0) {
    set_err(err, errlen, "too many descriptors");
    return false;
  }
  wasi_fd *f = &ctx->fds[slot];
  f->kind = WASI_FD_CHDIR;
  f->host = -1;
  f->preopen = -1;
  f->chan = -1;
  f->filetype = WASI_FT_DIR;
  f->readable = true;
  f->rights_base = f->rights_inh = WASI_RIGHTS_ALL;
  f->oflags = WASI_OFLAG_DIRECTORY;
  return true;
}

wasm_host_status wasi_ch_prestat(wasm_instance *inst, wasi_ctx *ctx,
                                 const uint64_t *args, uint64_t *results,
                                 bool name) {
  (void)ctx;
  size_t len = strlen(CH_GUEST_DIR);
  wasi_mem m;
  uint8_t *out;
  if (name && WASI_A32(2) < len) WASI_RET(WASI_ENAMETOOLONG);
  if (!wasi_mem_get(inst, &m) ||
      !(out = wasi_mem_at(&m, WASI_A32(1), name ? len : 8)))
    WASI_RET(WASI_EFAULT);
  if (name) {
    memcpy(out, CH_GUEST_DIR, len);
  } else {
    memset(out, 0, 8);
    wasi_st32(out + 4, (uint32_t)len);
  }
  WASI_RET(WASI_ESUCCESS);
}

/* path_open beneath /ch: only a listed channel, in a mode it allows.
 * Anything else is ENOENT (unlisted or not a channel name) or EACCES
 * (listed, but not for that direction). */
wasm_host_status wasi_ch_open(wasm_instance *inst, wasi_ctx *ctx,
                              const uint64_t *args, uint64_t *results) {
  uint32_t len = WASI_A32(3), oflags = WASI_A32(4), fdflags = WASI_A32(7);
  uint64_t rbase = args[5];
  wasi_mem m;
  const uint8_t *p;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(p = wasi_mem_at(&m, WASI_A32(2), len)) ||
      !(out = wasi_mem_at(&m, WASI_A32(8), 4)))
    WASI_RET(WASI_EFAULT);
  if (len > WASI_CH_NAME_MAX) WASI_RET(WASI_ENOENT);
  char name[WASI_CH_NAME_MAX + 1];
  memcpy(name, p, len);
  name[len] = 0;
  if (!name_ok(name, len) || memchr(p, 0, len)) WASI_RET(WASI_ENOENT);
  int ch = wasi_channels_find(ctx->channels, name);
  if (ch < 0) WASI_RET(WASI_ENOENT);
  if (oflags & (WASI_OFLAG_DIRECTORY | WASI_OFLAG_EXCL))
    WASI_RET(oflags & WASI_OFLAG_EXCL ? WASI_EEXIST : WASI_ENOTDIR);
  bool rd = rbase & WASI_RIGHT_FD_READ, wr = rbase & WASI_RIGHT_FD_WRITE;
  unsigned mode = wasi_channels_mode(ctx->channels, (size_t)ch);
  if ((rd && !(mode & WASI_CH_READ)) || (wr && !(mode & WASI_CH_WRITE)) ||
      (!rd && !wr))
    WASI_RET(WASI_EACCES);
  int slot = wasi_fd_alloc(ctx);
  if (slot < 0) WASI_RET(WASI_EMFILE);
  wasi_fd *f = &ctx->fds[slot];
  f->kind = WASI_FD_CHANNEL;
  f->host = -1;
  f->preopen = -1;
  f->chan = ch;
  f->fdflags = (uint16_t)(fdflags & WASI_FDFLAG_NONBLOCK);
  f->filetype = WASI_FT_SOCK_DGRAM;
  f->readable = rd;
  f->writable = wr;
  f->rights_base = WASI_RIGHTS_ALL;
  wasi_st32(out, (uint32_t)slot);
  WASI_RET(WASI_ESUCCESS);
}

/* The guest's iovec array at args[1], args[2]: total length, or -errno. */
static int64_t iov_total(const wasi_mem *m, const uint64_t *args) {
  uint32_t n = WASI_A32(2);
  const uint8_t *v = wasi_mem_at(m, WASI_A32(1), (uint64_t)n * 8);
  if (!v || n > 1024) return -WASI_EFAULT;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t ptr = wasi_ld32(v + 8 * i), l = wasi_ld32(v + 8 * i + 4);
    if (!wasi_mem_at(m, ptr, l)) return -WASI_EFAULT;
    total += l;
  }
  return (int64_t)total;
}

/* Copies between BUF and the guest's iovecs (TO_GUEST: into them). */
static void iov_copy(const wasi_mem *m, const uint64_t *args, uint8_t *buf,
                     size_t len, bool to_guest) {
  const uint8_t *v = wasi_mem_at(m, WASI_A32(1), (uint64_t)WASI_A32(2) * 8);
  size_t done = 0;
  for (uint32_t i = 0; i < WASI_A32(2) && done < len; i++) {
    uint32_t ptr = wasi_ld32(v + 8 * i), l = wasi_ld32(v + 8 * i + 4);
    size_t k = len - done < l ? len - done : l;
    if (to_guest) memcpy(m->base + ptr, buf + done, k);
    else memcpy(buf + done, m->base + ptr, k);
    done += k;
  }
}

static wasm_host_status put_count(wasm_instance *inst, uint32_t ptr,
                                  uint32_t v, uint64_t *results) {
  wasi_mem m;
  uint8_t *o;
  if (!wasi_mem_get(inst, &m) || !(o = wasi_mem_at(&m, ptr, 4)))
    WASI_RET(WASI_EFAULT);
  wasi_st32(o, v);
  WASI_RET(WASI_ESUCCESS);
}

/* One read = one whole message; a blocking read waits in slices so that
 * a pause lands here with nothing consumed (the call is redone). */
wasm_host_status wasi_ch_read(wasm_instance *inst, wasi_ctx *ctx,
                              const uint64_t *args, uint64_t *results) {
  wasi_fd *f = wasi_fd_get(ctx, WASI_A32(0));
  if (!f->readable) WASI_RET(WASI_EBADF);
  wasi_channels *set = ctx->channels;
  size_t ch = (size_t)f->chan;
  for (;;) {
    if (wasi_channel_wait(set, ch, 0)) break;
    if (f->fdflags & WASI_FDFLAG_NONBLOCK) WASI_RET(WASI_EAGAIN);
    if (wasm_pause_requested(inst)) return WASM_HOST_PAUSE;
    wasi_channel_wait(set, ch, WASI_SLICE_MS);
  }
  wasi_mem m;
  if (!wasi_mem_get(inst, &m)) WASI_RET(WASI_EFAULT);
  int64_t total = iov_total(&m, args);
  if (total < 0) WASI_RET((int)-total);
  if (!wasi_mem_at(&m, WASI_A32(3), 4)) WASI_RET(WASI_EFAULT);
  size_t cap = (size_t)total < set->msg_max ? (size_t)total : set->msg_max;
  uint8_t *buf = malloc(cap ? cap : 1);
  if (!buf) WASI_RET(WASI_ENOMEM);
  long n = wasi_channel_recv(set, ch, buf, cap, 0);
  if (n < 0) {  /* only this thread takes messages: not reached */
    free(buf);
    WASI_RET(WASI_EAGAIN);
  }
  iov_copy(&m, args, buf, (size_t)n, true);
  free(buf);
  return put_count(inst, WASI_A32(3), (uint32_t)n, results);
}

/* One write = one message: the iovecs are gathered first. */
wasm_host_status wasi_ch_write(wasm_instance *inst, wasi_ctx *ctx,
                               const uint64_t *args, uint64_t *results) {
  wasi_fd *f = wasi_fd_get(ctx, WASI_A32(0));
  if (!f->writable) WASI_RET(WASI_EBADF);
  wasi_mem m;
  if (!wasi_mem_get(inst, &m)) WASI_RET(WASI_EFAULT);
  int64_t total = iov_total(&m, args);
  if (total < 0) WASI_RET((int)-total);
  if (!wasi_mem_at(&m, WASI_A32(3), 4)) WASI_RET(WASI_EFAULT);
  if ((uint64_t)total > ctx->channels->msg_max) WASI_RET(WASI_EMSGSIZE);
  uint8_t *buf = malloc(total ? (size_t)total : 1);
  if (!buf) WASI_RET(WASI_ENOMEM);
  iov_copy(&m, args, buf, (size_t)total, false);
  int r = wasi_channel_send(ctx->channels, (size_t)f->chan, buf,
                            (size_t)total);
  free(buf);
  if (r == -EMSGSIZE) WASI_RET(WASI_EMSGSIZE);
  if (r < 0) WASI_RET(wasi_errno(-r));
  return put_count(inst, WASI_A32(3), (uint32_t)total, results);
}

long wasi_ch_poll_ready(wasi_ctx *ctx, uint32_t fd) {
  wasi_fd *f = wasi_fd_get(ctx, fd);
  if (!f || f->kind != WASI_FD_CHANNEL || !ctx->channels) return -1;
  return wasi_channel_peek(ctx->channels, (size_t)f->chan);
}

bool wasi_ch_poll_wait(wasi_ctx *ctx, const uint8_t *subs, uint32_t n,
                       uint64_t wait_ns) {
  if (!ctx->channels) return false;
  uint64_t mask = 0;  /* only the polled channels: others may hold messages */
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *s = subs + 48 * i;
    wasi_fd *f = s[8] == 1 ? wasi_fd_get(ctx, wasi_ld32(s + 16)) : NULL;
    if (f && f->kind == WASI_FD_CHANNEL) mask |= (uint64_t)1 << f->chan;
  }
  if (!mask) return false;
  int ms = (int)((wait_ns + 999999) / 1000000);
  wasi_channel_wait_mask(ctx->channels, mask, ms ? ms : 1);
  return true;
}

bool wasi_ch_restore_check(wasi_ctx *ctx, char *err, size_t errlen) {
  size_t n = wasi_channels_count(ctx->channels);
  for (uint32_t i = 0; i < ctx->nfds; i++) {
    wasi_fd *f = &ctx->fds[i];
    if (f->kind != WASI_FD_CHANNEL && f->kind != WASI_FD_CHDIR) continue;
    if (!ctx->channels || (f->kind == WASI_FD_CHANNEL &&
                           (f->chan < 0 || (size_t)f->chan >= n))) {
      set_err(err, errlen,
              "bad snapshot: channel descriptor %u without its channel", i);
      return false;
    }
    unsigned mode = wasi_channels_mode(ctx->channels, (size_t)f->chan);
    if (f->kind == WASI_FD_CHANNEL &&
        ((f->readable && !(mode & WASI_CH_READ)) ||
         (f->writable && !(mode & WASI_CH_WRITE)))) {
      set_err(err, errlen,
              "bad snapshot: channel descriptor %u beyond its mode", i);
      return false;
    }
  }
  return true;
}

bool wasi_ch_restore_fd(wasi_ctx *ctx, uint32_t num, int kind, uint64_t ch,
                        uint64_t fdflags, uint8_t rw) {
  bool dir = kind == WASI_FD_CHDIR;
  if (ch > WASI_CH_MAX_CHANNELS || fdflags > 0x1f || rw > 3 ||
      dir != (ch == 0) || (!dir && !rw))
    return false;
  wasi_fd *f = &ctx->fds[num];
  f->kind = dir ? WASI_FD_CHDIR : WASI_FD_CHANNEL;
  f->host = -1;
  f->preopen = -1;
  f->chan = (int)ch - 1;
  f->fdflags = (uint16_t)fdflags;
  f->readable = rw & 1;
  f->writable = (rw >> 1) & 1;
  f->filetype = dir ? WASI_FT_DIR : WASI_FT_SOCK_DGRAM;
  f->rights_base = WASI_RIGHTS_ALL;
  f->rights_inh = dir ? WASI_RIGHTS_ALL : 0;
  f->oflags = dir ? WASI_OFLAG_DIRECTORY : 0;
  return true;
}
