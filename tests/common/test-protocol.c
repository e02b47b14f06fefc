/* Protocol types <-> JSON: round trips of every message and every error. */
#include <math.h>
#include <string.h>
#include <sys/utsname.h>
#include "prototest.h"

#define OID "0b6e2a51-8f7d-4c33-9b1e-3f5a6c7d8e90"

/* Serializes DATA in an envelope and parses it back: the whole path a
 * message takes over the wire. */
static ArtsEnvelope *wire(ArtsMsgType type, const char *action,
                          JsonObject *data) {
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(type, action, NULL, data);
  gsize len;
  g_autofree char *json = arts_envelope_to_json(env, &len);
  g_autoptr(GError) err = NULL;
  ArtsEnvelope *back = arts_envelope_parse(json, len, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(back->object_id, ==, env->object_id);
  g_assert_cmpstr(back->action, ==, action);
  g_assert_cmpint(back->type, ==, type);
  return back;
}

static char *to_string(JsonObject *o) {
  return arts_json_object_to_string(o, NULL);
}

static void test_envelope_roundtrip(void) {
  for (int t = ARTS_TYPE_REQ; t <= ARTS_TYPE_RUNTIME_RESP; t++) {
    g_autoptr(JsonObject) d = json_object_new();
    json_object_set_string_member(d, "type", "runtimes");
    g_autoptr(ArtsEnvelope) back = wire(t, "query", d);
    g_assert_cmpstr(arts_envelope_data_type(back), ==, "runtimes");
  }
  g_autoptr(ArtsEnvelope) e = arts_envelope_new(ARTS_TYPE_REQ, "create", NULL,
                                                NULL);
  g_assert_true(arts_uuid_is_valid(e->object_id));
  g_assert_null(arts_envelope_data_type(e));
  g_assert_cmpuint(json_object_get_size(e->data), ==, 0);

  /* Older ARTS clients' type names, and upper-case uuids. */
  const char *old = "{\"object_id\":\"0B6E2A51-8F7D-4C33-9B1E-3F5A6C7D8E90\","
                    "\"action\":\"create\",\"type\":\"req\",\"data\":{}}";
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsEnvelope) o = arts_envelope_parse(old, strlen(old), &err);
  g_assert_no_error(err);
  g_assert_cmpint(o->type, ==, ARTS_TYPE_REQ);
  g_assert_cmpstr(o->object_id, ==, OID);
  const char *resp = "{\"object_id\":\"" OID "\",\"action\":\"create\","
                     "\"type\":\"resp\",\"data\":{}}";
  g_autoptr(ArtsEnvelope) r = arts_envelope_parse(resp, strlen(resp), &err);
  g_assert_no_error(err);
  g_assert_cmpint(r->type, ==, ARTS_TYPE_RESP);
  ArtsMsgType mt;
  g_assert_false(arts_msg_type_from_string("request", &mt));
  g_assert_cmpstr(arts_msg_type_to_string(ARTS_TYPE_RUNTIME_RESP), ==,
                  "runtime_resp");
}

static ArtsRuntime *sample_runtime(void) {
  ArtsRuntime *rt = arts_runtime_new();
  rt->uuid = g_strdup(RT_UUID);
  rt->name = g_strdup("lab-laptop");
  rt->runtime_type = g_strdup("arts-agent");
  g_strfreev(rt->apis);
  rt->apis = g_strsplit("wasm wasi", " ", -1);
  rt->max_nmodules = 8;
  arts_platform_detect(&rt->platform);
  rt->metadata = json_object_new();
  json_object_set_string_member(rt->metadata, "site", "bench-2");
  json_object_set_int_member(rt->metadata, "rack", 3);
  rt->status = ARTS_STATUS_ALIVE;
  rt->last_seen_ms = 1764024000123;
  return rt;
}

static void test_runtime_roundtrip(void) {
  g_autoptr(ArtsRuntime) rt = sample_runtime();
  g_autoptr(JsonObject) j = arts_runtime_to_json(rt);
  g_autoptr(ArtsEnvelope) env = wire(ARTS_TYPE_REQ, "create", j);
  g_assert_cmpstr(arts_envelope_data_type(env), ==, "runtime");
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsRuntime) back = arts_runtime_from_json(env->data, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(back->uuid, ==, rt->uuid);
  g_assert_cmpstr(back->name, ==, "lab-laptop");
  g_assert_cmpstr(back->runtime_type, ==, "arts-agent");
  g_assert_cmpuint(g_strv_length(back->apis), ==, 2);
  g_assert_cmpstr(back->apis[1], ==, "wasi");
  g_assert_cmpint(back->max_nmodules, ==, 8);
  g_assert_cmpint(back->page_size, ==, 65536);
  g_assert_null(back->aot_target);
  g_assert_cmpstr(back->platform.arch, ==, rt->platform.arch);
  g_assert_cmpstr(back->platform.hostname, ==, rt->platform.hostname);
  g_assert_cmpint(back->platform.cpu_cores, ==, rt->platform.cpu_cores);
  g_assert_cmpint(back->platform.memory_total, ==, rt->platform.memory_total);
  g_assert_cmpint(json_object_get_int_member(back->metadata, "rack"), ==, 3);
  g_assert_cmpint(back->status, ==, ARTS_STATUS_ALIVE);
  g_assert_cmpint(back->last_seen_ms, ==, 1764024000123);
  /* Same JSON again: nothing lost, nothing added. */
  g_autoptr(JsonObject) j2 = arts_runtime_to_json(back);
  g_autofree char *s1 = to_string(j), *s2 = to_string(j2);
  g_assert_cmpstr(s1, ==, s2);
  /* The copy is independent of the original. */
  g_autoptr(ArtsRuntime) c = arts_runtime_copy(back);
  g_clear_pointer(&back, arts_runtime_free);
  g_assert_cmpstr(c->platform.os, ==, rt->platform.os);
  g_assert_cmpstr(json_object_get_string_member(c->metadata, "site"), ==,
                  "bench-2");
}

/* The platform facts of issue "A heterogeneous realm": byte order and word
 * size round-trip, a registration without them (ARENA, SilverLine, our
 * agents before) still decodes with both unknown, and this process's own
 * facts are what the agent sends. */
static void test_platform_fields(void) {
  g_autoptr(GError) err = NULL;
  ArtsPlatform here;
  arts_platform_detect(&here);
  g_assert_cmpint(here.word_size, ==, (int)(sizeof(void *) * 8));
  g_assert_cmpint(here.byte_order, ==,
                  G_BYTE_ORDER == G_BIG_ENDIAN ? ARTS_BYTE_ORDER_BIG
                                               : ARTS_BYTE_ORDER_LITTLE);
  g_assert_cmpint(here.cpu_cores, >=, 1);
  g_assert_cmpint(here.memory_total, >, 0);
  /* arch is the class of this process, machine what the kernel says. */
  struct utsname u;
  g_assert_cmpint(uname(&u), ==, 0);
  g_assert_cmpstr(here.machine, ==, u.machine);
  g_autofree char *want = arts_arch_class(u.machine, here.byte_order,
                                          here.word_size);
  g_assert_cmpstr(here.arch, ==, want);
  arts_platform_clear(&here);

  g_autoptr(JsonObject) big = prototest_parse(
      "{\"uuid\":\"" RT_UUID "\",\"name\":\"s390\",\"platform\":"
      "{\"arch\":\"s390x\",\"machine\":\"s390x\",\"os\":\"Linux\","
      "\"cpu_cores\":2,"
      "\"memory_total\":4294967296,\"byte_order\":\"big\","
      "\"word_size\":64}}");
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(big, &err);
  g_assert_no_error(err);
  g_assert_cmpint(rt->platform.byte_order, ==, ARTS_BYTE_ORDER_BIG);
  g_assert_cmpint(rt->platform.word_size, ==, 64);
  g_assert_cmpstr(rt->platform.machine, ==, "s390x");
  g_autoptr(JsonObject) j = arts_runtime_to_json(rt);
  JsonObject *pj = json_object_get_object_member(j, "platform");
  g_assert_cmpstr(json_object_get_string_member(pj, "byte_order"), ==, "big");
  g_assert_cmpint(json_object_get_int_member(pj, "word_size"), ==, 64);
  g_autoptr(ArtsRuntime) copy = arts_runtime_copy(rt);
  g_assert_cmpint(copy->platform.byte_order, ==, ARTS_BYTE_ORDER_BIG);
  g_assert_cmpint(copy->platform.word_size, ==, 64);
  g_assert_cmpstr(copy->platform.machine, ==, "s390x");

  /* Older payload: neither field, and none invented on the way back. */
  g_autoptr(JsonObject) old = prototest_parse(
      "{\"uuid\":\"" RT_UUID "\",\"name\":\"old\",\"platform\":"
      "{\"arch\":\"armv7l\",\"os\":\"Linux\",\"cpu_cores\":4,"
      "\"memory_total\":1000000000}}");
  g_autoptr(ArtsRuntime) o = arts_runtime_from_json(old, &err);
  g_assert_no_error(err);
  g_assert_cmpint(o->platform.byte_order, ==, ARTS_BYTE_ORDER_UNKNOWN);
  g_assert_cmpint(o->platform.word_size, ==, 0);
  g_autoptr(JsonObject) oj = arts_runtime_to_json(o);
  JsonObject *opj = json_object_get_object_member(oj, "platform");
  g_assert_false(json_object_has_member(opj, "byte_order"));
  g_assert_false(json_object_has_member(opj, "word_size"));
  g_assert_false(json_object_has_member(opj, "machine"));
  g_autofree char *cls = arts_platform_arch_class(&o->platform);
  g_assert_cmpstr(cls, ==, "arm");
}

