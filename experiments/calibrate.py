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
import math
import sys
import time
import warnings
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import ConfigError, Params, RunConfig
from sim.runner import run_replicates
from sim.scenario import build_world

MAX_WEIGHT_RATIO = 20.0     # largest / smallest statistic weight in the distance
ESS_WARNING = 0.1           # warn when the last generation's effective sample size is below this share
BUDGETS = {"quick": (40, 3, 4), "default": (200, 6, 16)}     # population, generations, replicates per simulation


@dataclass(frozen=True)
class Budget:
    population: int
    generations: int
    replicates: int

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
def _meta() -> dict[str, dict]:
    return {f.name: {**f.metadata, "integer": isinstance(f.default, int)} for f in fields(Params)}


def uncertain_parameters() -> list[str]:
    """The ``Params`` fields with a plausible range wider than one point, in declaration order."""
    return [k for k, m in _meta().items() if m["plausible"][0] < m["plausible"][1]]


def parse_parameters(text: str | None) -> list[str]:
    """The parameters to fit: every uncertain one, or the comma list ``text`` (each checked, with a suggestion)."""
    allowed = uncertain_parameters()
    if not text:
        return allowed
    names = [n.strip() for n in text.split(",") if n.strip()]
    for n in names:
        if n not in allowed:
            near = difflib.get_close_matches(n, allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            fixed = " (its plausible range is a single point)" if n in _meta() else ""
            raise ConfigError("--parameters", f"{n!r} cannot be fitted{fixed}{hint}", ", ".join(allowed))
    return list(dict.fromkeys(names))


def prior_ranges(names: list[str]) -> dict[str, tuple[float, float]]:
    """The prior's support per parameter: the plausible range (whole-number fields: [lo, hi + 1), floored)."""
    meta = _meta()
    return {n: (float(meta[n]["plausible"][0]), float(meta[n]["plausible"][1]) + (1.0 if meta[n]["integer"] else 0.0))
            for n in names}


def prior(names: list[str]):
    """pyabc's prior: each parameter uniform on its plausible range, sampled as z ~ N(0, 1) with
    theta = lo + (hi - lo) * Phi(z) (:func:`from_unbounded`). Uniform in theta exactly (Phi is the prior's own
    CDF); ABC-SMC perturbs z, so no proposal falls outside the range, however many parameters there are, and the
    prior's Gaussian tails keep the importance weights steadier than logistic ones did (docs/FIT.md)."""
    import pyabc

    return pyabc.Distribution(**{n: pyabc.RV("norm", 0.0, 1.0) for n in names})


def from_unbounded(values: dict[str, float]) -> dict[str, float]:
    """theta per parameter from pyabc's unbounded coordinates z (see :func:`prior`)."""
    ranges = prior_ranges(list(values))
    return {k: lo + (hi - lo) * 0.5 * (1.0 + math.erf(float(z) / math.sqrt(2.0)))
            for k, z in values.items() for lo, hi in [ranges[k]]}


def to_params(base: Params, values: dict[str, float]) -> Params:
    """``base`` with the parameter ``values`` (theta): whole-number fields floored into their plausible range;
    where a draw puts ``admission_no`` above ``admission_yes`` (their ranges overlap), it is set equal to it."""
    meta, out = _meta(), {}
    for k, v in values.items():
        lo, hi = meta[k]["plausible"]
        out[k] = int(min(max(math.floor(v), lo), hi)) if meta[k]["integer"] else float(v)
    params = {**{f.name: getattr(base, f.name) for f in fields(Params)}, **out}
    params["admission_no"] = min(params["admission_no"], params["admission_yes"])
    return Params(**params)


# ------------------------------------------------------------------------------------------------ the model
class Simulator:
    """The model as pyabc sees it: a parameter dict -> the summary statistics of ``replicates`` replicates."""

    def __init__(self, cfg: RunConfig, statistics: list[str], replicates: int):
        self.cfg, self.statistics, self.replicates = cfg, statistics, replicates
        self._world = None

    def __getstate__(self):
        return {**self.__dict__, "_world": None}          # each worker builds the world once

    def __call__(self, parameter) -> dict[str, float]:
        from experiments.statistics import summary_statistics

        if self._world is None:
            self._world = build_world(self.cfg.scenario, self.cfg.seed)
        seed = int(np.random.randint(0, 2**62))  # noqa: NPY002 (pyabc samples from the global generator)
        params = to_params(self.cfg.params, from_unbounded(dict(parameter)))
        res = run_replicates(self._world, params, self.cfg.rules, seed, np.arange(self.replicates), "none")
        return summary_statistics(res, self.statistics)


def sampler(engine: str, cores: int, scheduler: str | None = None):
    """pyabc's sampler: one core (reproducible), the cores of this machine, or a dask cluster."""
    import pyabc

    if engine == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError("--engine", "dask is not installed", "pip install -e '.[dask]', or --engine local") from None

        client = Client(scheduler) if scheduler else Client(LocalCluster(n_workers=cores, threads_per_worker=1))
        return pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=4)
    if engine != "local":
        raise ConfigError("--engine", f"unknown engine {engine!r}", "local | dask")
    if cores == 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=cores)


