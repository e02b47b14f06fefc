#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Programs travel by content hash: a program is its .wasm bytes, its id
 * the lower-case hex SHA-256 of them, published raw and retained on
 * "{realm}/proc/program/{sha256}" (docs/protocol.md, "Program transfer"). */
#define ARTS_MAX_PROGRAM (32 * 1024 * 1024)

/* The lower-case hex SHA-256 of DATA (64 characters). */
char *arts_sha256_hex(const void *data, gsize len);
/* TRUE when S is 64 lower-case hex digits: a program id, also in topics. */
gboolean arts_sha256_is_valid(const char *s);
/* DATA is at most ARTS_MAX_PROGRAM bytes and starts with the WebAssembly
 * magic "\0asm" and version 1. A quick gate for bytes off the network;
 * the engine still validates the whole module. ARTS_ERROR_FIELD. */
gboolean arts_wasm_check(const void *data, gsize len, GError **error);
/* arts_wasm_check() and DATA hashes to SHA256 (any case). */
gboolean arts_program_check(const char *sha256, const void *data, gsize len,
                            GError **error);
/* Reads the program at PATH for an upload: refuses files over
 * ARTS_MAX_PROGRAM before reading them, checks them with
 * arts_wasm_check() (errors name PATH) and sets *sha256 (newly allocated)
 * when SHA256 is not NULL. ARTS_ERROR_IO for files that cannot be read. */
GBytes *arts_program_read(const char *path, char **sha256, GError **error);

G_END_DECLS
