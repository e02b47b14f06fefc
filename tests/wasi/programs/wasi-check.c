/* WASI behaviour seen from a wasi-libc program, run by arts-wasm with
 * --dir BOX::/data: every check prints "NAME ok" or "NAME FAIL: why".
 * BOX holds out -> /etc and up -> .. (symlinks leading out) and the
 * test's parent directory holds secret.txt, which must stay unreadable.
 * Arguments: "strict" when symlinks are refused altogether (the no-openat2
 * walk). Exits 7 so the status is checked too. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fails;

static void check(const char *name, int ok, const char *why) {
  if (ok) {
    printf("%s ok\n", name);
  } else {
    printf("%s FAIL: %s (errno %d %s)\n", name, why, errno, strerror(errno));
    fails++;
  }
}

static int refused(int rc) {
  return rc < 0 && (errno == ENOTCAPABLE || errno == EPERM || errno == EACCES);
}

static void sandbox(int strict) {
  errno = 0;
  check("escape-dotdot", refused(open("/data/../secret.txt", O_RDONLY)),
        "opened a file above the preopen");
  check("escape-deep-dotdot",
        refused(open("/data/sub/../../secret.txt", O_RDONLY)), "escaped");
  check("escape-absolute", refused(open("/etc/passwd", O_RDONLY)),
        "opened an absolute host path");
  check("escape-symlink-out", refused(open("/data/out/passwd", O_RDONLY)),
        "followed a symlink to /etc");
  check("escape-symlink-up", refused(open("/data/up/secret.txt", O_RDONLY)),
        "followed a symlink to ..");
  struct stat st;
  check("escape-stat", refused(stat("/data/out/passwd", &st)), "stat'd out");
  check("escape-mkdir", refused(mkdir("/data/../evil", 0755)), "mkdir out");
  check("escape-create",
        refused(open("/data/up/evil.txt", O_WRONLY | O_CREAT, 0644)),
        "created a file out");
  check("escape-rename",
        refused(rename("/data/sub/../../secret.txt", "/data/stolen")),
        "renamed a file from outside");
  check("escape-symlink-absolute",
        refused(symlink("/etc/passwd", "/data/abs")),
        "made a symlink to an absolute path");
  check("escape-link", refused(link("/data/up/secret.txt", "/data/hard")),
        "hard-linked a file from outside");
  /* A symlink that stays inside. */
  int made = symlink("sub/inner.txt", "/data/inside") == 0;
  check("symlink-create", made, "symlink inside");
  char buf[64] = {0};
  check("readlink", readlink("/data/inside", buf, sizeof buf) == 13 &&
                        memcmp(buf, "sub/inner.txt", 13) == 0,
        "readlink");
  /* Followed with and without openat2 (the walk gives the same answers). */
  (void)strict;
  int fd = open("/data/inside", O_RDONLY);
  check("symlink-inside-followed", fd >= 0, "in-tree symlink not followed");
  if (fd >= 0) close(fd);
}

