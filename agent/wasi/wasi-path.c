/* The sandbox: every path a program gives is resolved beneath a directory
 * descriptor it holds, never above it, never through an absolute path and
 * never through a symlink that leads out. Linux >= 5.6 does it in the
 * kernel (openat2 RESOLVE_BENEATH); where openat2 is refused (old
 * kernels, qemu-user, seccomp) a walk in user space gives the same
 * answers, in-tree symlinks followed. Then the path_* calls built on it. */
#include "wasi-channel.h"
#include "wasi-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#endif

/* Whether to use openat2: not with ARTS_WASI_NO_OPENAT2 set, and not when
 * the kernel (or what stands in for it) refuses it. qemu-user 7.2 answers
 * ENOSYS for every openat2, a seccomp filter may answer EPERM or ENOSYS, an
 * old kernel ENOSYS: one probe on the current directory decides for the
 * process, so a genuine error of a later call (EPERM on an immutable
 * file, say) is never mistaken for a missing openat2. */
static int have_openat2 = -1;  /* unknown, 0, 1 */

#ifdef SYS_openat2
static long openat2_call(int dirfd, const char *path, uint64_t flags,
                         uint64_t mode) {
  struct open_how how = {0};
  how.flags = flags;
  how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long r;
  do r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (r < 0 && errno == EAGAIN);
  return r;
}
#endif

static bool use_openat2(void) {
  int have = __atomic_load_n(&have_openat2, __ATOMIC_RELAXED);
  if (have < 0) {
    const char *off = getenv("ARTS_WASI_NO_OPENAT2");
    have = 0;
#ifdef SYS_openat2
    if (!(off && *off)) {
      long r = openat2_call(AT_FDCWD, ".", O_PATH | O_CLOEXEC, 0);
      if (r >= 0) {
        close((int)r);
        have = 1;
      }
    }
#else
    (void)off;
#endif
    __atomic_store_n(&have_openat2, have, __ATOMIC_RELAXED);
  }
  return have == 1;
}

#ifdef SYS_openat2
static int openat2_beneath(int dirfd, const char *path, int flags,
                           unsigned mode, bool follow) {
  long r = openat2_call(dirfd, path,
                        (uint64_t)(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)),
                        (flags & O_CREAT) ? mode : 0);
  return r < 0 ? -errno : (int)r;
}
#endif

/* The walk, when openat2 is not there: the same answers as the kernel's
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, in user space. A stack of
 * O_PATH descriptors of the directories passed through (the start at the
 * bottom, the caller's); every component is opened with O_NOFOLLOW, so
 * nothing is ever followed behind our back. ".." pops, and popping the
 * start is an escape (EXDEV). A symlink met where it must be followed is
 * read (readlinkat on its own O_PATH descriptor, or on its name after
 * ELOOP) and its target put in front of what is left of the path, walked
 * from the directory holding the link: an absolute target is an escape,
 * a relative one goes where ".." and names allow, never above the start.
 * After 40 links, ELOOP. Since only descriptors on the stack are ever
 * used, a directory moved elsewhere while we walk cannot lead out. */
enum { WALK_DEPTH = 128, WALK_LINKS = 40 };

/* Replaces *BUF (whose remainder after the link's name starts at TAIL)
 * with TARGET followed by TAIL. */
static int walk_splice(char **buf, const char *target, const char *tail) {
  size_t tl = strlen(target), rl = strlen(tail);
  if (tl + rl >= 2 * PATH_MAX) return -ENAMETOOLONG;
  char *n = malloc(tl + rl + 1);
  if (!n) return -ENOMEM;
  memcpy(n, target, tl);
  memcpy(n + tl, tail, rl + 1);
  free(*buf);
  *buf = n;
  return 0;
}

/* Reads the link LINKFD (an O_PATH descriptor of it, name "") or NAME
 * in DIRFD (LINKFD < 0); -EINVAL when it is not a symlink. */
static int walk_readlink(int linkfd, int dirfd, const char *name,
                         char *out) {
  ssize_t n = linkfd >= 0 ? readlinkat(linkfd, "", out, PATH_MAX)
                          : readlinkat(dirfd, name, out, PATH_MAX);
  if (n < 0) return -errno;
  if (n >= PATH_MAX) return -ENAMETOOLONG;
  out[n] = 0;
  if (n == 0) return -ENOENT;
  if (out[0] == '/') return -EXDEV;
  return 0;
}

