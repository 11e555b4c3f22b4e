"""The README's addon example is the tested code, word for word."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_match_the_tested_files():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"<!-- example: (\S+) -->\n```\w+\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    for path, code in blocks:
        assert (ROOT / path).read_text() == code, f"README example differs from {path}"


def test_readme_gives_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", section, re.M)
    assert commands == ["run", "test"]


def test_vulnerabilities_are_reported_privately_through_a_real_channel():
    readme = (ROOT / "README.md").read_text()
    policy = (ROOT / "SECURITY.md").read_text()
    assert "example.com" not in readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    assert "(SECURITY.md)" in readme
    assert "Report a vulnerability" in policy and "example.com" not in policy