# ------------------------------------------------------------------------------------------------ the fit
def diagnostics(history) -> pd.DataFrame:
    """ε, simulations, acceptance rate and effective sample size per generation of a pyabc history."""
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, p in pops.iterrows():
        _, w = history.get_distribution(m=0, t=int(p["t"]))
        rows.append({"generation": int(p["t"]), "epsilon": float(p["epsilon"]), "simulations": int(p["samples"]),
                     "accepted": int(p["particles"]), "acceptance_rate": float(p["particles"] / p["samples"]),
                     "ess": float(effective_sample_size(w))})
    return pd.DataFrame(rows)


def _say(t: int, generations: int, rate: float, eps: float, started: float, done: int) -> None:
    elapsed = time.perf_counter() - started
    left = elapsed / done * (generations - t - 1) if done else float("nan")
    print(f"generation {t + 1}/{generations}: acceptance {rate:.1%}, eps {eps:.3g}, elapsed {elapsed:.0f} s, "
          f"about {left:.0f} s left", file=sys.stderr, flush=True)


def fit(cfg: RunConfig, names: list[str], budget: Budget, db: Path, resume: bool = False, engine: str = "local",
        cores: int = 1, scheduler: str | None = None, on_generation=None, observed: dict | None = None):
    """Run (or continue) ABC-SMC into the sqlite history ``db``; return (history, observed statistics).

    ``observed`` replaces the record's statistics (a test on simulated data); ``on_generation(t, history)`` is
    called after each generation, after the progress line.
    """
    import pyabc

    from experiments.statistics import observed_statistics

    observed = observed_statistics() if observed is None else observed
    logging.getLogger("ABC").setLevel(logging.WARNING)     # the progress line below says what pyabc's log says
    db = Path(db)
    if db.exists() and not resume:
        raise ConfigError("--name", f"a fit history {db} exists", "--resume to continue it, or a new --name")
    if resume and not db.exists():
        raise ConfigError("--resume", f"no fit history {db}", "the --name of an interrupted fit")
    distance = pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.scale.root_mean_square_deviation,
                                           max_scale_weight_ratio=MAX_WEIGHT_RATIO)
    abc = pyabc.ABCSMC(Simulator(cfg, list(observed), budget.replicates), prior(names), distance,
                       population_size=budget.population, sampler=sampler(engine, cores, scheduler))
    db.parent.mkdir(parents=True, exist_ok=True)
    if resume:
        abc.load("sqlite:///" + str(db), 1)
    else:
        abc.new("sqlite:///" + str(db), observed)
    t0 = abc.history.max_t + 1
    np.random.seed([cfg.seed & 0xFFFFFFFF, t0])  # noqa: NPY002 (pyabc draws from it); a resumed fit: its own
    started, done = time.perf_counter(), 0
    try:
        if t0 < budget.generations:
            abc.initialize_components_before_run(minimum_epsilon=0.0, max_nr_populations=budget.generations - t0,
                                                 min_acceptance_rate=0.0, max_total_nr_simulations=np.inf,
                                                 max_walltime=None, min_eps_diff=0.0)
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


def posterior_table(history, names: list[str], base: Params) -> pd.DataFrame:
    """The last generation as the parameter values the model ran with, and a normalised ``weight`` column."""
    frame, w = history.get_distribution(m=0, t=history.max_t)
    used = [to_params(base, from_unbounded(row)) for row in frame[names].to_dict("records")]
    out = pd.DataFrame({n: [getattr(p, n) for p in used] for n in names})
    out["weight"] = np.asarray(w, float) / np.sum(w)
    return out


def predictive(cfg: RunConfig, table: pd.DataFrame, names: list[str], draws: int, replicates: int) -> pd.DataFrame:
    """Posterior-predictive check: each statistic over ``draws`` weighted draws, against the record."""
    from experiments.statistics import BY_NAME, observed_statistics, summary_statistics
    from sim.posterior import resample

    world, observed = build_world(cfg.scenario, cfg.seed), observed_statistics()
    rows = [summary_statistics(run_replicates(world, to_params(cfg.params, v), cfg.rules, cfg.seed,
                                              np.arange(replicates), "none"), list(observed))
            for v in resample(table, draws, cfg.seed)[names].to_dict("records")]
    sims = pd.DataFrame(rows)
    return pd.DataFrame([{"statistic": k, "record": v, "mean": sims[k].mean(), "lo": sims[k].quantile(0.05),
                          "hi": sims[k].quantile(0.95), "doc": BY_NAME[k].doc} for k, v in observed.items()])


