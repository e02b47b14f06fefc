/* arts-window.c: the main window.
 *
 * Everything a user can do here is a win.* action (see the shortcuts
 * window): open a realm, go back, switch pages, search, reload history.
 * The runtime grid is a GtkGridView over the realm model's list: cards are
 * recycled while scrolling, so a realm of thousands of runtimes costs one
 * screenful of widgets. */
#include "arts-window.h"
#include "arts-connection.h"
#include "arts-connection-dialog.h"
#include "arts-events-page.h"
#include "arts-module-item.h"
#include "arts-module-page.h"
#include "arts-runtime-card.h"
#include "arts-runtime-page.h"
#include "arts-secrets.h"
#include "arts-start-dialog.h"

#include <glib/gi18n-lib.h>

struct _ArtsWindow {
  AdwApplicationWindow parent_instance;
  GSettings *settings;
  ArtsRealmModel *model;
  gulong state_id, count_id;
  GtkSortListModel *sorted;
  GListStore *connections;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkMenuButton *realms_button;
  GtkWidget *start_button;
  GtkWidget *status_box;
  GtkImage *status_icon;
  GtkLabel *realm_label;
  GtkLabel *status_label;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar *switcher_bar;
  GtkRevealer *offline_revealer;
  GtkLabel *offline_label;
  GtkStack *main_stack;
  GtkListBox *saved_list;
  AdwViewStack *view_stack;
  GtkStack *runtimes_stack;
  GtkGridView *grid_view;
  ArtsEventsPage *events_page;
  ArtsRuntimePage *runtime_page;
  ArtsModulePage *module_page;
};

