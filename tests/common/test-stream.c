/* Program ids and checks (arts-program.h), the user properties of output
 * and snapshot messages and output gap detection (arts-stream.h), the
 * state topic. */
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include "arts-common.h"

static const guint8 minimal_wasm[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
#define MINIMAL_SHA \
  "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476"

static void test_sha256(void) {
  g_autofree char *empty = arts_sha256_hex(NULL, 0);
  g_assert_cmpstr(empty, ==, "e3b0c44298fc1c149afbf4c8996fb924"
                             "27ae41e4649b934ca495991b7852b855");
  g_autofree char *abc = arts_sha256_hex("abc", 3);
  g_assert_cmpstr(abc, ==, "ba7816bf8f01cfea414140de5dae2223"
                           "b00361a396177a9cb410ff61f20015ad");
  g_assert_true(arts_sha256_is_valid(abc));
  g_assert_false(arts_sha256_is_valid("BA7816BF8F01CFEA414140DE5DAE2223"
                                      "B00361A396177A9CB410FF61F20015AD"));
  g_assert_false(arts_sha256_is_valid("ba78"));
  g_assert_false(arts_sha256_is_valid(""));
  g_assert_false(arts_sha256_is_valid(NULL));
  g_autofree char *longer = g_strconcat(abc, "0", NULL);
  g_assert_false(arts_sha256_is_valid(longer));
  g_autofree char *bad = g_strdup(abc);
  bad[10] = 'g';
  g_assert_false(arts_sha256_is_valid(bad));
}

static void test_wasm_check(void) {
  g_autoptr(GError) err = NULL;
  g_assert_true(arts_wasm_check(minimal_wasm, sizeof minimal_wasm, &err));
  g_assert_no_error(err);
  static const struct { const char *bytes; gsize len; const char *msg; }
      bad[] = {
    { "", 0, "not a WebAssembly module (no \\0asm magic)" },
    { "\0as", 3, "not a WebAssembly module (no \\0asm magic)" },
    { "\x7f" "ELF\2\1\1\0", 8, "not a WebAssembly module (no \\0asm magic)" },
    { "hello world", 11, "not a WebAssembly module (no \\0asm magic)" },
    { "\0asm", 4, "unsupported WebAssembly version (expected 1)" },
    { "\0asm\1\0\0", 7, "unsupported WebAssembly version (expected 1)" },
    { "\0asm\2\0\0\0", 8, "unsupported WebAssembly version (expected 1)" },
    { "\0asm\x0d\0\1\0", 8, "unsupported WebAssembly version (expected 1)" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) e = NULL;
    g_assert_false(arts_wasm_check(bad[i].bytes, bad[i].len, &e));
    g_assert_error(e, ARTS_ERROR, ARTS_ERROR_FIELD);
    g_assert_cmpstr(e->message, ==, bad[i].msg);
  }
  /* The size limit: exactly ARTS_MAX_PROGRAM passes, one more does not. */
  gsize big = ARTS_MAX_PROGRAM + 1;
  g_autofree guint8 *huge = g_malloc0(big);
  memcpy(huge, minimal_wasm, sizeof minimal_wasm);
  g_assert_true(arts_wasm_check(huge, big - 1, NULL));
  g_autoptr(GError) e = NULL;
  g_assert_false(arts_wasm_check(huge, big, &e));
  g_assert_cmpstr(e->message, ==,
                  "program too large: 33554433 bytes (limit 33554432)");
}

static void test_program_check(void) {
  g_autofree char *sha = arts_sha256_hex(minimal_wasm, sizeof minimal_wasm);
  g_assert_cmpstr(sha, ==, MINIMAL_SHA);
  g_autoptr(GError) err = NULL;
  g_assert_true(arts_program_check(MINIMAL_SHA, minimal_wasm,
                                   sizeof minimal_wasm, &err));
  g_assert_no_error(err);
  g_autofree char *upper = g_ascii_strup(MINIMAL_SHA, -1);
  g_assert_true(arts_program_check(upper, minimal_wasm, sizeof minimal_wasm,
                                   &err));
  g_assert_no_error(err);
  /* The bytes do not match the id in the topic. */
  guint8 other[9] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0 };
  g_assert_false(arts_program_check(MINIMAL_SHA, other, sizeof other, &err));
  g_assert_error(err, ARTS_ERROR, ARTS_ERROR_FIELD);
  g_assert_true(g_str_has_prefix(err->message, "program bytes hash to "));
  g_assert_true(g_str_has_suffix(err->message, ", not " MINIMAL_SHA));
  g_clear_error(&err);
  /* Bad ids and bad bytes. */
  g_assert_false(arts_program_check("+", minimal_wasm, 8, &err));
  g_assert_cmpstr(err->message, ==,
                  "program id: expected 64 hexadecimal digits");
  g_clear_error(&err);
  g_assert_false(arts_program_check(NULL, minimal_wasm, 8, &err));
  g_clear_error(&err);
  g_autofree char *text_sha = arts_sha256_hex("text", 4);
  g_assert_false(arts_program_check(text_sha, "text", 4, &err));
  g_assert_cmpstr(err->message, ==,
                  "not a WebAssembly module (no \\0asm magic)");
}

