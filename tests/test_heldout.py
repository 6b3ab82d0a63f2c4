"""Held-out validation (experiments/heldout.py): the groups partition the record's statistics, the compromise
baseline is the weighted mean of initial positions (by hand on the toy world), errors are |prediction - record|,
and a real leave-one-group-out fit predicts the held-out statistic from a fit that never saw it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import toy_world
from experiments import heldout as ho
from experiments.statistics import observed_statistics


def test_every_record_statistic_is_in_exactly_one_held_out_group():
    observed = list(observed_statistics())
    by_group = ho.groups(observed)
    flat = [k for keys in by_group.values() for k in keys]
    assert sorted(flat) == sorted(observed) and len(flat) == len(set(flat))
    assert len(by_group) == 5                     # zero draft, revised draft, final text, process, signatories


def test_compromise_baseline_by_hand():
    w = toy_world()
    # political: positions 20, 40, 80, weights capability x salience = 0.5, 0.5, 2/3 -> 83.33 / 1.6667 = 50
    assert ho.compromise_baseline(w, "text_political_final_2024_08") == pytest.approx(50.0)
    # technical: positions 40, 60, 70, weights 0.5, 0.25, 1.0 -> 105 / 1.75 = 60
    assert ho.compromise_baseline(w, "text_technical_zero_draft_2023_06") == pytest.approx(60.0)
    assert np.isnan(ho.compromise_baseline(w, "signatories_opening"))


def test_markdown_reports_mean_absolute_errors_by_group():
    t = pd.DataFrame({"group": ["g", "g"], "statistic": ["a", "b"], "record": [10.0, 20.0], "predicted": [12.0, 16.0],
                      "p5": [11.0, 15.0], "p95": [13.0, 17.0], "prior": [10.0, 30.0], "compromise": [np.nan, 21.0],
                      "in_sample": [10.5, 19.5]})
    for col in ("predicted", "prior", "compromise", "in_sample"):
        t[f"error_{col}"] = (t[col] - t["record"]).abs()
    md = ho.markdown(t, {"code_version": "v", "seed": 1, "budget": "1,1,1", "draws": 2, "replicates": 1, "date": "d"})
    # errors: fitted without (2 + 4) / 2 = 3; prior (0 + 10) / 2 = 5; compromise 1 (one text); in sample 0.5
    assert "| g | 3.00 | 5.00 | 1.00 | 0.50 |" in md


@pytest.mark.slow
def test_leave_one_group_out_fits_without_the_group_and_predicts_it(tmp_path, monkeypatch):
    from experiments import calibrate as cal
    from experiments.config import load

    seen = []
    real_fit = cal.fit

    def spy(cfg, names, budget, db, **kw):
        seen.append(set(kw["observed"]))
        return real_fit(cfg, names, budget, db, **kw)

    monkeypatch.setattr(cal, "fit", spy)
    cfg = load([])
    label = "signatories at the opening"
    t = ho.held_out(cfg, ["signature_threshold"], cal.Budget(10, 2, 2), tmp_path, draws=3, replicates=2, only=[label])
    assert list(t["statistic"]) == ["signatories_opening"] and list(t["group"]) == [label]
    assert seen and "signatories_opening" not in seen[0] and len(seen[0]) == len(observed_statistics()) - 1
    r = t.iloc[0]
    assert r["record"] == 65 and r["p5"] <= r["predicted"] <= r["p95"]
    assert r["error_predicted"] == pytest.approx(abs(r["predicted"] - 65))


def test_validate_shows_the_shipped_table_and_flags_another_model_version(tmp_path):
    import json

    assert ho.shipped_section(tmp_path)[2].startswith("No held-out table is shipped")
    (tmp_path / "heldout.md").write_text("# title\n\nline\n| g | 1 |\n")
    (tmp_path / "provenance.json").write_text(json.dumps({"code_version": "0.0.0+old"}))
    lines = ho.shipped_section(tmp_path)
    assert any("Computed by model version 0.0.0+old" in line for line in lines) and "| g | 1 |" in lines
    from sim.version import model_version

    (tmp_path / "provenance.json").write_text(json.dumps({"code_version": model_version()}))
    assert not any("Computed by model version" in line for line in ho.shipped_section(tmp_path))
