/* arts-module-page.c: one program in detail, with its console. */
#include "arts-module-page.h"
#include "arts-chart.h"
#include "arts-format.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <math.h>

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
  AdwPreferencesGroup *migrations_group;
  AdwPreferencesGroup *channels_group;
  GtkWidget *channels_card;
  GtkGrid *channels_grid;
  GPtrArray *migration_rows;    /* the group's rows, ours to remove */
  gconstpointer shown_newest;   /* the newest record listed */
  guint shown_len;
  int shown_count;
  gboolean stick;               /* the console follows its end */
};

G_DEFINE_FINAL_TYPE(ArtsModulePage, arts_module_page, GTK_TYPE_WIDGET)

static char *
runtime_label(ArtsModulePage *self, const char *uuid)
{
  ArtsRuntimeItem *rt = uuid ? arts_realm_model_lookup_runtime(self->model,
                                                               uuid)
                             : NULL;

  if (rt)
    return g_strdup(arts_runtime_item_get_name(rt));
  return uuid ? g_strndup(uuid, 8) : g_strdup("?");
}

static const char *
reason_label(const char *reason)
{
  if (g_strcmp0(reason, "operator") == 0)
    /* Translators: why a program moved. */
    return _("asked by an operator");
  if (g_strcmp0(reason, "drain") == 0)
    /* Translators: why a program moved: its runtime was being emptied. */
    return _("its runtime was drained");
  if (g_strcmp0(reason, "overload") == 0)
    /* Translators: why a program moved. */
    return _("its runtime was overloaded");
  return reason;
}

static GtkWidget *
migration_row(ArtsModulePage *self, const ArtsMigrationRecord *r)
{
  GtkWidget *row = adw_action_row_new();
  g_autofree char *from = runtime_label(self, r->source);
  g_autofree char *to = runtime_label(self, r->target);
  g_autofree char *title = g_strdup_printf("%s → %s", from, to);
  g_autofree char *when = arts_format_time(r->ts_ms);
  g_autofree char *downtime = r->has_times
      /* Translators: how long a program was paused while it moved. */
      ? g_strdup_printf(_("%lld ms downtime"), (long long)r->downtime_ms)
      : NULL;
  const char *why = reason_label(r->reason);
  g_autoptr(GString) sub = g_string_new(when);

  if (downtime)
    g_string_append_printf(sub, " · %s", downtime);
  if (why)
    g_string_append_printf(sub, " · %s", why);
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row), sub->str);
  gtk_widget_add_css_class(row, "migration-row");
  return row;
}

/* The migrations seen while connected, newest first; the retained count
 * tells how many came before. */
static void
update_migrations(ArtsModulePage *self)
{
  GPtrArray *log = arts_module_item_get_migration_log(self->module);
  int count = arts_module_item_get_migrations(self->module);
  gconstpointer newest = log->len ? log->pdata[log->len - 1] : NULL;
  int earlier;

  if (newest == self->shown_newest && log->len == self->shown_len &&
      count == self->shown_count)
    return;
  self->shown_newest = newest;
  self->shown_len = log->len;
  self->shown_count = count;
  for (guint i = 0; i < self->migration_rows->len; i++)
    adw_preferences_group_remove(self->migrations_group,
                                 self->migration_rows->pdata[i]);
  g_ptr_array_set_size(self->migration_rows, 0);
  for (guint i = log->len; i-- > 0;) {
    GtkWidget *row = migration_row(self, log->pdata[i]);

    adw_preferences_group_add(self->migrations_group, row);
    g_ptr_array_add(self->migration_rows, row);
  }
  earlier = count - (int)log->len;
  if (earlier > 0) {
    g_autofree char *text = g_strdup_printf(
        /* Translators: migrations of a program are listed as they are
         * seen; this many happened before. */
        g_dngettext(GETTEXT_PACKAGE,
                    "%d earlier migration, before this dashboard connected",
                    "%d earlier migrations, before this dashboard connected",
                    earlier), earlier);

    adw_preferences_group_set_description(self->migrations_group, text);
  } else if (log->len == 0) {
    adw_preferences_group_set_description(self->migrations_group,
        _("It has not moved"));
  } else {
    adw_preferences_group_set_description(self->migrations_group, NULL);
  }
}

/* ---- channels: a small table of each channel's counters ---- */

static const char *
mode_label(guint mode)
{
  if (mode == (ARTS_CHANNEL_READ | ARTS_CHANNEL_WRITE))
    /* Translators: a channel the program both reads and writes. */
    return _("read, write");
  if (mode == ARTS_CHANNEL_READ)
    /* Translators: a channel the program reads. */
    return _("read");
  if (mode == ARTS_CHANNEL_WRITE)
    /* Translators: a channel the program writes. */
    return _("write");
  return "—";
}

static GtkWidget *
cell(GtkGrid *grid, int col, int row, const char *text, gboolean number)
{
  GtkWidget *l = gtk_label_new(text);

  gtk_label_set_xalign(GTK_LABEL(l), number ? 1.0f : 0.0f);
  if (number)
    gtk_widget_add_css_class(l, "numeric");
  gtk_grid_attach(grid, l, col, row, 1, 1);
  return l;
}

