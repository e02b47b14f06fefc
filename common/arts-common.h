/* libarts-common: the one public door of common/.
 *
 * Everything the agent, the orchestrator, arts-ctl and the dashboard share
 * about the wire: message types <-> JSON, the topic tree, the MQTT client on
 * the GLib main loop, configuration, ids and /proc sampling. */
#pragma once

#include "arts-error.h"
#include "arts-ids.h"
#include "arts-topics.h"
#include "arts-protocol.h"
#include "arts-modules.h"
#include "arts-program.h"
#include "arts-stream.h"
#include "arts-mqtt.h"
#include "arts-config.h"
#include "arts-procfs.h"
