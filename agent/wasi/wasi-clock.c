/* Clocks and poll_oneoff.
 *
 * The guest's monotonic clock is the host's minus an origin; a restore
 * moves the origin so the clock goes on from the value it had when the
 * snapshot was taken: time spent paused or in transit does not pass for
 * the program. A sleep's deadline is kept on that clock, so a sleep
 * interrupted by a snapshot sleeps only what remained after a resume.
 * CPU time is the running thread's, likewise continued and never going
 * back. */
#include "wasi-channel.h"
#include "wasi-private.h"

#include <stdlib.h>
#include <time.h>

#define NS 1000000000ull

static int64_t host_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * (int64_t)NS + ts.tv_nsec;
}

void wasi_clock_init(wasi_ctx *ctx) {
  ctx->mono_origin = 0;  /* the host's own monotonic time */
  ctx->cpu_last = 0;
  ctx->cpu_thread_set = false;
}

uint64_t wasi_clock_mono(const wasi_ctx *ctx) {
  return (uint64_t)(host_ns(CLOCK_MONOTONIC) - ctx->mono_origin);
}

/* The instance's CPU time: its running thread's, continued across thread
 * changes (an agent may resume a module on another thread) and restores,
 * so it counts only what this program used and never goes back. */
uint64_t wasi_clock_cpu(wasi_ctx *ctx) {
  int64_t now = host_ns(CLOCK_THREAD_CPUTIME_ID);
  pthread_t self = pthread_self();
  if (!ctx->cpu_thread_set || !pthread_equal(self, ctx->cpu_thread)) {
    ctx->cpu_origin = now - (int64_t)ctx->cpu_last;
    ctx->cpu_thread = self;
    ctx->cpu_thread_set = true;
  }
  int64_t v = now - ctx->cpu_origin;
  if (v < 0 || (uint64_t)v < ctx->cpu_last) v = (int64_t)ctx->cpu_last;
  ctx->cpu_last = (uint64_t)v;
  return (uint64_t)v;
}

void wasi_clock_set(wasi_ctx *ctx, uint64_t mono, uint64_t cpu) {
  ctx->mono_origin = host_ns(CLOCK_MONOTONIC) - (int64_t)mono;
  ctx->cpu_last = cpu;
  ctx->cpu_thread_set = false;  /* the next reader's thread starts from it */
}

static int clock_now(wasi_ctx *ctx, uint32_t id, uint64_t *out) {
  switch (id) {
  case 0: *out = (uint64_t)host_ns(CLOCK_REALTIME); return 0;
  case 1: *out = wasi_clock_mono(ctx); return 0;
  case 2: case 3: *out = wasi_clock_cpu(ctx); return 0;
  default: return WASI_EINVAL;
  }
}

WASI_FN(clock_res_get) {
  uint32_t id = WASI_A32(0);
  if (id > 3) WASI_RET(WASI_EINVAL);
  static const clockid_t host[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                   CLOCK_THREAD_CPUTIME_ID,
                                   CLOCK_THREAD_CPUTIME_ID};
  struct timespec ts;
  uint64_t res = 1000;
  if (clock_getres(host[id], &ts) == 0)
    res = (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
  if (res == 0) res = 1;
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(1), 8)))
    WASI_RET(WASI_EFAULT);
  wasi_st64(out, res);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(clock_time_get) {
  uint64_t now;
  int e = clock_now(vctx, WASI_A32(0), &now);
  if (e) WASI_RET(e);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(2), 8)))
    WASI_RET(WASI_EFAULT);
  wasi_st64(out, now);
  WASI_RET(WASI_ESUCCESS);
}

void wasi_poll_clear(wasi_ctx *ctx) {
  free(ctx->poll.subs);
  free(ctx->poll.deadline);
  memset(&ctx->poll, 0, sizeof ctx->poll);
}

/* The deadlines of the subscriptions at IN, on each one's own clock
 * (realtime for an absolute realtime wait, the guest monotonic clock
 * otherwise), reused when this is the redo of a paused call. */
static int poll_setup(wasi_ctx *ctx, const uint8_t *in, uint32_t in_ptr,
                      uint32_t n) {
  wasi_pending_poll *p = &ctx->poll;
  if (p->active && p->in_ptr == in_ptr && p->nsubs == n &&
      memcmp(p->subs, in, (size_t)n * 48) == 0)
    return 0;
  wasi_poll_clear(ctx);
  p->subs = malloc((size_t)n * 48);
  p->deadline = calloc(n, sizeof(uint64_t));
  if (!p->subs || !p->deadline) {
    wasi_poll_clear(ctx);
    return WASI_ENOMEM;
  }
  memcpy(p->subs, in, (size_t)n * 48);
  p->in_ptr = in_ptr;
  p->nsubs = n;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *s = in + 48 * i;
    if (s[8] != 0) continue;  /* not a clock */
    uint32_t id = wasi_ld32(s + 16);
    uint64_t timeout = wasi_ld64(s + 24), now;
    bool abs = wasi_ld32(s + 40) & 1;
    if (id > 3) continue;  /* reported as EINVAL by poll_pass */
    if (abs && id == 0) {
      p->deadline[i] = timeout;  /* on the realtime clock */
    } else if (abs && id == 1) {
      p->deadline[i] = timeout;
    } else {
      uint64_t mono = wasi_clock_mono(ctx), left = timeout;
      if (abs) {  /* on a cpu clock: as much wall time as cpu time left */
        clock_now(ctx, id, &now);
        left = timeout > now ? timeout - now : 0;
      }
      p->deadline[i] = mono + left < mono ? UINT64_MAX : mono + left;
    }
  }
  p->active = true;
  return 0;
}

