/* test-dashboard: the real dashboard, in-process, against a real realm.
 *
 * tests/gui/dashboard.py starts mosquitto, arts-orchestrator and three
 * arts-agents, then runs this under Xvfb. It builds the real application
 * (the same objects arts-dashboard links), opens the realm through the
 * real command line (--broker, --realm) and checks what a user would see
 * by walking the widget tree: a card per runtime with its name, an Online
 * badge, a CPU figure; the runtime page with live charts and the
 * orchestrator's history; a killed agent's card turning Offline and dimmed;
 * the death in the events list; and a realm of 1,000 runtimes drawn with
 * a bounded number of recycled cards. Screenshots of each step are kept.
 *
 * Decision (docs/dashboard.md): an in-process test rather than a debug
 * hook in the shipped binary; g_test_init() makes every GLib/GTK warning
 * and critical fatal, so a warning fails the test.
 *
 * Environment: ARTS_TEST_BROKER, ARTS_TEST_REALM, ARTS_TEST_RUNTIMES (names,
 * comma-separated), ARTS_TEST_VICTIM (one of them), ARTS_TEST_KILL_CMD (a
 * shell command that kills the victim's agent), ARTS_TEST_ARTIFACTS (a
 * folder for screenshots), ARTS_TEST_HISTORY (1: an orchestrator answers
 * history queries), ARTS_TEST_BROKER_STOP_CMD and ARTS_TEST_BROKER_START_CMD
 * (stop the broker; start it again on the same port), ARTS_TEST_ARCH (what
 * every card's architecture caption must say for this machine, e.g.
 * "x86_64 · 64-bit · little-endian", worked out by the Python side). */
#include "arts-application.h"
#include "arts-connection-dialog.h"
#include "arts-preferences-window.h"
#include "arts-chart.h"
#include "arts-event-item.h"
#include "arts-events-page.h"
#include "arts-module-chip.h"
#include "arts-module-item.h"
#include "arts-module-page.h"
#include "arts-realm-model-private.h"
#include "arts-runtime-card.h"
#include "arts-runtime-page.h"
#include "arts-start-dialog.h"
#include "arts-window.h"

#include <glib/gstdio.h>
#include <string.h>

#define WAIT_S 30

static void check_module_page(const char *first, const char *runtime);

static const char *
env(const char *name)
{
  const char *v = g_getenv(name);

  if (!v || !*v)
    g_error("%s is not set (run tests/gui/dashboard.py)", name);
  return v;
}

/* Runs the main loop for MS milliseconds. */
static void
spin(guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * 1000;

  while (g_get_monotonic_time() < end) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(2000);
  }
}

typedef gboolean (*Cond)(gpointer data);

/* Spins until COND holds; FALSE after SECONDS. */
static gboolean
wait_long(Cond cond, gpointer data, int seconds)
{
  gint64 end = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;

  while (!cond(data)) {
    if (g_get_monotonic_time() > end)
      return FALSE;
    spin(20);
  }
  return TRUE;
}

/* Spins until COND holds; FALSE after WAIT_S seconds. */
static gboolean
wait_until(Cond cond, gpointer data)
{
  gint64 end = g_get_monotonic_time() + WAIT_S * G_USEC_PER_SEC;

  while (!cond(data)) {
    if (g_get_monotonic_time() > end)
      return FALSE;
    spin(20);
  }
  return TRUE;
}

static void
screenshot(const char *name)
{
  g_autofree char *path = g_build_filename(env("ARTS_TEST_ARTIFACTS"), name,
                                           NULL);
  g_autofree char *cmd = g_strdup_printf("import -window root '%s'", path);
  g_autoptr(GError) error = NULL;
  int status;

  spin(400); /* let the last frame reach the X server */
  g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status,
                                          &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
  g_test_message("screenshot: %s", path);
}

/* ---- the widget tree ---- */

static void
collect(GtkWidget *w, GType type, GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE(w, type))
    g_ptr_array_add(out, w);
  for (GtkWidget *c = gtk_widget_get_first_child(w); c;
       c = gtk_widget_get_next_sibling(c))
    collect(c, type, out);
}

static GPtrArray *
find_all(GtkWidget *root, GType type)
{
  GPtrArray *out = g_ptr_array_new();

  collect(root, type, out);
  return out;
}

static GtkWidget *
find_one(GtkWidget *root, GType type)
{
  g_autoptr(GPtrArray) all = find_all(root, type);

  return all->len ? all->pdata[0] : NULL;
}

/* The first label under ROOT with CSS class CLS. */
static GtkLabel *
label_with_class(GtkWidget *root, const char *cls)
{
  g_autoptr(GPtrArray) labels = find_all(root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++) {
    if (gtk_widget_has_css_class(labels->pdata[i], cls))
      return labels->pdata[i];
  }
  return NULL;
}

/* The first widget under ROOT with CSS class CLS. */
static GtkWidget *
widget_with_class(GtkWidget *root, const char *cls)
{
  g_autoptr(GPtrArray) all = find_all(root, GTK_TYPE_WIDGET);

  for (guint i = 0; i < all->len; i++) {
    if (gtk_widget_has_css_class(all->pdata[i], cls))
      return all->pdata[i];
  }
  return NULL;
}

/* The preferences group under ROOT whose description is TEXT. */
static AdwPreferencesGroup *
group_described(GtkWidget *root, const char *text)
{
  g_autoptr(GPtrArray) groups = find_all(root, ADW_TYPE_PREFERENCES_GROUP);

  for (guint i = 0; i < groups->len; i++) {
    if (g_strcmp0(adw_preferences_group_get_description(groups->pdata[i]),
                  text) == 0)
      return groups->pdata[i];
  }
  return NULL;
}

static ArtsWindow *
the_window(void)
{
  GApplication *app = g_application_get_default();
  GtkWindow *w = gtk_application_get_active_window(GTK_APPLICATION(app));

  return w ? ARTS_WINDOW(w) : NULL;
}

/* The mapped card showing the runtime called NAME, or NULL. */
static ArtsRuntimeCard *
card_for(const char *name)
{
  ArtsWindow *win = the_window();
  g_autoptr(GPtrArray) cards = NULL;

  if (!win)
    return NULL;
  cards = find_all(GTK_WIDGET(win), ARTS_TYPE_RUNTIME_CARD);
  for (guint i = 0; i < cards->len; i++) {
    ArtsRuntimeItem *it = arts_runtime_card_get_item(cards->pdata[i]);

    if (it && gtk_widget_get_mapped(cards->pdata[i]) &&
        g_strcmp0(arts_runtime_item_get_name(it), name) == 0)
      return cards->pdata[i];
  }
  return NULL;
}

static const char *
badge_of(ArtsRuntimeCard *card)
{
  GtkLabel *badge = label_with_class(GTK_WIDGET(card), "status-badge");

  return badge ? gtk_label_get_label(badge) : NULL;
}

/* ---- conditions ---- */

/* Every runtime of NAMES has a card that says Online and shows a CPU
 * figure (a percentage, so telemetry arrived). */
static gboolean
all_online(gpointer data)
{
  char **names = data;

  for (guint i = 0; names[i]; i++) {
    ArtsRuntimeCard *card = card_for(names[i]);
    g_autoptr(GPtrArray) labels = NULL;
    gboolean has_cpu = FALSE;

    if (!card || g_strcmp0(badge_of(card), "Online") != 0 ||
        gtk_widget_has_css_class(GTK_WIDGET(card), "dead"))
      return FALSE;
    labels = find_all(GTK_WIDGET(card), GTK_TYPE_LABEL);
    for (guint j = 0; j < labels->len; j++) {
      const char *t = gtk_label_get_label(labels->pdata[j]);

      has_cpu |= gtk_widget_has_css_class(labels->pdata[j], "numeric") &&
                 g_str_has_suffix(t, "%");
    }
    if (!has_cpu)
      return FALSE;
  }
  return TRUE;
}

