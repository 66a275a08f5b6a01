"""The README runs as written: every command of its Harvesting section (with Feeds).

``make readme-check`` runs this file and ``test_readme_sandbox.py`` (the Sandbox section) alone;
``make test`` runs them with the rest, on two workers at once. How a line runs, and what fails the
check, is :mod:`tests.integration.readme`.
"""

import json

import pytest

from tests.integration.readme import readme_commands, run_section

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(900)]


def test_the_readme_names_the_sections_and_commands_it_promises():
    found = dict(readme_commands())
    assert any("scrapy crawl seller_inventory" in line for line in found["Harvesting"])
    assert any("-O data/releases.csv" in line for line in found["Harvesting"])
    assert any(line.startswith("make sandbox") for line in found["The sandbox"])


def test_every_command_of_the_harvesting_section_runs_as_written(tmp_path):
    """From a fresh folder (no database, no environment from the Sandbox section)."""
    run_section(tmp_path, "Harvesting")
    # Releases already stored and fresh reach the feed from the database.
    stored = json.loads((tmp_path / "data" / "releases.json").read_text(encoding="utf-8"))
    assert [release["release_id"] for release in stored] == [249504, 1161277]