static const char *const channel_columns[] = {
  /* Translators: column headings of the module page's channel table. */
  N_("Channel"), N_("Mode"), N_("Messages in"), N_("Messages out"),
  N_("Bytes in"), N_("Bytes out"), N_("Dropped"),
};

static void
channel_header(GtkGrid *grid)
{
  for (guint c = 0; c < G_N_ELEMENTS(channel_columns); c++) {
    GtkWidget *l = cell(grid, (int)c, 0, _(channel_columns[c]), c >= 2);

    gtk_widget_add_css_class(l, "caption-heading");
    gtk_widget_add_css_class(l, "dim-label");
  }
}

static char *
count_text(const ArtsChannelMetrics *cm, const char *name)
{
  return arts_format_count(cm ? arts_channel_metrics_get(cm, name) : NAN);
}

static char *
bytes_text(const ArtsChannelMetrics *cm, const char *name)
{
  double v = cm ? arts_channel_metrics_get(cm, name) : NAN;

  return arts_format_bytes(isfinite(v) ? (gint64)v : -1);
}

static void
channel_row(GtkGrid *grid, int row, const char *name, guint mode,
            const ArtsChannelMetrics *cm)
{
  g_autofree char *in = count_text(cm, ARTS_METRIC_CH_MSGS_IN);
  g_autofree char *out = count_text(cm, ARTS_METRIC_CH_MSGS_OUT);
  g_autofree char *bin = bytes_text(cm, ARTS_METRIC_CH_BYTES_IN);
  g_autofree char *bout = bytes_text(cm, ARTS_METRIC_CH_BYTES_OUT);
  g_autofree char *drop = count_text(cm, ARTS_METRIC_CH_DROPPED);
  double dropped = cm ? arts_channel_metrics_get(cm, ARTS_METRIC_CH_DROPPED)
                      : NAN;
  GtkWidget *l = cell(grid, 0, row, name, FALSE);

  gtk_label_set_ellipsize(GTK_LABEL(l), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_selectable(GTK_LABEL(l), TRUE);
  gtk_widget_set_hexpand(l, TRUE);
  gtk_widget_add_css_class(l, "channel-name");
  cell(grid, 1, row, mode_label(mode), FALSE);
  cell(grid, 2, row, in, TRUE);
  cell(grid, 3, row, out, TRUE);
  cell(grid, 4, row, bin, TRUE);
  cell(grid, 5, row, bout, TRUE);
  l = cell(grid, 6, row, drop, TRUE);
  if (dropped > 0)
    gtk_widget_add_css_class(l, "warning");
}

/* The declared channels (its state) with their counters (its runtime's
 * telemetry, or the orchestrator's last ones); counters of a channel the
 * state does not list (an older state) are shown too. Rebuilt on every
 * sample: at most 64 rows of labels. */
static void
update_channels(ArtsModulePage *self)
{
  GPtrArray *declared = arts_module_item_get_declared_channels(self->module);
  GPtrArray *counters = arts_module_item_get_channel_counters(self->module);
  GtkWidget *w = GTK_WIDGET(self->channels_grid);
  int row = 1;

  for (GtkWidget *c; (c = gtk_widget_get_first_child(w));)
    gtk_grid_remove(self->channels_grid, c);
  if (declared->len == 0 && counters->len == 0) {
    gtk_widget_set_visible(self->channels_card, FALSE);
    adw_preferences_group_set_description(self->channels_group,
        /* Translators: the module page's channel table, empty. */
        _("It uses no channels"));
    return;
  }
  gtk_widget_set_visible(self->channels_card, TRUE);
  adw_preferences_group_set_description(self->channels_group,
      _("Messages through each channel, as its runtime counts them"));
  channel_header(self->channels_grid);
  for (guint i = 0; i < declared->len; i++) {
    ArtsChannel *ch = declared->pdata[i];
    const ArtsChannelMetrics *cm = NULL;

    for (guint j = 0; j < counters->len && !cm; j++)
      if (g_str_equal(((ArtsChannelMetrics *)counters->pdata[j])->channel,
                      ch->name))
        cm = counters->pdata[j];
    channel_row(self->channels_grid, row++, ch->name, ch->mode, cm);
  }
  for (guint j = 0; j < counters->len; j++) {
    const ArtsChannelMetrics *cm = counters->pdata[j];
    gboolean listed = FALSE;

    for (guint i = 0; i < declared->len && !listed; i++)
      listed = g_str_equal(((ArtsChannel *)declared->pdata[i])->name,
                           cm->channel);
    if (!listed)
      channel_row(self->channels_grid, row++, cm->channel, cm->mode, cm);
  }
}

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
  update_migrations(self);
  update_channels(self);
}