/* The card's architecture caption, when shown. */
static const char *
arch_of(ArtsRuntimeCard *card)
{
  GtkLabel *l = label_with_class(GTK_WIDGET(card), "arch-label");

  return l && gtk_widget_get_visible(GTK_WIDGET(l)) ? gtk_label_get_label(l)
                                                    : NULL;
}

/* Every card says this machine's architecture under its name. */
static void
check_arch_captions(char **names)
{
  const char *want = env("ARTS_TEST_ARCH");

  for (guint i = 0; names[i]; i++) {
    ArtsRuntimeCard *card = card_for(names[i]);
    GtkLabel *l = label_with_class(GTK_WIDGET(card), "arch-label");

    g_assert_cmpstr(arch_of(card), ==, want);
    /* Small and under the name: drawn, not ellipsized away. */
    g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(l)));
    g_assert_cmpint(gtk_widget_get_width(GTK_WIDGET(l)), >, 0);
  }
}

static gboolean
is_dead(gpointer data)
{
  ArtsRuntimeCard *card = card_for(data);

  return card && gtk_widget_has_css_class(GTK_WIDGET(card), "dead") &&
         g_strcmp0(badge_of(card), "Offline") == 0;
}

static gboolean
sparklines_drawn(gpointer data)
{
  ArtsRuntimeCard *card = card_for(data);
  ArtsChart *chart = card ? ARTS_CHART(find_one(GTK_WIDGET(card),
                                                ARTS_TYPE_CHART))
                          : NULL;

  return chart && arts_chart_get_series(chart) &&
         arts_series_get_n_samples(arts_chart_get_series(chart)) >= 3;
}

static gboolean
history_shown(gpointer data)
{
  ArtsRuntimePage *page = data;
  GtkStack *stack = NULL;
  g_autoptr(GPtrArray) stacks = find_all(GTK_WIDGET(page), GTK_TYPE_STACK);

  for (guint i = 0; i < stacks->len; i++) {
    if (gtk_stack_get_child_by_name(stacks->pdata[i], "charts"))
      stack = stacks->pdata[i];
  }
  g_assert_nonnull(stack);
  return g_strcmp0(gtk_stack_get_visible_child_name(stack), "charts") == 0;
}

static gboolean
death_listed(gpointer data)
{
  ArtsEventsPage *page = ARTS_EVENTS_PAGE(find_one(GTK_WIDGET(the_window()),
                                                   ARTS_TYPE_EVENTS_PAGE));
  GListModel *shown = arts_events_page_get_shown(page);

  for (guint i = 0; i < g_list_model_get_n_items(shown); i++) {
    g_autoptr(ArtsEventItem) e = g_list_model_get_item(shown, i);

    /* A killed agent's last will is a reg delete, which the orchestrator
     * cannot tell from a goodbye: it may report either. */
    const char *ev = arts_event_item_get_event(e);

    if ((g_str_equal(ev, "runtime_died") || g_str_equal(ev, "runtime_left")) &&
        g_strcmp0(arts_event_item_get_name(e), data) == 0)
      return TRUE;
  }
  return FALSE;
}

static gboolean
have_window(gpointer data)
{
  return the_window() != NULL &&
         gtk_widget_get_mapped(GTK_WIDGET(the_window()));
}

/* ---- dialogs, style, reconnecting ---- */

static GtkWindow *
toplevel_of_type(GType type)
{
  GListModel *tops = gtk_window_get_toplevels();

  for (guint i = 0; i < g_list_model_get_n_items(tops); i++) {
    g_autoptr(GtkWindow) w = g_list_model_get_item(tops, i);

    if (G_TYPE_CHECK_INSTANCE_TYPE(w, type) &&
        gtk_widget_get_mapped(GTK_WIDGET(w)))
      return w;
  }
  return NULL;
}

static gboolean
toplevel_shown(gpointer type)
{
  return toplevel_of_type(GPOINTER_TO_SIZE(type)) != NULL;
}

/* Opens a dialog through ACTION, checks it appears, keeps a picture. */
static void
check_dialog(const char *action, GType type, const char *shot)
{
  GtkWindow *dialog;

  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()), action,
                                           NULL));
  g_assert_true(wait_until(toplevel_shown, GSIZE_TO_POINTER(type)));
  dialog = toplevel_of_type(type);
  g_assert_true(gtk_window_get_transient_for(dialog) ==
                GTK_WINDOW(the_window()));
  screenshot(shot);
  gtk_window_destroy(dialog);
  spin(200);
}

static void
check_dialogs(void)
{
  check_dialog("app.preferences", ARTS_TYPE_PREFERENCES_WINDOW,
               "preferences.png");
  check_dialog("app.about", ADW_TYPE_ABOUT_WINDOW, "about.png");
  check_dialog("win.show-help-overlay", GTK_TYPE_SHORTCUTS_WINDOW,
               "shortcuts.png");
  check_dialog("win.add-connection", ARTS_TYPE_CONNECTION_DIALOG,
               "add-realm.png");
}

static gboolean
is_dark(gpointer data)
{
  return adw_style_manager_get_dark(adw_style_manager_get_default()) ==
         GPOINTER_TO_INT(data);
}

/* The style preference reaches AdwStyleManager. */
static void
check_dark_style(void)
{
  g_autoptr(GSettings) settings = g_settings_new(ARTS_APPLICATION_ID);

  g_settings_set_string(settings, "color-scheme", "dark");
  g_assert_true(wait_until(is_dark, GINT_TO_POINTER(TRUE)));
  screenshot("overview-dark.png");
  g_settings_set_string(settings, "color-scheme", "follow");
  g_assert_true(wait_until(is_dark, GINT_TO_POINTER(FALSE)));
}

/* The header's state label says TEXT. */
static gboolean
status_says(gpointer text)
{
  g_autoptr(GPtrArray) boxes = find_all(GTK_WIDGET(the_window()),
                                        GTK_TYPE_BOX);

  for (guint i = 0; i < boxes->len; i++) {
    GtkLabel *l;

    if (!gtk_widget_has_css_class(boxes->pdata[i], "connection-status"))
      continue;
    l = label_with_class(boxes->pdata[i], "caption");
    return l && g_str_equal(gtk_label_get_label(l), text);
  }
  return FALSE;
}

