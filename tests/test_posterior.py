"""Posteriors as artefacts: loading by name, weighted draws reproducible from the seed, runs over the posterior
with common random numbers, and effects reported with both spreads."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from sim import posterior as post
from sim.config import ConfigError, Params
from sim.runner import run_replicates

REPO_CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _provenance(name="hand", **changes) -> dict:
    prov = {k: "x" for k in post.PROVENANCE_KEYS}
    return {**prov, "name": name, "base_params": asdict(Params()), **changes}


def _hand_made(folder: Path, name="hand") -> Path:
    samples = pd.DataFrame({"susceptibility": [0.4, 0.8, 0.5], "informal_rounds_base": [1, 3, 2],
                            "weight": [0.7, 0.3, 0.0]})
    return post.write(folder / name, samples, _provenance(name))


def test_draws_are_reproducible_from_the_seed_and_follow_the_weights(tmp_path):
    _hand_made(tmp_path)
    p = post.load("hand", tmp_path)
    a, b, c = (post.draws(p, 4000, seed=s, unfitted="fixed") for s in (1, 1, 2))
    values = np.array([d.susceptibility for d in a])
    assert [d.susceptibility for d in a] == [d.susceptibility for d in b]
    assert [d.susceptibility for d in a] != [d.susceptibility for d in c]
    assert not np.any(values == 0.5)                                  # weight 0 is never drawn
    assert abs((values == 0.4).mean() - 0.7) < 0.03                    # binomial sd 0.007
    assert {(d.susceptibility, d.informal_rounds_base) for d in a} == {(0.4, 1), (0.8, 3)}   # rows stay together
    assert isinstance(a[0].informal_rounds_base, int) and a[0].chair_rate == Params().chair_rate
    custom = post.draws(p, 3, seed=1, base=replace(Params(), chair_rate=0.7), unfitted="fixed")
    assert all(d.chair_rate == 0.7 for d in custom)                    # fields not fitted come from the base


def test_unfitted_parameters_are_drawn_from_their_priors_unless_set_on_purpose(tmp_path):
    from sim import priors

    _hand_made(tmp_path)
    p = post.load("hand", tmp_path)
    n = 4000
    base = replace(Params(), chair_rate=0.7)                        # set on purpose: held
    sets = post.draws(p, n, seed=3, base=base)
    free = post.prior_parameters(p, base)
    assert "chair_rate" not in free and "susceptibility" not in free and "informal_rounds_base" not in free
    assert set(free) == set(priors.uncertain_parameters()) - {"chair_rate", "susceptibility", "informal_rounds_base"}
    assert all(d.chair_rate == 0.7 for d in sets)
    assert {(d.susceptibility, d.informal_rounds_base) for d in sets} == {(0.4, 1), (0.8, 3)}   # the fitted rows
    meta = priors.meta()
    fixed_by_design = [k for k, m in meta.items() if m["plausible"][0] == m["plausible"][1]]
    for k in fixed_by_design:                                       # a single-point range is not uncertain
        assert all(getattr(d, k) == getattr(base, k) for d in sets), k
    for k in ("confidence_political", "stakeholder_weight_max", "lobby_contacts"):
        lo, hi = meta[k]["plausible"]
        values = np.array([getattr(d, k) for d in sets], dtype=float)
        assert values.min() >= lo and values.max() <= hi, k
        if meta[k]["integer"]:                                      # discrete uniform on lo .. hi: every value seen
            assert set(values) == set(range(int(lo), int(hi) + 1)), k
        else:                                                       # uniform: mean (lo+hi)/2, sd of the mean
            sd = (hi - lo) / np.sqrt(12 * n)                        # (hi-lo)/sqrt(12 n); 5 sd
            assert abs(values.mean() - (lo + hi) / 2) < 5 * sd, k
            assert abs(values.std() - (hi - lo) / np.sqrt(12)) < 0.05 * (hi - lo), k
    again = post.draws(p, n, seed=3, base=base)
    assert [d.confidence_political for d in again] == [d.confidence_political for d in sets]   # same seed, same
    other = post.draws(p, n, seed=4, base=base)
    assert [d.confidence_political for d in other] != [d.confidence_political for d in sets]
    with pytest.raises(ConfigError, match="posterior.unfitted"):
        post.draws(p, 2, seed=3, unfitted="prio")


def test_a_parameter_gets_the_same_prior_draw_whatever_is_drawn_beside_it():
    from sim import priors

    alone = priors.sample_units(["chair_rate"], 50, seed=9)
    with_more = priors.sample_units(["susceptibility", "chair_rate", "lobby_contacts"], 50, seed=9)
    assert [r["chair_rate"] for r in alone] == [r["chair_rate"] for r in with_more]
    assert [r["chair_rate"] for r in with_more] != [r["susceptibility"] for r in with_more]
    assert all(0.0 <= v < 1.0 for r in with_more for v in r.values())


def test_the_effects_table_says_what_the_draws_held_for_the_unfitted_parameters():
    frame = post.effects(pd.DataFrame({"draw": [0, 0, 1, 1], "influence_x": [1.0, 3.0, 5.0, 7.0]}))
    drawn = post.effects_markdown(frame, 2, 2, "hand", ["a", "b", "c"])
    held = post.effects_markdown(frame, 2, 2, "hand", None)
    assert "the 3 uncertain parameters it did not fit drawn from their priors" in drawn
    assert "conditional on those values" in held and "conditional" not in drawn


def test_an_unknown_posterior_names_the_ones_there_are(tmp_path):
    _hand_made(tmp_path)
    with pytest.raises(ConfigError, match="did you mean 'hand'"):
        post.load("hnad", tmp_path)


def test_a_posterior_is_replaced_only_when_asked(tmp_path):
    _hand_made(tmp_path)
    with pytest.raises(ConfigError, match="exists"):
        _hand_made(tmp_path)
    other = pd.DataFrame({"chair_rate": [0.5], "weight": [1.0]})
    post.write(tmp_path / "hand", other, _provenance(), replace_existing=True)
    assert post.load("hand", tmp_path).parameters == ["chair_rate"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand"]          # no temporary or old folder left
    with pytest.raises(ValueError, match="provenance lacks"):
        post.write(tmp_path / "incomplete", other, {"name": "x"})


def test_effects_give_the_replicate_and_the_posterior_spread_side_by_side():
    table = pd.DataFrame({"draw": [0, 0, 1, 1], "influence_x": [1.0, 3.0, 5.0, 7.0]})
    row = post.effects(table).iloc[0]
    assert row["mean"] == pytest.approx(4.0)
    # per-draw means 2 and 6: their 2.5% and 97.5% quantiles (linear) are 2 + 0.025 * 4 and 2 + 0.975 * 4
    assert (row["posterior_lo"], row["posterior_hi"]) == pytest.approx((2.1, 5.9))
    # within each draw sd = sqrt(2), R = 2: the half-width of the mean's interval is 1.96
    assert (row["replicates_lo"], row["replicates_hi"]) == pytest.approx((4 - 1.96, 4 + 1.96))


def test_run_over_posterior_uses_the_same_replicates_under_every_draw(world, rules):
    p, q = Params(), replace(Params(), stakeholder_weight_max=0.3, susceptibility=0.9)
    table, runs = post.run_over_posterior(world, [p, p, q], rules, 7, np.arange(4), "all_vs_none")
    assert len(table) == 12 and sorted(table["draw"].unique()) == [0, 1, 2]
    for d in (1, 2):
        assert list(table.loc[table["draw"] == d, "replicate"]) == list(table.loc[table["draw"] == 0, "replicate"])
    a, b, c = (table[table["draw"] == d].drop(columns="draw").reset_index(drop=True) for d in range(3))
    pd.testing.assert_frame_equal(a, b)                                # same draw, same seeds: identical rows
    direct = run_replicates(world, q, rules, 7, np.arange(4), "all_vs_none").table
    pd.testing.assert_frame_equal(c, direct)                           # each draw is an ordinary run of its params
    assert not a["influence_all"].equals(c["influence_all"])


@pytest.mark.slow
def test_plenary_run_with_posterior_draws(tmp_path, monkeypatch, capsys):
    _hand_made(tmp_path / "post", "default")
    monkeypatch.setattr(post, "root", lambda: tmp_path / "post")
    out = tmp_path / "run"
    assert main(["run", "posterior.draws=3", "replicates=4", "variants=all_vs_none", f"run_dir={out}"]) == 0
    t = pd.read_parquet(out / "results.parquet")
    assert len(t) == 12 and t.groupby("draw")["replicate"].apply(list).map(tuple).nunique() == 1
    summary = (out / "summary.md").read_text()
    assert "Over the posterior ('default': 3 draws x 4 replicates" in summary and "| influence_all |" in summary
    assert "drawn from their priors" in summary                        # posterior.unfitted=prior, the default
    assert main(["run", "posterior.draws=-1", f"run_dir={tmp_path / 'bad'}"]) == 2
    assert main(["run", "posterior.draws=2", "posterior.unfitted=fixd", f"run_dir={tmp_path / 'bad'}"]) == 2
    assert "posterior.unfitted" in capsys.readouterr().err
    assert main(["run", "posterior.draws=2", "posterior.name=nope", f"run_dir={tmp_path / 'bad'}"]) == 2
    assert "no posterior 'nope'" in capsys.readouterr().err and not (tmp_path / "bad").exists()


@pytest.fixture
def repo_configs(monkeypatch):
    """Compose from this checkout's configs/ (an editable install elsewhere would map sim.configs there)."""
    spec = importlib.util.spec_from_file_location("sim.configs", REPO_CONFIGS / "__init__.py",
                                                  submodule_search_locations=[str(REPO_CONFIGS)])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "sim.configs", module)


