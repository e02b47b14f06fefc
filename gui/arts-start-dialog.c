/* arts-start-dialog.c: starting a program somewhere in the realm.
 *
 * The program travels by content hash (docs/protocol.md, "Programs travel
 * by content hash"): its bytes are published retained on
 * program/{sha256}, then the orchestrator gets a module create naming
 * that hash. */
#include "arts-start-dialog.h"
#include "arts-window.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _ArtsStartDialog {
  AdwWindow parent_instance;
  ArtsRealmModel *model;
  GFile *file;
  GtkStringList *runtime_names;
  GPtrArray *runtime_uuids;     /* index i+1 of the combo row */
  GtkFileChooserNative *chooser;
  GCancellable *cancel;
  AdwActionRow *file_row;
  AdwEntryRow *name_row;
  AdwEntryRow *args_row;
  AdwEntryRow *env_row;
  AdwComboRow *runtime_row;
  GtkSwitch *restart_switch;
  GtkLabel *error_label;
  GtkWidget *start_button;
};

G_DEFINE_FINAL_TYPE(ArtsStartDialog, arts_start_dialog, ADW_TYPE_WINDOW)

static void
show_error(ArtsStartDialog *self, const char *message)
{
  gtk_label_set_label(self->error_label, message);
  gtk_widget_set_visible(GTK_WIDGET(self->error_label), TRUE);
}

void
arts_start_dialog_set_file(ArtsStartDialog *self, GFile *file)
{
  g_autofree char *base = g_file_get_basename(file);
  g_autofree char *path = g_file_get_path(file);
  const char *name = gtk_editable_get_text(GTK_EDITABLE(self->name_row));

  g_set_object(&self->file, file);
  adw_action_row_set_subtitle(self->file_row, path ? path : base);
  /* The file's name without .wasm, until the user names it. */
  if (!*name) {
    g_autofree char *stem = g_str_has_suffix(base, ".wasm")
        ? g_strndup(base, strlen(base) - 5) : g_strdup(base);

    gtk_editable_set_text(GTK_EDITABLE(self->name_row), stem);
  }
}

static void
on_file_chosen(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ArtsStartDialog *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file =
        gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));

    arts_start_dialog_set_file(self, file);
  }
  g_clear_object(&self->chooser);
}

static void
choose_file_action(GtkWidget *widget, const char *name, GVariant *param)
{
  ArtsStartDialog *self = ARTS_START_DIALOG(widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();

  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new(_("Program"),
      GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Select"),
      _("_Cancel"));
  gtk_file_filter_set_name(filter, _("WebAssembly programs"));
  gtk_file_filter_add_suffix(filter, "wasm");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
  g_signal_connect(self->chooser, "response", G_CALLBACK(on_file_chosen),
                   self);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
on_started(GObject *source, GAsyncResult *result, gpointer user_data)
{
  ArtsStartDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) details =
      arts_realm_model_control_finish(ARTS_REALM_MODEL(source), result,
                                      &error);
  GtkWindow *parent;
  g_autofree char *text = NULL;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_object_unref(self);
    return;
  }
  gtk_widget_set_sensitive(self->start_button, TRUE);
  if (!details) {
    show_error(self, error->message);
    g_object_unref(self);
    return;
  }
  parent = gtk_window_get_transient_for(GTK_WINDOW(self));
  text = g_strdup_printf(_("%s started on %s"),
      gtk_editable_get_text(GTK_EDITABLE(self->name_row)),
      json_object_has_member(details, "runtime_name") &&
              JSON_NODE_HOLDS_VALUE(json_object_get_member(details,
                                                           "runtime_name"))
          ? json_object_get_string_member(details, "runtime_name")
          : _("a runtime"));
  if (ARTS_IS_WINDOW(parent))
    arts_window_show_toast(ARTS_WINDOW(parent), text);
  gtk_window_destroy(GTK_WINDOW(self));
  g_object_unref(self);
}

static JsonArray *
strv_array(char **v)
{
  JsonArray *a = json_array_new();

  for (guint i = 0; v && v[i]; i++)
    json_array_add_string_element(a, v[i]);
  return a;
}

