"""Statistics of swept tables and the Shapley attribution, against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from sim import analysis, metrics
from sim.runner import variant_masks


def test_mean_ci_is_the_student_t_interval():
    m, lo, hi, n = analysis.mean_ci([1.0, 2.0, 3.0, np.nan])
    # mean 2, sd 1, n 3: t(0.975, 2) = 4.302653 -> half-width 4.302653 / sqrt(3) = 2.484138
    assert (m, n) == (2.0, 3)
    assert lo == pytest.approx(2 - 2.484138, abs=1e-6) and hi == pytest.approx(2 + 2.484138, abs=1e-6)
    assert np.isnan(analysis.mean_ci([5.0])[1]) and analysis.mean_ci([])[3] == 0


def _toy_table():
    # two cells (rule a, b) x 3 replicates; b = a + (1, 2, 3) replicate by replicate
    a = [10.0, 20.0, 30.0]
    return pd.DataFrame({"cell": ["A"] * 3 + ["B"] * 3, "rule": ["a"] * 3 + ["b"] * 3, "replicate": [0, 1, 2] * 2,
                         "y": a + [a[0] + 1, a[1] + 2, a[2] + 3]})


def test_paired_effects_difference_replicate_by_replicate():
    eff = analysis.paired_effects(_toy_table(), ["rule"], {"rule": "a"}, ["y"])
    assert len(eff) == 1 and eff.loc[0, "rule"] == "b" and eff.loc[0, "pairs"] == 3
    assert eff.loc[0, "delta_y"] == pytest.approx(2.0)
    # paired differences 1, 2, 3 (sd 1): the interval is 2 +- 2.484, far narrower than unpaired data would give
    assert eff.loc[0, "delta_y_hi"] - eff.loc[0, "delta_y_lo"] == pytest.approx(2 * 2.484138, abs=1e-5)
    with pytest.raises(ValueError, match="baseline"):
        analysis.paired_effects(_toy_table(), ["rule"], {"rule": "zzz"}, ["y"])


def test_lever_curve_averages_each_replicate_over_the_other_levers_first():
    t = pd.DataFrame({"cell": list("AABBCCDD"), "x": [0, 0, 0, 0, 10, 10, 10, 10],
                      "other": ["p", "p", "q", "q"] * 2, "replicate": [0, 1] * 4,
                      "y": [1.0, 3.0, 3.0, 5.0, 6.0, 8.0, 10.0, 12.0]})
    curve = analysis.lever_curve(t, "x", "y").set_index("x")
    # x=0: replicate means (1+3)/2=2 and (3+5)/2=4 -> mean 3; x=10: 8 and 10 -> 9
    assert curve.loc[0, "mean"] == 3.0 and curve.loc[10, "mean"] == 9.0 and curve.loc[0, "n"] == 2
    assert analysis.find_cell(t, {"x": "10", "other": "q"}) == "D" and analysis.find_cell(t, {"x": 5}) is None


def test_shapley_values_of_a_hand_computed_game():
    # v({})=0, v({0})=1, v({1})=2, v({0,1})=4: phi_0 = (1-0)/2 + (4-2)/2 = 1.5, phi_1 = (2-0)/2 + (4-1)/2 = 2.5
    values = {0: np.array([0.0]), 1: np.array([1.0]), 2: np.array([2.0]), 3: np.array([4.0])}
    np.testing.assert_allclose(metrics.shapley_values(values, 2), [[1.5, 2.5]])
    with pytest.raises(ValueError, match="coalitions"):
        metrics.shapley_values({0: np.zeros(1), 3: np.ones(1)}, 2)


def test_shapley_attribution_adds_up_to_the_influence_of_all_stakeholders(world, params, rules):
    from sim.runner import run_replicates

    names, masks = variant_masks(world, "none", "shapley")
    assert len(names) == 64 and len(set(names)) == 64 and names[0] == "full" and "without_industry" in names
    t = run_replicates(world, params, rules, 5, np.arange(3), "none", attribution="shapley").table
    phi = t[[f"shapley_{k}" for k in ("human_rights", "digital_rights", "child_protection", "industry", "academia",
                                       "law_enforcement")]].sum(axis=1)
    np.testing.assert_allclose(phi, t["influence_all"], atol=1e-12)
    assert t["shapley_industry"].abs().max() > 0


def test_speed_chart_puts_the_slower_implementation_first_and_states_the_ratio(tmp_path):
    from sim import plotting

    fig = plotting.speed_comparison({"fast": 0.1, "slow": 50.0}, note="test machine")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow", "fast"]
    labels = [t.get_text() for t in ax.texts]
    assert "50 ms  (500× slower)" in labels and "0.1 ms" in labels
    paths = plotting.save(fig, tmp_path, "speed", "caption")
    assert all(p.stat().st_size > 0 for p in paths) and (tmp_path / "speed.caption.txt").exists()
