/* The reference of bench/device/device.py for the engine alone: a program
 * that links only libc and sleeps. Run under the same qemu-user as
 * arts-wasm, it measures what qemu itself costs, so that the difference is
 * the engine's. */
#include <unistd.h>

int main(void)
{
  for (;;)
    pause();
}