static void
run(const char *var)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true(g_spawn_command_line_sync(env(var), NULL, NULL, &status,
                                          &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* The broker goes away and comes back: the header says so, the banner
 * shows, and the realm returns without the user doing anything. */
static void
check_reconnect(char **names, const char *victim)
{
  GtkRevealer *banner = NULL;
  g_autoptr(GPtrArray) revealers = find_all(GTK_WIDGET(the_window()),
                                            GTK_TYPE_REVEALER);
  g_auto(GStrv) alive = g_new0(char *, g_strv_length(names) + 1);
  guint n = 0;

  for (guint i = 0; i < revealers->len; i++) {
    if (label_with_class(revealers->pdata[i], "offline-banner"))
      banner = revealers->pdata[i];
  }
  g_assert_nonnull(banner);
  g_assert_false(gtk_revealer_get_reveal_child(banner));
  run("ARTS_TEST_BROKER_STOP_CMD");
  g_assert_true(wait_until(status_says, "Connecting…"));
  g_assert_true(gtk_revealer_get_reveal_child(banner));
  screenshot("reconnecting.png");
  run("ARTS_TEST_BROKER_START_CMD");
  g_assert_true(wait_until(status_says, "Connected"));
  g_assert_false(gtk_revealer_get_reveal_child(banner));
  for (guint i = 0; names[i]; i++) {
    if (!g_str_equal(names[i], victim))
      alive[n++] = g_strdup(names[i]);
  }
  g_assert_true(wait_until(all_online, alive));
}

/* ---- connections ---- */

static gboolean
realm_open(gpointer realm)
{
  ArtsRealmModel *m = arts_window_get_model(the_window());

  return m && g_str_equal(arts_realm_model_get_realm(m), realm) &&
         arts_realm_model_get_state(m) == ARTS_CONNECTION_CONNECTED;
}

static void
set_row_text(GtkWidget *dialog, const char *title, const char *text)
{
  g_autoptr(GPtrArray) rows = find_all(dialog, ADW_TYPE_ENTRY_ROW);

  for (guint i = 0; i < rows->len; i++) {
    if (g_str_equal(adw_preferences_row_get_title(rows->pdata[i]), title)) {
      gtk_editable_set_text(GTK_EDITABLE(rows->pdata[i]), text);
      return;
    }
  }
  g_error("no entry row called %s", title);
}

static gboolean
welcome_shown(gpointer data)
{
  g_autoptr(GPtrArray) stacks = find_all(GTK_WIDGET(the_window()),
                                         GTK_TYPE_STACK);

  for (guint i = 0; i < stacks->len; i++) {
    if (gtk_stack_get_child_by_name(stacks->pdata[i], "welcome"))
      return g_strcmp0(gtk_stack_get_visible_child_name(stacks->pdata[i]),
                       "welcome") == 0;
  }
  return FALSE;
}

/* Add Realm: the connection lands in GSettings without its password, the
 * password in a file only its owner reads; closing the realm shows it on
 * the welcome page, from where it opens again. */
static void
check_connections(char **names, const char *victim)
{
  g_autoptr(GSettings) settings = g_settings_new(ARTS_APPLICATION_ID);
  g_autoptr(GVariant) saved = NULL;
  g_autofree char *printed = NULL, *secrets = NULL, *contents = NULL;
  g_autofree char *id = NULL;
  GtkWindow *dialog;
  GtkListBox *list = NULL;
  g_autoptr(GPtrArray) lists = NULL;
  GStatBuf st;

  arts_window_open_realm(the_window(), env("ARTS_TEST_BROKER"), "elsewhere",
                         NULL, NULL, NULL, NULL);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.add-connection", NULL));
  g_assert_true(wait_until(toplevel_shown,
                           GSIZE_TO_POINTER(ARTS_TYPE_CONNECTION_DIALOG)));
  dialog = toplevel_of_type(ARTS_TYPE_CONNECTION_DIALOG);
  set_row_text(GTK_WIDGET(dialog), "Broker URL", env("ARTS_TEST_BROKER"));
  set_row_text(GTK_WIDGET(dialog), "Realm", env("ARTS_TEST_REALM"));
  set_row_text(GTK_WIDGET(dialog), "Username", "operator");
  set_row_text(GTK_WIDGET(dialog), "Password", "s3cret-pw");
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(dialog),
                                           "dialog.connect", NULL));
  g_assert_true(wait_until(realm_open, (gpointer)env("ARTS_TEST_REALM")));
  g_assert_null(toplevel_of_type(ARTS_TYPE_CONNECTION_DIALOG));

  id = g_strdup_printf("%s@%s", env("ARTS_TEST_REALM"),
                       env("ARTS_TEST_BROKER"));
  saved = g_settings_get_value(settings, "connections");
  printed = g_variant_print(saved, FALSE);
  g_assert_nonnull(strstr(printed, env("ARTS_TEST_BROKER")));
  g_assert_nonnull(strstr(printed, "operator"));
  g_assert_null(strstr(printed, "s3cret-pw"));
  g_assert_cmpstr(g_settings_get_string(settings, "last-connection"), ==,
                  id);
  secrets = g_build_filename(g_get_user_config_dir(), "arts-dashboard",
                             "secrets", NULL);
  g_assert_cmpint(g_stat(secrets, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_true(g_file_get_contents(secrets, &contents, NULL, NULL));
  g_assert_nonnull(strstr(contents, "s3cret-pw"));

  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.disconnect", NULL));
  g_assert_true(wait_until(welcome_shown, NULL));
  g_assert_null(arts_window_get_model(the_window()));
  lists = find_all(GTK_WIDGET(the_window()), GTK_TYPE_LIST_BOX);
  for (guint i = 0; i < lists->len; i++) {
    if (gtk_widget_has_css_class(lists->pdata[i], "boxed-list") &&
        gtk_widget_get_mapped(lists->pdata[i]))
      list = lists->pdata[i];
  }
  g_assert_nonnull(list);
  spin(300);
  screenshot("welcome.png");
  g_assert_nonnull(gtk_list_box_get_row_at_index(list, 0));
  g_assert_null(gtk_list_box_get_row_at_index(list, 1));
  g_signal_emit_by_name(gtk_list_box_get_row_at_index(list, 0), "activate");
  g_assert_true(wait_until(realm_open, (gpointer)env("ARTS_TEST_REALM")));
  /* The realm is back, whole: everyone but the victim online again. */
  {
    g_auto(GStrv) alive = g_new0(char *, g_strv_length(names) + 1);
    guint n = 0;

    for (guint i = 0; names[i]; i++) {
      if (!g_str_equal(names[i], victim))
        alive[n++] = g_strdup(names[i]);
    }
    g_assert_true(wait_until(all_online, alive));
    g_assert_true(wait_until(is_dead, (gpointer)victim));
  }
}

/* The search entry and the kind filter narrow the events list. */
static void
check_event_filters(const char *victim)
{
  GtkWidget *page = find_one(GTK_WIDGET(the_window()),
                             ARTS_TYPE_EVENTS_PAGE);
  GListModel *shown = arts_events_page_get_shown(ARTS_EVENTS_PAGE(page));
  GtkEditable *search = GTK_EDITABLE(find_one(page, GTK_TYPE_SEARCH_ENTRY));
  GtkDropDown *kind = GTK_DROP_DOWN(find_one(page, GTK_TYPE_DROP_DOWN));
  guint all = g_list_model_get_n_items(shown);

  g_assert_cmpuint(all, >=, 2); /* the victim's, and our connection */
  gtk_editable_set_text(search, victim);
  spin(400); /* the search entry's delay */
  g_assert_cmpuint(g_list_model_get_n_items(shown), >=, 1);
  g_assert_cmpuint(g_list_model_get_n_items(shown), <, all);
  for (guint i = 0; i < g_list_model_get_n_items(shown); i++) {
    g_autoptr(ArtsEventItem) e = g_list_model_get_item(shown, i);

    g_assert_cmpstr(arts_event_item_get_name(e), ==, victim);
  }
  screenshot("events-search.png");
  gtk_editable_set_text(search, "");
  spin(400);
  gtk_drop_down_set_selected(kind, 3); /* Connection */
  g_assert_cmpuint(g_list_model_get_n_items(shown), >=, 1);
  for (guint i = 0; i < g_list_model_get_n_items(shown); i++) {
    g_autoptr(ArtsEventItem) e = g_list_model_get_item(shown, i);

    g_assert_cmpint(arts_event_item_get_category(e), ==,
                    ARTS_EVENT_CATEGORY_CONNECTION);
  }
  gtk_drop_down_set_selected(kind, 0);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, all);
}

/* ---- modules: chips, their menu, drag to migrate ---- */

#define TEST_MODULE "7e57c0de-0000-4000-8000-00000000c0de"

static ArtsModuleChip *
chip_on(const char *runtime)
{
  ArtsRuntimeCard *card = card_for(runtime);

  return card ? ARTS_MODULE_CHIP(find_one(GTK_WIDGET(card),
                                          ARTS_TYPE_MODULE_CHIP))
              : NULL;
}

static gboolean
chip_shown(gpointer runtime)
{
  ArtsModuleChip *chip = chip_on(runtime);

  return chip && gtk_widget_get_mapped(GTK_WIDGET(chip));
}

/* A toast whose text mentions TEXT is on screen. */
static gboolean
toast_says(gpointer text)
{
  g_autoptr(GPtrArray) labels = find_all(GTK_WIDGET(the_window()),
                                         GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++) {
    GtkWidget *w = labels->pdata[i];

    if (!strstr(gtk_label_get_label(GTK_LABEL(w)), text))
      continue;
    for (; w; w = gtk_widget_get_parent(w)) {
      if (g_str_equal(gtk_widget_get_css_name(w), "toast"))
        return TRUE;
    }
  }
  return FALSE;
}

static gboolean
not_moving(gpointer chip)
{
  return !gtk_widget_has_css_class(chip, "moving");
}

/* A module as the orchestrator's retained state shows it (injected into the
 * model: the orchestrator of this realm knows no such module): its chip
 * appears on its runtime's card, its menu offers the other live runtimes,
 * and dropping it on another card sends the migration request, shows the
 * chip as moving, and ends in a toast that says what the orchestrator
 * answered. */
static void
check_module_chip(char **names)
{
  ArtsRealmModel *model = arts_window_get_model(the_window());
  ArtsRuntimeItem *from = arts_runtime_card_get_item(card_for(names[0]));
  ArtsRuntimeCard *to = card_for(names[2]);
  g_autofree char *topic = g_strdup_printf("%s/proc/state/module/%s",
                                           env("ARTS_TEST_REALM"),
                                           TEST_MODULE);
  g_autofree char *msg = g_strdup_printf(
      "{\"object_id\":\"0e1f2a3b-4c5d-4e6f-9a7b-8c9d0e1f2a3b\","
      "\"action\":\"update\",\"type\":\"arts_resp\",\"data\":{"
      "\"type\":\"module\",\"uuid\":\"" TEST_MODULE "\","
      "\"name\":\"counter\",\"parent\":\"%s\",\"filename\":"
      "\"counter.wasm\",\"filetype\":\"WA\",\"apis\":[\"wasm\","
      "\"wasi\"],\"args\":[],\"env\":[],\"channels\":[],"
      "\"peripherals\":[],\"resources\":null,\"fault_crash\":"
      "\"ignore\",\"status\":\"A\",\"state\":\"running\","
      "\"migrations\":0}}", arts_runtime_item_get_uuid(from));
  g_autoptr(GError) error = NULL;
  ArtsModuleChip *chip;
  GtkDropTarget *drop = NULL;
  GValue value = G_VALUE_INIT;
  GtkWidget *popover;
  GListModel *controllers;
  gboolean dropped = FALSE;

  g_assert_true(arts_realm_model_handle_message(model, topic,
      (const guint8 *)msg, strlen(msg), &error));
  g_assert_no_error(error);
  g_assert_true(wait_until(chip_shown, names[0]));
  chip = chip_on(names[0]);
  g_assert_cmpstr(arts_module_item_get_name(arts_module_chip_get_item(chip)),
                  ==, "counter");

  /* The menu: Move to … every other live runtime. */
  arts_module_chip_popup_menu(chip);
  spin(300);
  popover = find_one(GTK_WIDGET(chip), GTK_TYPE_POPOVER_MENU);
  g_assert_nonnull(popover);
  g_assert_true(gtk_widget_get_mapped(popover));
  screenshot("module-menu.png");
  gtk_popover_popdown(GTK_POPOVER(popover));
  spin(300);

  /* Drop it on the third runtime's card, as GTK does at the end of a
   * drag (the xdotool drag needs the programs issue's orchestrator). */
  controllers = gtk_widget_observe_controllers(GTK_WIDGET(to));
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GObject) c = g_list_model_get_item(controllers, i);

    if (GTK_IS_DROP_TARGET(c))
      drop = GTK_DROP_TARGET(c);
  }
  g_object_unref(controllers);
  g_assert_nonnull(drop);
  g_value_init(&value, G_TYPE_STRING);
  g_value_set_string(&value, TEST_MODULE);
  g_signal_emit_by_name(drop, "drop", &value, 10.0, 10.0, &dropped);
  g_value_unset(&value);
  g_assert_true(dropped);
  g_assert_true(arts_module_item_get_moving(arts_module_chip_get_item(chip)));
  g_assert_true(gtk_widget_has_css_class(GTK_WIDGET(chip), "moving"));
  screenshot("module-moving.png");
  /* The orchestrator answers (it knows no such module) or, without module
   * support, the request times out: either way a toast tells. */
  g_assert_true(wait_long(toast_says, "counter", 75));
  g_assert_true(not_moving(chip));
  screenshot("module-toast.png");

  /* Its state cleared: the chip goes. */
  g_assert_true(arts_realm_model_handle_message(model, topic, NULL, 0,
                                                &error));
  g_assert_no_error(error);
  spin(200);
  g_assert_null(chip_on(names[0]));
}