static int walk_beneath(int dirfd, const char *path, int flags, unsigned mode,
                        bool follow) {
  int stack[WALK_DEPTH];
  int top = 0;
  stack[0] = dirfd;
  int links = 0;
  int result = 0;
  char *buf = strdup(path);
  char *target = malloc(PATH_MAX);
  if (!buf || !target) {
    result = -ENOMEM;
    goto out;
  }
  char *p = buf;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) {  /* only slashes left (after a link's target "x/") */
      int fd = openat(stack[top], ".", flags | O_CLOEXEC | O_DIRECTORY, mode);
      result = fd < 0 ? -errno : fd;
      goto out;
    }
    char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char *after = p + len;
    while (*after == '/') after++;
    bool last = *after == 0;
    bool dir = end != NULL;  /* a trailing "/": must be a directory */
    const char *tail = p + len;  /* what follows the name, from its "/" */
    char name[NAME_MAX + 1];
    if (len > NAME_MAX) {
      result = -ENAMETOOLONG;
      goto out;
    }
    memcpy(name, p, len);
    name[len] = 0;

    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
      if (name[1] == '.') {
        if (top == 0) {
          result = -EXDEV;
          goto out;
        }
        close(stack[top--]);
      }
      if (last) {
        int fd = openat(stack[top], ".", flags | O_CLOEXEC, mode);
        result = fd < 0 ? -errno : fd;
        goto out;
      }
      p = after;
      continue;
    }

    int link_fd = -1;  /* an O_PATH descriptor of a symlink to follow */
    if (last && !dir) {
      int fd = openat(stack[top], name, flags | O_CLOEXEC | O_NOFOLLOW, mode);
      if (!follow) {
        result = fd < 0 ? -errno : fd;
        goto out;
      }
      if (fd >= 0) {
        struct stat st;
        /* Only an O_PATH open gives a descriptor of the link itself. */
        if (!(flags & O_PATH) || fstat(fd, &st) != 0 ||
            !S_ISLNK(st.st_mode)) {
          result = fd;
          goto out;
        }
        link_fd = fd;
      } else {
        int e = errno;
        /* O_NOFOLLOW met a symlink (ELOOP; ENOTDIR under O_DIRECTORY). */
        if (e != ELOOP && e != ENOTDIR) {
          result = -e;
          goto out;
        }
        int r = walk_readlink(-1, stack[top], name, target);
        if (r != 0) {
          result = r == -EINVAL ? -e : r;
          goto out;
        }
      }
    } else {
      int d = openat(stack[top], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (d < 0) {
        result = -errno;
        goto out;
      }
      struct stat st;
      if (fstat(d, &st) != 0) {
        result = -errno;
        close(d);
        goto out;
      }
      if (S_ISDIR(st.st_mode)) {
        if (top + 1 >= WALK_DEPTH) {
          close(d);
          result = -ENAMETOOLONG;
          goto out;
        }
        stack[++top] = d;
        if (last) {
          int fd = openat(d, ".", flags | O_CLOEXEC | O_DIRECTORY, mode);
          result = fd < 0 ? -errno : fd;
          goto out;
        }
        p = after;
        continue;
      }
      if (!S_ISLNK(st.st_mode)) {
        close(d);
        result = -ENOTDIR;
        goto out;
      }
      link_fd = d;
    }

    if (link_fd >= 0) {
      int r = walk_readlink(link_fd, -1, NULL, target);
      close(link_fd);
      if (r != 0) {
        result = r;
        goto out;
      }
    }
    if (++links > WALK_LINKS) {
      result = -ELOOP;
      goto out;
    }
    result = walk_splice(&buf, target, tail);
    if (result != 0) goto out;
    p = buf;
  }
out:
  while (top > 0) close(stack[top--]);
  free(target);
  free(buf);
  return result;
}

int wasi_open_beneath(int dirfd, const char *path, int flags, unsigned mode,
                      bool follow) {
  if (path[0] == '/') return -EXDEV;
  if (path[0] == 0) return -ENOENT;
#ifdef SYS_openat2
  if (use_openat2()) {
    int r = openat2_beneath(dirfd, path, flags, mode, follow);
    if (r != -ENOSYS) return r;
  }
#endif
  return walk_beneath(dirfd, path, flags, mode, follow);
}

