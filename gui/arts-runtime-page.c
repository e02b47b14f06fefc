/* arts-runtime-page.c: one runtime in detail.
 *
 * Live charts draw the item's own series (filled by the realm model from
 * telemetry); history comes from the orchestrator through the realm
 * model's query, asked again when the range changes or on reload. */
#include "arts-runtime-page.h"
#include "arts-chart.h"
#include "arts-format.h"
#include "arts-module-item.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

struct _ArtsRuntimePage {
  GtkWidget parent_instance;
  ArtsRealmModel *model;
  ArtsRuntimeItem *item;
  gulong notify_id;
  GCancellable *history_cancel;
  guint history_pending;
  GSettings *settings;

  AdwWindowTitle *title;
  GtkLabel *dead_banner;
  GtkLabel *cpu_value, *mem_value, *net_value;
  ArtsChart *cpu_chart, *mem_chart, *net_chart;
  GtkDropDown *range_dropdown;
  GtkStack *history_stack;
  GtkSpinner *history_spinner;
  GtkLabel *history_message;
  GtkLabel *hist_cpu_value, *hist_mem_value;
  ArtsChart *hist_cpu_chart, *hist_mem_chart;
  GtkListBox *modules_list;
  GtkLabel *status_value, *type_value, *host_value, *platform_value;
  GtkLabel *arch_value;
  GtkLabel *memory_value, *apis_value, *capacity_value, *seen_value;
  GtkLabel *uuid_value;
};

G_DEFINE_FINAL_TYPE(ArtsRuntimePage, arts_runtime_page, GTK_TYPE_WIDGET)

static const struct {
  const char *nick;
  gint64 ms;
} ranges[] = {
  { "1h", 3600 * 1000 },
  { "6h", 6 * 3600 * 1000 },
  { "24h", 24 * 3600 * 1000 },
};

static void
set_text(GtkLabel *label, const char *text)
{
  gtk_label_set_label(label, text && *text ? text : "—");
}

static void
update(ArtsRuntimePage *self)
{
  ArtsRuntimeItem *it = self->item;
  const char *const *apis;
  g_autofree char *platform = NULL, *cpu = NULL, *used = NULL;
  g_autofree char *arch = NULL;
  g_autofree char *total = NULL, *mem = NULL, *rx = NULL, *tx = NULL;
  g_autofree char *net = NULL, *apis_text = NULL, *slots = NULL;
  g_autofree char *seen = NULL;
  gboolean alive;

  if (!it)
    return;
  alive = arts_runtime_item_get_alive(it);
  adw_window_title_set_title(self->title, arts_runtime_item_get_name(it));
  adw_window_title_set_subtitle(self->title,
                                alive ? _("Online") : _("Offline"));
  gtk_widget_set_visible(GTK_WIDGET(self->dead_banner), !alive);

  cpu = arts_format_percent(arts_runtime_item_get_cpu(it));
  gtk_label_set_label(self->cpu_value, cpu);
  used = arts_format_bytes(arts_runtime_item_get_mem_used(it));
  total = arts_format_bytes(arts_runtime_item_get_mem_total(it));
  mem = g_strdup_printf(_("%s of %s"), used, total);
  gtk_label_set_label(self->mem_value, mem);
  arts_chart_set_max_value(self->mem_chart,
      MAX(arts_runtime_item_get_mem_total(it), 0));
  arts_chart_set_max_value(self->hist_mem_chart,
      MAX(arts_runtime_item_get_mem_total(it), 0));
  rx = arts_format_rate(arts_runtime_item_get_net_rx_rate(it));
  tx = arts_format_rate(arts_runtime_item_get_net_tx_rate(it));
  /* Translators: network receive and transmit rates. */
  net = g_strdup_printf(_("↓ %s  ↑ %s"), rx, tx);
  gtk_label_set_label(self->net_value, net);

  set_text(self->status_value, alive ? _("Online") : _("Offline"));
  set_text(self->type_value, arts_runtime_item_get_runtime_type(it));
  set_text(self->host_value, arts_runtime_item_get_hostname(it));
  arch = arts_runtime_item_dup_arch_caption(it);
  set_text(self->arch_value, arch);
  platform = arts_runtime_item_dup_platform_summary(it);
  set_text(self->platform_value, platform);
  set_text(self->memory_value, total);
  apis = arts_runtime_item_get_apis(it);
  apis_text = apis ? g_strjoinv(", ", (char **)apis) : NULL;
  set_text(self->apis_value, apis_text);
  if (arts_runtime_item_get_max_nmodules(it) > 0)
    slots = g_strdup_printf("%u / %d", arts_runtime_item_get_n_modules(it),
                            arts_runtime_item_get_max_nmodules(it));
  set_text(self->capacity_value, slots);
  seen = arts_format_ago(arts_runtime_item_get_last_seen_ms(it),
                         arts_now_ms());
  set_text(self->seen_value, seen);
  set_text(self->uuid_value, arts_runtime_item_get_uuid(it));
}

