"""Sweeps over posterior draws (``posterior.draws=D``): each cell's rows are its R replicates under each of D draws
with common random numbers, the rows name the draw and its parameter values, the posterior's identity is part of
the cell, a changed posterior is never silently reused, and dask gives the basic launcher's table bit for bit."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from experiments import ledger, sweep_posterior
from experiments import sweep as sw
from sim import posterior
from sim.config import ConfigError
from sim.runner import run_replicates

GRID = ["experiment=speaking_time", "replicates=3", "rules.speaking_minutes=0,60", "posterior.draws=2"]


def _sweep(overrides, folder, **kw):
    return sw.sweep([*overrides, f"sweep.dir={folder}"], progress=False, **kw)


@pytest.fixture
def own_posterior(tmp_path, monkeypatch):
    """A copy of the shipped default posterior in a folder of the test's own (so it can be changed)."""
    root = tmp_path / "posteriors"
    shutil.copytree(posterior.root() / posterior.DEFAULT, root / "mine")
    monkeypatch.setattr(posterior, "root", lambda: root)
    return root / "mine"


@pytest.fixture(scope="module")
def basic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("basic")
    return _sweep(GRID, folder), folder


def test_each_cell_runs_its_replicates_under_each_draw_with_common_random_numbers(basic):
    out, folder = basic
    p = sw.plan([*GRID, f"sweep.dir={folder}"])
    cell = p.cells[0]
    cfg = p.configs[cell.id]
    rows = out.table[out.table["cell"] == cell.id]
    assert sorted(zip(rows["draw"], rows["replicate"], strict=True)) == [(d, r) for d in range(2) for r in range(3)]
    post, sets = sweep_posterior.parameter_sets(cfg)
    world = sw.world_for(cfg)
    for d, params in enumerate(sets):       # draw d = the same replicate seeds as a plain run under those params
        direct = run_replicates(world, params, cfg.rules, cfg.seed, np.arange(3), cfg.variants).table
        mine = rows[rows["draw"] == d].reset_index(drop=True)
        pd.testing.assert_series_equal(mine["influence_all"], direct["influence_all"], check_exact=True)
        for k in post.parameters:
            assert (mine[f"param.{k}"] == getattr(params, k)).all()
    assert sets[0] != sets[1]               # two different parameter sets, so the check above can fail
    other = out.table[out.table["cell"] == p.cells[1].id]
    assert (other["param.anchor_persistence"].to_numpy() == rows["param.anchor_persistence"].to_numpy()).all()


def test_the_posterior_identity_and_draws_are_part_of_the_cell(basic):
    out, folder = basic
    meta = json.loads((folder / "cells" / out.table["cell"].iloc[0] / "cell.json").read_text())
    assert meta["posterior"] == {"name": "default", "hash": sweep_posterior.content_hash("default"), "draws": 2,
                                 "unfitted": "prior"}
    assert meta["rows"] == 6 and meta["replicates"] == 3
    fewer = sw.plan([*GRID, "posterior.draws=3"]).cells[0].id
    plain = sw.plan(GRID[:-1]).cells[0].id
    fixed = sw.plan([*GRID, "posterior.unfitted=fixed"]).cells[0].id
    assert len({fewer, plain, fixed, out.table["cell"].iloc[0]}) == 4


def test_a_sweep_over_a_parameter_with_prior_draws_is_refused(tmp_path):
    grid = ["experiment=speaking_time", "replicates=3", "params.susceptibility=0.3,0.6", "posterior.draws=2",
            f"sweep.dir={tmp_path}"]
    with pytest.raises(ConfigError) as err:
        sw.plan(grid)
    assert "params.susceptibility" in str(err.value) and "posterior.unfitted=fixed" in str(err.value)
    assert not (tmp_path / "plan.json").exists()
    cells = sw.plan([*grid, "posterior.unfitted=fixed"]).cells
    assert {c.levers["params.susceptibility"] for c in cells} == {"0.3", "0.6"}


def test_a_changed_posterior_is_refused_then_reused_only_when_asked(tmp_path, own_posterior):
    grid = [*GRID[:3], "posterior.draws=2", "posterior.name=mine", "rules.speaking_minutes=0"]
    first = _sweep(grid, tmp_path / "s")
    samples = pd.read_csv(own_posterior / "samples.csv")
    samples.loc[0, "anchor_persistence"] = 0.5 * samples.loc[0, "anchor_persistence"]
    samples.to_csv(own_posterior / "samples.csv", index=False)
    with pytest.raises(ConfigError) as err:
        _sweep(grid, tmp_path / "s")
    assert "posterior 'mine'" in str(err.value) and "changed since" in str(err.value)
    reused = _sweep(grid, tmp_path / "s", reuse_stale=True)
    assert reused.line() == "2 reused, 0 run, 0 failed"
    pd.testing.assert_frame_equal(reused.table, first.table, check_exact=True)
    extended = _sweep(grid, tmp_path / "s", extend=True)
    assert extended.line() == "0 reused, 2 run, 0 failed"
    assert set(extended.table["cell"]).isdisjoint(first.table["cell"])


def test_the_ledger_finds_a_missing_draw_replicate_pair(basic):
    out, folder = basic
    cid = out.table["cell"].iloc[0]
    rows = pd.read_parquet(folder / "cells" / cid / "rows.parquet")
    meta = json.loads((folder / "cells" / cid / "cell.json").read_text())
    assert ledger._check_rows(rows, cid, meta, {}) is None
    broken = rows.copy()
    broken.loc[broken.index[-1], "draw"] = 0                   # draw 1 loses a replicate, draw 0 has it twice
    assert "pairs are not" in ledger._check_rows(broken, cid, meta, {})


def test_an_unknown_posterior_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(ConfigError) as err:
        sw.plan([*GRID, "posterior.name=defualt", f"sweep.dir={tmp_path}"])
    assert "did you mean 'default'" in str(err.value)
    assert not (tmp_path / "plan.json").exists()


def test_dask_gives_the_basic_tables_bit_for_bit_over_posterior_draws(tmp_path, basic):
    pytest.importorskip("distributed")
    out = _sweep([*GRID, "engine=dask", "dask.workers=2"], tmp_path)
    assert out.line() == "0 reused, 4 run, 0 failed"
    pd.testing.assert_frame_equal(out.table, basic[0].table, check_exact=True)


def test_joblib_gives_the_basic_tables_bit_for_bit_over_posterior_draws(tmp_path, basic):
    out = _sweep([*GRID, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], tmp_path)
    assert out.line() == "0 reused, 4 run, 0 failed"
    pd.testing.assert_frame_equal(out.table, basic[0].table, check_exact=True)


def test_the_report_gives_effects_over_the_posterior_beside_the_replicates(basic, tmp_path):
    from experiments import report_posterior
    from experiments.report import report

    out, folder = basic
    dest = report(folder, out=tmp_path / "report")
    t = out.table
    md = (dest / "effects_posterior.md").read_text()
    assert "95% over the posterior" in md and "2 draws x 3 replicates" in md
    eff = pd.read_csv(dest / "effects_posterior.csv")
    assert set(eff["pairs"]) == {6}                                       # 2 draws x 3 replicates, paired
    by_hand = report_posterior.pairwise(t, "influence_all")
    on_disk = pd.read_csv(dest / "pairwise.csv", index_col="cell")
    np.testing.assert_allclose(on_disk.to_numpy(), by_hand.loc[on_disk.index, on_disk.columns].to_numpy())
