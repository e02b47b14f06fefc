#pragma once
#include <glib.h>
#include "arts-common.h"
#include "options.h"

G_BEGIN_DECLS

/* What the agent says on {realm}/proc/reg: the ARTS runtime create it sends
 * on every (re)connect, and the delete that is both its MQTT last will and
 * its goodbye on SIGTERM. */

typedef struct {
  char *topic;
  ArtsRuntime *runtime;  /* this runtime as described in create */
} AgentRegistration;

/* Describes this host (arch, cores, memory, OS) and the runtime. */
void agent_reg_init(AgentRegistration *r, const AgentOptions *opts,
                    const char *uuid);
void agent_reg_clear(AgentRegistration *r);
/* Requests with a fresh object_id each. */
ArtsEnvelope *agent_reg_create(const AgentRegistration *r);
ArtsEnvelope *agent_reg_delete(const AgentRegistration *r);
/* The delete request as a payload, for the last will. */
char *agent_reg_will(const AgentRegistration *r, gsize *len);

G_END_DECLS