static GtkWidget *
create_module_row(gpointer item, gpointer user_data)
{
  ArtsModuleItem *m = item;
  GtkWidget *row = adw_action_row_new();
  g_autofree char *cpu = arts_format_percent(arts_module_item_get_cpu(m));
  GtkWidget *label = gtk_label_new(cpu);

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                arts_module_item_get_name(m));
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row),
                              arts_module_item_get_uuid(m));
  gtk_widget_add_css_class(label, "numeric");
  gtk_widget_add_css_class(label, "dim-label");
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), label);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row),
                            gtk_image_new_from_icon_name("go-next-symbolic"));
  gtk_actionable_set_action_name(GTK_ACTIONABLE(row), "win.show-module");
  gtk_actionable_set_action_target(GTK_ACTIONABLE(row), "s",
                                   arts_module_item_get_uuid(m));
  gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
  return row;
}

/* ---- history ---- */

typedef struct {
  ArtsRuntimePage *self;
  ArtsChart *chart;
} HistoryRequest;

static void
history_done(ArtsRuntimePage *self)
{
  if (--self->history_pending == 0 &&
      g_str_equal(gtk_stack_get_visible_child_name(self->history_stack),
                  "message") &&
      gtk_spinner_get_spinning(self->history_spinner)) {
    gtk_spinner_stop(self->history_spinner);
    gtk_stack_set_visible_child_name(self->history_stack, "charts");
  }
}

static void
on_history(GObject *source, GAsyncResult *result, gpointer user_data)
{
  HistoryRequest *req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArtsSeries) series =
      arts_realm_model_query_history_finish(ARTS_REALM_MODEL(source), result,
                                            &error);

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_free(req);
    return;
  }
  if (series) {
    arts_chart_set_series(req->chart, series);
  } else {
    g_autofree char *text =
        g_strdup_printf(_("No history: %s"), error->message);

    gtk_spinner_stop(req->self->history_spinner);
    gtk_label_set_label(req->self->history_message, text);
  }
  history_done(req->self);
  g_free(req);
}

static void
ask_history(ArtsRuntimePage *self, ArtsChart *chart, const char *metric,
            gint64 since, gint64 until)
{
  HistoryRequest *req = g_new0(HistoryRequest, 1);

  req->self = self;
  req->chart = chart;
  self->history_pending++;
  arts_realm_model_query_history_async(self->model,
      arts_runtime_item_get_uuid(self->item), metric, since, until,
      self->history_cancel, on_history, req);
}

void
arts_runtime_page_reload_history(ArtsRuntimePage *self)
{
  guint r = gtk_drop_down_get_selected(self->range_dropdown);
  gint64 now = arts_now_ms();

  g_cancellable_cancel(self->history_cancel);
  g_clear_object(&self->history_cancel);
  self->history_pending = 0;
  if (!self->model || !self->item)
    return;
  if (r >= G_N_ELEMENTS(ranges))
    r = 0;
  self->history_cancel = g_cancellable_new();
  arts_chart_set_span_ms(self->hist_cpu_chart, ranges[r].ms);
  arts_chart_set_span_ms(self->hist_mem_chart, ranges[r].ms);
  gtk_label_set_label(self->history_message, _("Asking the orchestrator…"));
  gtk_spinner_start(self->history_spinner);
  gtk_stack_set_visible_child_name(self->history_stack, "message");
  ask_history(self, self->hist_cpu_chart, ARTS_METRIC_CPU_UTIL,
              now - ranges[r].ms, now);
  ask_history(self, self->hist_mem_chart, ARTS_METRIC_MEM_USED,
              now - ranges[r].ms, now);
}

static void
on_range_changed(ArtsRuntimePage *self)
{
  guint r = gtk_drop_down_get_selected(self->range_dropdown);

  if (r < G_N_ELEMENTS(ranges))
    g_settings_set_string(self->settings, "history-range", ranges[r].nick);
  arts_runtime_page_reload_history(self);
}