static void
start_action(GtkWidget *widget, const char *action, GVariant *param)
{
  ArtsStartDialog *self = ARTS_START_DIALOG(widget);
  const char *name = gtk_editable_get_text(GTK_EDITABLE(self->name_row));
  const char *args = gtk_editable_get_text(GTK_EDITABLE(self->args_row));
  const char *env = gtk_editable_get_text(GTK_EDITABLE(self->env_row));
  guint where = adw_combo_row_get_selected(self->runtime_row);
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL, *sha = NULL, *base = NULL;
  g_auto(GStrv) argv = NULL, envv = NULL;
  g_autoptr(JsonObject) data = NULL;
  JsonArray *apis;
  gsize len;

  if (!self->file) {
    show_error(self, _("Choose a program first."));
    return;
  }
  if ((*args && !g_shell_parse_argv(args, NULL, &argv, &error)) ||
      (*env && !g_shell_parse_argv(env, NULL, &envv, &error))) {
    show_error(self, error->message);
    return;
  }
  for (guint i = 0; envv && envv[i]; i++) {
    if (!strchr(envv[i], '=') || envv[i][0] == '=') {
      g_autofree char *msg =
          g_strdup_printf(_("“%s” is not NAME=VALUE"), envv[i]);

      show_error(self, msg);
      return;
    }
  }
  if (!g_file_load_contents(self->file, NULL, &bytes, &len, NULL, &error) ||
      !arts_wasm_check(bytes, len, &error)) {
    show_error(self, error->message);
    return;
  }
  sha = arts_sha256_hex(bytes, len);
  if (!arts_realm_model_upload_program(self->model, sha, bytes, len,
                                       &error)) {
    show_error(self, error->message);
    return;
  }
  base = g_file_get_basename(self->file);
  data = json_object_new();
  json_object_set_string_member(data, "type", "module");
  if (*name)
    json_object_set_string_member(data, "name", name);
  json_object_set_string_member(data, "filename", base);
  json_object_set_string_member(data, "filetype", "WA");
  json_object_set_string_member(data, "sha256", sha);
  apis = json_array_new();
  json_array_add_string_element(apis, "wasm");
  json_array_add_string_element(apis, "wasi");
  json_object_set_array_member(data, "apis", apis);
  json_object_set_array_member(data, "args", strv_array(argv));
  json_object_set_array_member(data, "env", strv_array(envv));
  json_object_set_string_member(data, "fault_crash",
      gtk_switch_get_active(self->restart_switch) ? "restart" : "ignore");
  if (where > 0 && where <= self->runtime_uuids->len)
    json_object_set_string_member(data, "parent",
                                  self->runtime_uuids->pdata[where - 1]);
  gtk_widget_set_visible(GTK_WIDGET(self->error_label), FALSE);
  gtk_widget_set_sensitive(self->start_button, FALSE);
  arts_realm_model_control_async(self->model, "create", data, self->cancel,
                                 on_started, g_object_ref(self));
}

static void
fill_runtimes(ArtsStartDialog *self)
{
  GListModel *rts = arts_realm_model_get_runtimes(self->model);

  gtk_string_list_append(self->runtime_names, _("Automatic"));
  for (guint i = 0; i < g_list_model_get_n_items(rts); i++) {
    g_autoptr(ArtsRuntimeItem) rt = g_list_model_get_item(rts, i);

    if (!arts_runtime_item_get_alive(rt))
      continue;
    gtk_string_list_append(self->runtime_names,
                           arts_runtime_item_get_name(rt));
    g_ptr_array_add(self->runtime_uuids,
                    g_strdup(arts_runtime_item_get_uuid(rt)));
  }
  adw_combo_row_set_model(self->runtime_row,
                          G_LIST_MODEL(self->runtime_names));
}

static void
arts_start_dialog_dispose(GObject *object)
{
  ArtsStartDialog *self = ARTS_START_DIALOG(object);

  g_cancellable_cancel(self->cancel);
  g_clear_object(&self->cancel);
  if (self->chooser)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
  g_clear_object(&self->chooser);
  g_clear_object(&self->model);
  g_clear_object(&self->file);
  g_clear_object(&self->runtime_names);
  g_clear_pointer(&self->runtime_uuids, g_ptr_array_unref);
  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_START_DIALOG);
  G_OBJECT_CLASS(arts_start_dialog_parent_class)->dispose(object);
}

static void
arts_start_dialog_class_init(ArtsStartDialogClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_start_dialog_dispose;
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-start-dialog.ui");
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, file_row);
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, name_row);
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, args_row);
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, env_row);
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, runtime_row);
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, restart_switch);
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, error_label);
  gtk_widget_class_bind_template_child(wc, ArtsStartDialog, start_button);
  gtk_widget_class_install_action(wc, "dialog.start", NULL, start_action);
  gtk_widget_class_install_action(wc, "dialog.choose-file", NULL,
                                  choose_file_action);
  gtk_widget_class_add_binding_action(wc, GDK_KEY_Escape, 0, "window.close",
                                      NULL);
}

static void
arts_start_dialog_init(ArtsStartDialog *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->cancel = g_cancellable_new();
  self->runtime_names = gtk_string_list_new(NULL);
  self->runtime_uuids = g_ptr_array_new_with_free_func(g_free);
}

ArtsStartDialog *
arts_start_dialog_new(GtkWindow *parent, ArtsRealmModel *model)
{
  ArtsStartDialog *self = g_object_new(ARTS_TYPE_START_DIALOG,
                                       "transient-for", parent, NULL);

  self->model = g_object_ref(model);
  fill_runtimes(self);
  return self;
}
