/* A CoreMark-style integer workload (written here, not CoreMark): linked
 * list find/reverse/sort, a small matrix multiply with integer math, a
 * byte-driven state machine, and a CRC-16 over the results. */
#include "bench.h"

#define NODES 256
#define MAT 24

typedef struct node {
  struct node *next;
  int16_t key, val;
} node;

static node pool[NODES];

static uint16_t crc16(uint16_t crc, uint32_t v, int bits) {
  for (int i = 0; i < bits; i++) {
    int b = ((int)(v >> i) ^ crc) & 1;
    crc >>= 1;
    if (b) crc ^= 0xa001;
  }
  return crc;
}

static node *list_init(uint32_t seed) {
  for (int i = 0; i < NODES; i++) {
    seed = seed * 1103515245u + 12345u;
    pool[i].key = (int16_t)(seed >> 16);
    pool[i].val = (int16_t)i;
    pool[i].next = i + 1 < NODES ? &pool[i + 1] : 0;
  }
  return &pool[0];
}

static node *list_reverse(node *h) {
  node *p = 0;
  while (h) {
    node *n = h->next;
    h->next = p;
    p = h;
    h = n;
  }
  return p;
}

/* Merge sort on the list by key. */
static node *list_sort(node *h) {
  int k = 1;
  for (;;) {
    node *p = h, *tail = 0;
    h = 0;
    int merges = 0;
    while (p) {
      merges++;
      node *q = p;
      int ps = 0;
      for (int i = 0; i < k && q; i++) { ps++; q = q->next; }
      int qs = k;
      while (ps > 0 || (qs > 0 && q)) {
        node *e;
        if (ps == 0) { e = q; q = q->next; qs--; }
        else if (qs == 0 || !q || p->key <= q->key) { e = p; p = p->next; ps--; }
        else { e = q; q = q->next; qs--; }
        if (tail) tail->next = e; else h = e;
        tail = e;
      }
      p = q;
    }
    tail->next = 0;
    if (merges <= 1) return h;
    k *= 2;
  }
}

static int32_t A[MAT][MAT], B[MAT][MAT], C[MAT][MAT];

static uint32_t matrix(uint32_t seed) {
  for (int i = 0; i < MAT; i++)
    for (int j = 0; j < MAT; j++) {
      seed = seed * 1664525u + 1013904223u;
      A[i][j] = (int32_t)(seed >> 20) - 2048;
      B[i][j] = (int32_t)(seed & 0xfff) - 2048;
    }
  for (int i = 0; i < MAT; i++)
    for (int j = 0; j < MAT; j++) {
      int32_t s = 0;
      for (int k = 0; k < MAT; k++) s += A[i][k] * B[k][j];
      C[i][j] = s;
    }
  uint32_t r = 0;
  for (int i = 0; i < MAT; i++)
    for (int j = 0; j < MAT; j++) r = r * 31 + (uint32_t)(C[i][j] ^ (C[i][j] >> 3));
  return r;
}

/* Classifies the characters of a generated input: numbers, floats,
 * identifiers, other. */
static uint32_t state_machine(uint32_t seed) {
  static const char alphabet[] = "0123456789.+-eEabcxyz ,;";
  char buf[512];
  for (int i = 0; i < 511; i++) {
    seed = seed * 22695477u + 1u;
    buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
  }
  buf[511] = 0;
  uint32_t counts[5] = {0};
  int st = 0;
  for (const char *p = buf; *p; p++) {
    char c = *p;
    int digit = c >= '0' && c <= '9';
    switch (st) {
    case 0: st = digit ? 1 : (c == '+' || c == '-') ? 2 : (c >= 'a' && c <= 'z') ? 4 : 0; break;
    case 1: st = digit ? 1 : c == '.' ? 3 : c == 'e' || c == 'E' ? 3 : 0; break;
    case 2: st = digit ? 1 : 0; break;
    case 3: st = digit ? 3 : 0; break;
    case 4: st = (c >= 'a' && c <= 'z') || digit ? 4 : 0; break;
    }
    counts[st]++;
  }
  return counts[0] ^ counts[1] << 4 ^ counts[2] << 8 ^ counts[3] << 12 ^ counts[4] << 16;
}

static uint64_t bench(unsigned scale) {
  uint16_t crc = 0;
  for (unsigned it = 0; it < scale * 1000; it++) {
    node *h = list_init(it);
    h = list_sort(h);
    h = list_reverse(h);
    for (node *p = h; p; p = p->next) crc = crc16(crc, (uint32_t)p->key, 16);
    crc = crc16(crc, matrix(it), 32);
    crc = crc16(crc, state_machine(it), 32);
  }
  return crc;
}
