/* The issue 4 messages (WIRE-MODULES.md): module states, the module's new
 * fields, module_state reports, answer details, module queries and their
 * answers, draining runtimes, module telemetry and events. Round trips
 * through the wire, every error class, hostile payloads. */
#include <math.h>
#include <string.h>
#include "prototest.h"

#define RT2_UUID "4a1d9b2f-3e5c-4f70-9bac-2d3e4f5a6b7c"
#define SHA "6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19"

/* DATA (consumed) through an envelope, to text and back: the whole way
 * over the wire. Returns the parsed data. */
static JsonObject *wire(JsonObject *data) {
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(ARTS_TYPE_REQ, "update",
                                                  NULL, data);
  json_object_unref(data);
  gsize len;
  g_autofree char *json = arts_envelope_to_json(env, &len);
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsEnvelope) back = arts_envelope_parse(json, len, &err);
  g_assert_no_error(err);
  return json_object_ref(back->data);
}

static void test_states(void) {
  static const char *const names[] = {
    "starting", "running", "paused", "migrating", "exited", "failed"
  };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    ArtsModuleState s = 0;
    g_assert_true(arts_module_state_from_string(names[i], &s));
    g_assert_cmpint(s, ==, (int)i + 1);
    g_assert_cmpstr(arts_module_state_to_string(s), ==, names[i]);
    g_assert_cmpint(arts_module_state_status(s), ==,
                    i >= 4 ? ARTS_STATUS_EXITING : ARTS_STATUS_ALIVE);
    g_assert_cmpint(arts_module_state_is_final(s), ==, i >= 4);
  }
  ArtsModuleState s = ARTS_MODULE_RUNNING;
  g_assert_false(arts_module_state_from_string("Running", &s));
  g_assert_false(arts_module_state_from_string("", &s));
  g_assert_false(arts_module_state_from_string("unknown", &s));
  g_assert_false(arts_module_state_from_string(NULL, &s));
  g_assert_cmpint(s, ==, ARTS_MODULE_RUNNING);
  g_assert_cmpstr(arts_module_state_to_string(0), ==, "unknown");
  g_assert_cmpstr(arts_module_state_to_string(99), ==, "unknown");
  g_assert_cmpint(arts_module_state_status(0), ==, 0);
}