/* Device classes: uname -m spellings, and the process's facts where the
 * machine name does not tell (docs/protocol.md, "Device classes"). */
static void test_arch_class(void) {
  static const struct {
    const char *machine;
    ArtsByteOrder order;
    int bits;
    const char *cls;
  } cases[] = {
    {"x86_64", ARTS_BYTE_ORDER_LITTLE, 64, "x86_64"},
    {"amd64", 0, 0, "x86_64"},
    {"x86_64", ARTS_BYTE_ORDER_LITTLE, 32, "i686"},
    {"i386", 0, 0, "i686"},
    {"i686", 0, 32, "i686"},
    {"aarch64", ARTS_BYTE_ORDER_LITTLE, 64, "aarch64"},
    {"arm64", 0, 0, "aarch64"},
    {"aarch64", ARTS_BYTE_ORDER_LITTLE, 32, "arm"},
    {"armv7l", ARTS_BYTE_ORDER_LITTLE, 32, "arm"},
    {"armv6l", 0, 0, "arm"},
    {"armv8l", 0, 32, "arm"},
    {"ARMHF", 0, 0, "arm"},
    {"s390x", ARTS_BYTE_ORDER_BIG, 64, "s390x"},
    {"s390x", ARTS_BYTE_ORDER_BIG, 32, "s390"},
    {"mips", ARTS_BYTE_ORDER_BIG, 32, "mips"},
    {"mips", ARTS_BYTE_ORDER_LITTLE, 32, "mipsel"},
    {"mips", 0, 0, "mips"},
    {"mipsel", 0, 0, "mipsel"},
    {"mips64", ARTS_BYTE_ORDER_LITTLE, 64, "mips64el"},
    {"mips64", ARTS_BYTE_ORDER_BIG, 32, "mips"},
    {"mips64", ARTS_BYTE_ORDER_LITTLE, 32, "mipsel"},
    {"ppc64le", 0, 0, "ppc64le"},
    {"ppc64", ARTS_BYTE_ORDER_LITTLE, 64, "ppc64le"},
    {"riscv64", ARTS_BYTE_ORDER_LITTLE, 64, "riscv64"},
    {"loongarch64", 0, 0, "loongarch64"},
    {"Itanium9", 0, 0, "itanium9"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *cls = arts_arch_class(cases[i].machine, cases[i].order,
                                           cases[i].bits);
    if (g_strcmp0(cls, cases[i].cls) != 0)
      g_error("%s %d %d-bit: got %s, want %s", cases[i].machine,
              cases[i].order, cases[i].bits, cls, cases[i].cls);
    /* A class is its own class: readers class an agent's arch again. */
    g_autofree char *again = arts_arch_class(cls, cases[i].order,
                                             cases[i].bits);
    g_assert_cmpstr(again, ==, cls);
  }
  g_assert_null(arts_arch_class(NULL, 0, 0));
  g_assert_null(arts_arch_class("", 0, 0));
}

/* Module constraints: decoded as device classes, kept across a
 * round-trip, judged against platforms with the reason said. */
static void test_module_constraints(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(JsonObject) o = prototest_parse(
      "{\"type\":\"module\",\"name\":\"c\",\"constraints\":"
      "{\"arch\":[\"aarch64\",\"armv7l\"],\"byte_order\":\"little\","
      "\"word_size\":32}}");
  g_autoptr(ArtsModule) m = arts_module_from_json(o, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(g_strv_length(m->constraints.arch), ==, 2);
  g_assert_cmpstr(m->constraints.arch[1], ==, "arm");
  g_assert_cmpint(m->constraints.byte_order, ==, ARTS_BYTE_ORDER_LITTLE);
  g_assert_cmpint(m->constraints.word_size, ==, 32);
  g_autofree char *d = arts_constraints_describe(&m->constraints);
  g_assert_cmpstr(d, ==, "arch=aarch64,arm byte_order=little word_size=32");

  g_autoptr(ArtsModule) c = arts_module_copy(m);
  g_clear_pointer(&m, arts_module_free);
  g_autoptr(JsonObject) j = arts_module_to_json(c);
  g_autofree char *js = to_string(j);
  g_assert_nonnull(strstr(js, "\"constraints\":{\"arch\":[\"aarch64\","
                              "\"arm\"],\"byte_order\":\"little\","
                              "\"word_size\":32}"));

  ArtsPlatform pi = {.arch = (char *)"armv7l",
                     .byte_order = ARTS_BYTE_ORDER_LITTLE, .word_size = 32};
  ArtsPlatform pc = {.arch = (char *)"x86_64",
                     .byte_order = ARTS_BYTE_ORDER_LITTLE, .word_size = 64};
  ArtsPlatform arts = {.arch = (char *)"aarch64"};
  g_assert_null(arts_constraints_reject(&c->constraints, &pi));
  g_autofree char *no_pc = arts_constraints_reject(&c->constraints, &pc);
  g_assert_cmpstr(no_pc, ==, "arch x86_64, not aarch64 or arm");
  /* A peer that does not say its byte order cannot satisfy one. */
  g_autofree char *no_arts = arts_constraints_reject(&c->constraints, &arts);
  g_assert_cmpstr(no_arts, ==, "byte order unknown, not little-endian");

  /* One string is a space-separated list, as ARTS's apis; null and {}
   * are no constraint at all, and leave none in the JSON. */
  g_autoptr(JsonObject) s = prototest_parse(
      "{\"constraints\":{\"arch\":\"s390x amd64\"}}");
  g_autoptr(ArtsModule) ms = arts_module_from_json(s, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(ms->constraints.arch[1], ==, "x86_64");
  for (guint i = 0; i < 2; i++) {
    g_autoptr(JsonObject) e = prototest_parse(
        i ? "{\"constraints\":{}}" : "{\"constraints\":null}");
    g_autoptr(ArtsModule) me = arts_module_from_json(e, &err);
    g_assert_no_error(err);
    g_assert_true(arts_constraints_is_empty(&me->constraints));
    g_autoptr(JsonObject) ej = arts_module_to_json(me);
    g_assert_false(json_object_has_member(ej, "constraints"));
  }
}

/* A registration as ARTS runtimes send it: apis as one string, extra
 * bookkeeping fields, "req". */
static void test_runtime_arts_compat(void) {
  const char *msg =
      "{\"object_id\":\"" OID "\",\"action\":\"create\",\"type\":\"arts_req\","
      "\"data\":{\"type\":\"runtime\",\"uuid\":\"" RT_UUID "\",\"name\":\"rt1\","
      "\"apis\":\"wasi:snapshot_preview1 wasi:unstable\",\"runtime_type\":"
      "\"linux\",\"max_nmodules\":3,\"nmodules\":1,\"ka_interval_sec\":60,"
      "\"ka_ts\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01\","
      "\"page_size\":4096}}";
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse(msg, strlen(msg), &err);
  g_assert_no_error(err);
  g_autoptr(ArtsRuntime) rt = arts_runtime_from_json(env->data, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(g_strv_length(rt->apis), ==, 2);
  g_assert_cmpstr(rt->apis[0], ==, "wasi:snapshot_preview1");
  g_assert_cmpint(rt->nmodules, ==, 1);
  g_assert_cmpint(rt->page_size, ==, 4096);

  /* The goodbye / last will carries only type, uuid and name. */
  const char *bye = "{\"type\":\"runtime\",\"uuid\":\"" RT_UUID
                    "\",\"name\":\"rt1\"}";
  g_autoptr(JsonObject) o = prototest_parse(bye);
  g_autoptr(ArtsRuntime) b = arts_runtime_from_json(o, &err);
  g_assert_no_error(err);
  g_assert_cmpint(b->max_nmodules, ==, 0);
  g_assert_cmpint(b->status, ==, 0);
  g_assert_cmpuint(g_strv_length(b->apis), ==, 0);
}

static void test_module_roundtrip(void) {
  /* What an ARTS orchestrator sends to start a module. */
  const char *data =
      "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\",\"name\":\"counter\","
      "\"parent\":\"" RT_UUID "\",\"filename\":\"counter.wasm\","
      "\"filetype\":\"WA\",\"apis\":[\"wasm\",\"wasi\"],\"args\":[\"-n\","
      "\"3\"],\"env\":[\"A=1\",\"B=\"],\"channels\":[{\"path\":\"/x\"}],"
      "\"peripherals\":[],\"resources\":{\"period\":10000,\"runtime\":5000},\"fault_crash\":"
      "\"restart\",\"status\":\"A\",\"sha256\":"
      "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
      "\"fileid\":\"f1\",\"send_to_runtime\":\"" RT_UUID "\"}";
  g_autoptr(GError) err = NULL;
  g_autoptr(JsonObject) o = prototest_parse(data);
  g_autoptr(ArtsModule) m = arts_module_from_json(o, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(m->uuid, ==, MOD_UUID);
  g_assert_cmpstr(m->parent, ==, RT_UUID);
  g_assert_cmpstr(m->args[1], ==, "3");
  g_assert_cmpstr(m->env[1], ==, "B=");
  g_assert_cmpstr(m->fault_crash, ==, "restart");
  g_assert_cmpint(m->status, ==, ARTS_STATUS_ALIVE);
  g_assert_cmpuint(json_array_get_length(m->channels), ==, 1);
  g_assert_nonnull(m->resources);
  g_assert_cmpstr(m->send_to_runtime, ==, RT_UUID);

  g_autoptr(JsonObject) j = arts_module_to_json(m);
  g_autoptr(ArtsEnvelope) env = wire(ARTS_TYPE_REQ, "create", j);
  g_autoptr(ArtsModule) back = arts_module_from_json(env->data, &err);
  g_assert_no_error(err);
  g_autoptr(JsonObject) j2 = arts_module_to_json(back);
  g_autofree char *s1 = to_string(j), *s2 = to_string(j2);
  g_assert_cmpstr(s1, ==, s2);
  g_autoptr(ArtsModule) c = arts_module_copy(back);
  g_autoptr(JsonObject) j3 = arts_module_to_json(c);
  g_autofree char *s3 = to_string(j3);
  g_assert_cmpstr(s1, ==, s3);

  /* A delete carries only the uuid; defaults fill the rest. */
  const char *del = "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\"}";
  g_autoptr(JsonObject) d = arts_json_parse_object(del, strlen(del), &err);
  g_autoptr(ArtsModule) dm = arts_module_from_json(d, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(dm->filetype, ==, "WA");
  g_assert_cmpstr(dm->fault_crash, ==, "ignore");
  g_assert_null(dm->resources);
}

static void test_telemetry_roundtrip(void) {
  g_autoptr(ArtsTelemetry) t = arts_telemetry_new(RT_UUID, 1764024000000, 1000);
  arts_telemetry_add(t, ARTS_METRIC_CPU_UTIL, 0.12);
  arts_telemetry_add(t, ARTS_METRIC_MEM_USED, 5368709120.0);
  arts_telemetry_add(t, ARTS_METRIC_CPU_UTIL, 0.25);   /* replaces */
  arts_telemetry_add(t, "bogus", NAN);                 /* left out */
  arts_telemetry_add_module(t, MOD_UUID, ARTS_METRIC_PROC_CPU_TIME, 0.5);
  arts_telemetry_add_module(t, MOD_UUID, ARTS_METRIC_PROC_RSS, 1024);
  t->replayed = TRUE;
  g_autoptr(JsonObject) j = arts_telemetry_to_json(t);
  g_autoptr(ArtsEnvelope) env = wire(ARTS_TYPE_RUNTIME_RESP, "update", j);
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsTelemetry) back = arts_telemetry_from_json(env->data, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(back->runtime_uuid, ==, RT_UUID);
  g_assert_cmpint(back->timestamp_ms, ==, 1764024000000);
  g_assert_cmpint(back->interval_ms, ==, 1000);
  g_assert_true(back->replayed);
  g_assert_cmpuint(back->metrics->len, ==, 2);
  g_assert_cmpfloat(arts_telemetry_get(back, ARTS_METRIC_CPU_UTIL), ==, 0.25);
  g_assert_cmpfloat(arts_telemetry_get(back, ARTS_METRIC_MEM_USED), ==,
                    5368709120.0);
  g_assert_true(isnan(arts_telemetry_get(back, "bogus")));
  g_assert_cmpuint(back->modules->len, ==, 1);
  ArtsModuleMetrics *mm = g_ptr_array_index(back->modules, 0);
  g_assert_cmpstr(mm->module_uuid, ==, MOD_UUID);
  g_assert_cmpuint(mm->metrics->len, ==, 2);
  g_autoptr(ArtsTelemetry) c = arts_telemetry_copy(back);
  g_autoptr(JsonObject) j2 = arts_telemetry_to_json(c);
  g_autofree char *s1 = to_string(j), *s2 = to_string(j2);
  g_assert_cmpstr(s1, ==, s2);
}

/* Per-channel counters: built, encoded, decoded, copied, bounded. */
static void test_telemetry_channels(void) {
  g_autoptr(ArtsTelemetry) t = arts_telemetry_new(RT_UUID, 1764024000000, 1000);
  arts_telemetry_add_module(t, MOD_UUID, ARTS_METRIC_CH_MSGS_IN, 12);
  ArtsChannelMetrics *cm = arts_telemetry_channel(t, MOD_UUID, "sensors/temp",
                                                  1 /* read */);
  arts_channel_metrics_set(cm, ARTS_METRIC_CH_MSGS_IN, 12);
  arts_channel_metrics_set(cm, ARTS_METRIC_CH_DROPPED, 3);
  g_assert_true(arts_telemetry_channel(t, MOD_UUID, "sensors/temp", 0) == cm);
  cm = arts_telemetry_channel(t, MOD_UUID, "alerts", 2 /* write */);
  arts_channel_metrics_set(cm, ARTS_METRIC_CH_BYTES_OUT, 640);
  g_autoptr(JsonObject) j = arts_telemetry_to_json(t);
  g_autofree char *s = to_string(j);
  g_assert_nonnull(strstr(s, "\"channels\":[{\"channel\":\"sensors/temp\","
                             "\"mode\":\"r\",\"metrics\":{"));
  g_autoptr(ArtsEnvelope) env = wire(ARTS_TYPE_RUNTIME_RESP, "update", j);
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsTelemetry) back = arts_telemetry_from_json(env->data, &err);
  g_assert_no_error(err);
  ArtsModuleMetrics *mm = arts_telemetry_get_module(back, MOD_UUID);
  g_assert_nonnull(mm);
  g_assert_cmpfloat(arts_module_metrics_get(mm, ARTS_METRIC_CH_MSGS_IN), ==,
                    12);
  g_assert_cmpuint(mm->channels->len, ==, 2);
  const ArtsChannelMetrics *c0 = arts_module_metrics_channel(mm,
                                                             "sensors/temp");
  g_assert_nonnull(c0);
  g_assert_cmpuint(c0->mode, ==, 1);
  g_assert_cmpfloat(arts_channel_metrics_get(c0, ARTS_METRIC_CH_DROPPED), ==,
                    3);
  g_assert_true(isnan(arts_channel_metrics_get(c0, ARTS_METRIC_CH_BYTES_IN)));
  g_assert_cmpuint(arts_module_metrics_channel(mm, "alerts")->mode, ==, 2);
  g_assert_null(arts_module_metrics_channel(mm, "other"));
  g_autoptr(ArtsTelemetry) c = arts_telemetry_copy(back);
  g_autoptr(JsonObject) j2 = arts_telemetry_to_json(c);
  g_autofree char *s2 = to_string(j2);
  g_assert_cmpstr(s, ==, s2);

  /* A module without channels has no "channels" key. */
  g_autoptr(ArtsTelemetry) plain = arts_telemetry_new(RT_UUID, 1, 1000);
  arts_telemetry_add_module(plain, MOD_UUID, ARTS_METRIC_PROC_CPU_TIME, 1);
  g_autoptr(JsonObject) pj = arts_telemetry_to_json(plain);
  g_autofree char *ps = to_string(pj);
  g_assert_null(strstr(ps, "channels"));

  /* Bounds: 65 channels, 33 metrics in one channel. */
  for (int k = 0; k < 2; k++) {
    g_autoptr(GString) js = g_string_new("{\"type\":\"telemetry\",\"uuid\":\""
                                         RT_UUID "\",\"ts\":1,\"metrics\":{},"
                                         "\"modules\":[{\"uuid\":\"" MOD_UUID
                                         "\",\"metrics\":{},\"channels\":[");
    if (k == 0) {
      for (int i = 0; i <= ARTS_TELEMETRY_CHANNELS_MAX; i++)
        g_string_append_printf(js, "%s{\"channel\":\"c%d\",\"metrics\":{}}",
                               i ? "," : "", i);
    } else {
      g_string_append(js, "{\"channel\":\"c\",\"metrics\":{");
      for (int i = 0; i <= ARTS_CHANNEL_METRICS_MAX; i++)
        g_string_append_printf(js, "%s\"m%d\":1", i ? "," : "", i);
      g_string_append(js, "}}");
    }
    g_string_append(js, "]}]}");
    g_autoptr(GError) e2 = NULL;
    g_autoptr(JsonObject) o = arts_json_parse_object(js->str, js->len, &e2);
    g_assert_no_error(e2);
    g_autoptr(ArtsTelemetry) no = arts_telemetry_from_json(o, &e2);
    g_assert_null(no);
    g_assert_error(e2, ARTS_ERROR, ARTS_ERROR_FIELD);
    g_assert_nonnull(strstr(e2->message, k == 0 ? "more than 64 channels"
                                                : "more than 32 metrics"));
  }
}

/* Channel limits in resources, and the orchestrator's channel_stats. */
static void test_module_channel_fields(void) {
  g_autoptr(GError) err = NULL;
  const char *json = "{\"type\":\"module\",\"uuid\":\"" MOD_UUID "\","
    "\"resources\":{\"channel_msg_max\":256,\"channel_queue_max\":8},"
    "\"channel_stats\":{\"ts\":1764024001000,\"channels\":[{\"channel\":"
    "\"demo/numbers\",\"mode\":\"rw\",\"metrics\":{"
    "\"arts.channel.messages.in\":5}}]}}";
  g_autoptr(JsonObject) o = prototest_parse(json);
  g_autoptr(ArtsModule) m = arts_module_from_json(o, &err);
  g_assert_no_error(err);
  g_assert_cmpint(m->channel_msg_max, ==, 256);
  g_assert_cmpint(m->channel_queue_max, ==, 8);
  g_assert_cmpint(m->channel_stats_ts_ms, ==, 1764024001000);
  g_assert_cmpuint(m->channel_stats->len, ==, 1);
  ArtsChannelMetrics *cm = m->channel_stats->pdata[0];
  g_assert_cmpuint(cm->mode, ==, 3);
  g_autoptr(ArtsModule) c = arts_module_copy(m);
  g_autoptr(JsonObject) j1 = arts_module_to_json(m);
  g_autoptr(JsonObject) j2 = arts_module_to_json(c);
  g_autofree char *s1 = to_string(j1), *s2 = to_string(j2);
  g_assert_cmpstr(s1, ==, s2);
  g_assert_nonnull(strstr(s1, "\"channel_queue_max\":8"));
  g_assert_nonnull(strstr(s1, "\"channel_stats\":{\"ts\":1764024001000,"));
  /* Built from the fields (no node): the limits go out too. */
  g_autoptr(ArtsModule) b = arts_module_new();
  b->channel_queue_max = 4;
  g_autoptr(JsonObject) bj = arts_module_to_json(b);
  g_autofree char *bs = to_string(bj);
  g_assert_nonnull(strstr(bs, "\"resources\":{\"max_memory\":0,\"fuel\":0,"
                              "\"channel_queue_max\":4}"));
}

static void test_event_log_query_roundtrip(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(ArtsEvent) e = arts_event_new(ARTS_EVENT_RUNTIME_DIED, RT_UUID,
                                          "lab", "last will");
  g_assert_cmpint(e->ts_ms, >, 1700000000000);
  g_autoptr(JsonObject) ej = arts_event_to_json(e);
  g_autoptr(ArtsEnvelope) ee = wire(ARTS_TYPE_RESP, "update", ej);
  g_autoptr(ArtsEvent) eb = arts_event_from_json(ee->data, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(eb->event, ==, "runtime_died");
  g_assert_cmpstr(eb->reason, ==, "last will");
  g_assert_cmpint(eb->ts_ms, ==, e->ts_ms);

  g_autoptr(ArtsLog) l = arts_log_new("error", "data.uuid: expected a string",
                                      "realm/proc/reg", OID);
  g_autoptr(JsonObject) lj = arts_log_to_json(l);
  g_autoptr(ArtsEnvelope) le = wire(ARTS_TYPE_RESP, "update", lj);
  g_autoptr(ArtsLog) lb = arts_log_from_json(le->data, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(lb->message, ==, l->message);
  g_assert_cmpstr(lb->topic, ==, "realm/proc/reg");
  g_assert_cmpstr(lb->object_id, ==, OID);

  g_autoptr(ArtsQuery) q = arts_query_new("history");
  q->runtime = g_strdup("lab");
  q->metric = g_strdup(ARTS_METRIC_CPU_UTIL);
  q->since_ms = 1000;
  q->until_ms = 2000;
  g_autoptr(JsonObject) qj = arts_query_to_json(q);
  g_autoptr(ArtsEnvelope) qe = wire(ARTS_TYPE_REQ, "query", qj);
  g_autoptr(ArtsQuery) qb = arts_query_from_json(qe->data, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(qb->kind, ==, "history");
  g_assert_cmpstr(qb->runtime, ==, "lab");
  g_assert_cmpint(qb->since_ms, ==, 1000);
  g_assert_cmpint(qb->until_ms, ==, 2000);

  g_autoptr(ArtsQuery) r = arts_query_new("runtimes");
  g_autoptr(JsonObject) rj = arts_query_to_json(r);
  g_autoptr(ArtsQuery) rb = arts_query_from_json(rj, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(rb->kind, ==, "runtimes");
}

static void test_history_roundtrip(void) {
  const char *res[] = { "raw", "1m" };
  for (guint k = 0; k < 2; k++) {
    g_autoptr(ArtsHistory) h = arts_history_new(RT_UUID, "m", res[k]);
    arts_history_add(h, 1000, 0.5, k ? 0.1 : 0.5, k ? 0.9 : 0.5);
    arts_history_add(h, 61000, 2, 2, 2);
    h->truncated = k == 1;
    g_autoptr(JsonObject) hj = arts_history_to_json(h);
    g_autoptr(GError) err = NULL;
    g_autoptr(ArtsHistory) hb = arts_history_from_json(hj, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(hb->resolution, ==, res[k]);
    g_assert_cmpuint(hb->points->len, ==, 2);
    ArtsHistoryPoint *p = &g_array_index(hb->points, ArtsHistoryPoint, 0);
    g_assert_cmpint(p->ts_ms, ==, 1000);
    g_assert_cmpfloat(p->avg, ==, 0.5);
    g_assert_cmpfloat(p->min, ==, k ? 0.1 : 0.5);
    g_assert_cmpfloat(p->max, ==, k ? 0.9 : 0.5);
    g_assert_cmpint(hb->truncated, ==, k == 1);
  }
}

static void test_responses(void) {
  g_autoptr(ArtsEnvelope) req = arts_envelope_new(ARTS_TYPE_REQ, "create",
                                                  OID, NULL);
  g_autoptr(ArtsRuntime) rt = sample_runtime();
  g_autoptr(JsonObject) details = arts_runtime_to_json(rt);
  g_autoptr(ArtsEnvelope) ok = arts_response_ok(req, ARTS_TYPE_RESP, details);
  g_autoptr(JsonObject) okd = json_object_ref(ok->data);
  g_autoptr(ArtsEnvelope) okw = wire(ARTS_TYPE_RESP, "create", okd);
  g_assert_cmpstr(ok->object_id, ==, OID);
  JsonObject *d = NULL;
  g_autoptr(GError) err = NULL;
  g_assert_true(arts_response_check(okw, &d, &err));
  g_assert_no_error(err);
  g_autoptr(ArtsRuntime) back = arts_runtime_from_json_at(d, "data.details",
                                                          &err);
  g_assert_no_error(err);
  g_assert_cmpstr(back->name, ==, "lab-laptop");

  GError *cause = g_error_new(ARTS_ERROR, ARTS_ERROR_CONFLICT,
                              "data.uuid: belongs to another runtime");
  g_autoptr(ArtsEnvelope) bad = arts_response_error(req, ARTS_TYPE_RUNTIME_RESP,
                                                    cause);
  g_error_free(cause);
  g_assert_cmpint(bad->type, ==, ARTS_TYPE_RUNTIME_RESP);
  g_assert_cmpstr(bad->action, ==, "create");
  g_autoptr(JsonObject) badd = json_object_ref(bad->data);
  g_autoptr(ArtsEnvelope) badw = wire(ARTS_TYPE_RUNTIME_RESP, "create", badd);
  g_assert_false(arts_response_check(badw, &d, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_CONFLICT);
  g_assert_cmpstr(err->message, ==, "data.uuid: belongs to another runtime");
  g_clear_error(&err);

  /* For a request that could not be parsed. */
  GError *perr = g_error_new_literal(ARTS_ERROR, ARTS_ERROR_PARSE, "x");
  g_autoptr(ArtsEnvelope) pe = arts_response_error_for(OID, NULL,
                                                       ARTS_TYPE_RESP, perr);
  g_error_free(perr);
  g_assert_cmpstr(pe->action, ==, "error");
  g_assert_false(arts_response_check(pe, NULL, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_PARSE);
  g_clear_error(&err);

  /* Older ARTS: details as a plain string. */
  g_autoptr(JsonObject) old = json_object_new();
  json_object_set_string_member(old, "result", "error");
  json_object_set_string_member(old, "details", "no such module");
  g_autoptr(ArtsEnvelope) oe = arts_envelope_new(ARTS_TYPE_RESP, "delete", OID,
                                                 old);
  g_assert_false(arts_response_check(oe, NULL, &err));
  g_assert_cmpstr(err->message, ==, "no such module");
  g_clear_error(&err);

  /* Not an answer at all. */
  g_autoptr(JsonObject) weird = json_object_new();
  json_object_set_string_member(weird, "result", "maybe");
  g_autoptr(ArtsEnvelope) we = arts_envelope_new(ARTS_TYPE_RESP, "x", OID,
                                                 weird);
  g_assert_false(arts_response_check(we, NULL, &err));
  g_assert_cmpstr(err->message, ==, "data.result: expected \"ok\" or \"error\"");
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

typedef enum { ENVELOPE, RUNTIME, MODULE, TELEMETRY, EVENT, LOG, QUERY,
               HISTORY } Kind;

#define ENV_HEAD "\"object_id\":\"" OID "\",\"action\":\"create\""
#define RT_HEAD "\"uuid\":\"" RT_UUID "\",\"name\":\"n\""
#define TEL_HEAD "\"uuid\":\"" RT_UUID "\",\"ts\":1,\"metrics\":{}"
#define EV_HEAD "\"type\":\"event\",\"uuid\":\"" RT_UUID "\",\"ts\":1"

static const ProtoBadCase bad_cases[] = {
  /* the envelope */
  { ENVELOPE, "", ARTS_ERROR_PARSE, "empty payload" },
  { ENVELOPE, "[1,2]", ARTS_ERROR_PARSE, "payload is not a JSON object" },
  { ENVELOPE, "42", ARTS_ERROR_PARSE, "payload is not a JSON object" },
  { ENVELOPE, "\xff{}", ARTS_ERROR_PARSE, "payload is not valid UTF-8" },
  { ENVELOPE, "{" ENV_HEAD ",\"type\":\"arts_req\"}", ARTS_ERROR_FIELD,
    "data: missing" },
  { ENVELOPE, "{" ENV_HEAD ",\"type\":\"arts_req\",\"data\":[]}",
    ARTS_ERROR_FIELD, "data: expected an object" },
  { ENVELOPE, "{" ENV_HEAD ",\"type\":\"arts_req\",\"data\":null}",
    ARTS_ERROR_FIELD, "data: expected an object" },
  { ENVELOPE, "{\"action\":\"create\",\"type\":\"arts_req\",\"data\":{}}",
    ARTS_ERROR_FIELD, "object_id: missing" },
  { ENVELOPE, "{\"object_id\":7,\"action\":\"create\",\"type\":\"arts_req\","
    "\"data\":{}}", ARTS_ERROR_FIELD, "object_id: expected a string" },
  { ENVELOPE, "{\"object_id\":\"not-a-uuid\",\"action\":\"create\","
    "\"type\":\"arts_req\",\"data\":{}}", ARTS_ERROR_FIELD,
    "object_id: expected a uuid" },
  { ENVELOPE, "{\"object_id\":\"" OID "\",\"type\":\"arts_req\","
    "\"data\":{}}", ARTS_ERROR_FIELD, "action: missing" },
  { ENVELOPE, "{\"object_id\":\"" OID "\",\"action\":\"Create!\","
    "\"type\":\"arts_req\",\"data\":{}}", ARTS_ERROR_FIELD,
    "action: expected a word of a-z, 0-9 and _" },
  { ENVELOPE, "{" ENV_HEAD ",\"data\":{}}", ARTS_ERROR_FIELD,
    "type: missing" },
  { ENVELOPE, "{" ENV_HEAD ",\"type\":\"request\",\"data\":{}}",
    ARTS_ERROR_UNKNOWN, "type: unknown message type \"request\" (expected "
    "arts_req, arts_resp or runtime_resp)" },
  { ENVELOPE, "{" ENV_HEAD ",\"type\":\"arts_req\",\"data\":{},\"x\":1}",
    ARTS_ERROR_UNKNOWN, "x: unknown field" },

  /* runtime */
  { RUNTIME, "{\"name\":\"n\"}", ARTS_ERROR_FIELD, "data.uuid: missing" },
  { RUNTIME, "{\"uuid\":5,\"name\":\"n\"}", ARTS_ERROR_FIELD,
    "data.uuid: expected a string" },
  { RUNTIME, "{\"uuid\":\"3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6\","
    "\"name\":\"n\"}", ARTS_ERROR_FIELD, "data.uuid: expected a uuid" },
  { RUNTIME, "{\"uuid\":\"3f0c8a1e-2d4b-4e6f-8a9b-1c2d3e4f5a6g\","
    "\"name\":\"n\"}", ARTS_ERROR_FIELD, "data.uuid: expected a uuid" },
  { RUNTIME, "{\"uuid\":\"" RT_UUID "\"}", ARTS_ERROR_FIELD,
    "data.name: missing" },
  { RUNTIME, "{\"uuid\":\"" RT_UUID "\",\"name\":null}", ARTS_ERROR_FIELD,
    "data.name: expected a string" },
  { RUNTIME, "{\"uuid\":\"" RT_UUID "\",\"name\":\"\"}", ARTS_ERROR_FIELD,
    "data.name: expected 1..255 bytes, got 0" },
  { RUNTIME, "{" RT_HEAD ",\"type\":\"module\"}", ARTS_ERROR_FIELD,
    "data.type: expected \"runtime\"" },
  { RUNTIME, "{" RT_HEAD ",\"apis\":5}", ARTS_ERROR_FIELD,
    "data.apis: expected an array of strings" },
  { RUNTIME, "{" RT_HEAD ",\"apis\":[\"wasm\",1]}", ARTS_ERROR_FIELD,
    "data.apis[1]: expected a string" },
  { RUNTIME, "{" RT_HEAD ",\"max_nmodules\":\"8\"}", ARTS_ERROR_FIELD,
    "data.max_nmodules: expected an integer" },
  { RUNTIME, "{" RT_HEAD ",\"max_nmodules\":1.5}", ARTS_ERROR_FIELD,
    "data.max_nmodules: expected an integer" },
  { RUNTIME, "{" RT_HEAD ",\"max_nmodules\":1e400}", ARTS_ERROR_FIELD,
    "data.max_nmodules: expected an integer" },
  { RUNTIME, "{" RT_HEAD ",\"max_nmodules\":-1}", ARTS_ERROR_FIELD,
    "data.max_nmodules: -1 out of range (0..1000000)" },
  { RUNTIME, "{" RT_HEAD ",\"page_size\":0}", ARTS_ERROR_FIELD,
    "data.page_size: 0 out of range (1..4294967295)" },
  { RUNTIME, "{" RT_HEAD ",\"aot_target\":3}", ARTS_ERROR_FIELD,
    "data.aot_target: expected a string" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":\"x86\"}", ARTS_ERROR_FIELD,
    "data.platform: expected an object" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"cpu_cores\":\"4\"}}",
    ARTS_ERROR_FIELD, "data.platform.cpu_cores: expected an integer" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"gpu\":true}}", ARTS_ERROR_UNKNOWN,
    "data.platform.gpu: unknown field" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"byte_order\":\"middle\"}}",
    ARTS_ERROR_FIELD,
    "data.platform.byte_order: expected \"little\" or \"big\"" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"byte_order\":1}}",
    ARTS_ERROR_FIELD, "data.platform.byte_order: expected a string" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"word_size\":\"64\"}}",
    ARTS_ERROR_FIELD, "data.platform.word_size: expected an integer" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"word_size\":16}}",
    ARTS_ERROR_FIELD, "data.platform.word_size: expected 32 or 64" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"word_size\":0}}",
    ARTS_ERROR_FIELD, "data.platform.word_size: expected 32 or 64" },
  { RUNTIME, "{" RT_HEAD ",\"platform\":{\"machine\":[\"x86_64\"]}}",
    ARTS_ERROR_FIELD, "data.platform.machine: expected a string" },
  { RUNTIME, "{" RT_HEAD ",\"metadata\":[]}", ARTS_ERROR_FIELD,
    "data.metadata: expected an object" },
  { RUNTIME, "{" RT_HEAD ",\"status\":\"X\"}", ARTS_ERROR_FIELD,
    "data.status: expected one of \"A\", \"D\", \"E\", \"K\"" },
  { RUNTIME, "{" RT_HEAD ",\"last_seen\":true}", ARTS_ERROR_FIELD,
    "data.last_seen: expected an integer" },
  { RUNTIME, "{" RT_HEAD ",\"colour\":\"red\"}", ARTS_ERROR_UNKNOWN,
    "data.colour: unknown field" },

  /* module */
  { MODULE, "{\"uuid\":\"x\"}", ARTS_ERROR_FIELD,
    "data.uuid: expected a uuid" },
  { MODULE, "{\"parent\":\"\"}", ARTS_ERROR_FIELD,
    "data.parent: expected 1..255 bytes, got 0" },
  { MODULE, "{\"parent\":\"a\\nb\"}", ARTS_ERROR_FIELD,
    "data.parent: expected a uuid or a name without control characters" },
  { MODULE, "{\"filetype\":\"EXE\"}", ARTS_ERROR_FIELD,
    "data.filetype: expected one of \"WA\", \"PY\"" },
  { MODULE, "{\"fault_crash\":\"maybe\"}", ARTS_ERROR_FIELD,
    "data.fault_crash: expected one of \"ignore\", \"restart\"" },
  { MODULE, "{\"env\":[\"A=1\",\"NOEQ\"]}", ARTS_ERROR_FIELD,
    "data.env[1]: expected \"NAME=VALUE\"" },
  { MODULE, "{\"args\":[null]}", ARTS_ERROR_FIELD,
    "data.args[0]: expected a string" },
  { MODULE, "{\"constraints\":[]}", ARTS_ERROR_FIELD,
    "data.constraints: expected an object" },
  { MODULE, "{\"constraints\":{\"os\":\"Linux\"}}", ARTS_ERROR_UNKNOWN,
    "data.constraints.os: unknown field" },
  { MODULE, "{\"constraints\":{\"arch\":[]}}", ARTS_ERROR_FIELD,
    "data.constraints.arch: expected 1 to 32 architecture names" },
  { MODULE, "{\"constraints\":{\"arch\":[\"x86_64\",7]}}", ARTS_ERROR_FIELD,
    "data.constraints.arch[1]: expected a string" },
  { MODULE, "{\"constraints\":{\"arch\":[\"sparc v9\"]}}",
    ARTS_ERROR_FIELD,
    "data.constraints.arch[0]: expected an architecture name (a-z, 0-9, _)" },
  { MODULE, "{\"constraints\":{\"byte_order\":\"BIG\"}}", ARTS_ERROR_FIELD,
    "data.constraints.byte_order: expected \"little\" or \"big\"" },
  { MODULE, "{\"constraints\":{\"word_size\":48}}", ARTS_ERROR_FIELD,
    "data.constraints.word_size: expected 32 or 64" },
  { MODULE, "{\"constraints\":{\"word_size\":true}}", ARTS_ERROR_FIELD,
    "data.constraints.word_size: expected an integer" },
  { MODULE, "{\"sha256\":\"zz\"}", ARTS_ERROR_FIELD,
    "data.sha256: expected 64 hexadecimal digits" },
  { MODULE, "{\"channels\":{}}", ARTS_ERROR_FIELD,
    "data.channels: expected an array" },
  { MODULE, "{\"send_to_runtime\":5}", ARTS_ERROR_FIELD,
    "data.send_to_runtime: expected a string" },
  { MODULE, "{\"type\":\"runtime\"}", ARTS_ERROR_FIELD,
    "data.type: expected \"module\"" },
  { MODULE, "{\"wasm\":true}", ARTS_ERROR_UNKNOWN,
    "data.wasm: unknown field" },

  /* telemetry */
  { TELEMETRY, "{\"ts\":1,\"metrics\":{}}", ARTS_ERROR_FIELD,
    "data.uuid: missing" },
  { TELEMETRY, "{\"uuid\":\"" RT_UUID "\",\"metrics\":{}}", ARTS_ERROR_FIELD,
    "data.ts: missing" },
  { TELEMETRY, "{\"uuid\":\"" RT_UUID "\",\"ts\":-5,\"metrics\":{}}",
    ARTS_ERROR_FIELD,
    "data.ts: -5 out of range (0..9223372036854775807)" },
  { TELEMETRY, "{\"uuid\":\"" RT_UUID "\",\"ts\":1}", ARTS_ERROR_FIELD,
    "data.metrics: missing" },
  { TELEMETRY, "{\"uuid\":\"" RT_UUID "\",\"ts\":1,\"metrics\":"
    "{\"system.cpu.utilization\":\"high\"}}", ARTS_ERROR_FIELD,
    "data.metrics.system.cpu.utilization: expected a number" },
  { TELEMETRY, "{\"uuid\":\"" RT_UUID "\",\"ts\":1,\"metrics\":"
    "{\"a b\":1}}", ARTS_ERROR_FIELD,
    "data.metrics: bad metric name \"a b\" (1..128 of A-Z a-z 0-9 _ . -)" },
  { TELEMETRY, "{" TEL_HEAD ",\"replayed\":\"yes\"}", ARTS_ERROR_FIELD,
    "data.replayed: expected a boolean" },
  { TELEMETRY, "{" TEL_HEAD ",\"interval_ms\":100000000}", ARTS_ERROR_FIELD,
    "data.interval_ms: 100000000 out of range (0..86400000)" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[1]}", ARTS_ERROR_FIELD,
    "data.modules[0]: expected an object" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"metrics\":{}}]}",
    ARTS_ERROR_FIELD, "data.modules[0].uuid: missing" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{\"x\":[]}}]}", ARTS_ERROR_FIELD,
    "data.modules[0].metrics.x: expected a number" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"pid\":3}]}", ARTS_ERROR_UNKNOWN,
    "data.modules[0].pid: unknown field" },
  { TELEMETRY, "{" TEL_HEAD ",\"host\":\"x\"}", ARTS_ERROR_UNKNOWN,
    "data.host: unknown field" },
  /* per-channel counters */
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":{}}]}", ARTS_ERROR_FIELD,
    "data.modules[0].channels: expected an array" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":[{\"metrics\":{}}]}]}", ARTS_ERROR_FIELD,
    "data.modules[0].channels[0].channel: missing" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":[{\"channel\":\"a\"}]}]}",
    ARTS_ERROR_FIELD, "data.modules[0].channels[0].metrics: missing" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":[{\"channel\":\"a/#\","
    "\"metrics\":{}}]}]}", ARTS_ERROR_FIELD,
    "data.modules[0].channels[0].channel: channel name \"a/#\": character 2 "
    "not allowed (only A-Z a-z 0-9 _ . - and '/' between parts)" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":[{\"channel\":\"a\",\"mode\":\"x\","
    "\"metrics\":{}}]}]}", ARTS_ERROR_FIELD,
    "data.modules[0].channels[0].mode: expected \"r\", \"w\" or \"rw\"" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":[{\"channel\":\"a\","
    "\"metrics\":{\"n\":true}}]}]}", ARTS_ERROR_FIELD,
    "data.modules[0].channels[0].metrics.n: expected a number" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":[{\"channel\":\"a\",\"metrics\":{}},"
    "{\"channel\":\"a\",\"metrics\":{}}]}]}", ARTS_ERROR_FIELD,
    "data.modules[0].channels[1].channel: \"a\" twice" },
  { TELEMETRY, "{" TEL_HEAD ",\"modules\":[{\"uuid\":\"" MOD_UUID "\","
    "\"metrics\":{},\"channels\":[{\"channel\":\"a\",\"metrics\":{},"
    "\"topic\":\"x\"}]}]}", ARTS_ERROR_UNKNOWN,
    "data.modules[0].channels[0].topic: unknown field" },
  /* channel limits in resources, counters in the module view */
  { MODULE, "{\"resources\":{\"channel_msg_max\":0}}", ARTS_ERROR_FIELD,
    "data.resources.channel_msg_max: 0 out of range (1..1048576)" },
  { MODULE, "{\"resources\":{\"channel_queue_max\":100001}}",
    ARTS_ERROR_FIELD,
    "data.resources.channel_queue_max: 100001 out of range (1..100000)" },
  { MODULE, "{\"resources\":{\"channel_queue_max\":\"9\"}}",
    ARTS_ERROR_FIELD,
    "data.resources.channel_queue_max: expected an integer" },
  { MODULE, "{\"channel_stats\":{\"channels\":[]}}", ARTS_ERROR_FIELD,
    "data.channel_stats.ts: missing" },
  { MODULE, "{\"channel_stats\":{\"ts\":1,\"channels\":[1]}}",
    ARTS_ERROR_FIELD, "data.channel_stats.channels[0]: expected an object" },
  { MODULE, "{\"channel_stats\":{\"ts\":1,\"channels\":[],\"x\":1}}",
    ARTS_ERROR_UNKNOWN, "data.channel_stats.x: unknown field" },

  /* event */
  { EVENT, "{\"uuid\":\"" RT_UUID "\",\"ts\":1,\"event\":\"x\"}",
    ARTS_ERROR_FIELD, "data.type: missing" },
  { EVENT, "{" EV_HEAD "}", ARTS_ERROR_FIELD, "data.event: missing" },
  { EVENT, "{" EV_HEAD ",\"event\":\"Runtime Died\"}", ARTS_ERROR_FIELD,
    "data.event: expected a word of a-z, 0-9 and _" },
  { EVENT, "{\"type\":\"event\",\"event\":\"x\",\"uuid\":\"" RT_UUID "\"}",
    ARTS_ERROR_FIELD, "data.ts: missing" },
  { EVENT, "{" EV_HEAD ",\"event\":\"x\",\"why\":1}", ARTS_ERROR_UNKNOWN,
    "data.why: unknown field" },

  /* log */
  { LOG, "{\"type\":\"log\",\"ts\":1}", ARTS_ERROR_FIELD,
    "data.message: missing" },
  { LOG, "{\"type\":\"log\",\"ts\":1,\"message\":\"m\",\"level\":\"fatal\"}",
    ARTS_ERROR_FIELD,
    "data.level: expected one of \"error\", \"warning\", \"info\", \"debug\"" },
  { LOG, "{\"type\":\"event\",\"ts\":1,\"message\":\"m\"}", ARTS_ERROR_FIELD,
    "data.type: expected \"log\"" },

  /* query */
  { QUERY, "{}", ARTS_ERROR_FIELD, "data.type: missing" },
  { QUERY, "{\"type\":\"everything\"}", ARTS_ERROR_UNKNOWN,
    "data.type: unknown query (expected \"history\", \"runtimes\", "
    "\"modules\" or \"logs\")" },
  { QUERY, "{\"type\":\"history\",\"runtime\":\"r\"}", ARTS_ERROR_FIELD,
    "data.metric: missing" },
  { QUERY, "{\"type\":\"history\",\"runtime\":\"r\",\"metric\":\"m\","
    "\"since\":5,\"until\":4}", ARTS_ERROR_FIELD, "data.since: after until" },
  { QUERY, "{\"type\":\"runtimes\",\"runtime\":\"r\"}", ARTS_ERROR_UNKNOWN,
    "data.runtime: unknown field" },

  /* history details */
  { HISTORY, "{\"runtime\":\"r\",\"metric\":\"m\",\"points\":[[1]]}",
    ARTS_ERROR_FIELD,
    "data.details.points[0]: expected an array of 2 numbers" },
  { HISTORY, "{\"runtime\":\"r\",\"metric\":\"m\",\"resolution\":\"1m\","
    "\"points\":[[1,2]]}", ARTS_ERROR_FIELD,
    "data.details.points[0]: expected an array of 4 numbers" },
  { HISTORY, "{\"runtime\":\"r\",\"metric\":\"m\",\"points\":[[1.5,2]]}",
    ARTS_ERROR_FIELD, "data.details.points[0][0]: expected an integer" },
  { HISTORY, "{\"runtime\":\"r\",\"metric\":\"m\",\"resolution\":\"5m\","
    "\"points\":[]}", ARTS_ERROR_FIELD,
    "data.details.resolution: expected one of \"raw\", \"1m\"" },
};

/* Runs the decoder of KIND on JSON; returns the error (or NULL). */
static GError *decode(int kind, const char *json) {
  gsize len = strlen(json);
  GError *err = NULL;
  if (kind == ENVELOPE) {
    ArtsEnvelope *e = arts_envelope_parse(json, len, &err);
    g_assert_true((e == NULL) == (err != NULL));
    arts_envelope_free(e);
    return err;
  }
  g_autoptr(JsonObject) o = arts_json_parse_object(json, len, &err);
  g_assert_no_error(err);
  gpointer r = NULL;
  switch (kind) {
  case RUNTIME: r = arts_runtime_from_json(o, &err);
    arts_runtime_free(r); break;
  case MODULE: r = arts_module_from_json(o, &err);
    arts_module_free(r); break;
  case TELEMETRY: r = arts_telemetry_from_json(o, &err);
    arts_telemetry_free(r); break;
  case EVENT: r = arts_event_from_json(o, &err);
    arts_event_free(r); break;
  case LOG: r = arts_log_from_json(o, &err);
    arts_log_free(r); break;
  case QUERY: r = arts_query_from_json(o, &err);
    arts_query_free(r); break;
  case HISTORY: r = arts_history_from_json(o, &err);
    arts_history_free(r); break;
  case ENVELOPE: break;
  }
  g_assert_true((r == NULL) == (err != NULL));
  return err;
}

static void test_bad_cases(void) {
  prototest_bad_cases(bad_cases, G_N_ELEMENTS(bad_cases), decode);
}

static void test_bad_payloads(void) {
  g_autoptr(GError) err = NULL;
  /* Larger than ARTS_MAX_PAYLOAD, though valid JSON. */
  gsize big = ARTS_MAX_PAYLOAD + 1;
  g_autofree char *huge = g_malloc(big);
  memset(huge, ' ', big);
  huge[0] = '{';
  huge[big - 1] = '}';
  g_assert_null(arts_envelope_parse(huge, big, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_PARSE);
  g_assert_true(g_str_has_prefix(err->message, "payload too large: 262145"));
  g_clear_error(&err);

  /* A NUL byte inside. */
  const char nul[] = "{\"object_id\":\"a\0b\"}";
  g_assert_null(arts_envelope_parse(nul, sizeof nul - 1, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_PARSE);
  g_assert_cmpstr(err->message, ==, "payload contains a NUL byte");
  g_clear_error(&err);

  /* Not JSON: json-glib's message follows. */
  g_assert_null(arts_envelope_parse("{\"a\":", 5, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_PARSE);
  g_assert_true(g_str_has_prefix(err->message, "not JSON: "));
  g_clear_error(&err);

  /* Nested a million deep: refused before the parser recurses. */
  gsize deep = 1000000;
  g_autofree char *nest = g_malloc(deep);
  memset(nest, '[', deep);
  g_assert_null(arts_envelope_parse(nest, 200000, &err));
  g_assert_cmpstr(err->message, ==, "payload nested deeper than 32 levels");
  g_clear_error(&err);
  /* Brackets inside strings do not count. */
  GString *s = g_string_new("{\"object_id\":\"" OID "\",\"action\":\"a\","
                            "\"type\":\"arts_req\",\"data\":{\"x\":\"");
  for (int i = 0; i < 100; i++)
    g_string_append(s, "[{\\\"");
  g_string_append(s, "\"}}");
  g_autoptr(ArtsEnvelope) env = arts_envelope_parse(s->str, s->len, &err);
  g_assert_no_error(err);
  g_assert_nonnull(env);
  g_string_free(s, TRUE);

  /* json-glib would turn a lone surrogate into invalid UTF-8 and cut a
   * string at an escaped NUL: both are refused. */
  const char *lone = "{\"object_id\":\"" OID "\",\"action\":\"a\","
                     "\"type\":\"arts_req\",\"data\":{\"n\":\"\\udc00x\"}}";
  g_assert_null(arts_envelope_parse(lone, strlen(lone), &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_PARSE);
  g_assert_true(strstr(err->message, "surrogate"));
  g_clear_error(&err);
  const char *lone_key = "{\"\\udc00\":1}";
  g_assert_null(arts_json_parse_object(lone_key, strlen(lone_key), &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_PARSE);
  g_clear_error(&err);
  const char *nul_esc = "{\"name\":\"a\\u0000b\"}";
  g_assert_null(arts_json_parse_object(nul_esc, strlen(nul_esc), &err));
  g_assert_cmpstr(err->message, ==,
                  "payload contains an escaped NUL (\\u0000)");
  g_clear_error(&err);
  /* An escaped backslash before "u0000" is just text; a pair is fine. */
  const char *text = "{\"name\":\"a\\\\u0000b \\ud83d\\ude00\"}";
  g_autoptr(JsonObject) to = prototest_parse(text);
  g_assert_cmpstr(json_object_get_string_member(to, "name"), ==,
                  "a\\u0000b \xf0\x9f\x98\x80");

  /* An unknown field's name is shown bounded. */
  g_autofree char *longname = g_strnfill(500, 'z');
  g_autofree char *lj = g_strdup_printf("{\"uuid\":\"" RT_UUID "\","
                                        "\"name\":\"n\",\"%s\":1}", longname);
  g_autoptr(GError) e3 = decode(RUNTIME, lj);
  g_assert_error(e3, ARTS_ERROR, ARTS_ERROR_UNKNOWN);
  g_assert_cmpuint(strlen(e3->message), <, 100);

  /* Huge numbers do not crash and are not integers. */
  const char *num = "{\"uuid\":\"" RT_UUID "\",\"name\":\"n\","
                    "\"max_nmodules\":123456789012345678901234567890}";
  g_autoptr(GError) e2 = decode(RUNTIME, num);
  g_assert_nonnull(e2);
  g_assert_error(e2, ARTS_ERROR, ARTS_ERROR_FIELD);
}

static void test_peek(void) {
  char *id, *action;
  const char *bad_data = "{\"object_id\":\"" OID "\",\"action\":\"create\","
                         "\"type\":\"arts_req\",\"data\":7,\"extra\":1}";
  g_assert_null(arts_envelope_parse(bad_data, strlen(bad_data), NULL));
  g_assert_true(arts_envelope_peek(bad_data, strlen(bad_data), &id, &action));
  g_assert_cmpstr(id, ==, OID);
  g_assert_cmpstr(action, ==, "create");
  g_free(id);
  g_free(action);
  const char *bad_action = "{\"object_id\":\"" OID "\",\"action\":7}";
  g_assert_true(arts_envelope_peek(bad_action, strlen(bad_action), &id,
                                   &action));
  g_assert_null(action);
  g_free(id);
  g_assert_false(arts_envelope_peek("nope", 4, &id, &action));
  g_assert_null(id);
  const char *no_id = "{\"object_id\":\"x\"}";
  g_assert_false(arts_envelope_peek(no_id, strlen(no_id), &id, NULL));
}

static void test_status_ids(void) {
  ArtsStatus st;
  const char *letters[] = { "A", "D", "E", "K" };
  for (guint i = 0; i < 4; i++) {
    g_assert_true(arts_status_from_string(letters[i], &st));
    g_assert_cmpstr(arts_status_to_string(st), ==, letters[i]);
  }
  g_assert_false(arts_status_from_string("AA", &st));
  g_assert_false(arts_status_from_string("", &st));
  g_assert_false(arts_status_from_string(NULL, &st));

  g_autofree char *u = arts_uuid_new();
  g_assert_true(arts_uuid_is_valid(u));
  g_assert_cmpint(u[14], ==, '4');
  g_autofree char *u2 = arts_uuid_new();
  g_assert_cmpstr(u, !=, u2);
  g_assert_false(arts_uuid_is_valid(NULL));
  g_assert_false(arts_uuid_is_valid(""));
  g_assert_false(arts_uuid_is_valid(RT_UUID "0"));
  g_assert_false(arts_uuid_is_valid("3f0c8a1e-2d4b-4e6f-8a9b_1c2d3e4f5a6b"));
  g_assert_cmpint(arts_now_ms(), >, 1700000000000);

  ArtsErrorCode c;
  for (int i = ARTS_ERROR_PARSE; i <= ARTS_ERROR_IO; i++) {
    g_assert_true(arts_error_code_from_string(arts_error_code_to_string(i),
                                              &c));
    g_assert_cmpint(c, ==, i);
  }
  g_assert_cmpstr(arts_error_code_to_string(99), ==, "error");
  g_assert_false(arts_error_code_from_string("nope", &c));
}

/* Random byte damage to valid messages: every decoder must survive it. */
static void test_mutations(void) {
  g_autoptr(ArtsRuntime) rt = sample_runtime();
  g_autoptr(JsonObject) j = arts_runtime_to_json(rt);
  g_autoptr(ArtsEnvelope) env = arts_envelope_new(ARTS_TYPE_REQ, "create",
                                                  NULL, j);
  gsize len;
  g_autofree char *base = arts_envelope_to_json(env, &len);
  GRand *rand = g_rand_new_with_seed(42);
  guint accepted = 0;
  for (int i = 0; i < 5000; i++) {
    g_autofree char *m = prototest_damage(rand, base, len);
    g_autoptr(GError) err = NULL;
    g_autoptr(ArtsEnvelope) e = arts_envelope_parse(m, len, &err);
    if (!e)
      continue;
    g_autoptr(ArtsRuntime) r = arts_runtime_from_json(e->data, NULL);
    /* Damaged input must decode or fail cleanly as every type. */
    arts_module_free(arts_module_from_json(e->data, NULL));
    arts_telemetry_free(arts_telemetry_from_json(e->data, NULL));
    accepted += r != NULL;
  }
  g_rand_free(rand);
  /* Some damage lands in values and stays valid. */
  g_assert_cmpuint(accepted, >, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/protocol/envelope-roundtrip", test_envelope_roundtrip);
  g_test_add_func("/protocol/runtime-roundtrip", test_runtime_roundtrip);
  g_test_add_func("/protocol/runtime-arts-compat", test_runtime_arts_compat);
  g_test_add_func("/protocol/platform-fields", test_platform_fields);
  g_test_add_func("/protocol/arch-class", test_arch_class);
  g_test_add_func("/protocol/module-constraints", test_module_constraints);
  g_test_add_func("/protocol/module-roundtrip", test_module_roundtrip);
  g_test_add_func("/protocol/telemetry-roundtrip", test_telemetry_roundtrip);
  g_test_add_func("/protocol/telemetry-channels", test_telemetry_channels);
  g_test_add_func("/protocol/module-channel-fields",
                  test_module_channel_fields);
  g_test_add_func("/protocol/event-log-query-roundtrip",
                  test_event_log_query_roundtrip);
  g_test_add_func("/protocol/history-roundtrip", test_history_roundtrip);
  g_test_add_func("/protocol/responses", test_responses);
  g_test_add_func("/protocol/bad-cases", test_bad_cases);
  g_test_add_func("/protocol/bad-payloads", test_bad_payloads);
  g_test_add_func("/protocol/peek", test_peek);
  g_test_add_func("/protocol/status-ids-errors", test_status_ids);
  g_test_add_func("/protocol/mutations", test_mutations);
  return g_test_run();
}
