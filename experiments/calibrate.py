"""``plenary calibrate``: fit the uncertain behavioural parameters to the record by ABC-SMC (pyabc).

Method (docs/FIT.md):

- **Parameters and priors.** Every ``Params`` field whose plausible range is not a single point (or the subset
  ``--parameters a,b,c``), each with a uniform prior on its documented plausible range (``sim/config.py``);
  whole-number fields take a discrete uniform prior. Every other field stays at its configured value.
- **Statistics.** ``experiments.statistics``: the coded cells of the chair's texts, the concluding-session
  process and the signatories at the opening. A simulation runs ``replicates`` replicates (fresh random streams
  for each simulation, seeded from pyabc's generator) and returns their means or shares.
- **Distance.** pyabc's ``AdaptivePNormDistance`` (p = 2): each statistic divided by its root mean square
  deviation from the record over the current population (sd and bias together), refitted every generation. A
  statistic the model misses by far is thereby down-weighted instead of drowning the ones it can reach (scaled
  by the sd alone, the texts' 10-30 point misses made the 65 signatories irrelevant: docs/FIT.md); the weights
  are bounded (``MAX_WEIGHT_RATIO``), and a statistic the model always matches exactly gets weight 0.
- **Schedule.** ε is the median distance of the previous generation (pyabc's default); the run stops after the
  budget's generations. The history is an sqlite file (``<work>/<name>.db``): ``--resume`` continues it.
- **Result.** A posterior folder written by :func:`sim.posterior.write` (never over an existing one; ``--install``
  replaces the shipped default and says so).

Reproducible from the seed with one core (pyabc's single-core sampler draws from numpy's global generator,
seeded here). The multicore and dask samplers reseed their workers from the operating system, so their accepted
particles differ from run to run; their posteriors agree only up to Monte Carlo error.
"""

from __future__ import annotations

import difflib
import logging
import sys
import time
import warnings
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.fit_results import identification, posterior_table, predictive, write_mean_preset  # noqa: E402,F401
from sim import priors
from sim.config import ConfigError, Params, RunConfig
from sim.runner import run_replicates
from sim.scenario import build_world

MAX_WEIGHT_RATIO = 20.0     # largest / smallest statistic weight in the distance
ESS_WARNING = 0.1           # warn when the last generation's effective sample size is below this share
BUDGETS = {"quick": (40, 3, 4), "default": (200, 5, 8)}     # population, generations, replicates per simulation


@dataclass(frozen=True)
class Budget:
    population: int
    generations: int
    replicates: int

    def __str__(self) -> str:
        """The budget as ``--budget`` takes it (the inverse of :meth:`parse`): POPULATION,GENERATIONS,REPLICATES."""
        return f"{self.population},{self.generations},{self.replicates}"

    @classmethod
    def parse(cls, text: str) -> Budget:
        """``quick``, ``default`` or ``POPULATION,GENERATIONS,REPLICATES`` (e.g. ``100,4,8``)."""
        try:
            values = BUDGETS[text] if text in BUDGETS else tuple(int(v) for v in text.split(","))
            if len(values) != 3 or min(values) < 1:
                raise ValueError
        except ValueError:
            raise ConfigError("--budget", f"{text!r} is not a budget",
                              " | ".join(BUDGETS) + " | POPULATION,GENERATIONS,REPLICATES (whole numbers >= 1)") from None
        return cls(*values)


# ------------------------------------------------------------------------------------------------ priors
# one place for the priors (sim/priors.py); re-exported here, where the fit's callers have always found them
_meta, uncertain_parameters, prior_ranges = priors.meta, priors.uncertain_parameters, priors.prior_ranges
from_unit, to_params = priors.from_unit, priors.to_params


#: the parameters a prior-predictive screen found to move the statistics (docs/FIT.md §3): ``--parameters screened``
SCREENED = ("chair_blocker_pull", "chair_estimate_noise", "chair_rate", "confidence_political", "anchor_persistence",
            "coalition_exponent", "objection_threshold", "package_step", "suspend_objectors", "deadline_cost",
            "signature_threshold", "within_influence", "chair_redline_share", "camp_salience")


