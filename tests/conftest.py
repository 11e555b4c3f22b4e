"""Suite-wide settings. The fixtures themselves come from ``host.testing``,
the pytest plugin that addon authors use too.

Hypothesis: a developer's run draws new examples each time (and keeps the
failing ones in ``.hypothesis/``), so a fuzz test keeps finding new bugs.
CI (``CI`` set, as ``bash .ci/run`` is run) loads the ``ci`` profile
instead: the same examples every run (``derandomize``), a fixed count and
no deadline, so a red build always points at the change that made it, never
at a newly drawn example or a slow shared machine. ``HYPOTHESIS_PROFILE``
picks a profile by name (``HYPOTHESIS_PROFILE=ci`` reproduces CI's draw).
"""

import os

from hypothesis import HealthCheck, settings

# Third-party addons installed in the environment must not leak into tests.
os.environ.setdefault("HOST_LOAD_ENTRY_POINTS", "0")

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=50,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
