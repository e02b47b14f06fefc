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
/* Deepest nesting of objects and arrays a payload may have: deeper input is
 * refused before the JSON parser (which recurses) ever sees it. */
#define ARTS_MAX_DEPTH 32

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
/* A copy to keep (a request answered later); shares ENV's data. */
ArtsEnvelope *arts_envelope_copy(const ArtsEnvelope *env);
/* Refuses payloads over ARTS_MAX_PAYLOAD or ARTS_MAX_DEPTH, with NUL bytes
 * (also escaped), invalid UTF-8 or lone surrogates, other envelope keys, an
 * object_id that is not a uuid (kept in lower case), an action that is not
 * a word of [a-z0-9_], an unknown type, a missing or non-object data. DATA
 * is a deep copy; its contents are for the data decoders below. */
ArtsEnvelope *arts_envelope_parse(const char *payload, gsize len,
                                  GError **error);
char *arts_envelope_to_json(const ArtsEnvelope *env, gsize *len);
void arts_envelope_free(ArtsEnvelope *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsEnvelope, arts_envelope_free)
const char *arts_msg_type_to_string(ArtsMsgType type);
/* Accepts the "req"/"resp" aliases. */
gboolean arts_msg_type_from_string(const char *s, ArtsMsgType *out);
/* data.type ("runtime", "module", "telemetry", ...) or NULL. */
const char *arts_envelope_data_type(const ArtsEnvelope *env);
/* Best effort for payloads arts_envelope_parse() refused: when PAYLOAD is a
 * JSON object with a uuid object_id (and a valid action), returns TRUE and
 * sets
 * them (newly allocated; *action may be NULL), so that the sender can still
 * get an error answer. FALSE means "answer with a log message instead". */
gboolean arts_envelope_peek(const char *payload, gsize len, char **object_id,
                            char **action);

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
/* The same for a request that could not be parsed (see
 * arts_envelope_peek()); ACTION NULL gives "error". */
