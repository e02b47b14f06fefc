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
 * anything, and refuses with a message in ERR. */
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
