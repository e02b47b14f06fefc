#pragma once
#include "arts-protocol.h"

G_BEGIN_DECLS

/* The messages of issue 4 (modules, programs and migration) that are not a
 * module itself (ArtsModule, in arts-protocol.h): a runtime's module_state
 * reports, the details of answers on control and control/{runtime}, and
 * the answers to the "modules" and "logs" queries. Decoders validate like
 * the rest of arts-protocol.h: unknown fields are refused, errors name the
 * field by its path. See docs/protocol.md, "Modules, programs and
 * migration". */

/* Runtime -> orchestrator, unsolicited, on control/{runtime_uuid}:
 *   {"action": "update", "type": "runtime_resp", "data": {"type":
 *    "module_state", "uuid", "state", "exit_code", "error", "resumed_at",
 *    "migration", "stdout_offset", "ts"}}
 * uuid and state are required. */
typedef struct {
  char *uuid;
  char *name;            /* may be NULL */
  ArtsModuleState state;
  gboolean has_exit_code;
  gint64 exit_code;      /* exited */
  char *error;           /* failed: the trap or error; may be NULL */
  gint64 resumed_at_ms;  /* a restore resumed; 0: not stated */
  char *migration;       /* the migration that resumed it; may be NULL */
  gint64 stdout_offset;  /* -1: not stated */
  gint64 ts_ms;          /* 0: not stated */
} ArtsModuleUpdate;

ArtsModuleUpdate *arts_module_update_new(const char *uuid,
                                         ArtsModuleState state);
ArtsModuleUpdate *arts_module_update_from_json(JsonObject *data,
                                               GError **error);
JsonObject *arts_module_update_to_json(const ArtsModuleUpdate *u);
void arts_module_update_free(ArtsModuleUpdate *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsModuleUpdate, arts_module_update_free)

/* The details of a runtime's ok answer on control/{runtime_uuid}, and of
 * the orchestrator's ok answer to a stop:
 *   create (restore):  {"ready": true, "uuid"}
 *   create (fresh):    {"uuid", "name", "state": "running", "started_at"}
 *   delete:            {"exit_code": null|N, "state": "exited", "error"}
 *   migrate:           {"paused_at", "snapshot_bytes", "stdout_offset"}
 *   checkpoint:        {"snapshot_bytes", "stdout_offset"}
 *   resume:            {"state": "running"}
 * Every field is optional; callers check what their action needs. */
typedef struct {
  char *uuid;            /* the module; may be NULL */
  char *name;            /* may be NULL */
  gint64 started_at_ms;  /* 0: not stated */
  char *error;           /* failed: why; may be NULL */
  gboolean ready;
  ArtsModuleState state; /* 0: not stated */
  gboolean has_exit_code;
  gint64 exit_code;
  gint64 paused_at_ms;   /* 0: not stated */
  gint64 snapshot_bytes; /* -1: not stated */
  gint64 stdout_offset;  /* -1: not stated */
} ArtsControlResult;

ArtsControlResult *arts_control_result_new(void);
/* PATH is "data.details" for an answer. */
ArtsControlResult *arts_control_result_from_json(JsonObject *details,
                                                 const char *path,
                                                 GError **error);
JsonObject *arts_control_result_to_json(const ArtsControlResult *r);
void arts_control_result_free(ArtsControlResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsControlResult, arts_control_result_free)

/* The details of the orchestrator's ok answer to a migrate (on control):
 *   {"module", "source", "target", "downtime_ms", "total_ms",
 *    "migration", "reason"}
 * module, source, target (uuids) and the two times are required. */
typedef struct {
  char *module;
  char *source, *target;
  gint64 downtime_ms;    /* pause at the source to resume at the target */
  gint64 total_ms;       /* request to release */
  char *migration;       /* its id; may be NULL */
  char *reason;          /* "operator" | "drain" | "overload"; may be NULL */
} ArtsMigration;

ArtsMigration *arts_migration_new(const char *module, const char *source,
                                  const char *target);
ArtsMigration *arts_migration_from_json(JsonObject *details, const char *path,
                                        GError **error);
JsonObject *arts_migration_to_json(const ArtsMigration *m);
void arts_migration_free(ArtsMigration *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsMigration, arts_migration_free)

/* The details of the answer to the "logs" query:
 *   {"module": uuid, "start_offset": N, "data_b64": "...",
 *    "end_offset": N, "more": bool}
 * end_offset = start_offset + the decoded length (checked). data_b64 is
 * strict base64 (RFC 4648, padded, no line breaks). An answer carries at
 * most ARTS_MAX_LOG_CHUNK bytes of output so that it fits in
 * ARTS_MAX_PAYLOAD; "more" says the store holds bytes after end_offset
 * (ask again with since_offset = end_offset). start_offset above the asked
 * since_offset means the bytes between are gone (a gap). */
#define ARTS_MAX_LOG_CHUNK (128 * 1024)

typedef struct {
  char *module;
  gint64 start_offset;
  gint64 end_offset;
  GBytes *data;          /* never NULL */
  gboolean more;
} ArtsLogChunk;

/* DATA may be NULL (empty); it is copied. */
ArtsLogChunk *arts_log_chunk_new(const char *module, gint64 start_offset,
                                 const void *data, gsize len);
ArtsLogChunk *arts_log_chunk_from_json(JsonObject *details, const char *path,
                                       GError **error);
JsonObject *arts_log_chunk_to_json(const ArtsLogChunk *c);
void arts_log_chunk_free(ArtsLogChunk *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArtsLogChunk, arts_log_chunk_free)

/* Strict base64: only A-Z a-z 0-9 + /, length a multiple of 4, '=' only as
 * the last one or two characters, zero bits after the last byte. */
GBytes *arts_base64_decode_strict(const char *s, GError **error);

/* The details of the answer to the "modules" query: {"modules": [module
 * json, ...]}; returns ArtsModule* (free with arts_module_free). */
GPtrArray *arts_module_list_from_json(JsonObject *details, const char *path,
                                      GError **error);
/* MODULES holds ArtsModule*; builds {"modules": [...]}. */
JsonObject *arts_module_list_to_json(GPtrArray *modules);

G_END_DECLS
