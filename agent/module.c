/* A hosted module on its own thread (see module.h).
 *
 * The thread owns the instance while it runs; the supervisor (main
 * thread) reaches it only through the lock-protected order mask, the
 * stdin buffer and the output backlog, and frees it after the thread is
 * joined. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agent-error.h"
#include "channels.h"
#include "module.h"
#include "snapshot.h"
#include "wasi.h"
#include "wasm.h"

#define MODULE_HOST_NAME "wasi_snapshot_preview1"
/* How long a writer blocked on a full backlog sleeps between looks at the
 * stop order. */
#define MODULE_WAIT_SLICE_US (10 * 1000)

typedef struct {
  AgentModule *m;
  int fd;
} ModuleStream;

struct _AgentModule {
  AgentEventSink *sink;
  gpointer owner;
  char *uuid;
  char *sha256;
  char *dir;
  GBytes *program, *snapshot;
  wasm_memimage *image;       /* restore: what a delta snapshot needs */
  GBytes *image_bytes;        /* source: the last pre-copy image (thread) */
  char **argv, **env;
  struct _AgentModuleChannels *channels;  /* channels.h */
  wasm_limits limits;

  pthread_t thread;
  clockid_t cpu_clock;
  gboolean have_clock;

  /* Engine objects: created and run by the thread, freed after join. */
  wasm_module *wm;
  wasi_ctx *wasi;
  wasm_instance *inst;        /* set under lock once instantiated */

  GMutex lock;
  GCond orders_cond;          /* new orders for a held module */
  GCond io_cond;              /* stdin bytes, backlog relief */
  guint orders;               /* AgentOrder bits not yet taken */
  GByteArray *in;             /* stdin bytes not yet read */
  gboolean in_eof;
  guint64 out_total;          /* output offset of the next byte */
  guint64 out_backlog;        /* written, not yet acknowledged */
  guint64 out_base;
  guint64 in_total;
  guint64 fuel, memory;       /* as of the last pause */
  gint64 cpu_final_ns;        /* the thread's CPU time when it ended */
  gboolean done;
  gboolean restored;          /* runs on from a snapshot */

  ModuleStream streams[3];
};

void agent_event_free(AgentEvent *ev)
{
  if (!ev)
    return;
  g_clear_pointer(&ev->bytes, g_bytes_unref);
  g_clear_pointer(&ev->input, g_bytes_unref);
  g_free(ev->error);
  g_free(ev);
}

static void module_post(AgentModule *m, AgentEvent *ev)
{
  guint64 one = 1;

  ev->module = m;
  ev->owner = m->owner;
  if (!ev->ts_ms)
    ev->ts_ms = g_get_real_time() / 1000;
  g_async_queue_push(m->sink->queue, ev);
  if (!g_atomic_int_compare_and_exchange(&m->sink->woken, 0, 1))
    return;
  /* An eventfd write only fails when the counter would overflow, which
   * means the main loop is far behind and awake anyway. */
  if (write(m->sink->wake_fd, &one, sizeof one) < 0)
    return;
}

void agent_event_sink_rearm(AgentEventSink *sink)
{
  guint64 n;

  if (read(sink->wake_fd, &n, sizeof n) < 0 && errno != EAGAIN)
    g_warning("module events: %s", g_strerror(errno));
  g_atomic_int_set(&sink->woken, 0);
}

static AgentEvent *module_event(AgentEventKind kind)
{
  AgentEvent *ev = g_new0(AgentEvent, 1);

  ev->kind = kind;
  return ev;
}

/* --- streams (called on the module's thread by WASI) ------------------- */

static long module_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
  ModuleStream *s = ctx;
  AgentModule *m = s->m;
  gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  long n;

  g_mutex_lock(&m->lock);
  while (m->in->len == 0 && !m->in_eof &&
         g_cond_wait_until(&m->io_cond, &m->lock, until))
    ;
  if (m->in->len > 0) {
    n = (long)MIN(len, m->in->len);
    memcpy(buf, m->in->data, (size_t)n);
    g_byte_array_remove_range(m->in, 0, (guint)n);
    m->in_total += (guint64)n;
  } else {
    n = m->in_eof ? 0 : -EAGAIN;
  }
  g_mutex_unlock(&m->lock);
  return n;
}

/* Output goes to the main loop as it is written; the supervisor batches
 * it. A program that writes faster than the broker takes it is held here
 * (backpressure) rather than buffered without bound; a stop order frees
 * it (the rest of its output no longer matters). */