/* Opens the directory holding PATH's last component (beneath DIRFD) and
 * gives that component in *LEAF (malloc'd). The leaf is never "." or "..":
 * those name a directory by a path that would leave the parent. */
int wasi_parent_beneath(int dirfd, const char *path, char **leaf) {
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/') len--;
  if (len == 0) return -ENOENT;
  if (path[0] == '/') return -EXDEV;
  size_t cut = len;
  while (cut > 0 && path[cut - 1] != '/') cut--;
  *leaf = wasi_strndup(path + cut, len - cut);
  if (!*leaf) return -ENOMEM;
  if (strcmp(*leaf, ".") == 0 || strcmp(*leaf, "..") == 0) {
    free(*leaf);
    *leaf = NULL;
    return -EINVAL;
  }
  char *dir = cut ? wasi_strndup(path, cut) : strdup(".");
  if (!dir) {
    free(*leaf);
    *leaf = NULL;
    return -ENOMEM;
  }
  int fd = wasi_open_beneath(dirfd, dir, O_PATH | O_DIRECTORY, 0, true);
  free(dir);
  if (fd < 0) {
    free(*leaf);
    *leaf = NULL;
  }
  return fd;
}

/* ---- path_* host functions ---- */

/* The directory descriptor and the guest path of a path_* call. */
typedef struct {
  wasi_fd *dir;
  char *path;
} path_arg;

static int path_arg_get(wasm_instance *inst, wasi_ctx *ctx, uint32_t fd,
                        uint32_t ptr, uint32_t len, path_arg *out) {
  wasi_mem m;
  out->path = NULL;
  out->dir = wasi_fd_get(ctx, fd);
  if (!out->dir) return WASI_EBADF;
  if (out->dir->kind != WASI_FD_DIR) return WASI_ENOTDIR;
  if (!wasi_mem_get(inst, &m)) return WASI_EFAULT;
  const uint8_t *p = wasi_mem_at(&m, ptr, len);
  if (!p) return WASI_EFAULT;
  if (len > PATH_MAX) return WASI_ENAMETOOLONG;
  if (memchr(p, 0, len)) return WASI_EINVAL;
  out->path = wasi_strndup((const char *)p, len);
  return out->path ? WASI_ESUCCESS : WASI_ENOMEM;
}

static void fill_filestat(uint8_t *p, const struct stat *st) {
  memset(p, 0, 64);
  wasi_st64(p + 0, (uint64_t)st->st_dev);
  wasi_st64(p + 8, (uint64_t)st->st_ino);
  wasi_st8(p + 16, wasi_filetype_of(st->st_mode));
  wasi_st64(p + 24, (uint64_t)st->st_nlink);
  wasi_st64(p + 32, (uint64_t)st->st_size);
  wasi_st64(p + 40, (uint64_t)st->st_atim.tv_sec * 1000000000ull +
                        (uint64_t)st->st_atim.tv_nsec);
  wasi_st64(p + 48, (uint64_t)st->st_mtim.tv_sec * 1000000000ull +
                        (uint64_t)st->st_mtim.tv_nsec);
  wasi_st64(p + 56, (uint64_t)st->st_ctim.tv_sec * 1000000000ull +
                        (uint64_t)st->st_ctim.tv_nsec);
}

/* Exported to wasi-fd.c through this small door. */
void wasi_fill_filestat(uint8_t *p, const struct stat *st);
void wasi_fill_filestat(uint8_t *p, const struct stat *st) {
  fill_filestat(p, st);
}

