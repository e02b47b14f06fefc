/* The reference for bench/agent/footprint.py: a process that links what
 * arts-agent links (GLib, json-glib, SQLite, libmosquitto), touches each
 * library once so that it is really loaded, then idles in a GMainLoop.
 * Whatever the agent uses beyond this is the agent's own footprint. */
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>
#include <signal.h>
#include <sqlite3.h>

static gboolean on_term(gpointer loop) {
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

int main(void) {
  mosquitto_lib_init();
  struct mosquitto *mosq = mosquitto_new(NULL, true, NULL);
  sqlite3 *db = NULL;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
  JsonParser *parser = json_parser_new();
  json_parser_load_from_data(parser, "{\"idle\": true}", -1, NULL);

  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGTERM, on_term, loop);
  g_unix_signal_add(SIGINT, on_term, loop);
  g_main_loop_run(loop);

  g_main_loop_unref(loop);
  g_object_unref(parser);
  sqlite3_close(db);
  mosquitto_destroy(mosq);
  mosquitto_lib_cleanup();
  return 0;
}
