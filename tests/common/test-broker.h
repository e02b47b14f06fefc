/* A real mosquitto on a free 127.0.0.1 port, for the tests of common/. */
#pragma once
#include <glib.h>

typedef struct {
  char *dir;        /* temporary folder: config, log */
  char *conf;
  int port;
  GPid pid;         /* 0: not running */
} TestBroker;

/* Writes a config for a free port (or PORT when > 0) and starts mosquitto;
 * waits until it accepts connections. EXTRA is appended to the config. */
gboolean test_broker_start(TestBroker *b, int port, const char *extra);
void test_broker_stop(TestBroker *b);
/* Creates the folder (if needed) and returns the path of NAME in it, for
 * certificates, password and ACL files; removed by test_broker_clear(). */
void test_broker_prepare(TestBroker *b);
char *test_broker_file(TestBroker *b, const char *name);
/* Stops and removes the folder. */
void test_broker_clear(TestBroker *b);
char *test_broker_url(const TestBroker *b);
/* Runs the default main context until *FLAG is TRUE or TIMEOUT_MS passed. */
gboolean test_wait_flag(gboolean *flag, guint timeout_ms);
/* Runs the default main context until *COUNT is at least N or TIMEOUT_MS
 * passed. */
gboolean test_wait_count(const guint *count, guint n, guint timeout_ms);
/* Runs the default main context for MS milliseconds. */
void test_run_for(guint ms);
