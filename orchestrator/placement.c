/* The placement policy: filters say who can take a module, the score says
 * who should. Filters are hard (a runtime is never overcommitted beyond
 * what it told us), the score is a heuristic over the latest telemetry. */
#include "placement.h"

#include <math.h>
#include <string.h>

/* Weights of the score: a busy CPU counts most, memory in use half as
 * much, and each module already placed a little, so that a burst of
 * placements (faster than telemetry can show their load) spreads out. */
#define W_CPU     1.0
#define W_MEMORY  0.5
#define W_MODULE  0.1
#define MAX_REASONS 20

static gboolean
has_api(const char *const *apis, const char *want)
{
  for (guint i = 0; apis && apis[i]; i++)
    if (strcmp(apis[i], want) == 0)
      return TRUE;
  return FALSE;
}

/* Bytes the runtime can still give a module: what its latest telemetry
 * saw available, less what was promised since; its total memory when it
 * has sent no telemetry; -1 when nothing is known. */
static gint64
headroom(const OrchPlaceRuntime *rt)
{
  gint64 base = rt->mem_avail >= 0 ? rt->mem_avail
                                   : (rt->mem_total > 0 ? rt->mem_total : -1);
  return base < 0 ? -1 : base - rt->mem_promised;
}

double
orch_place_score(const OrchPlaceRuntime *rt)
{
  double cpu = isfinite(rt->cpu) ? CLAMP(rt->cpu, 0.0, 1.0) : 0.0;
  double mem = 0.0;
  gint64 room = headroom(rt);
  if (rt->mem_total > 0 && room >= 0)
    mem = CLAMP(1.0 - (double)room / (double)rt->mem_total, 0.0, 1.0);
  return W_CPU * cpu + W_MEMORY * mem + W_MODULE * rt->nmodules;
}

/* NULL when RT is of the kind the module's constraints ask for. A runtime
 * that never stated its platform is judged as knowing nothing. */
static char *
constraints_reject(const OrchPlaceRuntime *rt, const OrchPlaceRequest *req)
{
  static const ArtsPlatform unknown;
  if (!req->constraints)
    return NULL;
  return arts_constraints_reject(req->constraints,
                                 rt->platform ? rt->platform : &unknown);
}

char *
orch_place_reject(const OrchPlaceRuntime *rt, const OrchPlaceRequest *req)
{
  if (req->on && strcmp(req->on, rt->uuid) != 0)
    return g_strdup("not the runtime asked for");
  if (req->exclude && strcmp(req->exclude, rt->uuid) == 0)
    return g_strdup("the module is already there");
  if (!rt->alive)
    return g_strdup("dead");
  if (rt->draining)
    return g_strdup("draining (shutting down)");
  /* Device class before capacity: a runtime of the wrong kind is no
   * candidate at all, however idle. */
  char *no = constraints_reject(rt, req);
  if (no)
    return no;
  for (guint i = 0; req->apis && req->apis[i]; i++)
    if (!has_api(rt->apis, req->apis[i]))
      return g_strdup_printf("lacks the \"%s\" API", req->apis[i]);
  if (rt->max_nmodules > 0 && rt->nmodules >= rt->max_nmodules)
    return g_strdup_printf("full: %d of max_nmodules %d", rt->nmodules,
                           rt->max_nmodules);
  gint64 room = headroom(rt);
  if (req->max_memory > 0 && room >= 0 && room < req->max_memory)
    return g_strdup_printf("memory: %" G_GINT64_FORMAT " MiB available, "
                           "the module may use %" G_GINT64_FORMAT " MiB",
                           MAX(room, 0) >> 20, req->max_memory >> 20);
  if (req->cpu_cap > 0) {
    double cpu = isfinite(rt->cpu) ? rt->cpu : 0.0;
    if (cpu + req->module_cpu >= req->cpu_cap)
      return g_strdup_printf("CPU: %.0f%% busy, %.0f%% with the module "
                             "(limit %.0f%%)", cpu * 100,
                             (cpu + req->module_cpu) * 100,
                             req->cpu_cap * 100);
  }
  return NULL;
}