static void test_error_codes(void) {
  ArtsErrorCode c;
  g_assert_cmpstr(arts_error_code_to_string(ARTS_ERROR_NO_FIT), ==, "no_fit");
  g_assert_true(arts_error_code_from_string("no_fit", &c));
  g_assert_cmpint(c, ==, ARTS_ERROR_NO_FIT);
  g_assert_true(arts_error_code_from_string("no-fit", &c));
  g_assert_cmpint(c, ==, ARTS_ERROR_NO_FIT);
  g_assert_true(arts_error_code_from_string("not_found", &c));
  g_assert_cmpint(c, ==, ARTS_ERROR_NOT_FOUND);
  g_assert_false(arts_error_code_from_string("nofit", &c));
  /* An answer carries it and the asker gets it back. */
  g_autoptr(ArtsEnvelope) req = arts_envelope_new(ARTS_TYPE_REQ, "create",
                                                  NULL, NULL);
  g_autoptr(GError) why = g_error_new_literal(
      ARTS_ERROR, ARTS_ERROR_NO_FIT,
      "no runtime fits: lab-laptop: max_nmodules 8 reached");
  g_autoptr(ArtsEnvelope) resp = arts_response_error(req, ARTS_TYPE_RESP, why);
  gsize len;
  g_autofree char *json = arts_envelope_to_json(resp, &len);
  g_assert_nonnull(strstr(json, "\"code\":\"no_fit\""));
  g_autoptr(ArtsEnvelope) back = arts_envelope_parse(json, len, NULL);
  g_autoptr(GError) err = NULL;
  g_assert_false(arts_response_check(back, NULL, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_NO_FIT);
  g_assert_cmpstr(err->message, ==, why->message);
}

/* An operator's start: parent by name, resources, sha256. */
static void test_module_create(void) {
  g_autoptr(JsonObject) in = prototest_parse(
      "{\"type\":\"module\",\"name\":\"counter\",\"filename\":\"counter.wasm\","
      "\"filetype\":\"WA\",\"sha256\":\"" SHA "\",\"args\":[\"10\"],"
      "\"env\":[\"K=V\"],\"apis\":[\"wasm\",\"wasi\"],\"fault_crash\":"
      "\"restart\",\"channels\":[],\"peripherals\":[],\"resources\":"
      "{\"max_memory\":67108864,\"fuel\":0},\"parent\":\"lab-laptop\"}");
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsModule) m = arts_module_from_json(in, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(m->parent, ==, "lab-laptop");
  g_assert_cmpint(m->max_memory, ==, 67108864);
  g_assert_cmpint(m->fuel, ==, 0);
  g_assert_cmpint(m->state, ==, 0);
  g_autoptr(JsonObject) out = arts_module_to_json(m);
  /* No state: no orchestrator view in the output. */
  g_assert_false(json_object_has_member(out, "state"));
  g_assert_false(json_object_has_member(out, "exit_code"));
  g_autoptr(JsonObject) w = wire(json_object_ref(out));
  g_autoptr(ArtsModule) b = arts_module_from_json(w, &err);
  g_assert_no_error(err);
  g_assert_cmpint(b->max_memory, ==, 67108864);
  g_assert_cmpstr(b->sha256, ==, SHA);

  /* Resources from the fields when there is no node. */
  g_autoptr(ArtsModule) n = arts_module_new();
  n->max_memory = 1 << 20;
  n->fuel = 5000;
  g_autoptr(JsonObject) nj = arts_module_to_json(n);
  JsonObject *r = json_object_get_object_member(nj, "resources");
  g_assert_cmpint(json_object_get_int_member(r, "max_memory"), ==, 1 << 20);
  g_assert_cmpint(json_object_get_int_member(r, "fuel"), ==, 5000);
  g_autoptr(ArtsModule) nb = arts_module_from_json(nj, &err);
  g_assert_no_error(err);
  g_assert_cmpint(nb->fuel, ==, 5000);

  /* A parent given as an upper-case uuid is kept in lower case. */
  g_autoptr(JsonObject) up = prototest_parse("{\"parent\":\"3F0C8A1E-2D4B-4E6F-8A9B-"
                                   "1C2D3E4F5A6B\"}");
  g_autoptr(ArtsModule) um = arts_module_from_json(up, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(um->parent, ==, RT_UUID);
}

/* Orchestrator -> runtime: restore, migrate, delete for a migration. */
static void test_module_control(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsModule) m = arts_module_new();
  m->uuid = g_strdup(MOD_UUID);
  m->name = g_strdup("counter");
  m->parent = g_strdup(RT2_UUID);
  m->sha256 = g_strdup(SHA);
  m->restore_migration = g_strdup("7d1e0c3b-migration");
  g_autoptr(JsonObject) w = wire(arts_module_to_json(m));
  g_autoptr(ArtsModule) b = arts_module_from_json(w, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(b->restore_migration, ==, "7d1e0c3b-migration");
  g_assert_false(b->restore_checkpoint);
  g_autoptr(ArtsModule) c = arts_module_new();
  c->uuid = g_strdup(MOD_UUID);
  c->restore_checkpoint = TRUE;
  g_autoptr(JsonObject) cj = arts_module_to_json(c);
  g_autoptr(ArtsModule) cb = arts_module_from_json(cj, &err);
  g_assert_no_error(err);
  g_assert_true(cb->restore_checkpoint);
  g_assert_null(cb->restore_migration);

  g_autoptr(JsonObject) mig = prototest_parse(
      "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\",\"migration\":"
      "\"m-1\",\"target\":\"" RT2_UUID "\"}");
  g_autoptr(ArtsModule) mm = arts_module_from_json(mig, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(mm->migration, ==, "m-1");
  g_assert_cmpstr(mm->target, ==, RT2_UUID);
  g_autoptr(JsonObject) del = prototest_parse(
      "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\",\"reason\":"
      "\"migrated\"}");
  g_autoptr(ArtsModule) dm = arts_module_from_json(del, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(dm->reason, ==, "migrated");
  /* ARTS's migration: a delete naming the target by name. */
  g_autoptr(JsonObject) old = prototest_parse(
      "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\",\"send_to_runtime\":"
      "\"lab-pi\"}");
  g_autoptr(ArtsModule) om = arts_module_from_json(old, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(om->send_to_runtime, ==, "lab-pi");
}

/* state/module/{uuid}: the orchestrator's view. */
static void test_module_state_view(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsModule) m = arts_module_new();
  m->uuid = g_strdup(MOD_UUID);
  m->name = g_strdup("counter");
  m->parent = g_strdup(RT_UUID);
  m->status = ARTS_STATUS_ALIVE;
  m->state = ARTS_MODULE_RUNNING;
  m->runtime_name = g_strdup("lab-laptop");
  m->started_at_ms = 1764024000000;
  m->migrations = 3;
  g_autoptr(JsonObject) j = arts_module_to_json(m);
  /* exit_code and error are stated as null while running. */
  g_assert_true(json_object_has_member(j, "exit_code"));
  g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(j, "exit_code")));
  g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(j, "error")));
  g_autoptr(JsonObject) w = wire(json_object_ref(j));
  g_autoptr(ArtsModule) b = arts_module_from_json(w, &err);
  g_assert_no_error(err);
  g_assert_cmpint(b->state, ==, ARTS_MODULE_RUNNING);
  g_assert_cmpstr(b->runtime_name, ==, "lab-laptop");
  g_assert_cmpint(b->started_at_ms, ==, 1764024000000);
  g_assert_cmpint(b->migrations, ==, 3);
  g_assert_false(b->has_exit_code);
  g_assert_null(b->error);
  g_autoptr(ArtsModule) cp = arts_module_copy(b);
  g_assert_cmpstr(cp->runtime_name, ==, "lab-laptop");
  g_assert_cmpint(cp->state, ==, ARTS_MODULE_RUNNING);

  m->state = ARTS_MODULE_FAILED;
  m->status = ARTS_STATUS_EXITING;
  m->error = g_strdup("trap: integer divide by zero");
  m->has_exit_code = TRUE;
  m->exit_code = 4294967295;
  g_autoptr(JsonObject) fj = arts_module_to_json(m);
  g_autoptr(ArtsModule) fb = arts_module_from_json(fj, &err);
  g_assert_no_error(err);
  g_assert_cmpint(fb->state, ==, ARTS_MODULE_FAILED);
  g_assert_true(fb->has_exit_code);
  g_assert_cmpint(fb->exit_code, ==, 4294967295);
  g_assert_cmpstr(fb->error, ==, "trap: integer divide by zero");
}

static void test_module_update(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsModuleUpdate) u = arts_module_update_new(MOD_UUID,
                                                         ARTS_MODULE_RUNNING);
  u->resumed_at_ms = 1764024001000;
  u->migration = g_strdup("m-1");
  u->stdout_offset = 4096;
  g_autoptr(JsonObject) w = wire(arts_module_update_to_json(u));
  g_autoptr(ArtsModuleUpdate) b = arts_module_update_from_json(w, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(b->uuid, ==, MOD_UUID);
  g_assert_cmpint(b->state, ==, ARTS_MODULE_RUNNING);
  g_assert_cmpint(b->resumed_at_ms, ==, 1764024001000);
  g_assert_cmpstr(b->migration, ==, "m-1");
  g_assert_cmpint(b->stdout_offset, ==, 4096);
  g_assert_false(b->has_exit_code);

  g_autoptr(JsonObject) ex = prototest_parse(
      "{\"type\":\"module_state\",\"uuid\":\"" MOD_UUID "\",\"state\":"
      "\"exited\",\"exit_code\":3}");
  g_autoptr(ArtsModuleUpdate) e = arts_module_update_from_json(ex, &err);
  g_assert_no_error(err);
  g_assert_true(e->has_exit_code);
  g_assert_cmpint(e->exit_code, ==, 3);
  g_assert_cmpint(e->stdout_offset, ==, -1);
  g_assert_cmpint(e->ts_ms, ==, 0);
}

