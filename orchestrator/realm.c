/* The realm's runtimes: who is registered, who is alive, and why that
 * changed. Memory is the working copy; every change goes to the store at
 * once (registrations, status changes, events) or with the next flush
 * (telemetry), and a failing store never stops the realm. */
#include "realm.h"

#include <string.h>

G_DEFINE_QUARK(orch-error-quark, orch_error)

/* Telemetry more than this far in the future is a broken clock, not data. */
#define FUTURE_SLACK_MS (24 * 3600 * 1000LL)
/* Intervals shorter than this do not shorten the dead-after deadline below
 * what the liveness check (every 200 ms) can see. */
#define MIN_INTERVAL_MS 100
#define DEFAULT_INTERVAL_MS 1000

typedef struct {
  ArtsRuntime *rt;          /* holds status and last_seen_ms */
  gint64 first_seen_ms;
  gint64 interval_ms;       /* of its latest live sample; 0: none yet */
  gint64 telemetry_ts_ms;   /* ts of its latest live sample */
  char *telemetry_json;
  gint64 deadline_us;       /* monotonic; 0: none (dead, or no telemetry) */
} Entry;

struct _OrchRealm {
  OrchStore *store;
  int dead_after;
  OrchRealmHooks hooks;
  gpointer user_data;
  GHashTable *entries;      /* uuid -> Entry* */
};

static void
entry_free(gpointer p)
{
  Entry *e = p;
  arts_runtime_free(e->rt);
  g_free(e->telemetry_json);
  g_free(e);
}

OrchRealm *
orch_realm_new(OrchStore *store, int dead_after, const OrchRealmHooks *hooks,
               gpointer user_data)
{
  OrchRealm *r = g_new0(OrchRealm, 1);
  r->store = store;
  r->dead_after = MAX(dead_after, 1);
  r->hooks = *hooks;
  r->user_data = user_data;
  r->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                     entry_free);
  return r;
}

void
orch_realm_free(OrchRealm *r)
{
  if (!r)
    return;
  g_hash_table_destroy(r->entries);
  g_free(r);
}

static gint64
deadline_after(OrchRealm *r, const Entry *e, gint64 now_us)
{
  return now_us + (gint64)r->dead_after * MAX(e->interval_ms,
                                              MIN_INTERVAL_MS) * 1000;
}

/* ---- rows <-> runtimes ---- */

static char *
member_to_string(JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member(o, member);
  if (!n || JSON_NODE_HOLDS_NULL(n))
    return NULL;
  return arts_json_to_string(n, NULL);
}

static OrchRuntimeRow *
entry_to_row(const Entry *e)
{
  OrchRuntimeRow *row = orch_runtime_row_new();
  g_autoptr(JsonObject) j = arts_runtime_to_json(e->rt);
  row->uuid = g_strdup(e->rt->uuid);
  row->name = g_strdup(e->rt->name);
  row->runtime_type = g_strdup(e->rt->runtime_type ? e->rt->runtime_type
                                                   : "");
  row->apis_json = member_to_string(j, "apis");
  row->max_nmodules = e->rt->max_nmodules;
  row->page_size = e->rt->page_size;
  row->aot_target = g_strdup(e->rt->aot_target);
  row->platform_json = member_to_string(j, "platform");
  row->metadata_json = member_to_string(j, "metadata");
  row->status = (char)e->rt->status;
  row->first_seen_ms = e->first_seen_ms;
  row->last_seen_ms = e->rt->last_seen_ms;
  row->interval_ms = e->interval_ms;
  row->telemetry_ts_ms = e->telemetry_ts_ms;
  row->telemetry_json = g_strdup(e->telemetry_json);
  return row;
}

static gboolean
set_parsed(JsonObject *o, const char *member, const char *text,
           GError **error)
{
  if (!text)
    return TRUE;
  JsonNode *n = json_from_string(text, error);
  if (!n) {
    g_prefix_error(error, "%s: ", member);
    return FALSE;
  }
  json_object_set_member(o, member, n);
  return TRUE;
}

/* A stored row goes through the same decoder as a registration: the file
 * is input like any other. */
