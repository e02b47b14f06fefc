#include "agent-error.h"

G_DEFINE_QUARK(arts-agent-error-quark, agent_error)
