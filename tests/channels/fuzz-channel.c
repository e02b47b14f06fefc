/* libFuzzer: channel state from a snapshot is hostile input. Whatever
 * wasi_channels_restore accepts must save back to the same bytes and take
 * deliveries and reads without a fault. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasi-channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  char err[256];
  wasi_channels *set = wasi_channels_restore(data, len, err, sizeof err);
  if (!set) return 0;
  uint8_t *again;
  size_t alen;
  if (wasi_channels_save(set, &again, &alen, err, sizeof err) == 0) {
    if (alen != len || memcmp(again, data, len)) abort();
    free(again);
  }
  for (size_t i = 0; i < wasi_channels_count(set); i++) {
    const char *name = wasi_channels_name(set, i);
    wasi_channel_deliver(set, name, "fuzz", UINT64_MAX, "x", 1);
    char buf[16];
    while (wasi_channel_recv(set, i, buf, sizeof buf, 0) >= 0)
      ;
  }
  wasi_channels_free(set);
  return 0;
}