G_DEFINE_FINAL_TYPE(ArtsWindow, arts_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- connection state ---- */

/* The bottom switcher takes over when the header is too narrow for the
 * top one, and only while there is a realm to switch in. */
static void
update_switcher_bar(ArtsWindow *self)
{
  adw_view_switcher_bar_set_reveal(self->switcher_bar,
      self->model != NULL &&
      adw_view_switcher_title_get_title_visible(self->switcher_title));
}

static void
update_state(ArtsWindow *self)
{
  ArtsConnectionState state = self->model ? arts_realm_model_get_state(
                                                self->model)
                                          : ARTS_CONNECTION_IDLE;
  GtkWidget *icon = GTK_WIDGET(self->status_icon);
  const char *classes[] = { "connected", "connecting", NULL };
  g_autofree char *offline = NULL;

  gtk_widget_set_visible(self->status_box, self->model != NULL);
  gtk_widget_set_visible(self->start_button, self->model != NULL);
  /* No realm, no pages to switch between. */
  adw_view_switcher_title_set_view_switcher_enabled(self->switcher_title,
                                                    self->model != NULL);
  update_switcher_bar(self);
  for (guint i = 0; classes[i]; i++)
    gtk_widget_remove_css_class(icon, classes[i]);
  switch (state) {
  case ARTS_CONNECTION_CONNECTED:
    gtk_label_set_label(self->status_label, _("Connected"));
    gtk_widget_add_css_class(icon, "connected");
    break;
  case ARTS_CONNECTION_CONNECTING:
    gtk_label_set_label(self->status_label, _("Connecting…"));
    gtk_widget_add_css_class(icon, "connecting");
    break;
  case ARTS_CONNECTION_IDLE:
    gtk_label_set_label(self->status_label, _("Not Connected"));
    break;
  }
  if (self->model) {
    gtk_label_set_label(self->realm_label,
                        arts_realm_model_get_realm(self->model));
    gtk_widget_set_tooltip_text(self->status_box,
        arts_realm_model_get_broker_url(self->model));
    offline = g_strdup_printf(
        _("Not connected to %s. Trying again…"),
        arts_realm_model_get_broker_url(self->model));
    gtk_label_set_label(self->offline_label, offline);
  }
  gtk_revealer_set_reveal_child(self->offline_revealer,
                                self->model &&
                                state != ARTS_CONNECTION_CONNECTED);
}

static void
update_counts(ArtsWindow *self)
{
  guint n, alive;
  g_autofree char *subtitle = NULL, *title = NULL;

  if (!self->model) {
    adw_view_switcher_title_set_subtitle(self->switcher_title, NULL);
    gtk_window_set_title(GTK_WINDOW(self), _("ARTS Dashboard"));
    return;
  }
  n = g_list_model_get_n_items(arts_realm_model_get_runtimes(self->model));
  alive = arts_realm_model_get_n_alive(self->model);
  /* Translators: the header's subtitle: realm name, runtimes online of all. */
  subtitle = g_strdup_printf(_("%s — %u of %u online"),
                             arts_realm_model_get_realm(self->model), alive,
                             n);
  adw_view_switcher_title_set_subtitle(self->switcher_title, subtitle);
  /* What window lists and the shell's overview show. */
  title = g_strdup_printf(_("%s — ARTS Dashboard"),
                          arts_realm_model_get_realm(self->model));
  gtk_window_set_title(GTK_WINDOW(self), title);
  gtk_stack_set_visible_child_name(self->runtimes_stack,
                                   n ? "grid" : "empty");
}

/* ---- realms ---- */

/* WELCOME: go back to the welcome page (not when another realm opens at
 * once, which would flash it). */
static void
close_realm(ArtsWindow *self, gboolean welcome)
{
  if (!self->model)
    return;
  arts_runtime_page_show(self->runtime_page, NULL, NULL);
  arts_module_page_show(self->module_page, NULL, NULL);
  adw_leaflet_set_visible_child_name(self->leaflet, "main");
  g_clear_signal_handler(&self->state_id, self->model);
  g_clear_signal_handler(&self->count_id, self->model);
  gtk_sort_list_model_set_model(self->sorted, NULL);
  arts_events_page_set_events(self->events_page, NULL);
  arts_realm_model_stop(self->model);
  g_clear_object(&self->model);
  update_state(self);
  update_counts(self);
  if (welcome)
    gtk_stack_set_visible_child_name(self->main_stack, "welcome");
}

gboolean
arts_window_open_realm(ArtsWindow *self, const char *broker_url,
                       const char *realm, const char *username,
                       const char *password, const char *cafile,
                       GError **error)
{
  g_autoptr(ArtsRealmModel) model = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail(ARTS_IS_WINDOW(self), FALSE);
  close_realm(self, FALSE);
  model = arts_realm_model_new(broker_url, realm, username, password,
                               cafile);
  if (!arts_realm_model_start(model, &local_error)) {
    gtk_stack_set_visible_child_name(self->main_stack, "welcome");
    arts_window_show_toast(self, local_error->message);
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  self->model = g_steal_pointer(&model);
  self->state_id = g_signal_connect_swapped(self->model, "notify::state",
                                            G_CALLBACK(update_state), self);
  self->count_id = g_signal_connect_swapped(self->model, "notify::n-alive",
                                            G_CALLBACK(update_counts), self);
  g_signal_connect_object(arts_realm_model_get_runtimes(self->model),
                          "items-changed", G_CALLBACK(update_counts), self,
                          G_CONNECT_SWAPPED);
  gtk_sort_list_model_set_model(self->sorted,
                                arts_realm_model_get_runtimes(self->model));
  arts_events_page_set_events(self->events_page,
                              arts_realm_model_get_events(self->model));
  gtk_stack_set_visible_child_name(self->main_stack, "realm");
  update_state(self);
  update_counts(self);
  return TRUE;
}

ArtsRealmModel *
arts_window_get_model(ArtsWindow *self)
{
  return self->model;
}

void
arts_window_show_toast(ArtsWindow *self, const char *text)
{
  adw_toast_overlay_add_toast(self->toast_overlay, adw_toast_new(text));
}

/* The saved realms, in the welcome list and the realms menu. */
static void
reload_connections(ArtsWindow *self)
{
  g_autoptr(GListStore) fresh = arts_connection_load_all(self->settings);
  g_autoptr(GMenu) menu = g_menu_new();
  g_autoptr(GMenu) saved = g_menu_new();
  g_autoptr(GMenu) actions = g_menu_new();
  guint n = g_list_model_get_n_items(G_LIST_MODEL(fresh));

  for (guint i = 0; i < n; i++) {
    g_autoptr(ArtsConnection) c = g_list_model_get_item(G_LIST_MODEL(fresh),
                                                        i);
    g_autoptr(GMenuItem) item = g_menu_item_new(arts_connection_get_id(c),
                                                NULL);

    g_menu_item_set_action_and_target(item, "win.connect", "s",
                                      arts_connection_get_id(c));
    g_menu_append_item(saved, item);
  }
  g_menu_append(actions, _("_Add Realm…"), "win.add-connection");
  g_menu_append(actions, _("_Close Realm"), "win.disconnect");
  g_menu_append_section(menu, NULL, G_MENU_MODEL(saved));
  g_menu_append_section(menu, NULL, G_MENU_MODEL(actions));
  gtk_menu_button_set_menu_model(self->realms_button, G_MENU_MODEL(menu));
  g_list_store_remove_all(self->connections);
  for (guint i = 0; i < n; i++) {
    g_autoptr(GObject) c = g_list_model_get_item(G_LIST_MODEL(fresh), i);

    g_list_store_append(self->connections, c);
  }
}

static GtkWidget *
create_saved_row(gpointer item, gpointer user_data)
{
  ArtsConnection *c = item;
  GtkWidget *row = adw_action_row_new();
  GtkWidget *arrow = gtk_image_new_from_icon_name("go-next-symbolic");

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                arts_connection_get_realm(c));
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row),
                              arts_connection_get_broker_url(c));
  adw_action_row_add_prefix(ADW_ACTION_ROW(row),
      gtk_image_new_from_icon_name(arts_connection_get_tls(c)
                                       ? "channel-secure-symbolic"
                                       : "network-server-symbolic"));
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), arrow);
  gtk_actionable_set_action_name(GTK_ACTIONABLE(row), "win.connect");
  gtk_actionable_set_action_target(GTK_ACTIONABLE(row), "s",
                                   arts_connection_get_id(c));
  gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
  return row;
}

