"""The report of a sweep over posterior draws: effects paired within draw and replicate, the interval over
replicates beside the interval over the posterior, P(effect > 0) and P(rule A beats rule B), checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import report_posterior as rp
from sim import analysis


def _table(shift_by_draw, noise, base_value=10.0):
    """Two cells (base: lever 0, alt: lever 1), D draws x R replicates; alt = base + shift[d] + noise[r]."""
    rows = []
    for d, shift in enumerate(shift_by_draw):
        for r, e in enumerate(noise):
            rows.append({"cell": "base", "lever": 0, "draw": d, "replicate": r, "influence_all": base_value + r})
            rows.append({"cell": "alt", "lever": 1, "draw": d, "replicate": r,
                         "influence_all": base_value + r + shift + e})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0).reset_index(drop=True)   # row order must not matter


def test_effects_by_hand():
    shifts, noise = [-1.0, 1.0, 2.0, 4.0], [-0.5, 0.0, 0.5]
    eff = rp.effects(_table(shifts, noise), ["lever"], {"lever": 0}, ["influence_all"])
    row = eff.iloc[0]
    assert row["cell"] == "alt" and row["pairs"] == 12 and row["draws"] == 4
    assert row["mean"] == pytest.approx(1.5)                              # mean of the shifts (noise sums to 0)
    assert row["p_positive"] == pytest.approx(0.75)                      # 3 of 4 draws above the baseline
    lo, hi = np.quantile(shifts, (0.025, 0.975))
    assert (row["post_lo"], row["post_hi"]) == pytest.approx((lo, hi))
    # within each draw the differences are shift + (-0.5, 0, 0.5): sd 0.5, n 3 -> t(0.975, 2) * 0.5 / sqrt(3)
    from scipy.stats import t
    half = t.ppf(0.975, 2) * 0.5 / np.sqrt(3)
    assert (row["rep_lo"], row["rep_hi"]) == pytest.approx((1.5 - half, 1.5 + half))
    # the posterior interval is the wider one here: the parameters, not the replicates, leave the effect open
    assert row["post_hi"] - row["post_lo"] > row["rep_hi"] - row["rep_lo"]


def test_pairwise_probabilities_by_hand():
    pw = rp.pairwise(_table([-1.0, 1.0, 2.0, 4.0], [-0.5, 0.0, 0.5]), "influence_all")
    assert pw.loc["alt", "base"] == pytest.approx(0.75) and pw.loc["base", "alt"] == pytest.approx(0.25)
    assert np.isnan(pw.loc["alt", "alt"])


def test_plain_paired_effects_pair_within_each_draw():
    # a table sorted so that pairing on the replicate alone would mix draws: the paired mean is still exact
    t = _table([0.0, 10.0], [0.0, 0.0, 0.0]).sort_values(["cell", "replicate", "draw"], ascending=[True, True, False])
    eff = analysis.paired_effects(t, ["lever"], {"lever": 0}, ["influence_all"])
    assert eff.iloc[0]["pairs"] == 6
    assert eff.iloc[0]["delta_influence_all"] == pytest.approx(5.0)
    # differences 0, 0, 0, 10, 10, 10: sd sqrt(30), n 6 -> half-width t(0.975, 5) * sqrt(30 / 6) = 2.5706 * sqrt(5)
    assert eff.iloc[0]["delta_influence_all_lo"] == pytest.approx(5.0 - 2.570582 * np.sqrt(5.0), rel=1e-5)


def test_written_files_name_both_intervals(tmp_path):
    paths = rp.write(tmp_path, _table([-1.0, 1.0, 2.0, 4.0], [-0.5, 0.0, 0.5]), ["lever"], {"lever": 0},
                     ["influence_all"], "influence_all", {"name": "toy", "draws": 4})
    assert {p.name for p in paths} == {"effects_posterior.csv", "effects_posterior.md", "pairwise.csv", "pairwise.md"}
    md = (tmp_path / "effects_posterior.md").read_text()
    assert "95% over replicates" in md and "95% over the posterior" in md and "+1.50" in md and "0.75" in md
    pw = (tmp_path / "pairwise.md").read_text()
    assert "| (1) lever = 1 | - | 0.75 |" in pw and "| (2) lever = 0 | 0.25 | - |" in pw