ArtsEnvelope *arts_response_error_for(const char *object_id,
                                      const char *action, ArtsMsgType type,
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

/* What a module is doing (issue 4). 0 means "not stated". ARTS status
 * letters derive from it: A for starting..migrating, E for exited/failed
 * (K and D are the orchestrator's, about the runtime or a deletion). */
typedef enum {
  ARTS_MODULE_STARTING = 1, /* "starting": program being fetched/loaded */
  ARTS_MODULE_RUNNING,      /* "running" */
  ARTS_MODULE_PAUSED,       /* "paused": at an instruction boundary */
  ARTS_MODULE_MIGRATING,    /* "migrating": snapshot taken or travelling */
  ARTS_MODULE_EXITED,       /* "exited": ended by itself (exit_code) */
  ARTS_MODULE_FAILED,       /* "failed": trap or error (error) */
} ArtsModuleState;
const char *arts_module_state_to_string(ArtsModuleState s); /* "running" */
gboolean arts_module_state_from_string(const char *s, ArtsModuleState *out);
/* ARTS_STATUS_ALIVE or ARTS_STATUS_EXITING; 0 for 0. */
ArtsStatus arts_module_state_status(ArtsModuleState s);
/* TRUE for exited and failed. */
gboolean arts_module_state_is_final(ArtsModuleState s);

/* The byte order of a runtime's process: "little" or "big" on the wire. */
typedef enum {
  ARTS_BYTE_ORDER_UNKNOWN = 0, /* not stated (ARTS and older peers) */
  ARTS_BYTE_ORDER_LITTLE,
  ARTS_BYTE_ORDER_BIG,
} ArtsByteOrder;
const char *arts_byte_order_to_string(ArtsByteOrder b); /* NULL for 0 */
gboolean arts_byte_order_from_string(const char *s, ArtsByteOrder *out);

typedef struct {
  /* The device class of the agent's process ("x86_64", "arm"); older
   * agents sent uname -m here, which arts_platform_arch_class() makes a
   * class too. */
  char *arch;
  char *machine;         /* uname -m as the kernel says it ("armv7l") */
  char *os;              /* "Linux" */
  char *os_release;      /* "6.1.0-18-amd64" */
  char *hostname;
  int cpu_cores;         /* online CPUs */
  gint64 memory_total;   /* bytes */
  /* Of the agent's own process, which may differ from the kernel's (an
   * armhf agent on an aarch64 kernel is 32-bit); unknown for peers that
   * do not send them. */
  ArtsByteOrder byte_order;
  int word_size;         /* bits of a pointer: 32 or 64; 0: not stated */
} ArtsPlatform;

void arts_platform_clear(ArtsPlatform *p);
void arts_platform_copy(ArtsPlatform *dst, const ArtsPlatform *src);

/* The device class: a canonical architecture name for uname -m MACHINE
 * ("x86_64", "i686", "aarch64", "arm", "s390x", "mips", "mipsel",
 * "riscv64", ... the table is in docs/protocol.md, "Device classes"), made
 * exact by the process's BYTE_ORDER and WORD_SIZE when known (Linux says
 * "mips" on either byte order; an aarch64 kernel runs 32-bit arm
 * processes). Unknown machines give MACHINE in lower case; NULL or "" gives
 * NULL. Newly allocated. */
char *arts_arch_class(const char *machine, ArtsByteOrder byte_order,
                      int word_size);
char *arts_platform_arch_class(const ArtsPlatform *p);

/* Where a module may run (module "constraints", docs/protocol.md): every
 * stated fact must hold for the runtime. */
typedef struct {
  GStrv arch;            /* device classes, any of; NULL: any */
  ArtsByteOrder byte_order; /* 0: any */
  int word_size;         /* 32 or 64; 0: any */
} ArtsConstraints;

gboolean arts_constraints_is_empty(const ArtsConstraints *c);
void arts_constraints_clear(ArtsConstraints *c);
void arts_constraints_copy(ArtsConstraints *dst, const ArtsConstraints *src);
/* NULL when a runtime of platform P satisfies C, else why not ("arch
 * x86_64, not one of s390x"); newly allocated. */
char *arts_constraints_reject(const ArtsConstraints *c, const ArtsPlatform *p);
/* "arch=aarch64,arm byte_order=big word_size=32"; newly allocated. */
char *arts_constraints_describe(const ArtsConstraints *c);
/* Decodes {"arch": [...] or "a b", "byte_order", "word_size"} at PATH
 * (arch names are normalised with arts_arch_class()); NULL O is no
 * constraint. */
gboolean arts_constraints_from_json(JsonObject *o, const char *path,
                                    ArtsConstraints *c, GError **error);
JsonObject *arts_constraints_to_json(const ArtsConstraints *c);

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
  ArtsStatus status;     /* 0: not stated (left out of the JSON) */
  gint64 last_seen_ms;   /* 0: unknown */
  int nmodules;          /* ARTS: modules running now; -1: not stated */
  gint64 ts_ms;          /* keepalive: when sent; 0: not stated */
  gboolean draining;     /* reg update: leaving, move my modules away */
  /* The orchestrator's answer to a drain: the runtime plus how many
   * modules moved (-1: not stated) and which did not (may be NULL). */
  int drain_moved;
  char *drain_not_moved;
} ArtsRuntime;

/* Decoding: uuid and name are required; the rest is optional with the
 * defaults of arts_runtime_new() (runtime_type NULL, apis empty,
 * max_nmodules 0, page_size 65536). apis may also be an ARTS-style
 * space-separated string. Other ARTS fields (updated_at, ka_ts,
 * ka_interval_sec) are accepted and dropped. */
ArtsRuntime *arts_runtime_new(void);
ArtsRuntime *arts_runtime_from_json(JsonObject *data, GError **error);
/* PATH names the object in errors ("data.details"); the one above uses
 * "data". */
ArtsRuntime *arts_runtime_from_json_at(JsonObject *o, const char *path,
                                       GError **error);