static void test_answers(void) {
  g_autoptr(GError) err = NULL;
  /* migrate at the source */
  g_autoptr(ArtsControlResult) r = arts_control_result_new();
  r->paused_at_ms = 1764024000500;
  r->snapshot_bytes = 1 << 20;
  r->stdout_offset = 0;
  g_autoptr(JsonObject) rj = arts_control_result_to_json(r);
  g_assert_true(json_object_has_member(rj, "stdout_offset"));
  g_autoptr(JsonObject) rw = wire(json_object_ref(rj));
  g_autoptr(ArtsControlResult) rb = arts_control_result_from_json(
      rw, "data.details", &err);
  g_assert_no_error(err);
  g_assert_cmpint(rb->paused_at_ms, ==, 1764024000500);
  g_assert_cmpint(rb->snapshot_bytes, ==, 1 << 20);
  g_assert_cmpint(rb->stdout_offset, ==, 0);
  g_assert_false(rb->ready);
  /* delete: a stopped module has exit_code null */
  g_autoptr(ArtsControlResult) d = arts_control_result_new();
  d->state = ARTS_MODULE_EXITED;
  g_autoptr(JsonObject) dj = arts_control_result_to_json(d);
  g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(dj, "exit_code")));
  g_autoptr(ArtsControlResult) db = arts_control_result_from_json(dj, "d",
                                                                  &err);
  g_assert_no_error(err);
  g_assert_false(db->has_exit_code);
  g_assert_cmpint(db->state, ==, ARTS_MODULE_EXITED);
  g_assert_cmpint(db->snapshot_bytes, ==, -1);
  /* ready */
  /* What the agent sends for a fresh create. */
  g_autoptr(JsonObject) fresh = prototest_parse(
      "{\"uuid\":\"" MOD_UUID "\",\"name\":\"counter\",\"state\":"
      "\"running\",\"started_at\":1764024000200}");
  g_autoptr(ArtsControlResult) fb = arts_control_result_from_json(fresh, "d",
                                                                  &err);
  g_assert_no_error(err);
  g_assert_cmpstr(fb->name, ==, "counter");
  g_assert_cmpint(fb->started_at_ms, ==, 1764024000200);
  g_autoptr(JsonObject) fj = arts_control_result_to_json(fb);
  g_assert_cmpint(json_object_get_int_member(fj, "started_at"), ==,
                  1764024000200);
  g_autoptr(JsonObject) ready = prototest_parse("{\"ready\":true}");
  g_autoptr(ArtsControlResult) yb = arts_control_result_from_json(ready, "d",
                                                                  &err);
  g_assert_no_error(err);
  g_assert_true(yb->ready);

  /* the orchestrator's migrate answer */
  g_autoptr(ArtsMigration) m = arts_migration_new(MOD_UUID, RT_UUID,
                                                  RT2_UUID);
  m->downtime_ms = 12;
  m->total_ms = 85;
  m->reason = g_strdup("operator");
  g_autoptr(JsonObject) mw = wire(arts_migration_to_json(m));
  g_autoptr(ArtsMigration) mb = arts_migration_from_json(mw, "data.details",
                                                         &err);
  g_assert_no_error(err);
  g_assert_cmpstr(mb->source, ==, RT_UUID);
  g_assert_cmpstr(mb->target, ==, RT2_UUID);
  g_assert_cmpint(mb->downtime_ms, ==, 12);
  g_assert_cmpint(mb->total_ms, ==, 85);
  g_assert_cmpstr(mb->reason, ==, "operator");
}

static void test_log_chunk(void) {
  g_autoptr(GError) err = NULL;
  /* Every byte value, also NUL and invalid UTF-8: output is raw. */
  guint8 bytes[300];
  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8)(i * 7);
  for (gsize n = 0; n <= 5; n++) {
    g_autoptr(ArtsLogChunk) c = arts_log_chunk_new(MOD_UUID, 1000, bytes,
                                                   n ? n * 60 - (n % 3) : 0);
    c->more = n == 2;
    g_autoptr(JsonObject) w = wire(arts_log_chunk_to_json(c));
    g_autoptr(ArtsLogChunk) b = arts_log_chunk_from_json(w, "data.details",
                                                         &err);
    g_assert_no_error(err);
    g_assert_true(g_bytes_equal(b->data, c->data));
    g_assert_cmpint(b->start_offset, ==, 1000);
    g_assert_cmpint(b->end_offset, ==,
                    1000 + (gint64)g_bytes_get_size(c->data));
    g_assert_cmpint(b->more, ==, n == 2);
  }
  /* Strict base64. */
  static const struct { const char *in; const char *out; } ok[] = {
    { "", "" }, { "YQ==", "a" }, { "YWI=", "ab" }, { "YWJj", "abc" },
    { "+/+/", "\xfb\xff\xbf" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(ok); i++) {
    g_autoptr(GBytes) b = arts_base64_decode_strict(ok[i].in, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b),
                    ok[i].out, strlen(ok[i].out));
  }
  static const char *const bad[] = {
    "Y", "YQ=", "YQ", "Y===", "====", "YQ=A", "Y Q==", "YQ==YQ==", "YR==",
    "YWJ=", "YW-j", "YW_j", "YWJj\n", "=YWJ",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) e = NULL;
    g_autoptr(GBytes) b = arts_base64_decode_strict(bad[i], &e);
    if (b)
      g_error("accepted bad base64 \"%s\"", bad[i]);
    g_assert_error(e, ARTS_ERROR, ARTS_ERROR_FIELD);
  }
}

