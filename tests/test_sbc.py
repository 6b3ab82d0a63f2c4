"""Simulation-based calibration (Talts et al. 2018) of ``plenary calibrate``'s ABC-SMC on a toy it can afford.

For each of DATASETS datasets: draw the true ``signature_threshold`` from its prior, simulate the signatories at the
opening at it (the model itself, REPLICATES replicates, as the fit's simulator does), fit that one parameter to them
with ``experiments.calibrate.fit`` on a small budget, and take the weighted rank of the truth among the posterior
particles (0: every particle above the truth, 1: every particle below). A calibrated fit gives ranks uniform on
[0, 1]; a biased or over-confident one piles them at 0 or 1. A second test fits two parameters jointly
(``signature_threshold`` and ``chair_redline_share`` on the signatories, the final scope and the consensus share)
and checks each margin of the joint posterior the same way.

Why this toy: one simulation of the default scenario takes ~20 ms, so DATASETS fits of ~250 simulations each fit in
about 90 s on one core; fitting all 13 parameters per dataset would take hours. ABC with a finite ε gives a posterior
somewhat wider than the exact one, so the ranks lean to the middle: the test asserts what must hold whatever that
width (few ranks in the tails, coverage at least nominal), plus that the posterior is narrower than the prior,
which the prior itself (perfectly calibrated, and useless) would fail.

Every bound is a binomial quantile at ALPHA, computed below, not read off a run; a negative control (each truth
against another dataset's posterior, i.e. a fit that ignores its data) must fail the same bounds.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from experiments import calibrate as cal
from experiments.config import load
from experiments.statistics import summary_statistics
from sim.runner import run_replicates
from sim.scenario import build_world

PARAMETER, STATISTIC = "signature_threshold", "signatories_opening"
DATASETS = 16                    # M: enough for the binomial bounds below to separate calibrated from biased
BUDGET = cal.Budget(30, 3, 2)    # particles, generations, replicates per simulation: ~5 s per fit on one core
REPLICATES = BUDGET.replicates   # the observed data come from the same simulator the fit uses
TAIL = 0.05                      # each outer tail of the rank distribution (its mass under calibration)
LEVEL = 0.90                     # the central weighted posterior interval whose coverage is checked
ALPHA = 0.01                     # chance that a calibrated fit fails a bound (per bound) by bad luck
INFORMATIVE = 0.5                # mean posterior sd / prior sd must be below this (the prior itself gives 1)
SBC_STREAM = 0x5BC               # spawn key of the truths' and observations' generator (the joint test: + 1)
JOINT = "chair_redline_share"    # the second parameter of the joint test, and the statistics it is fitted to
JOINT_STATISTICS = [STATISTIC, "text_scope_final_2024_08", "share_consensus"]
JOINT_INFORMATIVE = 0.9          # its posterior must be narrower than its prior by more than the sd's sampling error

# Under calibration the number of ranks in one tail is Binomial(M, TAIL) and the number of intervals that cover the
# truth is at least Binomial(M, LEVEL) (more when ABC's posterior is wider than the exact one). The bounds are their
# ALPHA quantiles: at M = 16, at most 3 ranks in each tail (P(> 3) = 0.007 for a calibrated fit; expected 0.8) and
# at least 11 of 16 intervals covering (P(< 11) = 0.003; expected 14.4). A fit whose posterior sits 2 of its own sds
# off the truth puts most ranks in a tail (Phi(-2) = 0.02 < TAIL).
TAIL_MAX = int(stats.binom.ppf(1 - ALPHA, DATASETS, TAIL))
COVER_MIN = int(stats.binom.ppf(ALPHA, DATASETS, LEVEL))


def weighted_rank(values: np.ndarray, weights: np.ndarray, truth: float) -> float:
    """The posterior mass below the truth (ties count half): uniform on [0, 1] over datasets when calibrated."""
    w = weights / weights.sum()
    return float(w[values < truth].sum() + 0.5 * w[values == truth].sum())


def weighted_interval(values: np.ndarray, weights: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` interval of the weighted particles (the first values whose cumulative mass reaches
    (1 - level) / 2 and (1 + level) / 2)."""
    order = np.argsort(values)
    v, cum = values[order], np.cumsum(weights[order]) / weights.sum()
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    return float(v[np.searchsorted(cum, lo_q)]), float(v[min(np.searchsorted(cum, hi_q), len(v) - 1)])


def test_rank_and_interval_by_hand():
    v, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.1, 0.2, 0.3, 0.4])
    assert weighted_rank(v, w, 2.5) == pytest.approx(0.3) and weighted_rank(v, w, 3.0) == pytest.approx(0.45)
    assert weighted_rank(v, w, 0.0) == 0 and weighted_rank(v, w, 9.0) == pytest.approx(1.0)
    # cumulative mass 0.1, 0.3, 0.6, 1.0: 10% reached at 1, 90% at 4; 50% interval: 25% at 2, 75% at 4
    assert weighted_interval(v, w, 0.8) == (1.0, 4.0) and weighted_interval(v, w, 0.5) == (2.0, 4.0)
    assert TAIL_MAX == 3 and COVER_MIN == 11                           # the quantiles quoted above, at M = 16