def parse_parameters(text: str | None) -> list[str]:
    """The parameters to fit: every uncertain one, ``screened`` (:data:`SCREENED`), or the comma list ``text``
    (each checked, with a suggestion)."""
    allowed = uncertain_parameters()
    if not text:
        return allowed
    if text.strip() == "screened":
        text = ",".join(SCREENED)
    names = [n.strip() for n in text.split(",") if n.strip()]
    for n in names:
        if n not in allowed:
            near = difflib.get_close_matches(n, allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            fixed = " (its plausible range is a single point)" if n in _meta() else ""
            raise ConfigError("--parameters", f"{n!r} cannot be fitted{fixed}{hint}", ", ".join(allowed))
    return list(dict.fromkeys(names))


def prior(names: list[str]):
    """pyabc's prior: each parameter uniform on its plausible range, sampled as u ~ U(0, 1) with
    theta = lo + (hi - lo) * u (:func:`from_unit`), and perturbed inside the box by
    :class:`experiments.abc_parts.BoxKernel` (no proposal leaves the range however many parameters there are)."""
    import pyabc

    return pyabc.Distribution(**{n: pyabc.RV("uniform", 0.0, 1.0) for n in names})






# ------------------------------------------------------------------------------------------------ the model
_WORLDS: dict = {}          # per process: the world of each Simulator (keyed by its id), built once


class Simulator:
    """The model as pyabc sees it: a parameter dict -> the summary statistics of ``replicates`` replicates."""

    def __init__(self, cfg: RunConfig, statistics: list[str], replicates: int, custom: priors.Ranges | None = None):
        import uuid

        self.cfg, self.statistics, self.replicates, self.key = cfg, statistics, replicates, uuid.uuid4().hex
        self.custom = dict(custom or {})

    def __call__(self, parameter) -> dict[str, float]:
        from experiments.statistics import summary_statistics

        if self.key not in _WORLDS:
            _WORLDS.clear()
            _WORLDS[self.key] = build_world(self.cfg.scenario, self.cfg.seed)
        seed = int(np.random.randint(0, 2**62))  # noqa: NPY002 (seeded per proposal by the sampler)
        params = to_params(self.cfg.params, from_unit(dict(parameter), self.custom), self.custom)
        res = run_replicates(_WORLDS[self.key], params, self.cfg.rules, seed, np.arange(self.replicates), "none")
        return summary_statistics(res, self.statistics)


def sampler(seed: int, engine: str, cores: int, scheduler: str | None = None):
    """The proposal-order sampler (:class:`experiments.abc_parts.OrderedSampler`) over one core, a process pool
    on this machine, or a dask cluster (a LocalCluster of ``cores`` workers, or the one at ``scheduler``): the same
    seed gives the same posterior on each."""
    from experiments import abc_parts

    if engine == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError("--engine", "dask is not installed", "pip install -e '.[dask]', or --engine local") from None
        if scheduler:
            client = Client(scheduler)
        else:
            client = Client(LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, host="127.0.0.1",
                                         dashboard_address="127.0.0.1:0", silence_logs=logging.WARNING))
        workers = max(1, len(client.scheduler_info().get("workers", {})) or cores)
        map_, stop = abc_parts.dask_map(client, close=True)
        return abc_parts.OrderedSampler(seed, map_, workers, stop)
    if engine != "local":
        raise ConfigError("--engine", f"unknown engine {engine!r}", "local | dask")
    if cores == 1:
        return abc_parts.OrderedSampler(seed)
    map_, stop = abc_parts.process_map(cores)
    return abc_parts.OrderedSampler(seed, map_, cores, stop)


# ------------------------------------------------------------------------------------------------ the fit
def diagnostics(history) -> pd.DataFrame:
    """ε, simulations, acceptance rate, effective sample size and wall seconds per generation of a pyabc history."""
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, p in pops.iterrows():
        _, w = history.get_distribution(m=0, t=int(p["t"]))
        rows.append({"generation": int(p["t"]), "epsilon": float(p["epsilon"]), "simulations": int(p["samples"]),
                     "accepted": int(p["particles"]), "acceptance_rate": float(p["particles"] / p["samples"]),
                     "ess": float(effective_sample_size(w)), "seconds": round(float(p["wall_time"]), 1)})
    return pd.DataFrame(rows)


def _say(t: int, generations: int, rate: float, eps: float, started: float, done: int) -> None:
    elapsed = time.perf_counter() - started
    left = elapsed / done * (generations - t - 1) if done else float("nan")
    print(f"generation {t + 1}/{generations}: acceptance {rate:.1%}, eps {eps:.3g}, elapsed {elapsed:.0f} s, "
          f"about {left:.0f} s left", file=sys.stderr, flush=True)


def _distance(db: Path, resume: bool):
    """pyabc's p-norm distance (p = 2) on statistics scaled by their root mean square deviation from the record,
    fitted once, on the prior-predictive calibration sample, and then kept (saved beside the history for
    ``--resume``): every generation measures in the same units, so ε falls monotonically."""
    import json

    import pyabc

    side = db.with_suffix(".scales.json")
    initial = json.loads(side.read_text()) if resume and side.exists() else None
    return pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.scale.root_mean_square_deviation,
                                       max_scale_weight_ratio=MAX_WEIGHT_RATIO, fit_scale_ixs={0},
                                       initial_scale_weights=initial, all_particles_for_scale=True), side


