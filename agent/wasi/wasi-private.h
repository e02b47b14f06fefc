/* WASI internals shared by the wasi-*.c files. */
#pragma once
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "endian-private.h"
#include "wasi.h"

#define WASI_MAX_FDS 1024
#define WASI_SLICE_MS 10
#define WASI_PEEK_MAX 4096

/* WASI errno values (wasi_snapshot_preview1). */
enum {
  WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EAGAIN = 6,
  WASI_EBADF = 8, WASI_EBUSY = 10, WASI_EEXIST = 20, WASI_EFAULT = 21,
  WASI_EFBIG = 22, WASI_EINTR = 27, WASI_EINVAL = 28, WASI_EIO = 29,
  WASI_EISDIR = 31, WASI_ELOOP = 32, WASI_EMFILE = 33, WASI_EMLINK = 34,
  WASI_ENAMETOOLONG = 37, WASI_ENFILE = 41, WASI_ENODEV = 43,
  WASI_ENOENT = 44, WASI_ENOMEM = 48, WASI_ENOSPC = 51, WASI_ENOSYS = 52,
  WASI_ENOTDIR = 54, WASI_ENOTEMPTY = 55, WASI_ENOTSUP = 58,
  WASI_ENOTTY = 59, WASI_ENXIO = 60, WASI_EOVERFLOW = 61, WASI_EPERM = 63,
  WASI_EPIPE = 64, WASI_ERANGE = 68, WASI_EROFS = 69, WASI_ESPIPE = 70,
  WASI_ETXTBSY = 74, WASI_EXDEV = 75, WASI_ENOTCAPABLE = 76,
};

enum {
  WASI_FT_UNKNOWN = 0, WASI_FT_BLOCK = 1, WASI_FT_CHAR = 2, WASI_FT_DIR = 3,
  WASI_FT_FILE = 4, WASI_FT_SOCK_DGRAM = 5, WASI_FT_SOCK_STREAM = 6,
  WASI_FT_SYMLINK = 7,
};

#define WASI_FDFLAG_APPEND 1u
#define WASI_FDFLAG_DSYNC 2u
#define WASI_FDFLAG_NONBLOCK 4u
#define WASI_FDFLAG_RSYNC 8u
#define WASI_FDFLAG_SYNC 16u

#define WASI_OFLAG_CREAT 1u
#define WASI_OFLAG_DIRECTORY 2u
#define WASI_OFLAG_EXCL 4u
#define WASI_OFLAG_TRUNC 8u

#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
#define WASI_RIGHTS_ALL ((1ull << 30) - 1)

typedef enum {
  WASI_FD_FREE,
  WASI_FD_STREAM,  /* stdin/stdout/stderr: a wasi_stream */
  WASI_FD_FILE,    /* a host file (or device) opened beneath a preopen */
  WASI_FD_DIR,     /* a host directory; preopens are directories too */
  WASI_FD_CHDIR,   /* channels: the /ch directory (wasi-channel.c) */
  WASI_FD_CHANNEL, /* channels: one channel, /ch/<name> */
} wasi_fd_kind;

typedef struct {
  wasi_fd_kind kind;
  int host;            /* host fd, -1 for streams */
  int stdio;           /* 0..2 for streams */
  int preopen;         /* preopen it lies beneath (its own index for one) */
  bool is_preopen;
  char *path;          /* from the preopen's root, for restore ("." = root) */
  uint16_t oflags, fdflags;
  uint64_t rights_base, rights_inh;
  bool readable, writable;
  uint8_t filetype;
  int chan;            /* channels: index in ctx->channels */
} wasi_fd;

typedef struct {
  char *host, *guest;
} wasi_dir;

/* A poll_oneoff interrupted by a pause, so its redo keeps the deadlines. */
typedef struct {
  bool active;
  uint32_t in_ptr, nsubs;
  uint8_t *subs;       /* the subscriptions' bytes, 48 each */
  uint64_t *deadline;  /* per subscription: guest clock ns (see wasi-clock.c) */
} wasi_pending_poll;

struct wasi_ctx {
  size_t argc, envc;
  char **argv, **env;
  size_t ndirs;
  wasi_dir *dirs;
  wasi_fd *fds;
  uint32_t nfds;       /* slots in use range: [0, nfds) */
  wasi_stream stdio[3];
  uint64_t stream_off[3];
  uint8_t peek[WASI_PEEK_MAX];  /* stdin bytes read ahead by poll_oneoff */
  uint32_t peek_len;
  bool stdin_eof;
  int64_t mono_origin;  /* guest monotonic = host monotonic - origin */
  int64_t cpu_origin;   /* guest cputime = thread cputime - origin */
  uint64_t cpu_last;
  pthread_t cpu_thread;  /* whose CPU clock cpu_origin belongs to */
  bool cpu_thread_set;
  wasi_pending_poll poll;
  int exit_status;
  struct wasi_channels *channels;  /* NULL: none (wasi-channel.c) */
};

