"""CI draws the same Hypothesis examples every run; a developer draws new
ones (tests/conftest.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = (
    "import tests.conftest\n"
    "from hypothesis import settings\n"
    "from tests.addons.iap.test_iap_fuzz import FUZZ\n"
    "print(settings.default.derandomize, settings.default.database is None,"
    " settings.default.deadline, FUZZ.derandomize, FUZZ.max_examples)\n"
)


def _probe(**env: str) -> str:
    clean = {"PATH": "/usr/bin:/bin", "HOST_LOAD_ENTRY_POINTS": "0", **env}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_ci_draws_the_same_examples_every_run():
    # The fuzz tests' own settings inherit the profile: same draw, fixed count.
    assert _probe(CI="true") == ["True", "True", "None", "True", "60"]


def test_a_developer_draws_new_examples():
    assert _probe() == ["False", "False", "None", "False", "60"]
    assert _probe(HYPOTHESIS_PROFILE="ci")[0] == "True"


def test_ci_false_is_a_developers_run():
    assert _probe(CI="false")[0] == "False"
