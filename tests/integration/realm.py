"""The integration tests' harness is tests/lib/artsrealm.py; this name is
kept for the scripts that import it from here (tests/integration,
tests/channels, tests/gui/dashboard.py)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
from artsrealm import *  # noqa: E402,F401,F403
