/* Device classes and placement constraints: what a runtime's platform
 * facts mean for where a module may run. Pure functions over the
 * decoded types of arts-protocol.h; the JSON codecs live there. */
#include <string.h>
#include "arts-protocol.h"

const char *arts_byte_order_to_string(ArtsByteOrder b) {
  switch (b) {
  case ARTS_BYTE_ORDER_LITTLE:
    return "little";
  case ARTS_BYTE_ORDER_BIG:
    return "big";
  case ARTS_BYTE_ORDER_UNKNOWN:
    break;
  }
  return NULL;
}

gboolean arts_byte_order_from_string(const char *s, ArtsByteOrder *out) {
  if (g_strcmp0(s, "little") == 0)
    *out = ARTS_BYTE_ORDER_LITTLE;
  else if (g_strcmp0(s, "big") == 0)
    *out = ARTS_BYTE_ORDER_BIG;
  else
    return FALSE;
  return TRUE;
}

/* ---- device classes ---- */

/* A class knows its 32-bit sibling and, where the name itself carries the
 * byte order (Debian's mips/mipsel, ppc64/ppc64le), its other-endian
 * sibling: uname -m does not tell those apart, the process does. */
typedef struct {
  const char *name;
  const char *narrow;       /* the class of a 32-bit process; NULL: same */
  ArtsByteOrder order;      /* the byte order the name implies; 0: none */
  const char *swapped;      /* the class of the other byte order */
} ArchClass;

static const ArchClass classes[] = {
  {"x86_64", "i686", 0, NULL},
  {"i686", NULL, 0, NULL},
  {"aarch64", "arm", 0, NULL},
  {"arm", NULL, 0, NULL},
  {"s390x", "s390", 0, NULL},
  {"s390", NULL, 0, NULL},
  {"mips", NULL, ARTS_BYTE_ORDER_BIG, "mipsel"},
  {"mipsel", NULL, ARTS_BYTE_ORDER_LITTLE, "mips"},
  {"mips64", "mips", ARTS_BYTE_ORDER_BIG, "mips64el"},
  {"mips64el", "mipsel", ARTS_BYTE_ORDER_LITTLE, "mips64"},
  {"ppc64", "ppc", ARTS_BYTE_ORDER_BIG, "ppc64le"},
  {"ppc64le", "ppc", ARTS_BYTE_ORDER_LITTLE, "ppc64"},
  {"ppc", NULL, 0, NULL},
  {"riscv64", "riscv32", 0, NULL},
  {"riscv32", NULL, 0, NULL},
  {"loongarch64", NULL, 0, NULL},
  {"sparc64", "sparc", 0, NULL},
  {"sparc", NULL, 0, NULL},
};

/* Other spellings of the same machine: other kernels' uname, Debian and
 * Go architecture names, what people type. */
static const struct {
  const char *alias, *name;
} aliases[] = {
  {"amd64", "x86_64"}, {"x64", "x86_64"}, {"x86-64", "x86_64"},
  {"i386", "i686"}, {"i486", "i686"}, {"i586", "i686"}, {"x86", "i686"},
  {"i86pc", "i686"},
  {"arm64", "aarch64"}, {"aarch64_be", "aarch64"},
  {"armhf", "arm"}, {"armel", "arm"}, {"armeb", "arm"},
  {"mipsle", "mipsel"}, {"mips64le", "mips64el"},
  {"powerpc", "ppc"}, {"powerpc64", "ppc64"}, {"powerpc64le", "ppc64le"},
  {"ppc64el", "ppc64le"},
};

static const ArchClass *find_class(const char *name) {
  for (guint i = 0; i < G_N_ELEMENTS(classes); i++)
    if (strcmp(classes[i].name, name) == 0)
      return &classes[i];
  return NULL;
}

char *arts_arch_class(const char *machine, ArtsByteOrder byte_order,
                      int word_size) {
  if (!machine || !*machine)
    return NULL;
  g_autofree char *m = g_ascii_strdown(machine, -1);
  const char *name = m;
  for (guint i = 0; i < G_N_ELEMENTS(aliases); i++)
    if (strcmp(aliases[i].alias, m) == 0)
      name = aliases[i].name;
  /* armv5tel, armv6l, armv7l, armv7b, armv8l (an aarch64 kernel in 32-bit
   * personality): every 32-bit ARM is one class; the ISA level is not a
   * placement fact for WebAssembly. */
  if (g_str_has_prefix(name, "armv"))
    name = "arm";
  const ArchClass *c = find_class(name);
  if (!c)
    return g_strdup(name);
  if (word_size == 32 && c->narrow)
    c = find_class(c->narrow);
  if (byte_order && c->order && byte_order != c->order && c->swapped)
    c = find_class(c->swapped);
  return g_strdup(c->name);
}

char *arts_platform_arch_class(const ArtsPlatform *p) {
  return arts_arch_class(p->arch, p->byte_order, p->word_size);
}

/* ---- constraints ---- */

gboolean arts_constraints_is_empty(const ArtsConstraints *c) {
  return !c->arch && !c->byte_order && !c->word_size;
}

void arts_constraints_clear(ArtsConstraints *c) {
  g_clear_pointer(&c->arch, g_strfreev);
  c->byte_order = ARTS_BYTE_ORDER_UNKNOWN;
  c->word_size = 0;
}

void arts_constraints_copy(ArtsConstraints *dst, const ArtsConstraints *src) {
  dst->arch = g_strdupv(src->arch);
  dst->byte_order = src->byte_order;
  dst->word_size = src->word_size;
}

static const char *endian_word(ArtsByteOrder b) {
  return b == ARTS_BYTE_ORDER_BIG ? "big-endian" : "little-endian";
}

char *arts_constraints_reject(const ArtsConstraints *c, const ArtsPlatform *p) {
  if (c->arch) {
    g_autofree char *cls = arts_platform_arch_class(p);
    if (!cls || !g_strv_contains((const char *const *)c->arch, cls)) {
      g_autofree char *want = g_strjoinv(" or ", c->arch);
      return g_strdup_printf("arch %s, not %s", cls ? cls : "unknown", want);
    }
  }
  if (c->byte_order && p->byte_order != c->byte_order)
    return g_strdup_printf("%s, not %s",
                           p->byte_order ? endian_word(p->byte_order)
                                         : "byte order unknown",
                           endian_word(c->byte_order));
  if (c->word_size && p->word_size != c->word_size) {
    if (!p->word_size)
      return g_strdup_printf("word size unknown, not %d-bit", c->word_size);
    return g_strdup_printf("%d-bit, not %d-bit", p->word_size, c->word_size);
  }
  return NULL;
}

char *arts_constraints_describe(const ArtsConstraints *c) {
  GString *s = g_string_new(NULL);
  if (c->arch) {
    g_autofree char *list = g_strjoinv(",", c->arch);
    g_string_append_printf(s, "arch=%s", list);
  }
  if (c->byte_order)
    g_string_append_printf(s, "%sbyte_order=%s", s->len ? " " : "",
                           arts_byte_order_to_string(c->byte_order));
  if (c->word_size)
    g_string_append_printf(s, "%sword_size=%d", s->len ? " " : "",
                           c->word_size);
  return g_string_free(s, FALSE);
}