/* ---- actions ---- */

static void
connect_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  ArtsWindow *self = user_data;
  const char *id = g_variant_get_string(param, NULL);
  g_autoptr(ArtsConnection) c = arts_connection_lookup(id, self->settings);
  g_autofree char *password = NULL;

  if (!c) {
    arts_window_show_toast(self, _("That realm is no longer saved"));
    return;
  }
  password = arts_secrets_lookup(id);
  if (arts_window_open_realm(self, arts_connection_get_broker_url(c),
                             arts_connection_get_realm(c),
                             arts_connection_get_username(c), password,
                             arts_connection_get_cafile(c), NULL))
    g_settings_set_string(self->settings, "last-connection", id);
}

static void
disconnect_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  ArtsWindow *self = user_data;

  close_realm(self, TRUE);
  g_settings_set_string(self->settings, "last-connection", "");
}

static void
add_connection_action(GSimpleAction *action, GVariant *param,
                      gpointer user_data)
{
  ArtsConnectionDialog *dialog = arts_connection_dialog_new(user_data);

  gtk_window_present(GTK_WINDOW(dialog));
}

static void
show_runtime(ArtsWindow *self, ArtsRuntimeItem *item)
{
  arts_runtime_page_show(self->runtime_page, self->model, item);
  adw_leaflet_set_visible_child_name(self->leaflet, "runtime");
}

static void
show_runtime_action(GSimpleAction *action, GVariant *param,
                    gpointer user_data)
{
  ArtsWindow *self = user_data;
  ArtsRuntimeItem *item = self->model
      ? arts_realm_model_lookup_runtime(self->model,
                                        g_variant_get_string(param, NULL))
      : NULL;

  if (item)
    show_runtime(self, item);
}

/* The module an action's parameter names by uuid, or NULL. */
static ArtsModuleItem *
param_module(ArtsWindow *self, GVariant *param)
{
  return self->model
      ? arts_realm_model_lookup_module(self->model,
                                       g_variant_get_string(param, NULL))
      : NULL;
}

static void
show_module_action(GSimpleAction *action, GVariant *param,
                   gpointer user_data)
{
  ArtsWindow *self = user_data;
  ArtsModuleItem *module = param_module(self, param);

  if (!module)
    return;
  arts_module_page_show(self->module_page, self->model, module);
  adw_leaflet_set_visible_child_name(self->leaflet, "module");
}

/* Leaving the module page stops following its output. */
static void
on_page_changed(ArtsWindow *self)
{
  const char *page = adw_leaflet_get_visible_child_name(self->leaflet);

  if (g_strcmp0(page, "module") != 0 &&
      arts_module_page_get_module(self->module_page))
    arts_module_page_show(self->module_page, NULL, NULL);
}

