/* arts-application.c: the application and its app.* actions. */
#include "arts-application.h"
#include "arts-common.h"
#include "arts-preferences-window.h"
#include "arts-window.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _ArtsApplication {
  AdwApplication parent_instance;
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE(ArtsApplication, arts_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "broker", 'b', 0, G_OPTION_ARG_STRING, NULL,
    N_("Open the realm on this broker (mqtt://HOST:PORT or mqtts://…)"),
    N_("URL") },
  { "realm", 'r', 0, G_OPTION_ARG_STRING, NULL, N_("The realm to open"),
    N_("NAME") },
  { "username", 'u', 0, G_OPTION_ARG_STRING, NULL,
    N_("Sign in to the broker as this user"), N_("USER") },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Read the broker password from this file"), N_("FILE") },
  { "cafile", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Trust this CA certificate for TLS"), N_("FILE") },
  { NULL },
};

static void
apply_color_scheme(ArtsApplication *self)
{
  AdwStyleManager *sm = adw_style_manager_get_default();
  int scheme = g_settings_get_enum(self->settings, "color-scheme");

  adw_style_manager_set_color_scheme(sm,
      scheme == 1 ? ADW_COLOR_SCHEME_FORCE_LIGHT
      : scheme == 2 ? ADW_COLOR_SCHEME_FORCE_DARK
                    : ADW_COLOR_SCHEME_DEFAULT);
}

static GtkWindow *
active_window(ArtsApplication *self)
{
  return gtk_application_get_active_window(GTK_APPLICATION(self));
}

static void
preferences_action(GSimpleAction *action, GVariant *param, gpointer self)
{
  gtk_window_present(GTK_WINDOW(arts_preferences_window_new(
      active_window(self))));
}

static void
about_action(GSimpleAction *action, GVariant *param, gpointer self)
{
  static const char *developers[] = { "The ARTS authors", NULL };
  GtkWidget *about = adw_about_window_new();

  g_object_set(about,
               "transient-for", active_window(self),
               "application-name", _("ARTS Dashboard"),
               "application-icon", ARTS_APPLICATION_ID,
               "version", PACKAGE_VERSION,
               "developer-name", _("The ARTS authors"),
               "developers", developers,
               "comments", _("Watch and steer WebAssembly programs across "
                             "your devices"),
               "license-type", GTK_LICENSE_APACHE_2_0,
               /* Translators: put your names here, one a line. */
               "translator-credits", _("translator-credits"),
               NULL);
  gtk_window_present(GTK_WINDOW(about));
}

static void
quit_action(GSimpleAction *action, GVariant *param, gpointer self)
{
  GList *windows =
      g_list_copy(gtk_application_get_windows(GTK_APPLICATION(self)));

  /* Closing saves each window's size; then the application ends. */
  for (GList *l = windows; l; l = l->next)
    gtk_window_close(l->data);
  g_list_free(windows);
  g_application_quit(G_APPLICATION(self));
}

static const GActionEntry app_actions[] = {
  { "preferences", preferences_action, NULL, NULL, NULL, { 0 } },
  { "about", about_action, NULL, NULL, NULL, { 0 } },
  { "quit", quit_action, NULL, NULL, NULL, { 0 } },
};

static void
arts_application_startup(GApplication *app)
{
  ArtsApplication *self = ARTS_APPLICATION(app);
  GtkApplication *gtk_app = GTK_APPLICATION(app);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "win.add-connection", { "<Control>n", NULL } },
    { "win.start-module", { "<Control>o", NULL } },
    { "win.back", { "<Alt>Left", "Escape", NULL } },
    { "win.search", { "<Control>f", NULL } },
    { "win.refresh-history", { "<Control>r", "F5", NULL } },
    { "win.page::runtimes", { "<Alt>1", NULL } },
    { "win.page::events", { "<Alt>2", NULL } },
  };

  G_APPLICATION_CLASS(arts_application_parent_class)->startup(app);
  self->settings = g_settings_new(ARTS_APPLICATION_ID);
  g_signal_connect_swapped(self->settings, "changed::color-scheme",
                           G_CALLBACK(apply_color_scheme), self);
  apply_color_scheme(self);
  g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions,
                                  G_N_ELEMENTS(app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS(accels); i++)
    gtk_application_set_accels_for_action(gtk_app, accels[i].action,
                                          accels[i].accels);
}

