"""docs/VALIDATION.md is generated from the shipped artefacts and cannot drift: the committed page equals the one
regenerated in memory; a miss is marked exactly when the record is outside the 5-95% range and counted; the
identification verdicts follow the stated thresholds; a held-out table from another code version is flagged; a
missing artefact is one message naming the file (exit 2). The pairwise posterior plot spans the prior ranges and
weighs the particles."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from experiments import validation_doc as vd  # noqa: E402
from sim import plotting  # noqa: E402
from sim.posterior import Posterior  # noqa: E402

PRIORS = {"chair_rate": [0.3, 0.8], "package_step": [0.1, 0.6], "chair_redline_share": [0.5, 1.0]}  # each 0.5 wide
PRIOR_SD = 0.5 / np.sqrt(12)          # the sd of a uniform prior 0.5 wide
ESS = 50.0                            # -> Monte Carlo error of an sd 1 / sqrt(100) = 0.1: informed < 0.8, perhaps < 0.9


def _posterior(predictive=None, code="v1", ratios=(0.5, 0.85, 0.95)) -> Posterior:
    """Two particles of equal weight at mean -/+ d per parameter: the weighted sd is d = ratio x prior sd."""
    mids = {k: (lo + hi) / 2 for k, (lo, hi) in PRIORS.items()}
    samples = pd.DataFrame({k: [mids[k] - r * PRIOR_SD, mids[k] + r * PRIOR_SD] for k, r in zip(PRIORS, ratios,
                                                                                                   strict=True)})
    samples["weight"] = [0.5, 0.5]
    prov = {"name": "toy", "code_version": code, "priors": {k: {"uniform": v} for k, v in PRIORS.items()},
            "diagnostics": [{"generation": 0, "epsilon": 1.0, "simulations": 10, "acceptance_rate": 0.5, "ess": ESS}],
            "predictive": predictive or []}
    return Posterior("toy", samples, prov)


# record inside, below lo by 2, above hi by 3, on lo, on hi: misses are exactly rows 2 and 3
PREDICTIVE = [{"statistic": "inside", "record": 5.0, "mean": 5.0, "lo": 4.0, "hi": 6.0},
              {"statistic": "below", "record": 2.0, "mean": 5.0, "lo": 4.0, "hi": 6.0},
              {"statistic": "above", "record": 9.0, "mean": 5.0, "lo": 4.0, "hi": 6.0},
              {"statistic": "on_lo", "record": 4.0, "mean": 5.0, "lo": 4.0, "hi": 6.0},
              {"statistic": "on_hi", "record": 6.0, "mean": 5.0, "lo": 4.0, "hi": 6.0}]


def _heldout(code="v1") -> tuple[pd.DataFrame, dict]:
    t = pd.DataFrame({"group": ["g"], "statistic": ["inside"], "record": [5.0], "predicted": [6.0], "p5": [5.5],
                      "p95": [6.5], "prior": [7.0], "compromise": [5.5], "in_sample": [5.0]})
    for col in ("predicted", "prior", "compromise", "in_sample"):
        t[f"error_{col}"] = (t[col] - t["record"]).abs()
    return t, {"code_version": code, "seed": 1, "budget": "1,1,1", "draws": 2, "replicates": 1, "date": "d"}


def _artefacts(post_code="v1", held_code="v1") -> vd.Artefacts:
    return vd.Artefacts(_posterior(PREDICTIVE, post_code), *_heldout(held_code))


def test_the_committed_page_is_what_the_shipped_artefacts_say():
    page = vd.render(vd.load())
    assert vd.DOC.read_text(encoding="utf-8") == page, "run python -m experiments.validation_doc"
    assert vd.main(["--check"]) == 0
    assert (vd.FIGURES / f"{vd.PAIRS}.png").is_file()                       # the page's image is committed


def test_check_fails_on_a_stale_page(tmp_path, capsys):
    stale = tmp_path / "VALIDATION.md"
    stale.write_text(vd.render(vd.load()).replace("of 14 statistics", "of 15 statistics"))
    assert vd.main(["--check"], doc=stale) == 1
    assert "out of date" in capsys.readouterr().err


def test_a_miss_is_marked_exactly_when_the_record_is_outside_the_range():
    rows = vd.predictive_check({"predictive": PREDICTIVE})
    assert list(rows["miss"]) == [False, True, True, False, False]
    assert list(rows["outside"]) == [0.0, 2.0, 3.0, 0.0, 0.0]
    lines = vd.predictive_lines({"predictive": PREDICTIVE})
    table = [line for line in lines if line.startswith("| ") and not line.startswith("| statistic")]
    marked = [line.split(" | ")[0].removeprefix("| ") for line in table if "**MISS**" in line]
    assert marked == ["below", "above"]
    assert "**MISS** by 2 |" in table[1] and "**MISS** by 3 |" in table[2]
    assert any("outside on 2 of 5 statistics" in line for line in lines)
    reading = "\n".join(vd.reading_lines(_artefacts()))
    assert "**Missed (2 of 5):** above (record 9, model 4-6), below (record 2, model 4-6)." in reading  # largest first
    assert "**Inside the range (3):** inside, on_lo, on_hi." in reading


def test_identification_verdicts_follow_the_stated_thresholds():
    table = vd.identified(_posterior()).set_index("parameter")
    assert table["sd_ratio"].to_numpy() == pytest.approx([0.5, 0.85, 0.95])
    assert list(table["verdict"]) == ["informed", "perhaps informed", "at its prior"]
    text = "\n".join(vd.identification_lines(_posterior()))
    assert "ratio below 0.80" in text and "below 0.90" in text                # 1 - 2 x 0.1 and 1 - 0.1


def test_a_held_out_table_from_another_code_version_is_flagged():
    assert "Version mismatch" not in vd.render(_artefacts("v1", "v1"))
    page = vd.render(_artefacts("v1", "v0"))
    assert "held-out table was computed by code version v0, the posterior by v1" in page
    assert page.count("**Version mismatch:**") == 2                      # in the held-out section and the summary


def test_held_out_gains_and_losses_are_read_from_the_numbers():
    reading = "\n".join(vd.reading_lines(_artefacts()))
    # group g: error 1.0 fitted without it, 2.0 prior (a gain), 0.5 compromise (the compromise wins); record 5 is
    # below the 5.5-6.5 range of the fit without it
    assert "no better than the prior predictive for none;" in reading
    assert "better than the fitted model for g;" in reading and "on 1 of 1 statistics" in reading


def test_a_missing_artefact_is_one_message_naming_the_file(tmp_path, capsys):
    assert vd.main(["--posterior", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"validation_doc: error: missing artefact {tmp_path / 'nowhere' / 'samples.csv'}"
    folder = tmp_path / "post"
    folder.mkdir()
    post = _posterior()
    post.samples.to_csv(folder / "samples.csv", index=False)
    (folder / "provenance.json").write_text(json.dumps(post.provenance))
    assert vd.main(["--posterior", str(folder), "--heldout", str(tmp_path / "none")]) == 2
    assert str(tmp_path / "none" / "heldout.csv") in capsys.readouterr().err


def _pairs(samples) -> tuple:
    ranges = {k: tuple(v) for k, v in PRIORS.items()}
    return plotting.posterior_pairs(samples, ranges), list(ranges.values())


def test_the_pairs_plot_spans_the_prior_ranges_not_the_particles():
    narrow = pd.DataFrame({k: np.linspace(lo + 0.2, lo + 0.21, 5) for k, (lo, _) in PRIORS.items()})
    fig, ranges = _pairs(narrow.assign(weight=0.2))
    n = len(ranges)
    for i in range(n):
        for j in range(i + 1):
            ax = fig.axes[i * n + j]
            assert ax.get_xlim() == pytest.approx(ranges[j])
            if i != j:
                assert ax.get_ylim() == pytest.approx(ranges[i])
    assert not any(fig.axes[i * n + j].get_visible() for i in range(n) for j in range(i + 1, n))   # lower triangle


def test_the_pairs_plot_weighs_the_particles():
    rng = np.random.default_rng(1)
    samples = pd.DataFrame({k: rng.uniform(lo, hi, 40) for k, (lo, hi) in PRIORS.items()})
    samples.loc[0, "chair_rate"] = 0.31                               # the heavy particle: first of 12 bins
    samples.loc[1:, "chair_rate"] = rng.uniform(0.5, 0.8, 39)         # every other particle outside that bin
    samples["weight"] = 1e-9
    samples.loc[0, "weight"] = 1.0
    fig, _ = _pairs(samples)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert len(heights) == plotting.PAIR_BINS
    assert heights[0] == pytest.approx(1.0, abs=1e-6) and sum(heights) == pytest.approx(1.0)   # unweighted: 1/40
    sizes = fig.axes[len(PRIORS)].collections[0].get_sizes()          # row 1, column 0: a scatter
    assert sizes[0] == plotting.PAIR_AREA and (sizes[1:] == plotting.PAIR_MIN_AREA).all()


def test_draw_pairs_writes_every_format_with_its_caption(tmp_path):
    paths = vd.draw_pairs(_posterior(), tmp_path)
    assert sorted(p.suffix for p in paths) == [".pdf", ".png", ".svg"]
    caption = (tmp_path / f"{vd.PAIRS}.caption.txt").read_text()
    assert "2 weighted particles, ESS 50.0" in caption and "whole prior range" in caption
