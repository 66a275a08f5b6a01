"""Where .env and the default database are found: from the project, not the working directory."""

import pytest

from discogs_harvest import project


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """A project folder with scrapy.cfg, .env and a subfolder; a folder outside any project."""
    root = tmp_path / "proj"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "scrapy.cfg").write_text("[settings]\ndefault = discogs_harvest.settings\n")
    (root / ".env").write_text("DISCOGS_TOKEN=from-project\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return root, outside


def test_from_a_subfolder_the_project_env_and_database_are_found(layout, monkeypatch):
    root, _ = layout
    monkeypatch.setattr(project, "PACKAGE_PARENT", layout[1])  # not a checkout: found from scrapy.cfg
    monkeypatch.chdir(root / "sub" / "deeper")
    assert project.project_root() == root
    assert project.dotenv_files() == [root / ".env"]
    assert project.default_database_url() == f"sqlite:///{root}/data/discogs.db"


def test_the_checkout_holding_the_package_wins_over_the_working_directory(layout, monkeypatch):
    root, outside = layout
    monkeypatch.setattr(project, "PACKAGE_PARENT", root)
    monkeypatch.chdir(outside)  # e.g. a Scrapyd job's working directory
    assert project.project_root() == root
    assert project.dotenv_files() == [root / ".env"]
    assert project.default_database_url() == f"sqlite:///{root}/data/discogs.db"


def test_a_dotenv_in_the_working_directory_comes_first(layout, monkeypatch):
    root, outside = layout
    (outside / ".env").write_text("DISCOGS_TOKEN=from-node\n")
    monkeypatch.setattr(project, "PACKAGE_PARENT", root)
    monkeypatch.chdir(outside)
    assert project.dotenv_files() == [outside / ".env", root / ".env"]


def test_outside_any_project_the_database_goes_to_the_user_data_folder(layout, tmp_path, monkeypatch):
    _, outside = layout
    monkeypatch.setattr(project, "PACKAGE_PARENT", outside)
    monkeypatch.chdir(outside)
    assert project.project_root() is None
    assert project.dotenv_files() == []
    url = project.default_database_url()
    assert url == f"sqlite:///{tmp_path / 'xdg' / 'discogs-harvest' / 'discogs.db'}"
    assert (tmp_path / "xdg" / "discogs-harvest").is_dir()  # so a first harvest can create the file