/* Start a Program: the dialog uploads a real .wasm by its hash and asks
 * the real orchestrator; the answer (a start, or the reason it refused)
 * reaches the user: a toast, or the dialog's error line. */
static gboolean
start_answered(gpointer data)
{
  GtkWindow *dialog = toplevel_of_type(ARTS_TYPE_START_DIALOG);
  GtkLabel *error;

  if (!dialog)
    return toast_says("hello started on");
  error = label_with_class(GTK_WIDGET(dialog), "error");
  return error && gtk_widget_get_visible(GTK_WIDGET(error)) &&
         *gtk_label_get_label(error);
}

static void
check_start_dialog(void)
{
  g_autofree char *wasm = g_build_filename(env("ARTS_SOURCE_DIR"), "tests",
                                           "wasm", "corpus", "hello.wasm",
                                           NULL);
  g_autoptr(GFile) file = g_file_new_for_path(wasm);
  GtkWindow *dialog;
  GtkLabel *error;

  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.start-module", NULL));
  g_assert_true(wait_until(toplevel_shown,
                           GSIZE_TO_POINTER(ARTS_TYPE_START_DIALOG)));
  dialog = toplevel_of_type(ARTS_TYPE_START_DIALOG);
  arts_start_dialog_set_file(ARTS_START_DIALOG(dialog), file);
  screenshot("start.png");
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(dialog),
                                           "dialog.start", NULL));
  g_assert_true(wait_long(start_answered, NULL, 75));
  dialog = toplevel_of_type(ARTS_TYPE_START_DIALOG);
  if (dialog) {
    error = label_with_class(GTK_WIDGET(dialog), "error");
    g_test_message("the orchestrator refused: %s",
                   gtk_label_get_label(error));
    screenshot("start-refused.png");
    gtk_window_destroy(dialog);
  } else {
    g_test_message("started");
  }
  spin(200);
}

/* ---- a real drag with xdotool ---- */

typedef struct {
  gboolean done;
  gboolean saw_highlight;  /* the target card lit up during the drag */
  gboolean saw_dragged;    /* the chip showed it was being dragged */
  ArtsRuntimeCard *target;
  ArtsModuleChip *chip;
} Drag;

static void
on_xdotool_done(GPid pid, int status, gpointer data)
{
  Drag *d = data;

  g_spawn_close_pid(pid);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  d->done = TRUE;
}

/* The centre of W in root coordinates (no window manager under Xvfb: the
 * window sits at the origin). */