static void
back_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  ArtsWindow *self = user_data;

  /* Pages are reached from the realm, so back is always the realm. */
  adw_leaflet_set_visible_child_name(self->leaflet, "main");
}

static void
search_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  ArtsWindow *self = user_data;

  if (!self->model)
    return;
  adw_leaflet_set_visible_child_name(self->leaflet, "main");
  adw_view_stack_set_visible_child_name(self->view_stack, "events");
  arts_events_page_focus_search(self->events_page);
}

static void
refresh_history_action(GSimpleAction *action, GVariant *param,
                       gpointer user_data)
{
  ArtsWindow *self = user_data;

  arts_runtime_page_reload_history(self->runtime_page);
}

/* ---- module actions ---- */

typedef struct {
  ArtsWindow *self;       /* a reference */
  ArtsModuleItem *module; /* a reference */
  char *target_name;
} ModuleRequest;

static ModuleRequest *
module_request_new(ArtsWindow *self, ArtsModuleItem *module)
{
  ModuleRequest *r = g_new0(ModuleRequest, 1);

  r->self = g_object_ref(self);
  r->module = g_object_ref(module);
  return r;
}

static void
module_request_free(ModuleRequest *r)
{
  g_object_unref(r->self);
  g_object_unref(r->module);
  g_free(r->target_name);
  g_free(r);
}

static void
on_migrated(GObject *source, GAsyncResult *result, gpointer user_data)
{
  ModuleRequest *r = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) details =
      arts_realm_model_control_finish(ARTS_REALM_MODEL(source), result,
                                      &error);
  const char *name = arts_module_item_get_name(r->module);
  g_autofree char *text = NULL;

  arts_module_item_set_moving(r->module, FALSE);
  if (details && json_object_has_member(details, "downtime_ms"))
    /* Translators: program, runtime, milliseconds it was paused. */
    text = g_strdup_printf(_("%s moved to %s — %d ms downtime"), name,
                           r->target_name,
                           (int)json_object_get_int_member(details,
                                                           "downtime_ms"));
  else if (details)
    text = g_strdup_printf(_("%s moved to %s"), name, r->target_name);
  else
    text = g_strdup_printf(_("%s did not move: %s"), name, error->message);
  arts_window_show_toast(r->self, text);
  module_request_free(r);
}

static void
migrate_module_action(GSimpleAction *action, GVariant *param,
                      gpointer user_data)
{
  ArtsWindow *self = user_data;
  const char *module_uuid, *target_uuid;
  ArtsModuleItem *module;
  ArtsRuntimeItem *target;
  g_autoptr(JsonObject) data = json_object_new();
  ModuleRequest *r;

  g_variant_get(param, "(&s&s)", &module_uuid, &target_uuid);
  if (!self->model)
    return;
  module = arts_realm_model_lookup_module(self->model, module_uuid);
  target = arts_realm_model_lookup_runtime(self->model, target_uuid);
  if (!module || !target || arts_module_item_get_moving(module))
    return;
  json_object_set_string_member(data, "type", "module");
  json_object_set_string_member(data, "uuid", module_uuid);
  json_object_set_string_member(data, "target", target_uuid);
  r = module_request_new(self, module);
  r->target_name = g_strdup(arts_runtime_item_get_name(target));
  arts_module_item_set_moving(module, TRUE);
  arts_realm_model_control_async(self->model, "migrate", data, NULL,
                                 on_migrated, r);
}

static void
on_stopped(GObject *source, GAsyncResult *result, gpointer user_data)
{
  ModuleRequest *r = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) details =
      arts_realm_model_control_finish(ARTS_REALM_MODEL(source), result,
                                      &error);
  const char *name = arts_module_item_get_name(r->module);
  g_autofree char *text = details
      ? g_strdup_printf(_("%s stopped"), name)
      : g_strdup_printf(_("%s did not stop: %s"), name, error->message);

  arts_window_show_toast(r->self, text);
  module_request_free(r);
}