static long module_write(void *ctx, const void *buf, size_t len)
{
  ModuleStream *s = ctx;
  AgentModule *m = s->m;
  const guint8 *p = buf;
  size_t left = len;

  /* In events of at most AGENT_OUTPUT_BACKLOG bytes: a guest's write of
   * up to 4 GiB (one iovec of a 65,536-page memory) is neither one copy
   * of that size nor more than the supervisor's GByteArray (guint) takes. */
  while (left > 0) {
    size_t n = MIN(left, (size_t)AGENT_OUTPUT_BACKLOG);
    AgentEvent *ev;

    g_mutex_lock(&m->lock);
    while (m->out_backlog >= AGENT_OUTPUT_BACKLOG &&
           !(m->orders & AGENT_ORDER_STOP))
      g_cond_wait_until(&m->io_cond, &m->lock,
                        g_get_monotonic_time() + MODULE_WAIT_SLICE_US);
    if (m->orders & AGENT_ORDER_STOP) {
      g_mutex_unlock(&m->lock);
      return (long)len;
    }
    ev = module_event(AGENT_EVENT_OUTPUT);
    ev->fd = s->fd;
    ev->offset = m->out_total;
    m->out_total += n;
    m->out_backlog += n;
    g_mutex_unlock(&m->lock);
    ev->bytes = g_bytes_new(p, n);
    module_post(m, ev);
    p += n;
    left -= n;
  }
  return (long)len;
}

static void module_streams(AgentModule *m, wasi_config *cfg,
                           wasi_stream io[3])
{
  for (int fd = 0; fd < 3; fd++) {
    m->streams[fd].m = m;
    m->streams[fd].fd = fd;
    io[fd].ctx = &m->streams[fd];
    io[fd].read = fd == 0 ? module_read : NULL;
    io[fd].write = fd == 0 ? NULL : module_write;
    cfg->stdio[fd] = &io[fd];
  }
}

/* --- setting up (on the module's thread) -------------------------------- */

static void module_preopens(AgentModule *m, wasi_config *cfg,
                            wasi_preopen pre[2])
{
  pre[0].host = m->dir;
  pre[0].guest = "/data";
  pre[1].host = m->dir;
  pre[1].guest = ".";
  cfg->npreopens = 2;
  cfg->preopens = pre;
}

/* The supervisor reads inst under the lock to ask for pauses. */
static gboolean module_set_inst(AgentModule *m, wasm_instance *inst)
{
  g_mutex_lock(&m->lock);
  m->inst = inst;
  g_mutex_unlock(&m->lock);
  return inst != NULL;
}

static gboolean module_instantiate(AgentModule *m, char *err, size_t errlen)
{
  wasi_config cfg = { 0 };
  wasi_stream io[3];
  wasi_preopen pre[2];
  const wasm_host_func *funcs;
  size_t nfuncs;
  gsize len;
  const guint8 *bytes = g_bytes_get_data(m->program, &len);
  char why[400];

  m->wm = wasm_module_load(bytes, len, NULL, why, sizeof why);
  if (!m->wm) {
    snprintf(err, errlen, "not a valid WebAssembly module: %s", why);
    return FALSE;
  }
  cfg.argc = g_strv_length(m->argv);
  cfg.argv = (const char *const *)m->argv;
  cfg.envc = g_strv_length(m->env);
  cfg.env = (const char *const *)m->env;
  module_preopens(m, &cfg, pre);
  module_streams(m, &cfg, io);
  err[0] = '\0';
  cfg.channels = agent_module_channels_create(m->channels, err, errlen);
  if (err[0])
    return FALSE;
  m->wasi = wasi_new(&cfg, err, errlen);
  if (!m->wasi)
    return FALSE;
  agent_module_channels_bind(m->channels, wasi_ctx_channels(m->wasi));
  funcs = wasi_host_funcs(&nfuncs);
  return module_set_inst(m, wasm_instantiate(m->wm, funcs, nfuncs, m->wasi,
                                             &m->limits, err, errlen));
}

static gboolean module_hash_is(const wasm_module *wm, const char *hex)
{
  const uint8_t *h = wasm_module_hash(wm);
  char have[65];

  for (int i = 0; i < 32; i++)
    snprintf(have + 2 * i, 3, "%02x", h[i]);
  return g_ascii_strcasecmp(have, hex) == 0;
}