static Entry *
entry_from_row(const OrchRuntimeRow *row, GError **error)
{
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_string_member(o, "uuid", row->uuid);
  json_object_set_string_member(o, "name", row->name);
  if (row->runtime_type[0])
    json_object_set_string_member(o, "runtime_type", row->runtime_type);
  json_object_set_int_member(o, "max_nmodules", row->max_nmodules);
  json_object_set_int_member(o, "page_size", row->page_size);
  if (row->aot_target)
    json_object_set_string_member(o, "aot_target", row->aot_target);
  char status[2] = { row->status, 0 };
  json_object_set_string_member(o, "status", status);
  if (!set_parsed(o, "apis", row->apis_json, error)
      || !set_parsed(o, "platform", row->platform_json, error)
      || !set_parsed(o, "metadata", row->metadata_json, error))
    return NULL;
  ArtsRuntime *rt = arts_runtime_from_json_at(o, "runtimes row", error);
  if (!rt)
    return NULL;
  if (rt->status != ARTS_STATUS_ALIVE && rt->status != ARTS_STATUS_DEAD) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "runtimes row: status \"%s\" is not A or D", status);
    arts_runtime_free(rt);
    return NULL;
  }
  Entry *e = g_new0(Entry, 1);
  e->rt = rt;
  e->rt->last_seen_ms = row->last_seen_ms;
  e->first_seen_ms = row->first_seen_ms;
  e->interval_ms = row->interval_ms;
  e->telemetry_ts_ms = row->telemetry_ts_ms;
  e->telemetry_json = g_strdup(row->telemetry_json);
  return e;
}

gboolean
orch_realm_load(OrchRealm *r, gint64 now_us, GError **error)
{
  g_autoptr(GPtrArray) rows = orch_store_load_runtimes(r->store, error);
  if (!rows)
    return FALSE;
  for (guint i = 0; i < rows->len; i++) {
    const OrchRuntimeRow *row = rows->pdata[i];
    g_autoptr(GError) bad = NULL;
    Entry *e = entry_from_row(row, &bad);
    if (!e) {
      g_warning("skipping stored runtime %s: %s", row->uuid, bad->message);
      continue;
    }
    g_hash_table_replace(r->entries, e->rt->uuid, e);
  }
  /* Alive before the restart: their telemetry has the usual time to show
   * they still are, counted from now. */
  orch_realm_grace(r, now_us);
  return TRUE;
}

/* ---- changes ---- */

static void
save(OrchRealm *r, const Entry *e)
{
  g_autoptr(OrchRuntimeRow) row = entry_to_row(e);
  g_autoptr(GError) error = NULL;
  if (!orch_store_save_runtime(r->store, row, &error))
    r->hooks.store_failed(error, r->user_data);
}

static void
tell(OrchRealm *r, const Entry *e, const char *event, const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsEvent) ev = arts_event_new(event, e->rt->uuid, e->rt->name,
                                           reason);
  g_message("%s %s (%s): %s", event, e->rt->name, e->rt->uuid, reason);
  if (!orch_store_add_event(r->store, ev->ts_ms, event, ev->uuid, ev->name,
                            reason, &error))
    r->hooks.store_failed(error, r->user_data);
  r->hooks.event(ev, r->user_data);
}

/* Status changes all go through here: row, retained state, event. */
static void
set_status(OrchRealm *r, Entry *e, ArtsStatus status, const char *event,
           const char *reason)
{
  e->rt->status = status;
  if (status != ARTS_STATUS_ALIVE)
    e->deadline_us = 0;
  save(r, e);
  r->hooks.state_changed(e->rt, r->user_data);
  if (event)
    tell(r, e, event, reason);
}

static Entry *
alive_with_name(OrchRealm *r, const char *name, const char *except_uuid)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Entry *e = v;
    if (e->rt->status == ARTS_STATUS_ALIVE && strcmp(e->rt->name, name) == 0
        && strcmp(e->rt->uuid, except_uuid) != 0)
      return e;
  }
  return NULL;
}

/* Names are unique among alive runtimes; a uuid alive on one host cannot
 * be claimed from another (a copied state dir). */
static gboolean
check_register(OrchRealm *r, const Entry *old, const ArtsRuntime *reg,
               GError **error)
{
  Entry *holder = alive_with_name(r, reg->name, reg->uuid);
  if (holder) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "data.name: \"%s\" is in use by alive runtime %s",
                reg->name, holder->rt->uuid);
    return FALSE;
  }
  const char *was = old ? old->rt->platform.hostname : NULL;
  const char *now = reg->platform.hostname;
  if (old && old->rt->status == ARTS_STATUS_ALIVE && was && now
      && strcmp(was, now) != 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "data.uuid: %s is alive on host \"%s\"; a runtime on \"%s\" "
                "may not use it", reg->uuid, was, now);
    return FALSE;
  }
  return TRUE;
}

