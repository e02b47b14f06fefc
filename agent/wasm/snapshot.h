/* Snapshots of a paused instance: a versioned, checksummed, portable byte
 * format (docs/snapshot-format.md) holding the module bytes, linear
 * memory (zero chunks skipped), globals, tables, segment state, fuel,
 * limits, the call stack with portable pcs, and an opaque host-state
 * blob (the WASI state). Plain C: no GLib here.
 *
 * Writing: pause the instance (wasm_request_pause, then the run returns
 * WASM_PAUSED), save the host state, then wasm_snapshot_write().
 * Restoring, in any process on any machine:
 *   s = wasm_snapshot_read(bytes)          checksum, structure
 *   m = wasm_snapshot_load_module(s)       decode, validate, hash check
 *   (rebuild the host context from wasm_snapshot_host_state)
 *   inst = wasm_snapshot_instantiate(s, m, imports, ctx)  everything else
 *   wasm_resume(inst)
 * A snapshot is hostile input: every step checks before it changes
 * anything, and refuses with a message in ERR.
 *
 * Pre-copy (a migration's memory sent while the module still runs):
 *   source: pause, img = wasm_memimage_write, resume; send img; ...
 *           final pause, wasm_snapshot_write_delta(..., img)
 *   target: m = wasm_memimage_read(img) ahead of time; on the delta:
 *           wasm_snapshot_read, wasm_snapshot_needs_image ->
 *           wasm_snapshot_use_image(s, m), then as above. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wasm.h"

#define WASM_SNAPSHOT_VERSION 1

typedef struct wasm_snapshot wasm_snapshot;

/* Serialises INST (paused, or idle between calls; never while another
 * thread runs it) with HOST (HOST_LEN
 * bytes of host state, named HOST_NAME, e.g. "wasi_snapshot_preview1")
 * into a malloc'd *OUT. 0, or -1 with ERR. */
int wasm_snapshot_write(const wasm_instance *inst, const char *host_name,
                        const uint8_t *host, size_t host_len,
                        uint8_t **out, size_t *outlen,
                        char *err, size_t errlen);
/* The same into PATH (written to PATH.tmp, then renamed). */
int wasm_snapshot_write_file(const wasm_instance *inst, const char *host_name,
                             const uint8_t *host, size_t host_len,
                             const char *path, char *err, size_t errlen);

/* Parses and checks LEN bytes (copied): magic, version, checksum, every
 * section's bounds. NULL with ERR. */
wasm_snapshot *wasm_snapshot_read(const uint8_t *buf, size_t len,
                                  char *err, size_t errlen);
/* The same from PATH (ERR does not repeat PATH). */
wasm_snapshot *wasm_snapshot_read_file(const char *path,
                                       char *err, size_t errlen);
void wasm_snapshot_free(wasm_snapshot *s);

/* The module the snapshot was taken from, decoded and validated, with its
 * SHA-256 checked against the recorded one. */
wasm_module *wasm_snapshot_load_module(const wasm_snapshot *s,
                                       const wasm_load_options *opt,
                                       char *err, size_t errlen);
const uint8_t *wasm_snapshot_module_bytes(const wasm_snapshot *s,
                                          size_t *len);
const uint8_t *wasm_snapshot_host_state(const wasm_snapshot *s,
                                        const char **name, size_t *len);
/* A human-readable summary (sizes, memory, frames with their portable
 * pcs, fuel, limits) for debugging: `arts-wasm inspect FILE`. */
void wasm_snapshot_describe(const wasm_snapshot *s, FILE *out);
/* The limits the instance ran with. */
void wasm_snapshot_limits(const wasm_snapshot *s, wasm_limits *out);

/* Instantiates M (from wasm_snapshot_load_module; no other thread may
 * instantiate it meanwhile) against IMPORTS without running its start
 * function, then puts memory, globals, tables, segment
 * state, fuel and the call stack back, checking each against the module.
 * LIMITS NULL = the recorded ones. The result is paused at the snapshot's
 * instruction (or idle if it was): wasm_resume() goes on. NULL with ERR. */
wasm_instance *wasm_snapshot_instantiate(const wasm_snapshot *s,
                                         const wasm_module *m,
                                         const wasm_host_func *imports,
                                         size_t nimports, void *host_ctx,
                                         const wasm_limits *limits,
                                         char *err, size_t errlen);

/* Pre-copy (docs/snapshot-format.md, "Memory images and delta snapshots").
 * A migration source sends a memory image while the module still runs,
 * then at the final pause only the 4 KiB chunks that differ from it. */
typedef struct wasm_memimage wasm_memimage;

/* Image of memory 0 of INST (paused, or idle; no other thread running it):
 * magic, version, pages, runs of non-zero 4 KiB chunks, CRC-32C trailer,
 * into a malloc'd *OUT. An instance without memory gives an image of 0
 * pages. 0, or -1 with ERR. */
int wasm_memimage_write(const wasm_instance *inst, uint8_t **out,
                        size_t *outlen, char *err, size_t errlen);
/* Checks (magic, version, CRC, every bound) and decodes LEN bytes into a
 * memory buffer of pages x 64 KiB (calloc'd). Hostile input: NULL + ERR. */
wasm_memimage *wasm_memimage_read(const uint8_t *buf, size_t len,
                                  char *err, size_t errlen);
uint32_t wasm_memimage_pages(const wasm_memimage *img);
void wasm_memimage_free(wasm_memimage *img);

/* A snapshot like wasm_snapshot_write's, except that its memory section is
 * a delta (section tag 9 in place of 3) against IMAGE (IMAGE_LEN bytes,
 * as wasm_memimage_write gave them, trusted: made by this process):
 * the chunks of memory 0 that differ from the image (a chunk beyond the
 * image's pages counts as differing when it is not all zero), including
 * chunks that became zero; it records the image's pages and its CRC-32C
 * trailer. */
int wasm_snapshot_write_delta(const wasm_instance *inst,
                              const char *host_name, const uint8_t *host,
                              size_t host_len, const uint8_t *image,
                              size_t image_len, uint8_t **out, size_t *outlen,
                              char *err, size_t errlen);
/* TRUE when S (from wasm_snapshot_read) has a delta memory section: it
 * can only be instantiated after wasm_snapshot_use_image(). */
bool wasm_snapshot_needs_image(const wasm_snapshot *s);
/* Gives S the decoded image its delta was made against. Checks the
 * image's pages and CRC against the ones the delta records (a mismatch:
 * -1 with ERR, e.g. "bad snapshot: the memory image is not the one the
 * delta was made against", and IMG stays the caller's). On success S owns
 * IMG: wasm_snapshot_instantiate() then adopts its buffer as the memory
 * (grown with zeros to the snapshot's pages, the delta's chunks written
 * over it), without copying 64 MiB; wasm_snapshot_free() frees an IMG not
 * used. A full snapshot, or one that already has its image: -1. The buffer
 * goes to the first instance made from S: a second
 * wasm_snapshot_instantiate() of the same delta snapshot is refused. */
int wasm_snapshot_use_image(wasm_snapshot *s, wasm_memimage *img,
                            char *err, size_t errlen);
