/* fd_* calls: streams (stdin/stdout/stderr through wasi_stream), host
 * files and directories. stdin reads wait in slices and give way to a
 * pause with nothing consumed, so the call can be redone after a resume. */
#include "wasi-channel.h"
#include "wasi-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

void wasi_fill_filestat(uint8_t *p, const struct stat *st);
int wasi_times(struct timespec ts[2], uint64_t atim, uint64_t mtim,
               uint32_t fl);

/* File offsets from the guest are 64-bit: a 32-bit host must build with
 * a 64-bit off_t (meson passes -D_FILE_OFFSET_BITS=64), or (off_t) casts
 * below would cut them. */
_Static_assert(sizeof(off_t) == 8, "WASI needs -D_FILE_OFFSET_BITS=64");

#define MAX_IOVS 1024
#define STREAM_CHUNK 65536

/* The guest's iovec array as host iovecs, each range checked. */
static int iovs_get(wasm_instance *inst, uint32_t ptr, uint32_t n,
                    struct iovec *iov, uint64_t *total) {
  wasi_mem m;
  if (n > MAX_IOVS) return WASI_EINVAL;
  if (!wasi_mem_get(inst, &m)) return n ? WASI_EFAULT : 0;
  const uint8_t *a = wasi_mem_at(&m, ptr, (uint64_t)n * 8);
  if (!a) return WASI_EFAULT;
  *total = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t b = wasi_ld32(a + 8 * i), l = wasi_ld32(a + 8 * i + 4);
    uint8_t *p = wasi_mem_at(&m, b, l);
    if (!p) return WASI_EFAULT;
    iov[i].iov_base = p;
    iov[i].iov_len = l;
    *total += l;
  }
  return 0;
}

static size_t scatter(struct iovec *iov, uint32_t n, const uint8_t *src,
                      size_t len) {
  size_t done = 0;
  for (uint32_t i = 0; i < n && done < len; i++) {
    size_t k = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
    memcpy(iov[i].iov_base, src + done, k);
    done += k;
  }
  return done;
}

static wasm_host_status put_u32(wasm_instance *inst, uint32_t ptr,
                                uint32_t v, uint64_t *results) {
  wasi_mem m;
  uint8_t *p;
  if (!wasi_mem_get(inst, &m) || !(p = wasi_mem_at(&m, ptr, 4)))
    WASI_RET(WASI_EFAULT);
  wasi_st32(p, v);
  WASI_RET(WASI_ESUCCESS);
}

/* Waits up to TIMEOUT_MS for stdin bytes, reading them ahead into the peek
 * buffer (saved in snapshots, so no byte is lost). *READY is TRUE when
 * bytes or the end of input are there. */
wasm_host_status wasi_stdin_wait(wasm_instance *inst, wasi_ctx *ctx,
                                 int timeout_ms, bool *ready) {
  (void)inst;
  *ready = ctx->peek_len > 0 || ctx->stdin_eof;
  if (*ready) return WASM_HOST_OK;
  if (!ctx->stdio[0].read) {
    ctx->stdin_eof = true;
    *ready = true;
    return WASM_HOST_OK;
  }
  long n = ctx->stdio[0].read(ctx->stdio[0].ctx, ctx->peek, WASI_PEEK_MAX,
                              timeout_ms);
  if (n == -EAGAIN) return WASM_HOST_OK;
  if (n <= 0) ctx->stdin_eof = true;  /* errors read as end of input */
  else ctx->peek_len = (uint32_t)n;
  *ready = true;
  return WASM_HOST_OK;
}

static wasm_host_status stdin_read(wasm_instance *inst, wasi_ctx *ctx,
                                   struct iovec *iov, uint32_t n,
                                   uint64_t total, uint32_t nread_ptr,
                                   uint64_t *results) {
  if (total == 0) return put_u32(inst, nread_ptr, 0, results);
  for (;;) {
    bool ready;
    wasi_stdin_wait(inst, ctx, WASI_SLICE_MS, &ready);
    if (ready) break;
    if (wasm_pause_requested(inst)) return WASM_HOST_PAUSE;
  }
  size_t got = 0;
  if (ctx->peek_len) {
    got = scatter(iov, n, ctx->peek, ctx->peek_len);
    memmove(ctx->peek, ctx->peek + got, ctx->peek_len - got);
    ctx->peek_len -= (uint32_t)got;
  } else {
    ctx->stdin_eof = false;  /* a later read may find more (a terminal) */
  }
  ctx->stream_off[0] += got;
  return put_u32(inst, nread_ptr, (uint32_t)got, results);
}