static void test_module_list(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(GPtrArray) list =
      g_ptr_array_new_with_free_func((GDestroyNotify)arts_module_free);
  for (int i = 0; i < 3; i++) {
    ArtsModule *m = arts_module_new();
    m->uuid = arts_uuid_new();
    m->name = g_strdup_printf("m%d", i);
    m->state = ARTS_MODULE_PAUSED;
    g_ptr_array_add(list, m);
  }
  g_autoptr(JsonObject) w = wire(arts_module_list_to_json(list));
  g_autoptr(GPtrArray) back = arts_module_list_from_json(w, "data.details",
                                                         &err);
  g_assert_no_error(err);
  g_assert_cmpuint(back->len, ==, 3);
  ArtsModule *m2 = g_ptr_array_index(back, 2);
  g_assert_cmpstr(m2->name, ==, "m2");
  g_assert_cmpint(m2->state, ==, ARTS_MODULE_PAUSED);
  g_autoptr(JsonObject) empty = prototest_parse("{\"modules\":[]}");
  g_autoptr(GPtrArray) none = arts_module_list_from_json(empty, "d", &err);
  g_assert_no_error(err);
  g_assert_cmpuint(none->len, ==, 0);
}

static void test_queries(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsQuery) q = arts_query_new("logs");
  q->module = g_strdup("counter");
  q->since_offset = 0;
  g_autoptr(JsonObject) w = wire(arts_query_to_json(q));
  g_assert_true(json_object_has_member(w, "since_offset"));
  g_autoptr(ArtsQuery) b = arts_query_from_json(w, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(b->kind, ==, "logs");
  g_assert_cmpstr(b->module, ==, "counter");
  g_assert_cmpint(b->since_offset, ==, 0);
  g_autoptr(JsonObject) l2 = prototest_parse("{\"type\":\"logs\",\"module\":\""
                                   MOD_UUID "\",\"since_offset\":77}");
  g_autoptr(ArtsQuery) b2 = arts_query_from_json(l2, &err);
  g_assert_no_error(err);
  g_assert_cmpint(b2->since_offset, ==, 77);

  g_autoptr(ArtsQuery) mq = arts_query_new("modules");
  g_autoptr(JsonObject) mw = wire(arts_query_to_json(mq));
  g_autoptr(ArtsQuery) mb = arts_query_from_json(mw, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(mb->kind, ==, "modules");
  g_assert_null(mb->runtime);
  g_autoptr(JsonObject) mr = prototest_parse("{\"type\":\"modules\",\"runtime\":"
                                   "\"lab-laptop\"}");
  g_autoptr(ArtsQuery) mrb = arts_query_from_json(mr, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(mrb->runtime, ==, "lab-laptop");
}

static void test_runtime_draining(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(JsonObject) d = prototest_parse("{\"type\":\"runtime\",\"uuid\":\""
                                  RT_UUID "\",\"name\":\"lab\","
                                  "\"draining\":true}");
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(d, &err);
  g_assert_no_error(err);
  g_assert_true(rt->draining);
  g_autoptr(JsonObject) j = arts_runtime_to_json(rt);
  g_assert_true(json_object_get_boolean_member(j, "draining"));
  g_autoptr(ArtsRuntime) c = arts_runtime_copy(rt);
  g_assert_true(c->draining);
  rt->draining = FALSE;
  g_autoptr(JsonObject) j2 = arts_runtime_to_json(rt);
  g_assert_false(json_object_has_member(j2, "draining"));
  g_assert_false(json_object_has_member(j2, "moved"));
  /* The orchestrator's answer to a drain. */
  g_autoptr(JsonObject) a = prototest_parse("{\"type\":\"runtime\",\"uuid\":\""
                                  RT_UUID "\",\"name\":\"lab\","
                                  "\"moved\":2,\"not_moved\":\"sleeper: "
                                  "no runtime fits\"}");
  g_autoptr(ArtsRuntime) ar = arts_runtime_from_json(a, &err);
  g_assert_no_error(err);
  g_assert_cmpint(ar->drain_moved, ==, 2);
  g_autoptr(ArtsRuntime) ac = arts_runtime_copy(ar);
  g_autoptr(JsonObject) aj = arts_runtime_to_json(ac);
  g_assert_cmpint(json_object_get_int_member(aj, "moved"), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(aj, "not_moved"), ==,
                  "sleeper: no runtime fits");
  g_assert_cmpint(rt->drain_moved, ==, -1);
}

static void test_telemetry_modules(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsTelemetry) t = arts_telemetry_new(RT_UUID, 1764024000000,
                                                  1000);
  arts_telemetry_add_module(t, MOD_UUID, ARTS_METRIC_MOD_INSTRUCTIONS, 1e9);
  arts_telemetry_set_module_info(t, MOD_UUID, "counter", ARTS_MODULE_RUNNING);
  arts_telemetry_add_module(t, MOD_UUID, ARTS_METRIC_MOD_MEMORY, 65536);
  arts_telemetry_add(t, ARTS_METRIC_AGENT_TELEMETRY_BUFFERED, 0);
  g_autoptr(JsonObject) w = wire(arts_telemetry_to_json(t));
  g_autoptr(ArtsTelemetry) b = arts_telemetry_from_json(w, &err);
  g_assert_no_error(err);
  ArtsModuleMetrics *mm = arts_telemetry_get_module(b, MOD_UUID);
  g_assert_nonnull(mm);
  g_assert_cmpstr(mm->name, ==, "counter");
  g_assert_cmpint(mm->state, ==, ARTS_MODULE_RUNNING);
  g_assert_cmpfloat(arts_module_metrics_get(mm, ARTS_METRIC_MOD_INSTRUCTIONS),
                    ==, 1e9);
  g_assert_cmpfloat(arts_module_metrics_get(mm, ARTS_METRIC_MOD_MEMORY), ==,
                    65536);
  g_assert_true(isnan(arts_module_metrics_get(mm, ARTS_METRIC_MOD_UPTIME)));
  g_assert_null(arts_telemetry_get_module(b, RT_UUID));
  g_autoptr(ArtsTelemetry) c = arts_telemetry_copy(b);
  g_assert_cmpstr(arts_telemetry_get_module(c, MOD_UUID)->name, ==,
                  "counter");
  /* Entries without name and state (older agents) still decode. */
  g_autoptr(JsonObject) old = prototest_parse(
      "{\"type\":\"telemetry\",\"uuid\":\"" RT_UUID "\",\"ts\":1,"
      "\"metrics\":{},\"modules\":[{\"uuid\":\"" MOD_UUID "\","
      "\"metrics\":{\"process.cpu.time\":0.5}}]}");
  g_autoptr(ArtsTelemetry) ot = arts_telemetry_from_json(old, &err);
  g_assert_no_error(err);
  g_assert_null(arts_telemetry_get_module(ot, MOD_UUID)->name);
  g_assert_cmpint(arts_telemetry_get_module(ot, MOD_UUID)->state, ==, 0);
}

static void test_module_events(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsEvent) e = arts_event_new(ARTS_EVENT_MODULE_MIGRATED,
                                          MOD_UUID, "counter", "drain");
  e->source = g_strdup(RT_UUID);
  e->target = g_strdup(RT2_UUID);
  e->runtime = g_strdup(RT2_UUID);
  e->has_times = TRUE;
  e->downtime_ms = 9;
  e->total_ms = 40;
  g_autoptr(JsonObject) w = wire(arts_event_to_json(e));
  g_autoptr(ArtsEvent) b = arts_event_from_json(w, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(b->source, ==, RT_UUID);
  g_assert_cmpstr(b->target, ==, RT2_UUID);
  g_assert_true(b->has_times);
  g_assert_cmpint(b->downtime_ms, ==, 9);
  g_assert_cmpint(b->total_ms, ==, 40);
  g_assert_false(b->has_exit_code);
  g_assert_false(b->has_from_checkpoint);

  g_autoptr(ArtsEvent) r = arts_event_new(ARTS_EVENT_MODULE_RESTARTED,
                                          MOD_UUID, NULL, NULL);
  r->has_from_checkpoint = TRUE;
  r->from_checkpoint = FALSE;
  g_autoptr(JsonObject) rj = arts_event_to_json(r);
  g_autoptr(ArtsEvent) rb = arts_event_from_json(rj, &err);
  g_assert_no_error(err);
  g_assert_true(rb->has_from_checkpoint);
  g_assert_false(rb->from_checkpoint);

  g_autoptr(ArtsEvent) x = arts_event_new(ARTS_EVENT_MODULE_EXITED, MOD_UUID,
                                          NULL, NULL);
  x->has_exit_code = TRUE;
  x->exit_code = 0;
  g_autoptr(JsonObject) xj = arts_event_to_json(x);
  g_autoptr(ArtsEvent) xb = arts_event_from_json(xj, &err);
  g_assert_no_error(err);
  g_assert_true(xb->has_exit_code);
  g_assert_cmpint(xb->exit_code, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Every error class: the decoder refuses, names the field, and says    */
/* why.                                                                 */

typedef enum {
  MODULE, UPDATE, RESULT, MIGRATION, CHUNK, LIST, QUERY, RUNTIME, TELEMETRY,
  EVENT
} Kind;

#define UPD "\"type\":\"module_state\",\"uuid\":\"" MOD_UUID "\""
#define MIG "\"module\":\"" MOD_UUID "\",\"source\":\"" RT_UUID "\"," \
            "\"target\":\"" RT2_UUID "\""
#define CHK "\"module\":\"" MOD_UUID "\",\"start_offset\":10"
#define EVT "\"type\":\"event\",\"event\":\"module_migrated\",\"uuid\":\"" \
            MOD_UUID "\",\"ts\":1"
#define TEL "\"type\":\"telemetry\",\"uuid\":\"" RT_UUID "\",\"ts\":1," \
            "\"metrics\":{}"

static const ProtoBadCase bad_cases[] = {
  /* module: resources */
  { MODULE, "{\"resources\":{\"cpu\":0.5}}", ARTS_ERROR_UNKNOWN,
    "data.resources.cpu: unknown field" },
  { MODULE, "{\"resources\":{\"max_memory\":-1}}", ARTS_ERROR_FIELD,
    "data.resources.max_memory: -1 out of range (0..9223372036854775807)" },
  { MODULE, "{\"resources\":{\"fuel\":1.5}}", ARTS_ERROR_FIELD,
    "data.resources.fuel: expected an integer" },
  { MODULE, "{\"resources\":[]}", ARTS_ERROR_FIELD,
    "data.resources: expected an object" },
  /* module: restore */
  { MODULE, "{\"restore\":{}}", ARTS_ERROR_FIELD,
    "data.restore: expected {\"migration\": id} or {\"checkpoint\": true}" },
  { MODULE, "{\"restore\":{\"migration\":\"m\",\"checkpoint\":true}}",
    ARTS_ERROR_FIELD,
    "data.restore: expected {\"migration\": id} or {\"checkpoint\": true}" },
  { MODULE, "{\"restore\":{\"checkpoint\":false}}", ARTS_ERROR_FIELD,
    "data.restore: expected {\"migration\": id} or {\"checkpoint\": true}" },
  { MODULE, "{\"restore\":{\"migration\":\"a/b\"}}", ARTS_ERROR_FIELD,
    "data.restore.migration: expected 1..128 of A-Z a-z 0-9 _ - . :" },
  { MODULE, "{\"restore\":{\"snapshot\":1}}", ARTS_ERROR_UNKNOWN,
    "data.restore.snapshot: unknown field" },
  { MODULE, "{\"restore\":true}", ARTS_ERROR_FIELD,
    "data.restore: expected an object" },
  /* module: migration fields */
  { MODULE, "{\"migration\":\"\"}", ARTS_ERROR_FIELD,
    "data.migration: expected 1..128 of A-Z a-z 0-9 _ - . :" },
  { MODULE, "{\"migration\":\"" "0123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678\"}", ARTS_ERROR_FIELD,
    "data.migration: expected 1..128 of A-Z a-z 0-9 _ - . :" },
  { MODULE, "{\"target\":\"\"}", ARTS_ERROR_FIELD,
    "data.target: expected 1..255 bytes, got 0" },
  { MODULE, "{\"target\":\"a\\tb\"}", ARTS_ERROR_FIELD,
    "data.target: expected a uuid or a name without control characters" },
  { MODULE, "{\"target\":[]}", ARTS_ERROR_FIELD,
    "data.target: expected a string" },
  { MODULE, "{\"reason\":\"Migrated\"}", ARTS_ERROR_FIELD,
    "data.reason: expected a word of a-z, 0-9 and _" },
  /* module: the orchestrator's view */
  { MODULE, "{\"state\":\"zombie\"}", ARTS_ERROR_FIELD,
    "data.state: expected one of \"starting\", \"running\", \"paused\", "
    "\"migrating\", \"exited\", \"failed\"" },
  { MODULE, "{\"state\":1}", ARTS_ERROR_FIELD,
    "data.state: expected a string" },
  { MODULE, "{\"exit_code\":1099511627776}", ARTS_ERROR_FIELD,
    "data.exit_code: 1099511627776 out of range "
    "(-2147483648..4294967295)" },
  { MODULE, "{\"exit_code\":\"0\"}", ARTS_ERROR_FIELD,
    "data.exit_code: expected an integer" },
  { MODULE, "{\"migrations\":-1}", ARTS_ERROR_FIELD,
    "data.migrations: -1 out of range (0..2147483647)" },
  { MODULE, "{\"started_at\":-1}", ARTS_ERROR_FIELD,
    "data.started_at: -1 out of range (0..9223372036854775807)" },
  { MODULE, "{\"runtime_name\":\"\"}", ARTS_ERROR_FIELD,
    "data.runtime_name: expected 1..255 bytes, got 0" },
  { MODULE, "{\"error\":false}", ARTS_ERROR_FIELD,
    "data.error: expected a string" },
  /* module_state */
  { UPDATE, "{\"uuid\":\"" MOD_UUID "\",\"state\":\"running\"}",
    ARTS_ERROR_FIELD, "data.type: missing" },
  { UPDATE, "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\",\"state\":"
    "\"running\"}", ARTS_ERROR_FIELD,
    "data.type: expected \"module_state\"" },
  { UPDATE, "{\"type\":\"module_state\",\"state\":\"running\"}",
    ARTS_ERROR_FIELD, "data.uuid: missing" },
  { UPDATE, "{" UPD "}", ARTS_ERROR_FIELD, "data.state: missing" },
  { UPDATE, "{" UPD ",\"state\":null}", ARTS_ERROR_FIELD,
    "data.state: expected a string" },
  { UPDATE, "{" UPD ",\"state\":\"gone\"}", ARTS_ERROR_FIELD,
    "data.state: expected one of \"starting\", \"running\", \"paused\", "
    "\"migrating\", \"exited\", \"failed\"" },
  { UPDATE, "{" UPD ",\"state\":\"exited\",\"exit_code\":1.5}",
    ARTS_ERROR_FIELD, "data.exit_code: expected an integer" },
  { UPDATE, "{" UPD ",\"state\":\"running\",\"resumed_at\":\"now\"}",
    ARTS_ERROR_FIELD, "data.resumed_at: expected an integer" },
  { UPDATE, "{" UPD ",\"state\":\"running\",\"stdout_offset\":-3}",
    ARTS_ERROR_FIELD,
    "data.stdout_offset: -3 out of range (0..9223372036854775807)" },
  { UPDATE, "{" UPD ",\"state\":\"running\",\"pc\":5}", ARTS_ERROR_UNKNOWN,
    "data.pc: unknown field" },
  /* control answers */
  { RESULT, "{\"ready\":\"yes\"}", ARTS_ERROR_FIELD,
    "data.details.ready: expected a boolean" },
  { RESULT, "{\"snapshot_bytes\":-1}", ARTS_ERROR_FIELD,
    "data.details.snapshot_bytes: -1 out of range "
    "(0..9223372036854775807)" },
  { RESULT, "{\"paused_at\":1e3}", ARTS_ERROR_FIELD,
    "data.details.paused_at: expected an integer" },
  { RESULT, "{\"uuid\":\"counter\"}", ARTS_ERROR_FIELD,
    "data.details.uuid: expected a uuid" },
  { RESULT, "{\"name\":\"\"}", ARTS_ERROR_FIELD,
    "data.details.name: expected 1..255 bytes, got 0" },
  { RESULT, "{\"error\":7}", ARTS_ERROR_FIELD,
    "data.details.error: expected a string" },
  { RESULT, "{\"snapshot\":\"...\"}", ARTS_ERROR_UNKNOWN,
    "data.details.snapshot: unknown field" },
  /* migration answer */
  { MIGRATION, "{" MIG ",\"downtime_ms\":5}", ARTS_ERROR_FIELD,
    "data.details.total_ms: missing" },
  { MIGRATION, "{" MIG ",\"total_ms\":5}", ARTS_ERROR_FIELD,
    "data.details.downtime_ms: missing" },
  { MIGRATION, "{" MIG ",\"downtime_ms\":6,\"total_ms\":5}",
    ARTS_ERROR_FIELD, "data.details.downtime_ms: larger than total_ms" },
  { MIGRATION, "{\"module\":\"" MOD_UUID "\",\"source\":\"lab\","
    "\"target\":\"" RT2_UUID "\",\"downtime_ms\":1,\"total_ms\":2}",
    ARTS_ERROR_FIELD, "data.details.source: expected a uuid" },
  { MIGRATION, "{" MIG ",\"downtime_ms\":1,\"total_ms\":2,\"reason\":"
    "\"Bad Reason\"}", ARTS_ERROR_FIELD,
    "data.details.reason: expected a word of a-z, 0-9 and _" },
  { MIGRATION, "{" MIG ",\"downtime_ms\":1,\"total_ms\":2,\"speed\":1}",
    ARTS_ERROR_UNKNOWN, "data.details.speed: unknown field" },
  /* logs answer */
  { CHUNK, "{" CHK ",\"data_b64\":\"YWJj\",\"end_offset\":12}",
    ARTS_ERROR_FIELD,
    "data.details.end_offset: does not equal start_offset + the data's "
    "length" },
  { CHUNK, "{" CHK ",\"data_b64\":\"YW*j\",\"end_offset\":13}",
    ARTS_ERROR_FIELD, "data.details.data_b64: base64: bad character at 2" },
  { CHUNK, "{" CHK ",\"data_b64\":\"YWJ\",\"end_offset\":13}",
    ARTS_ERROR_FIELD,
    "data.details.data_b64: base64: length 3 is not a multiple of 4" },
  { CHUNK, "{\"module\":\"" MOD_UUID "\",\"start_offset\":"
    "9223372036854775807,\"data_b64\":\"YWJj\",\"end_offset\":"
    "9223372036854775807}", ARTS_ERROR_FIELD,
    "data.details.end_offset: does not equal start_offset + the data's "
    "length" },
  { CHUNK, "{" CHK ",\"end_offset\":10}", ARTS_ERROR_FIELD,
    "data.details.data_b64: missing" },
  { CHUNK, "{" CHK ",\"data_b64\":\"\",\"end_offset\":10,\"more\":1}",
    ARTS_ERROR_FIELD, "data.details.more: expected a boolean" },
  { CHUNK, "{\"module\":\"counter\",\"start_offset\":0,\"data_b64\":\"\","
    "\"end_offset\":0}", ARTS_ERROR_FIELD,
    "data.details.module: expected a uuid" },
  /* modules answer */
  { LIST, "{}", ARTS_ERROR_FIELD, "data.details.modules: missing" },
  { LIST, "{\"modules\":[1]}", ARTS_ERROR_FIELD,
    "data.details.modules[0]: expected an object" },
  { LIST, "{\"modules\":[{\"uuid\":\"" MOD_UUID "\"},{\"state\":\"x\"}]}",
    ARTS_ERROR_FIELD,
    "data.details.modules[1].state: expected one of \"starting\", "
    "\"running\", \"paused\", \"migrating\", \"exited\", \"failed\"" },
  { LIST, "{\"modules\":[],\"more\":true}", ARTS_ERROR_UNKNOWN,
    "data.details.more: unknown field" },
  /* queries */
  { QUERY, "{\"type\":\"logs\"}", ARTS_ERROR_FIELD, "data.module: missing" },
  { QUERY, "{\"type\":\"logs\",\"module\":\"m\",\"since_offset\":-1}",
    ARTS_ERROR_FIELD,
    "data.since_offset: -1 out of range (0..9223372036854775807)" },
  { QUERY, "{\"type\":\"logs\",\"module\":\"m\",\"since\":1}",
    ARTS_ERROR_UNKNOWN, "data.since: unknown field" },
  { QUERY, "{\"type\":\"modules\",\"metric\":\"x\"}", ARTS_ERROR_UNKNOWN,
    "data.metric: unknown field" },
  { QUERY, "{\"type\":\"modules\",\"runtime\":\"\"}", ARTS_ERROR_FIELD,
    "data.runtime: expected 1..255 bytes, got 0" },
  /* runtime */
  { RUNTIME, "{\"uuid\":\"" RT_UUID "\",\"name\":\"x\",\"draining\":1}",
    ARTS_ERROR_FIELD, "data.draining: expected a boolean" },
  { RUNTIME, "{\"uuid\":\"" RT_UUID "\",\"name\":\"x\",\"moved\":-1}",
    ARTS_ERROR_FIELD, "data.moved: -1 out of range (0..1000000)" },
  /* telemetry */
  { TELEMETRY, "{" TEL ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"state\":\"asleep\",\"metrics\":{}}]}", ARTS_ERROR_FIELD,
    "data.modules[0].state: expected one of \"starting\", \"running\", "
    "\"paused\", \"migrating\", \"exited\", \"failed\"" },
  { TELEMETRY, "{" TEL ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"name\":\"\",\"metrics\":{}}]}", ARTS_ERROR_FIELD,
    "data.modules[0].name: expected 1..255 bytes, got 0" },
  { TELEMETRY, "{" TEL ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"parent\":\"x\",\"metrics\":{}}]}", ARTS_ERROR_UNKNOWN,
    "data.modules[0].parent: unknown field" },
  /* events */
  { EVENT, "{" EVT ",\"downtime_ms\":3}", ARTS_ERROR_FIELD,
    "data.total_ms: missing (downtime_ms and total_ms go together)" },
  { EVENT, "{" EVT ",\"total_ms\":3}", ARTS_ERROR_FIELD,
    "data.downtime_ms: missing (downtime_ms and total_ms go together)" },
  { EVENT, "{" EVT ",\"source\":\"lab\"}", ARTS_ERROR_FIELD,
    "data.source: expected a uuid" },
  { EVENT, "{" EVT ",\"from_checkpoint\":\"yes\"}", ARTS_ERROR_FIELD,
    "data.from_checkpoint: expected a boolean" },
  { EVENT, "{" EVT ",\"exit_code\":-2147483649}", ARTS_ERROR_FIELD,
    "data.exit_code: -2147483649 out of range (-2147483648..4294967295)" },
};

/* Decodes O as KIND; TRUE when it was accepted. */
static gboolean decode(Kind kind, JsonObject *o, GError **err) {
  switch (kind) {
  case MODULE: {
    g_autoptr(ArtsModule) m = arts_module_from_json(o, err);
    return m != NULL;
  }
  case UPDATE: {
    g_autoptr(ArtsModuleUpdate) u = arts_module_update_from_json(o, err);
    return u != NULL;
  }
  case RESULT: {
    g_autoptr(ArtsControlResult) r = arts_control_result_from_json(
        o, "data.details", err);
    return r != NULL;
  }
  case MIGRATION: {
    g_autoptr(ArtsMigration) m = arts_migration_from_json(o, "data.details",
                                                          err);
    return m != NULL;
  }
  case CHUNK: {
    g_autoptr(ArtsLogChunk) c = arts_log_chunk_from_json(o, "data.details",
                                                         err);
    return c != NULL;
  }
  case LIST: {
    g_autoptr(GPtrArray) l = arts_module_list_from_json(o, "data.details",
                                                        err);
    return l != NULL;
  }
  case QUERY: {
    g_autoptr(ArtsQuery) q = arts_query_from_json(o, err);
    return q != NULL;
  }
  case RUNTIME: {
    g_autoptr(ArtsRuntime) r = arts_runtime_from_json(o, err);
    return r != NULL;
  }
  case TELEMETRY: {
    g_autoptr(ArtsTelemetry) t = arts_telemetry_from_json(o, err);
    return t != NULL;
  }
  case EVENT: {
    g_autoptr(ArtsEvent) e = arts_event_from_json(o, err);
    return e != NULL;
  }
  }
  return FALSE;
}

/* The bad cases' decoder: JSON parsed, then decoded as KIND. */
static GError *decode_json(int kind, const char *json) {
  g_autoptr(JsonObject) o = prototest_parse(json);
  GError *err = NULL;
  decode(kind, o, &err);
  return err;
}

static void test_bad_cases(void) {
  prototest_bad_cases(bad_cases, G_N_ELEMENTS(bad_cases), decode_json);
}

/* Random damage to valid messages of every new kind: nothing may crash or
 * leak (ASan), and what still decodes encodes again. */
static void test_mutations(void) {
  static const struct { Kind kind; const char *json; } bases[] = {
    { MODULE, "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\",\"name\":"
      "\"counter\",\"parent\":\"" RT_UUID "\",\"sha256\":\"" SHA "\","
      "\"resources\":{\"max_memory\":65536,\"fuel\":9},\"restore\":"
      "{\"migration\":\"m-1\"},\"state\":\"running\",\"exit_code\":null,"
      "\"error\":null,\"migrations\":2,\"started_at\":5}" },
    { UPDATE, "{" UPD ",\"state\":\"failed\",\"error\":\"trap: x\","
      "\"migration\":\"m-2\",\"resumed_at\":7}" },
    { RESULT, "{\"paused_at\":1,\"snapshot_bytes\":2,\"stdout_offset\":3,"
      "\"ready\":true,\"exit_code\":null,\"state\":\"exited\"}" },
    { MIGRATION, "{" MIG ",\"downtime_ms\":1,\"total_ms\":2,\"reason\":"
      "\"drain\"}" },
    { CHUNK, "{" CHK ",\"data_b64\":\"aGVsbG8K\",\"end_offset\":16}" },
    { QUERY, "{\"type\":\"logs\",\"module\":\"m\",\"since_offset\":5}" },
    { EVENT, "{" EVT ",\"source\":\"" RT_UUID "\",\"target\":\"" RT2_UUID
      "\",\"downtime_ms\":1,\"total_ms\":2,\"from_checkpoint\":true}" },
  };
  GRand *rand = g_rand_new_with_seed(4);
  guint accepted = 0, tried = 0;
  for (guint b = 0; b < G_N_ELEMENTS(bases); b++) {
    g_autoptr(JsonObject) data = prototest_parse(bases[b].json);
    /* The damage happens to the whole message on the wire. */
    g_autoptr(ArtsEnvelope) env = arts_envelope_new(ARTS_TYPE_REQ, "update",
                                                    NULL, data);
    gsize len;
    g_autofree char *base = arts_envelope_to_json(env, &len);
    g_assert_true(decode(bases[b].kind, data, NULL));
    for (int i = 0; i < 1500; i++) {
      g_autofree char *m = prototest_damage(rand, base, len);
      g_autoptr(ArtsEnvelope) e = arts_envelope_parse(m, len, NULL);
      if (!e)
        continue;
      tried++;
      for (Kind k = MODULE; k <= EVENT; k++)
        accepted += decode(k, e->data, NULL);
    }
  }
  g_rand_free(rand);
  g_assert_cmpuint(tried, >, 0);
  g_assert_cmpuint(accepted, >, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/modules/states", test_states);
  g_test_add_func("/modules/error-codes", test_error_codes);
  g_test_add_func("/modules/module-create", test_module_create);
  g_test_add_func("/modules/module-control", test_module_control);
  g_test_add_func("/modules/module-state-view", test_module_state_view);
  g_test_add_func("/modules/module-update", test_module_update);
  g_test_add_func("/modules/answers", test_answers);
  g_test_add_func("/modules/log-chunk", test_log_chunk);
  g_test_add_func("/modules/module-list", test_module_list);
  g_test_add_func("/modules/queries", test_queries);
  g_test_add_func("/modules/runtime-draining", test_runtime_draining);
  g_test_add_func("/modules/telemetry-modules", test_telemetry_modules);
  g_test_add_func("/modules/events", test_module_events);
  g_test_add_func("/modules/bad-cases", test_bad_cases);
  g_test_add_func("/modules/mutations", test_mutations);
  return g_test_run();
}
