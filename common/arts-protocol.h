#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Protocol types <-> JSON. Every decoder validates field by field: a missing,
 * mistyped, out-of-range or unknown field is an ARTS_ERROR whose message
 * names it with its path ("data.max_nmodules: expected an integer"). Fields
 * that ARTS itself sends are all known, so ARTS clients pass. Decoders never
 * keep a reference into their input. See docs/protocol.md. */

/* Control messages are small; programs and snapshots travel on their own
 * topics with their own limits. */
#define ARTS_MAX_PAYLOAD (256 * 1024)

typedef enum {
  ARTS_TYPE_REQ,           /* "arts_req" (older ARTS clients: "req") */
  ARTS_TYPE_RESP,          /* "arts_resp" (older: "resp") */
  ARTS_TYPE_RUNTIME_RESP,  /* "runtime_resp" */
} ArtsMsgType;

/* {"object_id": "<uuid>", "action": "create", "type": "arts_req",
 *  "data": {...}} */
typedef struct {
  char *object_id;
  char *action;      /* as sent: "create", "delete", "update", "migrate", ... */
  ArtsMsgType type;
  JsonObject *data;  /* owned reference, never NULL */
} ArtsEnvelope;

/* OBJECT_ID NULL makes a new uuid; DATA NULL makes an empty object; the
 * envelope takes its own reference on DATA. */
ArtsEnvelope *arts_envelope_new(ArtsMsgType type, const char *action,
                                const char *object_id, JsonObject *data);
ArtsEnvelope *arts_envelope_parse(const char *payload, gsize len,
                                  GError **error);
char *arts_envelope_to_json(const ArtsEnvelope *env, gsize *len);
void arts_envelope_free(ArtsEnvelope *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsEnvelope, arts_envelope_free)
const char *arts_msg_type_to_string(ArtsMsgType type);

/* Answers to REQ, correlated by REQ's object_id:
 *   {"object_id": <req's>, "action": <req's>, "type": "arts_resp",
 *    "data": {"result": "ok", "details": DETAILS}}
 *   {"object_id": <req's>, "action": <req's>, "type": "arts_resp",
 *    "data": {"result": "error", "details": {"error": "<message>",
 *                                            "code": "<ArtsErrorCode nick>"}}}
 * TYPE is ARTS_TYPE_RESP from the orchestrator, ARTS_TYPE_RUNTIME_RESP from
 * a runtime. DETAILS may be NULL ({}); a reference is taken. */
ArtsEnvelope *arts_response_ok(const ArtsEnvelope *req, ArtsMsgType type,
                               JsonObject *details);
ArtsEnvelope *arts_response_error(const ArtsEnvelope *req, ArtsMsgType type,
                                  const GError *error);
/* For a received answer: TRUE when result is "ok" (and *details is set to a
 * borrowed pointer), FALSE with ERROR set from the answer's details. */
gboolean arts_response_check(const ArtsEnvelope *resp, JsonObject **details,
                             GError **error);

/* Status letters of ARTS. */
typedef enum {
  ARTS_STATUS_ALIVE   = 'A',
  ARTS_STATUS_DEAD    = 'D',
  ARTS_STATUS_EXITING = 'E',
  ARTS_STATUS_KILLED  = 'K',
} ArtsStatus;
const char *arts_status_to_string(ArtsStatus s);          /* "A" ... */
gboolean arts_status_from_string(const char *s, ArtsStatus *out);

typedef struct {
  char *arch;            /* "x86_64", "aarch64" (uname -m) */
  char *os;              /* "Linux" */
  char *os_release;      /* "6.1.0-18-amd64" */
  char *hostname;
  int cpu_cores;         /* online CPUs */
  gint64 memory_total;   /* bytes */
} ArtsPlatform;

/* An ARTS runtime: {uuid, name, runtime_type, apis, max_nmodules, page_size,
 * aot_target, platform, metadata}. status and last_seen_ms are the
 * orchestrator's view and travel in its answers and state topics. */
typedef struct {
  char *uuid;
  char *name;
  char *runtime_type;    /* "arts-agent" for ours */
  GStrv apis;            /* {"wasm", "wasi", NULL} */
  int max_nmodules;
  gint64 page_size;      /* WebAssembly page: 65536 */
  char *aot_target;      /* may be NULL */
  ArtsPlatform platform;
  JsonObject *metadata;  /* may be NULL */
  ArtsStatus status;
  gint64 last_seen_ms;   /* 0: unknown */
} ArtsRuntime;