/* The console follows its end while the reader is there, like a
 * terminal: kept to the bottom as lines arrive (the height is known only
 * after layout, so on the adjustment's change), let go when the reader
 * scrolls up, taken again when they come back to the end. Only the
 * reader's scrolling lets go: the text view moves the position itself
 * while it measures new lines. */
static void
on_console_scrolled(GtkAdjustment *adj, ArtsModulePage *self)
{
  if (gtk_adjustment_get_value(adj) + gtk_adjustment_get_page_size(adj) >=
      gtk_adjustment_get_upper(adj) - 4)
    self->stick = TRUE;
}

static gboolean
on_console_wheel(GtkEventControllerScroll *controller, double dx, double dy,
                 ArtsModulePage *self)
{
  if (dy < 0)
    self->stick = FALSE;
  return FALSE;
}

static void
on_console_bar_pressed(GtkGestureClick *gesture, int n_press, double x,
                       double y, ArtsModulePage *self)
{
  self->stick = FALSE;
}

static gboolean
on_console_key(GtkEventControllerKey *controller, guint keyval,
               guint keycode, GdkModifierType state, ArtsModulePage *self)
{
  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_Page_Up ||
      keyval == GDK_KEY_Home || keyval == GDK_KEY_KP_Up ||
      keyval == GDK_KEY_KP_Page_Up)
    self->stick = FALSE;
  return FALSE;
}

static void
on_console_grown(GtkAdjustment *adj, ArtsModulePage *self)
{
  if (self->stick)
    gtk_adjustment_set_value(adj, gtk_adjustment_get_upper(adj) -
                                      gtk_adjustment_get_page_size(adj));
}

static void
on_console_grown_notify(ArtsModulePage *self)
{
  on_console_grown(gtk_scrolled_window_get_vadjustment(
                       self->console_scroller), self);
}

static void
append(ArtsModulePage *self, const char *text, gssize len)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer(self->console);
  GtkTextIter end, start;
  gtk_text_buffer_get_end_iter(buf, &end);
  gtk_text_buffer_insert(buf, &end, text, len);
  if (gtk_text_buffer_get_char_count(buf) > CONSOLE_MAX_CHARS) {
    gtk_text_buffer_get_start_iter(buf, &start);
    gtk_text_buffer_get_iter_at_offset(buf, &end,
        gtk_text_buffer_get_char_count(buf) - CONSOLE_MAX_CHARS);
    gtk_text_buffer_delete(buf, &start, &end);
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
  self->shown_newest = NULL;
  self->shown_len = 0;
  self->shown_count = -1;
  self->stick = TRUE;
  for (guint i = 0; i < self->migration_rows->len; i++)
    adw_preferences_group_remove(self->migrations_group,
                                 self->migration_rows->pdata[i]);
  g_ptr_array_set_size(self->migration_rows, 0);
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
  g_clear_pointer(&self->migration_rows, g_ptr_array_unref);
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
  BIND(migrations_group);
  BIND(channels_group);
  BIND(channels_card);
  BIND(channels_grid);
#undef BIND
  gtk_widget_class_set_css_name(wc, "modulepage");
}

static void
arts_module_page_init(ArtsModulePage *self)
{
  GtkAdjustment *adj;
  GtkEventController *controller;

  gtk_widget_init_template(GTK_WIDGET(self));
  self->migration_rows = g_ptr_array_new();
  adj = gtk_scrolled_window_get_vadjustment(self->console_scroller);
  /* GtkTextView sets the height with set_upper (notify) or configure
   * (changed), depending on what it measured. */
  g_signal_connect(adj, "changed", G_CALLBACK(on_console_grown), self);
  g_signal_connect_swapped(adj, "notify::upper",
                           G_CALLBACK(on_console_grown_notify), self);
  g_signal_connect_swapped(adj, "notify::page-size",
                           G_CALLBACK(on_console_grown_notify), self);
  g_signal_connect(adj, "value-changed", G_CALLBACK(on_console_scrolled),
                   self);
  controller = gtk_event_controller_scroll_new(
      GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase(controller, GTK_PHASE_CAPTURE);
  g_signal_connect(controller, "scroll", G_CALLBACK(on_console_wheel), self);
  gtk_widget_add_controller(GTK_WIDGET(self->console_scroller), controller);
  controller = gtk_event_controller_key_new();
  g_signal_connect(controller, "key-pressed", G_CALLBACK(on_console_key),
                   self);
  gtk_widget_add_controller(GTK_WIDGET(self->console), controller);
  /* Holding the scrollbar lets go too; back at the end it takes again. */
  controller = GTK_EVENT_CONTROLLER(gtk_gesture_click_new());
  gtk_event_controller_set_propagation_phase(controller, GTK_PHASE_CAPTURE);
  g_signal_connect(controller, "pressed", G_CALLBACK(on_console_bar_pressed),
                   self);
  gtk_widget_add_controller(
      gtk_scrolled_window_get_vscrollbar(self->console_scroller), controller);
  g_signal_connect(self->input_entry, "activate", G_CALLBACK(on_input),
                   self);
}