WASI_FN(path_open) {
  wasi_ctx *ctx = vctx;
  wasi_fd *chd = wasi_fd_get(ctx, WASI_A32(0));
  if (chd && chd->kind == WASI_FD_CHDIR)
    return wasi_ch_open(inst, ctx, args, results);
  uint32_t lookup = WASI_A32(1), oflags = WASI_A32(4), fdflags = WASI_A32(7);
  uint64_t rbase = args[5], rinh = args[6];
  path_arg pa;
  int e = path_arg_get(inst, ctx, WASI_A32(0), WASI_A32(2), WASI_A32(3), &pa);
  if (e) {
    free(pa.path);
    WASI_RET(e);
  }
  bool rd = rbase & (WASI_RIGHT_FD_READ | (1ull << 14));
  bool wr = rbase & (WASI_RIGHT_FD_WRITE | (1ull << 22) | (1ull << 8));
  int flags = 0;
  if (oflags & WASI_OFLAG_DIRECTORY) {
    flags = O_RDONLY | O_DIRECTORY;
    wr = false;
    rd = true;
  } else {
    flags = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
  }
  if (oflags & WASI_OFLAG_CREAT) flags |= O_CREAT;
  if (oflags & WASI_OFLAG_EXCL) flags |= O_EXCL;
  if (oflags & WASI_OFLAG_TRUNC) flags |= O_TRUNC;
  if (fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
  if (fdflags & WASI_FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
  if (fdflags & (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC)) flags |= O_SYNC;
  if (fdflags & WASI_FDFLAG_DSYNC) flags |= O_DSYNC;
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(8), 4))) {
    free(pa.path);
    WASI_RET(WASI_EFAULT);
  }
  int slot = wasi_fd_alloc(ctx);
  if (slot < 0) {
    free(pa.path);
    WASI_RET(WASI_EMFILE);
  }
  int h = wasi_open_beneath(pa.dir->host, pa.path, flags, 0666, lookup & 1);
  if (h < 0) {
    free(pa.path);
    WASI_RET(wasi_errno(-h));
  }
  struct stat st;
  fstat(h, &st);
  /* pa.dir may have moved if the table grew: it cannot (fixed array). */
  wasi_fd *f = &ctx->fds[slot];
  f->kind = S_ISDIR(st.st_mode) ? WASI_FD_DIR : WASI_FD_FILE;
  f->host = h;
  f->preopen = pa.dir->preopen;
  f->path = wasi_path_join(pa.dir->path, pa.path, strlen(pa.path));
  f->oflags = (uint16_t)(oflags & WASI_OFLAG_DIRECTORY);
  f->fdflags = (uint16_t)fdflags;
  f->rights_base = rbase;
  f->rights_inh = rinh;
  f->readable = rd;
  f->writable = wr;
  f->filetype = wasi_filetype_of(st.st_mode);
  free(pa.path);
  if (!f->path) {
    wasi_fd_release(f);
    WASI_RET(WASI_ENOMEM);
  }
  wasi_st32(out, (uint32_t)slot);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(path_create_directory) {
  path_arg pa;
  int e = path_arg_get(inst, vctx, WASI_A32(0), WASI_A32(1), WASI_A32(2), &pa);
  char *leaf = NULL;
  if (!e) {
    int d = wasi_parent_beneath(pa.dir->host, pa.path, &leaf);
    if (d < 0) e = d == -EINVAL ? WASI_EEXIST : wasi_errno(-d);
    else {
      if (mkdirat(d, leaf, 0777) < 0) e = wasi_errno(errno);
      close(d);
    }
  }
  free(leaf);
  free(pa.path);
  WASI_RET(e);
}

static int name_op(wasm_instance *inst, wasi_ctx *ctx, const uint64_t *args,
                   int (*op)(int dirfd, const char *leaf)) {
  path_arg pa;
  int e = path_arg_get(inst, ctx, WASI_A32(0), WASI_A32(1), WASI_A32(2), &pa);
  char *leaf = NULL;
  if (!e) {
    int d = wasi_parent_beneath(pa.dir->host, pa.path, &leaf);
    if (d < 0) e = wasi_errno(-d);
    else {
      if (op(d, leaf) < 0) e = wasi_errno(errno);
      close(d);
    }
  }
  free(leaf);
  free(pa.path);
  return e;
}

static int do_unlink(int d, const char *leaf) {
  int r = unlinkat(d, leaf, 0);
  /* Linux says EISDIR, POSIX (and wasi-libc's callers) expect EISDIR or
   * EPERM; keep the host's. */
  return r;
}
static int do_rmdir(int d, const char *leaf) {
  return unlinkat(d, leaf, AT_REMOVEDIR);
}

WASI_FN(path_unlink_file) { WASI_RET(name_op(inst, vctx, args, do_unlink)); }
WASI_FN(path_remove_directory) {
  WASI_RET(name_op(inst, vctx, args, do_rmdir));
}

