/* Files in a preopened directory (/data): a log kept open across rounds
 * (its position must survive a snapshot), a file rewritten and read
 * back, a directory listing, rename and unlink. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t work(uint64_t h, int n) {
  for (int i = 0; i < n; i++) h = (h ^ (uint64_t)i) * 0x100000001b3ull;
  return h;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 12;
  mkdir("/data/sub", 0755);
  FILE *log = fopen("/data/log.txt", "w");
  int raw = open("/data/raw.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (!log || raw < 0) {
    printf("open failed: %s\n", strerror(errno));
    return 1;
  }
  uint64_t h = 1469598103934665603ull;
  for (int r = 0; r < rounds; r++) {
    h = work(h, 300000);
    fprintf(log, "round %d %016llx\n", r, (unsigned long long)h);
    fflush(log);
    if (write(raw, &h, sizeof h) != sizeof h) return 1;
    char name[64];
    snprintf(name, sizeof name, "/data/sub/f%d.txt", r);
    FILE *f = fopen(name, "w");
    fprintf(f, "file %d\n", r);
    fclose(f);
    if (r % 3 == 2) {
      char to[64];
      snprintf(to, sizeof to, "/data/sub/g%d.txt", r);
      rename(name, to);
    }
    if (r % 4 == 3) {
      snprintf(name, sizeof name, "/data/sub/f%d.txt", r - 2);
      unlink(name);
    }
    off_t pos = lseek(raw, 0, SEEK_CUR);
    uint64_t first = 0;
    pread(raw, &first, sizeof first, 0);
    printf("round %d pos %lld first %016llx\n", r, (long long)pos,
           (unsigned long long)first);
  }
  fclose(log);
  close(raw);
  /* Read everything back; list the directory sorted. */
  FILE *in = fopen("/data/log.txt", "r");
  char line[128];
  int lines = 0;
  while (fgets(line, sizeof line, in)) lines++;
  fclose(in);
  struct stat st;
  stat("/data/raw.bin", &st);
  printf("log lines %d raw size %lld\n", lines, (long long)st.st_size);
  DIR *d = opendir("/data/sub");
  char *names[64];
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) && n < 64)
    if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
  if (d) closedir(d);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (strcmp(names[i], names[j]) > 0) {
        char *t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
  for (int i = 0; i < n; i++) printf("entry %s\n", names[i]);
  return 0;
}
