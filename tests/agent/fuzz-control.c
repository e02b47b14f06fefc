/* libFuzzer target: whatever arrives on control/{runtime_uuid} goes
 * through the envelope parser and the agent's request decoder (and, for a
 * create, the resources and restore checks) without crashing, leaking or
 * reading out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include "arts-common.h"
#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ArtsEnvelope *env = arts_envelope_parse((const char *)data, size, NULL);
  AgentControl *c;

  if (!env)
    return 0;
  c = agent_control_parse(env, NULL);
  agent_control_free(c);
  arts_envelope_free(env);
  return 0;
}