JsonObject *arts_runtime_to_json(const ArtsRuntime *rt);
ArtsRuntime *arts_runtime_copy(const ArtsRuntime *rt);
void arts_runtime_free(ArtsRuntime *rt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsRuntime, arts_runtime_free)

/* One channel's counters (telemetry, module view); defined below. */
typedef struct _ArtsChannelMetrics ArtsChannelMetrics;

/* Channel limits a module may ask for in resources (docs/channels.md). */
#define ARTS_CHANNEL_MSG_MAX_LIMIT   1048576  /* channel_msg_max, bytes */
#define ARTS_CHANNEL_QUEUE_MAX_LIMIT 100000   /* channel_queue_max, messages */

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
  ArtsStatus status;     /* 0: not stated */
  char *sha256;          /* program bytes' hash, hex; may be NULL */
  char *fileid;          /* ARTS file id; may be NULL */
  char *send_to_runtime; /* older ARTS: a delete carrying this migrates
                            (runtime uuid or name) */
  /* Issue 4; all optional, 0/NULL/FALSE when not stated. */
  gint64 max_memory;     /* resources.max_memory, bytes */
  gint64 fuel;           /* resources.fuel, instructions; 0: no limit */
  gint64 channel_msg_max;   /* resources.channel_msg_max, bytes; 0: default */
  gint64 channel_queue_max; /* resources.channel_queue_max; 0: default */
  ArtsConstraints constraints; /* where it may run; empty: anywhere */
  char *target;          /* migrate: runtime uuid or name */
  char *migration;       /* migrate on control/{rt}: the migration's id */
  char *reason;          /* delete: "migrated" = release after migration */
  char *restore_migration;     /* create: "restore": {"migration": id} */
  gboolean restore_checkpoint; /* create: "restore": {"checkpoint": true} */
  /* The orchestrator's view (state/module/{uuid}, answers, query). When
   * state is stated, exit_code and error are sent (null when absent). */
  ArtsModuleState state;
  char *runtime_name;    /* the parent's name */
  gint64 started_at_ms;
  gboolean has_exit_code;
  gint64 exit_code;
  char *error;           /* failed: the trap or error */
  int migrations;        /* completed migrations */
  /* "channel_stats": {"ts", "channels": [...]}: the latest per-channel
   * counters its runtime reported (orchestrator view); NULL: none. */
  gint64 channel_stats_ts_ms;
  GPtrArray *channel_stats;  /* of ArtsChannelMetrics* */
} ArtsModule;

/* Decoding checks every field that is present, requires none (a create from
 * an operator may leave uuid to the orchestrator, a delete carries only
 * uuid): callers check what their action needs. Defaults: filetype "WA",
 * fault_crash "ignore", empty apis/args/env. parent, send_to_runtime and
 * target are a runtime's uuid (kept in lower case) or name; resources is
 * null or {"max_memory", "fuel"} (integers >= 0), "channel_msg_max"
 * (1..ARTS_CHANNEL_MSG_MAX_LIMIT), "channel_queue_max"
 * (1..ARTS_CHANNEL_QUEUE_MAX_LIMIT), ARTS's "period"/"runtime", and is
 * kept both as the node and in the fields; restore is {"migration": id} or
 * {"checkpoint": true}; migration ids are 1..128 of [A-Za-z0-9_-.:].
 * Encoding writes resources from the node when there is one, else from
 * max_memory/fuel. */
ArtsModule *arts_module_new(void);
ArtsModule *arts_module_from_json(JsonObject *data, GError **error);
ArtsModule *arts_module_from_json_at(JsonObject *o, const char *path,
                                     GError **error);
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
/* Per module (data.modules[].metrics), besides PROC_CPU_TIME (s, counter)
 * and PROC_CPU_UTIL (1, of one core): */
