"""Scenario discovery over parameters x rules, and the probability that one option beats another (issue 13).

- ``prim_boxes``: the Patient Rule Induction Method (Friedman & Fisher 1999) as used for scenario discovery
  (Bryant & Lempert 2010; Kwakkel & Jaxa-Rozen 2016), through the EMA workbench's ``Prim``: a box in the space of
  uncertain parameters and rules in which the outcome of interest is frequent (density) and which holds most of
  the runs where it occurs (coverage).
- ``sample_parameters``: a Latin hypercube (McKay, Beckman & Conover 1979) over the plausible ranges of chosen
  behavioural parameters (the ``plausible`` metadata of sim.config.Params), seeded from the one root seed.
- ``discover``: every sampled parameter set under every rule preset, the stakeholder effect on one provision, and
  the PRIM box of the runs where it exceeds a number of points.
- ``p_beats``: P(option A beats option B for stakeholders) over posterior draws or parameter samples, from paired
  differences (same draw, same replicate: common random numbers), with the interval over draws beside the
  replicate noise within a draw (Lempert, Popper & Bankes 2003 on robustness across plausible futures).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.analysis import mean_ci
from sim.config import Params, Rules
from sim.scenario import World

SAMPLE_STREAM = 0x6C6873   # spawn key of the Latin-hypercube generator ("lhs"), apart from every model stream
INTERVAL = (0.025, 0.975)  # quantiles of the interval over draws (as sim.posterior.INTERVAL)
EMA_LOGGER = "EMA"         # the EMA workbench's root logger (ema_workbench.util.ema_logging)
CHOICES = ("last", "coverage")


@contextlib.contextmanager
def _quiet():
    """EMA's INFO/DEBUG logging and its import and pandas warnings silenced for the duration."""
    logger = logging.getLogger(EMA_LOGGER)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


@dataclass
class PrimBox:
    """One PRIM box.

    Attributes:
        found: whether a box met the density threshold (if not, the numbers describe the whole data).
        limits: the restricted dimensions only: ``parameter``, ``lower``, ``upper`` (numeric dimensions; NaN for
            categorical ones) and ``values`` (the categories kept, a sorted tuple; None for numeric ones).
        coverage: share of all cases of interest that lie in the box.
        density: share of the runs in the box that are cases of interest.
        mass: share of all runs that lie in the box.
        sentence: the box in plain words.
        threshold: the density the box had to reach.
    """

    found: bool
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    sentence: str
    threshold: float


def _as_ema_frame(x: pd.DataFrame) -> pd.DataFrame:
    """Floats and integers stay numeric (EMA peels them as real and discrete dimensions); everything else (rules,
    booleans, strings) becomes a pandas category, which EMA peels by category."""
    out = x.reset_index(drop=True).copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            out[c] = col.astype(str).astype("category")
        elif pd.api.types.is_integer_dtype(col):
            out[c] = col.astype(np.int64)
        else:
            out[c] = col.astype(np.float64)
    return out


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)


def _conditions(limits: pd.DataFrame, init: pd.DataFrame) -> str:
    parts = []
    for row in limits.itertuples(index=False):
        if row.values is not None:
            parts.append(f"{row.parameter} in {{{', '.join(map(str, row.values))}}}")
            continue
        lo_free, hi_free = row.lower <= init.loc[0, row.parameter], row.upper >= init.loc[1, row.parameter]
        if lo_free:
            parts.append(f"{row.parameter} <= {_fmt(row.upper)}")
        elif hi_free:
            parts.append(f"{row.parameter} >= {_fmt(row.lower)}")
        else:
            parts.append(f"{_fmt(row.lower)} <= {row.parameter} <= {_fmt(row.upper)}")
    return " and ".join(parts)


