"""Suite-wide settings. The fixtures themselves come from ``host.testing``,
the pytest plugin that addon authors use too."""

import os

# Third-party addons installed in the environment must not leak into tests.
os.environ.setdefault("HOST_LOAD_ENTRY_POINTS", "0")
