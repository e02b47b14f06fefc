/* arts-connection.c: saved realm connections in GSettings. */
#include "arts-connection.h"

struct _ArtsConnection {
  GObject parent_instance;
  char *id, *broker_url, *realm, *username, *cafile;
};

G_DEFINE_FINAL_TYPE(ArtsConnection, arts_connection, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_BROKER_URL, PROP_REALM, PROP_USERNAME, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
arts_connection_finalize(GObject *object)
{
  ArtsConnection *self = ARTS_CONNECTION(object);

  g_free(self->id);
  g_free(self->broker_url);
  g_free(self->realm);
  g_free(self->username);
  g_free(self->cafile);
  G_OBJECT_CLASS(arts_connection_parent_class)->finalize(object);
}

static void
arts_connection_get_property(GObject *object, guint id, GValue *value,
                             GParamSpec *pspec)
{
  ArtsConnection *self = ARTS_CONNECTION(object);

  switch (id) {
  case PROP_ID: g_value_set_string(value, self->id); break;
  case PROP_BROKER_URL: g_value_set_string(value, self->broker_url); break;
  case PROP_REALM: g_value_set_string(value, self->realm); break;
  case PROP_USERNAME: g_value_set_string(value, self->username); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void
arts_connection_class_init(ArtsConnectionClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  oc->finalize = arts_connection_finalize;
  oc->get_property = arts_connection_get_property;
  props[PROP_ID] = g_param_spec_string("id", NULL, NULL, NULL, ro);
  props[PROP_BROKER_URL] = g_param_spec_string("broker-url", NULL, NULL,
                                               NULL, ro);
  props[PROP_REALM] = g_param_spec_string("realm", NULL, NULL, NULL, ro);
  props[PROP_USERNAME] = g_param_spec_string("username", NULL, NULL, NULL,
                                             ro);
  g_object_class_install_properties(oc, N_PROPS, props);
}

static void
arts_connection_init(ArtsConnection *self)
{
}

static char *
nonempty(const char *s)
{
  return s && *s ? g_strdup(s) : NULL;
}

ArtsConnection *
arts_connection_new(const char *broker_url, const char *realm,
                    const char *username, const char *cafile)
{
  ArtsConnection *self = g_object_new(ARTS_TYPE_CONNECTION, NULL);

  self->broker_url = g_strdup(broker_url);
  self->realm = g_strdup(realm);
  self->username = nonempty(username);
  self->cafile = nonempty(cafile);
  self->id = g_strdup_printf("%s@%s", realm, broker_url);
  return self;
}

const char *
arts_connection_get_id(ArtsConnection *self)
{
  return self->id;
}

const char *
arts_connection_get_broker_url(ArtsConnection *self)
{
  return self->broker_url;
}

const char *
arts_connection_get_realm(ArtsConnection *self)
{
  return self->realm;
}

const char *
arts_connection_get_username(ArtsConnection *self)
{
  return self->username;
}

const char *
arts_connection_get_cafile(ArtsConnection *self)
{
  return self->cafile;
}

gboolean
arts_connection_get_tls(ArtsConnection *self)
{
  return g_str_has_prefix(self->broker_url, "mqtts://");
}

GListStore *
arts_connection_load_all(GSettings *settings)
{
  GListStore *store = g_list_store_new(ARTS_TYPE_CONNECTION);
  g_autoptr(GVariant) list = g_settings_get_value(settings, "connections");
  GVariantIter iter;
  const char *url, *realm, *user, *cafile;

  g_variant_iter_init(&iter, list);
  while (g_variant_iter_next(&iter, "(&s&s&s&s)", &url, &realm, &user,
                             &cafile)) {
    g_autoptr(ArtsConnection) c = arts_connection_new(url, realm, user,
                                                      cafile);

    g_list_store_append(store, c);
  }
  return store;
}

static void
store_all(GListStore *store, GSettings *settings)
{
  GVariantBuilder b;
  guint n = g_list_model_get_n_items(G_LIST_MODEL(store));

  g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssss)"));
  for (guint i = 0; i < n; i++) {
    g_autoptr(ArtsConnection) c = g_list_model_get_item(G_LIST_MODEL(store),
                                                        i);

    g_variant_builder_add(&b, "(ssss)", c->broker_url, c->realm,
                          c->username ? c->username : "",
                          c->cafile ? c->cafile : "");
  }
  g_settings_set_value(settings, "connections", g_variant_builder_end(&b));
}

static gboolean
find_id(GListStore *store, const char *id, guint *pos)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(store));

  for (guint i = 0; i < n; i++) {
    g_autoptr(ArtsConnection) c = g_list_model_get_item(G_LIST_MODEL(store),
                                                        i);

    if (g_str_equal(c->id, id)) {
      *pos = i;
      return TRUE;
    }
  }
  return FALSE;
}

void
arts_connection_save(ArtsConnection *conn, GSettings *settings)
{
  g_autoptr(GListStore) store = arts_connection_load_all(settings);
  guint pos;

  if (find_id(store, conn->id, &pos))
    g_list_store_splice(store, pos, 1, (gpointer *)&conn, 1);
  else
    g_list_store_append(store, conn);
  store_all(store, settings);
}

void
arts_connection_forget(const char *id, GSettings *settings)
{
  g_autoptr(GListStore) store = arts_connection_load_all(settings);
  guint pos;

  if (!find_id(store, id, &pos))
    return;
  g_list_store_remove(store, pos);
  store_all(store, settings);
}

ArtsConnection *
arts_connection_lookup(const char *id, GSettings *settings)
{
  g_autoptr(GListStore) store = arts_connection_load_all(settings);
  guint pos;

  if (!id || !find_id(store, id, &pos))
    return NULL;
  return g_list_model_get_item(G_LIST_MODEL(store), pos);
}
