/* arts-dashboard: the ARTS operator's desktop application. */
#include "arts-application.h"

#include <glib/gi18n.h>
#include <locale.h>

int
main(int argc, char **argv)
{
  g_autoptr(ArtsApplication) app = NULL;
  const char *localedir = g_getenv("ARTS_DASHBOARD_LOCALEDIR");

  setlocale(LC_ALL, "");
  /* Tests point this at the build's po/ to check the translation. */
  bindtextdomain(GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);

  app = arts_application_new(G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run(G_APPLICATION(app), argc, argv);
}