/* The engine's snapshot messages mostly say "bad snapshot" already. */
/* Every restore error reads "bad snapshot: ...", whichever layer said it. */
static void module_bad(char *err, size_t errlen, const char *why)
{
  if (strncmp(why, "bad snapshot", 12) == 0)
    snprintf(err, errlen, "%s", why);
  else
    snprintf(err, errlen, "bad snapshot: %s", why);
}

/* A delta snapshot is restored over the memory image that came before it
 * (pre-copy); the snapshot takes the image over. */
static gboolean module_use_image(AgentModule *m, wasm_snapshot *s, char *err,
                                 size_t errlen)
{
  char why[400];

  if (!wasm_snapshot_needs_image(s))
    return TRUE;
  if (!m->image) {
    snprintf(err, errlen, "bad snapshot: it is a delta, and no memory "
             "image came before it");
    return FALSE;
  }
  if (wasm_snapshot_use_image(s, m->image, why, sizeof why) < 0) {
    module_bad(err, errlen, why);
    return FALSE;
  }
  m->image = NULL;
  return TRUE;
}

/* A snapshot is hostile input: each engine step validates before it
 * changes anything; a failure leaves nothing behind but a message. */
static gboolean module_restore(AgentModule *m, char *err, size_t errlen)
{
  wasi_config cfg = { 0 };
  wasi_stream io[3];
  wasi_preopen pre[2];
  const wasm_host_func *funcs;
  size_t nfuncs, hlen;
  const char *hname;
  const guint8 *host;
  gsize len;
  const guint8 *bytes = g_bytes_get_data(m->snapshot, &len);
  wasm_snapshot *s;
  char why[400];
  gboolean ok = FALSE;

  s = wasm_snapshot_read(bytes, len, why, sizeof why);
  if (!s) {
    module_bad(err, errlen, why);
    return FALSE;
  }
  if (!module_use_image(m, s, err, errlen))
    goto out;
  host = wasm_snapshot_host_state(s, &hname, &hlen);
  if (!hname || strcmp(hname, MODULE_HOST_NAME) != 0) {
    snprintf(err, errlen, "bad snapshot: host state \"%.64s\" is not WASI",
             hname ? hname : "");
    goto out;
  }
  m->wm = wasm_snapshot_load_module(s, NULL, why, sizeof why);
  if (!m->wm) {
    module_bad(err, errlen, why);
    goto out;
  }
  if (m->sha256 && !module_hash_is(m->wm, m->sha256)) {
    snprintf(err, errlen, "bad snapshot: it holds another program than "
             "%s", m->sha256);
    goto out;
  }
  module_preopens(m, &cfg, pre);
  module_streams(m, &cfg, io);
  m->wasi = wasi_restore(host, hlen, &cfg, why, sizeof why);
  if (!m->wasi) {
    module_bad(err, errlen, why);
    goto out;
  }
  agent_module_channels_bind(m->channels, wasi_ctx_channels(m->wasi));
  funcs = wasi_host_funcs(&nfuncs);
  if (!module_set_inst(m, wasm_snapshot_instantiate(s, m->wm, funcs, nfuncs,
                                                    m->wasi, NULL, why,
                                                    sizeof why))) {
    module_bad(err, errlen, why);
    goto out;
  }
  ok = TRUE;
out:
  wasm_snapshot_free(s);
  return ok;
}

/* --- running (on the module's thread) ----------------------------------- */

static void module_record(AgentModule *m)
{
  g_mutex_lock(&m->lock);
  m->fuel = wasm_fuel_used(m->inst);
  m->memory = wasm_memory_size(m->inst);
  g_mutex_unlock(&m->lock);
}

/* Orders are taken at a pause; a held module waits here for the next. */
static guint module_take(AgentModule *m, gboolean held)
{
  guint orders;

  g_mutex_lock(&m->lock);
  while (held && !m->orders)
    g_cond_wait(&m->orders_cond, &m->lock);
  orders = m->orders;
  m->orders &= AGENT_ORDER_STOP;   /* a stop stays visible to writers */
  g_mutex_unlock(&m->lock);
  return orders;
}

/* Pre-copy: the image travels while the module runs on; the migration's
 * snapshot then only holds the chunks that changed since. */
