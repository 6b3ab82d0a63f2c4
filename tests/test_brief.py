"""``plenary brief cosp`` as an advocate runs it, and the statistics behind its numbers, checked by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from sim import presets
from sim.advocacy import brief
from sim.scenario import build_world

OPTIONS = "cosp_rule_17_2,cosp_open,cosp_none"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief") / "cosp"
    code = main(["brief", "cosp", "--quick", "--rules", OPTIONS, "--out", str(out), "seed=11"])
    assert code == 0
    return out


def test_the_brief_folder_has_every_part(quick):
    for name in ("brief.md", "brief.html", "config.yaml", "manifest.json", "tables/options.parquet",
                 "tables/kept_out.csv", "tables/pivotal_access.csv", "tables/discovery.csv", "tables/robustness.csv"):
        assert (quick / name).is_file(), name
    manifest = json.loads((quick / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["options"] == OPTIONS.split(",")
    assert manifest["posterior"]["draws"] == brief.QUICK["draws"] and manifest["posterior"]["name"] == "default"
    assert manifest["git_commit"] and manifest["versions"]
    md = (quick / "brief.md").read_text()
    shown = re.findall(r"\(figures/([a-z_]+)\.png\)", md)
    assert sorted(shown) == sorted(manifest["figures"]) and len(shown) >= 5
    for name in shown:                                   # every figure on the page: PNG, SVG, PDF and its caption
        for ext in ("png", "svg", "pdf", "caption.txt"):
            assert (quick / "figures" / f"{name}.{ext}").is_file(), (name, ext)
    # the PDF: printed by Chromium where it is installed (CI requires it), else the manifest says why not
    import os
    import shutil

    if shutil.which("chromium") or os.environ.get("PLENARY_REQUIRE_BROWSER"):
        assert manifest["pdf"] == "brief.pdf" and (quick / "brief.pdf").read_bytes()[:5] == b"%PDF-"
        assert (quick / "brief.pdf").stat().st_size > 50_000                  # the figures are in it
    else:
        assert manifest["pdf"].startswith("not written") and not (quick / "brief.pdf").exists()
    html = (quick / "brief.html").read_text()
    assert html.count("<figure>") == len(shown) and "Limits of this brief" in html and "Limits of this brief" in md


def test_no_config_keys_in_the_page(quick):
    md = re.sub(r"\(figures/[a-z_]+\.png\)", "", (quick / "brief.md").read_text())    # file names may be keys
    for key in ("cosp_rule_17_2", "cosp_open", "stakeholder_weight_max", "confidence_political", "kept_out_"):
        assert key not in md.split("## Provenance")[0], key


def test_ecosoc_only_admits_exactly_the_ecosoc_organisations(quick):
    # cosp_none accredits by ECOSOC status alone (sim/rules/accreditation.py EcosocOnly): P(kept out) of a type is
    # the share of its organisations without ECOSOC status, in every replicate and draw.
    w = build_world(presets.scenario(), 11)
    kept = pd.read_csv(quick / "tables" / "kept_out.csv")
    none = kept[kept["option"] == "cosp_none"]
    for g, key in enumerate(brief.TYPE_KEYS):
        members = w.org_type == g
        if members.any():
            np.testing.assert_allclose(none[f"kept_out_{key}"], 1.0 - w.ecosoc[members].mean(), atol=1e-12)
    table = pd.read_parquet(quick / "tables" / "options.parquet")
    assert (table.loc[table["option"] == "cosp_none", "accredited"] == w.ecosoc.sum()).all()


def test_the_numbers_on_the_page_are_the_tables(quick):
    # The 'accredited (count)' of the reference option, recomputed from tables/options.parquet by the formula
    # stated on the page: mean over draws of the per-draw mean, replicate interval 1.96 sd / sqrt(n).
    table = pd.read_parquet(quick / "tables" / "options.parquet")
    ref = table[table["option"] == "cosp_rule_17_2"]
    per = ref.groupby("draw")["accredited"]
    mean = per.mean().mean()
    half = (1.96 * per.std(ddof=1) / np.sqrt(per.count())).mean()
    md = (quick / "brief.md").read_text()
    assert f"| rule 17(2) | {mean:.1f} [{mean - half:.1f}, {mean + half:.1f}]" in md


def test_summary_intervals_by_hand():
    # two draws x three replicates: A - B = (1, 2, 3) in draw 0 and (3, 4, 5) in draw 1
    rows = []
    for d, base in ((0, 1.0), (1, 3.0)):
        for r in range(3):
            rows.append({"option": "B", "draw": d, "replicate": r, "x": 10.0})
            rows.append({"option": "A", "draw": d, "replicate": r, "x": 10.0 + base + r})
    s = brief.paired(pd.DataFrame(rows), "x", "B", "A")
    assert s["mean"] == pytest.approx(3.0)                 # (2 + 4) / 2
    half = 1.96 * 1.0 / np.sqrt(3)                          # sd of (1,2,3) and of (3,4,5) is 1
    assert s["replicates_lo"] == pytest.approx(3.0 - half) and s["replicates_hi"] == pytest.approx(3.0 + half)
    assert s["posterior_lo"] == pytest.approx(2.0 + 0.025 * 2) and s["posterior_hi"] == pytest.approx(4.0 - 0.025 * 2)
    assert s["n"] == 6 and s["draws"] == 2


def test_page_escapes_html_and_renders_tables():
    page = brief.Page()
    page.h(2, "A < B")
    page.table(pd.DataFrame({"a": [1], "b": ["<x>"]}))
    assert "<h2>A &lt; B</h2>" in page.html("t") and "<td>&lt;x&gt;</td>" in page.html("t")
    assert page.markdown() == "## A < B\n\n| a | b |\n|---|---|\n| 1 | <x> |\n"


@pytest.mark.parametrize(("argv", "named"), [
    (["--rules", "cosp_rule_17_2,cosp_opne"], "did you mean 'cosp_open'"),
    (["--rules", "cosp_open"], "--rules"),
    (["--rules", "cosp_open,cosp_open"], "--rules"),
    (["--rules", "cosp_open,ahc_2022_2024"], "'ahc_2022_2024' does not fit the COSP's 4 sessions"),
    (["--provision", "e_evidense"], "did you mean 'e_evidence'"),
    (["--draws", "-1"], "--draws"),
    (["posterior.name=defualt"], "did you mean 'default'"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, argv, named):
    out = tmp_path / "b"
    assert main(["brief", "cosp", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("plenary: error:") and named in err[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "b"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    assert main(["brief", "cosp", "--quick", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and (out / "mine.txt").read_text() == "keep"


@pytest.mark.slow
def test_the_same_brief_for_other_rule_presets(tmp_path):
    # --rules works for any presets that fit the COSP's sessions: two AHC presets, no posterior
    out = tmp_path / "doors"
    argv = ["brief", "cosp", "--quick", "--draws", "0", "--rules", "closed_door,ahc_no_squeeze", "--out", str(out)]
    assert main(argv) == 0
    md = (out / "brief.md").read_text()
    assert "Reference option: closed door." in md and "| ahc no squeeze |" in md
    assert "No posterior was used (draws=0)" in md
    kept = pd.read_csv(out / "tables" / "kept_out.csv")
    assert set(kept["option"]) == {"closed_door", "ahc_no_squeeze"} and set(kept["draw"]) == {0}


EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "brief_cosp"


def test_the_example_brief_is_the_default_brief_and_traceable():
    # docs/examples/brief_cosp is written by exactly this command (README), at the default sizes of BriefSpec
    manifest = json.loads((EXAMPLE / "manifest.json").read_text())
    assert manifest["command"] == "plenary brief cosp --out docs/examples/brief_cosp"
    assert manifest["brief"] == json.loads(json.dumps(brief.asdict(brief.BriefSpec()), default=str))
    assert not manifest["git_commit"].endswith("+dirty")             # the code that wrote it is a commit
    md = (EXAMPLE / "brief.md").read_text()
    for name in re.findall(r"\(figures/([a-z_]+)\.png\)", md):
        assert (EXAMPLE / "figures" / f"{name}.caption.txt").is_file() and (EXAMPLE / "figures" / f"{name}.pdf").is_file()
    table = pd.read_parquet(EXAMPLE / "tables" / "options.parquet")
    for option, label in (("cosp_rule_17_2", "rule 17(2)"), ("cosp_none", "none")):
        s = brief.level(table, "accredited", option)
        assert f"| {label} | {brief.fmt(s, 1)} |" in md


def test_without_a_browser_the_brief_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PLENARY_CHROMIUM", str(tmp_path / "no-such-browser"))
    (tmp_path / "b.html").write_text("<html></html>")
    why = brief.print_pdf(tmp_path / "b.html", tmp_path / "b.pdf")
    assert why.startswith("not written") and "FileNotFoundError" in why and not (tmp_path / "b.pdf").exists()


def test_a_small_mean_over_a_wide_posterior_is_not_reported_as_no_effect():
    small = {"mean": 0.2, "replicates_lo": 0.1, "replicates_hi": 0.3}
    narrow = brief.influence_finding({"cosp_open": {**small, "posterior_lo": -0.4, "posterior_hi": 0.6}},
                                     "cosp_rule_17_2")
    wide = brief.influence_finding({"cosp_open": {**small, "posterior_lo": -0.4, "posterior_hi": 0.6},
                                    "cosp_none": {**small, "posterior_lo": -2.7, "posterior_hi": 1.0}},
                                   "cosp_rule_17_2")
    assert narrow.startswith("On average no rule option") and "reaches" not in narrow
    assert "reaches 2.7 points (none)" in wide and "does not rule out" in wide
    no_posterior = brief.influence_finding({"cosp_open": {**small, "posterior_lo": np.nan,
                                                          "posterior_hi": np.nan}}, "cosp_rule_17_2")
    assert "reaches" not in no_posterior
    assert brief.influence_finding({"cosp_open": {**small, "mean": 1.5}}, "cosp_rule_17_2") is None