#define ARTS_METRIC_MOD_INSTRUCTIONS "arts.module.instructions"      /* {instruction}, counter */
#define ARTS_METRIC_MOD_INSTR_RATE  "arts.module.instructions.rate" /* {instruction}/s */
#define ARTS_METRIC_MOD_MEMORY      "arts.module.memory.linear"     /* By */
#define ARTS_METRIC_MOD_IO_READ     "arts.module.io.read"           /* By, counter */
#define ARTS_METRIC_MOD_IO_WRITE    "arts.module.io.write"          /* By, counter */
#define ARTS_METRIC_MOD_UPTIME      "arts.module.uptime"            /* s */
#define ARTS_METRIC_MOD_MIGRATIONS  "arts.module.migrations"        /* 1, counter */
/* Per channel (data.modules[].channels[].metrics), and summed over a
 * module's channels in data.modules[].metrics; all counts (1). */
#define ARTS_METRIC_CH_MSGS_IN      "arts.channel.messages.in"        /* counter */
#define ARTS_METRIC_CH_BYTES_IN     "arts.channel.bytes.in"           /* By, counter */
#define ARTS_METRIC_CH_MSGS_OUT     "arts.channel.messages.out"       /* counter */
#define ARTS_METRIC_CH_BYTES_OUT    "arts.channel.bytes.out"          /* By, counter */
#define ARTS_METRIC_CH_DROPPED      "arts.channel.messages.dropped"   /* counter */
#define ARTS_METRIC_CH_TRUNCATED    "arts.channel.messages.truncated" /* counter */
#define ARTS_METRIC_CH_QUEUED       "arts.channel.messages.queued"    /* gauge */
/* The agent's own offline buffer. */
#define ARTS_METRIC_AGENT_TELEMETRY_DROPPED  "arts.agent.telemetry.dropped"  /* 1, counter */
#define ARTS_METRIC_AGENT_TELEMETRY_BUFFERED "arts.agent.telemetry.buffered" /* 1, gauge */

typedef struct {
  char *name;
  double value;
} ArtsMetric;

/* {"channel": NAME, "mode": "r"|"w"|"rw", "metrics": {...}}: at most
 * ARTS_CHANNEL_METRICS_MAX metrics, at most ARTS_TELEMETRY_CHANNELS_MAX
 * channels per module, names unique. */
#define ARTS_CHANNEL_METRICS_MAX 32
#define ARTS_TELEMETRY_CHANNELS_MAX 64
struct _ArtsChannelMetrics {
  char *channel;         /* a valid channel name (arts-channel.h) */
  guint mode;            /* ARTS_CHANNEL_READ | _WRITE; 0: not stated */
  GArray *metrics;       /* of ArtsMetric */
};

