/* Where a module should run: the placement policy as a pure function of
 * what the orchestrator knows about its runtimes (no MQTT, no SQLite), so
 * that it can be tested and measured alone. The rules are in
 * docs/orchestrator.md, "Placement". */
#pragma once
#include <glib.h>
#include "arts-protocol.h"

G_BEGIN_DECLS

/* What placement needs to know about one runtime. Unknown numbers: cpu
 * NAN, mem_avail -1, mem_total 0. */
typedef struct {
  const char *uuid;
  const char *name;
  gboolean alive;
  gboolean draining;
  const char *const *apis;  /* NULL-terminated; NULL: none */
  int max_nmodules;         /* 0: no limit stated */
  int nmodules;             /* live modules the orchestrator put there */
  double cpu;               /* system.cpu.utilization, 0..1 */
  gint64 mem_avail;         /* bytes available, from telemetry */
  gint64 mem_total;         /* bytes, from the registration */
  gint64 mem_promised;      /* max_memory of its modules started since its
                               latest telemetry (not yet in mem_avail) */
  const ArtsPlatform *platform; /* its registration's; NULL: unknown */
} OrchPlaceRuntime;

typedef struct {
  const char *const *apis;  /* the module needs all of them */
  gint64 max_memory;        /* the module's memory cap; 0: none stated */
  const char *exclude;      /* a runtime uuid not to use (the source) */
  const char *on;           /* only this runtime uuid (--on) */
  double cpu_cap;           /* > 0: the runtime's cpu + module_cpu must
                               stay below it (overload hysteresis) */
  double module_cpu;        /* the module's expected host CPU share */
  const ArtsConstraints *constraints; /* the module's; NULL: anywhere */
} OrchPlaceRequest;

/* Lower is better: CPU load, memory in use and modules already there. */
double orch_place_score(const OrchPlaceRuntime *rt);

/* NULL when RT can take the module, else why not (newly allocated,
 * "dead", "full: 4 of max_nmodules 4", ...). */
char *orch_place_reject(const OrchPlaceRuntime *rt,
                        const OrchPlaceRequest *req);

/* The index of the best of the N runtimes for REQ, or -1 with *why set
 * (when WHY is not NULL) to "no runtime fits: NAME: reason; ..." naming
 * every runtime and why it was rejected (at most 20, then "and N more").
 * When the module's constraints alone rule out every runtime that could
 * otherwise have been asked, *why says so instead: "no runtime satisfies
 * arch=s390x: 3 alive runtimes are x86_64, aarch64". */
int orch_place(const OrchPlaceRuntime *rts, guint n,
               const OrchPlaceRequest *req, char **why);

G_END_DECLS