static void test_program_read(void) {
  g_autoptr(GError) err = NULL;
  g_autofree char *dir = g_dir_make_tmp("arts-program-XXXXXX", &err);
  g_assert_no_error(err);
  g_autofree char *good = g_build_filename(dir, "min.wasm", NULL);
  g_autofree char *text = g_build_filename(dir, "text.wasm", NULL);
  g_autofree char *big = g_build_filename(dir, "big.wasm", NULL);
  g_autofree char *none = g_build_filename(dir, "none.wasm", NULL);
  g_assert_true(g_file_set_contents(good, (const char *)minimal_wasm,
                                    sizeof minimal_wasm, NULL));
  g_assert_true(g_file_set_contents(text, "print('hi')\n", -1, NULL));
  /* A sparse file over the limit: refused without being read. */
  FILE *f = fopen(big, "wb");
  g_assert_nonnull(f);
  g_assert_cmpint(fwrite(minimal_wasm, 1, 8, f), ==, 8);
  g_assert_cmpint(fseek(f, ARTS_MAX_PROGRAM, SEEK_SET), ==, 0);
  g_assert_cmpint(fputc(0, f), ==, 0);
  g_assert_cmpint(fclose(f), ==, 0);

  g_autofree char *sha = NULL;
  g_autoptr(GBytes) b = arts_program_read(good, &sha, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(g_bytes_get_size(b), ==, 8);
  g_assert_cmpstr(sha, ==, MINIMAL_SHA);

  g_autofree char *want_text = g_strdup_printf(
      "%s: not a WebAssembly module (no \\0asm magic)", text);
  g_autofree char *want_big = g_strdup_printf(
      "%s: program too large: 33554433 bytes (limit 33554432)", big);
  g_autofree char *want_dir = g_strdup_printf("%s: not a regular file", dir);
  const struct { const char *path, *msg; int code; } bad[] = {
    { text, want_text, ARTS_ERROR_FIELD },
    { big, want_big, ARTS_ERROR_FIELD },
    { none, NULL, ARTS_ERROR_IO },
    { dir, want_dir, ARTS_ERROR_IO },
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) e = NULL;
    char *s = (char *)"untouched";
    g_autoptr(GBytes) nb = arts_program_read(bad[i].path, &s, &e);
    g_assert_null(nb);
    g_assert_null(s);
    g_assert_error(e, ARTS_ERROR, bad[i].code);
    if (bad[i].msg)
      g_assert_cmpstr(e->message, ==, bad[i].msg);
    else
      g_assert_true(g_str_has_prefix(e->message, bad[i].path));
  }
  g_assert_cmpint(g_remove(good), ==, 0);
  g_assert_cmpint(g_remove(text), ==, 0);
  g_assert_cmpint(g_remove(big), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_output_props(void) {
  ArtsOutputProps p;
  arts_output_props_init(&p, 123456789012345, 2);
  g_assert_cmpstr(p.props[0].name, ==, "offset");
  g_assert_cmpstr(p.props[0].value, ==, "123456789012345");
  g_assert_cmpstr(p.props[1].name, ==, "fd");
  g_assert_cmpstr(p.props[1].value, ==, "2");
  gint64 off = -1;
  int fd = 0;
  g_autoptr(GError) err = NULL;
  g_assert_true(arts_output_props_parse(p.props, 2, &off, &fd, &err));
  g_assert_no_error(err);
  g_assert_cmpint(off, ==, 123456789012345);
  g_assert_cmpint(fd, ==, 2);
  arts_output_props_init(&p, 0, 7);
  g_assert_cmpstr(p.props[1].value, ==, "1");
  /* fd is optional; foreign properties are ignored. */
  ArtsMqttProp only[] = { { "via", "bridge" }, { "offset", "9223372036854775807" } };
  g_assert_true(arts_output_props_parse(only, 2, &off, &fd, &err));
  g_assert_cmpint(off, ==, G_MAXINT64);
  g_assert_cmpint(fd, ==, 1);

  static const struct { ArtsMqttProp props[3]; guint n; const char *msg; }
      bad[] = {
    { { { "fd", "1" } }, 1, "user property offset: missing" },
    { { { NULL, NULL } }, 0, "user property offset: missing" },
    { { { "offset", "" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", "-1" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", "+1" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", " 1" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", "1x" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", "0x10" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", "9223372036854775808" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", "99999999999999999999999" } }, 1,
      "user property offset: expected a decimal byte offset" },
    { { { "offset", "1" }, { "offset", "2" } }, 2,
      "user property offset: given more than once" },
    { { { "offset", "1" }, { "fd", "3" } }, 2,
      "user property fd: expected \"1\" or \"2\"" },
    { { { "offset", "1" }, { "fd", "" } }, 2,
      "user property fd: expected \"1\" or \"2\"" },
    { { { "offset", "1" }, { "fd", "1" }, { "fd", "2" } }, 3,
      "user property fd: given more than once" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) e = NULL;
    gint64 o2 = 77;
    if (arts_output_props_parse(bad[i].props, bad[i].n, &o2, &fd, &e))
      g_error("bad output props %u accepted", i);
    g_assert_error(e, ARTS_ERROR, ARTS_ERROR_FIELD);
    g_assert_cmpstr(e->message, ==, bad[i].msg);
  }
}

static void test_snapshot_props(void) {
  ArtsSnapshotProps p;
  arts_snapshot_props_init(&p, ARTS_SNAPSHOT_MIGRATION, "m-42", 5000);
  g_assert_cmpuint(p.n_props, ==, 3);
  ArtsSnapshotKind kind = 0;
  char *mig = NULL;
  gint64 off = -1;
  g_autoptr(GError) err = NULL;
  g_assert_true(arts_snapshot_props_parse(p.props, p.n_props, &kind, &mig,
                                          &off, &err));
  g_assert_no_error(err);
  g_assert_cmpint(kind, ==, ARTS_SNAPSHOT_MIGRATION);
  g_assert_cmpstr(mig, ==, "m-42");
  g_assert_cmpint(off, ==, 5000);
  g_free(mig);
  arts_snapshot_props_init(&p, ARTS_SNAPSHOT_CHECKPOINT, NULL, 0);
  g_assert_cmpuint(p.n_props, ==, 2);
  g_assert_true(arts_snapshot_props_parse(p.props, p.n_props, &kind, &mig,
                                          &off, &err));
  g_assert_cmpint(kind, ==, ARTS_SNAPSHOT_CHECKPOINT);
  g_assert_null(mig);
  g_assert_cmpint(off, ==, 0);
  g_assert_cmpstr(arts_snapshot_kind_to_string(ARTS_SNAPSHOT_CHECKPOINT), ==,
                  "checkpoint");
  /* No offset (an ARTS writer): -1, "unknown". */
  ArtsMqttProp bare[1] = { { "kind", "checkpoint" } };
  g_assert_true(arts_snapshot_props_parse(bare, 1, &kind, &mig, &off, &err));
  g_assert_cmpint(off, ==, -1);
  /* Pre-copy: an image and a delta snapshot against it. */
  arts_snapshot_props_init(&p, ARTS_SNAPSHOT_PRECOPY, "m-7", 0);
  arts_snapshot_props_add(&p, 3, FALSE);
  g_assert_cmpuint(p.n_props, ==, 4);
  g_assert_true(arts_snapshot_props_parse(p.props, p.n_props, &kind, &mig,
                                          &off, &err));
  g_assert_cmpint(kind, ==, ARTS_SNAPSHOT_PRECOPY);
  g_assert_cmpstr(mig, ==, "m-7");
  g_free(mig);
  gint64 migs = 0;
  gboolean delta = TRUE;
  g_assert_true(arts_snapshot_props_parse_extra(p.props, p.n_props, &migs,
                                                &delta, &err));
  g_assert_cmpint(migs, ==, 3);
  g_assert_false(delta);
  arts_snapshot_props_init(&p, ARTS_SNAPSHOT_MIGRATION, "m-7", 10);
  arts_snapshot_props_add(&p, 0, TRUE);
  g_assert_true(arts_snapshot_props_parse_extra(p.props, p.n_props, &migs,
                                                &delta, &err));
  g_assert_cmpint(migs, ==, 0);
  g_assert_true(delta);
  g_assert_true(arts_snapshot_props_parse_extra(bare, 1, &migs, &delta,
                                                &err));
  g_assert_cmpint(migs, ==, -1);
  g_assert_false(delta);
  ArtsMqttProp odd[2][2] = {
    { { "migrations", "x" }, { "kind", "migration" } },
    { { "base", "full" }, { "kind", "migration" } },
  };
  const char *odd_msg[2] = {
    "user property migrations: expected a decimal count",
    "user property base: expected \"precopy\"",
  };
  for (guint i = 0; i < 2; i++) {
    g_autoptr(GError) e = NULL;
    g_assert_false(arts_snapshot_props_parse_extra(odd[i], 2, &migs, &delta,
                                                   &e));
    g_assert_error(e, ARTS_ERROR, ARTS_ERROR_FIELD);
    g_assert_cmpstr(e->message, ==, odd_msg[i]);
  }

  static const struct { ArtsMqttProp props[4]; guint n; const char *msg; }
      bad[] = {
    { { { "stdout_offset", "1" } }, 1, "user property kind: missing" },
    { { { "kind", "backup" }, { "stdout_offset", "1" } }, 2,
      "user property kind: expected \"migration\", \"checkpoint\" or "
      "\"precopy\"" },
    { { { "kind", "migration" }, { "stdout_offset", "1" } }, 2,
      "user property migration: missing" },
    { { { "kind", "migration" }, { "migration", "a b" },
        { "stdout_offset", "1" } }, 3,
      "user property migration: expected 1..128 of A-Z a-z 0-9 _ - . :" },
    { { { "kind", "migration" }, { "migration", "" },
        { "stdout_offset", "1" } }, 3,
      "user property migration: expected 1..128 of A-Z a-z 0-9 _ - . :" },
    { { { "kind", "checkpoint" }, { "stdout_offset", "-5" } }, 2,
      "user property stdout_offset: expected a decimal byte offset" },
    { { { "kind", "checkpoint" }, { "kind", "migration" },
        { "stdout_offset", "1" } }, 3,
      "user property kind: given more than once" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) e = NULL;
    char *m = NULL;
    if (arts_snapshot_props_parse(bad[i].props, bad[i].n, &kind, &m, &off,
                                  &e))
      g_error("bad snapshot props %u accepted", i);
    g_assert_null(m);
    g_assert_error(e, ARTS_ERROR, ARTS_ERROR_FIELD);
    g_assert_cmpstr(e->message, ==, bad[i].msg);
  }
}

/* A reader sees messages again (QoS 1 redelivery, a migration's overlap)
 * and misses some (a viewer that joined late, an expired store). */
static void test_output_accept(void) {
  gint64 next = 0, gap = -1;
  g_assert_cmpuint(arts_output_accept(&next, 0, 10, &gap), ==, 0);
  g_assert_cmpint(gap, ==, 0);
  g_assert_cmpint(next, ==, 10);
  /* The same message again: all old. */
  g_assert_cmpuint(arts_output_accept(&next, 0, 10, &gap), ==, 10);
  g_assert_cmpint(next, ==, 10);
  /* Overlapping: the first 4 bytes are old. */
  g_assert_cmpuint(arts_output_accept(&next, 6, 10, &gap), ==, 4);
  g_assert_cmpint(gap, ==, 0);
  g_assert_cmpint(next, ==, 16);
  /* A gap of 4 bytes. */
  g_assert_cmpuint(arts_output_accept(&next, 20, 5, &gap), ==, 0);
  g_assert_cmpint(gap, ==, 4);
  g_assert_cmpint(next, ==, 25);
  /* Empty messages change nothing. */
  g_assert_cmpuint(arts_output_accept(&next, 25, 0, &gap), ==, 0);
  g_assert_cmpint(gap, ==, 0);
  g_assert_cmpint(next, ==, 25);
  /* Hostile offsets near the top do not overflow. */
  g_assert_cmpuint(arts_output_accept(&next, G_MAXINT64 - 1, 8, &gap), ==, 0);
  g_assert_cmpint(next, ==, G_MAXINT64);
  g_assert_cmpuint(arts_output_accept(&next, 5, 8, &gap), ==, 8);

  gint64 v;
  g_assert_true(arts_parse_offset("0", &v));
  g_assert_cmpint(v, ==, 0);
  g_assert_true(arts_parse_offset("9223372036854775807", &v));
  g_assert_false(arts_parse_offset("9223372036854775808", &v));
  g_assert_false(arts_parse_offset(NULL, &v));
}

static void test_topics(void) {
  g_autofree char *t = arts_topic_state("lab", ARTS_STATE_MODULE,
                                        "2222aaaa-bbbb-4ccc-8ddd-eeeeffff0000");
  g_assert_cmpstr(t, ==,
                  "lab/proc/state/module/2222aaaa-bbbb-4ccc-8ddd-eeeeffff0000");
  g_autofree char *s = arts_topic("lab", ARTS_TOPIC_SNAPSHOT, "x");
  g_assert_cmpstr(s, ==, "lab/proc/snapshot/x");
  g_autofree char *leaf = NULL, *rest = NULL;
  g_assert_true(arts_topic_parse("lab", t, &leaf, &rest));
  g_assert_cmpstr(leaf, ==, "state");
  g_assert_cmpstr(rest, ==, "module/2222aaaa-bbbb-4ccc-8ddd-eeeeffff0000");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stream/sha256", test_sha256);
  g_test_add_func("/stream/wasm-check", test_wasm_check);
  g_test_add_func("/stream/program-check", test_program_check);
  g_test_add_func("/stream/program-read", test_program_read);
  g_test_add_func("/stream/output-props", test_output_props);
  g_test_add_func("/stream/snapshot-props", test_snapshot_props);
  g_test_add_func("/stream/output-accept", test_output_accept);
  g_test_add_func("/stream/topics", test_topics);
  return g_test_run();
}