WASI_FN(path_filestat_get) {
  path_arg pa;
  int e = path_arg_get(inst, vctx, WASI_A32(0), WASI_A32(2), WASI_A32(3), &pa);
  struct stat st;
  if (!e) {
    int h = wasi_open_beneath(pa.dir->host, pa.path, O_PATH, 0,
                              WASI_A32(1) & 1);
    if (h < 0) {
      e = wasi_errno(-h);
    } else {
      if (fstat(h, &st) < 0) e = wasi_errno(errno);
      close(h);
    }
  }
  free(pa.path);
  if (e) WASI_RET(e);
  wasi_mem m;
  uint8_t *out;
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(4), 64)))
    WASI_RET(WASI_EFAULT);
  fill_filestat(out, &st);
  WASI_RET(WASI_ESUCCESS);
}

/* WASI fstflags -> a timespec pair for utimensat/futimens. */
int wasi_times(struct timespec ts[2], uint64_t atim, uint64_t mtim,
               uint32_t fl);
int wasi_times(struct timespec ts[2], uint64_t atim, uint64_t mtim,
               uint32_t fl) {
  if ((fl & 3) == 3 || (fl & 12) == 12) return WASI_EINVAL;
  ts[0].tv_sec = (time_t)(atim / 1000000000ull);
  ts[0].tv_nsec = (long)(atim % 1000000000ull);
  ts[1].tv_sec = (time_t)(mtim / 1000000000ull);
  ts[1].tv_nsec = (long)(mtim % 1000000000ull);
  if (fl & 2) ts[0].tv_nsec = UTIME_NOW;
  else if (!(fl & 1)) ts[0].tv_nsec = UTIME_OMIT;
  if (fl & 8) ts[1].tv_nsec = UTIME_NOW;
  else if (!(fl & 4)) ts[1].tv_nsec = UTIME_OMIT;
  return 0;
}