typedef struct {
  char *module_uuid;
  GArray *metrics;       /* of ArtsMetric */
  char *name;            /* may be NULL */
  ArtsModuleState state; /* 0: not stated */
  GPtrArray *channels;   /* of ArtsChannelMetrics*; NULL: not stated */
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
/* Adds a module's metric, creating its entry on first use. */
void arts_telemetry_add_module(ArtsTelemetry *t, const char *module_uuid,
                               const char *name, double value);
/* Sets a module's name and state ({"uuid", "name", "state", "metrics"}),
 * creating its entry on first use. NAME may be NULL, STATE 0. */
void arts_telemetry_set_module_info(ArtsTelemetry *t, const char *module_uuid,
                                    const char *name, ArtsModuleState state);
/* The module's entry or NULL. */
ArtsModuleMetrics *arts_telemetry_get_module(const ArtsTelemetry *t,
                                             const char *module_uuid);
/* NAN when absent. */
double arts_module_metrics_get(const ArtsModuleMetrics *mm, const char *name);
/* The entry of CHANNEL in the module's entry, both created on first use
 * (the module's "channels" too); MODE 0 keeps what is there. Callers keep
 * to ARTS_TELEMETRY_CHANNELS_MAX (the decoder refuses more). */
ArtsChannelMetrics *arts_telemetry_channel(ArtsTelemetry *t,
                                           const char *module_uuid,
                                           const char *channel, guint mode);
/* The channel's entry or NULL. */
const ArtsChannelMetrics *arts_module_metrics_channel(
    const ArtsModuleMetrics *mm, const char *channel);
void arts_channel_metrics_set(ArtsChannelMetrics *cm, const char *name,
                              double value);
/* NAN when absent. */
double arts_channel_metrics_get(const ArtsChannelMetrics *cm,
                                const char *name);
ArtsChannelMetrics *arts_channel_metrics_new(const char *channel, guint mode);
void arts_channel_metrics_free(ArtsChannelMetrics *cm);
/* A GPtrArray of ArtsChannelMetrics* (it frees them), deep copied. */
GPtrArray *arts_channel_metrics_list_copy(const GPtrArray *list);
/* [{"channel", "mode", "metrics"}, ...] <-> a list; the decoder checks
 * every entry (names, modes, metrics, bounds, duplicates); PATH names the
 * array in errors. */
GPtrArray *arts_channel_metrics_list_from_json(JsonArray *a,
                                               const char *path,
                                               GError **error);
JsonArray *arts_channel_metrics_list_to_json(const GPtrArray *list);
ArtsTelemetry *arts_telemetry_from_json(JsonObject *data, GError **error);
ArtsTelemetry *arts_telemetry_from_json_at(JsonObject *o, const char *path,
                                           GError **error);
/* Non-finite values are left out (JSON has no NaN). */
JsonObject *arts_telemetry_to_json(const ArtsTelemetry *t);
ArtsTelemetry *arts_telemetry_copy(const ArtsTelemetry *t);
void arts_telemetry_free(ArtsTelemetry *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsTelemetry, arts_telemetry_free)

/* Realm events on "notif": {"type": "event", "event": "runtime_joined",
 * "uuid", "name", "ts", "reason"}. EVENT is a word of [a-z_]. */
#define ARTS_EVENT_RUNTIME_JOINED   "runtime_joined"
#define ARTS_EVENT_RUNTIME_DIED     "runtime_died"
#define ARTS_EVENT_RUNTIME_LEFT     "runtime_left"
#define ARTS_EVENT_RUNTIME_RETURNED "runtime_returned"
/* Module events: uuid is the module's, runtime its runtime's. */
#define ARTS_EVENT_MODULE_STARTED   "module_started"
#define ARTS_EVENT_MODULE_EXITED    "module_exited"    /* exit_code */
#define ARTS_EVENT_MODULE_FAILED    "module_failed"    /* error */
#define ARTS_EVENT_MODULE_STOPPED   "module_stopped"
#define ARTS_EVENT_MODULE_MIGRATED  "module_migrated"  /* source, target,
  downtime_ms, total_ms, reason: "operator" | "drain" | "overload" */
#define ARTS_EVENT_MODULE_RESTARTED "module_restarted" /* from_checkpoint,
  runtime */

typedef struct {
  char *event;
  char *uuid;            /* the runtime (or module) concerned */
  char *name;            /* may be NULL */
  gint64 ts_ms;
  char *reason;          /* may be NULL */
  char *runtime;         /* module events: the runtime's uuid; may be NULL */
  /* Module events (issue 4); NULL / has_* FALSE when not stated. */
  char *source, *target; /* module_migrated: runtime uuids */
  gboolean has_times;    /* module_migrated: downtime_ms and total_ms */
  gint64 downtime_ms, total_ms;
  gboolean has_exit_code;
  gint64 exit_code;      /* module_exited */
  char *error;           /* module_failed */
  gboolean has_from_checkpoint;
  gboolean from_checkpoint; /* module_restarted */
} ArtsEvent;

/* TS is now. */
ArtsEvent *arts_event_new(const char *event, const char *uuid,
                          const char *name, const char *reason);
ArtsEvent *arts_event_from_json(JsonObject *data, GError **error);
JsonObject *arts_event_to_json(const ArtsEvent *e);
void arts_event_free(ArtsEvent *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsEvent, arts_event_free)

/* Complaints on "log/{source}": {"type": "log", "level": "error", "ts",
 * "message", "topic", "object_id"}. LEVEL is error|warning|info|debug. */
typedef struct {
  char *level;
  gint64 ts_ms;
  char *message;
  char *topic;           /* of the bad message; may be NULL */
  char *object_id;       /* its object_id when known; may be NULL */
} ArtsLog;

ArtsLog *arts_log_new(const char *level, const char *message,
                      const char *topic, const char *object_id);
ArtsLog *arts_log_from_json(JsonObject *data, GError **error);
JsonObject *arts_log_to_json(const ArtsLog *l);
void arts_log_free(ArtsLog *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsLog, arts_log_free)

/* Requests on "query": {"type": "history", "runtime": uuid-or-name,
 * "metric", "since", "until"}, {"type": "runtimes"}, {"type": "modules",
 * "runtime": optional uuid-or-name} or {"type": "logs", "module":
 * uuid-or-name, "since_offset": optional byte offset}. */
typedef struct {
  char *kind;            /* "history" | "runtimes" | "modules" | "logs" */
  char *runtime;         /* history: uuid or name; modules: filter */
  char *metric;
  gint64 since_ms;       /* 0: not stated */
  gint64 until_ms;       /* 0: not stated */
  char *module;          /* logs: uuid or name */
  gint64 since_offset;   /* logs: 0 when not stated */
} ArtsQuery;

ArtsQuery *arts_query_new(const char *kind);
ArtsQuery *arts_query_from_json(JsonObject *data, GError **error);
JsonObject *arts_query_to_json(const ArtsQuery *q);
void arts_query_free(ArtsQuery *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsQuery, arts_query_free)

/* The details of a history answer: {"runtime", "metric", "resolution":
 * "raw"|"1m", "points": [[ts, value], ...] (raw) or [[ts, avg, min, max],
 * ...] (1m), "truncated": bool}. Raw points have avg = min = max. */
typedef struct {
  gint64 ts_ms;
  double avg, min, max;
} ArtsHistoryPoint;

typedef struct {
  char *runtime;
  char *metric;
  char *resolution;      /* "raw" | "1m" */
  GArray *points;        /* of ArtsHistoryPoint, oldest first */
  gboolean truncated;    /* more points existed than fit in one answer */
} ArtsHistory;

ArtsHistory *arts_history_new(const char *runtime, const char *metric,
                              const char *resolution);
void arts_history_add(ArtsHistory *h, gint64 ts_ms, double avg, double min,
                      double max);
ArtsHistory *arts_history_from_json(JsonObject *details, GError **error);
JsonObject *arts_history_to_json(const ArtsHistory *h);
void arts_history_free(ArtsHistory *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsHistory, arts_history_free)

/* JSON helpers shared by every decoder: each names PATH.FIELD in its error
 * (just FIELD when PATH is NULL or ""). A JSON null counts as absent, except
 * that a required field must not be null. Absent optional strings/strvs give
 * *out = NULL; absent numbers and booleans leave *out unchanged (so it can
 * hold the default). */
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
/* Numbers (integers too) that are finite. */
gboolean arts_json_get_double(JsonObject *o, const char *path,
                              const char *field, gboolean required,
                              double *out, GError **error);
gboolean arts_json_get_bool(JsonObject *o, const char *path,
                            const char *field, gboolean required,
                            gboolean *out, GError **error);
/* Borrowed; *out NULL when absent or JSON null. */
gboolean arts_json_get_object(JsonObject *o, const char *path,
                              const char *field, gboolean required,
                              JsonObject **out, GError **error);
gboolean arts_json_get_array(JsonObject *o, const char *path,
                             const char *field, gboolean required,
                             JsonArray **out, GError **error);
/* A copy sharing nothing with NODE. */
JsonNode *arts_json_deep_copy(JsonNode *node);
char *arts_json_to_string(JsonNode *node, gsize *len);
/* Serializes O (not consumed). */
char *arts_json_object_to_string(JsonObject *o, gsize *len);
/* Parses PAYLOAD with the envelope's checks (size, NUL bytes, UTF-8, depth)
 * into an object; for payloads other than envelopes. */
JsonObject *arts_json_parse_object(const char *payload, gsize len,
                                   GError **error);

G_END_DECLS
