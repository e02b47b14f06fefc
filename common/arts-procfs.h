#pragma once
#include <glib.h>
#include <sys/types.h>
#include "arts-protocol.h"

G_BEGIN_DECLS

/* Host and process sampling from /proc, shared by the agent and the tests.
 * Utilizations need two samples: a sampler keeps the previous one. */

typedef struct {
  guint64 cpu_total, cpu_idle;      /* jiffies from /proc/stat */
  guint64 net_rx, net_tx;           /* bytes, all interfaces but lo */
  guint64 proc_cpu_ticks;           /* utime + stime of the process */
  gint64 mono_us;                   /* when taken */
} ArtsProcSample;

typedef struct {
  pid_t pid;                        /* 0: self */
  ArtsProcSample prev;
  gboolean have_prev;
} ArtsSampler;

void arts_sampler_init(ArtsSampler *s, pid_t pid);
/* Adds the host metrics (ARTS_METRIC_CPU_UTIL, LOAD_1M, MEM_USED,
 * MEM_AVAIL, NET_RX, NET_TX) and the process metrics (PROC_CPU_UTIL,
 * PROC_CPU_TIME, PROC_RSS) to T. Utilizations are left out on the first
 * call. */
gboolean arts_sampler_sample(ArtsSampler *s, ArtsTelemetry *t,
                             GError **error);

/* Fills P from uname(2), sysconf and /proc/meminfo. */
void arts_platform_detect(ArtsPlatform *p);

/* From /proc/PID/smaps_rollup (PID 0: self): Rss, and Private_Clean +
 * Private_Dirty, in bytes. */
gboolean arts_proc_memory(pid_t pid, guint64 *rss, guint64 *private_bytes,
                          GError **error);

G_END_DECLS
