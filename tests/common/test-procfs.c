/* /proc sampling: values present and in range. */
#include <math.h>
#include <unistd.h>
#include "arts-common.h"

static void burn_cpu(guint ms) {
  gint64 end = g_get_monotonic_time() + ms * 1000;
  volatile guint64 x = 0;
  while (g_get_monotonic_time() < end)
    x++;
}

static void test_sampler(void) {
  ArtsSampler s;
  arts_sampler_init(&s, 0);
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsTelemetry) t1 = arts_telemetry_new("x", arts_now_ms(), 1000);
  g_assert_true(arts_sampler_sample(&s, t1, &err));
  g_assert_no_error(err);
  /* Utilizations need two samples. */
  g_assert_true(isnan(arts_telemetry_get(t1, ARTS_METRIC_CPU_UTIL)));
  g_assert_true(isnan(arts_telemetry_get(t1, ARTS_METRIC_PROC_CPU_UTIL)));

  burn_cpu(300);
  g_autoptr(ArtsTelemetry) t2 = arts_telemetry_new("x", arts_now_ms(), 1000);
  g_assert_true(arts_sampler_sample(&s, t2, &err));
  double cpu = arts_telemetry_get(t2, ARTS_METRIC_CPU_UTIL);
  g_assert_cmpfloat(cpu, >, 0.0);   /* we were busy */
  g_assert_cmpfloat(cpu, <=, 1.0);
  double pcpu = arts_telemetry_get(t2, ARTS_METRIC_PROC_CPU_UTIL);
  g_assert_cmpfloat(pcpu, >, 0.0);  /* we burnt some of it ourselves */
  g_assert_cmpfloat(pcpu, <, 1.5);  /* one thread: at most one core */
  double load = arts_telemetry_get(t2, ARTS_METRIC_LOAD_1M);
  g_assert_cmpfloat(load, >=, 0.0);

  ArtsPlatform p;
  arts_platform_detect(&p);
  double used = arts_telemetry_get(t2, ARTS_METRIC_MEM_USED);
  double avail = arts_telemetry_get(t2, ARTS_METRIC_MEM_AVAIL);
  g_assert_cmpfloat(used, >, 0);
  g_assert_cmpfloat(avail, >, 0);
  g_assert_cmpfloat(used + avail, <=, (double)p.memory_total);

  double rss = arts_telemetry_get(t2, ARTS_METRIC_PROC_RSS);
  g_assert_cmpfloat(rss, >, 100 * 1024);
  g_assert_cmpfloat(rss, <, 2.0 * 1024 * 1024 * 1024);
  double ptime2 = arts_telemetry_get(t2, ARTS_METRIC_PROC_CPU_TIME);
  double ptime1 = arts_telemetry_get(t1, ARTS_METRIC_PROC_CPU_TIME);
  g_assert_cmpfloat(ptime2, >, ptime1);
  g_assert_cmpfloat(arts_telemetry_get(t2, ARTS_METRIC_NET_RX), >=,
                    arts_telemetry_get(t1, ARTS_METRIC_NET_RX));
  g_assert_cmpfloat(arts_telemetry_get(t2, ARTS_METRIC_NET_TX), >=, 0);
  arts_platform_clear(&p);

  /* Another process: pid 1 exists; a pid that does not is an error. */
  ArtsSampler other;
  arts_sampler_init(&other, 1);
  g_autoptr(ArtsTelemetry) t3 = arts_telemetry_new("x", 0, 0);
  if (access("/proc/1/stat", R_OK) == 0)
    g_assert_true(arts_sampler_sample(&other, t3, NULL));
  arts_sampler_init(&other, 0x7ffffff0);
  g_assert_false(arts_sampler_sample(&other, t3, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_IO);
}

static void test_platform(void) {
  ArtsPlatform p;
  arts_platform_detect(&p);
  g_assert_nonnull(p.arch);
  g_assert_cmpstr(p.os, ==, "Linux");
  g_assert_nonnull(p.os_release);
  g_assert_nonnull(p.hostname);
  g_assert_cmpint(p.cpu_cores, >=, 1);
  g_assert_cmpint(p.cpu_cores, <=, 65536);
  g_assert_cmpint(p.memory_total, >, 64 * 1024 * 1024);
  ArtsPlatform c;
  arts_platform_copy(&c, &p);
  g_assert_cmpstr(c.arch, ==, p.arch);
  arts_platform_clear(&p);
  g_assert_null(p.arch);
  arts_platform_clear(&c);
}

static void test_proc_memory(void) {
  guint64 rss = 0, priv = 0;
  g_autoptr(GError) err = NULL;
  g_assert_true(arts_proc_memory(0, &rss, &priv, &err));
  g_assert_no_error(err);
  g_assert_cmpuint(rss, >, 0);
  g_assert_cmpuint(priv, >, 0);
  g_assert_cmpuint(priv, <=, rss);
  g_assert_false(arts_proc_memory(0x7ffffff0, &rss, &priv, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_IO);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/procfs/sampler", test_sampler);
  g_test_add_func("/procfs/platform", test_platform);
  g_test_add_func("/procfs/proc-memory", test_proc_memory);
  return g_test_run();
}