/* Would RT be a candidate but for the module's constraints? */
static gboolean
candidate(const OrchPlaceRuntime *rt, const OrchPlaceRequest *req)
{
  return rt->alive && !rt->draining
         && !(req->exclude && strcmp(req->exclude, rt->uuid) == 0);
}

/* What the candidates are, in the terms of the constraints: their device
 * classes (or byte orders, word sizes), each once, in the order met. */
static void
describe_candidates(GString *out, const OrchPlaceRuntime *rts, guint n,
                    const OrchPlaceRequest *req, guint ncand)
{
  static const ArtsPlatform unknown;
  const ArtsConstraints *c = req->constraints;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < n; i++) {
    if (!candidate(&rts[i], req))
      continue;
    const ArtsPlatform *p = rts[i].platform ? rts[i].platform : &unknown;
    GString *d = g_string_new(NULL);
    if (c->arch) {
      g_autofree char *cls = arts_platform_arch_class(p);
      g_string_append(d, cls ? cls : "of unknown arch");
    }
    if (c->byte_order)
      g_string_append_printf(d, "%s%s", d->len ? " " : "",
                             p->byte_order == ARTS_BYTE_ORDER_BIG
                               ? "big-endian"
                               : p->byte_order ? "little-endian"
                                               : "of unknown byte order");
    if (c->word_size) {
      if (p->word_size)
        g_string_append_printf(d, "%s%d-bit", d->len ? " " : "",
                               p->word_size);
      else
        g_string_append_printf(d, "%sof unknown word size",
                               d->len ? " " : "");
    }
    char *text = g_string_free(d, FALSE);
    if (g_ptr_array_find_with_equal_func(seen, text, g_str_equal, NULL))
      g_free(text);
    else
      g_ptr_array_add(seen, text);
  }
  g_autofree char *cons = arts_constraints_describe(c);
  g_string_append_printf(out, "no runtime satisfies %s: %u alive runtime%s",
                         cons, ncand, ncand == 1 ? " is" : "s are");
  for (guint i = 0; i < seen->len; i++)
    g_string_append_printf(out, "%s%s", i ? ", " : " ",
                           (char *)seen->pdata[i]);
}

int
orch_place(const OrchPlaceRuntime *rts, guint n, const OrchPlaceRequest *req,
           char **why)
{
  int best = -1;
  double best_score = 0;
  GString *reasons = why ? g_string_new("no runtime fits") : NULL;
  guint nreasons = 0, ncand = 0, nsatisfy = 0;
  for (guint i = 0; i < n; i++) {
    if (req->constraints && candidate(&rts[i], req)) {
      g_autofree char *other = constraints_reject(&rts[i], req);
      ncand++;
      nsatisfy += other == NULL;
    }
    g_autofree char *no = orch_place_reject(&rts[i], req);
    if (no) {
      /* With --on, only the runtime asked for is worth explaining. */
      if (reasons && (!req->on || strcmp(req->on, rts[i].uuid) == 0)) {
        if (nreasons < MAX_REASONS)
          g_string_append_printf(reasons, "%s %s: %s",
                                 nreasons ? ";" : ":", rts[i].name, no);
        nreasons++;
      }
      continue;
    }
    double s = orch_place_score(&rts[i]);
    /* Ties go to the name first in order, so the choice is reproducible. */
    if (best < 0 || s < best_score
        || (s == best_score && strcmp(rts[i].name, rts[best].name) < 0)) {
      best = (int)i;
      best_score = s;
    }
  }
  /* When the kind of device is what is missing, say that once rather
   * than once per runtime (--on names one runtime: its reason says it). */
  if (reasons && best < 0 && !req->on && ncand > 0 && nsatisfy == 0) {
    g_string_truncate(reasons, 0);
    describe_candidates(reasons, rts, n, req, ncand);
    *why = g_string_free(reasons, FALSE);
    return -1;
  }
  if (reasons) {
    if (best < 0 && nreasons == 0)
      g_string_append(reasons, ": the realm has no runtimes");
    else if (nreasons > MAX_REASONS)
      g_string_append_printf(reasons, "; and %u more", nreasons - MAX_REASONS);
    *why = best < 0 ? g_string_free(reasons, FALSE) : NULL;
    if (best >= 0)
      g_string_free(reasons, TRUE);
  }
  return best;
}
