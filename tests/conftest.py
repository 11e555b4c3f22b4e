"""Suite-wide settings. The fixtures themselves come from ``host.testing``,
the pytest plugin that addon authors use too.

Hypothesis: a developer's run draws new examples each time (and keeps the
failing ones in ``.hypothesis/``), so a fuzz test keeps finding new bugs.
CI (``CI`` set, as CI services and ``bash .ci/run`` set it) loads the ``ci`` profile
instead: the same examples every run (``derandomize``), a fixed count and
no deadline, so a red build always points at the change that made it, never
at a newly drawn example or a slow shared machine. ``HYPOTHESIS_PROFILE``
picks a profile by name: ``ci`` reproduces CI's draw, ``thorough`` draws ten
times more examples for a long bug hunt (``HYPOTHESIS_PROFILE=thorough
.venv/bin/pytest -n 0 tests/test_forms_fuzz.py``).
"""

import os

from hypothesis import HealthCheck, settings

# Third-party addons installed in the environment must not leak into tests.
os.environ.setdefault("HOST_LOAD_ENTRY_POINTS", "0")

# Hypothesis would derandomize by itself whenever ``CI`` is in the
# environment, even ``CI=false``: say so for each profile.
settings.register_profile("dev", derandomize=False, deadline=None)
settings.register_profile("thorough", derandomize=False, deadline=None, max_examples=1000)
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=50,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
_in_ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _in_ci else "dev"))
