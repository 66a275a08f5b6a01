"""Rendering and incremental writes without a database: pages in, files and a report out."""

import pytest

from discogs_harvest.commands.site import parse_skip
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.site.pages import Page
from discogs_harvest.site.render import write_site


def page(name, title):
    return Page(f"content/styles/{name}.md", "index.md.j2", {"title": title, "index_of": "style", "albums": []})


def test_only_changed_pages_are_written_and_gone_ones_removed(tmp_path):
    first = write_site([page("a", "A"), page("b", "B")], tmp_path)
    assert sorted(first.written) == ["content/styles/a.md", "content/styles/b.md"]
    second = write_site([page("a", "A"), page("b", "B changed")], tmp_path)
    assert (second.written, second.unchanged) == (["content/styles/b.md"], 1)
    third = write_site([page("a", "A")], tmp_path)
    assert (third.written, third.removed) == ([], ["content/styles/b.md"]) and not (tmp_path / "content/styles/b.md").exists()
    (tmp_path / "content/styles/a.md").unlink()  # a page deleted by hand is written again
    assert write_site([page("a", "A")], tmp_path).written == ["content/styles/a.md"]
    assert (tmp_path / "content/styles/a.md").read_text() == "---\ntitle: A\nindex_of: style\nalbums: []\n---\n"


def test_skip_ids_from_a_list_or_a_file(tmp_path):
    assert parse_skip("1, 22,0333") == {"1", "22", "333"}
    skip = tmp_path / "skip.txt"
    skip.write_text("# never on the site\n12\n13  # damaged\n")
    assert parse_skip(str(skip)) == {"12", "13"}
    with pytest.raises(HarvestConfigError):
        parse_skip("12,abc")