def _save_scales(distance, side: Path) -> None:
    import json

    if not side.exists() and 0 in distance.scale_weights:
        ids = distance.sumstat.get_ids()
        side.write_text(json.dumps(dict(zip(ids, map(float, distance.scale_weights[0]), strict=True)), indent=1))


def fit(cfg: RunConfig, names: list[str], budget: Budget, db: Path, resume: bool = False, engine: str = "local",
        cores: int = 1, scheduler: str | None = None, on_generation=None, observed: dict | None = None,
        custom: priors.Ranges | None = None):
    """Run (or continue) ABC-SMC into the sqlite history ``db``; return (history, observed statistics).

    ``observed`` replaces the record's statistics (a test on simulated data); ``on_generation(t, history)`` is
    called after each generation, after the progress line; ``custom`` are prior ranges other than the plausible
    ones (:func:`sim.priors.custom_ranges`). The same seed gives the same history on any engine
    and number of cores (:class:`experiments.abc_parts.OrderedSampler`).
    """
    import pyabc

    from experiments.abc_parts import BoxKernel
    from experiments.statistics import observed_statistics

    observed = observed_statistics() if observed is None else observed
    logging.getLogger("ABC").setLevel(logging.WARNING)     # the progress line below says what pyabc's log says
    db = Path(db)
    if db.exists() and not resume:
        raise ConfigError("--name", f"a fit history {db} exists", "--resume to continue it, or a new --name")
    if resume and not db.exists():
        raise ConfigError("--resume", f"no fit history {db}", "the --name of an interrupted fit")
    distance, side = _distance(db, resume)
    abc = pyabc.ABCSMC(Simulator(cfg, list(observed), budget.replicates, custom), prior(names), distance,
                       population_size=budget.population, transitions=BoxKernel(),
                       sampler=sampler(cfg.seed, engine, cores, scheduler))
    db.parent.mkdir(parents=True, exist_ok=True)
    if resume:
        abc.load("sqlite:///" + str(db), 1)
    else:
        abc.new("sqlite:///" + str(db), observed)
    t0 = abc.history.max_t + 1
    started, done = time.perf_counter(), 0
    try:
        if t0 < budget.generations:
            abc.initialize_components_before_run(minimum_epsilon=0.0, max_nr_populations=budget.generations - t0,
                                                 min_acceptance_rate=0.0, max_total_nr_simulations=np.inf,
                                                 max_walltime=None, min_eps_diff=0.0)
            _save_scales(distance, side)
        for t in range(t0, budget.generations):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)     # pyabc's 1/0 on a collapsing population
                    ret = abc.run_generation(t)
            except AssertionError as exc:                               # pyabc: "total weight nan is not normalized"
                print(f"generation {t + 1}: the importance weights collapsed ({exc}); stopping with generation {t} "
                      "as the posterior. Fit fewer parameters (--parameters) or a larger population.",
                      file=sys.stderr, flush=True)
                break
            if not ret["successful"]:
                break
            done += 1
            _say(t, budget.generations, ret["acceptance_rate"], abc.eps(t), started, done)
            if on_generation is not None:
                on_generation(t, abc.history)
    finally:
        abc.history.done()
        abc.sampler.stop()
    return abc.history, observed


def _libraries() -> dict[str, str]:
    from importlib import metadata

    from sim import io

    return {**io.versions(), "pyabc": metadata.version("pyabc")}


