/* arts-events-page.c: the realm's events in a filtered list view.
 *
 * A GtkListView over a GtkFilterListModel: rows are recycled, the filter
 * runs over the model, not over widgets. */
#include "arts-events-page.h"
#include "arts-event-item.h"
#include "arts-format.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

struct _ArtsEventsPage {
  GtkWidget parent_instance;
  GtkFilterListModel *filtered;
  GtkCustomFilter *filter;
  GtkSearchEntry *search_entry;
  GtkDropDown *kind_dropdown;
  GtkStack *stack;
  AdwStatusPage *empty_page;
  GtkListView *list_view;
};

G_DEFINE_FINAL_TYPE(ArtsEventsPage, arts_events_page, GTK_TYPE_WIDGET)

enum { KIND_ALL, KIND_RUNTIME, KIND_MODULE, KIND_CONNECTION, KIND_PROBLEM };

static gboolean
matches_text(ArtsEventItem *e, const char *needle)
{
  g_autofree char *title = NULL;

  if (!needle || !*needle)
    return TRUE;
  title = arts_event_item_dup_title(e);
  return g_str_match_string(needle, title, TRUE) ||
         (arts_event_item_get_reason(e) &&
          g_str_match_string(needle, arts_event_item_get_reason(e), TRUE)) ||
         g_str_match_string(needle, arts_event_item_get_event(e), TRUE);
}

static gboolean
filter_func(gpointer item, gpointer user_data)
{
  ArtsEventsPage *self = user_data;
  ArtsEventItem *e = item;

  switch (gtk_drop_down_get_selected(self->kind_dropdown)) {
  case KIND_RUNTIME:
    if (arts_event_item_get_category(e) != ARTS_EVENT_CATEGORY_RUNTIME)
      return FALSE;
    break;
  case KIND_MODULE:
    if (arts_event_item_get_category(e) != ARTS_EVENT_CATEGORY_MODULE)
      return FALSE;
    break;
  case KIND_CONNECTION:
    if (arts_event_item_get_category(e) != ARTS_EVENT_CATEGORY_CONNECTION)
      return FALSE;
    break;
  case KIND_PROBLEM:
    if (!arts_event_item_is_problem(e))
      return FALSE;
    break;
  default:
    break;
  }
  return matches_text(e, gtk_editable_get_text(
                             GTK_EDITABLE(self->search_entry)));
}

static void
update_stack(ArtsEventsPage *self)
{
  gboolean empty =
      g_list_model_get_n_items(G_LIST_MODEL(self->filtered)) == 0;
  gboolean filtering =
      gtk_drop_down_get_selected(self->kind_dropdown) != KIND_ALL ||
      *gtk_editable_get_text(GTK_EDITABLE(self->search_entry));

  adw_status_page_set_title(self->empty_page,
      filtering ? _("No Matching Events") : _("No Events"));
  gtk_stack_set_visible_child_name(self->stack, empty ? "empty" : "list");
}

static void
refilter(ArtsEventsPage *self)
{
  gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_stack(self);
}