ArtsRuntime *arts_runtime_new(void);
ArtsRuntime *arts_runtime_from_json(JsonObject *data, GError **error);
JsonObject *arts_runtime_to_json(const ArtsRuntime *rt);
ArtsRuntime *arts_runtime_copy(const ArtsRuntime *rt);
void arts_runtime_free(ArtsRuntime *rt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsRuntime, arts_runtime_free)

/* An ARTS module: {uuid, name, parent, filename, filetype ("WA"), apis, args,
 * env, channels, peripherals, resources, fault_crash, status}. */
typedef struct {
  char *uuid;
  char *name;
  char *parent;          /* runtime uuid */
  char *filename;
  char *filetype;        /* "WA" */
  GStrv apis, args, env; /* env entries are "K=V" */
  JsonArray *channels;   /* may be NULL */
  JsonArray *peripherals;/* may be NULL */
  JsonNode *resources;   /* may be NULL (JSON null) */
  char *fault_crash;     /* "ignore" | "restart" */
  ArtsStatus status;
  char *sha256;          /* program bytes' hash, hex; may be NULL */
} ArtsModule;

ArtsModule *arts_module_new(void);
ArtsModule *arts_module_from_json(JsonObject *data, GError **error);
JsonObject *arts_module_to_json(const ArtsModule *m);
ArtsModule *arts_module_copy(const ArtsModule *m);
void arts_module_free(ArtsModule *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsModule, arts_module_free)

/* Telemetry on "stats/{runtime_uuid}": metric names follow OpenTelemetry's
 * semantic conventions, units in docs/protocol.md (ARTS_METRIC_*). */
#define ARTS_METRIC_CPU_UTIL        "system.cpu.utilization"        /* 1 (0..1) */
#define ARTS_METRIC_LOAD_1M         "system.cpu.load_average.1m"    /* 1 */
#define ARTS_METRIC_MEM_USED        "system.memory.usage"           /* By, used */
#define ARTS_METRIC_MEM_AVAIL       "system.linux.memory.available" /* By */
#define ARTS_METRIC_NET_RX          "system.network.io.receive"     /* By, counter */
#define ARTS_METRIC_NET_TX          "system.network.io.transmit"    /* By, counter */
#define ARTS_METRIC_PROC_CPU_UTIL   "process.cpu.utilization"       /* 1 (0..1 of one core) */
#define ARTS_METRIC_PROC_CPU_TIME   "process.cpu.time"              /* s, counter */
#define ARTS_METRIC_PROC_RSS        "process.memory.usage"          /* By */

typedef struct {
  char *name;
  double value;
} ArtsMetric;

typedef struct {
  char *module_uuid;
  GArray *metrics;       /* of ArtsMetric */
} ArtsModuleMetrics;

typedef struct {
  char *runtime_uuid;
  gint64 timestamp_ms;   /* when sampled, not when sent */
  int interval_ms;
  gboolean replayed;     /* sent late from the agent's offline buffer */
  GArray *metrics;       /* of ArtsMetric */
  GPtrArray *modules;    /* of ArtsModuleMetrics* */
} ArtsTelemetry;

ArtsTelemetry *arts_telemetry_new(const char *runtime_uuid, gint64 ts_ms,
                                  int interval_ms);
void arts_telemetry_add(ArtsTelemetry *t, const char *name, double value);
/* NAN when absent. */
double arts_telemetry_get(const ArtsTelemetry *t, const char *name);
ArtsTelemetry *arts_telemetry_from_json(JsonObject *data, GError **error);
JsonObject *arts_telemetry_to_json(const ArtsTelemetry *t);
void arts_telemetry_free(ArtsTelemetry *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsTelemetry, arts_telemetry_free)

/* JSON helpers shared by every decoder: each names PATH.FIELD in its error. */
gboolean arts_json_get_string(JsonObject *o, const char *path,
                              const char *field, gboolean required,
                              char **out, GError **error);
gboolean arts_json_get_int(JsonObject *o, const char *path, const char *field,
                           gboolean required, gint64 min, gint64 max,
                           gint64 *out, GError **error);
gboolean arts_json_get_strv(JsonObject *o, const char *path,
                            const char *field, gboolean required, GStrv *out,
                            GError **error);
/* Fails naming the first member of O not in KNOWN (NULL-terminated). */
gboolean arts_json_check_fields(JsonObject *o, const char *path,
                                const char *const *known, GError **error);
char *arts_json_to_string(JsonNode *node, gsize *len);

G_END_DECLS
