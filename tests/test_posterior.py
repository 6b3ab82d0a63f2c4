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
    a, b, c = post.draws(p, 4000, seed=1), post.draws(p, 4000, seed=1), post.draws(p, 4000, seed=2)
    values = np.array([d.susceptibility for d in a])
    assert [d.susceptibility for d in a] == [d.susceptibility for d in b]
    assert [d.susceptibility for d in a] != [d.susceptibility for d in c]
    assert not np.any(values == 0.5)                                  # weight 0 is never drawn
    assert abs((values == 0.4).mean() - 0.7) < 0.03                    # binomial sd 0.007
    assert {(d.susceptibility, d.informal_rounds_base) for d in a} == {(0.4, 1), (0.8, 3)}   # rows stay together
    assert isinstance(a[0].informal_rounds_base, int) and a[0].chair_rate == Params().chair_rate
    custom = post.draws(p, 3, seed=1, base=replace(Params(), chair_rate=0.7))
    assert all(d.chair_rate == 0.7 for d in custom)                    # fields not fitted come from the base


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
    assert main(["run", "posterior.draws=-1", f"run_dir={tmp_path / 'bad'}"]) == 2
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