WASI_FN(fd_read) {
  wasi_ctx *ctx = vctx;
  wasi_fd *f = wasi_fd_get(ctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->kind == WASI_FD_CHANNEL) return wasi_ch_read(inst, ctx, args, results);
  struct iovec iov[MAX_IOVS];
  uint64_t total;
  int e = iovs_get(inst, WASI_A32(1), WASI_A32(2), iov, &total);
  if (e) WASI_RET(e);
  if (f->kind == WASI_FD_STREAM) {
    if (f->stdio != 0) WASI_RET(WASI_EBADF);
    return stdin_read(inst, ctx, iov, WASI_A32(2), total, WASI_A32(3),
                      results);
  }
  if (f->kind == WASI_FD_DIR) WASI_RET(WASI_EISDIR);
  ssize_t r = readv(f->host, iov, (int)WASI_A32(2));
  if (r < 0) WASI_RET(wasi_errno(errno));
  return put_u32(inst, WASI_A32(3), (uint32_t)r, results);
}

WASI_FN(fd_write) {
  wasi_ctx *ctx = vctx;
  wasi_fd *f = wasi_fd_get(ctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->kind == WASI_FD_CHANNEL) return wasi_ch_write(inst, ctx, args, results);
  struct iovec iov[MAX_IOVS];
  uint64_t total;
  int e = iovs_get(inst, WASI_A32(1), WASI_A32(2), iov, &total);
  if (e) WASI_RET(e);
  if (f->kind == WASI_FD_STREAM) {
    wasi_stream *s = &ctx->stdio[f->stdio];
    if (f->stdio == 0 || !s->write) WASI_RET(WASI_EBADF);
    uint64_t done = 0;
    for (uint32_t i = 0; i < WASI_A32(2); i++) {
      if (!iov[i].iov_len) continue;
      /* iovecs may overlap: their total can pass 4 GiB, which the u32
       * count cannot say; stop short before that (a partial write) */
      if (iov[i].iov_len > UINT32_MAX - done) break;
      long r = s->write(s->ctx, iov[i].iov_base, iov[i].iov_len);
      if (r < 0) {
        if (done) break;
        WASI_RET(wasi_errno((int)-r));
      }
      done += (uint64_t)r;
    }
    ctx->stream_off[f->stdio] += done;
    return put_u32(inst, WASI_A32(3), (uint32_t)done, results);
  }
  if (f->kind == WASI_FD_DIR) WASI_RET(WASI_EISDIR);
  ssize_t r = writev(f->host, iov, (int)WASI_A32(2));
  if (r < 0) WASI_RET(wasi_errno(errno));
  return put_u32(inst, WASI_A32(3), (uint32_t)r, results);
}

static wasm_host_status positioned(wasm_instance *inst, void *vctx,
                                   const uint64_t *args, uint64_t *results,
                                   bool write) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->kind == WASI_FD_STREAM) WASI_RET(WASI_ESPIPE);
  if (f->kind == WASI_FD_DIR) WASI_RET(WASI_EISDIR);
  if (args[3] > INT64_MAX) WASI_RET(WASI_EINVAL);
  struct iovec iov[MAX_IOVS];
  uint64_t total;
  int e = iovs_get(inst, WASI_A32(1), WASI_A32(2), iov, &total);
  if (e) WASI_RET(e);
  ssize_t r = write ? pwritev(f->host, iov, (int)WASI_A32(2), (off_t)args[3])
                    : preadv(f->host, iov, (int)WASI_A32(2), (off_t)args[3]);
  if (r < 0) WASI_RET(wasi_errno(errno));
  return put_u32(inst, WASI_A32(4), (uint32_t)r, results);
}

WASI_FN(fd_pread) { return positioned(inst, vctx, args, results, false); }
WASI_FN(fd_pwrite) { return positioned(inst, vctx, args, results, true); }

