/* arts-preferences-window.c: what the user can set, all in GSettings. */
#include "arts-preferences-window.h"
#include "arts-connection.h"
#include "arts-secrets.h"

#include <glib/gi18n-lib.h>

struct _ArtsPreferencesWindow {
  AdwPreferencesWindow parent_instance;
  GSettings *settings;
  GListStore *connections;
  AdwComboRow *style_row;
  GtkSwitch *reopen_switch;
  GtkListBox *realms_list;
};

G_DEFINE_FINAL_TYPE(ArtsPreferencesWindow, arts_preferences_window,
                    ADW_TYPE_PREFERENCES_WINDOW)

static void
forget_clicked(GtkButton *button, ArtsPreferencesWindow *self)
{
  const char *id = g_object_get_data(G_OBJECT(button), "connection-id");

  arts_secrets_store(id, NULL, NULL);
  arts_connection_forget(id, self->settings);
}

static GtkWidget *
create_realm_row(gpointer item, gpointer user_data)
{
  ArtsConnection *c = item;
  GtkWidget *row = adw_action_row_new();
  GtkWidget *forget = gtk_button_new_from_icon_name("user-trash-symbolic");

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                arts_connection_get_realm(c));
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row),
                              arts_connection_get_broker_url(c));
  gtk_widget_set_valign(forget, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class(forget, "flat");
  gtk_widget_set_tooltip_text(forget, _("Forget"));
  g_object_set_data_full(G_OBJECT(forget), "connection-id",
                         g_strdup(arts_connection_get_id(c)), g_free);
  g_signal_connect(forget, "clicked", G_CALLBACK(forget_clicked), user_data);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), forget);
  return row;
}

static void
reload(ArtsPreferencesWindow *self)
{
  g_autoptr(GListStore) fresh = arts_connection_load_all(self->settings);
  guint n = g_list_model_get_n_items(G_LIST_MODEL(fresh));

  g_list_store_remove_all(self->connections);
  for (guint i = 0; i < n; i++) {
    g_autoptr(GObject) c = g_list_model_get_item(G_LIST_MODEL(fresh), i);

    g_list_store_append(self->connections, c);
  }
}

static void
arts_preferences_window_dispose(GObject *object)
{
  ArtsPreferencesWindow *self = ARTS_PREFERENCES_WINDOW(object);

  if (self->settings)
    g_signal_handlers_disconnect_by_data(self->settings, self);
  g_clear_object(&self->settings);
  g_clear_object(&self->connections);
  gtk_widget_dispose_template(GTK_WIDGET(self),
                              ARTS_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS(arts_preferences_window_parent_class)->dispose(object);
}

static void
arts_preferences_window_class_init(ArtsPreferencesWindowClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-preferences-window.ui");
  gtk_widget_class_bind_template_child(wc, ArtsPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child(wc, ArtsPreferencesWindow,
                                       reopen_switch);
  gtk_widget_class_bind_template_child(wc, ArtsPreferencesWindow,
                                       realms_list);
}

/* color-scheme (an enum nick) <-> the combo row's position. */
static gboolean
scheme_to_pos(GValue *value, GVariant *variant, gpointer user_data)
{
  const char *nick = g_variant_get_string(variant, NULL);

  g_value_set_uint(value, g_str_equal(nick, "light") ? 1
                          : g_str_equal(nick, "dark") ? 2 : 0);
  return TRUE;
}

static GVariant *
pos_to_scheme(const GValue *value, const GVariantType *type,
              gpointer user_data)
{
  static const char *const nicks[] = { "follow", "light", "dark" };
  guint pos = g_value_get_uint(value);

  return g_variant_new_string(nicks[pos < 3 ? pos : 0]);
}

static void
arts_preferences_window_init(ArtsPreferencesWindow *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = g_settings_new("org.arts.Dashboard");
  g_settings_bind_with_mapping(self->settings, "color-scheme",
                               self->style_row, "selected",
                               G_SETTINGS_BIND_DEFAULT, scheme_to_pos,
                               pos_to_scheme, NULL, NULL);
  g_settings_bind(self->settings, "reopen-last", self->reopen_switch,
                  "active", G_SETTINGS_BIND_DEFAULT);
  self->connections = g_list_store_new(ARTS_TYPE_CONNECTION);
  gtk_list_box_bind_model(self->realms_list,
                          G_LIST_MODEL(self->connections), create_realm_row,
                          self, NULL);
  gtk_list_box_set_placeholder(self->realms_list,
                               gtk_label_new(_("No saved realms")));
  g_signal_connect_swapped(self->settings, "changed::connections",
                           G_CALLBACK(reload), self);
  reload(self);
}

ArtsPreferencesWindow *
arts_preferences_window_new(GtkWindow *parent)
{
  return g_object_new(ARTS_TYPE_PREFERENCES_WINDOW, "transient-for", parent,
                      NULL);
}
