/* A floating-point kernel: Mandelbrot rows, an n-body step and a dense
 * matrix-vector product in double precision. */
#include "bench.h"

#define N 64

static double M[N][N], v[N], w[N];

static uint64_t bench(unsigned scale) {
  double acc = 0;
  for (unsigned it = 0; it < scale * 20; it++) {
    /* Mandelbrot on a 96x96 grid. */
    int inside = 0;
    for (int y = 0; y < 96; y++)
      for (int x = 0; x < 96; x++) {
        double cr = -2.0 + 2.5 * x / 96 + it * 1e-6, ci = -1.25 + 2.5 * y / 96;
        double zr = 0, zi = 0;
        int k = 0;
        while (k < 100 && zr * zr + zi * zi < 4.0) {
          double t = zr * zr - zi * zi + cr;
          zi = 2 * zr * zi + ci;
          zr = t;
          k++;
        }
        inside += k == 100;
      }
    acc += inside;
    /* n-body: 16 bodies, 20 steps. */
    double px[16], py[16], vx[16] = {0}, vy[16] = {0};
    for (int i = 0; i < 16; i++) { px[i] = i * 0.37 + it * 1e-3; py[i] = (i * 7 % 16) * 0.21; }
    for (int s = 0; s < 20; s++) {
      for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
          if (i == j) continue;
          double dx = px[j] - px[i], dy = py[j] - py[i];
          double d2 = dx * dx + dy * dy + 0.01;
          double inv = 1.0 / (d2 * __builtin_sqrt(d2));
          vx[i] += dx * inv * 1e-3;
          vy[i] += dy * inv * 1e-3;
        }
      for (int i = 0; i < 16; i++) { px[i] += vx[i]; py[i] += vy[i]; }
    }
    for (int i = 0; i < 16; i++) acc += px[i] * 0.5 + py[i] * 0.25;
    /* Matrix-vector. */
    for (int i = 0; i < N; i++) {
      v[i] = 1.0 / (i + 1 + it);
      for (int j = 0; j < N; j++) M[i][j] = (double)((i * 31 + j * 17 + it) % 97) / 97.0;
    }
    for (int r = 0; r < 10; r++) {
      for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < N; j++) s += M[i][j] * v[j];
        w[i] = s;
      }
      double norm = 0;
      for (int i = 0; i < N; i++) norm += w[i] * w[i];
      norm = __builtin_sqrt(norm);
      for (int i = 0; i < N; i++) v[i] = w[i] / norm;
    }
    acc += v[0];
  }
  return (uint64_t)(acc * 1000.0);
}