static void
centre(GtkWidget *w, int *x, int *y)
{
  graphene_point_t p;

  g_assert_true(gtk_widget_compute_point(w, GTK_WIDGET(the_window()),
      &GRAPHENE_POINT_INIT(gtk_widget_get_width(w) / 2.f,
                           gtk_widget_get_height(w) / 2.f), &p));
  *x = (int)p.x;
  *y = (int)p.y;
}

/* Presses on the chip, moves a little (a drag starts only with motion
 * after the press), moves onto the card, one more pixel, and lets go,
 * while this process keeps handling the events. */
static void
xdotool_drag(ArtsModuleChip *chip, ArtsRuntimeCard *target, Drag *d)
{
  int x, y, tx, ty;
  g_autofree char *script = NULL;
  char *argv[] = { "sh", "-c", NULL, NULL };
  g_autoptr(GError) error = NULL;
  GPid pid;

  centre(GTK_WIDGET(chip), &x, &y);
  centre(GTK_WIDGET(target), &tx, &ty);
  script = g_strdup_printf(
      "xdotool mousemove %d %d && sleep 0.3 && xdotool mousedown 1 && "
      "sleep 0.3 && xdotool mousemove %d %d && sleep 0.3 && "
      "xdotool mousemove %d %d && sleep 0.3 && xdotool mousemove %d %d && "
      "sleep 0.5 && xdotool mouseup 1 && sleep 0.2 && "
      "xdotool mousemove 1399 899",
      x, y, x + 10, y + 6, tx, ty, tx + 1, ty + 1);
  argv[2] = script;
  /* Held: the chip goes away as soon as the module has moved. */
  d->chip = g_object_ref(chip);
  d->target = g_object_ref(target);
  g_assert_true(g_spawn_async(NULL, argv, NULL,
                              G_SPAWN_SEARCH_PATH |
                              G_SPAWN_DO_NOT_REAP_CHILD,
                              NULL, NULL, &pid, &error));
  g_assert_no_error(error);
  g_child_watch_add(pid, on_xdotool_done, d);
  while (!d->done) {
    spin(10);
    d->saw_highlight |= gtk_widget_has_css_class(GTK_WIDGET(target),
                                                 "drop-target");
    d->saw_dragged |= gtk_widget_has_css_class(GTK_WIDGET(chip), "dragged");
  }
  g_clear_object(&d->chip);
  g_clear_object(&d->target);
}

static gboolean
named_chip_on(const char *runtime, const char *module)
{
  ArtsRuntimeCard *card = card_for(runtime);
  g_autoptr(GPtrArray) chips = card ? find_all(GTK_WIDGET(card),
                                               ARTS_TYPE_MODULE_CHIP)
                                    : NULL;

  for (guint i = 0; chips && i < chips->len; i++) {
    if (g_str_equal(arts_module_item_get_name(
                        arts_module_chip_get_item(chips->pdata[i])), module) &&
        gtk_widget_get_mapped(chips->pdata[i]))
      return TRUE;
  }
  return FALSE;
}

static gboolean
ticker_on_first(gpointer names)
{
  return named_chip_on(((char **)names)[0], "ticker");
}

static gboolean
ticker_on_third(gpointer names)
{
  return named_chip_on(((char **)names)[2], "ticker");
}

static ArtsModuleChip *
named_chip(const char *runtime, const char *module)
{
  g_autoptr(GPtrArray) chips = find_all(GTK_WIDGET(card_for(runtime)),
                                        ARTS_TYPE_MODULE_CHIP);

  for (guint i = 0; i < chips->len; i++) {
    if (g_str_equal(arts_module_item_get_name(
                        arts_module_chip_get_item(chips->pdata[i])), module))
      return chips->pdata[i];
  }
  return NULL;
}

static gboolean
ticker_gone(gpointer runtime)
{
  return !named_chip_on(runtime, "ticker");
}

/* Stop, from the chip's menu: a confirmation first, then the orchestrator
 * stops it, a toast says so and the chip leaves the card. */
static void
check_stop(const char *runtime)
{
  ArtsModuleChip *chip = named_chip(runtime, "ticker");
  AdwMessageDialog *confirm;

  g_assert_nonnull(chip);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(chip),
      "win.stop-module", "s",
      arts_module_item_get_uuid(arts_module_chip_get_item(chip))));
  g_assert_true(wait_until(toplevel_shown,
                           GSIZE_TO_POINTER(ADW_TYPE_MESSAGE_DIALOG)));
  confirm = ADW_MESSAGE_DIALOG(toplevel_of_type(ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr(adw_message_dialog_get_heading(confirm), ==,
                  "Stop ticker?");
  g_assert_cmpint(adw_message_dialog_get_response_appearance(confirm,
                      "stop"), ==, ADW_RESPONSE_DESTRUCTIVE);
  screenshot("stop-confirm.png");
  adw_message_dialog_response(confirm, "stop");
  gtk_window_destroy(GTK_WINDOW(confirm));
  g_assert_true(wait_long(toast_says, "ticker stopped", 75));
  g_assert_true(wait_until(ticker_gone, (gpointer)runtime));
  g_print("STOPPED: ticker\n");
}

static gboolean
ticker_answered(gpointer data)
{
  GtkWindow *dialog = toplevel_of_type(ARTS_TYPE_START_DIALOG);
  GtkLabel *error;

  if (!dialog)
    return toast_says("ticker started on");
  error = label_with_class(GTK_WIDGET(dialog), "error");
  return error && gtk_widget_get_visible(GTK_WIDGET(error));
}

/* Starts a program that counts forever on the first runtime (Start dialog,
 * runtime chosen), then drags its chip onto the third runtime's card with
 * the real pointer: the card lights up, the chip shows it is moving, the
 * orchestrator migrates it, a toast gives the downtime, the chip is on the
 * third card. The harness then checks the realm's own record. */
static void
check_drag_to_migrate(char **names)
{
  g_autofree char *wasm = g_build_filename(env("ARTS_BUILD_DIR"), "tests",
                                           "agent", "tool.wasm", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(wasm);
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *moved = NULL;
  GtkWindow *dialog;
  AdwComboRow *where = NULL;
  GListModel *choices;
  Drag d = { 0 };

  if (!g_file_test(wasm, G_FILE_TEST_EXISTS)) {
    g_test_message("no %s: drag-to-migrate not checked", wasm);
    return;
  }
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.start-module", NULL));
  g_assert_true(wait_until(toplevel_shown,
                           GSIZE_TO_POINTER(ARTS_TYPE_START_DIALOG)));
  dialog = toplevel_of_type(ARTS_TYPE_START_DIALOG);
  arts_start_dialog_set_file(ARTS_START_DIALOG(dialog), file);
  set_row_text(GTK_WIDGET(dialog), "Name", "ticker");
  set_row_text(GTK_WIDGET(dialog), "Arguments", "count 0 300");
  rows = find_all(GTK_WIDGET(dialog), ADW_TYPE_COMBO_ROW);
  where = rows->pdata[0];
  choices = adw_combo_row_get_model(where);
  for (guint i = 0; i < g_list_model_get_n_items(choices); i++) {
    if (g_str_equal(gtk_string_list_get_string(GTK_STRING_LIST(choices), i),
                    names[0]))
      adw_combo_row_set_selected(where, i);
  }
  g_assert_cmpuint(adw_combo_row_get_selected(where), >, 0);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(dialog),
                                           "dialog.start", NULL));
  g_assert_true(wait_long(ticker_answered, NULL, 75));
  dialog = toplevel_of_type(ARTS_TYPE_START_DIALOG);
  if (dialog) {
    /* An orchestrator without the programs issue: nothing to move. */
    g_test_message("drag-to-migrate not checked: the orchestrator refused "
                   "to start: %s", gtk_label_get_label(
                       label_with_class(GTK_WIDGET(dialog), "error")));
    gtk_window_destroy(dialog);
    return;
  }
  g_assert_true(wait_until(ticker_on_first, names));
  spin(1500); /* let it print a few lines first */
  screenshot("ticker.png");

  xdotool_drag(named_chip(names[0], "ticker"), card_for(names[2]), &d);
  g_assert_true(d.saw_dragged);
  g_assert_true(d.saw_highlight);
  moved = g_strdup_printf("ticker moved to %s", names[2]);
  g_assert_true(wait_long(toast_says, moved, 75));
  g_assert_true(toast_says("ms downtime"));
  screenshot("migrated.png");
  g_assert_true(wait_until(ticker_on_third, names));
  g_assert_false(named_chip_on(names[0], "ticker"));
  /* Read by dashboard.py, which then checks the realm's own record. */
  g_print("DRAG-TO-MIGRATE: ticker moved to %s\n", names[2]);
  check_module_page(names[0], names[2]);
  check_stop(names[2]);
}