def calibrate(cfg: RunConfig, parameters: str | None = None, budget: str = "default", name: str | None = None,
              install: bool = False, resume: bool = False, engine: str = "local", cores: int = 1,
              scheduler: str | None = None, out: str | Path | None = None, work: str | Path | None = None,
              check_draws: int = 20, prior_specs: list[str] | tuple[str, ...] = ()) -> Path:
    """Fit, then write the posterior ``name`` into ``out`` (default: the shipped posteriors) with its provenance and
    a posterior-predictive table. Never replaces a posterior, except the default with ``install``. ``prior_specs``
    (``NAME=LO:HI``) replace the plausible range as the prior of fitted parameters."""
    from datetime import UTC, datetime

    from sim import posterior as post

    names, plan = parse_parameters(parameters), Budget.parse(budget)
    custom = priors.custom_ranges(prior_specs, names)
    name = name or datetime.now(UTC).strftime("fit_%Y-%m-%d_%H%M%S")
    out = Path(out) if out is not None else post.root()
    if (out / name).exists() and not (install and name == post.DEFAULT):
        raise ConfigError("--name", f"a posterior {name!r} exists at {out / name}",
                          "a new --name, or --install to replace the shipped default")
    started = time.perf_counter()
    history, observed = fit(cfg, names, plan, Path(work or Path("outputs") / "calibrate") / f"{name}.db", resume,
                            engine, cores, scheduler, custom=custom)
    table = posterior_table(history, names, cfg.params, custom)
    check = predictive(cfg, table, names, check_draws, plan.replicates, custom)
    provenance = {
        "name": name, "record_version": post.record_version(), "code_version": post.code_version(), "seed": cfg.seed,
        "budget": {"population": plan.population, "generations": plan.generations, "replicates": plan.replicates},
        "libraries": _libraries(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "statistics": observed, "parameters": names,
        "priors": priors.provenance_priors(names, custom),
        "base_params": {f.name: getattr(cfg.params, f.name) for f in fields(Params)},
        "diagnostics": diagnostics(history).to_dict("records"), "engine": {"engine": engine, "cores": cores},
        "command": " ".join(sys.argv), "seconds": round(time.perf_counter() - started, 1),
        "predictive": check.drop(columns="doc").to_dict("records"), "predictive_draws": check_draws}
    ess = provenance["diagnostics"][-1]["ess"] if provenance["diagnostics"] else 0.0
    if ess < ESS_WARNING * plan.population:
        provenance["warning"] = (f"effective sample size {ess:.1f} of {plan.population} particles: the weights have "
                                 "degenerated; the posterior rests on a few particles (fit fewer parameters or a "
                                 "larger population)")
        print(f"warning: {provenance['warning']}", file=sys.stderr)
    folder = post.write(out / name, table, provenance, replace_existing=install and name == post.DEFAULT)
    print(check.drop(columns="doc").to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"posterior {name!r} written to {folder}")
    if install and name != post.DEFAULT:
        print(f"--install: replacing the shipped default posterior {out / post.DEFAULT} with {name!r}")
        post.write(out / post.DEFAULT, table, {**provenance, "name": post.DEFAULT}, replace_existing=True)
    if install:
        write_mean_preset(post.load(post.DEFAULT, out), out.parent / "posterior.yaml")
    return folder


# ------------------------------------------------------------------------------------------------ legacy
HANOI_SIGNATURES = 65      # signatures at the opening in Hanoi, 25 October 2025 (UN News; ahc_process.csv)
# days from the opening for signature to entry into force: UNTOC 12 Dec 2000 -> 29 Sep 2003 (1,021 days), UNCAC
# 9 Dec 2003 -> 14 Dec 2005 (736 days); their mean (LITERATURE.md §6, calibration benchmarks)
EIF_TARGET_DAYS = 878.0


def signature_threshold(cfg: RunConfig, replicates: int = 64, target: float = HANOI_SIGNATURES) -> float:
    """The signature threshold nu_sig at which the mean number of signatories equals ``target``, by bisection
    (how the default of ``params.signature_threshold`` was set; the count falls as the threshold rises)."""
    from sim.aftermath import signatures
    from sim.core.seeds import Purpose, draw_normal
    from sim.engine import Negotiation
    from sim.enums import AdoptionMode

    world = build_world(cfg.scenario, cfg.seed)
    reps = np.arange(replicates)
    neg = Negotiation(world, cfg.params, cfg.rules, cfg.seed, reps).run()
    shock = draw_normal(cfg.seed, Purpose.SIGNATURE, reps, (world.n_states,))
    adopted = neg.mode != int(AdoptionMode.FAILED)

    def count(threshold):
        p = replace(cfg.params, signature_threshold=threshold)
        return (signatures(world, p, neg.d, neg.x, neg.u_reserve, shock) & adopted[:, None]).sum(axis=1).mean()

    lo, hi = -50.0, 50.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if count(mid) > target else (lo, mid)
    return round(0.5 * (lo + hi), 2)


def ratification_base(cfg: RunConfig, replicates: int = 64, target: float = EIF_TARGET_DAYS) -> float:
    """The baseline log-hazard beta_0 at which the median time to entry into force equals ``target`` days, by
    bisection (how the default of ``params.ratify_base`` was set)."""
    world = build_world(cfg.scenario, cfg.seed)

    def median_days(base):
        t = run_replicates(world, replace(cfg.params, ratify_base=base), cfg.rules, cfg.seed,
                           np.arange(replicates), "none").table
        return np.nanmedian(np.where(np.isfinite(t["eif_days"]), t["eif_days"], np.inf))

    lo, hi = -10.0, 2.0
    for _ in range(20):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if median_days(mid) > target else (lo, mid)
    return round(0.5 * (lo + hi), 2)
