#pragma once
#include <glib.h>
#include "arts-mqtt.h"

G_BEGIN_DECLS

/* The binary messages of issue 4 carry their metadata as MQTT 5 user
 * properties, so that the payload stays raw bytes (docs/protocol.md,
 * "Output and input", "Snapshot transfer"):
 *
 *   stdout/{module}:   offset = decimal byte offset of the first byte in
 *                      the module's output stream (stdout and stderr
 *                      together), fd = "1" | "2"
 *   snapshot/{module}: kind = "migration" | "checkpoint",
 *                      migration = the migration's id (kind migration),
 *                      stdout_offset = decimal output offset at the pause,
 *                      migrations = decimal count of completed migrations
 *                      (optional), base = "precopy" when the snapshot is a
 *                      delta against the pre-copy image (optional)
 *   snapshot/{module}/precopy: kind = "precopy", migration: the memory
 *                      image sent while the module runs on
 *   snapshot/{module}/input: kind = "migration", migration: the stdin
 *                      the source had not read at the pause
 *   snapshot/{module}/ready: kind = "precopy", migration: the target has
 *                      the image (payload "ok", or "error: ...")
 *
 * Parsers refuse missing, repeated or malformed properties of theirs
 * (ARTS_ERROR_FIELD naming the property) and ignore other properties. */
#define ARTS_PROP_OFFSET        "offset"
#define ARTS_PROP_FD            "fd"
#define ARTS_PROP_KIND          "kind"
#define ARTS_PROP_MIGRATION     "migration"
#define ARTS_PROP_STDOUT_OFFSET "stdout_offset"
#define ARTS_PROP_MIGRATIONS    "migrations"
#define ARTS_PROP_BASE          "base"
#define ARTS_BASE_PRECOPY       "precopy"
/* On a runtime's last will (a reg delete the broker sends when it loses
 * the connection): tells it from a goodbye. */
#define ARTS_PROP_CAUSE         "cause"
#define ARTS_CAUSE_LAST_WILL    "last_will"
/* Subtopics of snapshot/{module} (a subscription to snapshot/+ does not
 * see them: only a migration's target reads them). */
#define ARTS_SNAPSHOT_PRECOPY_SUFFIX "/precopy"
#define ARTS_SNAPSHOT_INPUT_SUFFIX   "/input"
/* Target -> source: the image is decoded ("ok") or not ("error: why"). */
#define ARTS_SNAPSHOT_READY_SUFFIX   "/ready"

/* A snapshot is at most this large: MQTT's packet limit (268,435,455) less
 * room for the topic and properties. */
#define ARTS_MAX_SNAPSHOT (256 * 1024 * 1024 - 64 * 1024)

/* Builds the properties in place: publish with p.props, 2. */
typedef struct {
  ArtsMqttProp props[2];
  char offset[24];
  char fd[4];
} ArtsOutputProps;

void arts_output_props_init(ArtsOutputProps *p, gint64 offset, int fd);
/* FD defaults to 1 when the property is absent (ARTS writers send none:
 * their messages have no offset either, so they fail here; treat the
 * error as "no offset known"). */
gboolean arts_output_props_parse(const ArtsMqttProp *props, guint n_props,
                                 gint64 *offset, int *fd, GError **error);

typedef enum {
  ARTS_SNAPSHOT_MIGRATION = 1,
  ARTS_SNAPSHOT_CHECKPOINT,
  ARTS_SNAPSHOT_PRECOPY,     /* a memory image, not a snapshot */
} ArtsSnapshotKind;

const char *arts_snapshot_kind_to_string(ArtsSnapshotKind k);

/* Publish with p.props, p.n_props. MIGRATION is required for
 * ARTS_SNAPSHOT_MIGRATION and may be NULL for a checkpoint. It must be a
 * valid migration id (1..128 of [A-Za-z0-9_-.:]); a longer one is cut. */
typedef struct {
  ArtsMqttProp props[5];
  guint n_props;
  char stdout_offset[24];
  char migration[129];
  char migrations[24];
} ArtsSnapshotProps;

void arts_snapshot_props_init(ArtsSnapshotProps *p, ArtsSnapshotKind kind,
                              const char *migration, gint64 stdout_offset);
/* Adds the optional properties: the module's completed migrations, and
 * base = "precopy" for a delta snapshot. */
void arts_snapshot_props_add(ArtsSnapshotProps *p, guint migrations,
                             gboolean delta);
/* The optional ones on the receiving side: *migrations is -1 when absent
 * (a malformed count is refused), *delta TRUE for base = "precopy" (any
 * other base is refused: this reader cannot restore it). */
gboolean arts_snapshot_props_parse_extra(const ArtsMqttProp *props,
                                         guint n_props, gint64 *migrations,
                                         gboolean *delta, GError **error);
/* *migration is newly allocated or NULL (checkpoints without one);
 * *stdout_offset is -1 when the property is absent (an ARTS writer's). */
gboolean arts_snapshot_props_parse(const ArtsMqttProp *props, guint n_props,
                                   ArtsSnapshotKind *kind, char **migration,
                                   gint64 *stdout_offset, GError **error);

/* Gap and duplicate detection for a reader of an output stream. *NEXT is
 * the offset the reader expects (0 at the start). For a message of LEN
 * bytes at OFFSET, returns how many leading bytes the reader already has
 * (skip them; LEN means "all old"), sets *gap to the number of bytes
 * missing before it (0: none), and advances *NEXT past the message. */
gsize arts_output_accept(gint64 *next, gint64 offset, gsize len,
                         gint64 *gap);

/* Decimal gint64 >= 0, digits only, no sign or spaces. */
gboolean arts_parse_offset(const char *s, gint64 *out);

G_END_DECLS