/* ---- a module's page ---- */

static gboolean
console_has_lines(gpointer page)
{
  g_autofree char *text = arts_module_page_dup_console(page);
  guint lines = 0;

  for (const char *c = text; *c; c++)
    lines += *c == '\n';
  return lines >= 5;
}

/* The migrations the page lists, as "from → to" titles. */
static GPtrArray *
migration_rows(GtkWidget *page)
{
  g_autoptr(GPtrArray) rows = find_all(page, ADW_TYPE_ACTION_ROW);
  GPtrArray *out = g_ptr_array_new();

  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_has_css_class(rows->pdata[i], "migration-row"))
      g_ptr_array_add(out, rows->pdata[i]);
  return out;
}

/* The program's page shows what it wrote before the page opened (the
 * orchestrator's logs: the count starts at 0), then follows its output:
 * the counter's lines arrive in order, each once (offsets drop the
 * overlap of the logs and the live output, and repeats), the page names
 * it and lists its migration from the first runtime to RUNTIME. */
static void
check_module_page(const char *first, const char *runtime)
{
  g_autoptr(GPtrArray) migrations = NULL;
  g_autofree char *moved = g_strdup_printf("%s → %s", first, runtime);
  const char *subtitle;
  ArtsModuleChip *chip = named_chip(runtime, "ticker");
  ArtsModulePage *page = ARTS_MODULE_PAGE(find_one(GTK_WIDGET(the_window()),
                                                   ARTS_TYPE_MODULE_PAGE));
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  AdwWindowTitle *title;
  gint64 prev = -1;
  guint n = 0;

  g_assert_nonnull(chip);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(chip),
      "win.show-module", "s",
      arts_module_item_get_uuid(arts_module_chip_get_item(chip))));
  spin(600);
  g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(page)));
  title = ADW_WINDOW_TITLE(find_one(GTK_WIDGET(page),
                                    ADW_TYPE_WINDOW_TITLE));
  g_assert_cmpstr(adw_window_title_get_title(title), ==, "ticker");
  g_assert_true(wait_until(console_has_lines, page));
  text = arts_module_page_dup_console(page);
  lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    char *end;
    gint64 v;

    if (!*lines[i])
      continue;
    v = g_ascii_strtoll(lines[i], &end, 10);
    g_assert_true(*end == '\0');
    if (prev >= 0)
      g_assert_cmpint(v, ==, prev + 1);
    else
      g_assert_cmpint(v, ==, 0); /* written long before the page opened */
    prev = v;
    n++;
  }
  g_assert_cmpuint(n, >=, 5);
  migrations = migration_rows(GTK_WIDGET(page));
  g_assert_cmpuint(migrations->len, ==, 1);
  g_assert_cmpstr(adw_preferences_row_get_title(migrations->pdata[0]), ==,
                  moved);
  subtitle = adw_action_row_get_subtitle(migrations->pdata[0]);
  g_assert_nonnull(strstr(subtitle, "ms downtime"));
  g_assert_nonnull(strstr(subtitle, "asked by an operator"));
  g_print("MODULE-PAGE: %u lines from 0, migration %s (%s)\n", n, moved,
          subtitle);
  /* The ticker has no channels: the table is hidden, the group says so. */
  g_assert_false(gtk_widget_is_visible(widget_with_class(GTK_WIDGET(page),
                                                         "channel-table")));
  g_assert_nonnull(group_described(GTK_WIDGET(page), "It uses no channels"));
  spin(300); /* the console's scroll to its end follows the layout */
  screenshot("module.png");
  /* The console follows its end; the migrations are further down. */
  {
    GtkScrolledWindow *console = GTK_SCROLLED_WINDOW(gtk_widget_get_parent(
        find_one(GTK_WIDGET(page), GTK_TYPE_TEXT_VIEW)));
    GtkAdjustment *adj;
    /* The page's own scroller comes first (outermost). */
    g_autoptr(GPtrArray) scrollers = find_all(GTK_WIDGET(page),
                                              GTK_TYPE_SCROLLED_WINDOW);

    g_assert_true(scrollers->pdata[0] != (gpointer)console);
    adj = gtk_scrolled_window_get_vadjustment(console);
    g_assert_cmpfloat(gtk_adjustment_get_value(adj) +
                      gtk_adjustment_get_page_size(adj), >=,
                      gtk_adjustment_get_upper(adj) - 4);
    adj = gtk_scrolled_window_get_vadjustment(scrollers->pdata[0]);
    gtk_adjustment_set_value(adj, gtk_adjustment_get_upper(adj));
    spin(400);
    screenshot("module-migrations.png");
  }
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.back", NULL));
  spin(600);
  g_assert_null(arts_module_page_get_module(page));
}

/* ---- a module's channels ---- */

/* Runs arts-ctl against the test's realm; its exit status. */
static int
run_ctl(const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;

  g_ptr_array_add(argv, g_build_filename(env("ARTS_BUILD_DIR"), "cli",
                                         "arts-ctl", NULL));
  g_ptr_array_add(argv, g_strdup("--broker"));
  g_ptr_array_add(argv, g_strdup(env("ARTS_TEST_BROKER")));
  g_ptr_array_add(argv, g_strdup("--realm"));
  g_ptr_array_add(argv, g_strdup(env("ARTS_TEST_REALM")));
  g_ptr_array_add(argv, g_strdup("--timeout"));
  g_ptr_array_add(argv, g_strdup("60000"));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, g_strdup(args[i]));
  g_ptr_array_add(argv, NULL);
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                             G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                             &status, &error));
  g_assert_no_error(error);
  g_test_message("arts-ctl %s: %s%s", args[0], out, err);
  return g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

/* The channel table's cell at COL, ROW (row 0: the headings). */
static const char *
channel_cell(GtkWidget *page, int col, int row)
{
  GtkWidget *grid = widget_with_class(page, "channel-table");
  GtkWidget *l = grid ? gtk_grid_get_child_at(GTK_GRID(grid), col, row)
                      : NULL;

  return l && GTK_IS_LABEL(l) ? gtk_label_get_label(GTK_LABEL(l)) : NULL;
}

static gboolean
listener_counted(gpointer page)
{
  return g_strcmp0(channel_cell(page, 2, 1), "40") == 0;
}

static ArtsModuleItem *
module_named(const char *name)
{
  ArtsRealmModel *model = arts_window_get_model(the_window());
  GListModel *rts = arts_realm_model_get_runtimes(model);

  for (guint i = 0; i < g_list_model_get_n_items(rts); i++) {
    g_autoptr(ArtsRuntimeItem) rt = g_list_model_get_item(rts, i);
    GListModel *mods = arts_runtime_item_get_modules(rt);

    for (guint j = 0; j < g_list_model_get_n_items(mods); j++) {
      g_autoptr(ArtsModuleItem) m = g_list_model_get_item(mods, j);
      if (g_str_equal(arts_module_item_get_name(m), name))
        return m;  /* the runtime's list keeps it */
    }
  }
  return NULL;
}

