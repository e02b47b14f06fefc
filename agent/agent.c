/* arts-agent's main loop and state (see agent.h).
 *
 * Everything runs on one thread, in the GLib main loop: the MQTT client's
 * socket, the telemetry and keepalive timers, the replay timer and the
 * signal handlers, and the module supervisor (whose modules run on threads
 * of their own and talk to it through events on this loop). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <glib-unix.h>
#include "arts-common.h"
#include "agent-error.h"
#include "agent.h"
#include "buffer.h"
#include "identity.h"
#include "registration.h"
#include "replay.h"
#include "supervisor.h"
#include "telemetry.h"

/* How long the goodbye's DISCONNECT may take to go out. */
#define AGENT_DISCONNECT_MS 500
/* SIGTERM with modules: how long the orchestrator has to move them away
 * (drain), and how often we look; then how long they have to stop. */
#define AGENT_DRAIN_MS 10000
#define AGENT_DRAIN_POLL_MS 50
#define AGENT_STOP_MODULES_MS 2000

typedef struct {
  const AgentOptions *opts;
  GMainLoop *loop;
  AgentIdentity identity;
  ArtsMqtt *mqtt;
  AgentBuffer *buffer;       /* NULL when unusable: offline samples are lost */
  AgentRegistration reg;
  AgentTelemetry telemetry;
  AgentReplay replay;
  /* The orchestrator answered our registration on this connection: only
   * then is someone listening for replayed samples. */
  gboolean registered;
  AgentSupervisor *sup;
  guint drain_id;
  gint64 drain_until;        /* monotonic us: give up draining */
  gboolean stopping_modules; /* drain over: the rest are being stopped */
  char *stats_topic, *keepalive_topic;
  guint sample_id, keepalive_id, signal_id;
  int signal_fd;
  gboolean stopping;
  gboolean sample_failing;   /* failure streaks are logged once */
  gboolean store_failing;
  guint64 lost_unbuffered;   /* dropped while there was no buffer */
  guint reg_waiting;         /* requests on reg waiting for an answer */
  guint creates_waiting;     /* of which creates */
  guint reg_retry_id;        /* an unanswered create is sent again */
  guint reg_retry_ms;
} Agent;

static guint64 agent_dropped(const Agent *a)
{
  return a->buffer ? agent_buffer_dropped(a->buffer) : a->lost_unbuffered;
}

/* --- telemetry ---------------------------------------------------------- */

static gboolean agent_publish_live(Agent *a, ArtsTelemetry *sample)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  gsize len;

  if (!arts_mqtt_is_connected(a->mqtt))
    return FALSE;
  json = agent_telemetry_encode(sample, FALSE, &len);
  if (arts_mqtt_publish(a->mqtt, a->stats_topic, json, len, 0, TRUE, NULL, 0,
                        &error) < 0) {
    g_debug("live sample not sent, buffering it: %s", error->message);
    return FALSE;
  }
  return TRUE;
}

static void agent_store(Agent *a, ArtsTelemetry *sample)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  gsize len;

  if (!a->buffer) {
    a->lost_unbuffered++;
    return;
  }
  json = agent_telemetry_encode(sample, TRUE, &len);
  if (!agent_buffer_push(a->buffer, sample->timestamp_ms, json, len,
                         &error)) {
    if (!a->store_failing)
      g_warning("%s; dropping offline samples until it can be written",
                error->message);
    a->store_failing = TRUE;
    return;
  }
  if (a->store_failing)
    g_message("telemetry buffer is writable again");
  a->store_failing = FALSE;
  if (arts_mqtt_is_connected(a->mqtt) && a->registered)
    agent_replay_start(&a->replay);
}

static gboolean agent_sample(gpointer user_data)
{
  Agent *a = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsTelemetry) sample =
    agent_telemetry_sample(&a->telemetry, &error);

  if (!sample) {
    if (!a->sample_failing)
      g_warning("cannot sample telemetry: %s", error->message);
    a->sample_failing = TRUE;
    return G_SOURCE_CONTINUE;
  }
  a->sample_failing = FALSE;
  arts_telemetry_add(sample, AGENT_METRIC_DROPPED, (double)agent_dropped(a));
  arts_telemetry_add(sample, AGENT_METRIC_BUFFERED,
                     a->buffer ? agent_buffer_count(a->buffer) : 0);
  agent_supervisor_add_metrics(a->sup, sample);
  if (!agent_publish_live(a, sample))
    agent_store(a, sample);
  return G_SOURCE_CONTINUE;
}