/* ---- lifecycle ---- */

void
arts_runtime_page_show(ArtsRuntimePage *self, ArtsRealmModel *model,
                       ArtsRuntimeItem *item)
{
  g_return_if_fail(ARTS_IS_RUNTIME_PAGE(self));
  if (self->item)
    g_clear_signal_handler(&self->notify_id, self->item);
  g_set_object(&self->model, model);
  g_set_object(&self->item, item);
  arts_chart_set_series(self->cpu_chart,
      item ? arts_runtime_item_get_cpu_series(item) : NULL);
  arts_chart_set_series(self->mem_chart,
      item ? arts_runtime_item_get_mem_series(item) : NULL);
  arts_chart_set_series(self->net_chart,
      item ? arts_runtime_item_get_rx_series(item) : NULL);
  arts_chart_set_series2(self->net_chart,
      item ? arts_runtime_item_get_tx_series(item) : NULL);
  arts_chart_set_series(self->hist_cpu_chart, NULL);
  arts_chart_set_series(self->hist_mem_chart, NULL);
  gtk_list_box_bind_model(self->modules_list,
      item ? arts_runtime_item_get_modules(item) : NULL, create_module_row,
      NULL, NULL);
  if (item) {
    self->notify_id = g_signal_connect_swapped(item, "notify",
                                               G_CALLBACK(update), self);
    update(self);
  }
  arts_runtime_page_reload_history(self);
}

ArtsRuntimeItem *
arts_runtime_page_get_item(ArtsRuntimePage *self)
{
  return self->item;
}

static void
arts_runtime_page_dispose(GObject *object)
{
  ArtsRuntimePage *self = ARTS_RUNTIME_PAGE(object);

  g_cancellable_cancel(self->history_cancel);
  g_clear_object(&self->history_cancel);
  if (self->item)
    g_clear_signal_handler(&self->notify_id, self->item);
  g_clear_object(&self->item);
  g_clear_object(&self->model);
  g_clear_object(&self->settings);
  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_RUNTIME_PAGE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child(GTK_WIDGET(self)));)
    gtk_widget_unparent(c);
  G_OBJECT_CLASS(arts_runtime_page_parent_class)->dispose(object);
}

static void
arts_runtime_page_class_init(ArtsRuntimePageClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_runtime_page_dispose;
  g_type_ensure(ARTS_TYPE_CHART);
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-runtime-page.ui");
#define BIND(name) \
  gtk_widget_class_bind_template_child(wc, ArtsRuntimePage, name)
  BIND(title);
  BIND(dead_banner);
  BIND(cpu_value);
  BIND(mem_value);
  BIND(net_value);
  BIND(cpu_chart);
  BIND(mem_chart);
  BIND(net_chart);
  BIND(range_dropdown);
  BIND(history_stack);
  BIND(history_spinner);
  BIND(history_message);
  BIND(hist_cpu_value);
  BIND(hist_mem_value);
  BIND(hist_cpu_chart);
  BIND(hist_mem_chart);
  BIND(modules_list);
  BIND(status_value);
  BIND(type_value);
  BIND(host_value);
  BIND(platform_value);
  BIND(arch_value);
  BIND(memory_value);
  BIND(apis_value);
  BIND(capacity_value);
  BIND(seen_value);
  BIND(uuid_value);
#undef BIND
  gtk_widget_class_set_css_name(wc, "runtimepage");
}

static void
arts_runtime_page_init(ArtsRuntimePage *self)
{
  g_autofree char *range = NULL;
  GtkWidget *placeholder;

  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = g_settings_new("org.arts.Dashboard");
  range = g_settings_get_string(self->settings, "history-range");
  for (guint i = 0; i < G_N_ELEMENTS(ranges); i++) {
    if (g_str_equal(range, ranges[i].nick))
      gtk_drop_down_set_selected(self->range_dropdown, i);
  }
  g_signal_connect_swapped(self->range_dropdown, "notify::selected",
                           G_CALLBACK(on_range_changed), self);
  placeholder = gtk_label_new(_("No programs run here"));
  gtk_widget_add_css_class(placeholder, "dim-label");
  gtk_widget_set_margin_top(placeholder, 12);
  gtk_widget_set_margin_bottom(placeholder, 12);
  gtk_list_box_set_placeholder(self->modules_list, placeholder);
}

GtkWidget *
arts_runtime_page_new(void)
{
  return g_object_new(ARTS_TYPE_RUNTIME_PAGE, NULL);
}