static gboolean
listener_shown(gpointer data)
{
  return module_named("listener") != NULL;
}

/* A consumer on the first runtime reads 40 numbers that a producer on the
 * third writes over a channel (arts-ctl, as a script would start them);
 * the consumer's page lists the channel with its mode and its counters,
 * live from telemetry: 40 messages in, 71 bytes (1..9 are one byte,
 * 10..40 two), none out, none dropped. */
static void
check_channels(char **names)
{
  g_autofree char *consumer = g_build_filename(env("ARTS_BUILD_DIR"),
      "data", "demo", "consumer.wasm", NULL);
  g_autofree char *producer = g_build_filename(env("ARTS_BUILD_DIR"),
      "data", "demo", "producer.wasm", NULL);
  const char *listen[] = { "start", consumer, "--name", "listener", "--on",
                           names[0], "--channel", "gui/numbers:r", "--",
                           "gui/numbers", "0", NULL };
  const char *talk[] = { "start", producer, "--name", "talker", "--on",
                         names[2], "--channel", "gui/numbers:w", "--",
                         "gui/numbers", "40", "20", NULL };
  const char *stop[] = { "stop", "listener", NULL };
  ArtsModulePage *page = ARTS_MODULE_PAGE(find_one(GTK_WIDGET(the_window()),
                                                   ARTS_TYPE_MODULE_PAGE));
  GtkWidget *grid;

  if (!g_file_test(consumer, G_FILE_TEST_EXISTS)) {
    g_test_message("no %s: the channel table not checked", consumer);
    return;
  }
  g_assert_cmpint(run_ctl(listen), ==, 0);
  g_assert_true(wait_until(listener_shown, NULL));
  spin(1500);  /* subscribed before the first message */
  g_assert_cmpint(run_ctl(talk), ==, 0);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
      "win.show-module", "s",
      arts_module_item_get_uuid(module_named("listener"))));
  spin(600);
  g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(page)));
  g_assert_true(wait_until(listener_counted, page));
  grid = widget_with_class(GTK_WIDGET(page), "channel-table");
  g_assert_true(gtk_widget_is_visible(grid));
  g_assert_cmpstr(channel_cell(GTK_WIDGET(page), 0, 0), ==, "Channel");
  g_assert_cmpstr(channel_cell(GTK_WIDGET(page), 0, 1), ==, "gui/numbers");
  g_assert_cmpstr(channel_cell(GTK_WIDGET(page), 1, 1), ==, "read");
  g_assert_cmpstr(channel_cell(GTK_WIDGET(page), 3, 1), ==, "0");
  g_assert_cmpstr(channel_cell(GTK_WIDGET(page), 4, 1), ==, "71 bytes");
  g_assert_cmpstr(channel_cell(GTK_WIDGET(page), 5, 1), ==, "0 bytes");
  g_assert_cmpstr(channel_cell(GTK_WIDGET(page), 6, 1), ==, "0");
  g_assert_null(channel_cell(GTK_WIDGET(page), 0, 2));
  g_print("CHANNELS: gui/numbers read, 40 in, 71 bytes\n");
  {
    g_autoptr(GPtrArray) scrollers = find_all(GTK_WIDGET(page),
                                              GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(
        scrollers->pdata[0]);
    graphene_point_t p;

    g_assert_true(gtk_widget_compute_point(grid,
        gtk_scrolled_window_get_child(scrollers->pdata[0]),
        &GRAPHENE_POINT_INIT(0, 0), &p));
    gtk_adjustment_set_value(adj, p.y - 120);
    screenshot("module-channels.png");
  }
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.back", NULL));
  spin(600);
  g_assert_cmpint(run_ctl(stop), ==, 0);
}

/* ---- the scenario ---- */

static void
check_header(void)
{
  ArtsWindow *win = the_window();
  GtkWidget *status = NULL;
  g_autoptr(GPtrArray) boxes = find_all(GTK_WIDGET(win), GTK_TYPE_BOX);
  g_autoptr(GPtrArray) labels = NULL;
  gboolean realm = FALSE, connected = FALSE;

  for (guint i = 0; i < boxes->len; i++) {
    if (gtk_widget_has_css_class(boxes->pdata[i], "connection-status"))
      status = boxes->pdata[i];
  }
  g_assert_nonnull(status);
  g_assert_true(gtk_widget_get_mapped(status));
  labels = find_all(status, GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len; i++) {
    const char *t = gtk_label_get_label(labels->pdata[i]);

    realm |= g_str_equal(t, env("ARTS_TEST_REALM"));
    connected |= g_str_equal(t, "Connected");
  }
  g_assert_true(realm);
  g_assert_true(connected);
}

static void
check_runtime_page(const char *name)
{
  ArtsWindow *win = the_window();
  ArtsRuntimeCard *card = card_for(name);
  ArtsRuntimeItem *item = arts_runtime_card_get_item(card);
  ArtsRuntimePage *page = ARTS_RUNTIME_PAGE(find_one(GTK_WIDGET(win),
                                                     ARTS_TYPE_RUNTIME_PAGE));
  g_autoptr(GPtrArray) charts = NULL;
  AdwWindowTitle *title;
  AdwLeaflet *leaflet;
  guint with_samples = 0;

  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(win),
                                           "win.show-runtime", "s",
                                           arts_runtime_item_get_uuid(item)));
  spin(600); /* the leaflet's slide */
  leaflet = ADW_LEAFLET(find_one(GTK_WIDGET(win), ADW_TYPE_LEAFLET));
  g_assert_cmpstr(adw_leaflet_get_visible_child_name(leaflet), ==,
                  "runtime");
  g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(page)));
  g_assert_true(arts_runtime_page_get_item(page) == item);
  title = ADW_WINDOW_TITLE(find_one(GTK_WIDGET(page),
                                    ADW_TYPE_WINDOW_TITLE));
  g_assert_cmpstr(adw_window_title_get_title(title), ==, name);
  g_assert_cmpstr(adw_window_title_get_subtitle(title), ==, "Online");
  if (g_strcmp0(g_getenv("ARTS_TEST_HISTORY"), "1") == 0)
    g_assert_true(wait_until(history_shown, page));
  charts = find_all(GTK_WIDGET(page), ARTS_TYPE_CHART);
  g_assert_cmpuint(charts->len, ==, 5); /* CPU, memory, network; 2 history */
  for (guint i = 0; i < charts->len; i++) {
    ArtsSeries *s = arts_chart_get_series(charts->pdata[i]);

    with_samples += s && arts_series_get_n_samples(s) >= 2;
  }
  /* CPU and memory live charts at least (the network one needs two
   * counter samples, the history ones the orchestrator). */
  g_assert_cmpuint(with_samples, >=, 2);
  /* The details list the architecture row with the card's caption. */
  {
    g_autoptr(GPtrArray) labels = find_all(GTK_WIDGET(page), GTK_TYPE_LABEL);
    GtkWidget *arch = NULL;

    for (guint i = 0; i < labels->len; i++)
      if (g_str_equal(gtk_label_get_label(labels->pdata[i]),
                      env("ARTS_TEST_ARCH")) &&
          gtk_widget_get_mapped(labels->pdata[i]))
        arch = labels->pdata[i];
    g_assert_nonnull(arch);
    screenshot("runtime.png");
    /* The device list is below the charts: bring it into view for the
     * picture, then go back up. */
    {
      GtkScrolledWindow *sw = GTK_SCROLLED_WINDOW(
          gtk_widget_get_ancestor(arch, GTK_TYPE_SCROLLED_WINDOW));
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(sw);

      gtk_adjustment_set_value(adj, gtk_adjustment_get_upper(adj));
      spin(300);
      screenshot("runtime-device.png");
      gtk_adjustment_set_value(adj, 0);
    }
  }
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(win), "win.back",
                                           NULL));
  spin(600);
  g_assert_cmpstr(adw_leaflet_get_visible_child_name(leaflet), ==, "main");
}