static void
on_stop_response(AdwMessageDialog *dialog, const char *response,
                 gpointer user_data)
{
  ModuleRequest *r = user_data;
  g_autoptr(JsonObject) data = NULL;

  if (!g_str_equal(response, "stop") || !r->self->model) {
    module_request_free(r);
    return;
  }
  data = json_object_new();
  json_object_set_string_member(data, "type", "module");
  json_object_set_string_member(data, "uuid",
                                arts_module_item_get_uuid(r->module));
  arts_realm_model_control_async(r->self->model, "delete", data, NULL,
                                 on_stopped, r);
}

static void
stop_module_action(GSimpleAction *action, GVariant *param,
                   gpointer user_data)
{
  ArtsWindow *self = user_data;
  ArtsModuleItem *module = param_module(self, param);
  ArtsRuntimeItem *rt;
  GtkWidget *dialog;
  ModuleRequest *r;

  if (!module)
    return;
  rt = arts_realm_model_lookup_runtime(self->model,
                                       arts_module_item_get_runtime(module));
  dialog = adw_message_dialog_new(GTK_WINDOW(self), NULL, NULL);
  adw_message_dialog_format_heading(ADW_MESSAGE_DIALOG(dialog),
                                    _("Stop %s?"),
                                    arts_module_item_get_name(module));
  adw_message_dialog_format_body(ADW_MESSAGE_DIALOG(dialog),
      _("The program ends on %s and does not start again. Its output so far "
        "stays in the realm."),
      rt ? arts_runtime_item_get_name(rt) : _("its runtime"));
  adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog),
                                   "cancel", _("_Cancel"),
                                   "stop", _("_Stop"), NULL);
  adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog),
      "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog),
                                          "cancel");
  adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog),
                                        "cancel");
  r = module_request_new(self, module);
  g_signal_connect(dialog, "response", G_CALLBACK(on_stop_response), r);
  gtk_window_present(GTK_WINDOW(dialog));
}

static void
start_module_action(GSimpleAction *action, GVariant *param,
                    gpointer user_data)
{
  ArtsWindow *self = user_data;

  if (!self->model)
    return;
  gtk_window_present(GTK_WINDOW(arts_start_dialog_new(GTK_WINDOW(self),
                                                      self->model)));
}

static const GActionEntry win_actions[] = {
  { "connect", connect_action, "s", NULL, NULL, { 0 } },
  { "disconnect", disconnect_action, NULL, NULL, NULL, { 0 } },
  { "add-connection", add_connection_action, NULL, NULL, NULL, { 0 } },
  { "show-runtime", show_runtime_action, "s", NULL, NULL, { 0 } },
  { "back", back_action, NULL, NULL, NULL, { 0 } },
  { "search", search_action, NULL, NULL, NULL, { 0 } },
  { "refresh-history", refresh_history_action, NULL, NULL, NULL, { 0 } },
  { "migrate-module", migrate_module_action, "(ss)", NULL, NULL, { 0 } },
  { "stop-module", stop_module_action, "s", NULL, NULL, { 0 } },
  { "start-module", start_module_action, NULL, NULL, NULL, { 0 } },
  { "show-module", show_module_action, "s", NULL, NULL, { 0 } },
};

static void
on_grid_activate(GtkGridView *grid, guint position, gpointer user_data)
{
  ArtsWindow *self = user_data;
  g_autoptr(ArtsRuntimeItem) item =
      g_list_model_get_item(G_LIST_MODEL(self->sorted), position);

  if (item)
    show_runtime(self, item);
}

/* ---- grid ---- */

static void
setup_card(GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  gtk_list_item_set_child(li, arts_runtime_card_new());
}

static void
bind_card(GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  arts_runtime_card_set_item(ARTS_RUNTIME_CARD(gtk_list_item_get_child(li)),
                             gtk_list_item_get_item(li));
}

static void
unbind_card(GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  arts_runtime_card_set_item(ARTS_RUNTIME_CARD(gtk_list_item_get_child(li)),
                             NULL);
}

