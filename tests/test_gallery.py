"""The chart gallery is built by running the real commands: every chart they write appears once, with its
caption, as an image that opens, and the page links only images that exist."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from experiments.gallery import build


@pytest.mark.slow
def test_the_gallery_shows_every_chart_with_its_caption(tmp_path):
    entries = build(tmp_path, replicates=4, sweep_replicates=4)
    page = (tmp_path / "charts.md").read_text()
    sections = {e["section"] for e in entries}
    assert sections == {"run", "report", "validation", "posterior", "brief"}
    names = {(e["section"], e["name"]) for e in entries}
    assert {("run", "text_trajectory"), ("report", "trajectories"), ("brief", "pivotal_delegations"),
            ("posterior", "posterior_pairs")} <= names
    links = re.findall(r"\]\(charts/([^)]+)\)", page)
    assert sorted(links) == sorted(e["file"] for e in entries)          # every chart once, nothing else
    for e in entries:
        assert e["caption"] and e["caption"] in page                    # no chart without its caption
        with Image.open(tmp_path / "charts" / e["file"]) as im:
            assert im.width <= 1400 and im.height > 100
    assert not list(tmp_path.glob(".charts-*"))                         # no staging folder left behind
