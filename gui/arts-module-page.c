/* arts-module-page.c: one program in detail, with its console. */
#include "arts-module-page.h"
#include "arts-chart.h"
#include "arts-format.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

/* The console keeps the newest output only. */
#define CONSOLE_MAX_CHARS (256 * 1024)

struct _ArtsModulePage {
  GtkWidget parent_instance;
  ArtsRealmModel *model;
  ArtsModuleItem *module;
  gulong notify_id, output_id;
  AdwWindowTitle *title;
  ArtsChart *cpu_chart, *mem_chart, *instr_chart;
  GtkScrolledWindow *console_scroller;
  GtkTextView *console;
  GtkEntry *input_entry;
  GtkLabel *state_value, *runtime_value, *started_value, *migrations_value;
};

G_DEFINE_FINAL_TYPE(ArtsModulePage, arts_module_page, GTK_TYPE_WIDGET)

static void
update(ArtsModulePage *self)
{
  ArtsModuleItem *m = self->module;
  ArtsModuleState state;
  ArtsRuntimeItem *rt;
  const char *state_text;
  g_autofree char *started = NULL, *migrations = NULL;

  if (!m)
    return;
  state = arts_module_item_get_state(m);
  state_text = state ? arts_module_state_to_string(state) : "—";
  adw_window_title_set_title(self->title, arts_module_item_get_name(m));
  adw_window_title_set_subtitle(self->title, state_text);
  gtk_label_set_label(self->state_value, state_text);
  rt = arts_realm_model_lookup_runtime(self->model,
                                       arts_module_item_get_runtime(m));
  gtk_label_set_label(self->runtime_value,
                      rt ? arts_runtime_item_get_name(rt) : "—");
  started = arts_module_item_get_started_at(m) > 0
      ? arts_format_time(arts_module_item_get_started_at(m))
      : g_strdup("—");
  gtk_label_set_label(self->started_value, started);
  migrations = g_strdup_printf("%d", arts_module_item_get_migrations(m));
  gtk_label_set_label(self->migrations_value, migrations);
}

static void
append(ArtsModulePage *self, const char *text, gssize len)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer(self->console);
  GtkTextIter end, start;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(
      self->console_scroller);
  /* Follow the end only while the reader is at the end. */
  gboolean at_end = gtk_adjustment_get_value(adj) +
                        gtk_adjustment_get_page_size(adj) >=
                    gtk_adjustment_get_upper(adj) - 4;

  gtk_text_buffer_get_end_iter(buf, &end);
  gtk_text_buffer_insert(buf, &end, text, len);
  if (gtk_text_buffer_get_char_count(buf) > CONSOLE_MAX_CHARS) {
    gtk_text_buffer_get_start_iter(buf, &start);
    gtk_text_buffer_get_iter_at_offset(buf, &end,
        gtk_text_buffer_get_char_count(buf) - CONSOLE_MAX_CHARS);
    gtk_text_buffer_delete(buf, &start, &end);
  }
  if (at_end) {
    gtk_text_buffer_get_end_iter(buf, &end);
    gtk_text_view_scroll_to_iter(self->console, &end, 0, FALSE, 0, 1);
  }
}

static void
on_output(ArtsRealmModel *model, const char *uuid, GBytes *bytes, gint64 gap,
          ArtsModulePage *self)
{
  gsize len;
  const char *data = g_bytes_get_data(bytes, &len);
  g_autofree char *text = NULL;

  if (!self->module ||
      g_strcmp0(uuid, arts_module_item_get_uuid(self->module)) != 0)
    return;
  if (gap > 0) {
    g_autofree char *note = g_strdup_printf(
        /* Translators: in a console, output that never arrived. */
        _("[… %lld bytes missing …]\n"), (long long)gap);

    append(self, note, -1);
  }
  /* Programs may write anything; the console shows valid UTF-8. */
  text = g_utf8_make_valid(data, len);
  append(self, text, -1);
}

static void
on_input(GtkEntry *entry, ArtsModulePage *self)
{
  g_autofree char *line = g_strconcat(
      gtk_editable_get_text(GTK_EDITABLE(entry)), "\n", NULL);
  g_autoptr(GError) error = NULL;

  if (!self->module)
    return;
  if (arts_realm_model_send_input(self->model,
                                  arts_module_item_get_uuid(self->module),
                                  line, &error))
    gtk_editable_set_text(GTK_EDITABLE(entry), "");
  else
    gtk_widget_error_bell(GTK_WIDGET(entry));
}

void
arts_module_page_show(ArtsModulePage *self, ArtsRealmModel *model,
                      ArtsModuleItem *module)
{
  g_return_if_fail(ARTS_IS_MODULE_PAGE(self));
  if (self->module) {
    g_clear_signal_handler(&self->notify_id, self->module);
    if (self->model)
      arts_realm_model_follow_output(self->model,
          arts_module_item_get_uuid(self->module), FALSE);
  }
  if (self->model)
    g_clear_signal_handler(&self->output_id, self->model);
  g_set_object(&self->model, model);
  g_set_object(&self->module, module);
  gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->console), "", 0);
  arts_chart_set_series(self->cpu_chart,
      module ? arts_module_item_get_cpu_series(module) : NULL);
  arts_chart_set_series(self->mem_chart,
      module ? arts_module_item_get_mem_series(module) : NULL);
  arts_chart_set_series(self->instr_chart,
      module ? arts_module_item_get_instr_series(module) : NULL);
  if (!module || !model)
    return;
  self->notify_id = g_signal_connect_swapped(module, "notify",
                                             G_CALLBACK(update), self);
  self->output_id = g_signal_connect(model, "output", G_CALLBACK(on_output),
                                     self);
  arts_realm_model_follow_output(model, arts_module_item_get_uuid(module),
                                 TRUE);
  update(self);
}

ArtsModuleItem *
arts_module_page_get_module(ArtsModulePage *self)
{
  return self->module;
}

char *
arts_module_page_dup_console(ArtsModulePage *self)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer(self->console);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds(buf, &start, &end);
  return gtk_text_buffer_get_text(buf, &start, &end, FALSE);
}

static void
arts_module_page_dispose(GObject *object)
{
  ArtsModulePage *self = ARTS_MODULE_PAGE(object);

  if (self->console)
    arts_module_page_show(self, NULL, NULL);
  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_MODULE_PAGE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child(GTK_WIDGET(self)));)
    gtk_widget_unparent(c);
  G_OBJECT_CLASS(arts_module_page_parent_class)->dispose(object);
}

static void
arts_module_page_class_init(ArtsModulePageClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_module_page_dispose;
  g_type_ensure(ARTS_TYPE_CHART);
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-module-page.ui");
#define BIND(name) \
  gtk_widget_class_bind_template_child(wc, ArtsModulePage, name)
  BIND(title);
  BIND(cpu_chart);
  BIND(mem_chart);
  BIND(instr_chart);
  BIND(console_scroller);
  BIND(console);
  BIND(input_entry);
  BIND(state_value);
  BIND(runtime_value);
  BIND(started_value);
  BIND(migrations_value);
#undef BIND
  gtk_widget_class_set_css_name(wc, "modulepage");
}

static void
arts_module_page_init(ArtsModulePage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  g_signal_connect(self->input_entry, "activate", G_CALLBACK(on_input),
                   self);
}