WASI_FN(path_filestat_set_times) {
  path_arg pa;
  int e = path_arg_get(inst, vctx, WASI_A32(0), WASI_A32(2), WASI_A32(3), &pa);
  struct timespec ts[2];
  if (!e) e = wasi_times(ts, args[4], args[5], WASI_A32(6));
  if (!e) {
    /* Through an O_PATH descriptor and /proc would be a magic link; use
     * the parent and the leaf instead, never following a final symlink
     * out of the tree. */
    char *leaf = NULL;
    int d = wasi_parent_beneath(pa.dir->host, pa.path, &leaf);
    if (d == -EINVAL) {  /* "." or "..": a directory we can open */
      int h = wasi_open_beneath(pa.dir->host, pa.path, O_RDONLY, 0, true);
      if (h < 0) e = wasi_errno(-h);
      else {
        if (futimens(h, ts) < 0) e = wasi_errno(errno);
        close(h);
      }
    } else if (d < 0) {
      e = wasi_errno(-d);
    } else {
      struct stat st;
      if ((WASI_A32(1) & 1) && fstatat(d, leaf, &st, AT_SYMLINK_NOFOLLOW) ==
          0 && S_ISLNK(st.st_mode)) {
        int h = wasi_open_beneath(pa.dir->host, pa.path, O_RDONLY, 0, true);
        if (h < 0) e = wasi_errno(-h);
        else {
          if (futimens(h, ts) < 0) e = wasi_errno(errno);
          close(h);
        }
      } else if (utimensat(d, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0) {
        e = wasi_errno(errno);
      }
      close(d);
    }
    free(leaf);
  }
  free(pa.path);
  WASI_RET(e);
}

WASI_FN(path_readlink) {
  path_arg pa;
  int e = path_arg_get(inst, vctx, WASI_A32(0), WASI_A32(1), WASI_A32(2), &pa);
  char *leaf = NULL;
  char buf[PATH_MAX];
  ssize_t n = -1;
  if (!e) {
    int d = wasi_parent_beneath(pa.dir->host, pa.path, &leaf);
    if (d < 0) e = wasi_errno(-d);
    else {
      n = readlinkat(d, leaf, buf, sizeof buf);
      if (n < 0) e = wasi_errno(errno);
      close(d);
    }
  }
  free(leaf);
  free(pa.path);
  if (e) WASI_RET(e);
  wasi_mem m;
  uint8_t *out, *used;
  uint32_t cap = WASI_A32(4);
  if (!wasi_mem_get(inst, &m) || !(out = wasi_mem_at(&m, WASI_A32(3), cap)) ||
      !(used = wasi_mem_at(&m, WASI_A32(5), 4)))
    WASI_RET(WASI_EFAULT);
  size_t k = (size_t)n < cap ? (size_t)n : cap;
  memcpy(out, buf, k);
  wasi_st32(used, (uint32_t)k);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(path_symlink) {
  wasi_ctx *ctx = vctx;
  wasi_mem m;
  uint32_t tlen = WASI_A32(1);
  if (!wasi_mem_get(inst, &m)) WASI_RET(WASI_EFAULT);
  const uint8_t *t = wasi_mem_at(&m, WASI_A32(0), tlen);
  if (!t) WASI_RET(WASI_EFAULT);
  if (tlen > PATH_MAX || memchr(t, 0, tlen)) WASI_RET(WASI_EINVAL);
  /* An absolute target could never be followed inside the sandbox; refuse
   * it rather than leave a trap for the host. */
  if (tlen == 0 || t[0] == '/') WASI_RET(WASI_ENOTCAPABLE);
  char *target = wasi_strndup((const char *)t, tlen);
  path_arg pa;
  int e = target ? path_arg_get(inst, ctx, WASI_A32(2), WASI_A32(3),
                                WASI_A32(4), &pa) : WASI_ENOMEM;
  char *leaf = NULL;
  if (!e) {
    int d = wasi_parent_beneath(pa.dir->host, pa.path, &leaf);
    if (d < 0) e = wasi_errno(-d);
    else {
      if (symlinkat(target, d, leaf) < 0) e = wasi_errno(errno);
      close(d);
    }
  }
  if (target) free(pa.path);
  free(leaf);
  free(target);
  WASI_RET(e);
}

/* Two-path calls (rename, link): resolve both parents. */
static int two_paths(wasm_instance *inst, wasi_ctx *ctx, uint32_t fd1,
                     uint32_t p1, uint32_t l1, uint32_t fd2, uint32_t p2,
                     uint32_t l2, int (*op)(int, const char *, int,
                                            const char *, int), int flags) {
  path_arg a = {0}, b = {0};
  char *la = NULL, *lb = NULL;
  int da = -1, db = -1;
  int e = path_arg_get(inst, ctx, fd1, p1, l1, &a);
  if (!e) e = path_arg_get(inst, ctx, fd2, p2, l2, &b);
  if (!e && (da = wasi_parent_beneath(a.dir->host, a.path, &la)) < 0)
    e = wasi_errno(-da);
  if (!e && (db = wasi_parent_beneath(b.dir->host, b.path, &lb)) < 0)
    e = wasi_errno(-db);
  if (!e && op(da, la, db, lb, flags) < 0) e = wasi_errno(errno);
  if (da >= 0) close(da);
  if (db >= 0) close(db);
  free(la);
  free(lb);
  free(a.path);
  free(b.path);
  return e;
}

static int do_rename(int da, const char *la, int db, const char *lb, int f) {
  (void)f;
  return renameat(da, la, db, lb);
}
static int do_link(int da, const char *la, int db, const char *lb, int f) {
  /* Following a source symlink could reach outside: never follow. */
  (void)f;
  return linkat(da, la, db, lb, 0);
}

WASI_FN(path_rename) {
  wasi_ctx *ctx = vctx;
  int e = two_paths(inst, ctx, WASI_A32(0), WASI_A32(1), WASI_A32(2),
                    WASI_A32(3), WASI_A32(4), WASI_A32(5), do_rename, 0);
  if (e) WASI_RET(e);
  /* Descriptors under the old name follow it (for snapshots). */
  path_arg a = {0}, b = {0};
  if (path_arg_get(inst, ctx, WASI_A32(0), WASI_A32(1), WASI_A32(2), &a) ==
          0 &&
      path_arg_get(inst, ctx, WASI_A32(3), WASI_A32(4), WASI_A32(5), &b) ==
          0) {
    char *from = wasi_path_join(a.dir->path, a.path, strlen(a.path));
    char *to = wasi_path_join(b.dir->path, b.path, strlen(b.path));
    if (from && to)
      wasi_paths_renamed(ctx, a.dir->preopen, from, b.dir->preopen, to);
    free(from);
    free(to);
  }
  free(a.path);
  free(b.path);
  WASI_RET(WASI_ESUCCESS);
}

WASI_FN(path_link) {
  WASI_RET(two_paths(inst, vctx, WASI_A32(0), WASI_A32(2), WASI_A32(3),
                     WASI_A32(4), WASI_A32(5), WASI_A32(6), do_link,
                     (int)WASI_A32(1)));
}