def identification(posterior) -> pd.DataFrame:
    """Per fitted parameter: prior and posterior mean and sd, and the posterior sd as a share of the prior's (near 1:
    the record leaves the parameter at its prior)."""
    rows = []
    w = posterior.samples["weight"].to_numpy()
    for k in posterior.parameters:
        lo, hi = posterior.provenance["priors"][k]["uniform"]
        if _meta()[k]["integer"]:          # discrete uniform on lo .. hi - 1 (the values the model runs with)
            n = hi - lo
            prior_mean, prior_sd = lo + (n - 1) / 2, math.sqrt((n * n - 1) / 12)
        else:
            prior_mean, prior_sd = (lo + hi) / 2, (hi - lo) / math.sqrt(12)
        v = posterior.samples[k].to_numpy(float)
        mean = float(np.sum(w * v))
        sd = float(np.sqrt(np.sum(w * (v - mean) ** 2)))
        rows.append({"parameter": k, "prior_mean": prior_mean, "prior_sd": prior_sd, "posterior_mean": mean,
                     "posterior_sd": sd, "sd_ratio": sd / prior_sd})
    return pd.DataFrame(rows)


def _libraries() -> dict[str, str]:
    from importlib import metadata

    from sim import io

    return {**io.versions(), "pyabc": metadata.version("pyabc")}


def calibrate(cfg: RunConfig, parameters: str | None = None, budget: str = "default", name: str | None = None,
              install: bool = False, resume: bool = False, engine: str = "local", cores: int = 1,
              scheduler: str | None = None, out: str | Path | None = None, work: str | Path | None = None,
              check_draws: int = 20) -> Path:
    """Fit, then write the posterior ``name`` into ``out`` (default: the shipped posteriors) with its provenance and
    a posterior-predictive table. Never replaces a posterior, except the default with ``install``."""
    from datetime import UTC, datetime

    from sim import posterior as post

    names, plan = parse_parameters(parameters), Budget.parse(budget)
    name = name or datetime.now(UTC).strftime("fit_%Y-%m-%d_%H%M%S")
    out = Path(out) if out is not None else post.root()
    if (out / name).exists() and not (install and name == post.DEFAULT):
        raise ConfigError("--name", f"a posterior {name!r} exists at {out / name}",
                          "a new --name, or --install to replace the shipped default")
    started = time.perf_counter()
    history, observed = fit(cfg, names, plan, Path(work or Path("outputs") / "calibrate") / f"{name}.db", resume,
                            engine, cores, scheduler)
    table = posterior_table(history, names, cfg.params)
    check = predictive(cfg, table, names, check_draws, plan.replicates)
    provenance = {
        "name": name, "record_version": post.record_version(), "code_version": post.code_version(), "seed": cfg.seed,
        "budget": {"population": plan.population, "generations": plan.generations, "replicates": plan.replicates},
        "libraries": _libraries(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "statistics": observed, "parameters": names,
        "priors": {k: {"uniform": list(v)} for k, v in prior_ranges(names).items()},
        "base_params": {f.name: getattr(cfg.params, f.name) for f in fields(Params)},
        "diagnostics": diagnostics(history).to_dict("records"), "engine": {"engine": engine, "cores": cores},
        "command": " ".join(sys.argv), "seconds": round(time.perf_counter() - started, 1),
        "predictive": check.drop(columns="doc").to_dict("records")}
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


def write_mean_preset(posterior, dest: Path) -> None:
    """``configs/params/posterior.yaml``: the weighted mean of the default posterior (``params=posterior``)."""
    from sim import io

    meta = _meta()
    mean = {k: (int(round(v)) if meta[k]["integer"] else round(v, 6)) for k, v in posterior.mean().items()}
    lines = [f"# The weighted mean of the posterior {posterior.name!r} (configs/params/posterior/{posterior.name}/), "
             f"written by plenary calibrate --install on {posterior.provenance['date']}.",
             "# Use with: plenary run params=posterior. For parameter uncertainty: plenary run posterior.draws=50.",
             "defaults:", "  - default", "  - _self_", ""] + [f"{k}: {v}" for k, v in mean.items()]
    io.write_atomic(dest, lambda p: p.write_text("\n".join(lines) + "\n"))


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