static gboolean agent_keepalive(gpointer user_data)
{
  Agent *a = user_data;
  g_autofree char *json = NULL;
  gsize len;

  if (!arts_mqtt_is_connected(a->mqtt))
    return G_SOURCE_CONTINUE;
  json = agent_keepalive_encode(a->identity.uuid, a->opts->name,
                                arts_now_ms(), &len);
  arts_mqtt_publish(a->mqtt, a->keepalive_topic, json, len, 0, FALSE, NULL,
                    0, NULL);
  return G_SOURCE_CONTINUE;
}

/* --- registration and shutdown ------------------------------------------ */

/* How long a create waits for the orchestrator's answer, and the pauses
 * between unanswered creates; how long a goodbye waits for its answer
 * before the agent leaves anyway. */
/* An orchestrator answers in milliseconds; a create lost while it was
 * reconnecting is sent again soon, since the offline buffer waits for it. */
#define AGENT_REG_ANSWER_MS 2000
#define AGENT_REG_RETRY_MIN_MS 5000
#define AGENT_REG_RETRY_MAX_MS 30000
#define AGENT_GOODBYE_MS 1000

/* Answers come back on reg, which also carries every other runtime's
 * registrations: in a realm of N agents a broker restart would bring each
 * agent N creates and N answers. So reg is subscribed only while one of
 * ours waits for its answer (arts_mqtt_request() subscribes it first). */
static gboolean agent_reg_request(Agent *a, ArtsEnvelope *req, guint ms,
                                  ArtsMqttResponseFunc fn, GError **error)
{
  if (!arts_mqtt_request(a->mqtt, a->reg.topic, req, ms, fn, a, error))
    return FALSE;
  a->reg_waiting++;
  return TRUE;
}

static void agent_reg_answered(Agent *a)
{
  if (a->reg_waiting > 0 && --a->reg_waiting == 0)
    arts_mqtt_unsubscribe(a->mqtt, a->reg.topic);
}

static void agent_register(Agent *a);

static gboolean agent_reg_retry(gpointer user_data)
{
  Agent *a = user_data;

  a->reg_retry_id = 0;
  agent_register(a);
  return G_SOURCE_REMOVE;
}

/* An unanswered create is sent again (at once, then after 5, 10, 20 and
 * every 30 s): an orchestrator that comes up after the agents, or was
 * restarting, still learns about them without their restart. */
static void agent_reg_schedule_retry(Agent *a)
{
  if (a->creates_waiting > 0 || a->reg_retry_id || a->stopping ||
      !arts_mqtt_is_connected(a->mqtt))
    return;
  g_debug("no answer to the registration; sending it again in %u ms",
          a->reg_retry_ms);
  a->reg_retry_id = g_timeout_add(a->reg_retry_ms, agent_reg_retry, a);
  a->reg_retry_ms = CLAMP(a->reg_retry_ms * 2, AGENT_REG_RETRY_MIN_MS,
                          AGENT_REG_RETRY_MAX_MS);
}

static void agent_on_reg_answer(ArtsMqtt *mqtt, const ArtsEnvelope *resp,
                                const GError *timeout, gpointer user_data)
{
  Agent *a = user_data;
  g_autoptr(GError) error = NULL;

  a->creates_waiting--;
  if (!resp)
    agent_reg_schedule_retry(a);
  else if (!arts_response_check(resp, NULL, &error))
    g_warning("the orchestrator refused the registration: %s",
              error->message);
  else
    g_message("registered in realm %s as %s (%s)", a->opts->cfg.realm,
              a->opts->name, a->identity.uuid);
  if (resp) {
    g_clear_handle_id(&a->reg_retry_id, g_source_remove);
    /* Samples kept while the broker was away go out only once the
     * orchestrator is known to be subscribed again: replayed at once on
     * reconnect, they could reach the broker before the orchestrator's
     * own session is back, and be lost to the realm's history. */
    if (!a->registered && !a->stopping && arts_mqtt_is_connected(a->mqtt)) {
      a->registered = TRUE;
      agent_replay_start(&a->replay);
    }
  }
  /* After a possible retry, so that reg stays subscribed meanwhile. */
  agent_reg_answered(a);
}