static void module_precopy(AgentModule *m)
{
  AgentEvent *ev = module_event(AGENT_EVENT_PRECOPY);
  uint8_t *out = NULL;
  size_t outlen = 0;
  char err[512];

  g_clear_pointer(&m->image_bytes, g_bytes_unref);
  if (wasm_memimage_write(m->inst, &out, &outlen, err, sizeof err) < 0) {
    ev->error = g_strdup(err);
  } else {
    m->image_bytes = g_bytes_new_with_free_func(out, outlen, free, out);
    ev->bytes = g_bytes_ref(m->image_bytes);
  }
  module_post(m, ev);
}

static int module_snapshot_write(AgentModule *m, const uint8_t *host,
                                 size_t hlen, gboolean delta, uint8_t **out,
                                 size_t *outlen, char *err, size_t errlen)
{
  gsize ilen;
  const guint8 *image;

  if (!delta)
    return wasm_snapshot_write(m->inst, MODULE_HOST_NAME, host, hlen, out,
                               outlen, err, errlen);
  image = g_bytes_get_data(m->image_bytes, &ilen);
  return wasm_snapshot_write_delta(m->inst, MODULE_HOST_NAME, host, hlen,
                                   image, ilen, out, outlen, err, errlen);
}

/* A migration's snapshot also carries the stdin the program has not read
 * yet: it is the target's to read. A checkpoint is always whole. */
static void module_snapshot(AgentModule *m, gboolean checkpoint)
{
  AgentEvent *ev = module_event(AGENT_EVENT_SNAPSHOT);
  uint8_t *host = NULL, *out = NULL;
  size_t hlen = 0, outlen = 0;
  char err[512];

  ev->checkpoint = checkpoint;
  ev->delta = !checkpoint && m->image_bytes;
  g_mutex_lock(&m->lock);
  ev->offset = m->out_total;
  if (!checkpoint && m->in->len > 0)
    ev->input = g_bytes_new(m->in->data, m->in->len);
  ev->input_eof = !checkpoint && m->in_eof;
  g_mutex_unlock(&m->lock);
  if (wasi_save(m->wasi, &host, &hlen, err, sizeof err) < 0 ||
      module_snapshot_write(m, host, hlen, ev->delta, &out, &outlen, err,
                            sizeof err) < 0)
    ev->error = g_strdup(err);
  else
    ev->bytes = g_bytes_new_with_free_func(out, outlen, free, out);
  free(host);
  if (!checkpoint)
    g_clear_pointer(&m->image_bytes, g_bytes_unref);
  module_post(m, ev);
}

static wasm_result module_first_run(AgentModule *m)
{
  if (m->restored)
    return wasm_resume(m->inst);
  if (wasm_export_func(m->inst, "_start") >= 0)
    return wasm_invoke(m->inst, "_start", NULL, 0);
  return wasm_invoke(m->inst, "run", NULL, 0);
}

