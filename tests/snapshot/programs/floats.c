/* Floating point and libm: series, transcendental functions, a small
 * n-body step; every value printed exactly (%a and %.17g). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  double acc = 0, x = 0.5;
  float f = 1.0f;
  double px[4] = {0, 1, 0, -1}, py[4] = {1, 0, -1, 0};
  double vx[4] = {0}, vy[4] = {0};
  for (int r = 0; r < rounds; r++) {
    for (int i = 1; i < 20000; i++) {
      acc += sin(x * i) * exp(-x / i) + log1p(i) / sqrt((double)i);
      acc = fmod(acc, 1e6);
      f = f * 1.0001f + sqrtf((float)i) / 1000.0f;
      x = cos(x) + pow(x, 0.5) / 3.0;
    }
    for (int step = 0; step < 200; step++) {
      for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
          if (a == b) continue;
          double dx = px[b] - px[a], dy = py[b] - py[a];
          double d = sqrt(dx * dx + dy * dy) + 0.01;
          vx[a] += 0.001 * dx / (d * d * d);
          vy[a] += 0.001 * dy / (d * d * d);
        }
      for (int a = 0; a < 4; a++) {
        px[a] += vx[a] * 0.01;
        py[a] += vy[a] * 0.01;
      }
    }
    printf("round %d acc %.17g x %a f %a atan2 %.17g p0 %.17g %.17g\n", r,
           acc, x, (double)f, atan2(py[0], px[0]), px[0], py[0]);
  }
  printf("floor %g ceil %g trunc %g round %g nearbyint %g\n", floor(-2.5),
         ceil(-2.5), trunc(-2.5), round(-2.5), nearbyint(-2.5));
  return 0;
}