WASI_FN(fd_seek) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->kind == WASI_FD_STREAM) WASI_RET(WASI_ESPIPE);
  uint32_t w = WASI_A32(2);
  int whence = w == 0 ? SEEK_SET : w == 1 ? SEEK_CUR : w == 2 ? SEEK_END : -1;
  if (whence < 0) WASI_RET(WASI_EINVAL);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(3), 8)))
    WASI_RET(WASI_EFAULT);
  off_t r = lseek(f->host, (off_t)(int64_t)args[1], whence);
  if (r < 0) WASI_RET(wasi_errno(errno));
  wasi_st64(out, (uint64_t)r);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_tell) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->kind == WASI_FD_STREAM) WASI_RET(WASI_ESPIPE);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(1), 8)))
    WASI_RET(WASI_EFAULT);
  off_t r = lseek(f->host, 0, SEEK_CUR);
  if (r < 0) WASI_RET(wasi_errno(errno));
  wasi_st64(out, (uint64_t)r);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_close) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  wasi_fd_release(f);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_fdstat_get) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(1), 24)))
    WASI_RET(WASI_EFAULT);
  memset(out, 0, 24);
  uint64_t base = f->rights_base;
  /* Streams look like terminals (no seek, no tell) so wasi-libc line-
   * buffers stdout: output reaches a remote viewer line by line. */
  if (f->kind == WASI_FD_STREAM) base &= ~((1ull << 2) | (1ull << 5));
  wasi_st8(out, f->filetype);
  wasi_st16(out + 2, f->fdflags);
  wasi_st64(out + 8, base);
  wasi_st64(out + 16, f->rights_inh);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_fdstat_set_flags) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  uint32_t fl = WASI_A32(1);
  if (fl & ~0x1fu) WASI_RET(WASI_EINVAL);
  if (f->host >= 0) {
    int cur = fcntl(f->host, F_GETFL);
    if (cur < 0) WASI_RET(wasi_errno(errno));
    cur &= ~(O_APPEND | O_NONBLOCK);
    if (fl & WASI_FDFLAG_APPEND) cur |= O_APPEND;
    if (fl & WASI_FDFLAG_NONBLOCK) cur |= O_NONBLOCK;
    if (fcntl(f->host, F_SETFL, cur) < 0) WASI_RET(wasi_errno(errno));
  }
  f->fdflags = (uint16_t)fl;
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_fdstat_set_rights) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  /* Rights may only shrink. */
  if ((args[1] & ~f->rights_base) || (args[2] & ~f->rights_inh))
    WASI_RET(WASI_ENOTCAPABLE);
  f->rights_base = args[1];
  f->rights_inh = args[2];
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_filestat_get) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(1), 64)))
    WASI_RET(WASI_EFAULT);
  struct stat st;
  if (f->kind == WASI_FD_STREAM) {
    memset(&st, 0, sizeof st);
    st.st_mode = S_IFCHR;
    st.st_nlink = 1;
  } else if (fstat(f->host, &st) < 0) {
    WASI_RET(wasi_errno(errno));
  }
  wasi_fill_filestat(out, &st);
  WASI_RET(WASI_ESUCCESS);
}

/* A host file descriptor for calls that need one. */
static int file_host(void *vctx, uint32_t fd, int *e) {
  wasi_fd *f = wasi_fd_get(vctx, fd);
  *e = !f ? WASI_EBADF : f->kind == WASI_FD_STREAM ? WASI_EINVAL
       : f->kind == WASI_FD_DIR ? WASI_EISDIR : 0;
  return *e ? -1 : f->host;
}

