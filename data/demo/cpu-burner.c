/* Demo program: burns CPU and says how far it got.
 *
 *   cpu-burner [ROUNDS]
 *
 * counts primes by trial division, printing progress every 20000 numbers;
 * stops after ROUNDS progress lines (default 0: never). */
#include <stdio.h>
#include <stdlib.h>

static int is_prime(unsigned long n)
{
  if (n < 2)
    return 0;
  for (unsigned long d = 2; d * d <= n; d++)
    if (n % d == 0)
      return 0;
  return 1;
}

int main(int argc, char **argv)
{
  long rounds = argc > 1 ? atol(argv[1]) : 0;
  unsigned long primes = 0, n = 0;

  for (long r = 1; rounds == 0 || r <= rounds; r++) {
    for (unsigned long end = n + 20000; n < end; n++)
      primes += is_prime(n);
    printf("burned through %lu numbers: %lu primes\n", n, primes);
    fflush(stdout);
  }
  return 0;
}