static void module_ended(AgentModule *m, wasm_result r, gboolean stopped)
{
  AgentEvent *ev = module_event(AGENT_EVENT_ENDED);
  struct timespec ts;
  int status;

  if (stopped) {
    ev->end = AGENT_END_STOPPED;
  } else if (r == WASM_TRAPPED) {
    ev->end = AGENT_END_TRAPPED;
    ev->error = g_strdup_printf("trap: %s", wasm_trap_message(m->inst));
  } else {
    ev->end = AGENT_END_EXITED;
    status = r == WASM_EXITED ? wasi_exit_status(m->wasi) : 0;
    ev->exit_code = status >= 0 ? status : wasm_exit_status(m->inst);
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  g_mutex_lock(&m->lock);
  m->cpu_final_ns = (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) +
                    ts.tv_nsec;
  m->done = TRUE;
  g_mutex_unlock(&m->lock);
  module_post(m, ev);
}

/* Pauses come from orders; a pause with no order left (one taken at an
 * earlier pause) simply resumes. */
static void module_run(AgentModule *m)
{
  wasm_result r = WASM_PAUSED;
  gboolean held = FALSE, stopped = FALSE;
  guint orders = module_take(m, FALSE);

  if (orders & AGENT_ORDER_STOP) {
    stopped = TRUE;
    goto out;
  }
  r = module_first_run(m);
  for (;;) {
    module_record(m);
    if (r != WASM_PAUSED)
      break;
    orders = module_take(m, held);
    if (orders & AGENT_ORDER_STOP) {
      stopped = TRUE;
      break;
    }
    if (orders & AGENT_ORDER_PRECOPY)
      module_precopy(m);
    if ((orders & AGENT_ORDER_RESUME) && !held) {
      /* A migration called off before its pause (in pre-copy, or before
       * the hold was taken): it runs on, no snapshot, no image. */
      orders &= ~(guint)(AGENT_ORDER_HOLD | AGENT_ORDER_RESUME);
      g_clear_pointer(&m->image_bytes, g_bytes_unref);
      module_post(m, module_event(AGENT_EVENT_RESUMED));
    }
    if ((orders & AGENT_ORDER_HOLD) && !held) {
      AgentEvent *ev = module_event(AGENT_EVENT_PAUSED);
      module_post(m, ev);
      held = TRUE;
    }
    /* Each order gets its own snapshot: they are answered apart. */
    if (orders & AGENT_ORDER_HOLD)
      module_snapshot(m, FALSE);
    if (orders & AGENT_ORDER_CHECKPOINT)
      module_snapshot(m, TRUE);
    if ((orders & AGENT_ORDER_RESUME) && held) {
      held = FALSE;
      module_post(m, module_event(AGENT_EVENT_RESUMED));
    }
    if (!held)
      r = wasm_resume(m->inst);
  }
out:
  module_ended(m, r, stopped);
}

static void *module_main(void *arg)
{
  AgentModule *m = arg;
  AgentEvent *ev = module_event(AGENT_EVENT_STARTED);
  char err[512];
  gboolean ok;

  ok = m->snapshot ? module_restore(m, err, sizeof err)
                   : module_instantiate(m, err, sizeof err);
  if (!ok) {
    ev->error = g_strdup(err);
    g_mutex_lock(&m->lock);
    m->done = TRUE;
    g_mutex_unlock(&m->lock);
    module_post(m, ev);
    return NULL;
  }
  g_mutex_lock(&m->lock);
  m->fuel = wasm_fuel_used(m->inst);
  m->memory = wasm_memory_size(m->inst);
  g_mutex_unlock(&m->lock);
  /* Without an offset from the wire, the WASI state says how much the
   * program wrote before the snapshot. */
  if (m->out_total == G_MAXUINT64)
    m->out_total = m->out_base = wasi_stream_offset(m->wasi, 1) +
                                 wasi_stream_offset(m->wasi, 2);
  /* The bytes are in the engine now. */
  m->restored = m->snapshot != NULL;
  g_clear_pointer(&m->program, g_bytes_unref);
  g_clear_pointer(&m->snapshot, g_bytes_unref);
  g_clear_pointer(&m->image, wasm_memimage_free);
  module_post(m, ev);
  module_run(m);
  return NULL;
}

/* --- the supervisor's side ---------------------------------------------- */

wasm_memimage *agent_module_image_read(const guint8 *data, gsize len,
                                       guint64 max_memory, GError **error)
{
  char why[400];
  wasm_memimage *img = wasm_memimage_read(data, len, why, sizeof why);
  guint64 bytes;

  if (!img) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_IO, "bad memory image: %s",
                why);
    return NULL;
  }
  bytes = (guint64)wasm_memimage_pages(img) * 65536;
  if (max_memory && bytes > max_memory) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_IO, "bad memory image: %"
                G_GUINT64_FORMAT " bytes of memory, the module may have %"
                G_GUINT64_FORMAT, bytes, max_memory);
    wasm_memimage_free(img);
    return NULL;
  }
  return img;
}

void agent_module_image_free(wasm_memimage *image)
{
  wasm_memimage_free(image);
}

