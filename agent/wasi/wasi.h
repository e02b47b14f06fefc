/* WASI preview1 for the engine: the host functions a program built with
 * wasi-libc imports, sandboxed to preopened directories, with pluggable
 * stdin/stdout/stderr and state that can be saved into a snapshot and
 * restored in another process. Plain C: no GLib here.
 *
 * The host functions expect the wasi_ctx as their CTX argument (the
 * engine passes the context it was given at instantiation to every host
 * function of that instance). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm-host.h"

typedef struct wasi_ctx wasi_ctx;

/* A byte stream behind fd 0, 1 or 2; the agent carries them over MQTT. */
typedef struct {
  void *ctx;
  /* Up to LEN bytes into BUF, waiting at most TIMEOUT_MS (never more than
   * asked: the caller polls a pause flag between calls). Returns the bytes
   * read, 0 at end of input, -EAGAIN when nothing came in time, another
   * -errno on failure. May be NULL for an output stream. */
  long (*read)(void *ctx, void *buf, size_t len, int timeout_ms);
  /* Writes all LEN bytes of BUF; returns LEN or -errno. May be NULL for an
   * input stream. */
  long (*write)(void *ctx, const void *buf, size_t len);
} wasi_stream;

/* A host directory the program sees as GUEST (e.g. "/data" or "."). */
typedef struct {
  const char *host;
  const char *guest;
} wasi_preopen;

typedef struct {
  size_t argc;
  const char *const *argv;      /* argv[0] is the program name */
  size_t envc;
  const char *const *env;       /* "KEY=VALUE" */
  size_t npreopens;
  const wasi_preopen *preopens;
  /* NULL: the process's own fd 0, 1, 2. */
  const wasi_stream *stdio[3];
  /* Channels (wasi-channel.h), taken over by the context; NULL: none. */
  struct wasi_channels *channels;
} wasi_config;

/* A new context, or NULL with a message in ERR (a preopen that is not a
 * directory, an argument with a NUL...). */
wasi_ctx *wasi_new(const wasi_config *cfg, char *err, size_t errlen);
void wasi_free(wasi_ctx *ctx);

/* The wasi_snapshot_preview1 functions; a static table. */
const wasm_host_func *wasi_host_funcs(size_t *n);

/* The status the program passed to proc_exit, or -1 while it has not. */
int wasi_exit_status(const wasi_ctx *ctx);

/* Bytes the guest has read from fd 0 / written to fd 1 and 2 so far
 * (FD 0..2). They travel in snapshots: a resumed program's output offsets
 * continue where the paused one's stopped. */
uint64_t wasi_stream_offset(const wasi_ctx *ctx, int fd);

/* All WASI state (arguments, environment, preopens, open descriptors with
 * their paths, flags and positions, clocks, a pending sleep, unread stdin
 * bytes) as a self-contained, portable byte string; see
 * docs/snapshot-format.md. *OUT is malloc'd. Returns 0, or -1 with ERR. */
int wasi_save(const wasi_ctx *ctx, uint8_t **out, size_t *outlen,
              char *err, size_t errlen);

/* Rebuilds a context from wasi_save's bytes, validating them as hostile
 * input. CFG (may be NULL) gives the streams; its preopens, when given,
 * remap the saved guest directories to other host directories (matched
 * by guest path); its argv and env are ignored. NULL with ERR on any
 * problem, and then nothing was changed. */
wasi_ctx *wasi_restore(const uint8_t *buf, size_t len, const wasi_config *cfg,
                       char *err, size_t errlen);