static void agent_register(Agent *a)
{
  g_autoptr(ArtsEnvelope) req = agent_reg_create(&a->reg);
  g_autoptr(GError) error = NULL;

  if (!agent_reg_request(a, req, AGENT_REG_ANSWER_MS, agent_on_reg_answer,
                         &error)) {
    g_warning("registration not sent: %s", error->message);
    return;
  }
  a->creates_waiting++;
}

static void agent_on_goodbye_answer(ArtsMqtt *mqtt, const ArtsEnvelope *resp,
                                    const GError *timeout, gpointer user_data)
{
  Agent *a = user_data;

  agent_reg_answered(a);
  if (!resp)
    g_debug("goodbye: %s", timeout->message);
  g_main_loop_quit(a->loop);
}

/* Say delete on reg, wait briefly for the orchestrator's answer, then
 * leave the loop; agent_run() disconnects cleanly, so the broker drops the
 * last will. The offline buffer is already on disk. */
static void agent_goodbye(Agent *a)
{
  g_autoptr(ArtsEnvelope) req = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_handle_id(&a->drain_id, g_source_remove);
  g_clear_handle_id(&a->sample_id, g_source_remove);
  g_clear_handle_id(&a->keepalive_id, g_source_remove);
  g_clear_handle_id(&a->reg_retry_id, g_source_remove);
  agent_replay_stop(&a->replay);
  if (!arts_mqtt_is_connected(a->mqtt)) {
    g_main_loop_quit(a->loop);
    return;
  }
  req = agent_reg_delete(&a->reg);
  if (!agent_reg_request(a, req, AGENT_GOODBYE_MS, agent_on_goodbye_answer,
                         &error)) {
    g_warning("goodbye not sent: %s", error->message);
    g_main_loop_quit(a->loop);
  }
}

/* While draining: the orchestrator moves the modules away (each is
 * released by a delete with reason "migrated"); whatever is left when
 * time is up is stopped, then the agent says goodbye. */
static gboolean agent_drain_poll(gpointer user_data)
{
  Agent *a = user_data;
  gint64 now = g_get_monotonic_time();

  if (agent_supervisor_live(a->sup) == 0) {
    a->drain_id = 0;
    if (!a->stopping_modules)
      g_message("drained: no modules left");
    agent_goodbye(a);
    return G_SOURCE_REMOVE;
  }
  if (now < a->drain_until)
    return G_SOURCE_CONTINUE;
  if (!a->stopping_modules) {
    g_message("%u modules were not moved away in time; stopping them",
              agent_supervisor_live(a->sup));
    a->stopping_modules = TRUE;
    agent_supervisor_stop_all(a->sup);
    a->drain_until = now + AGENT_STOP_MODULES_MS * 1000;
    return G_SOURCE_CONTINUE;
  }
  a->drain_id = 0;
  agent_goodbye(a);
  return G_SOURCE_REMOVE;
}

/* reg update {type: runtime, uuid, draining: true}: the orchestrator
 * starts moving this runtime's modules elsewhere. */
static void agent_drain(Agent *a)
{
  g_autoptr(JsonObject) data = json_object_new();
  g_autoptr(ArtsEnvelope) env = NULL;

  json_object_set_string_member(data, "type", "runtime");
  json_object_set_string_member(data, "uuid", a->identity.uuid);
  json_object_set_string_member(data, "name", a->opts->name);
  json_object_set_boolean_member(data, "draining", TRUE);
  env = arts_envelope_new(ARTS_TYPE_REQ, "update", NULL, data);
  arts_mqtt_publish_envelope(a->mqtt, a->reg.topic, env, FALSE, NULL);
  g_message("draining: %u modules to move away",
            agent_supervisor_live(a->sup));
  a->drain_until = g_get_monotonic_time() + AGENT_DRAIN_MS * 1000;
  a->drain_id = g_timeout_add(AGENT_DRAIN_POLL_MS, agent_drain_poll, a);
}

/* SIGTERM/SIGINT: with modules running, drain first (telemetry keeps
 * going meanwhile, so the realm does not think we died); then goodbye. A
 * second signal cuts every wait short. */
static gboolean agent_on_signal(gpointer user_data)
{
  Agent *a = user_data;

  if (a->stopping) {
    g_main_loop_quit(a->loop);
    return G_SOURCE_CONTINUE;
  }
  a->stopping = TRUE;
  g_message("stopping");
  agent_supervisor_drain(a->sup);
  if (agent_supervisor_live(a->sup) > 0 && arts_mqtt_is_connected(a->mqtt))
    agent_drain(a);
  else
    agent_goodbye(a);
  return G_SOURCE_CONTINUE;
}