static void files(void) {
  check("mkdir", mkdir("/data/sub", 0755) == 0, "mkdir");
  FILE *f = fopen("/data/sub/inner.txt", "w");
  check("fopen-write", f != NULL, "fopen");
  if (!f) return;
  fputs("0123456789\n", f);
  check("fclose", fclose(f) == 0, "fclose");
  int fd = open("/data/sub/inner.txt", O_RDWR);
  char b[16] = {0};
  check("pread", pread(fd, b, 4, 3) == 4 && memcmp(b, "3456", 4) == 0, "pread");
  check("pwrite", pwrite(fd, "AB", 2, 0) == 2, "pwrite");
  check("lseek-end", lseek(fd, 0, SEEK_END) == 11, "lseek");
  check("write", write(fd, "tail", 4) == 4, "write");
  check("tell", lseek(fd, 0, SEEK_CUR) == 15, "tell");
  check("ftruncate", ftruncate(fd, 12) == 0, "ftruncate");
  struct stat st;
  check("fstat-size", fstat(fd, &st) == 0 && st.st_size == 12 &&
                          S_ISREG(st.st_mode), "fstat");
  check("fsync", fsync(fd) == 0, "fsync");
  check("fdatasync", fdatasync(fd) == 0, "fdatasync");
  lseek(fd, 0, SEEK_SET);
  memset(b, 0, sizeof b);
  check("read-back", read(fd, b, 16) == 12 && memcmp(b, "AB23456789\nt", 12) == 0,
        "content");
  close(fd);
  fd = open("/data/sub/inner.txt", O_WRONLY | O_APPEND);
  check("append", fd >= 0 && write(fd, "Z", 1) == 1, "append");
  close(fd);
  check("stat-after-append", stat("/data/sub/inner.txt", &st) == 0 &&
                                 st.st_size == 13, "size");
  check("excl", open("/data/sub/inner.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 &&
                    errno == EEXIST, "O_EXCL");
  check("enoent", open("/data/nope", O_RDONLY) < 0 && errno == ENOENT, "ENOENT");
  check("link", link("/data/sub/inner.txt", "/data/sub/hard.txt") == 0 &&
                    stat("/data/sub/hard.txt", &st) == 0 && st.st_nlink == 2,
        "hard link");
  check("rename", rename("/data/sub/hard.txt", "/data/sub/moved.txt") == 0,
        "rename");
  struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
  check("utimensat", utimensat(AT_FDCWD, "/data/sub/moved.txt", ts, 0) == 0 &&
                         stat("/data/sub/moved.txt", &st) == 0 &&
                         st.st_mtim.tv_sec == 1234567890, "times");
  mkdir("/data/sub/d2", 0755);
  DIR *d = opendir("/data/sub");
  int n = 0, seen_inner = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    n++;
    if (strcmp(e->d_name, "inner.txt") == 0)
      seen_inner = e->d_type == DT_REG;
  }
  if (d) closedir(d);
  check("readdir", n == 5 && seen_inner, "entries . .. inner moved d2");
  check("rmdir", rmdir("/data/sub/d2") == 0, "rmdir");
  check("rmdir-notempty", rmdir("/data/sub") < 0 && errno == ENOTEMPTY,
        "ENOTEMPTY");
  check("unlink", unlink("/data/sub/moved.txt") == 0, "unlink");
  check("unlink-dir", unlink("/data/sub") < 0, "unlinked a directory");
}

static void misc(int argc, char **argv) {
  check("args", argc == 3 && strcmp(argv[1], "one") == 0 &&
                    strcmp(argv[2], "two words") == 0, "argv");
  const char *v = getenv("ARTS_CHECK");
  check("environ", v && strcmp(v, "yes=really") == 0, "env");
  struct timespec a, b, r;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec pause = {0, 20000000};
  nanosleep(&pause, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  int64_t ns = (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
  check("sleep", ns >= 20000000, "slept too short");
  clock_gettime(CLOCK_REALTIME, &r);
  check("realtime", r.tv_sec > 1600000000, "realtime before 2020");
  check("clock-res", clock_getres(CLOCK_MONOTONIC, &r) == 0 &&
                         (r.tv_sec > 0 || r.tv_nsec > 0), "res");
  unsigned char rnd[32] = {0};
  int nz = 0;
  check("random", getentropy(rnd, sizeof rnd) == 0, "getentropy");
  for (int i = 0; i < 32; i++) nz += rnd[i] != 0;
  check("random-nonzero", nz > 16, "random bytes look zero");
  check("isatty-stdout", isatty(1), "stdout not a stream device");
  struct pollfd p = {.fd = 0, .events = POLLIN};
  check("poll-stdin", poll(&p, 1, 2000) == 1 && (p.revents & POLLIN),
        "stdin not readable");
  char line[64] = {0};
  check("stdin", fgets(line, sizeof line, stdin) && strcmp(line, "hello\n") == 0,
        "stdin line");
  check("stdin-eof", fgets(line, sizeof line, stdin) == NULL && feof(stdin),
        "no EOF");
  fprintf(stderr, "to stderr\n");
}

int main(int argc, char **argv) {
  int strict = argc > 3 && strcmp(argv[3], "strict") == 0;
  misc(strict ? 3 : argc, argv);
  files();
  sandbox(strict);
  printf("%d failed\n", fails);
  return fails ? 1 : 7;
}
