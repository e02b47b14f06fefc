/* arts-connection-dialog.c: adding a realm. */
#include "arts-connection-dialog.h"
#include "arts-common.h"
#include "arts-connection.h"
#include "arts-secrets.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _ArtsConnectionDialog {
  AdwWindow parent_instance;
  char *cafile;
  GtkFileChooserNative *chooser;
  AdwEntryRow *broker_row;
  AdwEntryRow *realm_row;
  AdwEntryRow *username_row;
  AdwPasswordEntryRow *password_row;
  GtkSwitch *tls_switch;
  AdwActionRow *cafile_row;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE(ArtsConnectionDialog, arts_connection_dialog,
                    ADW_TYPE_WINDOW)

static void
show_error(ArtsConnectionDialog *self, const char *message)
{
  gtk_label_set_label(self->error_label, message);
  gtk_widget_set_visible(GTK_WIDGET(self->error_label), TRUE);
}

static const char *
text(gpointer row)
{
  return gtk_editable_get_text(GTK_EDITABLE(row));
}

/* The URL as typed, with the scheme the TLS switch asks for. */
static char *
effective_url(ArtsConnectionDialog *self)
{
  g_autofree char *typed = g_strstrip(g_strdup(text(self->broker_row)));
  gboolean tls = gtk_switch_get_active(self->tls_switch);

  if (tls && g_str_has_prefix(typed, "mqtt://"))
    return g_strconcat("mqtts://", typed + 7, NULL);
  if (!tls && g_str_has_prefix(typed, "mqtts://"))
    return g_strconcat("mqtt://", typed + 8, NULL);
  if (!strstr(typed, "://"))
    return g_strconcat(tls ? "mqtts://" : "mqtt://", typed, NULL);
  return g_steal_pointer(&typed);
}

static void
connect_action(GtkWidget *widget, const char *name, GVariant *param)
{
  ArtsConnectionDialog *self = ARTS_CONNECTION_DIALOG(widget);
  g_autofree char *url = effective_url(self);
  g_autofree char *realm = g_strstrip(g_strdup(text(self->realm_row)));
  g_autofree char *host = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsConnection) conn = NULL;
  g_autoptr(GSettings) settings = g_settings_new("org.arts.Dashboard");
  GtkWindow *parent = gtk_window_get_transient_for(GTK_WINDOW(self));
  int port;
  gboolean tls;

  if (!arts_broker_url_parse(url, &host, &port, &tls, &error)) {
    show_error(self, error->message);
    return;
  }
  if (!arts_realm_is_valid(realm)) {
    show_error(self, _("A realm name is 1 to 64 letters, digits, “_”, “.” "
                       "or “-”."));
    return;
  }
  conn = arts_connection_new(url, realm, text(self->username_row),
                             tls ? self->cafile : NULL);
  if (!arts_secrets_store(arts_connection_get_id(conn),
                          text(self->password_row), &error)) {
    show_error(self, error->message);
    return;
  }
  arts_connection_save(conn, settings);
  if (parent)
    gtk_widget_activate_action(GTK_WIDGET(parent), "win.connect", "s",
                               arts_connection_get_id(conn));
  gtk_window_destroy(GTK_WINDOW(self));
}

static void
on_cafile_chosen(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ArtsConnectionDialog *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file =
        gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));

    g_free(self->cafile);
    self->cafile = g_file_get_path(file);
    adw_action_row_set_subtitle(self->cafile_row, self->cafile);
  }
  g_clear_object(&self->chooser);
}

static void
choose_cafile_action(GtkWidget *widget, const char *name, GVariant *param)
{
  ArtsConnectionDialog *self = ARTS_CONNECTION_DIALOG(widget);

  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new(_("CA Certificate"),
      GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Select"),
      _("_Cancel"));
  g_signal_connect(self->chooser, "response", G_CALLBACK(on_cafile_chosen),
                   self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
arts_connection_dialog_dispose(GObject *object)
{
  ArtsConnectionDialog *self = ARTS_CONNECTION_DIALOG(object);

  if (self->chooser)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_CONNECTION_DIALOG);
  G_OBJECT_CLASS(arts_connection_dialog_parent_class)->dispose(object);
}

static void
arts_connection_dialog_finalize(GObject *object)
{
  g_free(ARTS_CONNECTION_DIALOG(object)->cafile);
  G_OBJECT_CLASS(arts_connection_dialog_parent_class)->finalize(object);
}

static void
arts_connection_dialog_class_init(ArtsConnectionDialogClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_connection_dialog_dispose;
  G_OBJECT_CLASS(klass)->finalize = arts_connection_dialog_finalize;
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-connection-dialog.ui");
  gtk_widget_class_bind_template_child(wc, ArtsConnectionDialog, broker_row);
  gtk_widget_class_bind_template_child(wc, ArtsConnectionDialog, realm_row);
  gtk_widget_class_bind_template_child(wc, ArtsConnectionDialog,
                                       username_row);
  gtk_widget_class_bind_template_child(wc, ArtsConnectionDialog,
                                       password_row);
  gtk_widget_class_bind_template_child(wc, ArtsConnectionDialog, tls_switch);
  gtk_widget_class_bind_template_child(wc, ArtsConnectionDialog, cafile_row);
  gtk_widget_class_bind_template_child(wc, ArtsConnectionDialog,
                                       error_label);
  gtk_widget_class_install_action(wc, "dialog.connect", NULL,
                                  connect_action);
  gtk_widget_class_install_action(wc, "dialog.choose-cafile", NULL,
                                  choose_cafile_action);
  gtk_widget_class_add_binding_action(wc, GDK_KEY_Escape, 0, "window.close",
                                      NULL);
}

static void
arts_connection_dialog_init(ArtsConnectionDialog *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
}

ArtsConnectionDialog *
arts_connection_dialog_new(GtkWindow *parent)
{
  return g_object_new(ARTS_TYPE_CONNECTION_DIALOG, "transient-for", parent,
                      NULL);
}
