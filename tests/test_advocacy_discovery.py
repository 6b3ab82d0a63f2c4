"""sim.advocacy.discovery: PRIM on data with a known box, the Latin hypercube, P(A beats B) and a discover smoke."""

from __future__ import annotations

import logging
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from conftest import SEED
from sim import presets
from sim.advocacy import discovery as dv
from sim.config import Params


@pytest.fixture(scope="module")
def uniform():
    rng = np.random.default_rng(2024)
    return pd.DataFrame({"x1": rng.random(2000), "x2": rng.random(2000)})


# ------------------------------------------------------------------------------------------------ PRIM
def test_prim_finds_the_known_box(uniform):
    y = ((uniform["x1"] > 0.7) & (uniform["x2"] < 0.3)).to_numpy()
    box = dv.prim_boxes(uniform, y, threshold=0.8)
    assert box.found
    lim = box.limits.set_index("parameter")
    assert set(lim.index) == {"x1", "x2"}
    assert abs(lim.loc["x1", "lower"] - 0.7) <= 0.05 and lim.loc["x1", "upper"] >= 0.95
    assert lim.loc["x2", "lower"] <= 0.05 and abs(lim.loc["x2", "upper"] - 0.3) <= 0.05
    assert box.density >= 0.9 and box.coverage >= 0.8
    # the box's stats recomputed from its limits
    inside = uniform["x1"].between(lim.loc["x1", "lower"], lim.loc["x1", "upper"]) & uniform["x2"].between(
        lim.loc["x2", "lower"], lim.loc["x2", "upper"])
    assert box.mass == pytest.approx(inside.mean())
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert "x1 >=" in box.sentence and "x2 <=" in box.sentence and f"coverage {box.coverage:.0%}" in box.sentence


def test_prim_by_coverage_keeps_the_threshold(uniform):
    y = ((uniform["x1"] > 0.7) & (uniform["x2"] < 0.3)).to_numpy()
    box = dv.prim_boxes(uniform, y, threshold=0.8, choose="coverage")
    last = dv.prim_boxes(uniform, y, threshold=0.8)
    assert box.found and box.density >= 0.8 and box.coverage >= last.coverage
    with pytest.raises(ValueError, match="choose"):
        dv.prim_boxes(uniform, y, choose="best")


def test_prim_restricts_a_categorical_dimension(uniform):
    rng = np.random.default_rng(5)
    x = uniform.assign(rule=pd.Categorical(rng.choice(["open", "closed", "ahc"], len(uniform))))
    y = (x["rule"] == "open").to_numpy()
    box = dv.prim_boxes(x, y)
    assert box.found and list(box.limits["parameter"]) == ["rule"]
    assert box.limits["values"].iloc[0] == ("open",)
    assert box.density == 1.0 and box.coverage == 1.0
    assert "rule in {open}" in box.sentence
    # rules given as plain strings are made categories
    assert dv.prim_boxes(x.assign(rule=x["rule"].astype(str)), y).limits["values"].iloc[0] == ("open",)


def test_no_box_is_said_in_the_sentence(uniform):
    box = dv.prim_boxes(uniform, np.zeros(len(uniform), bool), outcome="stakeholders move scope by 5 points")
    assert not box.found and box.limits.empty
    assert box.sentence.startswith("No box found") and "stakeholders move scope" in box.sentence


def test_prim_checks_y_and_is_quiet(uniform, caplog):
    with pytest.raises(ValueError, match="one value per row"):
        dv.prim_boxes(uniform, np.zeros(3, bool))
    with pytest.raises(ValueError, match="0/1"):
        dv.prim_boxes(uniform, np.full(len(uniform), 2))
    with caplog.at_level(logging.DEBUG):
        dv.prim_boxes(uniform, (uniform["x1"] > 0.5).to_numpy())
    assert not [r for r in caplog.records if r.name.startswith(dv.EMA_LOGGER)]


# ------------------------------------------------------------------------------------------------ Latin hypercube
NAMES = ["susceptibility", "stakeholder_weight_max", "coalition_premium"]


def test_sample_is_a_latin_hypercube_within_the_plausible_ranges():
    n = 16
    frame, params = dv.sample_parameters(n, SEED, NAMES)
    meta = {f.name: f.metadata["plausible"] for f in fields(Params)}
    assert len(frame) == n == len(params) and list(frame["sample"]) == list(range(n))
    for name in NAMES:
        lo, hi = meta[name]
        v = frame[name].to_numpy()
        assert ((v >= lo) & (v <= hi)).all()
        strata = np.floor((v - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))                        # every stratum hit exactly once
        assert [getattr(p, name) for p in params] == pytest.approx(list(v))
    assert all(p.chair_rate == Params().chair_rate for p in params)     # other fields from the base


def test_sample_is_reproducible_from_the_seed_and_takes_ranges_and_a_base():
    a, _ = dv.sample_parameters(8, SEED, NAMES)
    b, _ = dv.sample_parameters(8, SEED, NAMES)
    c, _ = dv.sample_parameters(8, SEED + 1, NAMES)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a[NAMES].to_numpy(), c[NAMES].to_numpy())
    frame, params = dv.sample_parameters(8, SEED, ["susceptibility"], {"susceptibility": (0.1, 0.2)},
                                         presets.params(chair_rate=0.4))
    assert frame["susceptibility"].between(0.1, 0.2).all() and all(p.chair_rate == 0.4 for p in params)
    with pytest.raises(ValueError, match="not Params fields"):
        dv.sample_parameters(4, SEED, ["no_such_parameter"])
    with pytest.raises(ValueError, match="lower > upper"):
        dv.sample_parameters(4, SEED, ["susceptibility"], {"susceptibility": (0.5, 0.2)})


