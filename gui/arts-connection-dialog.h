#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

/* "Add Realm": broker URL, realm, username, password, TLS and CA file.
 * Connect validates, saves the connection (password to arts-secrets) and
 * activates win.connect on its parent window. */
#define ARTS_TYPE_CONNECTION_DIALOG (arts_connection_dialog_get_type())
G_DECLARE_FINAL_TYPE(ArtsConnectionDialog, arts_connection_dialog, ARTS,
                     CONNECTION_DIALOG, AdwWindow)

ArtsConnectionDialog *arts_connection_dialog_new(GtkWindow *parent);

G_END_DECLS