static gboolean agent_on_signal_fd(int fd, GIOCondition cond,
                                   gpointer user_data)
{
  struct signalfd_siginfo info;

  while (read(fd, &info, sizeof info) == (ssize_t)sizeof info)
    agent_on_signal(user_data);
  return G_SOURCE_CONTINUE;
}

/* SIGTERM and SIGINT arrive through a signalfd on the main loop rather
 * than g_unix_signal_add(), which would start GLib's worker thread (a
 * thread stack and a malloc arena for two signals in a lifetime). Threads
 * started later inherit the blocked mask, so the signals still come here. */
static gboolean agent_watch_signals(Agent *a, GError **error)
{
  sigset_t set;

  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
      (a->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
    g_set_error(error, AGENT_ERROR, AGENT_ERROR_IO,
                "cannot watch signals: %s", g_strerror(errno));
    return FALSE;
  }
  a->signal_id = g_unix_fd_add(a->signal_fd, G_IO_IN, agent_on_signal_fd, a);
  return TRUE;
}

/* --- MQTT --------------------------------------------------------------- */

static void agent_on_connect(ArtsMqtt *mqtt, gboolean connected,
                             gpointer user_data)
{
  Agent *a = user_data;

  agent_supervisor_on_connect(a->sup, connected);
  a->registered = FALSE;
  if (!connected) {
    agent_replay_stop(&a->replay);
    g_clear_handle_id(&a->reg_retry_id, g_source_remove);
    if (!a->stopping)
      g_warning("lost the broker; buffering telemetry until it is back");
    return;
  }
  g_message("connected to %s", a->opts->cfg.broker_url);
  if (a->stopping)
    return;
  g_clear_handle_id(&a->reg_retry_id, g_source_remove);
  a->reg_retry_ms = 0;
  agent_register(a);
}

static void agent_on_publish(ArtsMqtt *mqtt, int mid, int reason,
                             gpointer user_data)
{
  Agent *a = user_data;

  /* One dispatcher for every PUBACK: replayed samples, module output and
   * snapshots. */
  if (!agent_replay_acked(&a->replay, mid, reason))
    agent_supervisor_on_publish(a->sup, mid, reason);
}

static void agent_on_message(ArtsMqtt *mqtt, const char *topic,
                             const guint8 *payload, gsize len,
                             const ArtsMqttProp *props, guint n_props,
                             gpointer user_data)
{
  Agent *a = user_data;

  agent_supervisor_on_message(a->sup, topic, payload, len, props, n_props);
}

/* --- setup -------------------------------------------------------------- */

/* A buffer that cannot be opened never stops the agent: a damaged file is
 * moved aside, and without any buffer offline samples are counted as lost. */
static void agent_open_buffer(Agent *a)
{
  g_autofree char *path = g_build_filename(a->opts->cfg.state_dir,
                                           AGENT_BUFFER_FILE, NULL);
  g_autoptr(GError) error = NULL;

  a->buffer = agent_buffer_open(path, a->opts->buffer_max, &error);
  if (!a->buffer && g_error_matches(error, AGENT_ERROR, AGENT_ERROR_CORRUPT)) {
    g_warning("%s; moving it aside to %s.corrupt", error->message, path);
    g_clear_error(&error);
    a->buffer = agent_buffer_recover(path, a->opts->buffer_max, &error);
  }
  if (!a->buffer)
    g_warning("%s; telemetry taken while the broker is unreachable will be "
              "lost", error->message);
  else if (agent_buffer_count(a->buffer) > 0)
    g_message("%u buffered telemetry samples wait for the broker",
              agent_buffer_count(a->buffer));
}