def test_integer_fields_are_sampled_as_integers_over_the_whole_range():
    frame, params = dv.sample_parameters(40, SEED, ["informal_rounds_base"], {"informal_rounds_base": (1, 4)})
    assert sorted(set(frame["informal_rounds_base"])) == [1, 2, 3, 4]
    assert (frame["informal_rounds_base"].value_counts() == 10).all()   # 40 strata over 4 integers: 10 each
    assert all(isinstance(p.informal_rounds_base, int) for p in params)


# ------------------------------------------------------------------------------------------------ A beats B
def _tables(diffs_per_draw: list[list[float]]):
    rows_a, rows_b = [], []
    for d, diffs in enumerate(diffs_per_draw):
        for r, diff in enumerate(diffs):
            base = 10.0 * d + r                                         # B varies; A = B + the known difference
            rows_b.append({"draw": d, "replicate": r, "influence_all": base})
            rows_a.append({"draw": d, "replicate": r, "influence_all": base + diff})
    return pd.DataFrame(rows_a), pd.DataFrame(rows_b)


def test_p_beats_by_hand():
    # per-draw mean differences: 1, 2, 3, -1 -> 3 of 4 draws positive; mean 1.25
    a, b = _tables([[0.5, 1.5], [2.0, 2.0], [3.0, 3.0], [-2.0, 0.0]])
    out = dv.p_beats(a, b, "influence_all")
    assert out.p == 0.75 and out.draws == 4 and out.pairs == 8
    assert out.mean == pytest.approx(1.25)
    np.testing.assert_allclose(out.per_draw.to_numpy(), [1.0, 2.0, 3.0, -1.0])
    assert out.lo == pytest.approx(np.quantile([1.0, 2.0, 3.0, -1.0], 0.025))
    assert out.hi == pytest.approx(np.quantile([1.0, 2.0, 3.0, -1.0], 0.975))
    # within-draw half-widths: t(0.975, 1) * sd / sqrt(2) with sd of (0.5, 1.5) = sqrt(0.5) -> 12.706 * 0.5;
    # draws 2 and 3 have sd 0; draw 4 has sd sqrt(2) -> 12.706 * 1. Mean = 12.706 * 1.5 / 4
    assert out.replicate_half_width == pytest.approx(12.7062047 * 1.5 / 4, rel=1e-6)
    assert dv.p_beats(a, b, "influence_all", margin=1.5).p == 0.5     # only 2 and 3 exceed 1.5
    assert dv.p_beats(b, a, "influence_all").p == 0.25                 # B beats A only in the last draw


def test_p_beats_pairs_on_draw_and_replicate():
    a, b = _tables([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
    shuffled = a.sample(frac=1.0, random_state=0)                       # order does not matter: pairs do
    assert dv.p_beats(shuffled, b, "influence_all").p == 0.5
    # a draw missing from one table is left out
    assert dv.p_beats(a[a["draw"] == 0], b, "influence_all").p == 1.0
    with pytest.raises(ValueError, match="lacks"):
        dv.p_beats(a.drop(columns="draw"), b, "influence_all")
    with pytest.raises(ValueError, match="share no"):
        dv.p_beats(a.assign(draw=a["draw"] + 10), b, "influence_all")
    sampled = dv.p_beats(a.rename(columns={"draw": "sample"}), b.rename(columns={"draw": "sample"}),
                         "influence_all", by="sample")
    assert sampled.p == 0.5


# ------------------------------------------------------------------------------------------------ discover
def test_discover_smoke_on_the_default_world(world, params):
    presets_ = {"ahc": presets.rules(), "open_door": presets.rules("open_door")}
    points = 0.1
    names = ["susceptibility", "stakeholder_weight_max"]
    res = dv.discover(world, params, presets_, SEED, np.arange(4), 4, names, "scope", points)
    ex = res.experiments
    assert len(ex) == 8
    assert list(ex.columns) == ["sample", *names, "rule", "outcome", "y"]
    assert sorted(ex.groupby("sample")["rule"].apply(lambda r: tuple(sorted(r))).unique()) == [("ahc", "open_door")]
    assert (ex["outcome"] >= 0).all()
    np.testing.assert_array_equal(ex["y"], ex["outcome"] > points)
    sample, _ = dv.sample_parameters(4, SEED, names, base=params)
    np.testing.assert_allclose(ex.drop_duplicates("sample")[names].to_numpy(), sample[names].to_numpy())
    assert isinstance(res.box, dv.PrimBox) and "scope" in res.box.sentence
    with pytest.raises(ValueError, match="no provision"):
        dv.discover(world, params, presets_, SEED, np.arange(2), 2, names, "nonexistent", points)


def test_p_beats_on_tables_from_run_over_posterior(world, rules):
    from sim import posterior

    draws = posterior.draws("default", 2, SEED)
    reps = np.arange(2)
    a, _ = posterior.run_over_posterior(world, draws, presets.rules("open_door"), SEED, reps, "all_vs_none")
    b, _ = posterior.run_over_posterior(world, draws, rules, SEED, reps, "all_vs_none")
    out = dv.p_beats(a, b, "influence_all")
    assert out.draws == 2 and out.pairs == 4
    by_hand = (a.set_index(["draw", "replicate"])["influence_all"]
               - b.set_index(["draw", "replicate"])["influence_all"]).groupby("draw").mean()
    np.testing.assert_allclose(out.per_draw.to_numpy(), by_hand.to_numpy())
    assert out.p == float((by_hand > 0).mean())
    same = dv.p_beats(b, b, "influence_all")
    assert same.p == 0.0 and same.mean == 0.0                          # a tie beats nothing