WASI_FN(fd_filestat_set_size) {
  int e, h = file_host(vctx, WASI_A32(0), &e);
  if (e) WASI_RET(e);
  if (args[1] > INT64_MAX) WASI_RET(WASI_EINVAL);
  if (ftruncate(h, (off_t)args[1]) < 0) WASI_RET(wasi_errno(errno));
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_filestat_set_times) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->kind == WASI_FD_STREAM) WASI_RET(WASI_ESUCCESS);
  struct timespec ts[2];
  int e = wasi_times(ts, args[1], args[2], WASI_A32(3));
  if (e) WASI_RET(e);
  if (futimens(f->host, ts) < 0) WASI_RET(wasi_errno(errno));
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_sync) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->host >= 0 && fsync(f->host) < 0) WASI_RET(wasi_errno(errno));
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_datasync) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->host >= 0 && fdatasync(f->host) < 0) WASI_RET(wasi_errno(errno));
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_advise) {
  int e, h = file_host(vctx, WASI_A32(0), &e);
  if (e) WASI_RET(e);
  if (WASI_A32(3) > 5) WASI_RET(WASI_EINVAL);
  /* Advice is only advice: a host that ignores it is fine. */
  (void)h;
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_allocate) {
  int e, h = file_host(vctx, WASI_A32(0), &e);
  if (e) WASI_RET(e);
  if (args[1] > INT64_MAX || args[2] > INT64_MAX) WASI_RET(WASI_EINVAL);
  int r = posix_fallocate(h, (off_t)args[1], (off_t)args[2]);
  if (r) WASI_RET(wasi_errno(r));
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_renumber) {
  wasi_ctx *ctx = vctx;
  wasi_fd *from = wasi_fd_get(ctx, WASI_A32(0));
  wasi_fd *to = wasi_fd_get(ctx, WASI_A32(1));
  if (!from || !to) WASI_RET(WASI_EBADF);
  if (from == to) WASI_RET(WASI_ESUCCESS);
  wasi_fd_release(to);
  *to = *from;
  memset(from, 0, sizeof *from);
  from->host = -1;
  from->kind = WASI_FD_FREE;
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_prestat_get) {
  wasi_ctx *ctx = vctx;
  wasi_fd *f = wasi_fd_get(ctx, WASI_A32(0));
  if (f && f->kind == WASI_FD_CHDIR)
    return wasi_ch_prestat(inst, ctx, args, results, false);
  if (!f || !f->is_preopen) WASI_RET(WASI_EBADF);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(1), 8)))
    WASI_RET(WASI_EFAULT);
  memset(out, 0, 8);
  wasi_st32(out + 4, (uint32_t)strlen(ctx->dirs[f->preopen].guest));
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(fd_prestat_dir_name) {
  wasi_ctx *ctx = vctx;
  wasi_fd *f = wasi_fd_get(ctx, WASI_A32(0));
  if (f && f->kind == WASI_FD_CHDIR)
    return wasi_ch_prestat(inst, ctx, args, results, true);
  if (!f || !f->is_preopen) WASI_RET(WASI_EBADF);
  const char *name = ctx->dirs[f->preopen].guest;
  size_t len = strlen(name);
  if (WASI_A32(2) < len) WASI_RET(WASI_ENAMETOOLONG);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(1), len)))
    WASI_RET(WASI_EFAULT);
  memcpy(out, name, len);
  WASI_RET(WASI_ESUCCESS);
}

static uint8_t dtype_to_wasi(unsigned char t) {
  switch (t) {
  case DT_REG: return WASI_FT_FILE;
  case DT_DIR: return WASI_FT_DIR;
  case DT_LNK: return WASI_FT_SYMLINK;
  case DT_CHR: return WASI_FT_CHAR;
  case DT_BLK: return WASI_FT_BLOCK;
  case DT_SOCK: return WASI_FT_SOCK_STREAM;
  default: return WASI_FT_UNKNOWN;
  }
}

/* The cookie is the index of the next entry: stateless, so a snapshot
 * needs nothing for a directory being listed. */
WASI_FN(fd_readdir) {
  wasi_fd *f = wasi_fd_get(vctx, WASI_A32(0));
  if (!f) WASI_RET(WASI_EBADF);
  if (f->kind != WASI_FD_DIR) WASI_RET(WASI_ENOTDIR);
  uint32_t cap = WASI_A32(2);
  uint64_t cookie = args[3];
  wasi_mem m;
  uint8_t *buf, *used;
  if (!wasi_mem_get(inst, &m) || !(buf = wasi_mem_at(&m, WASI_A32(1), cap)) ||
      !(used = wasi_mem_at(&m, WASI_A32(4), 4)))
    WASI_RET(WASI_EFAULT);
  int h = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (h < 0) WASI_RET(wasi_errno(errno));
  DIR *d = fdopendir(h);
  if (!d) {
    close(h);
    WASI_RET(wasi_errno(errno));
  }
  uint64_t idx = 0;
  uint32_t pos = 0;
  struct dirent *de;
  while (pos < cap && (de = readdir(d))) {
    if (idx++ < cookie) continue;
    uint8_t hdr[24];
    size_t nl = strlen(de->d_name);
    wasi_st64(hdr, idx);
    wasi_st64(hdr + 8, (uint64_t)de->d_ino);
    wasi_st32(hdr + 16, (uint32_t)nl);
    memset(hdr + 20, 0, 4);
    hdr[20] = dtype_to_wasi(de->d_type);
    uint32_t k = cap - pos < 24 ? cap - pos : 24;
    memcpy(buf + pos, hdr, k);
    pos += k;
    k = cap - pos < nl ? cap - pos : (uint32_t)nl;
    memcpy(buf + pos, de->d_name, k);
    pos += k;
  }
  closedir(d);
  wasi_st32(used, pos);
  WASI_RET(WASI_ESUCCESS);
}