/* Nanoseconds until subscription I fires (0 = now). */
static uint64_t clock_left(wasi_ctx *ctx, const uint8_t *s, uint64_t dl) {
  bool abs_real = wasi_ld32(s + 16) == 0 && (wasi_ld32(s + 40) & 1);
  uint64_t now = abs_real ? (uint64_t)host_ns(CLOCK_REALTIME)
                          : wasi_clock_mono(ctx);
  return dl > now ? dl - now : 0;
}

static void event(uint8_t *ev, const uint8_t *sub, uint16_t err,
                  uint64_t nbytes, bool hangup) {
  memset(ev, 0, 32);
  memcpy(ev, sub, 8);  /* userdata */
  wasi_st16(ev + 8, err);
  wasi_st8(ev + 10, sub[8]);
  wasi_st64(ev + 16, nbytes);
  wasi_st16(ev + 24, hangup ? 1 : 0);
}

/* One pass: fills events for what is ready; returns how many. */
static uint32_t poll_pass(wasi_ctx *ctx, wasm_instance *inst, uint8_t *in,
                          uint8_t *out, uint32_t n, uint64_t *wait_ns) {
  uint32_t ne = 0;
  *wait_ns = UINT64_MAX;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *s = in + 48 * i;
    uint8_t tag = s[8];
    if (tag == 0) {
      if (wasi_ld32(s + 16) > 3) {
        event(out + 32 * ne++, s, WASI_EINVAL, 0, false);
        continue;
      }
      uint64_t left = clock_left(ctx, s, ctx->poll.deadline[i]);
      if (left == 0) event(out + 32 * ne++, s, 0, 0, false);
      else if (left < *wait_ns) *wait_ns = left;
      continue;
    }
    if (tag > 2) {
      event(out + 32 * ne++, s, WASI_EINVAL, 0, false);
      continue;
    }
    wasi_fd *f = wasi_fd_get(ctx, wasi_ld32(s + 16));
    if (!f) {
      event(out + 32 * ne++, s, WASI_EBADF, 0, false);
    } else if (f->kind == WASI_FD_CHANNEL && tag == 1) {
      long sz = wasi_ch_poll_ready(ctx, wasi_ld32(s + 16));
      if (sz >= 0) event(out + 32 * ne++, s, 0, (uint64_t)sz, false);
    } else if (f->kind == WASI_FD_STREAM && f->stdio == 0 && tag == 1) {
      bool ready;
      wasi_stdin_wait(inst, ctx, 0, &ready);
      /* Not ready: the wait below watches stdin until the next clock. */
      if (ready)
        event(out + 32 * ne++, s, 0, ctx->peek_len, ctx->stdin_eof);
    } else {
      /* Files, directories and output streams never block here. */
      event(out + 32 * ne++, s, 0, 0, false);
    }
  }
  return ne;
}

static bool waits_on_stdin(wasi_ctx *ctx, const uint8_t *in, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *s = in + 48 * i;
    wasi_fd *f = s[8] == 1 ? wasi_fd_get(ctx, wasi_ld32(s + 16)) : NULL;
    if (f && f->kind == WASI_FD_STREAM && f->stdio == 0) return true;
  }
  return false;
}

WASI_FN(poll_oneoff) {
  wasi_ctx *ctx = vctx;
  uint32_t n = WASI_A32(2);
  if (n == 0) WASI_RET(WASI_EINVAL);
  if (n > 4096) WASI_RET(WASI_EINVAL);
  wasi_mem m;
  uint8_t *in, *out, *nev;
  if (!wasi_mem_get(inst, &m) ||
      !(in = wasi_mem_at(&m, WASI_A32(0), (uint64_t)n * 48)) ||
      !(out = wasi_mem_at(&m, WASI_A32(1), (uint64_t)n * 32)) ||
      !(nev = wasi_mem_at(&m, WASI_A32(3), 4)))
    WASI_RET(WASI_EFAULT);
  /* Work on a copy: OUT may overlap IN. */
  uint8_t *subs = malloc((size_t)n * 48), *evs = malloc((size_t)n * 32);
  int e = subs && evs ? 0 : WASI_ENOMEM;
  if (!e) {
    memcpy(subs, in, (size_t)n * 48);
    e = poll_setup(ctx, subs, WASI_A32(0), n);
  }
  if (e) {
    free(subs);
    free(evs);
    WASI_RET(e);
  }
  bool stdin_sub = waits_on_stdin(ctx, subs, n);
  uint32_t ne;
  for (;;) {
    uint64_t wait_ns;
    ne = poll_pass(ctx, inst, subs, evs, n, &wait_ns);
    if (ne) break;
    if (wasm_pause_requested(inst)) {
      free(subs);
      free(evs);
      return WASM_HOST_PAUSE;  /* ctx->poll keeps the deadlines */
    }
    uint64_t slice = (uint64_t)WASI_SLICE_MS * 1000000ull;
    if (wait_ns > slice) wait_ns = slice;
    if (stdin_sub) {
      bool ready;
      int ms = (int)((wait_ns + 999999) / 1000000);
      wasi_stdin_wait(inst, ctx, ms ? ms : 1, &ready);
    } else if (wait_ns && !wasi_ch_poll_wait(ctx, subs, n, wait_ns)) {
      struct timespec ts = {0, (long)wait_ns};
      nanosleep(&ts, NULL);
    }
  }
  wasi_poll_clear(ctx);
  memcpy(out, evs, (size_t)ne * 32);
  wasi_st32(nev, ne);
  free(subs);
  free(evs);
  WASI_RET(WASI_ESUCCESS);
}