static ArtsWindow *
new_window(ArtsApplication *self)
{
  ArtsWindow *win = arts_window_new(GTK_APPLICATION(self));

  gtk_window_present(GTK_WINDOW(win));
  return win;
}

static void
arts_application_activate(GApplication *app)
{
  ArtsApplication *self = ARTS_APPLICATION(app);
  GtkWindow *win = active_window(self);
  g_autofree char *last = NULL;

  if (win) {
    gtk_window_present(win);
    return;
  }
  win = GTK_WINDOW(new_window(self));
  last = g_settings_get_string(self->settings, "last-connection");
  if (g_settings_get_boolean(self->settings, "reopen-last") && *last)
    gtk_widget_activate_action(GTK_WIDGET(win), "win.connect", "s", last);
}

static char *
read_password(const char *path, GError **error)
{
  g_autofree char *data = NULL;

  if (!g_file_get_contents(path, &data, NULL, error))
    return NULL;
  data[strcspn(data, "\r\n")] = '\0';
  return g_steal_pointer(&data);
}

static int
arts_application_command_line(GApplication *app, GApplicationCommandLine *cl)
{
  ArtsApplication *self = ARTS_APPLICATION(app);
  GVariantDict *opts = g_application_command_line_get_options_dict(cl);
  const char *broker = NULL, *realm = NULL, *user = NULL;
  const char *pwfile = NULL, *cafile = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GError) error = NULL;
  ArtsWindow *win;

  g_variant_dict_lookup(opts, "broker", "&s", &broker);
  g_variant_dict_lookup(opts, "realm", "&s", &realm);
  g_variant_dict_lookup(opts, "username", "&s", &user);
  g_variant_dict_lookup(opts, "password-file", "^&ay", &pwfile);
  g_variant_dict_lookup(opts, "cafile", "^&ay", &cafile);
  if (!broker && !realm) {
    g_application_activate(app);
    return 0;
  }
  if (pwfile && !(password = read_password(pwfile, &error))) {
    g_application_command_line_printerr(cl, "arts-dashboard: %s\n",
                                        error->message);
    return 1;
  }
  win = ARTS_WINDOW(active_window(self));
  if (!win)
    win = new_window(self);
  if (!arts_window_open_realm(win, broker ? broker : "mqtt://127.0.0.1:1883",
                              realm ? realm : "realm", user, password,
                              cafile, &error)) {
    g_application_command_line_printerr(cl, "arts-dashboard: %s\n",
                                        error->message);
    return 1;
  }
  gtk_window_present(GTK_WINDOW(win));
  return 0;
}

static void
arts_application_dispose(GObject *object)
{
  g_clear_object(&ARTS_APPLICATION(object)->settings);
  G_OBJECT_CLASS(arts_application_parent_class)->dispose(object);
}

static void
arts_application_class_init(ArtsApplicationClass *klass)
{
  GApplicationClass *ac = G_APPLICATION_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_application_dispose;
  ac->startup = arts_application_startup;
  ac->activate = arts_application_activate;
  ac->command_line = arts_application_command_line;
}

static void
arts_application_init(ArtsApplication *self)
{
  g_application_add_main_option_entries(G_APPLICATION(self), options);
  g_application_set_option_context_parameter_string(G_APPLICATION(self),
                                                    NULL);
  g_application_set_option_context_summary(G_APPLICATION(self),
      _("Watch and steer the WebAssembly programs of an ARTS realm."));
}

ArtsApplication *
arts_application_new(GApplicationFlags flags)
{
  return g_object_new(ARTS_TYPE_APPLICATION,
                      "application-id", ARTS_APPLICATION_ID,
                      "flags", flags | G_APPLICATION_HANDLES_COMMAND_LINE,
                      "resource-base-path", "/org/arts/Dashboard",
                      NULL);
}