static void
kill_victim(void)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true(g_spawn_command_line_sync(env("ARTS_TEST_KILL_CMD"), NULL,
                                          NULL, &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* A realm of 1,000 runtimes, fed straight into the model (the wire's own
 * messages, through the same decoder): the grid must stay at a screenful
 * of recycled cards while scrolling to the end. */
static void
check_scale(void)
{
  ArtsWindow *win = the_window();
  g_autofree char *realm = g_strdup_printf("scale%u", g_random_int());
  ArtsRealmModel *model;
  GtkScrolledWindow *scroller;
  GtkAdjustment *adj;
  g_autoptr(GPtrArray) cards = NULL;
  guint max_cards = 0;
  gint64 now = g_get_real_time() / 1000;

  g_assert_true(arts_window_open_realm(win, env("ARTS_TEST_BROKER"), realm,
                                       NULL, NULL, NULL, NULL));
  model = arts_window_get_model(win);
  for (guint i = 0; i < 1000; i++) {
    g_autofree char *uuid = g_strdup_printf(
        "00000000-0000-4000-8000-%012u", i);
    g_autofree char *topic = g_strdup_printf("%s/proc/state/runtime/%s",
                                             realm, uuid);
    g_autofree char *stats = g_strdup_printf("%s/proc/stats/%s", realm,
                                             uuid);
    g_autofree char *state_msg = g_strdup_printf(
        "{\"object_id\":\"%s\",\"action\":\"update\",\"type\":\"arts_resp\","
        "\"data\":{\"type\":\"runtime\",\"uuid\":\"%s\",\"name\":"
        "\"node-%04u\",\"runtime_type\":\"arts-agent\",\"apis\":[\"wasm\"],"
        "\"max_nmodules\":8,\"page_size\":65536,\"aot_target\":null,"
        "\"platform\":{\"arch\":\"x86_64\",\"os\":\"Linux\",\"os_release\":"
        "\"6.1\",\"hostname\":\"n%u\",\"cpu_cores\":4,\"memory_total\":"
        "8000000000},\"status\":\"%s\",\"last_seen\":%" G_GINT64_FORMAT "}}",
        uuid, uuid, i, i, i % 7 ? "A" : "D", now);
    g_autofree char *stats_msg = g_strdup_printf(
        "{\"object_id\":\"%s\",\"action\":\"update\",\"type\":"
        "\"runtime_resp\",\"data\":{\"type\":\"telemetry\",\"uuid\":\"%s\","
        "\"ts\":%" G_GINT64_FORMAT ",\"interval_ms\":1000,\"metrics\":{"
        "\"system.cpu.utilization\":%.2f,\"system.memory.usage\":%u}}}",
        uuid, uuid, now, (i % 100) / 100.0, 1000000u * (i % 8000));
    g_autoptr(GError) error = NULL;

    g_assert_true(arts_realm_model_handle_message(model, topic,
        (const guint8 *)state_msg, strlen(state_msg), &error));
    g_assert_no_error(error);
    g_assert_true(arts_realm_model_handle_message(model, stats,
        (const guint8 *)stats_msg, strlen(stats_msg), &error));
    g_assert_no_error(error);
  }
  g_assert_cmpuint(g_list_model_get_n_items(
                       arts_realm_model_get_runtimes(model)), ==, 1000);
  g_assert_cmpuint(arts_realm_model_get_n_alive(model), ==, 1000 - 143);
  spin(500);
  g_assert_nonnull(card_for("node-0000"));
  screenshot("scale.png");

  scroller = GTK_SCROLLED_WINDOW(
      gtk_widget_get_parent(find_one(GTK_WIDGET(win), GTK_TYPE_GRID_VIEW)));
  adj = gtk_scrolled_window_get_vadjustment(scroller);
  /* Scroll to the end in steps, as a user would. */
  for (guint step = 0; step < 100 &&
       gtk_adjustment_get_value(adj) + gtk_adjustment_get_page_size(adj) <
           gtk_adjustment_get_upper(adj) - 1; step++) {
    gtk_adjustment_set_value(adj, gtk_adjustment_get_value(adj) +
                                  gtk_adjustment_get_page_size(adj));
    spin(30);
    g_clear_pointer(&cards, g_ptr_array_unref);
    cards = find_all(GTK_WIDGET(win), ARTS_TYPE_RUNTIME_CARD);
    max_cards = MAX(max_cards, cards->len);
  }
  spin(300);
  g_assert_nonnull(card_for("node-0999"));
  g_assert_null(card_for("node-0000"));
  g_test_message("1000 runtimes: at most %u card widgets while scrolling",
                 max_cards);
  g_assert_cmpuint(max_cards, >, 0);
  /* GTK 4.8's grid keeps up to 30 rows of items around the visible ones:
   * a few hundred at most, whatever the realm's size. */
  g_assert_cmpuint(max_cards, <, 300);
}

static gboolean
scenario(gpointer data)
{
  g_auto(GStrv) names = g_strsplit(env("ARTS_TEST_RUNTIMES"), ",", -1);
  const char *victim = env("ARTS_TEST_VICTIM");

  g_assert_true(wait_until(have_window, NULL));
  g_assert_true(wait_until(all_online, names));
  check_header();
  g_assert_true(wait_until(sparklines_drawn, names[0]));
  check_arch_captions(names);
  screenshot("overview.png");

  check_runtime_page(names[0]);
  check_module_chip(names);
  check_start_dialog();
  check_drag_to_migrate(names);
  check_channels(names);

  kill_victim();
  g_assert_true(wait_until(is_dead, (gpointer)victim));
  for (guint i = 0; names[i]; i++) {
    if (!g_str_equal(names[i], victim))
      g_assert_false(is_dead(names[i]));
  }
  screenshot("dead.png");

  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.page", "s", "events"));
  g_assert_true(wait_until(death_listed, (gpointer)victim));
  screenshot("events.png");
  check_event_filters(victim);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(the_window()),
                                           "win.page", "s", "runtimes"));

  check_dark_style();
  check_dialogs();
  check_reconnect(names, victim);
  check_connections(names, victim);
  check_scale();
  g_application_quit(g_application_get_default());
  return G_SOURCE_REMOVE;
}

static void
test_realm(void)
{
  g_autoptr(ArtsApplication) app = arts_application_new(
      G_APPLICATION_NON_UNIQUE);
  g_autoptr(GSettings) settings = g_settings_new(ARTS_APPLICATION_ID);
  char *argv[] = { "arts-dashboard", "--broker",
                   (char *)env("ARTS_TEST_BROKER"), "--realm",
                   (char *)env("ARTS_TEST_REALM"), NULL };

  /* Fill the Xvfb screen, for screenshots. */
  g_settings_set_int(settings, "window-width", 1400);
  g_settings_set_int(settings, "window-height", 900);
  g_idle_add(scenario, NULL);
  g_assert_cmpint(g_application_run(G_APPLICATION(app), 5, argv), ==, 0);
}

int
main(int argc, char **argv)
{
  gtk_test_init(&argc, &argv, NULL);
  g_test_add_func("/dashboard/realm", test_realm);
  return g_test_run();
}