static void
setup_grid(ArtsWindow *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
  GtkExpression *name = gtk_property_expression_new(ARTS_TYPE_RUNTIME_ITEM,
                                                    NULL, "name");
  GtkStringSorter *sorter = gtk_string_sorter_new(name);
  GtkNoSelection *selection;

  self->sorted = gtk_sort_list_model_new(NULL, GTK_SORTER(sorter));
  selection = gtk_no_selection_new(g_object_ref(G_LIST_MODEL(self->sorted)));
  g_signal_connect(factory, "setup", G_CALLBACK(setup_card), NULL);
  g_signal_connect(factory, "bind", G_CALLBACK(bind_card), NULL);
  g_signal_connect(factory, "unbind", G_CALLBACK(unbind_card), NULL);
  gtk_grid_view_set_factory(self->grid_view, factory);
  gtk_grid_view_set_model(self->grid_view, GTK_SELECTION_MODEL(selection));
  g_object_unref(selection);
  g_object_unref(factory);
  g_signal_connect(self->grid_view, "activate",
                   G_CALLBACK(on_grid_activate), self);
}

/* ---- lifecycle ---- */

static gboolean
arts_window_close_request(GtkWindow *window)
{
  ArtsWindow *self = ARTS_WINDOW(window);
  int w, h;

  gtk_window_get_default_size(window, &w, &h);
  g_settings_set_int(self->settings, "window-width", w);
  g_settings_set_int(self->settings, "window-height", h);
  g_settings_set_boolean(self->settings, "window-maximized",
                         gtk_window_is_maximized(window));
  return GTK_WINDOW_CLASS(arts_window_parent_class)->close_request(window);
}

static void
arts_window_dispose(GObject *object)
{
  ArtsWindow *self = ARTS_WINDOW(object);

  close_realm(self, FALSE);
  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_WINDOW);
  g_clear_object(&self->sorted);
  g_clear_object(&self->connections);
  g_clear_object(&self->settings);
  G_OBJECT_CLASS(arts_window_parent_class)->dispose(object);
}

static void
arts_window_class_init(ArtsWindowClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_window_dispose;
  GTK_WINDOW_CLASS(klass)->close_request = arts_window_close_request;
  g_type_ensure(ARTS_TYPE_EVENTS_PAGE);
  g_type_ensure(ARTS_TYPE_RUNTIME_PAGE);
  g_type_ensure(ARTS_TYPE_MODULE_PAGE);
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, ArtsWindow, name)
  BIND(toast_overlay);
  BIND(leaflet);
  BIND(realms_button);
  BIND(start_button);
  BIND(status_box);
  BIND(status_icon);
  BIND(realm_label);
  BIND(status_label);
  BIND(switcher_title);
  BIND(switcher_bar);
  BIND(offline_revealer);
  BIND(offline_label);
  BIND(main_stack);
  BIND(saved_list);
  BIND(view_stack);
  BIND(runtimes_stack);
  BIND(grid_view);
  BIND(events_page);
  BIND(runtime_page);
  BIND(module_page);
#undef BIND
}

static void
arts_window_init(ArtsWindow *self)
{
  g_autoptr(GPropertyAction) page = NULL;

  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = g_settings_new("org.arts.Dashboard");
  g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions,
                                  G_N_ELEMENTS(win_actions), self);
  page = g_property_action_new("page", self->view_stack,
                               "visible-child-name");
  g_action_map_add_action(G_ACTION_MAP(self), G_ACTION(page));
  g_signal_connect_swapped(self->switcher_title, "notify::title-visible",
                           G_CALLBACK(update_switcher_bar), self);
  setup_grid(self);
  g_signal_connect_swapped(self->leaflet, "notify::visible-child-name",
                           G_CALLBACK(on_page_changed), self);

  self->connections = g_list_store_new(ARTS_TYPE_CONNECTION);
  gtk_list_box_bind_model(self->saved_list, G_LIST_MODEL(self->connections),
                          create_saved_row, NULL, NULL);
  g_signal_connect_swapped(self->settings, "changed::connections",
                           G_CALLBACK(reload_connections), self);
  reload_connections(self);
  g_object_bind_property(self->connections, "n-items", self->saved_list,
                         "visible", G_BINDING_SYNC_CREATE);

  gtk_window_set_default_size(GTK_WINDOW(self),
      g_settings_get_int(self->settings, "window-width"),
      g_settings_get_int(self->settings, "window-height"));
  if (g_settings_get_boolean(self->settings, "window-maximized"))
    gtk_window_maximize(GTK_WINDOW(self));
  update_state(self);
  update_counts(self);
}

ArtsWindow *
arts_window_new(GtkApplication *app)
{
  return g_object_new(ARTS_TYPE_WINDOW, "application", app, NULL);
}
