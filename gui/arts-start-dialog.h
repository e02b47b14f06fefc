#pragma once
#include <adwaita.h>
#include "arts-realm-model.h"

G_BEGIN_DECLS

/* "Start a Program": a .wasm file, a name, arguments, environment, a
 * runtime or automatic placement, and whether it restarts when its runtime
 * dies. Start uploads the program by its hash and asks the orchestrator;
 * the dialog stays open with the reason when that fails. */
#define ARTS_TYPE_START_DIALOG (arts_start_dialog_get_type())
G_DECLARE_FINAL_TYPE(ArtsStartDialog, arts_start_dialog, ARTS, START_DIALOG,
                     AdwWindow)

ArtsStartDialog *arts_start_dialog_new(GtkWindow *parent,
                                       ArtsRealmModel *model);
/* Chooses FILE as the program (what the file chooser does). */
void arts_start_dialog_set_file(ArtsStartDialog *self, GFile *file);

G_END_DECLS