def prim_boxes(x: pd.DataFrame, y, threshold: float = 0.8, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
               mass_min: float = 0.05, choose: str = "last", outcome: str = "the outcome of interest occurs") -> PrimBox:
    """The first PRIM box of ``y`` (bool or 0/1, one per row of ``x``) over the columns of ``x``.

    A thin wrapper over ``ema_workbench.analysis.prim.Prim`` (lenient objective, default update). EMA peels
    ``peel_alpha`` of the runs at a time until the box has ``mass_min`` of them or cannot get denser, then pastes
    ``paste_alpha``; the box taken from that trajectory is, with ``choose="last"``, its end (EMA's own box,
    accepted if its density reaches ``threshold``), or with ``choose="coverage"`` the box of highest coverage
    among those whose density reaches ``threshold`` (the analyst's usual trade-off, Bryant & Lempert 2010).
    Categorical columns (rules) are pandas categories; a column with one value is dropped by EMA. If no box
    reaches the threshold, ``found`` is False and the sentence says so (no exception).

    Args:
        x: the experiments, one row per run (numeric columns and categorical ones).
        y: the cases of interest, (n,) bool or 0/1.
        threshold: the density a box must reach (share of the runs in it that are cases of interest).
        peel_alpha, paste_alpha, mass_min: EMA's peeling and pasting step and smallest box (shares of runs).
        choose: ``last`` or ``coverage`` (see above).
        outcome: what a case of interest is, in words, for the sentence ("stakeholders move scope by more than 2
            points").

    Raises:
        ValueError: y is not one value per row of x, not 0/1, or ``choose`` is unknown.
    """
    if choose not in CHOICES:
        raise ValueError(f"choose must be one of {CHOICES}, got {choose!r}")
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y must be one value per row of x ({len(x)}), got shape {y.shape}")
    if not np.isin(y, [0, 1]).all():
        raise ValueError("y must be boolean or 0/1")
    y = y.astype(np.int64)
    frame = _as_ema_frame(x)
    with _quiet():
        from ema_workbench.analysis import prim
        from ema_workbench.analysis import scenario_discovery_util as sdu

        model = prim.Prim(frame, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
        box = model.find_box()
        init = model.box_init
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        ok = np.flatnonzero(trajectory["density"].to_numpy(float) >= threshold)
        if choose == "last":
            i = len(trajectory) - 1
            found = bool(len(ok)) and ok[-1] == i
        else:
            found = bool(len(ok))
            i = int(ok[np.lexsort((-trajectory["density"].to_numpy(float)[ok],
                                    -trajectory["coverage"].to_numpy(float)[ok]))[0]]) if found else 0
        if not found:
            i = 0
        lims = box.box_lims[i]
        restricted = list(sdu._determine_restricted_dims(lims, init)) if found else []
    rows = []
    for p in restricted:
        if isinstance(lims.loc[0, p], set):
            rows.append({"parameter": p, "lower": np.nan, "upper": np.nan, "values": tuple(sorted(lims.loc[0, p]))})
        else:
            rows.append({"parameter": p, "lower": float(lims.loc[0, p]), "upper": float(lims.loc[1, p]),
                         "values": None})
    limits = pd.DataFrame(rows, columns=["parameter", "lower", "upper", "values"])
    stats = trajectory.loc[i]
    coverage, density, mass = float(stats["coverage"]), float(stats["density"]), float(stats["mass"])
    base = float(y.mean()) if len(y) else float("nan")
    if not found:
        sentence = (f"No box found in which {outcome} in at least {threshold:.0%} of the runs: it does in "
                    f"{base:.0%} of all {len(y)} runs.")
    elif not restricted:
        sentence = f"{outcome.capitalize()} in {density:.0%} of all {len(y)} runs, with no restriction needed."
    else:
        sentence = (f"{outcome.capitalize()} in {density:.0%} of the runs where: {_conditions(limits, init)} "
                    f"(coverage {coverage:.0%}: the box holds {coverage:.0%} of the runs where it does; "
                    f"{mass:.0%} of all {len(y)} runs lie in the box; {base:.0%} overall).")
    return PrimBox(found, limits, coverage, density, mass, sentence, threshold)


# ------------------------------------------------------------------------------------------------ sampling
def _int_fields() -> set[str]:
    return {f.name for f in fields(Params) if isinstance(f.default, int) and not isinstance(f.default, bool)}


def plausible_ranges(names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """The plausible range (sim.config field metadata) of each named Params field.

    Raises:
        ValueError: a name is not a Params field.
    """
    meta = {f.name: f.metadata for f in fields(Params)}
    unknown = [n for n in names if n not in meta]
    if unknown:
        raise ValueError(f"not Params fields: {unknown}")
    return {n: tuple(float(v) for v in meta[n]["plausible"]) for n in names}


def sample_parameters(n: int, seed: int, names: Sequence[str], ranges: dict[str, tuple[float, float]] | None = None,
                      base: Params | None = None) -> tuple[pd.DataFrame, list[Params]]:
    """``n`` parameter sets from a Latin hypercube over ``ranges`` (default: the plausible ranges of ``names``).

    Each dimension is cut into ``n`` equal strata and each stratum is hit exactly once (scipy.stats.qmc
    .LatinHypercube, its generator seeded from ``seed`` with the spawn key SAMPLE_STREAM). Integer fields take
    floor(lo + u (hi - lo + 1)), capped at hi, so every integer in [lo, hi] is equally likely. Every other field
    comes from ``base`` (default: Params()). Returns the sample (one column per name, a ``sample`` column 0..n-1)
    and the Params (dataclasses.replace on ``base``, so Params' own checks apply).

    Raises:
        ValueError: n < 1, an unknown name, or a range with lower > upper.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    names = list(names)
    bounds = plausible_ranges(names)
    if ranges:
        extra = [k for k in ranges if k not in names]
        if extra:
            raise ValueError(f"ranges given for {extra}, which are not in names {names}")
        bounds.update({k: (float(v[0]), float(v[1])) for k, v in ranges.items()})
    bad = {k: v for k, v in bounds.items() if v[0] > v[1]}
    if bad:
        raise ValueError(f"lower > upper in ranges {bad}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(SAMPLE_STREAM,)))
    u = qmc.LatinHypercube(d=len(names), rng=rng).random(n)
    ints = _int_fields()
    base = Params() if base is None else base
    columns = {"sample": np.arange(n)}
    for j, name in enumerate(names):
        lo, hi = bounds[name]
        if name in ints:
            columns[name] = np.minimum(np.floor(lo + u[:, j] * (hi - lo + 1)), hi).astype(np.int64)
        else:
            columns[name] = lo + u[:, j] * (hi - lo)
    frame = pd.DataFrame(columns)
    params = [dataclasses.replace(base, **{k: (int(v) if k in ints else float(v)) for k, v in row.items()})
              for row in frame[names].to_dict("records")]
    return frame, params


# ------------------------------------------------------------------------------------------------ discovery
@dataclass
class Discovery:
    """The experiments (one row per parameter sample x rule preset: ``sample``, the parameters, ``rule``,
    ``outcome`` in points, ``y``) and the PRIM box of ``y``."""

    experiments: pd.DataFrame
    box: PrimBox


def discover(world: World, base_params: Params, rule_presets: dict[str, Rules], seed: int, replicates, n_samples: int,
             names: Sequence[str], provision: str, points: float, ranges: dict[str, tuple[float, float]] | None = None,
             threshold: float = 0.8, peel_alpha: float = 0.05, choose: str = "last",
             chunk_size: int = 128) -> Discovery:
    """Where stakeholders move ``provision`` by more than ``points``: PRIM over parameters x rules.

    Each of ``n_samples`` Latin-hypercube parameter sets (sample_parameters) runs under each rule preset with the
    same ``replicates`` (common random numbers) and the variants all vs none (sim.runner.run_replicates); the
    outcome is the mean over replicates of ``effect_<provision>`` (|text with all - without any|, points), a case
    of interest is outcome > ``points``, and prim_boxes finds the box (``rule`` a categorical dimension).

    Raises:
        ValueError: an unknown provision or no rule preset.
    """
    from sim.runner import run_replicates

    if provision not in world.issue_keys:
        raise ValueError(f"no provision {provision!r} (provisions: {', '.join(world.issue_keys)})")
    if not rule_presets:
        raise ValueError("discover needs at least one rule preset")
    names = list(names)
    sample, params = sample_parameters(n_samples, seed, names, ranges, base_params)
    rows = []
    for s, prm in enumerate(params):
        for label, rules in rule_presets.items():
            table = run_replicates(world, prm, rules, seed, replicates, "all_vs_none", chunk_size).table
            rows.append({**sample.iloc[s].to_dict(), "rule": label, "outcome": float(table[f"effect_{provision}"].mean())})
    frame = pd.DataFrame(rows)
    frame["sample"] = frame["sample"].astype(np.int64)
    for name in names:
        frame[name] = frame[name].astype(sample[name].dtype)
    frame["rule"] = pd.Categorical(frame["rule"], categories=list(rule_presets))
    frame["y"] = frame["outcome"].to_numpy() > points
    box = prim_boxes(frame[[*names, "rule"]], frame["y"].to_numpy(), threshold, peel_alpha, choose=choose,
                     outcome=f"stakeholders move {provision} by more than {points:g} points")
    return Discovery(frame, box)


# ------------------------------------------------------------------------------------------------ A beats B
@dataclass
class Beats:
    """P(option A beats option B) over draws (p_beats). Differences are A - B in the column's unit.

    Attributes:
        p: share of draws whose mean paired difference exceeds ``margin``.
        mean: mean over draws of the per-draw mean difference.
        lo, hi: the 2.5% and 97.5% quantiles over draws of the per-draw mean difference.
        replicate_half_width: mean over draws of the half-width of the 95% t-interval of the per-draw mean from
            its replicates (the replicate noise within a draw; NaN with one replicate).
        draws: number of draws; pairs: number of (draw, replicate) pairs; margin: the margin used.
        per_draw: the per-draw mean differences (index: draw).
    """

    p: float
    mean: float
    lo: float
    hi: float
    replicate_half_width: float
    draws: int
    pairs: int
    margin: float
    per_draw: pd.Series


def p_beats(table_a: pd.DataFrame, table_b: pd.DataFrame, column: str, by: str = "draw",
            margin: float = 0.0) -> Beats:
    """P(A beats B for stakeholders): the share of draws (posterior draws from sim.posterior.run_over_posterior, or
    parameter samples, in column ``by``) whose mean paired difference A - B in ``column`` exceeds ``margin``.

    Rows are paired on (``by``, ``replicate``): the same draw and the same replicate share every random draw, so
    the difference is the option's effect. Unpaired rows are left out.

    Raises:
        ValueError: a table lacks ``by``, ``replicate`` or ``column``, or the tables share no pair.
    """
    key = [by, "replicate"]
    for name, t in (("table_a", table_a), ("table_b", table_b)):
        missing = [c for c in [*key, column] if c not in t]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
    a = table_a.set_index(key)[column]
    b = table_b.set_index(key)[column]
    if a.index.has_duplicates or b.index.has_duplicates:
        raise ValueError(f"({by}, replicate) must identify one row per table")
    common = a.index.intersection(b.index)
    if not len(common):
        raise ValueError(f"the tables share no ({by}, replicate) pair")
    diff = (a.loc[common].astype(float) - b.loc[common].astype(float)).rename("difference").reset_index()
    per = diff.groupby(by)["difference"]
    means = per.mean()
    half = np.array([(hi - lo) / 2 for _, lo, hi, _ in (mean_ci(g) for _, g in per)])
    return Beats(p=float((means > margin).mean()), mean=float(means.mean()), lo=float(means.quantile(INTERVAL[0])),
                 hi=float(means.quantile(INTERVAL[1])),
                 replicate_half_width=float(np.nanmean(half)) if np.isfinite(half).any() else float("nan"),
                 draws=len(means), pairs=len(diff), margin=float(margin), per_draw=means)