static gboolean agent_connect(Agent *a, GError **error)
{
  ArtsMqttOptions mo;
  static const ArtsMqttProp will_props[] = {
    { ARTS_PROP_CAUSE, ARTS_CAUSE_LAST_WILL },
  };
  g_autofree char *will = NULL;
  gsize will_len;

  will = agent_reg_will(&a->reg, &will_len);
  arts_config_mqtt_options(&a->opts->cfg, &mo);
  mo.client_id = a->identity.uuid;
  mo.will_topic = a->reg.topic;
  mo.will_payload = will;
  mo.will_len = will_len;
  mo.will_retain = FALSE;
  mo.will_props = will_props;
  mo.n_will_props = G_N_ELEMENTS(will_props);
  a->mqtt = arts_mqtt_new(&mo, error);
  if (!a->mqtt)
    return FALSE;
  arts_mqtt_set_connect_func(a->mqtt, agent_on_connect, a);
  arts_mqtt_set_publish_func(a->mqtt, agent_on_publish, a);
  arts_mqtt_set_message_func(a->mqtt, agent_on_message, a);
  agent_supervisor_attach(a->sup, a->mqtt);
  return arts_mqtt_start(a->mqtt, error);
}

static gboolean agent_setup(Agent *a, GError **error)
{
  const ArtsConfig *cfg = &a->opts->cfg;
  g_autoptr(ArtsTelemetry) first = NULL;
  AgentSupervisorConfig sc;

  if (!agent_identity_load(&a->identity, cfg->state_dir, error))
    return FALSE;
  agent_reg_init(&a->reg, a->opts, a->identity.uuid);
  sc.state_dir = cfg->state_dir;
  sc.realm = cfg->realm;
  sc.runtime_uuid = a->identity.uuid;
  sc.max_nmodules = a->opts->max_nmodules;
  a->sup = agent_supervisor_new(&sc, error);
  if (!a->sup)
    return FALSE;
  a->stats_topic = arts_topic(cfg->realm, ARTS_TOPIC_STATS,
                              a->identity.uuid);
  a->keepalive_topic = arts_topic(cfg->realm, ARTS_TOPIC_KEEPALIVE, NULL);
  agent_open_buffer(a);
  agent_telemetry_init(&a->telemetry, a->identity.uuid,
                       a->opts->interval_ms);
  /* Utilizations need a previous sample: take it now, so the first one
   * sent is complete. */
  first = agent_telemetry_sample(&a->telemetry, NULL);
  if (!agent_connect(a, error))
    return FALSE;
  agent_replay_init(&a->replay, a->buffer, a->mqtt, a->stats_topic);
  a->sample_id = g_timeout_add(a->opts->interval_ms, agent_sample, a);
  a->keepalive_id = g_timeout_add(AGENT_KEEPALIVE_MS, agent_keepalive, a);
  if (!agent_watch_signals(a, error))
    return FALSE;
  g_message("runtime %s (%s) starting in realm %s, state in %s",
            a->opts->name, a->identity.uuid, cfg->realm, cfg->state_dir);
  return TRUE;
}

static void agent_teardown(Agent *a)
{
  g_clear_handle_id(&a->sample_id, g_source_remove);
  g_clear_handle_id(&a->keepalive_id, g_source_remove);
  g_clear_handle_id(&a->reg_retry_id, g_source_remove);
  g_clear_handle_id(&a->signal_id, g_source_remove);
  g_clear_handle_id(&a->drain_id, g_source_remove);
  /* Before the MQTT client: modules stop and unsubscribe through it. */
  g_clear_pointer(&a->sup, agent_supervisor_free);
  if (a->signal_fd >= 0)
    close(a->signal_fd);
  a->signal_fd = -1;
  agent_replay_clear(&a->replay);
  g_clear_pointer(&a->mqtt, arts_mqtt_free);
  g_clear_pointer(&a->buffer, agent_buffer_close);
  agent_telemetry_clear(&a->telemetry);
  agent_reg_clear(&a->reg);
  agent_identity_clear(&a->identity);
  g_clear_pointer(&a->stats_topic, g_free);
  g_clear_pointer(&a->keepalive_topic, g_free);
  g_clear_pointer(&a->loop, g_main_loop_unref);
}

int agent_run(const AgentOptions *opts)
{
  Agent a = { .opts = opts, .identity.lock_fd = -1, .signal_fd = -1 };
  g_autoptr(GError) error = NULL;
  int rc = 1;

  a.loop = g_main_loop_new(NULL, FALSE);
  if (agent_setup(&a, &error)) {
    g_main_loop_run(a.loop);
    /* A clean DISCONNECT: the broker drops the last will. */
    arts_mqtt_disconnect_sync(a.mqtt, AGENT_DISCONNECT_MS);
    g_message("stopped");
    rc = 0;
  } else {
    g_printerr("arts-agent: %s\n", error->message);
  }
  agent_teardown(&a);
  return rc;
}
