/* placeholder until the implementation lands */
#include "wasi.h"
