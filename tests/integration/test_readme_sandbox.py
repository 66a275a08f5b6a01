"""The README runs as written: every command of its Sandbox section (with the OAuth and export one).

A file of its own, apart from ``test_readme.py`` (the Harvesting section), so that pytest-xdist's
``--dist loadfile`` runs the two sections on two workers at once. How a line runs, and what fails
the check, is :mod:`tests.integration.readme`.
"""

import pytest

from tests.integration.readme import run_section

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(900)]


def test_every_command_of_the_sandbox_section_runs_as_written(tmp_path):
    """From a fresh folder (no database, no environment from the Harvesting section)."""
    run_section(tmp_path, "The sandbox")
