#pragma once
#include <gio/gio.h>

G_BEGIN_DECLS

/* A saved way into a realm: broker URL, realm name, username and CA file.
 * Kept in GSettings ("connections"); its password is not (arts-secrets.h).
 * Its id, "realm@broker-url", names it in actions and in the secrets file. */
#define ARTS_TYPE_CONNECTION (arts_connection_get_type())
G_DECLARE_FINAL_TYPE(ArtsConnection, arts_connection, ARTS, CONNECTION,
                     GObject)

ArtsConnection *arts_connection_new(const char *broker_url, const char *realm,
                                    const char *username, const char *cafile);
const char *arts_connection_get_id(ArtsConnection *self);
const char *arts_connection_get_broker_url(ArtsConnection *self);
const char *arts_connection_get_realm(ArtsConnection *self);
/* NULL when none. */
const char *arts_connection_get_username(ArtsConnection *self);
const char *arts_connection_get_cafile(ArtsConnection *self);
gboolean arts_connection_get_tls(ArtsConnection *self);

/* The saved list, as a GListStore of ArtsConnection, in settings order. */
GListStore *arts_connection_load_all(GSettings *settings);
/* Adds or replaces (same id) CONN in SETTINGS. */
void arts_connection_save(ArtsConnection *conn, GSettings *settings);
void arts_connection_forget(const char *id, GSettings *settings);
/* The saved connection with ID, or NULL. */
ArtsConnection *arts_connection_lookup(const char *id, GSettings *settings);

G_END_DECLS