const ArtsRuntime *
orch_realm_register(OrchRealm *r, const ArtsRuntime *reg, gint64 now_us,
                    GError **error)
{
  Entry *e = g_hash_table_lookup(r->entries, reg->uuid);
  if (!check_register(r, e, reg, error))
    return NULL;
  const char *event = NULL, *reason = NULL;
  if (!e) {
    e = g_new0(Entry, 1);
    e->first_seen_ms = arts_now_ms();
    event = ARTS_EVENT_RUNTIME_JOINED;
    reason = "registered";
  } else {
    g_hash_table_steal(r->entries, e->rt->uuid);
    if (e->rt->status != ARTS_STATUS_ALIVE) {
      event = ARTS_EVENT_RUNTIME_RETURNED;
      reason = "registered again";
    }
    arts_runtime_free(e->rt);
  }
  e->rt = arts_runtime_copy(reg);
  e->rt->ts_ms = 0;
  e->rt->last_seen_ms = arts_now_ms();
  g_hash_table_replace(r->entries, e->rt->uuid, e);
  /* A runtime that has sent telemetry before must resume it in time; a
   * new one is judged from its first sample on. */
  e->deadline_us = e->interval_ms > 0 ? deadline_after(r, e, now_us) : 0;
  set_status(r, e, ARTS_STATUS_ALIVE, event, reason);
  return e->rt;
}

static Entry *
check_deregister(OrchRealm *r, const char *uuid, const char *name,
                 GError **error)
{
  Entry *e = g_hash_table_lookup(r->entries, uuid);
  if (!e) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.uuid: no runtime %s is registered", uuid);
    return NULL;
  }
  if (name && strcmp(name, e->rt->name) != 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "data.name: runtime %s is \"%s\", not \"%s\"", uuid,
                e->rt->name, name);
    return NULL;
  }
  return e;
}

const ArtsRuntime *
orch_realm_check_deregister(OrchRealm *r, const char *uuid,
                            const char *name, GError **error)
{
  Entry *e = check_deregister(r, uuid, name, error);
  return e ? e->rt : NULL;
}

static const ArtsRuntime *
leave(OrchRealm *r, const char *uuid, const char *name, const char *event,
      const char *why, GError **error)
{
  Entry *e = check_deregister(r, uuid, name, error);
  if (!e)
    return NULL;
  if (e->rt->status == ARTS_STATUS_ALIVE)
    set_status(r, e, ARTS_STATUS_DEAD, event, why);
  return e->rt;
}

const ArtsRuntime *
orch_realm_deregister(OrchRealm *r, const char *uuid, const char *name,
                      GError **error)
{
  return leave(r, uuid, name, ARTS_EVENT_RUNTIME_LEFT,
               "deregistered (reg delete: goodbye)", error);
}

const ArtsRuntime *
orch_realm_connection_lost(OrchRealm *r, const char *uuid, const char *name,
                           GError **error)
{
  return leave(r, uuid, name, ARTS_EVENT_RUNTIME_DIED,
               "last will: the broker lost its connection", error);
}

static void
take_sample(OrchRealm *r, const ArtsTelemetry *t)
{
  for (guint i = 0; i < t->metrics->len; i++) {
    const ArtsMetric *m = &g_array_index(t->metrics, ArtsMetric, i);
    orch_store_queue_sample(r->store, t->runtime_uuid, NULL, m->name,
                            t->timestamp_ms, m->value);
  }
  for (guint i = 0; i < t->modules->len; i++) {
    const ArtsModuleMetrics *mm = t->modules->pdata[i];
    for (guint j = 0; j < mm->metrics->len; j++) {
      const ArtsMetric *m = &g_array_index(mm->metrics, ArtsMetric, j);
      orch_store_queue_sample(r->store, t->runtime_uuid, mm->module_uuid,
                              m->name, t->timestamp_ms, m->value);
    }
  }
}

/* Every sample is history; only a live one newer than the latest is a
 * sign of life (a retained sample delivered again after a restart, or one
 * replayed from an agent's buffer, is not). A dead runtime whose fresh
 * telemetry resumes (a network partition that healed without a reconnect)
 * is alive again. */