def _verdict(ranks, covered) -> tuple[int, int, int]:
    ranks = np.asarray(ranks)
    return int((ranks < TAIL).sum()), int((ranks > 1 - TAIL).sum()), int(np.sum(covered))


def _datasets(tmp_path, parameters: list[str], statistics: list[str], stream: int):
    """DATASETS fits of ``parameters`` to ``statistics`` simulated at truths drawn from the prior: (truths per
    parameter, (values, weights) of the posterior particles per parameter), one list entry per dataset."""
    base = load([])
    rng = np.random.default_rng(np.random.SeedSequence(base.seed, spawn_key=(stream,)))
    truths, posteriors = [], []
    for m in range(DATASETS):
        cfg = replace(base, seed=base.seed + 1 + m)            # its own world draw and proposal streams per dataset
        truth = cal.from_unit({p: float(rng.random()) for p in parameters})     # a draw from the prior
        world = build_world(cfg.scenario, cfg.seed)
        sim = run_replicates(world, cal.to_params(cfg.params, truth), cfg.rules,
                             int(rng.integers(2**62)), np.arange(REPLICATES), "none")
        history, _ = cal.fit(cfg, parameters, BUDGET, tmp_path / f"d{m}.db",
                             observed=summary_statistics(sim, statistics))
        table = cal.posterior_table(history, parameters, cfg.params)
        truths.append(cal.to_params(cfg.params, truth))
        posteriors.append(table)
    return ([float(getattr(t, p)) for t in truths] for p in parameters), posteriors


def _score(truths, posteriors, parameter) -> tuple[int, int, int]:
    pairs = [(t, (post[parameter].to_numpy(float), post["weight"].to_numpy(float)))
             for t, post in zip(truths, posteriors, strict=True)]
    ranks = [weighted_rank(v, w, t) for t, (v, w) in pairs]
    covered = [a <= t <= b for t, (a, b) in ((t, weighted_interval(v, w, LEVEL)) for t, (v, w) in pairs)]
    return _verdict(ranks, covered)


def _sd_ratio(posteriors, parameter) -> float:
    lo, hi = cal.prior_ranges([parameter])[parameter]
    sds = [np.sqrt(np.sum(w * (v - np.sum(w * v)) ** 2) / w.sum())
           for v, w in ((p[parameter].to_numpy(float), p["weight"].to_numpy(float)) for p in posteriors)]
    return float(np.mean(sds) / ((hi - lo) / np.sqrt(12)))


def _check(truths, posteriors, parameter, informative: float) -> None:
    """The calibration bounds, the posterior narrower than ``informative`` x the prior, and the negative control
    (each truth against the posterior of the dataset half-way round: a fit that ignores its data) failing them."""
    low, high, cover = _score(truths, posteriors, parameter)
    ratio = _sd_ratio(posteriors, parameter)
    print(f"SBC {parameter}: {low} / {high} ranks in the lower / upper {TAIL:.0%} tail (at most {TAIL_MAX}), {cover} "
          f"of {DATASETS} {LEVEL:.0%} intervals cover (at least {COVER_MIN}), mean sd ratio {ratio:.2f}")
    assert low <= TAIL_MAX and high <= TAIL_MAX, f"{parameter}: ranks piled in a tail: {low} below, {high} above"
    assert cover >= COVER_MIN, f"{parameter}: the {LEVEL:.0%} interval covers the truth in only {cover}"
    assert ratio < informative, f"{parameter}: the posterior is as wide as the prior: SBC alone proves nothing"
    c_low, c_high, c_cover = _score(truths, posteriors[DATASETS // 2:] + posteriors[:DATASETS // 2], parameter)
    print(f"negative control: {c_low} / {c_high} ranks in the tails, {c_cover} of {DATASETS} intervals cover")
    assert c_low + c_high > 2 * TAIL_MAX and c_cover < COVER_MIN, "the bounds cannot tell a broken fit apart"


@pytest.mark.slow
def test_simulation_based_calibration_of_the_abc_fit(tmp_path):
    (truths,), posteriors = _datasets(tmp_path, [PARAMETER], [STATISTIC], SBC_STREAM)
    _check(truths, posteriors, PARAMETER, INFORMATIVE)


@pytest.mark.slow
def test_simulation_based_calibration_of_a_joint_fit_of_two_parameters(tmp_path):
    """Two parameters fitted together on three statistics, each moved by both: ``chair_redline_share`` (the chair's
    red lines: the scope of the final text and whether it is adopted by consensus) and ``signature_threshold``.
    The calibration bounds hold for each margin of the joint posterior."""
    parameters = [PARAMETER, JOINT]
    (sig, red), posteriors = _datasets(tmp_path, parameters, JOINT_STATISTICS, SBC_STREAM + 1)
    _check(sig, posteriors, PARAMETER, INFORMATIVE)
    _check(red, posteriors, JOINT, JOINT_INFORMATIVE)
