#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Broker passwords, kept out of GSettings (which any process of the user
 * can read with `gsettings get`, and which backups copy around): in
 * $XDG_CONFIG_HOME/arts-dashboard/secrets, a key file readable by its owner
 * only (0600, directory 0700), one group per connection id. Inside flatpak
 * that is the app's private config folder. docs/dashboard.md says why not
 * libsecret. */

/* The stored password for ID, or NULL. */
char *arts_secrets_lookup(const char *id);
/* PASSWORD NULL or empty forgets it. */
gboolean arts_secrets_store(const char *id, const char *password,
                            GError **error);
/* The file, for tests and docs. */
char *arts_secrets_path(void);

G_END_DECLS