gboolean
orch_realm_telemetry(OrchRealm *r, const char *topic_uuid,
                     const ArtsTelemetry *t, JsonObject *data, gint64 now_us,
                     GError **error)
{
  if (strcmp(topic_uuid, t->runtime_uuid) != 0) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_CONFLICT,
                "data.uuid: %s is not the runtime of this stats topic (%s)",
                t->runtime_uuid, topic_uuid);
    return FALSE;
  }
  Entry *e = g_hash_table_lookup(r->entries, t->runtime_uuid);
  if (!e) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_NOT_FOUND,
                "data.uuid: runtime %s is not registered (reg create first)",
                t->runtime_uuid);
    return FALSE;
  }
  gint64 now_ms = arts_now_ms();
  if (t->timestamp_ms > now_ms + FUTURE_SLACK_MS) {
    g_set_error(error, ARTS_ERROR, ARTS_ERROR_FIELD,
                "data.ts: %" G_GINT64_FORMAT " is more than a day ahead of "
                "the orchestrator's clock", t->timestamp_ms);
    return FALSE;
  }
  take_sample(r, t);
  if (t->replayed || t->timestamp_ms <= e->telemetry_ts_ms)
    return TRUE;

  e->interval_ms = t->interval_ms > 0 ? t->interval_ms : DEFAULT_INTERVAL_MS;
  e->telemetry_ts_ms = t->timestamp_ms;
  g_free(e->telemetry_json);
  e->telemetry_json = arts_json_object_to_string(data, NULL);
  /* Coming back through telemetry must not make two alive runtimes of
   * one name (another took it meanwhile): such a one registers again and
   * is refused or renamed there. */
  gboolean revive = e->rt->status == ARTS_STATUS_DEAD
                    && now_ms - t->timestamp_ms
                       <= (gint64)r->dead_after * e->interval_ms
                    && !alive_with_name(r, e->rt->name, e->rt->uuid);
  if (e->rt->status == ARTS_STATUS_ALIVE || revive) {
    e->rt->last_seen_ms = now_ms;
    e->deadline_us = deadline_after(r, e, now_us);
  }
  if (revive) {
    set_status(r, e, ARTS_STATUS_ALIVE, ARTS_EVENT_RUNTIME_RETURNED,
               "telemetry resumed");
    return TRUE;
  }
  orch_store_queue_seen(r->store, e->rt->uuid, e->rt->last_seen_ms,
                        e->interval_ms, e->telemetry_ts_ms,
                        e->telemetry_json);
  return TRUE;
}

void
orch_realm_grace(OrchRealm *r, gint64 now_us)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Entry *e = v;
    if (e->rt->status == ARTS_STATUS_ALIVE && e->interval_ms > 0)
      e->deadline_us = deadline_after(r, e, now_us);
  }
}

guint
orch_realm_sweep(OrchRealm *r, gint64 now_us)
{
  GHashTableIter it;
  gpointer v;
  guint n = 0;
  g_hash_table_iter_init(&it, r->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Entry *e = v;
    if (e->rt->status != ARTS_STATUS_ALIVE || e->deadline_us == 0
        || now_us < e->deadline_us)
      continue;
    g_autofree char *why = g_strdup_printf(
      "no telemetry for %d intervals of %" G_GINT64_FORMAT " ms",
      r->dead_after, e->interval_ms);
    set_status(r, e, ARTS_STATUS_DEAD, ARTS_EVENT_RUNTIME_DIED, why);
    n++;
  }
  return n;
}

/* ---- lookups ---- */

const ArtsRuntime *
orch_realm_get(OrchRealm *r, const char *uuid)
{
  Entry *e = g_hash_table_lookup(r->entries, uuid);
  return e ? e->rt : NULL;
}

const ArtsRuntime *
orch_realm_find(OrchRealm *r, const char *uuid_or_name)
{
  Entry *e = g_hash_table_lookup(r->entries, uuid_or_name);
  if (e)
    return e->rt;
  const ArtsRuntime *best = NULL;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const ArtsRuntime *rt = ((Entry *)v)->rt;
    if (strcmp(rt->name, uuid_or_name) != 0)
      continue;
    gboolean alive = rt->status == ARTS_STATUS_ALIVE;
    gboolean best_alive = best && best->status == ARTS_STATUS_ALIVE;
    if (!best || (alive && !best_alive)
        || (alive == best_alive && rt->last_seen_ms > best->last_seen_ms))
      best = rt;
  }
  return best;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
  const ArtsRuntime *x = *(const ArtsRuntime *const *)a;
  const ArtsRuntime *y = *(const ArtsRuntime *const *)b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->uuid, y->uuid);
}

GPtrArray *
orch_realm_list(OrchRealm *r)
{
  GPtrArray *out = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->entries);
  while (g_hash_table_iter_next(&it, NULL, &v))
    g_ptr_array_add(out, ((Entry *)v)->rt);
  g_ptr_array_sort(out, by_name);
  return out;
}

guint
orch_realm_count(OrchRealm *r, ArtsStatus status)
{
  guint n = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->entries);
  while (g_hash_table_iter_next(&it, NULL, &v))
    n += ((Entry *)v)->rt->status == status;
  return n;
}