AgentModule *agent_module_start(const AgentModuleSpec *spec,
                                AgentEventSink *sink, GError **error)
{
  AgentModule *m = g_new0(AgentModule, 1);
  pthread_attr_t attr;
  int rc;

  m->sink = sink;
  m->owner = spec->owner;
  m->uuid = g_strdup(spec->uuid);
  m->sha256 = g_strdup(spec->sha256);
  m->dir = g_strdup(spec->dir);
  m->program = spec->program ? g_bytes_ref(spec->program) : NULL;
  m->snapshot = spec->snapshot ? g_bytes_ref(spec->snapshot) : NULL;
  m->image = spec->image;
  m->argv = g_strdupv((char **)spec->argv);
  m->env = spec->env ? g_strdupv((char **)spec->env) : g_new0(char *, 1);
  m->limits.max_memory = spec->max_memory;
  m->limits.fuel = spec->fuel;
  m->channels = spec->channels;
  m->out_total = m->out_base = spec->out_offset;
  m->in = g_byte_array_new();
  if (spec->input)
    g_byte_array_append(m->in, g_bytes_get_data(spec->input, NULL),
                        (guint)MIN(g_bytes_get_size(spec->input),
                                   AGENT_STDIN_MAX));
  m->in_eof = spec->input_eof;
  g_mutex_init(&m->lock);
  g_cond_init(&m->orders_cond);
  g_cond_init(&m->io_cond);
  /* The interpreter keeps its stacks on the heap: a small thread stack
   * is plenty and keeps an idle module cheap. */
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  rc = pthread_create(&m->thread, &attr, module_main, m);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_IO,
                "cannot start a thread for module %s: %s", spec->uuid,
                g_strerror(rc));
    m->thread = 0;
    agent_module_free(m);
    return NULL;
  }
  m->have_clock = pthread_getcpuclockid(m->thread, &m->cpu_clock) == 0;
  return m;
}

void agent_module_order(AgentModule *m, guint orders)
{
  g_mutex_lock(&m->lock);
  m->orders |= orders;
  if (m->inst)
    wasm_request_pause(m->inst);
  g_cond_signal(&m->orders_cond);
  if (orders & AGENT_ORDER_STOP)
    g_cond_broadcast(&m->io_cond);
  g_mutex_unlock(&m->lock);
}

gboolean agent_module_kick(AgentModule *m)
{
  gboolean waiting;

  g_mutex_lock(&m->lock);
  /* A stop stays in the mask once taken: it is "waiting" only until the
   * thread is done. A sample is not worth insisting on: one that a resume
   * swallowed is asked for again with the next telemetry sample. */
  waiting = (m->orders & ~(guint)AGENT_ORDER_SAMPLE) != 0 && !m->done;
  if (waiting && m->inst)
    wasm_request_pause(m->inst);
  g_mutex_unlock(&m->lock);
  return waiting;
}

gsize agent_module_feed(AgentModule *m, const guint8 *data, gsize len)
{
  gsize take;

  g_mutex_lock(&m->lock);
  if (len == 0) {
    m->in_eof = TRUE;
    take = 0;
  } else {
    take = MIN(len, AGENT_STDIN_MAX - MIN(m->in->len, AGENT_STDIN_MAX));
    g_byte_array_append(m->in, data, (guint)take);
  }
  g_cond_broadcast(&m->io_cond);
  g_mutex_unlock(&m->lock);
  return take;
}

void agent_module_output_done(AgentModule *m, gsize len)
{
  g_mutex_lock(&m->lock);
  m->out_backlog -= MIN(m->out_backlog, (guint64)len);
  g_cond_broadcast(&m->io_cond);
  g_mutex_unlock(&m->lock);
}

void agent_module_stats(AgentModule *m, AgentModuleStats *out)
{
  struct timespec ts;
  gint64 ns;

  g_mutex_lock(&m->lock);
  ns = m->cpu_final_ns;
  if (!m->done && m->have_clock && clock_gettime(m->cpu_clock, &ts) == 0)
    ns = (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
  out->cpu_s = (double)ns / 1e9;
  out->instructions = m->fuel;
  out->memory = m->memory;
  out->io_read = m->in_total;
  out->io_write = m->out_total - m->out_base;
  g_mutex_unlock(&m->lock);
}

void agent_module_free(AgentModule *m)
{
  if (!m)
    return;
  if (m->thread) {
    agent_module_order(m, AGENT_ORDER_STOP);
    pthread_join(m->thread, NULL);
  }
  if (m->inst)
    wasm_instance_free(m->inst);
  agent_module_channels_unbind(m->channels);  /* before its set goes */
  if (m->wasi)
    wasi_free(m->wasi);
  wasm_module_free(m->wm);
  g_clear_pointer(&m->program, g_bytes_unref);
  g_clear_pointer(&m->snapshot, g_bytes_unref);
  g_clear_pointer(&m->image, wasm_memimage_free);
  g_clear_pointer(&m->image_bytes, g_bytes_unref);
  g_byte_array_unref(m->in);
  g_strfreev(m->argv);
  g_strfreev(m->env);
  g_mutex_clear(&m->lock);
  g_cond_clear(&m->orders_cond);
  g_cond_clear(&m->io_cond);
  g_free(m->uuid);
  g_free(m->sha256);
  g_free(m->dir);
  g_free(m);
}