def test_the_shipped_default_posterior_loads_and_params_posterior_is_its_mean(repo_configs):
    from experiments.config import load

    p = post.load(post.DEFAULT)
    assert set(post.PROVENANCE_KEYS) <= set(p.provenance) and p.samples["weight"].sum() == pytest.approx(1.0)
    assert p.provenance["record_version"] == post.record_version()      # fitted to the record shipped with it
    cfg = load(["params=posterior"])
    ints = {k for k, v in asdict(Params()).items() if isinstance(v, int)}
    for k, v in p.mean().items():
        assert getattr(cfg.params, k) == (round(v) if k in ints else pytest.approx(v, abs=1e-6)), k


def test_provision_effects_are_absolute_per_draw_with_both_spreads():
    # draw 0: effects +2, -2 (|.| = 2, 2); draw 1: +4, +8 (|.| = 4, 8): per-draw means 2 and 6
    table = pd.DataFrame({"draw": [0, 0, 1, 1], "effect_scope": [2.0, -2.0, 4.0, 8.0],
                          "effect_csam": [0.0, 0.0, 0.0, 0.0]})
    frame = post.provision_effects(table, ("scope", "csam", "not_in_table")).set_index("effect")
    assert list(frame.index) == ["scope", "csam"]
    assert frame.loc["scope", "mean"] == pytest.approx(4.0)
    assert (frame.loc["scope", "posterior_lo"], frame.loc["scope", "posterior_hi"]) == pytest.approx((2.1, 5.9))
    # within-draw sds 0 and 2*sqrt(2), R = 2: half-widths 0 and 1.96 * 2, averaged
    assert frame.loc["scope", "replicates_hi"] - 4.0 == pytest.approx(1.96)
    assert frame.loc["csam", "mean"] == 0.0
    assert "| scope | 4.00 |" in post.provision_markdown(frame.reset_index())
    assert post.provision_markdown(post.provision_effects(table[["draw"]], ("scope",))) == ""
