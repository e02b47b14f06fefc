/* Starts and stops a private mosquitto for a test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "test-broker.h"

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t len = sizeof a;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  close(fd);
  return ntohs(a.sin_port);
}

static gboolean port_accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  gboolean ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  if (fd >= 0)
    close(fd);
  return ok;
}

void test_broker_prepare(TestBroker *b) {
  if (!b->dir)
    b->dir = g_dir_make_tmp("arts-broker-XXXXXX", NULL);
}

char *test_broker_file(TestBroker *b, const char *name) {
  test_broker_prepare(b);
  return g_build_filename(b->dir, name, NULL);
}

gboolean test_broker_start(TestBroker *b, int port, const char *extra) {
  test_broker_prepare(b);
  b->port = port > 0 ? port : free_port();
  g_free(b->conf);
  b->conf = g_build_filename(b->dir, "mosquitto.conf", NULL);
  g_autofree char *log = g_build_filename(b->dir, "mosquitto.log", NULL);
  /* EXTRA right after the listener line, so that it may hold that
   * listener's TLS settings. */
  gboolean anon = !extra || !strstr(extra, "allow_anonymous");
  g_autofree char *text = g_strdup_printf(
      "listener %d 127.0.0.1\n%s\n%spersistence false\n"
      "log_dest file %s\nlog_type all\n%s", b->port, extra ? extra : "",
      anon ? "allow_anonymous true\n" : "", log,
      getuid() == 0 ? "user root\n" : "");
  if (!g_file_set_contents(b->conf, text, -1, NULL))
    return FALSE;
  char *argv[] = { "mosquitto", "-c", b->conf, NULL };
  if (!g_spawn_async(NULL, argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                         G_SPAWN_STDOUT_TO_DEV_NULL |
                         G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &b->pid, NULL))
    return FALSE;
  for (int i = 0; i < 500; i++) {
    if (port_accepts(b->port))
      return TRUE;
    int st;
    if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
      b->pid = 0;
      return FALSE;
    }
    g_usleep(10000);
  }
  return FALSE;
}

void test_broker_stop(TestBroker *b) {
  if (b->pid <= 0)
    return;
  kill(b->pid, SIGTERM);
  int st;
  while (waitpid(b->pid, &st, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid(b->pid);
  b->pid = 0;
}

void test_broker_clear(TestBroker *b) {
  test_broker_stop(b);
  if (b->dir) {
    GDir *d = g_dir_open(b->dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
      g_autofree char *p = g_build_filename(b->dir, name, NULL);
      g_unlink(p);
    }
    if (d)
      g_dir_close(d);
    g_rmdir(b->dir);
  }
  g_free(b->dir);
  g_free(b->conf);
  memset(b, 0, sizeof *b);
}

char *test_broker_url(const TestBroker *b) {
  return g_strdup_printf("mqtt://127.0.0.1:%d", b->port);
}

static gboolean wake(gpointer data) {
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean test_wait_flag(gboolean *flag, guint timeout_ms) {
  gboolean expired = FALSE;
  guint id = g_timeout_add(timeout_ms, wake, &expired);
  while (!*flag && !expired)
    g_main_context_iteration(NULL, TRUE);
  if (!expired)
    g_source_remove(id);
  return *flag;
}

gboolean test_wait_count(const guint *count, guint n, guint timeout_ms) {
  gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (*count < n && g_get_monotonic_time() < end) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
  return *count >= n;
}

void test_run_for(guint ms) {
  gboolean done = FALSE;
  test_wait_flag(&done, ms);
}
