/* Host and process metrics from /proc (Linux). */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "arts-error.h"
#include "arts-procfs.h"

void arts_sampler_init(ArtsSampler *s, pid_t pid) {
  memset(s, 0, sizeof *s);
  s->pid = pid;
}

static gboolean read_file(const char *path, char **out, GError **error) {
  g_autoptr(GError) err = NULL;
  if (!g_file_get_contents(path, out, NULL, &err)) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s", err->message);
    return FALSE;
  }
  return TRUE;
}

/* The aggregate "cpu" line: busy = all but idle and iowait; guest time is
 * already inside user and nice, so it is not added again. */
static gboolean sample_stat(ArtsProcSample *p, GError **error) {
  g_autofree char *text = NULL;
  if (!read_file("/proc/stat", &text, error))
    return FALSE;
  guint64 v[8] = { 0 };
  if (sscanf(text, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
             " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
             " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
             &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 4) {
    g_set_error_literal(error, ARTS_ERROR, ARTS_ERROR_IO,
                        "/proc/stat: no cpu line");
    return FALSE;
  }
  p->cpu_total = 0;
  for (int i = 0; i < 8; i++)
    p->cpu_total += v[i];
  p->cpu_idle = v[3] + v[4];
  return TRUE;
}

static void sample_net(ArtsProcSample *p) {
  g_autofree char *text = NULL;
  p->net_rx = p->net_tx = 0;
  if (!g_file_get_contents("/proc/net/dev", &text, NULL, NULL))
    return;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 2; lines[i]; i++) {
    char *colon = strchr(lines[i], ':');
    if (!colon)
      continue;
    *colon = '\0';
    if (g_str_equal(g_strstrip(lines[i]), "lo"))
      continue;
    guint64 f[9];
    if (sscanf(colon + 1,
               "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
               " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
               " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
               &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7],
               &f[8]) == 9) {
      p->net_rx += f[0];
      p->net_tx += f[8];
    }
  }
}

static char *proc_path(pid_t pid, const char *leaf) {
  if (pid == 0)
    return g_strdup_printf("/proc/self/%s", leaf);
  return g_strdup_printf("/proc/%d/%s", (int)pid, leaf);
}

/* utime and stime are fields 14 and 15; the command name (field 2) may hold
 * spaces and parentheses, so counting starts after its last ')'. */
static gboolean sample_proc_cpu(pid_t pid, guint64 *ticks, GError **error) {
  g_autofree char *path = proc_path(pid, "stat");
  g_autofree char *text = NULL;
  if (!read_file(path, &text, error))
    return FALSE;
  char *p = strrchr(text, ')');
  unsigned long long ut, st;
  if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu"
                   " %llu", &ut, &st) != 2) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s: unexpected format",
                path);
    return FALSE;
  }
  *ticks = ut + st;
  return TRUE;
}

static gboolean proc_rss(pid_t pid, guint64 *rss, GError **error) {
  g_autofree char *path = proc_path(pid, "statm");
  g_autofree char *text = NULL;
  unsigned long long size, resident;
  if (!read_file(path, &text, error))
    return FALSE;
  if (sscanf(text, "%llu %llu", &size, &resident) != 2) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s: unexpected format",
                path);
    return FALSE;
  }
  *rss = resident * (guint64)sysconf(_SC_PAGESIZE);
  return TRUE;
}

/* A "Key:   123 kB" line of /proc/meminfo, in bytes; -1 when absent. */
static gint64 meminfo_get(const char *text, const char *key) {
  gsize klen = strlen(key);
  for (const char *line = text; line && *line;) {
    unsigned long long kb;
    if (strncmp(line, key, klen) == 0 && line[klen] == ':')
      return sscanf(line + klen + 1, "%llu", &kb) == 1 ? (gint64)kb * 1024
                                                       : -1;
    line = strchr(line, '\n');
    if (line)
      line++;
  }
  return -1;
}

static void add_memory(ArtsTelemetry *t) {
  g_autofree char *text = NULL;
  if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL))
    return;
  gint64 total = meminfo_get(text, "MemTotal");
  gint64 avail = meminfo_get(text, "MemAvailable");
  if (total < 0 || avail < 0)
    return;
  arts_telemetry_add(t, ARTS_METRIC_MEM_USED, (double)(total - avail));
  arts_telemetry_add(t, ARTS_METRIC_MEM_AVAIL, (double)avail);
}