/* Row: [icon] title / reason ........ time */
static void
setup_row(GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new();
  GtkWidget *title = gtk_label_new(NULL);
  GtkWidget *reason = gtk_label_new(NULL);
  GtkWidget *time = gtk_label_new(NULL);

  gtk_widget_add_css_class(box, "event-row");
  gtk_label_set_xalign(GTK_LABEL(title), 0);
  gtk_label_set_ellipsize(GTK_LABEL(title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign(GTK_LABEL(reason), 0);
  gtk_label_set_ellipsize(GTK_LABEL(reason), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class(reason, "caption");
  gtk_widget_add_css_class(reason, "dim-label");
  gtk_widget_add_css_class(time, "caption");
  gtk_widget_add_css_class(time, "numeric");
  gtk_widget_add_css_class(time, "dim-label");
  gtk_widget_set_hexpand(text, TRUE);
  gtk_widget_set_valign(text, GTK_ALIGN_CENTER);
  gtk_box_append(GTK_BOX(text), title);
  gtk_box_append(GTK_BOX(text), reason);
  gtk_box_append(GTK_BOX(box), icon);
  gtk_box_append(GTK_BOX(box), text);
  gtk_box_append(GTK_BOX(box), time);
  gtk_list_item_set_child(li, box);
  gtk_list_item_set_activatable(li, FALSE);
}

static void
bind_row(GtkSignalListItemFactory *f, GtkListItem *li, gpointer user_data)
{
  ArtsEventItem *e = gtk_list_item_get_item(li);
  GtkWidget *box = gtk_list_item_get_child(li);
  GtkWidget *icon = gtk_widget_get_first_child(box);
  GtkWidget *text = gtk_widget_get_next_sibling(icon);
  GtkWidget *time = gtk_widget_get_next_sibling(text);
  GtkWidget *title = gtk_widget_get_first_child(text);
  GtkWidget *reason = gtk_widget_get_next_sibling(title);
  g_autofree char *title_text = arts_event_item_dup_title(e);
  g_autofree char *time_text = arts_format_time(arts_event_item_get_ts(e));
  const char *why = arts_event_item_get_reason(e);

  gtk_image_set_from_icon_name(GTK_IMAGE(icon),
                               arts_event_item_get_icon_name(e));
  if (arts_event_item_is_problem(e))
    gtk_widget_add_css_class(icon, "warning");
  else
    gtk_widget_remove_css_class(icon, "warning");
  gtk_label_set_label(GTK_LABEL(title), title_text);
  gtk_label_set_label(GTK_LABEL(reason), why ? why : "");
  gtk_widget_set_visible(reason, why && *why);
  gtk_label_set_label(GTK_LABEL(time), time_text);
}

void
arts_events_page_set_events(ArtsEventsPage *self, GListModel *events)
{
  g_return_if_fail(ARTS_IS_EVENTS_PAGE(self));
  gtk_filter_list_model_set_model(self->filtered, events);
  update_stack(self);
}

void
arts_events_page_focus_search(ArtsEventsPage *self)
{
  gtk_widget_grab_focus(GTK_WIDGET(self->search_entry));
}

GListModel *
arts_events_page_get_shown(ArtsEventsPage *self)
{
  return G_LIST_MODEL(self->filtered);
}

static void
arts_events_page_dispose(GObject *object)
{
  ArtsEventsPage *self = ARTS_EVENTS_PAGE(object);

  gtk_widget_dispose_template(GTK_WIDGET(self), ARTS_TYPE_EVENTS_PAGE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child(GTK_WIDGET(self)));)
    gtk_widget_unparent(c);
  g_clear_object(&self->filtered);
  G_OBJECT_CLASS(arts_events_page_parent_class)->dispose(object);
}

static void
arts_events_page_class_init(ArtsEventsPageClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose = arts_events_page_dispose;
  gtk_widget_class_set_template_from_resource(wc,
      "/org/arts/Dashboard/arts-events-page.ui");
  gtk_widget_class_bind_template_child(wc, ArtsEventsPage, search_entry);
  gtk_widget_class_bind_template_child(wc, ArtsEventsPage, kind_dropdown);
  gtk_widget_class_bind_template_child(wc, ArtsEventsPage, stack);
  gtk_widget_class_bind_template_child(wc, ArtsEventsPage, empty_page);
  gtk_widget_class_bind_template_child(wc, ArtsEventsPage, list_view);
  gtk_widget_class_set_css_name(wc, "eventspage");
}

static void
arts_events_page_init(ArtsEventsPage *self)
{
  GtkListItemFactory *factory;
  GtkNoSelection *selection;

  gtk_widget_init_template(GTK_WIDGET(self));
  self->filter = gtk_custom_filter_new(filter_func, self, NULL);
  /* The filter list model takes the filter; we keep the model. */
  self->filtered = gtk_filter_list_model_new(NULL,
                                             GTK_FILTER(self->filter));
  g_signal_connect_swapped(self->filtered, "items-changed",
                           G_CALLBACK(update_stack), self);
  factory = gtk_signal_list_item_factory_new();
  g_signal_connect(factory, "setup", G_CALLBACK(setup_row), NULL);
  g_signal_connect(factory, "bind", G_CALLBACK(bind_row), NULL);
  gtk_list_view_set_factory(self->list_view, factory);
  g_object_unref(factory);
  selection = gtk_no_selection_new(g_object_ref(G_LIST_MODEL(self->filtered)));
  gtk_list_view_set_model(self->list_view, GTK_SELECTION_MODEL(selection));
  g_object_unref(selection);
  g_signal_connect_swapped(self->search_entry, "search-changed",
                           G_CALLBACK(refilter), self);
  g_signal_connect_swapped(self->kind_dropdown, "notify::selected",
                           G_CALLBACK(refilter), self);
  update_stack(self);
}

GtkWidget *
arts_events_page_new(void)
{
  return g_object_new(ARTS_TYPE_EVENTS_PAGE, NULL);
}
