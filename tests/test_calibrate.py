"""plenary calibrate: priors on the plausible ranges, the record's statistics, ABC-SMC on a problem with a known
answer, resuming a killed fit, and a posterior that is never overwritten silently."""

from __future__ import annotations

import json
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from experiments import calibrate as cal
from experiments.cli import main
from experiments.config import load
from experiments.statistics import TEXT_AFTER, observed_statistics, summary_statistics
from sim import posterior as post
from sim import record as rec
from sim.config import ConfigError, Params
from sim.runner import run_replicates
from sim.scenario import build_world


def test_priors_are_uniform_on_the_documented_plausible_ranges():
    names = cal.uncertain_parameters()
    meta = {f.name: f.metadata for f in fields(Params)}
    assert "slot_cap" not in names and "access_public" not in names       # single-point ranges stay fixed
    assert set(names) == {k for k, m in meta.items() if m["plausible"][0] < m["plausible"][1]}
    dist = cal.prior(names)
    for n in names:
        lo, hi = meta[n]["plausible"]
        width = (hi - lo) + (1 if isinstance(Params.__dataclass_fields__[n].default, int) else 0)
        # u ~ U(0, 1) in the unit box and theta = lo + width * u: the q-quantile of u maps to lo + q * width
        for q in (0.01, 0.25, 0.5, 0.9):
            assert dist[n].cdf(q) == pytest.approx(q)
            assert cal.from_unit({n: q})[n] == pytest.approx(lo + q * width)
        assert cal.from_unit({n: 1.7})[n] == pytest.approx(lo + width)       # clipped to the box


def test_integer_fields_take_whole_values_inside_their_range_and_admission_stays_ordered():
    base = Params()
    p = cal.to_params(base, {"informal_rounds_base": 4.99, "isolation_threshold": 2.5, "admission_yes": 0.3,
                             "admission_no": 0.3})
    assert p.informal_rounds_base == 4 and p.isolation_threshold == 3         # floored, clipped to plausible 3-20
    assert p.admission_no == p.admission_yes == 0.3
    assert cal.to_params(base, {"admission_yes": 0.26, "admission_no": 0.29}).admission_no == 0.26


def test_a_prior_range_set_by_the_user_replaces_the_plausible_range_inside_the_hard_bounds():
    from sim import priors

    custom = priors.custom_ranges(["chair_rate=0.2:0.9", "isolation_threshold = 2:30"],
                                  ["chair_rate", "isolation_threshold"])
    assert custom == {"chair_rate": (0.2, 0.9), "isolation_threshold": (2.0, 30.0)}
    assert cal.from_unit({"chair_rate": 0.5}, custom)["chair_rate"] == pytest.approx(0.55)      # 0.2 + 0.7 / 2
    # whole numbers 2 .. 30: the support is [2, 31); u = 1 floors to 31 and is clipped to 30; u = 0 gives 2, below
    # the plausible range's 3 but inside the one the user set
    top, bottom = (cal.from_unit({"isolation_threshold": u}, custom) for u in (1.0, 0.0))
    assert top["isolation_threshold"] == 31 and bottom["isolation_threshold"] == 2
    assert cal.to_params(Params(), top, custom).isolation_threshold == 30
    assert cal.to_params(Params(), bottom, custom).isolation_threshold == 2
    assert cal.to_params(Params(), bottom).isolation_threshold == 3                  # the plausible range: clipped
    prov = priors.provenance_priors(["chair_rate", "isolation_threshold", "saturation"], custom)
    assert prov["isolation_threshold"] == {"uniform": [2.0, 31.0], "set_by": "--prior", "range": [2.0, 30.0]}
    assert "range" not in prov["saturation"]
    assert priors.custom_from_provenance({"priors": prov}) == custom


@pytest.mark.parametrize(("spec", "message"), [
    ("chair_rate", "not a prior range"),
    ("chair_rate=0.2", "not a prior range"),
    ("chair_rat=0.2:0.9", "did you mean 'chair_rate'"),
    ("saturation=0.1:0.2", "not fitted"),
    ("chair_rate=0.9:0.2", "not allowed"),            # LO above HI
    ("chair_rate=0.5:0.5", "not allowed"),            # a point
    ("chair_rate=-0.1:0.5", "hard bounds"),           # chair_rate's hard bounds are [0, 1]
    ("chair_rate=a:0.5", "must be numbers"),
    ("isolation_threshold=2.5:9", "whole numbers"),
])
def test_a_bad_prior_range_is_one_clear_error(spec, message):
    from sim import priors

    with pytest.raises(ConfigError, match=message):
        priors.custom_ranges([spec], ["chair_rate", "isolation_threshold"])