static void add_load(ArtsTelemetry *t) {
  g_autofree char *text = NULL;
  double l1;
  if (g_file_get_contents("/proc/loadavg", &text, NULL, NULL) &&
      sscanf(text, "%lf", &l1) == 1)
    arts_telemetry_add(t, ARTS_METRIC_LOAD_1M, l1);
}

gboolean arts_sampler_sample(ArtsSampler *s, ArtsTelemetry *t,
                             GError **error) {
  ArtsProcSample now = { 0 };
  guint64 rss = 0;
  now.mono_us = g_get_monotonic_time();
  if (!sample_stat(&now, error) ||
      !sample_proc_cpu(s->pid, &now.proc_cpu_ticks, error) ||
      !proc_rss(s->pid, &rss, error))
    return FALSE;
  sample_net(&now);
  double hz = (double)sysconf(_SC_CLK_TCK);

  if (s->have_prev) {
    guint64 dt = now.cpu_total - s->prev.cpu_total;
    guint64 di = now.cpu_idle - s->prev.cpu_idle;
    if (now.cpu_total > s->prev.cpu_total && di <= dt)
      arts_telemetry_add(t, ARTS_METRIC_CPU_UTIL,
                         (double)(dt - di) / (double)dt);
    gint64 dus = now.mono_us - s->prev.mono_us;
    if (dus > 0 && now.proc_cpu_ticks >= s->prev.proc_cpu_ticks)
      arts_telemetry_add(t, ARTS_METRIC_PROC_CPU_UTIL,
                         (double)(now.proc_cpu_ticks -
                                  s->prev.proc_cpu_ticks) / hz /
                             ((double)dus / 1e6));
  }
  add_load(t);
  add_memory(t);
  arts_telemetry_add(t, ARTS_METRIC_NET_RX, (double)now.net_rx);
  arts_telemetry_add(t, ARTS_METRIC_NET_TX, (double)now.net_tx);
  arts_telemetry_add(t, ARTS_METRIC_PROC_CPU_TIME,
                     (double)now.proc_cpu_ticks / hz);
  arts_telemetry_add(t, ARTS_METRIC_PROC_RSS, (double)rss);
  s->prev = now;
  s->have_prev = TRUE;
  return TRUE;
}

void arts_platform_detect(ArtsPlatform *p) {
  struct utsname u;
  memset(p, 0, sizeof *p);
  if (uname(&u) == 0) {
    p->machine = g_strdup(u.machine);
    p->os = g_strdup(u.sysname);
    p->os_release = g_strdup(u.release);
    p->hostname = g_strdup(u.nodename);
  } else {
    p->arch = g_strdup("unknown");
    p->os = g_strdup("unknown");
    p->os_release = g_strdup("");
    p->hostname = g_strdup(g_get_host_name());
  }
  /* The agent's own process, not the kernel's: that is what runs the
   * modules (an armhf agent on an aarch64 kernel is 32-bit). */
  p->byte_order = G_BYTE_ORDER == G_BIG_ENDIAN ? ARTS_BYTE_ORDER_BIG
                                               : ARTS_BYTE_ORDER_LITTLE;
  p->word_size = (int)(sizeof(void *) * 8);
  /* What this process is, which the kernel's name alone does not say (an
   * armhf agent on an aarch64 kernel). */
  if (p->machine)
    p->arch = arts_arch_class(p->machine, p->byte_order, p->word_size);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  p->cpu_cores = n > 0 ? (int)n : 1;
  g_autofree char *text = NULL;
  if (g_file_get_contents("/proc/meminfo", &text, NULL, NULL))
    p->memory_total = meminfo_get(text, "MemTotal");
  if (p->memory_total <= 0)
    p->memory_total = (gint64)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
}

gboolean arts_proc_memory(pid_t pid, guint64 *rss, guint64 *private_bytes,
                          GError **error) {
  g_autofree char *path = proc_path(pid, "smaps_rollup");
  g_autofree char *text = NULL;
  if (!read_file(path, &text, error))
    return FALSE;
  gint64 r = meminfo_get(text, "Rss");
  gint64 pc = meminfo_get(text, "Private_Clean");
  gint64 pd = meminfo_get(text, "Private_Dirty");
  if (r < 0 || pc < 0 || pd < 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_IO, "%s: unexpected format",
                path);
    return FALSE;
  }
  *rss = (guint64)r;
  *private_bytes = (guint64)(pc + pd);
  return TRUE;
}