/* Guest memory access: little-endian whatever the host, through the
 * engine's one set of helpers (endian-private.h). */
#define wasi_ld32 le_get32
#define wasi_ld64 le_get64
#define wasi_st16 le_put16
#define wasi_st32 le_put32
#define wasi_st64 le_put64
static inline void wasi_st8(uint8_t *p, uint8_t v) { p[0] = v; }

/* Memory view for one host call. */
typedef struct {
  uint8_t *base;
  uint64_t size;
} wasi_mem;

static inline bool wasi_mem_get(wasm_instance *inst, wasi_mem *m) {
  m->base = wasm_host_memory(inst, &m->size);
  return m->base != NULL;
}
/* Pointer to [ptr, ptr+len) or NULL when it is out of bounds. */
static inline uint8_t *wasi_mem_at(const wasi_mem *m, uint64_t ptr,
                                   uint64_t len) {
  if (ptr > m->size || len > m->size - ptr) return NULL;
  return m->base + ptr;
}

/* Slot helpers: an i32 argument, an errno result. */
#define WASI_A32(i) ((uint32_t)args[i])
#define WASI_RET(e) do { results[0] = (uint64_t)(uint32_t)(e); \
                         return WASM_HOST_OK; } while (0)

int wasi_errno(int host_errno);

/* wasi.c */
wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint32_t fd);
int wasi_fd_alloc(wasi_ctx *ctx);   /* slot index or -1 */
void wasi_fd_release(wasi_fd *f);
uint8_t wasi_filetype_of(unsigned st_mode);
char *wasi_strndup(const char *s, size_t n);
char *wasi_path_join(const char *dir, const char *rel, size_t rel_len);
void wasi_paths_renamed(wasi_ctx *ctx, int pre_from, const char *from,
                        int pre_to, const char *to);
void wasi_set_err(char *err, size_t errlen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
void wasi_stdio_default(wasi_stream *s, int fd);

/* wasi-path.c: sandboxed resolution. All return host fd / 0 or -errno
 * (host errno values; callers map them with wasi_errno). */
int wasi_open_beneath(int dirfd, const char *path, int flags, unsigned mode,
                      bool follow);
int wasi_parent_beneath(int dirfd, const char *path, char **leaf);

/* wasi-clock.c */
uint64_t wasi_clock_mono(const wasi_ctx *ctx);
uint64_t wasi_clock_cpu(wasi_ctx *ctx);
void wasi_clock_init(wasi_ctx *ctx);
void wasi_clock_set(wasi_ctx *ctx, uint64_t mono, uint64_t cpu);
void wasi_poll_clear(wasi_ctx *ctx);

/* wasi-fd.c: read from fd 0 honouring the peek buffer; pausable. */
wasm_host_status wasi_stdin_wait(wasm_instance *inst, wasi_ctx *ctx,
                                 int timeout_ms, bool *ready);

/* Host function entry points, one per import. */
#define WASI_FN(name) wasm_host_status wasi_##name(wasm_instance *inst, \
    void *vctx, const uint64_t *args, uint64_t *results)
WASI_FN(args_get); WASI_FN(args_sizes_get);
WASI_FN(environ_get); WASI_FN(environ_sizes_get);
WASI_FN(clock_res_get); WASI_FN(clock_time_get);
WASI_FN(fd_advise); WASI_FN(fd_allocate); WASI_FN(fd_close);
WASI_FN(fd_datasync); WASI_FN(fd_fdstat_get); WASI_FN(fd_fdstat_set_flags);
WASI_FN(fd_fdstat_set_rights); WASI_FN(fd_filestat_get);
WASI_FN(fd_filestat_set_size); WASI_FN(fd_filestat_set_times);
WASI_FN(fd_pread); WASI_FN(fd_prestat_get); WASI_FN(fd_prestat_dir_name);
WASI_FN(fd_pwrite); WASI_FN(fd_read); WASI_FN(fd_readdir);
WASI_FN(fd_renumber); WASI_FN(fd_seek); WASI_FN(fd_sync); WASI_FN(fd_tell);
WASI_FN(fd_write);
WASI_FN(path_create_directory); WASI_FN(path_filestat_get);
WASI_FN(path_filestat_set_times); WASI_FN(path_link); WASI_FN(path_open);
WASI_FN(path_readlink); WASI_FN(path_remove_directory); WASI_FN(path_rename);
WASI_FN(path_symlink); WASI_FN(path_unlink_file);
WASI_FN(poll_oneoff); WASI_FN(proc_exit); WASI_FN(proc_raise);
WASI_FN(sched_yield); WASI_FN(random_get);
WASI_FN(sock_accept); WASI_FN(sock_recv); WASI_FN(sock_send);
WASI_FN(sock_shutdown);