def test_a_bad_prior_range_on_the_command_line_exits_2_before_any_work(tmp_path, capsys):
    args = ["calibrate", "--parameters", "chair_rate", "--prior", "chair_rate=0:2", "--budget", "4,1,1",
            "--out", str(tmp_path / "post"), "--work", str(tmp_path / "work")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--prior chair_rate" in err and "hard bounds [0, 1]" in err
    assert not (tmp_path / "post").exists() and not (tmp_path / "work").exists()


def test_an_unknown_or_fixed_parameter_is_refused_with_a_suggestion(capsys):
    with pytest.raises(ConfigError, match="did you mean 'susceptibility'"):
        cal.parse_parameters("susceptibilty")
    with pytest.raises(ConfigError, match="single point"):
        cal.parse_parameters("slot_cap")
    assert cal.parse_parameters("chair_rate, susceptibility,chair_rate") == ["chair_rate", "susceptibility"]
    assert main(["calibrate", "--parameters", "saturaton"]) == 2
    assert "did you mean 'saturation'" in capsys.readouterr().err
    assert main(["calibrate", "--budget", "10,0,4"]) == 2
    assert cal.Budget.parse("quick") == cal.Budget(40, 3, 4) and cal.Budget.parse("7,2,3") == cal.Budget(7, 2, 3)


def test_observed_statistics_are_the_coded_cells_and_facts_and_skip_every_unknown():
    obs = observed_statistics()
    assert obs["text_scope_zero_draft_2023_06"] == 62.5 and obs["text_hr_clause_final_2024_08"] == 25.0
    assert obs["signatories_opening"] == 65 and obs["share_suspended_then_adopted"] == 1.0
    assert not any("network_247" in k or "russia_2021" in k or "draft_2024_01" in k for k in obs)
    record = rec.load_record()
    coded = [r for r in record if r["text"] in TEXT_AFTER and r["position"] is not None]
    assert sum(k.startswith("text_") for k in obs) == len(coded) == 9
    # a cell recoded as unknown drops its statistic; it is never filled in
    changed = [{**r, "position": None} if (r["provision"], r["text"]) == ("csam", "final_2024_08") else r
               for r in record]
    assert set(obs) - set(observed_statistics(changed)) == {"text_csam_final_2024_08"}
    process = rec.load_process()
    process["signatories_opening_day"] = {**process["signatories_opening_day"], "value": None}
    assert "signatories_opening" not in observed_statistics(record, process)


def test_summary_statistics_read_the_draft_at_the_texts_place_in_the_calendar():
    cfg = load([])
    world = build_world(cfg.scenario, cfg.seed)
    res = run_replicates(world, cfg.params, cfg.rules, cfg.seed, np.arange(3), "none")
    s = summary_statistics(res)
    assert set(s) == set(observed_statistics())
    k = world.issue_keys.index("scope")
    assert s["text_scope_zero_draft_2023_06"] == pytest.approx(res.draft[:, 5, k].mean())      # after s5
    assert s["text_scope_revised_2023_11"] == pytest.approx(res.draft[:, 6, k].mean())         # after s6
    assert s["text_scope_final_2024_08"] == pytest.approx(res.table["text_scope"].mean())      # the final text
    assert s["signatories_opening"] == pytest.approx(res.table["signatures"].mean())
    assert 0 <= s["share_deletion_votes_all_failed"] <= s["share_deletion_votes"] <= 1


def _toy(tmp_path, budget, **kw):
    """Fit signature_threshold alone to the signatories the model gives at a known value of it (14)."""
    cfg = load([])
    truth = cal.to_params(cfg.params, {"signature_threshold": 14.0})
    world = build_world(cfg.scenario, cfg.seed)
    sim = run_replicates(world, truth, cfg.rules, cfg.seed + 1, np.arange(16), "none")
    observed = summary_statistics(sim, ["signatories_opening"])
    return cal.fit(cfg, ["signature_threshold"], budget, tmp_path / "toy.db", observed=observed, **kw)


@pytest.mark.slow
def test_abc_recovers_a_known_parameter_from_simulated_data(tmp_path):
    history, _ = _toy(tmp_path, cal.Budget(40, 4, 4))
    table = cal.posterior_table(history, ["signature_threshold"], Params())
    w, v = table["weight"].to_numpy(), table["signature_threshold"].to_numpy()
    mean = np.sum(w * v)
    sd = np.sqrt(np.sum(w * (v - mean) ** 2))
    lo, hi = 12.0, 24.0
    assert abs(mean - 14.0) < abs((lo + hi) / 2 - 14.0) / 2           # moved well towards the truth from 18
    assert sd < (hi - lo) / np.sqrt(12) / 2                          # at most half the prior's spread
    d = cal.diagnostics(history)
    assert list(d["generation"]) == [0, 1, 2, 3] and np.isfinite(d["epsilon"]).all() and (d["epsilon"] > 0).all()
    assert ((d["ess"] > 1) & (d["ess"] <= 40 + 1e-9)).all() and d["acceptance_rate"].between(0, 1).all()


@pytest.mark.slow
def test_a_killed_fit_resumes_the_same_history(tmp_path):
    def kill(t, history):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _toy(tmp_path, cal.Budget(12, 3, 2), on_generation=kill)
    history, _ = _toy(tmp_path, cal.Budget(12, 3, 2), resume=True)
    first, _ = history.get_distribution(m=0, t=0)
    assert history.max_t == 2 and history.id == 1 and len(history.all_runs()) == 1
    import pyabc

    again = pyabc.History("sqlite:///" + str(tmp_path / "toy.db"))
    np.testing.assert_array_equal(again.get_distribution(m=0, t=0)[0]["signature_threshold"],
                                  first["signature_threshold"])      # generation 0 kept, not re-run
    with pytest.raises(ConfigError, match="--resume"):                # a second fit under the same name
        _toy(tmp_path, cal.Budget(12, 3, 2))


@pytest.mark.slow
def test_calibrate_writes_a_named_posterior_with_its_provenance_and_never_overwrites_it(tmp_path, capsys):
    args = ["calibrate", "--parameters", "signature_threshold,chair_rate", "--budget", "8,2,2", "--name", "toy",
            "--prior", "chair_rate=0.35:0.45", "--out", str(tmp_path / "post"), "--work", str(tmp_path / "work")]
    assert main(args) == 0
    p = post.load("toy", tmp_path / "post")
    assert set(post.PROVENANCE_KEYS) <= set(p.provenance)
    prov = p.provenance
    assert prov["record_version"] == post.record_version() and prov["seed"] == load([]).seed
    assert prov["budget"] == {"population": 8, "generations": 2, "replicates": 2}
    assert prov["statistics"] == observed_statistics() and prov["parameters"] == ["signature_threshold", "chair_rate"]
    assert prov["priors"]["chair_rate"] == {"uniform": [0.35, 0.45], "set_by": "--prior", "range": [0.35, 0.45]}
    assert prov["priors"]["signature_threshold"] == {"uniform": [12.0, 24.0]} and "pyabc" in prov["libraries"]
    assert [d["generation"] for d in prov["diagnostics"]] == [0, 1]
    assert all(0 < d["acceptance_rate"] <= 1 and 1 <= d["ess"] <= 8 + 1e-9 for d in prov["diagnostics"])
    assert len(p.samples) == 8 and p.samples["weight"].sum() == pytest.approx(1.0)
    assert p.samples["chair_rate"].between(0.35, 0.45).all()                 # on the range set by --prior
    before = (tmp_path / "post" / "toy" / "samples.csv").read_bytes()
    assert main(args) == 2                                            # the same name again: refused, untouched
    assert "exists" in capsys.readouterr().err
    assert (tmp_path / "post" / "toy" / "samples.csv").read_bytes() == before
    json.loads((tmp_path / "post" / "toy" / "provenance.json").read_text())


def test_identification_compares_posterior_and_prior_widths(tmp_path):
    samples = {"chair_rate": [0.4, 0.6], "isolation_threshold": [5, 5], "weight": [0.5, 0.5]}
    import pandas as pd

    prov = {"priors": {"chair_rate": {"uniform": [0.3, 0.8]}, "isolation_threshold": {"uniform": [3.0, 21.0]}}}
    table = cal.identification(post.Posterior("x", pd.DataFrame(samples), prov)).set_index("parameter")
    assert table.loc["chair_rate", "posterior_mean"] == pytest.approx(0.5)
    assert table.loc["chair_rate", "posterior_sd"] == pytest.approx(0.1)
    assert table.loc["chair_rate", "prior_sd"] == pytest.approx(0.5 / np.sqrt(12))
    # whole numbers 3..20: 18 values, mean 11.5, sd sqrt((18^2 - 1) / 12)
    assert table.loc["isolation_threshold", "prior_mean"] == 11.5
    assert table.loc["isolation_threshold", "prior_sd"] == pytest.approx(np.sqrt(323 / 12))
    assert table.loc["isolation_threshold", "sd_ratio"] == 0


@pytest.mark.slow
def test_the_same_seed_gives_the_same_posterior_on_one_core_two_processes_and_dask(tmp_path):
    # the proposal-order sampler (experiments/abc_parts.py): proposal i of generation t has its own seed and the
    # population is the first n acceptances in proposal order, whoever evaluates them
    runs = {}
    for label, kw in {"one": {}, "two": {"cores": 2}, "dask": {"engine": "dask", "cores": 2}}.items():
        if label == "dask":
            pytest.importorskip("distributed")
        (tmp_path / label).mkdir()
        history, _ = _toy(tmp_path / label, cal.Budget(12, 2, 2), **kw)
        runs[label] = cal.posterior_table(history, ["signature_threshold"], Params())
    for label in ("two", "dask"):
        pd.testing.assert_frame_equal(runs[label], runs["one"], check_exact=True)
    assert runs["one"]["signature_threshold"].nunique() > 1              # a real population, not one value
