/* Channels: a module's named pub/sub message queues, seen by the guest as
 * files /ch/<name> (see docs/channels.md). This is the engine side: the
 * per-module set of channels with their modes, the receive queues with
 * their limits, per-channel counters, the exactly-once bookkeeping (last
 * sequence number delivered per publisher) and save/restore for
 * snapshots. The host (the agent) supplies a publish callback and feeds
 * received messages with wasi_channel_deliver(), from any thread.
 * Plain C: no GLib here. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WASI_CH_READ 1u
#define WASI_CH_WRITE 2u
#define WASI_CH_NAME_MAX 128
#define WASI_CH_MAX_CHANNELS 64
#define WASI_CH_DEFAULT_MSG_MAX (64u * 1024u)
#define WASI_CH_DEFAULT_QUEUE_MAX 1024u
#define WASI_CH_SRC_MAX 64          /* publisher id (a module uuid) */
#define WASI_CH_MAX_PUBLISHERS 1024 /* remembered per channel */

typedef struct wasi_channels wasi_channels;

typedef struct {
  const char *name;   /* validated by the caller's rules; checked here too */
  unsigned mode;      /* WASI_CH_READ | WASI_CH_WRITE */
} wasi_channel_spec;

typedef struct {
  size_t msg_max;     /* 0: WASI_CH_DEFAULT_MSG_MAX */
  size_t queue_max;   /* 0: WASI_CH_DEFAULT_QUEUE_MAX */
} wasi_channel_limits;

/* The host's side. PUBLISH sends one message on channel NAME carrying
 * SRC (this module's id) and SEQ; returns 0 or -errno. It is called on
 * the module's thread. */
typedef struct {
  void *ctx;
  int (*publish)(void *ctx, const char *name, const void *buf, size_t len,
                 const char *src, uint64_t seq);
} wasi_channel_backend;

typedef struct {
  uint64_t msgs_in, bytes_in, msgs_out, bytes_out;
  uint64_t dropped;     /* queue full or message too large on arrival */
  uint64_t truncated;   /* read with a buffer smaller than the message */
  uint64_t queued;      /* messages waiting now */
} wasi_channel_stats;

/* A set for module SELF (its id goes out as `src`; messages from SELF
 * are not delivered back to it). NULL with ERR on a bad spec. */
wasi_channels *wasi_channels_new(const char *self,
                                 const wasi_channel_spec *specs, size_t n,
                                 const wasi_channel_limits *limits,
                                 char *err, size_t errlen);
void wasi_channels_free(wasi_channels *set);
void wasi_channels_set_backend(wasi_channels *set,
                               const wasi_channel_backend *backend);

size_t wasi_channels_count(const wasi_channels *set);
const char *wasi_channels_name(const wasi_channels *set, size_t i);
unsigned wasi_channels_mode(const wasi_channels *set, size_t i);
/* Index of NAME, or -1. */
int wasi_channels_find(const wasi_channels *set, const char *name);
void wasi_channels_stats(wasi_channels *set, size_t i,
                         wasi_channel_stats *out);

/* Thread-safe. Puts a message received on NAME from publisher SRC with
 * sequence SEQ at the end of that channel's queue. Returns 1 when queued,
 * 0 when ignored (not a read channel of this module, from this module
 * itself, or a SEQ not above the last one seen from SRC on this channel:
 * a duplicate), -1 when dropped and counted (queue full, too large). */
int wasi_channel_deliver(wasi_channels *set, const char *name,
                         const char *src, uint64_t seq,
                         const void *buf, size_t len);

/* Module side (one thread). Sends one message on channel I: 0 or -errno
 * (-EMSGSIZE above the size limit, -EBADF when I is not writable). */
int wasi_channel_send(wasi_channels *set, size_t i, const void *buf,
                      size_t len);
/* Takes the next message of channel I into BUF (at most LEN bytes; the
 * rest of a longer message is discarded and counted as truncated).
 * Waits up to TIMEOUT_MS (0: not at all). Returns the bytes copied,
 * -EAGAIN when nothing came in time, -EBADF when I is not readable. */
long wasi_channel_recv(wasi_channels *set, size_t i, void *buf, size_t len,
                       int timeout_ms);
/* Size of the next message of channel I, or -1 when its queue is empty. */
long wasi_channel_peek(wasi_channels *set, size_t i);
/* Waits up to TIMEOUT_MS until channel I (or, with I = SIZE_MAX, any
 * readable channel) has a message; true when one has. */
bool wasi_channel_wait(wasi_channels *set, size_t i, int timeout_ms);
/* The same for the channels whose bits are set in MASK (bit I: channel I). */
bool wasi_channel_wait_mask(wasi_channels *set, uint64_t mask,
                            int timeout_ms);

/* The whole state (names, modes, limits, next sequence number, queues,
 * last sequence per publisher, counters) as a portable byte string;
 * *OUT is malloc'd. Returns 0, or -1 with ERR. */
int wasi_channels_save(wasi_channels *set, uint8_t **out, size_t *outlen,
                       char *err, size_t errlen);
/* Rebuilds a set from wasi_channels_save's bytes, validated as hostile
 * input; NULL with ERR on any problem. */
wasi_channels *wasi_channels_restore(const uint8_t *buf, size_t len,
                                     char *err, size_t errlen);

/* ---- the guest side: /ch and its descriptors ---- */
#include "wasi.h"

/* The channels of CTX (NULL when it has none); CTX owns them. The agent
 * sets the backend on it after wasi_new or wasi_restore. */
wasi_channels *wasi_ctx_channels(wasi_ctx *ctx);

/* Hooks for the WASI host functions (wasi-*.c), by descriptor number. */
bool wasi_ch_attach(wasi_ctx *ctx, wasi_channels *set, char *err,
                    size_t errlen);
wasm_host_status wasi_ch_open(wasm_instance *inst, wasi_ctx *ctx,
                              const uint64_t *args, uint64_t *results);
wasm_host_status wasi_ch_read(wasm_instance *inst, wasi_ctx *ctx,
                              const uint64_t *args, uint64_t *results);
wasm_host_status wasi_ch_write(wasm_instance *inst, wasi_ctx *ctx,
                               const uint64_t *args, uint64_t *results);
wasm_host_status wasi_ch_prestat(wasm_instance *inst, wasi_ctx *ctx,
                                 const uint64_t *args, uint64_t *results,
                                 bool name);
/* Bytes of the next message on channel descriptor FD, or -1 when none. */
long wasi_ch_poll_ready(wasi_ctx *ctx, uint32_t fd);
/* When SUBS (N poll subscriptions) read a channel, waits up to WAIT_NS
 * for a message and returns true; false when none is a channel. */
bool wasi_ch_poll_wait(wasi_ctx *ctx, const uint8_t *subs, uint32_t n,
                       uint64_t wait_ns);
/* After a restore: every channel descriptor names a channel. */
bool wasi_ch_restore_check(wasi_ctx *ctx, char *err, size_t errlen);
/* A saved channel descriptor (CH: channel index + 1, 0 for /ch) back in
 * slot NUM; false when the values are not a valid one. */
bool wasi_ch_restore_fd(wasi_ctx *ctx, uint32_t num, int kind, uint64_t ch,
                        uint64_t fdflags, uint8_t rw);
